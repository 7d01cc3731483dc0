"""`cchc demo_data`: the fictional province someone trying the system logs into."""

from __future__ import annotations

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from cchc.accounts.models import RoleGrant, User
from cchc.accounts.roles import Role
from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.core.models import AuditEntry

pytestmark = pytest.mark.django_db

MERGE_DAY = date(2025, 7, 1)


@pytest.fixture
def demo_output() -> str:
    out = StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


def printed_logins(output: str) -> tuple[str, list[str]]:
    """The shared password and the user names the command prints."""
    password = re.search(r":\s*(\S+)\)\s*:\s*$", output, re.MULTILINE)
    assert password, output
    usernames = [line.split()[0] for line in output.splitlines() if line.startswith("  ") and line.strip()]
    return password.group(1), usernames


def test_agencies_of_every_kind(demo_output):
    def count(kind: str) -> int:
        return Agency.objects.filter(kind=kind).count()

    assert count("province") == 1
    assert count("department") >= 20
    assert count("district") == 8
    assert count("commune") >= 120
    assert count("vertical") == 6
    assert count("public_service") >= 1


def test_the_tree_is_consistent(demo_output):
    province = Agency.objects.get(kind="province")
    assert (province.parent, province.depth, province.path) == (None, 0, f"/{province.code}/")
    for agency in Agency.objects.exclude(pk=province.pk).select_related("parent"):
        assert agency.parent is not None, agency.code
        assert agency.path == f"{agency.parent.path}{agency.code}/"
        assert agency.depth == agency.parent.depth + 1
    for district in Agency.objects.filter(kind="district"):
        communes = district.descendants()
        assert communes.count() >= 10
        assert set(communes.values_list("kind", flat=True)) == {"commune"}


def test_districts_ended_with_the_reorganisation(demo_output):
    for district in Agency.objects.filter(kind="district"):
        assert district.is_active_on(date(2025, 6, 30))
        assert not district.is_active_on(MERGE_DAY)
    assert Agency.objects.active_on(MERGE_DAY).filter(kind="district").count() == 0
    assert Agency.objects.active_on(MERGE_DAY).filter(kind="commune").count() >= 30


def test_merged_communes_have_successors(demo_output):
    merged = Agency.objects.filter(kind="commune", active_to__isnull=False)
    assert merged.count() >= 120
    for commune in merged.prefetch_related("successors"):
        assert commune.active_to == date(2025, 6, 30)
        successors = list(commune.successors.all())
        assert successors, commune.code
        for successor in successors:
            assert successor.kind == "commune"
            assert (successor.active_from, successor.active_to) == (MERGE_DAY, None)
            assert successor.parent.kind == "province"
    new_communes = Agency.objects.filter(kind="commune", active_from=MERGE_DAY)
    assert new_communes.exists()
    for commune in new_communes:
        assert commune.predecessors.count() >= 2  # a merger joins several old communes


def test_blocks_for_several_years(demo_output):
    years = sorted(set(Block.objects.values_list("year", flat=True)))
    assert len(years) >= 3
    assert any(y < 2025 for y in years) and any(y >= 2025 for y in years)
    for year in years:
        departments = Block.objects.get(year=year, code="SBN")
        assert departments.members.count() >= 20
        assert set(departments.members.values_list("kind", flat=True)) == {"department"}
    before = min(years)
    district_blocks = Block.objects.filter(year=before, owner__kind="district")
    assert district_blocks.count() == 8
    for block in district_blocks:
        assert block.members.exists()
        assert all(m.parent_id == block.owner_id for m in block.members.all())
    # An agency is ranked in one block a year.
    memberships = BlockMembership.objects.values_list("agency_id", "year")
    assert len(memberships) == len(set(memberships))


def test_a_user_for_every_role_and_a_superuser(demo_output):
    granted = set(RoleGrant.objects.values_list("role", flat=True))
    assert granted == set(Role.values)
    assert User.objects.filter(is_superuser=True, is_active=True).exists()
    coordinators = RoleGrant.objects.filter(role=Role.COORDINATOR)
    assert {g.agency.kind for g in coordinators} >= {"province", "district"}


def test_every_printed_user_logs_in_with_the_printed_password(demo_output):
    password, usernames = printed_logins(demo_output)
    assert set(usernames) == set(User.objects.values_list("username", flat=True))
    for username in usernames:
        client = Client()
        response = client.post("/accounts/login/", {"username": username, "password": password})
        assert response.status_code == 302, username
        assert client.get("/").status_code == 200, username


def test_demo_users_see_their_scope(demo_output):
    password, _ = printed_logins(demo_output)
    grant = RoleGrant.objects.select_related("user", "agency").get(role=Role.FOCAL, agency__code="STP")
    client = Client()
    client.post("/accounts/login/", {"username": grant.user.username, "password": password})
    assert client.get("/agencies/STP/").status_code == 200
    assert client.get("/agencies/SYT/").status_code == 404


def test_creation_is_in_the_audit_trail(demo_output):
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).count() == Agency.objects.count()


def test_if_empty_second_run_adds_nothing(demo_output):
    def totals() -> tuple[int, ...]:
        return tuple(model.objects.count() for model in (Agency, Block, BlockMembership, User, RoleGrant, AuditEntry))

    before = totals()
    out = StringIO()
    call_command("demo_data", "--if-empty", stdout=out)
    assert totals() == before
    password, usernames = printed_logins(out.getvalue())
    assert (password, usernames) == printed_logins(demo_output)  # the logins are printed again


def test_if_empty_loads_an_empty_database():
    call_command("demo_data", "--if-empty", stdout=StringIO())
    assert Agency.objects.filter(kind="district").count() == 8


def test_scale_multiplies_the_communes():
    call_command("demo_data", "--scale", "2", stdout=StringIO())
    assert Agency.objects.filter(kind="commune", active_to__isnull=False).count() == 2 * 120


def test_scale_below_one_is_refused():
    err = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("demo_data", "--scale", "0", stdout=StringIO(), stderr=err)
    assert exit_.value.code != 0
    assert "--scale" in err.getvalue()
    assert Agency.objects.count() == 0
