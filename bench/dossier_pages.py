"""The indicator pages of issue 10 point 7 over 330 agencies, with a small store (minutes, not 35).

The province-year pages by agency and by block read aggregates (one row per agency and day or
month), so their cost grows with the agencies shown, not with the dossiers stored: the data part
at 10 M dossiers measured about 20 ms, as at 60,000 (docs/performance.md). This benchmark builds
the same province as ``bench.dossiers`` (330 agencies in 11 blocks, 400 procedures), imports
``BENCH_PAGE_DOSSIERS`` dossiers (default 200,000) of the year through the real import, then
GETs each page 40 times (after two warm-up requests) as a province coordinator through Django's
test client and prints median and p95 (goal p95 < 150 ms, the goal set over 10 M dossiers).

References measured in the same run, for each page:

- the time spent in SQL during the page's requests (every statement through a connection
  wrapper), median per request;
- the page's data alone: the same calls of ``cchc.dossiers.stats`` the view makes (the period's
  counts per agency, grouped for the table, the total and the chart by kind; the monthly trend),
  without rendering (median).

Run alone: ``python -m bench dossier_pages`` (SQLite, then PostgreSQL in a database made for the
run and dropped after it; ``BENCH_PG=""`` skips PostgreSQL, ``BENCH_PG`` names the server).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.dossiers import REPEAT, YEAR, ensure_province, generated, load

PAGES = ("agency", "block")


def write_file(folder: Path, rows: int) -> Path:
    import duckdb

    path = folder / "pages.csv"
    db = duckdb.connect()
    db.execute(f"COPY ({generated(0, rows, date(YEAR, 1, 1), 365)}) TO '{path}' (HEADER true)")
    db.close()
    return path


def _p95(times: list[float]) -> float:
    times = sorted(times)
    return times[max(0, int(len(times) * 0.95) - 1)]


def time_page(client: Any, url: str) -> dict[str, float]:
    """Median and p95 of the page, the median SQL time per request, and the median CPU per request."""
    from django.db import connection

    spent: list[float] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[-1] += time.perf_counter() - started

    for _ in range(2):
        client.get(url)
    times, cpu = [], []
    with connection.execute_wrapper(wrapper):
        for _ in range(REPEAT):
            spent.append(0.0)
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
    return {
        "median": statistics.median(times),
        "p95": _p95(times),
        "sql": statistics.median(spent),
        "cpu": statistics.median(cpu),
        "bytes": len(response.content),
    }


def time_data(user: Any, by: str) -> float:
    """The page's data without its rendering: what ``views.index`` asks of the statistics."""
    from cchc.dossiers.stats import monthly_trend, period_counts

    start, end = date(YEAR, 1, 1), date(YEAR, 12, 31)
    times = []
    for _ in range(REPEAT // 2):
        started = time.perf_counter()
        counts = period_counts(start, end, user=user, as_of=None)
        counts.group(by), counts.group("none"), counts.group("kind")
        monthly_trend(date(YEAR - 3, 1, 1), end, user=user)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(path: Path) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from cchc.dossiers.services import import_dossiers_file

    user = ensure_province()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    summary = import_dossiers_file(path, source_system="bench")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    year = {"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"}
    r: dict[str, Any] = {"vendor": connection.vendor, "rows": summary.created}
    for by in PAGES:
        r[by] = time_page(client, f"/dossiers/?{urlencode({**year, 'by': by})}")
        r[by]["data"] = time_data(user, by)
        r[by]["load"] = load()
    return r


def report(r: dict[str, Any]) -> None:
    for by in PAGES:
        m = r[by]
        print(
            f"  {r['vendor']}: province-year indicators by {by}, 330 agencies, {r['rows']:,} dossiers stored: "
            f"median {m['median'] * 1000:.0f} ms, p95 {m['p95'] * 1000:.0f} ms "
            f"(goal < 150 ms: {'holds' if m['p95'] < 0.150 else 'missed'}); CPU {m['cpu'] * 1000:.0f} ms a request; "
            f"SQL {m['sql'] * 1000:.0f} ms a request; the data alone {m['data'] * 1000:.0f} ms; "
            f"{m['bytes'] / 1000:.0f} kB; load {m['load']:.1f}"
        )


def postgres_run(folder: Path, path: Path) -> dict[str, Any] | None:
    server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    if not server:
        return None
    import psycopg

    name = f"cchc_bench_pages_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
        admin.execute(f"ALTER DATABASE {name} SET random_page_cost = 1.1")  # as bench.dossiers
    try:
        env = {**os.environ, "DATABASE_URL": f"{server}/{name}"}
        child = subprocess.run(
            [sys.executable, "-m", "bench.dossier_pages", "--child", str(folder), str(path)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            return None
        return dict(json.loads(child.stdout.strip().splitlines()[-1]))
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run(workdir: str) -> None:
    rows = int(os.environ.get("BENCH_PAGE_DOSSIERS", "200000"))
    folder = Path(workdir)
    path = write_file(folder, rows)
    report(measure(path))
    pg = postgres_run(folder, path)
    if pg:
        report(pg)


def child(folder: str, path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cchc.settings.development")
    os.environ["CCHC_DEBUG"] = "0"
    os.environ["CCHC_DATA_DIR"] = folder
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(json.dumps(measure(Path(path))))


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    child(sys.argv[2], sys.argv[3])
