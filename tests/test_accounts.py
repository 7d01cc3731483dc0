"""Logging in and out through the real forms, lock-out, the password policy, the profile and the audit trail.

django-axes needs the request at authentication, so every login goes through the login page
(``client.post``), never ``client.login``.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from cchc.accounts.models import User
from cchc.core import audit
from cchc.core.models import AuditEntry
from conftest import PASSWORD, client_for

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
PASSWORD_CHANGE = "/accounts/password/"
PROFILE = "/accounts/profile/"
AUDIT = "/audit/"
NEW_PASSWORD = "Hoa-An-cai-cach-2027"


def log_in(client: Client, username: str, password: str, **extra: str):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def logged_in_as(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


# --- logging in and out ------------------------------------------------------------------------------


def test_login_through_the_form(personas):
    client = Client()
    page = client.get(LOGIN)
    assert page.status_code == 200
    assert b'name="password"' in page.content
    response = log_in(client, "officer_a", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_as(client) == personas.officer_a.pk
    assert client.get("/").status_code == 200


def test_login_with_the_csrf_token_of_the_page(personas):
    client = Client(enforce_csrf_checks=True)
    client.get(LOGIN)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    assert log_in(client, "officer_a", PASSWORD).status_code == 403  # no token, no login
    response = log_in(client, "officer_a", PASSWORD, csrfmiddlewaretoken=token)
    assert response.status_code == 302
    assert logged_in_as(client) == personas.officer_a.pk


def test_login_follows_a_local_next_only(personas):
    client = Client()
    response = log_in(client, "coordinator", PASSWORD, next="/audit/")
    assert response["Location"] == "/audit/"
    other = Client()
    response = log_in(other, "coordinator", PASSWORD, next="https://evil.example/steal")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_wrong_password_shows_an_error(personas):
    client = Client()
    response = log_in(client, "officer_a", "not-the-password-1")
    assert response.status_code == 200
    assert b'id="login-error"' in response.content
    assert response.context["form"].errors["__all__"]
    assert logged_in_as(client) is None
    assert client.get(PROFILE).status_code == 302


def test_unknown_user_shows_the_same_error(personas):
    response = log_in(Client(), "nobody", PASSWORD)
    assert response.status_code == 200
    assert b'id="login-error"' in response.content


def test_inactive_user_cannot_log_in(personas):
    User.objects.filter(pk=personas.viewer.pk).update(is_active=False)
    client = Client()
    assert log_in(client, "viewer", PASSWORD).status_code == 200
    assert logged_in_as(client) is None


def test_lock_out_after_the_failure_limit_even_with_the_right_password(personas):
    limit = settings.AXES_FAILURE_LIMIT
    client = Client()
    for _ in range(limit - 1):
        assert log_in(client, "officer_a", "wrong-Password-1").status_code == 200
    locking = log_in(client, "officer_a", "wrong-Password-1")
    assert locking.status_code == 429
    response = log_in(client, "officer_a", PASSWORD)
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert logged_in_as(client) is None
    assert log_in(Client(), "officer_a", PASSWORD).status_code == 429  # a new session from the same address


def test_lock_out_is_per_user_and_address(personas):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "officer_a", "wrong-Password-1")
    assert log_in(client, "officer_a", PASSWORD).status_code == 429
    # Another user from the same address is not locked out…
    colleague = Client()
    assert log_in(colleague, "officer_b", PASSWORD).status_code == 302
    # …nor the same user from another address.
    elsewhere = Client(REMOTE_ADDR="10.20.30.40")
    assert log_in(elsewhere, "officer_a", PASSWORD).status_code == 302
    assert logged_in_as(elsewhere) == personas.officer_a.pk


def test_a_successful_login_resets_the_failures(personas):
    limit = settings.AXES_FAILURE_LIMIT
    client = Client()
    for _ in range(limit - 1):
        log_in(client, "officer_a", "wrong-Password-1")
    assert log_in(client, "officer_a", PASSWORD).status_code == 302
    client.post(LOGOUT)
    for _ in range(limit - 1):
        assert log_in(client, "officer_a", "wrong-Password-1").status_code == 200
    assert log_in(client, "officer_a", PASSWORD).status_code == 302


def test_the_limit_follows_the_setting(personas, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    assert log_in(client, "head", "wrong-Password-1").status_code == 200
    assert log_in(client, "head", "wrong-Password-1").status_code == 429
    assert log_in(client, "head", PASSWORD).status_code == 429


def test_logout_by_post(personas):
    client = Client()
    log_in(client, "officer_a", PASSWORD)
    assert client.get(LOGOUT).status_code == 405  # a link cannot log anyone out
    assert logged_in_as(client) == personas.officer_a.pk
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert logged_in_as(client) is None
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# --- password change ---------------------------------------------------------------------------------


def change_password(client: Client, old: str, new: str, again: str | None = None):
    return client.post(
        PASSWORD_CHANGE, {"old_password": old, "new_password1": new, "new_password2": new if again is None else again}
    )


def refusal_codes(response) -> set[str]:
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    return {e.code for field_errors in errors.values() for e in field_errors}


@pytest.fixture
def officer_client(personas) -> Client:
    client = Client()
    assert log_in(client, "officer_a", PASSWORD).status_code == 302
    return client


@pytest.mark.parametrize(
    ("new", "code"),
    [
        ("Ab1-xyz", "password_too_short"),
        ("chimcanhcutxanh", "password_character_classes"),
        ("password123", "password_too_common"),
        ("8391045726", "password_entirely_numeric"),
    ],
)
def test_password_policy_refuses(officer_client, personas, new, code):
    response = change_password(officer_client, PASSWORD, new)
    assert code in refusal_codes(response)
    personas.officer_a.refresh_from_db()
    assert personas.officer_a.check_password(PASSWORD)


def test_password_change_needs_the_old_password_and_two_equal_new_ones(officer_client, personas):
    assert "password_incorrect" in refusal_codes(change_password(officer_client, "wrong-old-1", NEW_PASSWORD))
    assert "password_mismatch" in refusal_codes(
        change_password(officer_client, PASSWORD, NEW_PASSWORD, "Other-pass-2027")
    )
    personas.officer_a.refresh_from_db()
    assert personas.officer_a.check_password(PASSWORD)


def test_policy_is_explained_on_the_form(officer_client):
    response = officer_client.get(PASSWORD_CHANGE)
    assert response.status_code == 200
    assert b'name="new_password1"' in response.content
    assert b"form-text" in response.content  # the validators' help texts


def test_a_good_password_is_accepted_and_the_old_one_stops_working(officer_client, personas):
    response = change_password(officer_client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/done/"
    assert logged_in_as(officer_client) == personas.officer_a.pk  # this session stays logged in
    assert officer_client.get(response["Location"]).status_code == 200

    old = Client()
    assert log_in(old, "officer_a", PASSWORD).status_code == 200
    assert logged_in_as(old) is None
    new = Client()
    assert log_in(new, "officer_a", NEW_PASSWORD).status_code == 302
    assert logged_in_as(new) == personas.officer_a.pk


def test_password_change_ends_other_sessions(personas):
    elsewhere = Client()
    log_in(elsewhere, "officer_a", PASSWORD)
    here = Client()
    log_in(here, "officer_a", PASSWORD)
    assert change_password(here, PASSWORD, NEW_PASSWORD).status_code == 302
    assert elsewhere.get(PROFILE).status_code == 302  # the other browser must log in again
    assert here.get(PROFILE).status_code == 200


def test_anonymous_cannot_reach_the_password_page():
    response = Client().get(PASSWORD_CHANGE)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# --- profile -----------------------------------------------------------------------------------------


def test_profile_lists_the_users_grants(personas, province):
    response = client_for(personas.officer_a).get(PROFILE)
    assert response.status_code == 200
    grants = list(response.context["grants"])
    assert [(g.role, g.agency) for g in grants] == [("focal", province.dept_a)]
    content = response.content.decode()
    assert province.dept_a.name in content
    assert f'href="/agencies/{province.dept_a.code}/"' in content
    assert province.dept_b.name not in content
    assert "officer_a" in content


def test_profile_shows_a_grant_with_its_subordinates(personas, province):
    response = client_for(personas.district_coordinator).get(PROFILE)
    grants = list(response.context["grants"])
    assert [(g.role, g.agency, g.include_descendants) for g in grants] == [("coordinator", province.district, True)]
    assert province.district.name in response.content.decode()
    assert "badge" in response.content.decode()


def test_profile_needs_a_login():
    response = Client().get(PROFILE)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# --- audit trail ---------------------------------------------------------------------------------------


@pytest.fixture
def audit_entries(personas, province) -> dict[str, AuditEntry]:
    """One recorded change on each of several agencies, keyed by agency code."""
    entries = {}
    for agency in (province.dept_a, province.district, province.commune_1, province.commune_2, province.other_commune):
        entries[agency.code] = audit.record(
            user=personas.admin,
            obj=agency,
            action=AuditEntry.Action.UPDATE,
            changes={"name": [f"Tên cũ {agency.code}", f"Tên mới {agency.code}"]},
            reason=f"lý do {agency.code}",
            agency=agency,
        )
    return entries


def listed(client: Client, query: str = "") -> set[str]:
    response = client.get(AUDIT + query)
    assert response.status_code == 200
    return {e.agency.code for e in response.context["object_list"]}


def test_coordinator_sees_every_entry_with_old_and_new_values(personas, audit_entries):
    client = client_for(personas.coordinator)
    assert listed(client) == {"SA", "D1", "C1", "C2", "C3"}
    content = client.get(AUDIT).content.decode()
    assert "Tên cũ SA → Tên mới SA" in content
    assert "lý do C3" in content
    assert '<span class="text-body-secondary">Tên:</span> Tên cũ SA' in content  # the field as the interface labels it


def test_district_coordinator_sees_its_district_and_communes_only(personas, audit_entries):
    client = client_for(personas.district_coordinator)
    assert listed(client) == {"D1", "C1", "C2"}
    content = client.get(AUDIT).content.decode()
    assert "Tên mới C1" in content
    assert "Tên mới SA" not in content
    assert "Tên mới C3" not in content


def test_filtering_cannot_widen_the_scope(personas, audit_entries):
    client = client_for(personas.district_coordinator)
    assert listed(client, "?agency=C1") == {"C1"}
    assert listed(client, "?agency=SA") == set()
    assert listed(client, "?agency=C3") == set()


def test_administrator_sees_everything(personas, audit_entries):
    assert listed(client_for(personas.admin)) == set(audit_entries)


@pytest.mark.parametrize("persona", ["officer_a", "officer_b", "head", "appraiser", "inspector", "viewer"])
def test_non_coordinators_are_refused(personas, audit_entries, persona):
    assert client_for(getattr(personas, persona)).get(AUDIT).status_code == 403


def test_anonymous_is_sent_to_the_login_page(personas):
    response = Client().get(AUDIT)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_password_login_reaches_the_audit_trail(personas, audit_entries):
    client = Client()
    assert log_in(client, "district_coordinator", PASSWORD, next=AUDIT)["Location"] == AUDIT
    assert listed(client) == {"D1", "C1", "C2"}
