""" "My tasks" benchmark: an agency officer's page over a plan of 15,000 tasks (issue 12 §10: p95 < 100 ms).

Rows filled with bulk_create: 300 agencies under a province, a plan of the province with 15,000 tasks
(each agency leads 50, deadlines over the year, a third done; each task has one co-operating agency,
so each agency co-operates on about 50 more), the focal officer of one agency (its grant on the agency
only). Timed through the test client (the whole request: middleware, scope, filter, aggregate, page of
50, template): GET /plans/my-tasks/ with no filter, with ``status=open``, with ``overdue=true`` and on
page 2, 60 requests each (after warm-up), median and p95. Reference measured in the same run: the
bare SQL of the same first page (the officer's tasks led or co-operated, joined to their lead agency
and plan, by deadline, 50 rows) and its count. ``BENCH_MY_TASKS`` scales the task count down.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import date, timedelta
from typing import Any

from django.db import connection

from cchc.accounts.models import RoleGrant, User
from cchc.accounts.roles import Role
from cchc.agencies.models import Agency
from cchc.core.formatting import format_number
from cchc.plans.models import Plan, Task, TaskStatus

AGENCIES = 300
TASKS = int(os.environ.get("BENCH_MY_TASKS", "15000"))
TODAY = date.today()
YEAR = TODAY.year  # deadlines over this year: some overdue, some not yet due
REPEAT = 60
GOAL = 0.100


def build() -> User:
    owner = Agency.objects.create(code="MT-PROV", name="Tỉnh benchmark", kind="province", path="/MT-PROV/")
    Agency.objects.bulk_create(
        [
            Agency(
                code=f"MT{i:03d}",
                name=f"Đơn vị {i:03d}",
                kind="department",
                parent=owner,
                path=f"/MT-PROV/MT{i:03d}/",
                depth=1,
            )
            for i in range(AGENCIES)
        ]
    )
    agencies = list(Agency.objects.filter(parent=owner).order_by("code"))
    plan = Plan.objects.create(year=YEAR, agency=owner, number="1/KH-UBND", title=f"Kế hoạch CCHC năm {YEAR}")
    rng = random.Random(15)
    areas = ["direction", "institutions", "procedures", "organisation", "civil_service", "public_finance"]
    tasks = []
    for i in range(TASKS):
        deadline = date(YEAR, 1, 15) + timedelta(days=rng.randint(0, 340))
        done = (i // AGENCIES) % 3 == 0  # a third of each agency's tasks
        tasks.append(
            Task(
                plan=plan,
                task_code=f"{i:05d}",
                title=f"Nhiệm vụ cải cách hành chính số {i} của kế hoạch năm {YEAR}",
                area=areas[i % len(areas)],
                lead_agency=agencies[i % AGENCIES],
                deadline=deadline,
                product="Báo cáo",
                status=TaskStatus.DONE if done else TaskStatus.OPEN,
                completed_on=deadline - timedelta(days=2) if done else None,
            )
        )
    Task.objects.bulk_create(tasks, batch_size=5000)
    ids = list(Task.objects.filter(plan=plan).order_by("task_code").values_list("pk", flat=True))
    through = Task.co_agencies.through
    through.objects.bulk_create(
        [through(task_id=pk, agency_id=agencies[(i * 7 + 3) % AGENCIES].pk) for i, pk in enumerate(ids)],
        batch_size=5000,
    )
    officer = User.objects.create_user(username="mt-officer", email="officer@bench.gov.vn")
    RoleGrant.objects.create(user=officer, role=Role.FOCAL, agency=agencies[42])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return officer


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def timed(call: Any) -> list[float]:
    for _ in range(3):
        call()
    samples = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def bare_sql(agency_id: int) -> tuple[int, int]:
    """The first page of the officer's tasks and their count, as plain SQL."""
    mine = (
        "t.id IN (SELECT id FROM plans_task WHERE lead_agency_id = %s"
        " UNION SELECT task_id FROM plans_task_co_agencies WHERE agency_id = %s) AND t.recurrence = ''"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM plans_task t WHERE {mine}", [agency_id, agency_id])
        (count,) = cursor.fetchone()
        cursor.execute(
            "SELECT t.id, t.task_code, t.title, t.area, t.deadline, t.status, t.completed_on, a.name, p.title "
            "FROM plans_task t JOIN agencies_agency a ON a.id = t.lead_agency_id JOIN plans_plan p ON p.id = t.plan_id "
            f"WHERE {mine} ORDER BY t.deadline, t.plan_id, t.task_code LIMIT 50",
            [agency_id, agency_id],
        )
        rows = len(cursor.fetchall())
    return count, rows


def run(workdir: str) -> None:
    from django.conf import settings
    from django.test import Client

    started = time.perf_counter()
    officer = build()
    built = time.perf_counter() - started
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    agency_id = officer.grants.get().agency_id
    count, rows = bare_sql(agency_id)
    first = client.get("/plans/my-tasks/")
    page = first.content.decode()
    assert first.status_code == 200 and f"<strong>{format_number(count)}</strong>" in page, "not the same count"
    assert page.count('href="/plans/tasks/') == 2 * rows, "not the same rows"  # a row links its code and title
    reference = timed(lambda: bare_sql(agency_id))
    pages = {
        "no filter": "/plans/my-tasks/",
        "status=open": "/plans/my-tasks/?status=open",
        "overdue=true": "/plans/my-tasks/?overdue=true",
        "page 2": "/plans/my-tasks/?page=2",
    }
    load = os.getloadavg()[0]
    print(
        f"My tasks, an officer of one of {AGENCIES} agencies over a plan of {TASKS:,} tasks ({count} of them its "
        f"agency's, built in {built:.1f} s; load {load:.1f}):"
    )
    print(
        f"  reference, bare SQL of the first page and its count: median {statistics.median(reference) * 1000:.1f} ms,"
        f" p95 {p95(reference) * 1000:.1f} ms"
    )
    for label, url in pages.items():

        def get(url: str = url) -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")

        samples = timed(get)
        verdict = "holds" if p95(samples) < GOAL else "missed"
        print(
            f"  {label}: median {statistics.median(samples) * 1000:.1f} ms, p95 {p95(samples) * 1000:.1f} ms "
            f"(goal < {GOAL * 1000:.0f} ms: {verdict}; {p95(samples) / p95(reference):.0f}× the bare SQL)"
        )
