"""The PAR index's criteria on ``task_completion`` and ``report_timeliness`` compute from the plans and the
periodic reports (issue 12 point 8, issue 9 point 3): points from constructed tasks and reports, no figure
for an agency with nothing to count, the figure frozen once the result is approved, a few queries for many
agencies."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cchc.core.models import AuditEntry
from cchc.plans.models import Plan, Task, TaskStatus
from cchc.reports import services as report_services
from cchc.reports.models import Report, ReportForm, ReportState
from cchc.scoring import computed, services
from cchc.scoring.frameworks import import_framework
from cchc.scoring.models import Assessment, Score
from cchc.scoring.results import rank
from cchc.scoring.sources import figures
from conftest import client_for, make_user
from tests.scoring_helpers import assessment_for, assign, block_of, fill_self_scores, score, write_framework

TODAY = timezone.localdate()
FEEDS_CSV = """code,parent_code,name,max_points,method,source,mapping
1,,Mức độ hoàn thành kế hoạch CCHC,10,computed,task_completion,0.9:10; 0.7:5
2,,Báo cáo CCHC định kỳ đúng hạn,10,computed,report_timeliness,1:10; 0.5:5
3,,Công tác tuyên truyền,10,manual,,
"""


@pytest.fixture
def framework(province: Any, tmp_path: Path) -> Any:
    framework = import_framework(write_framework(tmp_path, FEEDS_CSV, "feeds.csv"), province.block_departments)
    framework.submission_deadline = TODAY + timedelta(days=10)
    framework.save()
    return framework


def tasks(province: Any, lead: Any, on_time: int, late: int = 0, open_: int = 0) -> list[Task]:
    """Tasks of the 2025 plan led by ``lead``: done on time, done late, not done (all past their deadline)."""
    plan, _ = Plan.objects.get_or_create(year=2025, agency=province.province, number="", defaults={"title": "KH 2025"})
    deadline = date(2025, 6, 30)
    made = []
    for i, (outcome, n) in enumerate((("on_time", on_time), ("late", late), ("open", open_))):
        for j in range(n):
            done = {"on_time": date(2025, 6, 20), "late": date(2025, 7, 10)}.get(outcome)
            made.append(
                Task.objects.create(
                    plan=plan,
                    task_code=f"{lead.code}-{i}-{j}",
                    title="Nhiệm vụ",
                    area="direction",
                    lead_agency=lead,
                    deadline=deadline,
                    status=TaskStatus.DONE if done else TaskStatus.OPEN,
                    completed_on=done,
                )
            )
    return made


def fresh(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_related("agency").get(pk=assessment.pk)


def test_a_task_completion_criterion_gets_its_points_from_the_tasks(framework: Any, province: Any, personas: Any):
    tasks(province, province.dept_a, on_time=9, late=1)  # 9 of 10 on time: 90,00 % → "0.9:10" gives 10
    tasks(province, province.dept_b, on_time=3, late=1, open_=1)  # 3 of 5: 60,00 % → below 0.7: 0
    a = assessment_for(province.dept_a, framework)
    b = assessment_for(province.dept_b, framework)
    s = score(a, "1")
    assert (s.figure, s.figure_source, s.self_score) == (Decimal("0.9"), "tasks", Decimal(10))
    assert (score(b, "1").figure, score(b, "1").self_score) == (Decimal("0.6"), Decimal(0))
    page = client_for(personas.officer_a).get("/scoring/agencies/SA/assessment/").content.decode()
    assert "nhiệm vụ hoàn thành đúng hạn 90,00% (thống kê nhiệm vụ của kế hoạch)" in page.lower()
    assert "≥ 90,00%: 10,00 điểm; ≥ 70,00%: 5,00 điểm; còn lại 0 điểm" in page
    assert f'id="self-{s.pk}"' not in page  # read-only: nobody types it
    with pytest.raises(services.WorkflowError, match="tính tự động"):
        services.self_assess(personas.officer_a, s.pk, Decimal(3), "", s.version)

    # A task done since is counted at the next refresh, while the agency self-assesses.
    Task.objects.filter(lead_agency=province.dept_b, status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE, completed_on=date(2025, 6, 1)
    )
    client_for(personas.officer_b).get("/scoring/agencies/SB/assessment/")
    assert score(b, "1").figure == Decimal("0.8") and score(b, "1").self_score == 5


def test_an_agency_leading_no_task_has_no_figure_not_zero(framework: Any, province: Any, personas: Any):
    tasks(province, province.dept_b, on_time=2)  # someone else's tasks only
    Task.objects.create(  # a task SA only co-operates on is not its own
        plan=Plan.objects.get(year=2025),
        task_code="CO",
        title="Phối hợp",
        area="direction",
        lead_agency=province.dept_b,
        deadline=date(2025, 3, 1),
    ).co_agencies.set([province.dept_a])
    a = assessment_for(province.dept_a, framework)
    s = score(a, "1")
    assert s.figure is None and s.self_score is None and s.figure_source == ""
    page = client_for(personas.officer_a).get("/scoring/agencies/SA/assessment/").content.decode()
    assert "Không có số liệu: đơn vị không chủ trì nhiệm vụ nào trong kế hoạch của năm" in page


def periods(personas: Any, province: Any) -> list[Any]:
    form = ReportForm.objects.create(year=2025, code="BC", name="Báo cáo CCHC")
    found = []
    for kind in ("Q1", "H1"):
        period = report_services.create_period(personas.coordinator, province.province, 2025, kind, form)
        report_services.open_period(personas.coordinator, period.pk, [province.block_departments])
        period.refresh_from_db()
        found.append(period)
    return found


def submitted(period: Any, agency: Any, days_after_deadline: int) -> None:
    at = timezone.make_aware(
        datetime.combine(period.deadline + timedelta(days=days_after_deadline), datetime.min.time())
    )
    Report.objects.update_or_create(
        period=period,
        agency=agency,
        defaults={"state": ReportState.SUBMITTED, "first_submitted_at": at, "submitted_at": at},
    )


def test_a_report_timeliness_criterion_gets_its_points_from_the_reports(
    framework: Any, province: Any, personas: Any
) -> None:
    q1, h1 = periods(personas, province)
    assert h1.deadline < TODAY  # both periods are due: they count
    submitted(q1, province.dept_a, 0)  # on the deadline: on time
    submitted(h1, province.dept_a, 2)  # two days late
    submitted(q1, province.dept_b, -3)
    submitted(h1, province.dept_b, -1)
    a = assessment_for(province.dept_a, framework)
    b = assessment_for(province.dept_b, framework)
    assert (score(a, "2").figure, score(a, "2").figure_source, score(a, "2").self_score) == (
        Decimal("0.5"),
        "reports",
        Decimal(5),
    )
    assert (score(b, "2").figure, score(b, "2").self_score) == (Decimal(1), Decimal(10))
    page = client_for(personas.officer_a).get("/scoring/agencies/SA/assessment/").content.decode()
    assert "báo cáo định kỳ gửi đúng hạn 50,00% (tình hình gửi báo cáo định kỳ)" in page.lower()


def test_an_agency_missing_every_report_scores_zero_and_one_owing_none_has_no_figure(
    framework: Any, province: Any, personas: Any, tmp_path: Path
) -> None:
    periods(personas, province)
    a = assessment_for(province.dept_a, framework)  # expected twice, submitted nothing: 0 %
    assert score(a, "2").figure == 0 and score(a, "2").self_score == 0
    communes = import_framework(write_framework(tmp_path, FEEDS_CSV, "c.csv"), province.block_communes)
    c = assessment_for(province.commune_1, communes)  # its block was not asked for reports
    assert score(c, "2").figure is None and score(c, "2").self_score is None
    page = client_for(personas.coordinator).get("/scoring/agencies/C1/assessment/").content.decode()
    assert "Không có số liệu: đơn vị chưa đến hạn gửi báo cáo định kỳ nào của năm" in page


def test_the_figure_is_frozen_once_the_result_is_approved(framework: Any, province: Any, personas: Any) -> None:
    made = tasks(province, province.dept_a, on_time=9, open_=1)
    a = assessment_for(province.dept_a, framework)
    personas.head_b = make_user("head_b", "head", province.dept_b)
    fill_self_scores(a)
    services.submit(personas.head, a.pk)
    services.open_explanation(personas.coordinator, a.pk, TODAY + timedelta(days=3))
    services.start_final_appraisal(personas.coordinator, a.pk)
    s = score(a, "2")  # no report period: no figure, the council appraises it
    assign(personas.appraiser, framework, province.dept_a)
    services.final_appraise(personas.appraiser, s.pk, Decimal(10), "Năm không có kỳ báo cáo", s.version)
    services.approve(personas.coordinator, a.pk)
    services.publish(personas.coordinator, a.pk)
    published = fresh(a)
    assert score(a, "1").figure == Decimal("0.9") and score(a, "1").final_score == Decimal(10)
    index_before = published.index

    # The open task is recorded done before its deadline after publication: the live figure is 100 % …
    open_task = made[-1]
    open_task.status, open_task.completed_on = TaskStatus.DONE, date(2025, 6, 1)
    open_task.save()
    assert figures("task_completion", [published])[a.pk].value == 1
    # … and the published result does not move, through a page view and a ranking run.
    client_for(personas.coordinator).get("/scoring/agencies/SA/assessment/")
    rank(2025)
    assert score(a, "1").figure == Decimal("0.9") and score(a, "1").final_score == Decimal(10)
    assert fresh(a).index == index_before and fresh(a).frozen_at == published.frozen_at


def test_the_figures_of_many_agencies_cost_the_same_few_queries(province: Any, personas: Any, tmp_path: Path):
    block, agencies = block_of(30, province.province, "NB", year=2025)
    framework = import_framework(write_framework(tmp_path, FEEDS_CSV, "nb.csv"), block)
    plan = Plan.objects.create(year=2025, agency=province.province, title="KH")
    Task.objects.bulk_create(
        Task(
            plan=plan,
            task_code=f"T{i}",
            title="x",
            area="direction",
            lead_agency=agency,
            deadline=date(2025, 6, 30),
            status=TaskStatus.DONE,
            completed_on=date(2025, 6, 30) if i % 3 else date(2025, 7, 1),
        )
        for i, agency in enumerate(agencies)
    )
    assessments = [fresh(assessment_for(agency, framework)) for agency in agencies]
    counted = {}
    for n in (3, 30):
        for source in ("task_completion", "report_timeliness"):
            with CaptureQueriesContext(connection) as queries:
                found = figures(source, assessments[:n])
            counted[source, n] = len(queries)
            assert len(found) == n
    assert counted["task_completion", 3] == counted["task_completion", 30] <= 3
    assert counted["report_timeliness", 3] == counted["report_timeliness", 30] <= 10
    rates = figures("task_completion", assessments)
    assert rates[assessments[0].pk].value == 0 and rates[assessments[1].pk].value == 1


def test_a_refresh_of_many_assessments_writes_their_scores_in_a_few_queries(province, tmp_path):
    block, agencies = block_of(40, province.province, "NR", year=2025)
    framework = import_framework(write_framework(tmp_path, FEEDS_CSV, "nr.csv"), block)
    plan = Plan.objects.create(year=2025, agency=province.province, title="KH")
    for i, agency in enumerate(agencies):
        done = date(2025, 6, 30) if i % 2 else date(2025, 7, 1)
        Task.objects.create(
            plan=plan,
            task_code=f"T{i}",
            title="x",
            area="direction",
            lead_agency=agency,
            deadline=date(2025, 6, 30),
            status=TaskStatus.DONE,
            completed_on=done,
        )
    counted = {}
    for n, chosen in ((4, agencies[:4]), (36, agencies[4:])):
        drafts = [Assessment.objects.create(agency=a, framework=framework) for a in chosen]
        Score.objects.bulk_create(Score(assessment=d, criterion=c) for d in drafts for c in framework.criteria.all())
        loaded = [fresh(d) for d in drafts]
        with CaptureQueriesContext(connection) as queries:
            changed = computed.refresh(loaded)
        counted[n] = len(queries)
        assert changed == n  # criterion 1 of each (no report period: criterion 2 has no figure, unchanged)
    assert counted[36] <= counted[4] + 2, counted  # not one query (or two) per score
    points = {s.assessment.agency.code: s.self_score for s in Score.objects.filter(criterion__code="1")}
    assert points[agencies[1].code] == 10 and points[agencies[0].code] == 0
    entries = AuditEntry.objects.filter(content_type__model="score", reason="Tính tự động từ số liệu của hệ thống")
    assert entries.count() == 40
