"""Completeness and timeliness of periodic reports: expected (followed through merges), on time, late,
missing, returned, by block, with their agencies; the matrix; what an agency owes; pages and API."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cchc.accounts.roles import Role
from cchc.agencies.models import Agency
from cchc.agencies.services import rebuild_paths
from cchc.core.scope import SYSTEM
from cchc.reports import services
from cchc.reports.completeness import Status, cells, completeness, matrix, over_periods, owed
from cchc.reports.models import Report, ReportForm, ReportingPeriod, ReportState
from conftest import client_for, make_user

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
DEADLINE = date(2025, 3, 20)  # Q1 2025 by the Ministry's calendar


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL)


def open_q(personas: Any, province: Any, kind: str = "Q1", blocks: Any = None) -> ReportingPeriod:
    form, _ = ReportForm.objects.get_or_create(year=2025, code="BC-CCHC", defaults={"name": "Báo cáo CCHC"})
    period = services.create_period(personas.coordinator, province.province, 2025, kind, form)
    services.open_period(
        personas.coordinator, period.pk, blocks or [province.block_departments, province.block_communes]
    )
    period.refresh_from_db()
    return period


def submit(period: ReportingPeriod, agency: Agency, when: datetime, state: str = ReportState.SUBMITTED) -> None:
    Report.objects.update_or_create(
        period=period, agency=agency, defaults={"state": state, "first_submitted_at": when, "submitted_at": when}
    )


def counts(period: ReportingPeriod, user: Any = SYSTEM, as_of: date | None = None) -> dict[str, dict[str, Any]]:
    result = completeness(user, [period], as_of)[0]
    return {g.key: g.as_json() for g in [*result.blocks, result.total]}


def agency(code: str, name: str, parent: Agency, active_from: date, kind: str = "department") -> Agency:
    created = Agency.objects.create(code=code, name=name, kind=kind, parent=parent, active_from=active_from)
    rebuild_paths()
    created.refresh_from_db()
    return created


def end(agency_: Agency, day: date, *successors: Agency) -> None:
    agency_.active_to = day
    agency_.save(update_fields=["active_to"])
    agency_.successors.add(*successors)


def test_counts_by_block_on_time_late_missing_and_returned(personas: Any, province: Any) -> None:
    p = province
    period = open_q(personas, p)
    submit(period, p.dept_a, at(DEADLINE, 23))  # the deadline's last hour, local time: on time
    submit(period, p.dept_b, at(DEADLINE + timedelta(days=1), 0), ReportState.RETURNED)  # late, then returned
    submit(period, p.commune_1, at(DEADLINE - timedelta(days=5)), ReportState.ACCEPTED)
    got = counts(period)
    sbn = got["SBN"]
    assert (sbn["expected"], sbn["on_time"], sbn["late"], sbn["missing"], sbn["returned"]) == (2, 1, 1, 0, 1)
    assert sbn["agencies"] == {
        "expected": ["SA", "SB"],
        "on_time": ["SA"],
        "late": ["SB"],
        "missing": [],
        "returned": ["SB"],
    }
    assert sbn["submitted_rate"] == {"value": 1.0, "text": "100,00%"}
    assert sbn["on_time_rate"] == {"value": 0.5, "text": "50,00%"}
    communes = got["XA-D1"]
    assert (communes["expected"], communes["on_time"], communes["missing"]) == (2, 1, 1)
    assert communes["agencies"]["missing"] == ["C2"]
    total = got["all"]
    assert (total["expected"], total["on_time"], total["late"], total["missing"]) == (4, 2, 1, 1)
    assert total["late_rate"]["text"] == "25,00%"


def test_a_rate_without_expected_reports_is_a_dash(personas: Any, province: Any) -> None:
    from cchc.reports.completeness import Group

    assert Group("x", "x").as_json()["on_time_rate"] == {"value": None, "text": "—"}


def test_as_of_reads_the_submissions_made_by_that_day(personas: Any, province: Any) -> None:
    period = open_q(personas, province, blocks=[province.block_departments])
    submit(period, province.dept_a, at(date(2025, 3, 10)))
    submit(period, province.dept_b, at(date(2025, 3, 25)))
    assert counts(period, as_of=date(2025, 3, 12))["SBN"]["agencies"]["missing"] == ["SB"]
    assert counts(period, as_of=date(2025, 3, 9))["SBN"]["missing"] == 2
    assert counts(period)["SBN"]["agencies"]["late"] == ["SB"]


def test_a_merge_after_opening_makes_the_successor_answer_once_for_both(personas: Any, province: Any) -> None:
    p = province
    period = open_q(personas, p)
    # SA and SB merged into a new department created after the period opened, before its deadline.
    merged = agency("SX", "Sở Tư pháp và Y tế", p.province, date(2025, 3, 1))
    end(p.dept_a, date(2025, 2, 28), merged)
    end(p.dept_b, date(2025, 2, 28), merged)
    got = counts(period)["SBN"]
    assert got["expected"] == 1 and got["agencies"]["expected"] == ["SX"]
    assert got["missing"] == 1
    submit(period, merged, at(date(2025, 3, 18)))
    got = counts(period)["SBN"]
    assert (got["expected"], got["on_time"], got["missing"]) == (1, 1, 0)
    assert got["submitted_rate"]["value"] == 1.0  # never above 100 %
    (cell,) = [c for c in cells(SYSTEM, [period]) if c.agency.code == "SX"]
    assert [a.code for a in cell.answers_for] == ["SA", "SB"] and cell.took_over


def test_a_merge_across_blocks_counts_in_the_block_of_the_first_expected_agency(personas: Any, province: Any) -> None:
    p = province
    period = open_q(personas, p)
    merged = agency("SZ", "Đơn vị hợp nhất", p.province, date(2025, 3, 1))
    end(p.dept_b, date(2025, 2, 28), merged)  # SBN
    end(p.commune_2, date(2025, 2, 28), merged)  # XA-D1
    got = counts(period)
    # C2 (/HA/D1/C2/) comes before SB (/HA/SB/) in the agency tree: SZ is counted in C2's block, once.
    assert got["SBN"]["agencies"]["expected"] == ["SA"]
    assert got["XA-D1"]["agencies"]["expected"] == ["C1", "SZ"]
    assert got["all"]["expected"] == 3


def test_a_split_follows_chains_to_the_agencies_active_at_the_deadline(personas: Any, province: Any) -> None:
    p = province
    period = open_q(personas, p)
    east = agency("C1E", "UBND xã Đông", p.district, date(2025, 2, 1), "commune")
    west = agency("C1W", "UBND xã Tây", p.district, date(2025, 2, 1), "commune")
    west_new = agency("C1W2", "UBND xã Tây Mới", p.district, date(2025, 3, 10), "commune")
    end(p.commune_1, date(2025, 1, 31), east, west)
    end(west, date(2025, 3, 9), west_new)  # a chain: C1 → C1W → C1W2
    submit(period, east, at(date(2025, 3, 21)))
    got = counts(period)["XA-D1"]
    assert got["agencies"]["expected"] == ["C1E", "C1W2", "C2"]
    assert got["agencies"]["late"] == ["C1E"]
    assert got["agencies"]["missing"] == ["C1W2", "C2"]
    # Before the merge of C1W, read on 5 March, C1W itself answered.
    assert counts(period, as_of=date(2025, 3, 5))["XA-D1"]["agencies"]["expected"] == ["C1E", "C1W", "C2"]


def test_an_agency_that_ended_with_no_successor_still_owes_its_report(personas: Any, province: Any) -> None:
    period = open_q(personas, province, blocks=[province.block_departments])
    end(province.dept_b, date(2025, 2, 28))
    assert counts(period)["SBN"]["agencies"]["missing"] == ["SA", "SB"]


def test_each_reader_sees_the_units_of_its_scope(personas: Any, province: Any) -> None:
    p = province
    period = open_q(personas, p)
    seen = {
        "coordinator": ["C1", "C2", "SA", "SB"],
        "district_coordinator": ["C1", "C2"],
        "officer_a": ["SA"],
        "head": ["SA"],
        "viewer": ["C1", "C2", "SA", "SB"],
        "admin": ["C1", "C2", "SA", "SB"],
        "anonymous": [],
    }
    for persona, codes in seen.items():
        user = personas.all()[persona]
        assert sorted(c.agency.code for c in cells(user, [period])) == codes, persona
    # The officer of a successor sees it answering for what it took over, and nothing else.
    merged = agency("SX", "Sở hợp nhất", p.province, date(2025, 3, 1))
    end(p.dept_a, date(2025, 2, 28), merged)
    officer_x = make_user("officer_x", Role.FOCAL, merged)
    (cell,) = cells(officer_x, [period])
    assert cell.agency.code == "SX" and [a.code for a in cell.answers_for] == ["SA"]
    assert cells(personas.officer_a, [period]) == []  # SA no longer owes it


def test_over_several_periods_a_unit_counts_once_per_period(personas: Any, province: Any) -> None:
    q1 = open_q(personas, province, "Q1", [province.block_departments])
    q2 = open_q(personas, province, "Q2", [province.block_departments])
    submit(q1, province.dept_a, at(date(2025, 3, 1)))
    submit(q2, province.dept_a, at(date(2025, 6, 25)))
    (group,) = over_periods(SYSTEM, [q1, q2])
    assert group.counts == {"expected": 4, "on_time": 1, "late": 1, "missing": 2, "returned": 0}


def test_the_matrix_gives_each_agency_a_cell_per_period(personas: Any, province: Any) -> None:
    q1 = open_q(personas, province, "Q1")
    q2 = open_q(personas, province, "Q2", [province.block_departments])
    submit(q1, province.dept_a, at(date(2025, 3, 1)))
    table = matrix(SYSTEM, [q1, q2])
    rows = {r.agency.code: r for r in table.rows}
    assert list(rows) == ["SA", "SB", "C1", "C2"]  # by block code (SBN before XA-D1), then the tree
    assert [c.status if c else None for c in rows["SA"].cells] == [Status.ON_TIME, Status.MISSING]
    assert rows["C1"].cells[1] is None  # the communes were not expected in Q2
    only = matrix(SYSTEM, [q1, q2], blocks=[province.block_communes])
    assert [r.agency.code for r in only.rows] == ["C1", "C2"]
    assert [b.code for b in only.blocks] == ["SBN", "XA-D1"]


def test_the_matrix_reads_a_fixed_number_of_queries(personas: Any, province: Any) -> None:
    q1 = open_q(personas, province, "Q1")
    with CaptureQueriesContext(connection) as few:
        matrix(personas.coordinator, [q1])
    for i in range(20):
        agency(f"SN{i}", f"Sở {i}", province.province, date(2000, 1, 1))
    q2 = open_q(personas, province, "Q2")
    with CaptureQueriesContext(connection) as more:
        matrix(personas.coordinator, [q1, q2])
    assert len(more) == len(few)


def test_owed_lists_what_the_agency_has_not_submitted_overdue_included(personas: Any, province: Any) -> None:
    q1 = open_q(personas, province, "Q1", [province.block_departments])
    q2 = open_q(personas, province, "Q2", [province.block_departments])
    today = date(2025, 4, 2)
    items = owed(personas.officer_a, today)
    assert [(o.period.kind, o.overdue) for o in items] == [("Q1", True), ("Q2", False)]
    assert items[0].days_late == 13 and items[1].days_left == 79
    submit(q1, province.dept_a, at(date(2025, 4, 1)))
    assert [o.period.kind for o in owed(personas.head, today)] == ["Q2"]
    submit(q2, province.dept_a, at(date(2025, 4, 1)), ReportState.RETURNED)
    assert [o.cell.returned for o in owed(personas.head, today)] == [True]  # returned: owed again
    assert owed(personas.coordinator, today) == [] and owed(personas.admin, today) == []


def test_the_home_page_shows_what_is_owed_in_red_when_overdue(personas: Any, province: Any, settings: Any) -> None:
    open_q(personas, province, "Q1", [province.block_departments])
    html = client_for(personas.officer_a).get("/").content.decode()
    assert 'id="owed-heading"' in html and "owed-overdue" in html  # Q1 2025 is long past
    assert "Sở Tư pháp" in html and "20/03/2025" in html
    assert 'id="owed-heading"' not in client_for(personas.coordinator).get("/").content.decode()


def test_the_page_links_each_count_to_its_agencies(personas: Any, province: Any) -> None:
    period = open_q(personas, province)
    submit(period, province.dept_a, at(date(2025, 3, 1)))
    client = client_for(personas.coordinator)
    html = client.get("/reports/completeness/?year=2025").content.decode()
    link = f"/reports/completeness/agencies/?period={period.pk}&amp;block=SBN&amp;count=missing"
    assert link in html
    page = client.get(link.replace("&amp;", "&"))
    assert [c.agency.code for c in page.context["rows"]] == ["SB"]
    assert client_for(personas.district_coordinator).get(link.replace("&amp;", "&")).status_code == 404
    matrix_page = client.get("/reports/completeness/matrix/?year=2025").content.decode()
    assert "Sở Y tế" in matrix_page and "UBND xã Hai" in matrix_page
    district = client_for(personas.district_coordinator).get("/reports/completeness/matrix/?year=2025")
    assert [r.agency.code for r in district.context["page_obj"]] == ["C1", "C2"]


def test_the_api_gives_counts_rates_and_agencies(personas: Any, province: Any) -> None:
    period = open_q(personas, province)
    submit(period, province.dept_a, at(date(2025, 3, 1)))
    data = client_for(personas.coordinator).get("/api/v1/reporting/completeness/?period=2025-Q1").json()
    (result,) = data["periods"]
    assert result["code"] == "2025-Q1" and result["owner"] == "HA" and result["deadline"] == "2025-03-20"
    sbn = result["blocks"][0]
    assert sbn["key"] == "SBN" and sbn["on_time"] == 1 and sbn["agencies"]["missing"] == ["SB"]
    assert sbn["on_time_rate"] == {"value": 0.5, "text": "50,00%"}
    district = client_for(personas.district_coordinator).get("/api/v1/reporting/completeness/?period=2025-Q1").json()
    assert district["periods"][0]["total"]["agencies"]["expected"] == ["C1", "C2"]
    assert client_for(personas.officer_a).get("/api/v1/reporting/completeness/?period=2025-Q1").status_code == 403
    assert client_for(personas.coordinator).get("/api/v1/reporting/completeness/?period=Q9").status_code == 400


def test_the_schema_lists_the_completeness_parameters(personas: Any, province: Any) -> None:
    schema = client_for(personas.viewer).get("/api/schema/?format=json").json()
    parameters = {p["name"] for p in schema["paths"]["/api/v1/reporting/completeness/"]["get"]["parameters"]}
    assert {"period", "as_of", "owner"} <= parameters


@pytest.mark.parametrize("day", [date(2025, 3, 20)])
def test_the_period_day_is_the_deadline_unless_read_earlier(day: date) -> None:
    from cchc.reports.completeness import period_day

    period = ReportingPeriod(deadline=day)
    assert period_day(period, None) == day
    assert period_day(period, date(2025, 3, 1)) == date(2025, 3, 1)
    assert period_day(period, date(2025, 5, 1)) == day
