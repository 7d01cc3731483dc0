"""Scope in one place: ``restrict`` and ``has_role`` (DESIGN §4), and list pages without N+1 queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from cchc.accounts.models import RoleGrant, User
from cchc.accounts.roles import ALL_ROLES, Role
from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.agencies.services import rebuild_paths
from cchc.core import audit, scope
from cchc.core.models import AuditEntry
from cchc.core.scope import CHANGE, has_role, require_role
from cchc.dossiers import stats
from cchc.dossiers.filters import DossierFilterSet
from cchc.dossiers.models import Dossier, MonthDetail, MonthlyCount
from cchc.dossiers.services import import_dossiers_file
from cchc.dossiers.tables import dossiers_file
from conftest import client_for, make_user

EVERY_AGENCY = ["C1", "C2", "C3", "D1", "D2", "HA", "SA", "SB"]


def codes(queryset: Any) -> list[str]:
    return sorted(queryset.values_list("code", flat=True))


def fresh(user: User) -> User:
    """The user as a new request reads it: grants are cached on the user object."""
    return User.objects.get(pk=user.pk)


def grant(user: User, role: str, agency: Agency, descendants: bool = False) -> User:
    RoleGrant.objects.create(user=user, role=role, agency=agency, include_descendants=descendants)
    return fresh(user)


def log_change(agency: Agency, user: User | None = None) -> AuditEntry:
    return audit.record(user=user, obj=agency, action="update", changes={"name": ["old", agency.name]}, agency=agency)


# Who sees nothing


def test_a_visitor_sees_nothing_and_holds_no_role(province: Any) -> None:
    visitor = AnonymousUser()
    assert codes(Agency.objects.restrict(visitor)) == []
    assert not Block.objects.restrict(visitor).exists()
    assert not has_role(visitor, ALL_ROLES)


def test_a_user_without_a_grant_sees_nothing(province: Any) -> None:
    nobody = make_user("nobody")
    log_change(province.dept_a)
    assert codes(Agency.objects.restrict(nobody)) == []
    assert not Block.objects.restrict(nobody).exists()
    assert not AuditEntry.objects.restrict(nobody).exists()
    assert not has_role(nobody, ALL_ROLES)

    client = client_for(nobody)
    assert list(client.get("/agencies/").context["object_list"]) == []
    assert client.get("/agencies/SA/").status_code == 404
    assert client.get("/api/v1/agencies/").json()["results"] == []
    assert client.get("/agencies/blocks/").status_code == 403
    assert client.get("/audit/").status_code == 403


@pytest.mark.parametrize("persona", ["coordinator", "officer_a", "admin"])
def test_an_inactive_user_sees_nothing_whatever_it_was_granted(persona: str, personas: Any) -> None:
    user = personas.all()[persona]
    user.is_active = False
    user.save()
    user = fresh(user)
    assert codes(Agency.objects.restrict(user)) == []
    assert not Block.objects.restrict(user).exists()
    assert not has_role(user, ALL_ROLES)


def test_an_inactive_user_is_logged_out_of_pages_and_api(personas: Any) -> None:
    client = client_for(personas.coordinator)
    User.objects.filter(pk=personas.coordinator.pk).update(is_active=False)
    assert client.get("/agencies/").status_code == 302
    assert client.get("/api/v1/agencies/").status_code in (401, 403)


# Whose agencies


def test_a_grant_on_one_agency_covers_that_agency_only(province: Any) -> None:
    user = grant(make_user("u"), Role.VIEWER, province.district)
    assert codes(Agency.objects.restrict(user)) == ["D1"]


def test_a_grant_with_descendants_covers_the_subtree_not_ancestors_or_siblings(province: Any) -> None:
    user = grant(make_user("u"), Role.VIEWER, province.district, descendants=True)
    assert codes(Agency.objects.restrict(user)) == ["C1", "C2", "D1"]


def test_a_subtree_does_not_take_in_an_agency_whose_id_merely_starts_alike(province: Any) -> None:
    """D1's path is "/<HA>/<D1>/"; an agency with id <D1>0 has path "/<HA>/<D1>0/" and is not under it."""
    pk = int(f"{province.district.pk}0")
    while Agency.objects.filter(pk=pk).exists():
        pk = pk * 10
    lookalike = Agency.objects.create(pk=pk, code="LOOK", name="Look-alike", kind="district", parent=province.province)
    Agency.objects.create(code="LOOK-1", name="Its commune", kind="commune", parent=lookalike)
    rebuild_paths()
    user = grant(make_user("u"), Role.COORDINATOR, province.district, descendants=True)
    assert codes(Agency.objects.restrict(user)) == ["C1", "C2", "D1"]


def test_a_subtree_takes_in_agencies_added_later(province: Any) -> None:
    user = grant(make_user("u"), Role.VIEWER, province.district, descendants=True)
    Agency.objects.create(code="C9", name="New commune", kind="commune", parent=province.district)
    rebuild_paths()
    assert codes(Agency.objects.restrict(fresh(user))) == ["C1", "C2", "C9", "D1"]


def test_several_grants_add_up_and_list_each_agency_once(province: Any) -> None:
    user = make_user("u", Role.FOCAL, province.dept_a)
    grant(user, Role.VIEWER, province.district, descendants=True)
    user = grant(user, Role.COORDINATOR, province.district, descendants=True)
    assert codes(Agency.objects.restrict(user)) == ["C1", "C2", "D1", "SA"]
    assert codes(Block.objects.restrict(user)) == ["XA-D1"]
    client = client_for(user)
    assert sorted(r["code"] for r in client.get("/api/v1/agencies/").json()["results"]) == ["C1", "C2", "D1", "SA"]
    assert sorted(a.code for a in client.get("/agencies/").context["object_list"]) == ["C1", "C2", "D1", "SA"]


def test_a_system_administrator_sees_everything(personas: Any, province: Any) -> None:
    Agency.objects.create(code="LONE", name="No parent", kind="vertical")
    log_change(province.dept_b)
    audit.record(user=None, obj=province.block_departments, action="create")  # no agency concerned
    admin = fresh(personas.admin)
    assert codes(Agency.objects.restrict(admin)) == sorted([*EVERY_AGENCY, "LONE"])
    assert codes(Agency.objects.restrict(admin, CHANGE)) == sorted([*EVERY_AGENCY, "LONE"])
    assert AuditEntry.objects.restrict(admin).count() == 2
    assert has_role(admin, {Role.INSPECTOR})


def test_a_superuser_flag_alone_is_enough(province: Any) -> None:
    root = make_user("root", is_superuser=True)  # not staff, no grant
    assert codes(Agency.objects.restrict(root)) == EVERY_AGENCY


# Which roles


def test_has_role_answers_for_the_roles_held_anywhere(personas: Any) -> None:
    assert has_role(personas.officer_a, {Role.FOCAL})
    assert not has_role(personas.officer_a, {Role.HEAD, Role.COORDINATOR})
    assert has_role(personas.district_coordinator, {Role.COORDINATOR, Role.VIEWER})
    assert not has_role(personas.viewer, {Role.COORDINATOR})
    assert not has_role(personas.viewer, set())


def test_blocks_follow_block_roles_not_any_grant(province: Any) -> None:
    focal_everywhere = make_user("focal", Role.FOCAL, province.province, descendants=True)
    assert codes(Agency.objects.restrict(focal_everywhere)) == EVERY_AGENCY
    assert codes(Block.objects.restrict(focal_everywhere)) == []
    district_viewer = make_user("dv", Role.VIEWER, province.district)
    assert codes(Block.objects.restrict(district_viewer)) == ["XA-D1"]
    department_inspector = make_user("di", Role.INSPECTOR, province.dept_a)
    assert codes(Block.objects.restrict(department_inspector)) == []  # SBN is the province's


def test_the_audit_trail_is_for_coordinators_of_the_agency_concerned(personas: Any, province: Any) -> None:
    for agency in (province.dept_a, province.commune_1, province.other_commune):
        log_change(agency)
    audit.record(user=None, obj=province.block_departments, action="create")  # no agency concerned

    def seen(user: User) -> list[str]:
        return sorted(AuditEntry.objects.restrict(user).values_list("agency__code", flat=True))

    assert seen(personas.coordinator) == ["C1", "C3", "SA"]
    assert seen(personas.district_coordinator) == ["C1"]
    assert seen(personas.viewer) == []
    assert seen(personas.officer_a) == [], "an officer does not read the trail, even of its own agency"
    assert AuditEntry.objects.restrict(personas.admin).count() == 4


def test_no_role_may_change_agencies_until_a_model_says_so(personas: Any) -> None:
    for persona in ("coordinator", "officer_a", "viewer"):
        assert codes(Agency.objects.restrict(personas.all()[persona], CHANGE)) == [], persona


def test_grants_are_read_once_per_user_object(personas: Any, django_assert_num_queries: Any) -> None:
    user = fresh(personas.district_coordinator)
    with django_assert_num_queries(1):
        has_role(user, {Role.COORDINATOR})
        has_role(user, {Role.VIEWER})
        Agency.objects.restrict(user).query  # noqa: B018  (builds the SQL without running it)
        Block.objects.restrict(user).query  # noqa: B018


def test_require_role_refuses_a_user_without_the_role(personas: Any) -> None:
    @require_role(Role.COORDINATOR)
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.user = personas.district_coordinator
    assert view(request).content == b"ok"
    for user in (personas.viewer, personas.officer_a, AnonymousUser()):
        request.user = user
        with pytest.raises(PermissionDenied):
            view(request)


# Query counts: list pages read a constant number of times, however many rows they show


def grow(province: Any, users: list[User], n: int = 30) -> None:
    """``n`` more agencies under both districts, each with a successor, a block and a logged change."""
    parents = [province.district, province.other_district]
    new = Agency.objects.bulk_create(
        Agency(code=f"N{i:02}", name=f"Xã mới {i}", kind="commune", parent=parents[i % 2], active_from=date(2020, 1, 1))
        for i in range(n)
    )
    rebuild_paths()
    for i, agency in enumerate(new):
        agency.refresh_from_db()
        agency.successors.add(province.commune_1 if i % 2 else province.other_commune)
        block = Block.objects.create(year=2000 + i, code=f"B{i:02}", name=f"Khối {i}", owner=parents[i % 2])
        BlockMembership.objects.create(block=block, agency=agency)
        BlockMembership.objects.create(block=block, agency=parents[i % 2])
        log_change(agency, users[i % len(users)])


def shown(response: Any) -> int:
    """How many rows the response lists."""
    if response["Content-Type"].startswith("application/json"):
        return len(response.json()["results"])
    context = response.context
    return context["count"] if "count" in context else len(context["object_list"])


LIST_PAGES = ["/agencies/", "/agencies/tree/", "/api/v1/agencies/", "/audit/", "/agencies/blocks/", "/api/v1/blocks/"]


@pytest.mark.parametrize("persona", ["coordinator", "district_coordinator", "admin"])
@pytest.mark.parametrize("url", LIST_PAGES)
def test_a_list_page_does_not_query_per_row(
    url: str, persona: str, personas: Any, province: Any, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    client = client_for(personas.all()[persona])
    log_change(province.commune_1, personas.officer_a)  # one row for the audit trail to begin with
    client.get(url)  # first request of the process: fills caches (content types, translations)
    with CaptureQueriesContext(connection) as before:
        rows_before = shown(client.get(url))
    grow(province, users=[personas.officer_a, personas.head, personas.coordinator, personas.viewer])
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert shown(response) >= rows_before + 15, "the page must show the new rows for the count to mean anything"


# Dossier figures are read for someone, or not at all

YEAR_2025 = (date(2025, 1, 1), date(2025, 12, 31))
# Ten dossiers each, of which 1, 2 and 3 late; one officer per agency.
LATE = {"SA": 1, "SB": 2, "C1": 3}


@pytest.fixture
def dossiers(province: Any, tmp_path: Path) -> None:
    lines = ["dossier_code,agency_code,received_at,due_at,resolved_at,status,handler"]
    for code, late in LATE.items():
        for i in range(10):
            resolved = "2025-03-10" if i < late else "2025-03-01"
            lines.append(f"{code}-{i},{code},2025-02-01,2025-03-05,{resolved},resolved,can.bo.{code.lower()}")
    path = tmp_path / "dossiers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_dossiers_file(path)


def _resolved(groups: list[stats.Indicators]) -> int:
    return sum(g.resolved for g in groups)


# Every public reader of the aggregates, called with the keywords given (``user`` among them), and
# how many dossiers its answer counts.
STATS_READERS: dict[str, tuple[Callable[..., Any], Callable[[Any], int]]] = {
    "indicators": (lambda **kw: stats.indicators(*YEAR_2025, by="agency", **kw), _resolved),
    "indicators by procedure": (lambda **kw: stats.indicators(*YEAR_2025, by="procedure", **kw), _resolved),
    "indicators by month": (lambda **kw: stats.indicators(*YEAR_2025, by="month", **kw), _resolved),
    "total": (lambda **kw: stats.total(*YEAR_2025, **kw), lambda group: group.resolved),
    "agency_counts": (
        lambda **kw: stats.agency_counts(*YEAR_2025, **kw),
        lambda counts: sum(c["resolved"] for c in counts.values()),
    ),
    "monthly_trend": (lambda **kw: stats.monthly_trend(*YEAR_2025, **kw), _resolved),
    "handler_late_rates": (
        lambda **kw: stats.handler_late_rates(*YEAR_2025, **kw),
        lambda rows: sum(row["resolved"] for row in rows),
    ),
    "late_rates_by_agency": (lambda **kw: stats.late_rates_by_agency(2025, **kw), len),
}


@pytest.mark.parametrize("reader", list(STATS_READERS))
def test_a_dossier_figure_without_a_reader_is_a_type_error_not_everything(reader: str, dossiers: None) -> None:
    read, _counted = STATS_READERS[reader]
    with pytest.raises(TypeError, match="user"):
        read()
    with pytest.raises(TypeError, match="user"):
        read(agencies=Agency.objects.all())  # narrowing is not a reader


@pytest.mark.parametrize("reader", list(STATS_READERS))
def test_a_dossier_figure_read_for_nobody_is_empty(reader: str, dossiers: None) -> None:
    read, counted = STATS_READERS[reader]
    assert counted(read(user=scope.SYSTEM)) > 0
    for nobody in (None, AnonymousUser(), make_user("nobody")):
        assert counted(read(user=nobody)) == 0, nobody


SEES_DOSSIERS = {
    "officer_a": {"SA"},
    "officer_b": {"SB"},
    "head": {"SA"},
    "coordinator": {"SA", "SB", "C1"},
    "district_coordinator": {"C1"},
    "appraiser": {"SA", "SB", "C1"},
    "inspector": {"SA", "SB", "C1"},
    "viewer": {"SA", "SB", "C1"},
    "admin": {"SA", "SB", "C1"},
}
# HandlerMonthlyCount.scope_roles: the officers' own figures are not for focal officers or appraisers.
SEES_OFFICERS = {**SEES_DOSSIERS, "officer_a": set(), "officer_b": set(), "appraiser": set()}


@pytest.mark.parametrize("persona", list(SEES_DOSSIERS))
def test_the_dossier_figures_follow_each_aggregate_tables_own_scope(
    persona: str, personas: Any, dossiers: None
) -> None:
    user = fresh(personas.all()[persona])
    by_agency = stats.indicators(*YEAR_2025, user=user, by="agency")
    assert {g.key for g in by_agency} == SEES_DOSSIERS[persona]
    assert stats.total(*YEAR_2025, user=user).late == sum(LATE[c] for c in SEES_DOSSIERS[persona])
    officers = stats.handler_late_rates(*YEAR_2025, user=user)
    assert {row["agency__code"] for row in officers} == SEES_OFFICERS[persona]
    client, period = client_for(user), "start=2025-01-01&end=2025-12-31&by=agency"
    api = client.get(f"/api/v1/dossier-stats/?{period}").json()
    assert {g["key"] for g in api["groups"]} == SEES_DOSSIERS[persona]
    assert {g.key for g in client.get(f"/dossiers/?{period}").context["groups"]} == SEES_DOSSIERS[persona]
    rows = client.get(f"/dossiers/service-index/?{period}").context["rows"]
    assert {row["group"].key for row in rows} == SEES_DOSSIERS[persona]
    # Every one of them is late on more than rule 1's 5 %.
    rule1 = client.get("/dossiers/targets/?year=2025").context["rule1"]
    assert {item["group"].key for item in rule1} == SEES_DOSSIERS[persona]


def test_the_system_reads_every_agency_and_says_so(dossiers: None) -> None:
    assert {g.key for g in stats.indicators(*YEAR_2025, user=scope.SYSTEM, by="agency")} == set(LATE)
    assert len(stats.handler_late_rates(*YEAR_2025, user=scope.SYSTEM)) == 3
    assert Dossier.objects.restrict(scope.SYSTEM).count() == 30


def test_narrowing_the_agencies_never_widens_the_readers_scope(personas: Any, province: Any, dossiers: None) -> None:
    district = personas.district_coordinator
    assert stats.indicators(*YEAR_2025, user=district, by="agency", agencies=[province.dept_a.pk]) == []
    assert {g.key for g in stats.indicators(*YEAR_2025, user=district, by="agency", agencies=Agency.objects.all())} == {
        "C1"
    }
    assert stats.handler_late_rates(*YEAR_2025, user=district, agencies=Agency.objects.all())[0]["agency__code"] == "C1"


def test_the_aggregates_declare_who_reads_them(personas: Any, dossiers: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages and the API read the figures through the aggregate tables' own ``scope_roles``: narrow
    them to coordinators and a leadership viewer sees nothing, though it sees every agency."""
    coordinators = {"view": frozenset({Role.COORDINATOR})}
    for model in (MonthlyCount, MonthDetail):
        monkeypatch.setattr(model, "scope_roles", coordinators)
    url = "/api/v1/dossier-stats/?start=2025-01-01&end=2025-12-31&by=agency"
    assert client_for(personas.viewer).get(url).json()["groups"] == []
    assert (
        client_for(personas.viewer).get("/dossiers/?start=2025-01-01&end=2025-12-31").context["overall"].resolved == 0
    )
    assert len(client_for(personas.coordinator).get(url).json()["groups"]) == 3
    assert Agency.objects.restrict(personas.viewer).count() == len(EVERY_AGENCY)


def test_stored_dossiers_are_listed_from_restricted_querysets_only(
    personas: Any, province: Any, dossiers: None
) -> None:
    every = Dossier.objects.all()
    for read in (
        lambda: DossierFilterSet({"q": "SA-1"}, queryset=every).listing(),
        lambda: DossierFilterSet({}, queryset=every.filter(agency=province.dept_a)).listing(),
        lambda: dossiers_file(every, "csv", title=""),
    ):
        with pytest.raises(TypeError):
            read()

    def listed(user: Any, **query: str) -> list[Any]:
        return list(DossierFilterSet(query, queryset=Dossier.objects.restrict(user)).listing())

    assert listed(personas.officer_b, q="SA-1") == []
    found = listed(personas.officer_a, q="SA-1")
    assert len(found) == 1 and found[0].agency_id == province.dept_a.pk
    assert len(listed(personas.district_coordinator)) == 10
    assert listed(None) == []


def test_a_restricted_queryset_stays_restricted_through_filters_and_values(personas: Any, province: Any) -> None:
    rows = Dossier.objects.restrict(personas.officer_a)
    for derived in (
        rows.filter(received_on__year=2025),
        rows.values("agency_id"),
        rows.none(),
        rows.order_by("-received_on"),
    ):
        assert scope.restricted(derived) is derived
    with pytest.raises(TypeError, match="restrict"):
        scope.restricted(Dossier.objects.filter(agency__in=Agency.objects.restrict(personas.officer_a)))
