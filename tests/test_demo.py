"""`cchc demo_data`: the fictional province someone trying the system logs into.

The tests of the loaded province share one load (a class-scoped fixture, rolled back at the end):
the demo holds a few hundred thousand dossiers, and loading it for every test would take minutes.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from cchc.accounts.models import RoleGrant, User
from cchc.accounts.roles import Role
from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.core.models import AuditEntry
from cchc.core.scope import SYSTEM
from cchc.dossiers.models import MonthDetail, MonthlyCount, Procedure
from cchc.scoring.models import Assessment, Method, Score
from tests.scoring_helpers import maintained_totals, summed_from_scores

pytestmark = pytest.mark.django_db

MERGE_DAY = date(2025, 7, 1)
# What each of these agencies handles in a real province, written here independently of the demo.
HANDLED_BY = {
    "STP": {
        "Lý lịch tư pháp",
        "Hộ tịch",
        "Công chứng",
        "Chứng thực",
        "Quốc tịch",
        "Luật sư",
        "Đấu giá tài sản",
        "Trợ giúp pháp lý",
        "Giám định tư pháp",
        "Bồi thường nhà nước",
        "Trọng tài thương mại",
    },
    "SYT": {
        "Khám bệnh, chữa bệnh",
        "Dược phẩm",
        "Mỹ phẩm",
        "An toàn thực phẩm và dinh dưỡng",
        "Y tế dự phòng",
        "Giám định y khoa",
        "Trang thiết bị y tế",
    },
    "STNMT": {"Đất đai", "Môi trường", "Tài nguyên nước", "Khoáng sản", "Đo đạc và bản đồ", "Biển và hải đảo"},
}
COMMUNE_FIELDS = {"Hộ tịch", "Chứng thực", "Bảo trợ xã hội", "Người có công", "Đất đai"}
# What passed from the districts to the communes on 1 July 2025.
DISTRICT_FIELDS = {
    "Đất đai",
    "Xây dựng",
    "Thành lập và hoạt động của hộ kinh doanh",
    "Hộ tịch",
    "Chứng thực",
    "Bảo trợ xã hội",
    "Giáo dục và Đào tạo",
}
LEVEL_OF_KIND = {"department": "province", "vertical": "province", "district": "district", "commune": "commune"}


@pytest.fixture(scope="class")
def demo_output(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """The demo loaded once for a class of tests (``--if-empty`` on the empty test database)."""
    media = tempfile.mkdtemp(prefix="cchc-demo-media-")  # the demo's evidence files, not in data/
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(MEDIA_ROOT=media):
        out = StringIO()
        call_command("demo_data", "--if-empty", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
    shutil.rmtree(media, ignore_errors=True)


def logged_in(username: str, password: str) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"username": username, "password": password}).status_code == 302
    return client


def printed_logins(output: str) -> tuple[str, list[str]]:
    """The shared password and the user names the command prints."""
    password = re.search(r":\s*(\S+)\)\s*:\s*$", output, re.MULTILINE)
    assert password, output
    usernames = [line.split()[0] for line in output.splitlines() if line.startswith("  ") and line.strip()]
    return password.group(1), usernames


class TestLoadedProvince:
    """The province as ``cchc demo_data`` loads it (once for the class: loading it takes half a minute)."""

    def test_the_summary_line_is_vietnamese(self, demo_output):
        line = demo_output.splitlines()[0]
        assert line.startswith("Đã nạp tỉnh mẫu: "), line
        assert re.search(r"\b\d{1,3}(\.\d{3})+ hồ sơ\b", line), line  # 30.000 hồ sơ: thousands the Vietnamese way
        for label in ("cơ quan, đơn vị", "khối", "tài khoản", "thủ tục", "bộ tiêu chí Chỉ số CCHC"):
            assert label in line, (label, line)
        english = re.findall(r"\b(agencies|blocks|users|procedures|dossiers|PAR)\b", line)
        assert not english, line
        # Every count is named by its label in the summary's table, none by the code's own key.
        from cchc.core.management.commands.demo_data import COUNTED

        labels = {str(label) for label in COUNTED.values()}
        parts = line.removeprefix("Đã nạp tỉnh mẫu: ").removesuffix(".").split("; ")
        unnamed = [part for part in parts if part.split(" ", 1)[1] not in labels]
        assert not unnamed, unnamed
        assert "Tài khoản dùng thử (mật khẩu chung: " in demo_output

    def test_a_conclusion_and_an_inspection_round(self, demo_output):
        from cchc.inspections.models import Directive, DirectiveTask, Finding, RemediationStep
        from cchc.inspections.stats import inspection_stats

        assert Directive.objects.count() == 12 and Finding.objects.count() >= 10
        assert DirectiveTask.objects.count() >= 4
        states = set(Finding.objects.values_list("status", flat=True))
        assert states == {"open", "reported", "verified"}
        (group,) = inspection_stats(2026, user=SYSTEM, as_of=date(2026, 12, 1))
        assert group.overdue > 0 and group.remedied > 0 and group.reported > 0 and group.agencies >= 5
        assert RemediationStep.objects.filter(kind="returned").exists()

    def test_agencies_of_every_kind(self, demo_output):
        def count(kind: str) -> int:
            return Agency.objects.filter(kind=kind).count()

        assert count("province") == 1
        assert count("department") >= 20
        assert count("district") == 8
        assert count("commune") >= 120
        assert count("vertical") == 6
        assert count("public_service") >= 1

    def test_the_tree_is_consistent(self, demo_output):
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

    def test_districts_ended_with_the_reorganisation(self, demo_output):
        for district in Agency.objects.filter(kind="district"):
            assert district.is_active_on(date(2025, 6, 30))
            assert not district.is_active_on(MERGE_DAY)
        assert Agency.objects.active_on(MERGE_DAY).filter(kind="district").count() == 0
        assert Agency.objects.active_on(MERGE_DAY).filter(kind="commune").count() >= 30

    def test_merged_communes_have_successors(self, demo_output):
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

    def test_blocks_for_several_years(self, demo_output):
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

    def test_a_user_for_every_role_and_a_superuser(self, demo_output):
        granted = set(RoleGrant.objects.values_list("role", flat=True))
        assert granted == set(Role.values)
        assert User.objects.filter(is_superuser=True, is_active=True).exists()
        coordinators = RoleGrant.objects.filter(role=Role.COORDINATOR)
        assert {g.agency.kind for g in coordinators} >= {"province", "district"}

    def test_every_printed_user_logs_in_with_the_printed_password(self, demo_output):
        password, usernames = printed_logins(demo_output)
        assert set(usernames) == set(User.objects.values_list("username", flat=True))
        for username in usernames:
            client = Client()
            response = client.post("/accounts/login/", {"username": username, "password": password})
            assert response.status_code == 302, username
            assert client.get("/").status_code == 200, username

    def test_demo_users_see_their_scope(self, demo_output):
        password, _ = printed_logins(demo_output)
        grant = RoleGrant.objects.select_related("user", "agency").get(role=Role.FOCAL, agency__code="STP")
        client = Client()
        client.post("/accounts/login/", {"username": grant.user.username, "password": password})
        assert client.get("/agencies/STP/").status_code == 200
        assert client.get("/agencies/SYT/").status_code == 404

    def test_the_plan_has_progress_parts_and_a_recurring_quarterly_report(self, demo_output):
        from cchc.plans.models import Task, TaskUpdate

        series = Task.objects.get(task_code="STP-BC")
        assert series.recurrence == "reporting"
        assert list(series.occurrences.order_by("deadline").values_list("occurrence", "status")) == [
            ("Q1", "done"),
            ("H1", "done"),
            ("9M", "done"),
            ("Y", "open"),
        ]
        assert TaskUpdate.objects.filter(kind="progress", task__lead_agency__code="STP", files__isnull=False).exists()
        assert TaskUpdate.objects.filter(kind="part", agency__code="SYT").exists()
        password, _ = printed_logins(demo_output)
        client = logged_in("daumoi.stp", password)
        page = client.get(f"/plans/tasks/{series.occurrences.get(occurrence='Q1').pk}/").content.decode()
        assert "Đã gửi báo cáo quý I năm 2026." in page and "Bao cao.pdf" in page
        assert "STP-BC/Y" in client.get("/plans/my-tasks/?status=open").content.decode()

    def test_creation_is_in_the_audit_trail(self, demo_output):
        assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).count() == Agency.objects.count()

    def test_if_empty_second_run_adds_nothing(self, demo_output):
        def totals() -> tuple[int, ...]:
            return tuple(
                model.objects.count() for model in (Agency, Block, BlockMembership, User, RoleGrant, AuditEntry)
            )

        before = totals()
        out = StringIO()
        call_command("demo_data", "--if-empty", stdout=out)
        assert totals() == before
        password, usernames = printed_logins(out.getvalue())
        assert (password, usernames) == printed_logins(demo_output)  # the logins are printed again

    def test_every_coordinator_opens_on_figures_of_a_year_its_agencies_existed(self, demo_output):
        """The former district's coordinator (its district ended on 30/6/2025) opens on its last
        period and the last year it ranked its communes, not on an empty current year."""
        password, _ = printed_logins(demo_output)
        coordinators = User.objects.filter(grants__role=Role.COORDINATOR).distinct()
        assert coordinators.filter(grants__agency__kind="district").exists()
        for user in coordinators:
            client = logged_in(user.username, password)
            in_scope = Agency.objects.restrict(user)
            page = client.get("/dossiers/")
            period = page.context["period"]
            assert page.context["overall"].counts["received"] > 0, user.username
            assert in_scope.active_on(period["end"]).exists(), (user.username, period)
            ranking = client.get("/scoring/")
            year = ranking.context["year"]
            assert sum(b["total"] for b in ranking.context["blocks"]) > 0, (user.username, year)
            assert in_scope.active_on(date(year, 12, 31)).exists(), (user.username, year)
        former = coordinators.get(grants__agency__kind="district")
        page = logged_in(former.username, password).get("/dossiers/")
        assert (page.context["period"]["start"], page.context["period"]["end"]) == (date(2025, 1, 1), date(2025, 6, 30))
        assert "30/06/2025" in page.content.decode()  # the page says why it shows that period

    def test_the_printed_story_says_which_years_it_shows(self, demo_output):
        story = demo_output.split("Tài khoản dùng thử")[0]
        assert "1/7/2025" in story and "30/6/2025" in story
        assert str(timezone.localdate().year) in story
        assert "huyen.vanloc" in story

    def test_agencies_receive_only_the_procedures_of_their_fields(self, demo_output):
        procedures = {p.code: p for p in Procedure.objects.all()}
        handled: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for code, packed in MonthDetail.objects.values_list("agency__code", "procedures"):
            handled[code] |= {(procedures[c].level, procedures[c].field) for c in packed}
        agencies = {a.code: a for a in Agency.objects.all()}
        for code, fields in HANDLED_BY.items():
            assert handled[code], code
            assert {field for _, field in handled[code]} <= fields, code
        for code, pairs in handled.items():
            agency = agencies[code]
            assert {level for level, _ in pairs} <= {LEVEL_OF_KIND.get(agency.kind, "province")}, code
            if agency.kind == "commune":
                allowed = COMMUNE_FIELDS | (DISTRICT_FIELDS if agency.active_from >= MERGE_DAY else set())
                assert {field for _, field in pairs} <= allowed, code
        # A provincial field belongs to one agency: Sở Tư pháp does not also register land.
        owners: dict[str, set[str]] = defaultdict(set)
        for code, pairs in handled.items():
            for level, field in pairs:
                if level == "province":
                    owners[field].add(code)
        assert {f: o for f, o in owners.items() if len(o) > 1} == {}
        from cchc.dossiers.demo import fields_of  # and each agency keeps to the fields the demo declares

        assert all(pairs <= fields_of(agencies[code]) for code, pairs in handled.items())

    def test_yearly_loads_are_plausible(self, demo_output):
        today = timezone.localdate()
        received: Counter[tuple[str, int]] = Counter()
        for code, month, n in MonthlyCount.objects.values_list("agency__code", "month", "received"):
            received[code, month.year] += n
        checked = 0
        for agency in Agency.objects.exclude(kind="province"):
            for year in range(2024, today.year + 1):
                first = max(agency.active_from, date(year, 1, 1), date(2024, 1, 1))
                last = min(agency.active_to or today, date(year, 12, 31), today)
                if (last - first).days < 90:
                    continue
                a_year = received[agency.code, year] * 365 / ((last - first).days + 1)
                if agency.kind == "commune":
                    assert 100 <= a_year <= 5000, (agency.code, year, round(a_year))
                    checked += 1
                elif agency.kind == "district":
                    assert 1000 <= a_year <= 20000, (agency.code, year, round(a_year))
                else:
                    assert a_year <= 50000, (agency.code, year, round(a_year))
        assert checked >= 120 + 40  # the old communes in 2024 and the new ones since
        departments = [received[a.code, 2024] for a in Agency.objects.filter(kind="department")]
        assert max(departments) >= 1000  # a department such as Sở Tư pháp handles thousands

    def test_self_assessment_notes_vary_and_cite_documents(self, demo_output):
        notes = list(Score.objects.exclude(self_note="").values_list("criterion__code", "self_note"))
        assert len(notes) > 1000
        counts = Counter(note for _, note in notes)
        assert len(counts) >= 200
        assert counts.most_common(1)[0][1] <= 0.1 * len(notes), counts.most_common(3)
        by_criterion: dict[str, set[str]] = defaultdict(set)
        for code, note in notes:
            by_criterion[code].add(note)
        manual = Score.objects.filter(criterion__method=Method.MANUAL).values_list("criterion__code", flat=True)
        assert all(len(by_criterion[code]) >= 2 for code in set(manual))
        cited = [n for _, n in notes if re.search(r"số \d+/[\w-]+ ngày \d{1,2}/\d{1,2}/\d{4}", n)]
        assert len(cited) >= 0.5 * len(notes)

    def test_published_years_and_the_year_under_way(self, demo_output):
        states = defaultdict(set)
        for year, state in Assessment.objects.values_list("year", "state"):
            states[year].add(state)
        latest = max(states)
        assert Assessment.State.PUBLISHED not in states[latest]  # nothing of a year under way is published
        assert all(states[year] == {Assessment.State.PUBLISHED} for year in states if year < latest)

    def test_the_area_totals_a_ranking_reads_are_those_of_the_scores(self, demo_output):
        kept = maintained_totals()
        assert kept and kept == summed_from_scores()


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
