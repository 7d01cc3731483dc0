"""Dossier statistics: import + aggregation of N synthetic dossiers, against DuckDB on the same CSV.

One run times, on the same canonical CSV (DESIGN §8.2):
- the import (parse, check, write raw records, adjust the aggregates) and the indicators of the
  year by agency, into SQLite (this process's database) and into PostgreSQL (a database created
  for the run and dropped after it, in a child process);
- DuckDB reading the CSV and computing the same indicators (the reference; goal ≤ 3×);
- the indicators of a province-year with 10,000,000 dossiers held in the aggregates (p95).

N is ``BENCH_DOSSIERS`` (default 1,000,000). ``BENCH_PG`` is the PostgreSQL server
(default postgres://postgres@127.0.0.1:5432); set it to "" to skip PostgreSQL.
"""

from __future__ import annotations

import csv
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

YEAR = 2024
AGENCIES = 330  # Khánh Hòa's count of agencies in the provincial system at the end of 2022 (seed 003)
PROCEDURES = 400
BIG = 10_000_000


def agency_codes() -> list[str]:
    return [f"BX{i:03d}" for i in range(AGENCIES)]


def generate(path: Path, n: int, seed: int = 2026) -> None:
    """N dossiers of YEAR in canonical columns: ~88% early, ~11% on time, <1% late, ~3% pending."""
    rng = random.Random(seed)
    codes = agency_codes()
    start = date(YEAR, 1, 1)
    days = [(start + timedelta(days=d)).isoformat() for d in range(400)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                *("dossier_code", "agency_code", "procedure_code", "received_at", "due_at", "resolved_at", "status"),
                *("channel", "online_level", "paid_online", "fee_amount", "result_by_post", "digitized", "sms_count"),
            ]
        )
        for i in range(n):
            received = rng.randrange(365)
            due = received + rng.randrange(1, 15)
            roll = rng.random()
            if roll < 0.03:
                status, resolved = "pending", ""
            elif roll < 0.04:
                status, resolved = "returned", days[received + 1]
            else:
                outcome = rng.random()
                took = due - rng.randrange(1, 3) if outcome < 0.88 else due if outcome < 0.995 else due + 2
                status, resolved = "resolved", days[max(took, received)]
            online = rng.random() < 0.45
            writer.writerow(
                [
                    f"HS{i:08d}",
                    codes[i % AGENCIES],
                    f"TT{(i % AGENCIES * 7 + rng.randrange(30)) % PROCEDURES:04d}",  # ~30 procedures an agency
                    days[received],
                    days[due],
                    resolved,
                    status,
                    "online" if online else "direct",
                    "full" if online else "",
                    1 if online and roll < 0.5 else 0,
                    rng.choice((0, 0, 50000, 100000)),
                    1 if roll > 0.97 else 0,
                    1 if roll < 0.6 else 0,
                    rng.randrange(4),
                ]
            )


def ensure_agencies() -> None:
    from cchc.agencies.models import Agency
    from cchc.agencies.services import rebuild_paths

    province, _ = Agency.objects.get_or_create(code="BXP", defaults={"name": "Tỉnh benchmark", "kind": "province"})
    existing = set(Agency.objects.filter(code__startswith="BX").values_list("code", flat=True))
    Agency.objects.bulk_create(
        [
            Agency(code=c, name=f"Cơ quan {c}", kind="department" if i < 30 else "commune", parent=province)
            for i, c in enumerate(agency_codes())
            if c not in existing
        ]
    )
    rebuild_paths()


def year_indicators() -> Any:
    from cchc.core.scope import SYSTEM
    from cchc.dossiers.stats import indicators

    return indicators(date(YEAR, 1, 1), date(YEAR, 12, 31), user=SYSTEM, by="agency")


def timed_import(path: Path) -> dict[str, Any]:
    """Import the file and compute the year's indicators; seconds of each, and totals to compare."""
    from cchc.dossiers.services import import_dossiers_file

    ensure_agencies()
    started = time.perf_counter()
    summary = import_dossiers_file(path)
    imported = time.perf_counter()
    groups = year_indicators()
    done = time.perf_counter()
    return {
        "import": imported - started,
        "indicators": done - imported,
        "created": summary.created,
        "resolved": sum(g.resolved for g in groups),
        "late": sum(g.late for g in groups),
        "pending_overdue": sum(g.pending_overdue for g in groups),
    }


DUCKDB_SQL = """
SELECT agency_code,
  count(*) FILTER (WHERE received_at BETWEEN DATE '{y}-01-01' AND DATE '{y}-12-31') AS received,
  count(*) FILTER (WHERE status = 'resolved' AND resolved_at BETWEEN DATE '{y}-01-01' AND DATE '{y}-12-31') AS resolved,
  count(*) FILTER (WHERE status = 'resolved' AND resolved_at BETWEEN DATE '{y}-01-01' AND DATE '{y}-12-31'
                   AND resolved_at < due_at) AS early,
  count(*) FILTER (WHERE status = 'resolved' AND resolved_at BETWEEN DATE '{y}-01-01' AND DATE '{y}-12-31'
                   AND (due_at IS NULL OR resolved_at = due_at)) AS on_time,
  count(*) FILTER (WHERE status = 'resolved' AND resolved_at BETWEEN DATE '{y}-01-01' AND DATE '{y}-12-31'
                   AND resolved_at > due_at) AS late,
  count(*) FILTER (WHERE received_at <= DATE '{y}-12-31'
                   AND (status = 'pending' OR coalesce(resolved_at, received_at) > DATE '{y}-12-31')) AS pending,
  count(*) FILTER (WHERE received_at <= DATE '{y}-12-31' AND due_at < DATE '{y}-12-31'
                   AND (status = 'pending' OR coalesce(resolved_at, received_at) > DATE '{y}-12-31')) AS pending_overdue,
  count(*) FILTER (WHERE channel = 'online') AS online,
  count(*) FILTER (WHERE channel = 'online' OR online_level IN ('full', 'partial')) AS online_eligible,
  sum(sms_count) AS sms,
  sum(fee_amount) AS fee_amount
FROM read_csv('{path}', header = true, dateformat = '%Y-%m-%d')
GROUP BY agency_code
"""


def duckdb_reference(path: Path) -> dict[str, Any]:
    import duckdb

    started = time.perf_counter()
    rows = duckdb.sql(DUCKDB_SQL.format(y=YEAR, path=path)).fetchall()  # type: ignore[union-attr]
    elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "resolved": sum(r[2] for r in rows),
        "late": sum(r[5] for r in rows),
        "pending_overdue": sum(r[7] for r in rows),
    }


def duckdb_same_aggregates(path: Path) -> float:
    """Context, not the goal's reference: DuckDB reading the CSV and counting the events at the two
    grains the import keeps (agency × day, agency × procedure × month) with the import's own SQL
    (``engine.count_events``), without checks, old versions or storage."""
    import duckdb

    from cchc.dossiers.engine import count_events

    db = duckdb.connect()
    started = time.perf_counter()
    db.execute(
        f"""CREATE TABLE delta AS SELECT dossier_code AS code, agency_code AS agency_id, procedure_code,
          received_at AS received, due_at AS due, resolved_at AS resolved, status, channel,
          (channel = 'online' OR online_level IN ('full', 'partial')) AS eligible, paid_online = 1 AS paid,
          fee_amount AS fee, result_by_post = 1 AS post, digitized = 1 AS digi, sms_count AS sms, '' AS handler,
          1 AS sign
        FROM read_csv('{path}', header = true, dateformat = '%Y-%m-%d')"""
    )
    count_events(db)
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def postgres_run(path: Path) -> dict[str, Any] | None:
    """The same import in a child process on a PostgreSQL database made for the run, then dropped."""
    server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    if not server:
        return None
    import psycopg

    name = f"cchc_bench_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        env = {**os.environ, "DATABASE_URL": f"{server}/{name}"}
        child = subprocess.run(
            [sys.executable, "-m", "bench.dossiers", "--child", str(path)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            print(child.stderr[-2000:])
            return None
        return dict(json.loads(child.stdout.strip().splitlines()[-1]))
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def big_aggregates(total: int = BIG) -> int:
    """A province-year of ``total`` dossiers written straight into the aggregates (no raw records)."""
    from cchc.agencies.models import Agency
    from cchc.dossiers.services import add_counts_of, build_row

    ensure_agencies()
    ids = list(Agency.objects.filter(code__startswith="BX").exclude(code="BXP").values_list("pk", flat=True))
    start = date(YEAR + 1, 1, 1)
    per_day = total // (len(ids) * 365)
    rows = []
    for agency in ids:
        for d in range(365):
            day = start + timedelta(days=d)
            due = day + timedelta(days=7)
            rows.append(
                (build_row("", agency, day, due, day + timedelta(days=5), "resolved", channel="online"), per_day - 2)
            )
            rows.append((build_row("", agency, day, due, due + timedelta(days=1), "resolved"), 1))
            rows.append((build_row("", agency, day, due, None, "pending"), 1))
    add_counts_of(rows)
    return per_day * len(ids) * 365


def p95_of_year(repeat: int = 40) -> tuple[float, float]:
    from cchc.core.scope import SYSTEM
    from cchc.dossiers.stats import indicators

    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        indicators(date(YEAR + 1, 1, 1), date(YEAR + 1, 12, 31), user=SYSTEM, by="agency")
        indicators(date(YEAR + 1, 1, 1), date(YEAR + 1, 12, 31), user=SYSTEM, by="none")
        samples.append(time.perf_counter() - started)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def run(workdir: str) -> None:
    from django.db import connection

    n = int(os.environ.get("BENCH_DOSSIERS", "1000000"))
    path = Path(workdir) / "dossiers.csv"
    started = time.perf_counter()
    generate(path, n)
    print(
        f"dossiers: {n:,} synthetic rows written in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.0f} MB)"
    )
    reference = duckdb_reference(path)
    print(f"  DuckDB reads the CSV and computes the indicators: {reference['seconds']:.2f} s (reference)")
    same = duckdb_same_aggregates(path)
    print(f"  (context) DuckDB reads the CSV and counts the events at the import's two aggregate grains: {same:.2f} s")
    results = {connection.vendor: timed_import(path)}
    pg = postgres_run(path)
    if pg:
        results["postgresql"] = pg
    for vendor, r in results.items():
        total = r["import"] + r["indicators"]
        keys = ("resolved", "late", "pending_overdue")
        agree = "agrees" if all(r[k] == reference[k] for k in keys) else "DIFFERS"
        print(
            f"  {vendor}: import {r['import']:.1f} s ({r['created'] / r['import']:,.0f} rows/s) + indicators "
            f"{r['indicators'] * 1000:.0f} ms = {total:.1f} s; ratio to DuckDB {total / reference['seconds']:.1f}× "
            f"(goal ≤ 3×; {r['import'] / same:.1f}× DuckDB keeping the same aggregates); resolved {r['resolved']:,}, "
            f"late {r['late']:,}, overdue {r['pending_overdue']:,} ({agree} with DuckDB)"
        )
    held = big_aggregates()
    median, p95 = p95_of_year()
    print(
        f"  province-year of {held:,} dossiers from the aggregates ({connection.vendor}): "
        f"median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms (goal < 150 ms)"
    )
    if pg:
        print(
            f"  province-year of {pg['p95_held']:,} dossiers from the aggregates (postgresql): "
            f"median {pg['p95_median'] * 1000:.0f} ms, p95 {pg['p95'] * 1000:.0f} ms (goal < 150 ms)"
        )


def child(path: str) -> None:
    """Run in a child process against DATABASE_URL: migrate, import, print the figures as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cchc.settings.development")
    os.environ["CCHC_DEBUG"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = timed_import(Path(path))
    held = big_aggregates()
    result["p95_held"] = held
    result["p95_median"], result["p95"] = p95_of_year()
    print(json.dumps(result))


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    child(sys.argv[2])
