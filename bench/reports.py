"""Completeness benchmark: the matrix of 4,000 agencies × 4 periods (DESIGN §9: < 200 ms at p95).

Rows filled with bulk_create: 4,000 agencies in 8 blocks, four opened quarters with their expected
sets and reports (on time, late, returned, missing), 40 agencies merged into 20 successors. Timed:
``cchc.reports.completeness.matrix`` as the province coordinator reads it (scope included), p95 of
``RUNS`` runs. Reference measured in the same run: one plain SQL COUNT … GROUP BY period, block and
state over the same expected and report rows.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from cchc.accounts.models import RoleGrant, User
from cchc.accounts.roles import Role
from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.reports.completeness import matrix
from cchc.reports.models import ExpectedReport, Report, ReportForm, ReportingPeriod, ReportState

AGENCIES = 4_000
BLOCKS = 8
YEAR = 2031
RUNS = 30
MERGED = 40  # pairs of agencies merged into one successor after the periods opened
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def p95(func: Callable[[], Any], runs: int = RUNS) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.quantiles(samples, n=20)[-1]


def build() -> tuple[User, list[ReportingPeriod]]:
    owner = Agency.objects.create(code="RB-PROV", name="Tỉnh benchmark", kind="province", path="/RB-PROV/")
    Agency.objects.bulk_create(
        [
            Agency(
                code=f"RA{i:05d}",
                name=f"Đơn vị {i:05d}",
                kind="commune",
                parent=owner,
                path=f"/RB-PROV/RA{i:05d}/",
                depth=1,
            )
            for i in range(AGENCIES)
        ],
        batch_size=1000,
    )
    agencies = list(Agency.objects.filter(code__startswith="RA").order_by("code"))
    blocks = [Block.objects.create(year=YEAR, code=f"RB{b}", name=f"Khối {b}", owner=owner) for b in range(BLOCKS)]
    per_block = AGENCIES // BLOCKS
    block_of = {a.pk: blocks[i // per_block] for i, a in enumerate(agencies)}
    BlockMembership.objects.bulk_create(
        [BlockMembership(block=block_of[a.pk], agency=a, year=YEAR) for a in agencies], batch_size=2000
    )
    form = ReportForm.objects.create(year=YEAR, code="RB", name="Báo cáo benchmark")
    periods = []
    rng = random.Random(7)
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
        periods.append(period)
        ExpectedReport.objects.bulk_create(
            [ExpectedReport(period=period, agency=a, block=block_of[a.pk]) for a in agencies], batch_size=2000
        )
        reports = []
        for a in agencies:
            luck = rng.random()
            when = datetime(YEAR, month, 20, 9, tzinfo=LOCAL) + timedelta(days=rng.randint(-10, 5))
            state = ReportState.RETURNED if luck < 0.05 else ReportState.SUBMITTED if luck < 0.85 else ReportState.DRAFT
            reports.append(
                Report(
                    period=period,
                    agency=a,
                    state=state,
                    first_submitted_at=None if state == ReportState.DRAFT else when,
                )
            )
        Report.objects.bulk_create(reports, batch_size=2000)
    successors = Agency.objects.bulk_create(
        [
            Agency(
                code=f"RM{i:03d}",
                name=f"Đơn vị hợp nhất {i}",
                kind="commune",
                parent=owner,
                path=f"/RB-PROV/RM{i:03d}/",
                depth=1,
                active_from=date(YEAR, 1, 1),
            )
            for i in range(MERGED // 2)
        ]
    )
    links = Agency.successors.through
    ended = agencies[:MERGED]
    Agency.objects.filter(pk__in=[a.pk for a in ended]).update(active_to=date(YEAR - 1, 12, 31))
    links.objects.bulk_create(
        [links(from_agency_id=a.pk, to_agency_id=successors[i // 2].pk) for i, a in enumerate(ended)]
    )
    coordinator = User.objects.create_user(username="rb-coordinator", password="not-used-Bench-1")
    RoleGrant.objects.create(user=coordinator, role=Role.COORDINATOR, agency=owner, include_descendants=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return coordinator, periods


def sql_count(period_ids: list[int]) -> None:
    marks = ",".join(["%s"] * len(period_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.period_id, e.block_id, r.state, COUNT(*) FROM reports_expectedreport e "
            "LEFT JOIN reports_report r ON r.period_id = e.period_id AND r.agency_id = e.agency_id "
            f"WHERE e.period_id IN ({marks}) GROUP BY e.period_id, e.block_id, r.state",
            period_ids,
        )
        cursor.fetchall()


def run(workdir: str) -> None:
    start = time.perf_counter()
    coordinator, periods = build()
    built = time.perf_counter() - start
    ids = [p.pk for p in periods]
    reference = p95(lambda: sql_count(ids))
    User.objects.get(pk=coordinator.pk)  # a fresh reader per run, as a request has: its grants read again

    def read() -> Any:
        return matrix(User.objects.get(pk=coordinator.pk), periods)

    table = read()
    timed = p95(read)
    one_block = p95(lambda: matrix(User.objects.get(pk=coordinator.pk), periods, blocks=[table.blocks[0].id]))
    cells = sum(1 for row in table.rows for cell in row.cells if cell is not None)
    print(
        f"Report completeness matrix, {len(table.rows):,} agencies × {len(periods)} periods ({cells:,} cells, "
        f"{MERGED} agencies merged into {MERGED // 2}; built in {built:.1f} s): p95 of {RUNS} runs {timed * 1000:.0f} ms "
        f"(one block {one_block * 1000:.0f} ms); plain SQL COUNT GROUP BY of the same rows {reference * 1000:.1f} ms "
        f"(ratio {timed / reference:.1f}×)"
    )
