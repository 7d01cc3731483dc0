"""Changes made in the admin go into the audit trail: agencies and role grants alike."""

from cchc.accounts.models import RoleGrant
from cchc.core.models import AuditEntry
from conftest import client_for


def _user_form(user, grants):
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "position": "",
        "email": "",
        "first_name": "",
        "last_name": "",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "last_login_0": "",
        "last_login_1": "",
        "grants-TOTAL_FORMS": str(len(grants)),
        "grants-INITIAL_FORMS": str(sum(1 for g in grants if g.get("id"))),
        "grants-MIN_NUM_FORMS": "0",
        "grants-MAX_NUM_FORMS": "1000",
    }
    for i, grant in enumerate(grants):
        for key, value in grant.items():
            data[f"grants-{i}-{key}"] = value
        data[f"grants-{i}-user"] = str(user.pk)
    return data


def test_granting_and_withdrawing_a_role_is_audited(personas, province):
    admin = client_for(personas.admin)
    target = personas.officer_b
    url = f"/admin/accounts/user/{target.pk}/change/"
    existing = RoleGrant.objects.get(user=target)
    response = admin.post(
        url,
        _user_form(
            target,
            [
                {"id": str(existing.pk), "role": "focal", "agency": str(province.dept_b.pk)},
                {"role": "head", "agency": str(province.dept_b.pk), "include_descendants": ""},
            ],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = RoleGrant.objects.get(user=target, role="head")
    created = AuditEntry.objects.get(object_id=str(grant.pk), action="create")
    assert created.user == personas.admin
    assert created.agency == province.dept_b
    assert created.changes["role"] == [None, "head"]

    response = admin.post(
        url,
        _user_form(
            target,
            [
                {"id": str(existing.pk), "role": "focal", "agency": str(province.dept_b.pk)},
                {"id": str(grant.pk), "role": "head", "agency": str(province.dept_b.pk), "DELETE": "on"},
            ],
        ),
    )
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    deleted = AuditEntry.objects.get(object_id=str(grant.pk), action="delete")
    assert deleted.changes["role"] == ["head", None]


def test_editing_an_agency_in_the_admin_records_old_and_new(personas, province):
    admin = client_for(personas.admin)
    agency = province.commune_1
    response = admin.post(
        f"/admin/agencies/agency/{agency.pk}/change/",
        {
            "code": agency.code,
            "name": "UBND xã Một Mới",
            "kind": "commune",
            "parent": str(province.other_district.pk),
            "active_from": "2000-01-01",
            "active_to": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agency.refresh_from_db()
    entry = AuditEntry.objects.get(object_id=str(agency.pk), action="update")
    assert entry.changes["name"] == ["UBND xã Một", "UBND xã Một Mới"]
    assert entry.changes["parent"] == [
        {"id": province.district.pk, "label": "UBND huyện Một (D1)"},
        {"id": province.other_district.pk, "label": "UBND huyện Hai (D2)"},
    ]
    # The tree follows the move: the commune now sits under the other district.
    assert agency.path == f"{province.other_district.path}{agency.code}/"
