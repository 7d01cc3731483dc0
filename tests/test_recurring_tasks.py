"""Recurring tasks: occurrences from the reporting calendar or from the task's rule, generated once however
often it runs, each an ordinary task; the series itself is neither counted nor reminded."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from cchc.core.models import AuditEntry
from cchc.core.periodic import jobs
from cchc.core.scope import SYSTEM
from cchc.plans import services
from cchc.plans.models import Plan, Recurrence, Task, TaskStatus
from cchc.plans.reminders import send_task_reminders
from cchc.plans.stats import task_stats
from cchc.reports.models import ReportingPeriod
from conftest import client_for
from tests.report_helpers import small_form

YEAR = 2026


@pytest.fixture
def series(province: Any) -> Task:
    plan = Plan.objects.create(year=YEAR, agency=province.province, title="Kế hoạch CCHC năm 2026")
    task = Task.objects.create(
        plan=plan,
        task_code="NV-05",
        title="Báo cáo định kỳ công tác CCHC",
        area="direction",
        lead_agency=province.dept_a,
        deadline=date(YEAR, 12, 20),
        product="Báo cáo",
        recurrence=Recurrence.REPORTING,
    )
    task.co_agencies.set([province.dept_b])
    return task


def occurrences(series: Task) -> list[tuple[str, str, date]]:
    return list(series.occurrences.order_by("deadline").values_list("task_code", "occurrence", "deadline"))


def test_without_a_calendar_a_periodic_report_follows_the_ministrys_regime(series: Task) -> None:
    assert services.generate_occurrences(SYSTEM, series) == 4
    assert occurrences(series) == [
        ("NV-05/Q1", "Q1", date(YEAR, 3, 20)),
        ("NV-05/H1", "H1", date(YEAR, 6, 20)),
        ("NV-05/9M", "9M", date(YEAR, 9, 20)),
        ("NV-05/Y", "Y", date(YEAR, 12, 20)),
    ]
    first = series.occurrences.get(occurrence="Q1")
    assert first.title == "Báo cáo định kỳ công tác CCHC (quý I năm 2026)"
    assert first.lead_agency == series.lead_agency and first.area == "direction" and first.product == "Báo cáo"
    assert [a.code for a in first.co_agencies.all()] == ["SB"] and first.status == TaskStatus.OPEN
    assert AuditEntry.objects.filter(content_type__model="task", action="create").count() == 4


def test_the_reporting_calendar_gives_the_periods_and_their_deadlines(series: Task, province: Any) -> None:
    form = small_form()
    for kind, deadline in (("Q1", date(YEAR, 3, 18)), ("H1", date(YEAR, 6, 16))):
        ReportingPeriod.objects.create(
            owner=province.province,
            year=YEAR,
            kind=kind,
            form=form,
            cutoff_start=date(YEAR - 1, 12, 15),
            cutoff_end=date(YEAR, 3, 14) if kind == "Q1" else date(YEAR, 6, 14),
            deadline=deadline,
        )
    assert services.generate_occurrences(SYSTEM, series) == 2
    assert occurrences(series) == [("NV-05/Q1", "Q1", date(YEAR, 3, 18)), ("NV-05/H1", "H1", date(YEAR, 6, 16))]
    # The coordinator moves a deadline and adds a period: the open occurrence follows, the new one is made.
    ReportingPeriod.objects.filter(kind="H1").update(deadline=date(YEAR, 6, 19))
    ReportingPeriod.objects.create(
        owner=province.province,
        year=YEAR,
        kind="9M",
        form=form,
        cutoff_start=date(YEAR - 1, 12, 15),
        cutoff_end=date(YEAR, 9, 14),
        deadline=date(YEAR, 9, 20),
    )
    assert services.generate_occurrences(SYSTEM, series) == 1
    assert [row[2] for row in occurrences(series)] == [date(YEAR, 3, 18), date(YEAR, 6, 19), date(YEAR, 9, 20)]


@pytest.mark.parametrize(
    ("rule", "day", "expected"),
    [
        ("quarterly", 31, [("Q1", date(YEAR, 3, 31)), ("Q2", date(YEAR, 6, 30)), ("Q3", date(YEAR, 9, 30))]),
        ("half_yearly", None, [("H1", date(YEAR, 6, 20)), ("H2", date(YEAR, 12, 20))]),
        ("yearly", 15, [("Y", date(YEAR, 12, 15))]),
        ("monthly", 31, [("T01", date(YEAR, 1, 31)), ("T02", date(YEAR, 2, 28)), ("T03", date(YEAR, 3, 31))]),
    ],
)
def test_a_simple_rule_on_the_task_gives_the_periods(
    series: Task, rule: str, day: int | None, expected: list[tuple[str, date]]
) -> None:
    Task.objects.filter(pk=series.pk).update(recurrence=rule, recurrence_day=day)
    series.refresh_from_db()
    services.generate_occurrences(SYSTEM, series)
    made = [(key, deadline) for _code, key, deadline in occurrences(series)]
    assert made[: len(expected)] == expected
    assert len(made) == {"quarterly": 4, "half_yearly": 2, "yearly": 1, "monthly": 12}[rule]


def test_generating_twice_makes_nothing_and_the_database_refuses_a_duplicate(series: Task) -> None:
    out = io.StringIO()
    call_command("generate_recurring_tasks", "--year", str(YEAR), stdout=out)
    assert "1 nhiệm vụ định kỳ; đã tạo 4 lần thực hiện." in out.getvalue()
    out = io.StringIO()
    call_command("generate_recurring_tasks", "--year", str(YEAR), stdout=out)
    assert "đã tạo 0 lần thực hiện" in out.getvalue()
    assert series.occurrences.count() == 4
    assert services.generate_recurring_tasks(YEAR, user=SYSTEM) == {"series": 1, "made": 0}
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(
            plan=series.plan,
            task_code="NV-05/Q1-copy",
            title="x",
            area="direction",
            lead_agency=series.lead_agency,
            deadline=date(YEAR, 3, 20),
            series=series,
            occurrence="Q1",
        )
    assert "plans.recurring" in jobs()


def test_a_task_code_taken_by_another_task_is_named(series: Task) -> None:
    Task.objects.create(
        plan=series.plan,
        task_code="NV-05/H1",
        title="Một nhiệm vụ khác",
        area="direction",
        lead_agency=series.lead_agency,
        deadline=date(YEAR, 6, 30),
    )
    with pytest.raises(services.TaskError, match="NV-05/H1"), transaction.atomic():
        services.generate_occurrences(SYSTEM, series)
    assert series.occurrences.count() == 0  # all or nothing


def test_the_series_is_not_counted_nor_reminded_its_occurrences_are(series: Task, personas: Any) -> None:
    Task.objects.create(
        plan=series.plan,
        task_code="NV-06",
        title="Một nhiệm vụ thường",
        area="direction",
        lead_agency=series.lead_agency,
        deadline=date(YEAR, 3, 20),
    )
    (before,) = task_stats(YEAR, user=SYSTEM, as_of=date(YEAR, 3, 1))
    assert before.assigned == 1  # the series alone is no work: it counts nothing
    services.generate_occurrences(SYSTEM, series)
    Task.objects.filter(task_code="NV-05/Q1").update(status=TaskStatus.DONE, completed_on=date(YEAR, 3, 19))
    (group,) = task_stats(YEAR, user=SYSTEM, as_of=date(YEAR, 7, 1))
    assert (group.assigned, group.done_on_time, group.open_overdue, group.open_in_time) == (5, 1, 2, 2)
    # NV-06 and NV-05/Q1 fall due on 20/03: NV-06 (open) is reminded on the day, the series never.
    counts = send_task_reminders(date(YEAR, 3, 20))
    assert counts["tasks"] == 1
    (by_area,) = [g for g in task_stats(YEAR, user=personas.officer_a, as_of=date(YEAR, 7, 1), by="area") if g.assigned]
    assert by_area.assigned == 5


def test_the_plans_coordinator_makes_a_task_recurring_on_its_page(province: Any, personas: Any) -> None:
    plan = Plan.objects.create(year=YEAR, agency=province.province, title="Kế hoạch")
    task = Task.objects.create(
        plan=plan, task_code="NV-07", title="Báo cáo quý", area="direction", lead_agency=province.dept_a,
        deadline=date(YEAR, 12, 31),
    )  # fmt: skip
    url = f"/plans/tasks/{task.pk}/"
    refused = client_for(personas.officer_a).post(url, {"action": "recurrence", "recurrence": "quarterly"})
    assert refused.status_code == 403 and not task.occurrences.exists()
    assert 'value="recurrence"' not in client_for(personas.officer_a).get(url).content.decode()
    bad = client_for(personas.coordinator).post(
        url, {"action": "recurrence", "recurrence": "quarterly", "recurrence_day": "40"}
    )
    assert bad.status_code == 400 and "từ 1 đến 31, không phải 40" in bad.content.decode()
    ok = client_for(personas.coordinator).post(
        url, {"action": "recurrence", "recurrence": "quarterly", "recurrence_day": "25"}
    )
    assert ok.status_code == 302
    assert [t.task_code for t in task.occurrences.order_by("deadline")] == [
        "NV-07/Q1",
        "NV-07/Q2",
        "NV-07/Q3",
        "NV-07/Q4",
    ]
    page = client_for(personas.officer_a).get(url).content.decode()
    assert "Các lần thực hiện" in page and "NV-07/Q2" in page and 'id="progress-form"' not in page
    occurrence = task.occurrences.get(occurrence="Q1")
    occurrence_page = client_for(personas.officer_a).get(f"/plans/tasks/{occurrence.pk}/").content.decode()
    assert f'href="{url}"' in occurrence_page and 'id="progress-form"' in occurrence_page
    with pytest.raises(services.TaskError):
        services.post_update(personas.officer_a, task.pk, kind="progress", text="x")
    again = client_for(personas.coordinator).post(url, {"action": "recurrence", "recurrence": "monthly"})
    assert again.status_code == 400 and task.occurrences.count() == 4
