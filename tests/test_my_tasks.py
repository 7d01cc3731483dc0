""" "My tasks": the tasks the user's agencies lead or co-operate on, filtered, by deadline, paginated, counted,
in a number of queries that does not grow with the page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cchc.agencies.models import Agency
from cchc.plans.models import Plan, Recurrence, Task, TaskStatus
from conftest import client_for

TODAY = timezone.localdate()
YEAR = TODAY.year


def add(plan: Plan, code: str, lead: Agency, deadline: date, co: list[Agency] = (), **extra: Any) -> Task:  # type: ignore[assignment]
    task = Task.objects.create(
        plan=plan, task_code=code, title=f"Nhiệm vụ {code}", area=extra.pop("area", "direction"), lead_agency=lead,
        deadline=deadline, **extra,
    )  # fmt: skip
    task.co_agencies.set(co)
    return task


@pytest.fixture
def plan(province: Any) -> Plan:
    p = province
    plan = Plan.objects.create(year=YEAR, agency=p.province, title=f"Kế hoạch CCHC năm {YEAR}")
    add(plan, "A-late", p.dept_a, TODAY - timedelta(days=5))
    add(plan, "A-soon", p.dept_a, TODAY + timedelta(days=3), area="procedures")
    add(
        plan,
        "A-done",
        p.dept_a,
        TODAY - timedelta(days=40),
        status=TaskStatus.DONE,
        completed_on=TODAY - timedelta(days=41),
    )
    add(plan, "B-with-A", p.dept_b, TODAY + timedelta(days=1), co=[p.dept_a])
    add(plan, "B-alone", p.dept_b, TODAY + timedelta(days=2))
    add(plan, "C1", p.commune_1, TODAY + timedelta(days=2), co=[p.dept_b])
    add(plan, "A-series", p.dept_a, date(YEAR, 12, 31), recurrence=Recurrence.QUARTERLY)
    old = Plan.objects.create(year=YEAR - 1, agency=p.province, title="Kế hoạch năm trước")
    add(old, "A-old", p.dept_a, date(YEAR - 1, 12, 31))
    return plan


def codes(response: Any) -> list[str]:
    return [row.task.task_code for row in response.context["rows"]]


def test_an_officer_sees_what_its_agency_leads_and_co_operates_on_by_deadline(plan: Plan, personas: Any) -> None:
    response = client_for(personas.officer_a).get("/plans/my-tasks/")
    assert response.status_code == 200
    # Led by SA or co-operated (B-with-A); not SB's own, nor C1's; the series is its occurrences' rule.
    assert codes(response) == ["A-old", "A-done", "A-late", "B-with-A", "A-soon"]
    assert response.context["counts"] == {"done": 1, "open_overdue": 2, "open_in_time": 2}
    page = response.content.decode()
    assert "Nhiệm vụ của tôi" in page and "Đơn vị phối hợp" in page
    assert '<span class="badge text-bg-danger">Chưa hoàn thành, quá hạn</span>' in page
    other = client_for(personas.officer_b).get("/plans/my-tasks/")
    assert codes(other) == ["B-with-A", "B-alone", "C1"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=done", ["A-done"]),
        ("status=open", ["A-old", "A-late", "B-with-A", "A-soon"]),
        ("overdue=true", ["A-old", "A-late"]),
        ("overdue=false", ["A-done", "B-with-A", "A-soon"]),
        ("area=procedures", ["A-soon"]),
        (f"year={YEAR - 1}", ["A-old"]),
        ("role=co", ["B-with-A"]),
        ("role=lead&status=open", ["A-old", "A-late", "A-soon"]),
        ("q=soon", ["A-soon"]),
    ],
)
def test_the_filters(plan: Plan, personas: Any, query: str, expected: list[str]) -> None:
    response = client_for(personas.officer_a).get(f"/plans/my-tasks/?{query}")
    assert codes(response) == expected
    assert response.context["paginator"].count == len(expected)


def test_a_user_without_an_agency_role_is_told_so(plan: Plan, personas: Any) -> None:
    response = client_for(personas.admin).get("/plans/my-tasks/")
    assert codes(response) == [] and "chưa được phân quyền tại đơn vị nào" in response.content.decode()


def test_the_province_coordinator_sees_the_province_agencys_tasks_not_every_agencys(
    plan: Plan, personas: Any, province: Any
) -> None:
    add(plan, "HA-1", province.province, TODAY + timedelta(days=9))
    assert codes(client_for(personas.coordinator).get("/plans/my-tasks/")) == ["HA-1"]


def test_the_home_page_and_the_navigation_link_to_it(plan: Plan, personas: Any) -> None:
    page = client_for(personas.officer_a).get("/").content.decode()
    assert 'href="/plans/my-tasks/"' in page and "4 nhiệm vụ chưa hoàn thành" in page and "2 quá hạn" in page


def test_pages_of_fifty_in_a_fixed_number_of_queries(province: Any, personas: Any) -> None:
    plan = Plan.objects.create(year=YEAR, agency=province.province, title="Kế hoạch lớn")
    client = client_for(personas.officer_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/plans/my-tasks/").status_code == 200
        return len(captured)

    add(plan, "0", province.dept_a, TODAY, co=[province.dept_b, province.commune_1])
    few = queries()
    for i in range(1, 120):
        add(plan, f"{i:03d}", province.dept_a if i % 2 else province.dept_b, TODAY + timedelta(days=i % 30),
            co=[province.dept_a, province.commune_1] if i % 2 == 0 else [province.dept_b])  # fmt: skip
    many = queries()
    assert many == few, f"{few} queries for one task, {many} for a page of fifty"
    response = client.get("/plans/my-tasks/?page=3")
    assert response.context["paginator"].count == 120 and len(codes(response)) == 20
    deadlines = [row.task.deadline for row in client.get("/plans/my-tasks/").context["rows"]]
    assert deadlines == sorted(deadlines)
