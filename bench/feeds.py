"""The PAR index's figures from the other modules, for a ranking of 3,500 agencies (issue 12 point 8).

Rows filled with bulk_create: 3,500 agencies assessed in one year, ten plan tasks led by each (35,000, every
outcome), four opened quarters with their expected reports and reports (14,000). Timed: ``sources.figures``
for ``task_completion`` and for ``report_timeliness`` over all 3,500 assessments at once (what a ranking run
asks), p95 of ``RUNS`` runs, with its query count; and one ``computed.refresh`` writing both criteria's
scores for every assessment. Reference measured in the same run: one plain SQL COUNT … GROUP BY lead agency
over the same tasks.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.plans.models import Plan, Task, TaskStatus
from cchc.reports.models import ExpectedReport, Report, ReportForm, ReportingPeriod, ReportState
from cchc.scoring import computed
from cchc.scoring.frameworks import CriterionRow, check_tree, save_framework
from cchc.scoring.models import Assessment, Criterion, Score
from cchc.scoring.sources import figures

AGENCIES = 3_500
TASKS = 10  # per agency
YEAR = 2024  # a past year: every deadline has passed
RUNS = 10
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def p95(func: Callable[[], Any], runs: int = RUNS) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.quantiles(samples, n=20)[-1]


def build() -> list[Assessment]:
    owner = Agency.objects.create(code="FB-PROV", name="Tỉnh benchmark", kind="province", path="/FB-PROV/")
    Agency.objects.bulk_create(
        [
            Agency(code=f"FA{i:05d}", name=f"Đơn vị {i:05d}", kind="commune", parent=owner, path=f"/FB-PROV/FA{i:05d}/")
            for i in range(AGENCIES)
        ],
        batch_size=1000,
    )
    agencies = list(Agency.objects.filter(code__startswith="FA").order_by("code"))
    block = Block.objects.create(year=YEAR, code="FB", name="Khối benchmark", owner=owner)
    BlockMembership.objects.bulk_create([BlockMembership(block=block, agency=a, year=YEAR) for a in agencies])
    rows = [
        CriterionRow(
            2, "1", "", "Hoàn thành nhiệm vụ", Decimal(10), "computed", "task_completion", [[0.9, 10], [0.7, 5]]
        ),
        CriterionRow(3, "2", "", "Báo cáo đúng hạn", Decimal(10), "computed", "report_timeliness", [[1, 10], [0.5, 5]]),
    ]
    framework = save_framework(check_tree(rows), block, user=None)
    Assessment.objects.bulk_create([Assessment(agency=a, framework=framework, year=YEAR) for a in agencies])
    criteria = list(Criterion.objects.filter(framework=framework).values_list("pk", flat=True))
    Score.objects.bulk_create(
        [
            Score(assessment_id=pk, criterion_id=c)
            for pk in Assessment.objects.values_list("pk", flat=True)
            for c in criteria
        ],
        batch_size=5000,
    )
    rng = random.Random(12)
    plan = Plan.objects.create(year=YEAR, agency=owner, title="Kế hoạch benchmark")
    tasks = []
    for a in agencies:
        for t in range(TASKS):
            deadline = date(YEAR, 1, 31) + timedelta(days=rng.randint(0, 300))
            done = rng.random() < 0.85
            completed = deadline + timedelta(days=rng.randint(-20, 10)) if done else None
            tasks.append(
                Task(
                    plan=plan,
                    task_code=f"{a.code}-{t}",
                    title="Nhiệm vụ",
                    area="direction",
                    lead_agency=a,
                    deadline=deadline,
                    status=TaskStatus.DONE if done else TaskStatus.OPEN,
                    completed_on=completed,
                )
            )
    Task.objects.bulk_create(tasks, batch_size=5000)
    form = ReportForm.objects.create(year=YEAR, code="FB", name="Báo cáo benchmark")
    for q, month in ((1, 3), (2, 6), (3, 9), (4, 12)):
        period = ReportingPeriod.objects.create(
            owner=owner,
            year=YEAR,
            kind=f"Q{q}",
            form=form,
            cutoff_start=date(YEAR, month - 2, 15),
            cutoff_end=date(YEAR, month, 14),
            deadline=date(YEAR, month, 20),
            opened_at=timezone.now(),
        )
        ExpectedReport.objects.bulk_create(
            [ExpectedReport(period=period, agency=a, block=block) for a in agencies], batch_size=2000
        )
        reports = []
        for a in agencies:
            when = datetime(YEAR, month, 20, 9, tzinfo=LOCAL) + timedelta(days=rng.randint(-10, 4))
            sent = rng.random() < 0.9
            reports.append(
                Report(
                    period=period,
                    agency=a,
                    state=ReportState.SUBMITTED if sent else ReportState.DRAFT,
                    first_submitted_at=when if sent else None,
                )
            )
        Report.objects.bulk_create(reports, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return list(Assessment.objects.filter(year=YEAR).select_related("agency"))


def sql_count() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.lead_agency_id, COUNT(*), SUM(CASE WHEN t.completed_on <= t.deadline THEN 1 ELSE 0 END) "
            "FROM plans_task t JOIN plans_plan p ON p.id = t.plan_id WHERE p.year = %s GROUP BY t.lead_agency_id",
            [YEAR],
        )
        cursor.fetchall()


def run(workdir: str) -> None:
    start = time.perf_counter()
    assessments = build()
    built = time.perf_counter() - start
    reference = p95(sql_count)
    timings: dict[str, float] = {}
    queries: dict[str, int] = {}
    for source in ("task_completion", "report_timeliness"):
        with CaptureQueriesContext(connection) as captured:
            found = figures(source, assessments)
        queries[source] = len(captured)
        assert sum(f.value is not None for f in found.values()) == AGENCIES, source
        timings[source] = p95(partial(figures, source, assessments))
    start = time.perf_counter()
    changed = computed.refresh(assessments)
    refreshed = time.perf_counter() - start
    print(
        f"PAR index feeds, {AGENCIES:,} assessments ({AGENCIES * TASKS:,} tasks, {AGENCIES * 4:,} expected reports; "
        f"built in {built:.1f} s): task_completion p95 {timings['task_completion'] * 1000:.0f} ms "
        f"({queries['task_completion']} queries), report_timeliness p95 {timings['report_timeliness'] * 1000:.0f} ms "
        f"({queries['report_timeliness']} queries); first refresh writing {changed:,} scores {refreshed:.2f} s; "
        f"plain SQL COUNT GROUP BY lead agency {reference * 1000:.1f} ms "
        f"(ratio {timings['task_completion'] / reference:.1f}×)"
    )
