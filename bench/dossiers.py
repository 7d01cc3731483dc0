"""Dossiers as rows (issue 10): imports into an empty and a full store, pages over the full store.

One run, on SQLite (this process's database) and on PostgreSQL (a database created for the run and
dropped after it, in a child process), each figure beside a reference measured in the same run:

- fresh import of ``BENCH_DOSSIERS`` rows (default 1,000,000) into an empty store, against the
  database storing the same rows in a copy of the same table (same indexes and constraints):
  PostgreSQL ``COPY`` of a CSV of the rows in the table's columns, SQLite one ``executemany`` in one
  transaction (goal ≤ 2×);
- the store filled to ``BENCH_BIG`` dossiers (default 10,000,000) through the same import (one
  file of the rest), timed as context;
- a monthly import of ``BENCH_MONTHLY`` rows (default 200,000: half new dossiers of January, half
  stored pending dossiers now resolved) into the full store, against the same kind of reference for
  those rows (goals < 10 s and ≤ 3×);
- the province-year indicators by agency and by block, and the officer-and-field listing of the
  agency page and of the API, through the pages (Django's test client, a province coordinator):
  median and p95 of 40 requests each (goals p95 < 150 ms and < 200 ms).

DuckDB reading the CSV and computing the year's indicators is printed as context. The rows are
written by DuckDB from a deterministic generator (a hash of the row number), so both databases get
the same files. ``BENCH_PG`` is the PostgreSQL server (default postgres://postgres@127.0.0.1:5432;
"" skips PostgreSQL).
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

YEAR = 2024
AGENCIES = 330  # Khánh Hòa's count of agencies in the provincial system at the end of 2022 (seed 003)
PROCEDURES = 400
OFFICERS = 10  # per agency
SOURCE = "bench"
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Thanh", "Quốc", "Ngọc", "Đức")
GIVEN = (
    *("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Hương", "Khánh", "Lan", "Linh"),
    *("Long", "Mai", "Nam", "Nga", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tú", "Tuấn"),
    *("Vân", "Yến"),
)
FIELDS = (
    *("Tư pháp", "Đất đai", "Xây dựng", "Giao thông", "Y tế", "Giáo dục", "Lao động", "Thương mại", "Công thương"),
    *("Nông nghiệp", "Tài nguyên nước", "Môi trường", "Hộ tịch", "Chứng thực", "Đầu tư", "Doanh nghiệp"),
    *("Văn hóa", "Du lịch", "Thông tin", "Nội vụ"),
)
REPEAT = 40


def agency_code(i: int) -> str:
    return f"BX{i:03d}"


def officer(agency: int, k: int) -> str:
    """The k-th officer of an agency: names unique over the province (14 × 8 × 30 ≥ 3,300)."""
    j = agency * OFFICERS + k
    return f"{FAMILY[j % 14]} {MIDDLE[j // 14 % 8]} {GIVEN[j // 112 % 30]}"


def procedure_code(p: int) -> str:
    return f"TT{p:04d}"


def _list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + v + "'" for v in values) + "]"


def generated(lo: int, hi: int, start: date, days: int) -> str:
    """SELECT of dossiers ``lo``…``hi`` in canonical columns (DESIGN §8.2), received in ``days`` days
    from ``start``: ~88 % early, ~11 % on time, < 1 % late, ~3 % pending, 1 % returned; 45 % online;
    ~30 procedures and 10 officers an agency. Deterministic: every value is a slice of hash(i)."""
    handler = (
        f"{_list(FAMILY)}[j % 14 + 1] || ' ' || {_list(MIDDLE)}[j // 14 % 8 + 1] || ' ' || "
        f"{_list(GIVEN)}[j // 112 % 30 + 1]"
    )
    return f"""
    SELECT dossier_code, agency_code, procedure_code, received_at, due_at,
      CASE WHEN roll < 30 THEN NULL WHEN roll < 40 THEN received_at + 1
        WHEN o < 880 THEN greatest(received_at, due_at - 1 - ((h >> 61) % 2)::INT)
        WHEN o < 995 THEN due_at ELSE due_at + 2 END AS resolved_at,
      CASE WHEN roll < 30 THEN 'pending' WHEN roll < 40 THEN 'returned' ELSE 'resolved' END AS status,
      CASE WHEN online THEN 'online' ELSE 'direct' END AS channel,
      CASE WHEN online THEN 'full' ELSE '' END AS online_level,
      (online AND roll < 500)::INT AS paid_online, [0, 0, 50000, 100000][(h >> 43) % 4 + 1] AS fee_amount,
      (roll > 970)::INT AS result_by_post, (roll < 600)::INT AS digitized, (h >> 45) % 4 AS sms_count,
      {handler} AS handler
    FROM (
      SELECT 'HS' || lpad(i::VARCHAR, 9, '0') AS dossier_code, 'BX' || lpad((i % {AGENCIES})::VARCHAR, 3, '0')
          AS agency_code,
        'TT' || lpad(((i % {AGENCIES} * 7 + (h >> 51) % 30) % {PROCEDURES})::VARCHAR, 4, '0') AS procedure_code,
        DATE '{start.isoformat()}' + (h % {days})::INT AS received_at,
        DATE '{start.isoformat()}' + (h % {days})::INT + 1 + ((h >> 9) % 14)::INT AS due_at,
        (h >> 13) % 1000 AS roll, (h >> 23) % 1000 AS o, (h >> 33) % 100 < 45 AS online,
        i % {AGENCIES} * {OFFICERS} + (h >> 47) % {OFFICERS} AS j, h
      FROM (SELECT i, (hash(i) >> 1)::BIGINT AS h FROM range({lo}, {hi}) t(i))
    )"""


def write_files(folder: Path, fresh: int, big: int, monthly: int) -> dict[str, Path]:
    """The fresh file (dossiers 0…fresh), the fill (fresh…big) and the monthly file: half new dossiers
    received in January of the next year, half stored pending dossiers resolved on 15 January."""
    import duckdb

    paths = {name: folder / f"{name}.csv" for name in ("fresh", "fill", "monthly")}
    db = duckdb.connect()
    start = date(YEAR, 1, 1)
    db.execute(f"COPY ({generated(0, fresh, start, 365)}) TO '{paths['fresh']}' (HEADER true)")
    if big > fresh:
        db.execute(f"COPY ({generated(fresh, big, start, 365)}) TO '{paths['fill']}' (HEADER true)")
    half = monthly // 2
    db.execute(
        f"""COPY (
          SELECT * FROM ({generated(big, big + monthly - half, date(YEAR + 1, 1, 1), 31)})
          UNION ALL
          SELECT * REPLACE ('resolved' AS status, DATE '{YEAR + 1}-01-15' AS resolved_at) FROM (
            SELECT * FROM ({generated(0, big, start, 365)}) WHERE status = 'pending' ORDER BY dossier_code LIMIT {half})
        ) TO '{paths["monthly"]}' (HEADER true)"""
    )
    db.close()
    return paths


# The province: agencies, blocks, procedures with fields, a coordinator.


def ensure_province() -> Any:
    """The agencies (30 departments, 300 communes), the year's blocks, the procedures and a province
    coordinator; returns the coordinator."""
    from cchc.accounts.models import RoleGrant, User
    from cchc.accounts.roles import Role
    from cchc.agencies.models import Agency, Block, BlockMembership
    from cchc.agencies.services import rebuild_paths
    from cchc.dossiers.models import OnlineLevel, Procedure, ProcedureLevel

    province, _ = Agency.objects.get_or_create(code="BXP", defaults={"name": "Tỉnh benchmark", "kind": "province"})
    agencies = Agency.objects.bulk_create(
        [
            Agency(
                code=agency_code(i), name=f"Cơ quan {i}", kind="department" if i < 30 else "commune", parent=province
            )
            for i in range(AGENCIES)
        ]
    )
    rebuild_paths()
    for b in range(11):  # the departments, then ten blocks of 30 communes
        block = Block.objects.create(year=YEAR, code=f"K{b:02d}", name=f"Khối {b}", owner=province)
        for agency in agencies[b * 30 : b * 30 + 30]:
            BlockMembership.objects.create(block=block, agency=agency)
    levels = (OnlineLevel.FULL, OnlineLevel.PARTIAL, OnlineLevel.NONE)
    Procedure.objects.bulk_create(
        [
            Procedure(
                code=procedure_code(p),
                name=f"Thủ tục {p}",
                field=FIELDS[p % len(FIELDS)],
                level=ProcedureLevel.COMMUNE if p % 3 else ProcedureLevel.PROVINCE,
                online_level=levels[p % 3],
            )
            for p in range(PROCEDURES)
        ]
    )
    user = User.objects.create_user(username="bench_coordinator", password="x", full_name="Điều phối")
    RoleGrant.objects.create(user=user, role=Role.COORDINATOR, agency=province, include_descendants=True)
    return user


# The references: the database storing the same rows in a copy of the table.


Prepared = tuple[list[str], Any]


def stored_rows(codes: list[str] | None = None) -> Prepared:
    """The stored rows (all, or those of ``codes``) in the table's columns, as the references store
    them: a CSV file on PostgreSQL, a list of tuples on SQLite (prepared outside the timer)."""
    from django.db import connection

    from cchc.dossiers.models import Dossier

    table = Dossier._meta.db_table
    names = [f.column for f in Dossier._meta.concrete_fields if f.column != "id"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            where = "" if codes is None else " WHERE dossier_code = ANY(%s)"
            sql = f"SELECT {', '.join(names)} FROM {table}{where}"
            if codes is not None:
                sql = cursor.cursor.mogrify(sql, [codes])
            path = Path(os.environ["CCHC_DATA_DIR"]) / f"reference-{len(codes or ())}.csv"
            with path.open("wb") as out, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
                for block in copy:
                    out.write(block)
            return names, path
        where = "" if codes is None else " WHERE dossier_code IN (SELECT value FROM json_each(%s))"
        cursor.execute(f"SELECT {', '.join(names)} FROM {table}{where}", [] if codes is None else [json.dumps(codes)])
        rows = [
            tuple(v.isoformat() if isinstance(v, date) else int(v) if isinstance(v, bool) else v for v in row)
            for row in cursor.fetchall()
        ]
        return names, rows


def reference(prepared: Prepared) -> float:
    """Seconds the database takes to store the rows in an empty copy of the dossier table (same
    columns, indexes and constraints): ``COPY`` on PostgreSQL, one ``executemany`` in one
    transaction on SQLite."""
    from django.db import connection, transaction

    from cchc.dossiers.engine import copy_csv
    from cchc.dossiers.models import Dossier

    table = Dossier._meta.db_table
    names, rows = prepared
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE bench_ref (LIKE {table} INCLUDING ALL)")
            for fk in Dossier._meta.concrete_fields:  # LIKE leaves the foreign keys out: the same ones
                if fk.remote_field is not None:
                    target = fk.remote_field.model._meta.db_table
                    cursor.execute(
                        f"ALTER TABLE bench_ref ADD FOREIGN KEY ({fk.column}) REFERENCES {target} (id) "
                        "DEFERRABLE INITIALLY DEFERRED"
                    )
            started = time.perf_counter()
            with transaction.atomic():
                copy_csv(cursor, "bench_ref", names, rows)
            elapsed = time.perf_counter() - started
            cursor.execute("DROP TABLE bench_ref")
            return elapsed
        cursor.execute("SELECT sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL", [table])
        ddl = [
            sql.replace(f'"{table}"', '"bench_ref"').replace('INDEX "', 'INDEX "ref_') for (sql,) in cursor.fetchall()
        ]
        for statement in ddl:
            cursor.execute(statement)
        insert = f"INSERT INTO bench_ref ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"
        started = time.perf_counter()
        with transaction.atomic():
            cursor.executemany(insert, rows)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_ref")
        return elapsed


def reference_in_store(prepared: Prepared) -> float:
    """Seconds the database takes to store the rows in the dossier table itself, as it holds the
    store (new rows inserted, stored ones replaced), in a transaction rolled back afterwards: SQLite
    one ``executemany`` of ``INSERT … ON CONFLICT DO UPDATE``; PostgreSQL ``COPY`` of the file into a
    temporary table and one ``INSERT … ON CONFLICT DO UPDATE`` (``COPY`` cannot replace a row)."""
    from django.db import connection, transaction

    from cchc.dossiers.engine import copy_csv
    from cchc.dossiers.models import Dossier

    table = Dossier._meta.db_table
    names, rows = prepared
    conflict = " ON CONFLICT (source, dossier_code) DO UPDATE SET " + ", ".join(
        f"{c} = excluded.{c}" for c in names if c not in ("source", "dossier_code")
    )
    with connection.cursor() as cursor, transaction.atomic():
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TEMPORARY TABLE bench_stage AS SELECT {', '.join(names)} FROM {table} WITH NO DATA")
            copy_csv(cursor, "bench_stage", names, rows)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(names)} FROM bench_stage{conflict}"
            )
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))}){conflict}", rows
            )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def note(text: str) -> None:
    """A step done, on stderr as it happens (the figures come together at the end)."""
    print(
        f"    [{time.strftime('%H:%M:%S UTC', time.gmtime())}, load {load():.1f}] {text}", file=sys.stderr, flush=True
    )


def monthly_codes(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        next(handle)
        return [line.split(",", 1)[0] for line in handle]


# The pages.


def sample(client: Any, urls: list[str]) -> tuple[float, float]:
    """Median and p95 of GETting ``urls`` (after two warm-up requests), in seconds."""
    for url in urls[:2]:
        client.get(url)
    times = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def listing_questions() -> list[tuple[str, str, str]]:
    """(agency code, officer, field) of 40 realistic questions: an officer of the agency and a field
    of the procedures it handles."""
    found = []
    for k in range(REPEAT):
        a = (5 + 8 * k) % AGENCIES
        p = (a * 7 + k * 7 % 30) % PROCEDURES
        found.append((agency_code(a), officer(a, k % OFFICERS), FIELDS[p % len(FIELDS)]))
    return found


def time_pages(user: Any) -> dict[str, tuple[float, float]]:
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    year = {"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"}
    questions = listing_questions()
    return {
        "by_agency": sample(client, [f"/dossiers/?{urlencode({**year, 'by': 'agency'})}"] * REPEAT),
        "by_block": sample(client, [f"/dossiers/?{urlencode({**year, 'by': 'block'})}"] * REPEAT),
        "agency_listing": sample(
            client,
            [
                f"/dossiers/agency/{a}/?{urlencode({**year, 'handler': h, 'field': f, 'late': 'true'})}"
                for a, h, f in questions
            ],
        ),
        "api_listing": sample(
            client, [f"/api/v1/dossiers/?{urlencode({'handler': h, 'field': f})}" for _a, h, f in questions]
        ),
    }


# One database's run.


def year_totals() -> dict[str, int]:
    from cchc.core.scope import SYSTEM
    from cchc.dossiers.stats import indicators

    groups = indicators(date(YEAR, 1, 1), date(YEAR, 12, 31), user=SYSTEM, by="agency")
    return {k: sum(getattr(g, k) for g in groups) for k in ("received", "resolved", "late", "pending_overdue")}


def load() -> float:
    return os.getloadavg()[0]


def measure(paths: dict[str, Path]) -> dict[str, Any]:
    """Every figure on this process's database, which must be freshly migrated."""
    from django.db import connection, transaction

    from cchc.dossiers.models import Dossier
    from cchc.dossiers.services import import_dossiers_file

    user = ensure_province()
    if connection.vendor == "postgresql":  # what autovacuum does soon after (it is off on this machine)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    r: dict[str, Any] = {"vendor": connection.vendor}
    started = time.perf_counter()
    summary = import_dossiers_file(paths["fresh"], source_system=SOURCE)
    r["fresh"] = time.perf_counter() - started
    r["fresh_load"], r["fresh_rows"] = load(), summary.created
    note(f"{connection.vendor}: fresh import {r['fresh']:.1f} s")
    r["fresh_totals"] = year_totals()
    r["fresh_ref"] = reference(stored_rows())
    note(f"{connection.vendor}: its reference {r['fresh_ref']:.1f} s")
    if paths["fill"].exists():
        started = time.perf_counter()
        import_dossiers_file(paths["fill"], source_system=SOURCE)
        r["fill"], r["fill_load"] = time.perf_counter() - started, load()
        note(f"{connection.vendor}: fill {r['fill']:.0f} s")
        if connection.vendor == "sqlite":  # the WAL file SQLite would have folded back long before a month later
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    r["held"] = Dossier.objects.count()
    # The monthly rows in the table's columns: from an import rolled back (it also warms the caches
    # for the references and the timed import alike).
    codes = monthly_codes(paths["monthly"])
    with transaction.atomic():
        import_dossiers_file(paths["monthly"], source_system=SOURCE)
        prepared = stored_rows(codes)
        transaction.set_rollback(True)
    r["monthly_ref"] = reference(prepared)
    r["monthly_ref_store"] = reference_in_store(prepared)
    note(f"{connection.vendor}: monthly references {r['monthly_ref']:.2f} s, {r['monthly_ref_store']:.2f} s")
    started = time.perf_counter()
    summary = import_dossiers_file(paths["monthly"], source_system=SOURCE)
    r["monthly"], r["monthly_load"] = time.perf_counter() - started, load()
    r["monthly_created"], r["monthly_updated"] = summary.created, summary.updated
    note(f"{connection.vendor}: monthly import {r['monthly']:.1f} s")
    r["held_after"] = Dossier.objects.count()
    r["pages"] = time_pages(user)
    r["pages_load"] = load()
    return r


def postgres_run(folder: Path) -> dict[str, Any] | None:
    """``measure`` in a child process on a PostgreSQL database made for the run, then dropped."""
    server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    if not server:
        return None
    import psycopg

    name = f"cchc_bench_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
        # The planner's cost of a random read as on SSDs or a cached store (the default, 4, is for
        # spinning disks): with it the officer listing walks the officer's index, 25 ms, instead of
        # intersecting it with a procedure index, 140 ms (docs/performance.md).
        admin.execute(f"ALTER DATABASE {name} SET random_page_cost = 1.1")
    try:
        env = {**os.environ, "DATABASE_URL": f"{server}/{name}"}
        child = subprocess.run(
            [sys.executable, "-m", "bench.dossiers", "--child", str(folder)],
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


DUCKDB_SQL = """
SELECT count(*) FILTER (WHERE received_at BETWEEN DATE '{y}-01-01' AND DATE '{y}-12-31') AS received,
  count(*) FILTER (WHERE status = 'resolved' AND resolved_at BETWEEN DATE '{y}-01-01' AND DATE '{y}-12-31')
    AS resolved,
  count(*) FILTER (WHERE status = 'resolved' AND resolved_at BETWEEN DATE '{y}-01-01' AND DATE '{y}-12-31'
                   AND resolved_at > due_at) AS late,
  count(*) FILTER (WHERE received_at <= DATE '{y}-12-31' AND due_at < DATE '{y}-12-31'
                   AND (status = 'pending' OR coalesce(resolved_at, received_at) > DATE '{y}-12-31'))
    AS pending_overdue
FROM read_csv('{path}', header = true, dateformat = '%Y-%m-%d')
"""


def duckdb_context(path: Path) -> tuple[float, dict[str, int]]:
    """DuckDB reading the CSV and counting the year's totals: seconds and the totals."""
    import duckdb

    started = time.perf_counter()
    row = duckdb.connect().execute(DUCKDB_SQL.format(y=YEAR, path=path)).fetchone()
    elapsed = time.perf_counter() - started
    assert row is not None
    return elapsed, dict(zip(("received", "resolved", "late", "pending_overdue"), map(int, row), strict=True))


def report(r: dict[str, Any], truth: dict[str, int], fresh: int, monthly: int) -> None:
    v = r["vendor"]
    ref_kind = "COPY" if v == "postgresql" else "one executemany"
    agree = "agree" if r["fresh_totals"] == truth else f"DIFFER: {r['fresh_totals']} against {truth}"
    ratio = r["fresh"] / r["fresh_ref"]
    print(
        f"  {v}: fresh import of {r['fresh_rows']:,} rows {r['fresh']:.1f} s ({r['fresh_rows'] / r['fresh']:,.0f} rows/s); "
        f"{ref_kind} of the same rows into a copy of the table {r['fresh_ref']:.1f} s; ratio {ratio:.1f}× "
        f"(goal ≤ 2×: {'holds' if ratio <= 2 else 'missed'}); load {r['fresh_load']:.1f}; year totals {agree} with DuckDB"
    )
    if "fill" in r:
        print(f"  {v}: the rest of the store through the same import, {r['fill']:.0f} s (load {r['fill_load']:.1f})")
    ratio, in_store = r["monthly"] / r["monthly_ref"], r["monthly"] / r.get("monthly_ref_store", r["monthly_ref"])
    holds = "holds" if r["monthly"] < 10 and ratio <= 3 else "missed"
    print(
        f"  {v}: monthly import of {monthly:,} rows ({r['monthly_created']:,} new, {r['monthly_updated']:,} corrected) "
        f"into {r['held']:,} stored: {r['monthly']:.1f} s (load {r['monthly_load']:.1f}); {ref_kind} of those rows "
        f"into an empty copy of the table {r['monthly_ref']:.2f} s, ratio {ratio:.1f}× (goals < 10 s and ≤ 3×: {holds}); "
        f"the same rows upserted into the stored table (rolled back) {r.get('monthly_ref_store', 0):.2f} s, "
        f"ratio {in_store:.1f}×"
    )
    names = {
        "by_agency": ("province-year indicators by agency", 0.150),
        "by_block": ("province-year indicators by block", 0.150),
        "agency_listing": ("agency page, late dossiers of an officer in a field", 0.200),
        "api_listing": ("API, dossiers of an officer in a field", 0.200),
    }
    for key, (label, goal) in names.items():
        median, p95 = r["pages"][key]
        print(
            f"  {v}: {label} over {r['held_after']:,}: median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
            f"(goal < {goal * 1000:.0f} ms: {'holds' if p95 < goal else 'missed'}); load {r['pages_load']:.1f}"
        )


def run(workdir: str) -> None:
    from django.db import connection

    fresh = int(os.environ.get("BENCH_DOSSIERS", "1000000"))
    big = max(fresh, int(os.environ.get("BENCH_BIG", "10000000")))
    monthly = int(os.environ.get("BENCH_MONTHLY", "200000"))
    folder = Path(workdir)
    started = time.perf_counter()
    paths = write_files(folder, fresh, big, monthly)
    size = sum(p.stat().st_size for p in paths.values() if p.exists()) / 1e6
    print(
        f"dossiers: {fresh:,} + {big - fresh:,} + {monthly:,} rows written by DuckDB in {time.perf_counter() - started:.0f} s ({size:,.0f} MB)"
    )
    seconds, truth = duckdb_context(paths["fresh"])
    print(f"  (context) DuckDB reads the {fresh:,}-row CSV and counts the year's totals: {seconds:.2f} s")
    run_started = time.perf_counter()
    report(measure(paths), truth, fresh, monthly)
    print(f"  ({connection.vendor} run {time.perf_counter() - run_started:.0f} s)")
    run_started = time.perf_counter()
    pg = postgres_run(folder)
    if pg:
        report(pg, truth, fresh, monthly)
        print(f"  (postgresql run {time.perf_counter() - run_started:.0f} s)")


def child(folder: str) -> None:
    """Run in a child process against DATABASE_URL: migrate, measure, print the figures as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cchc.settings.development")
    os.environ["CCHC_DEBUG"] = "0"
    os.environ["CCHC_DATA_DIR"] = folder
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    paths = {name: Path(folder) / f"{name}.csv" for name in ("fresh", "fill", "monthly")}
    print(json.dumps(measure(paths)))


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    child(sys.argv[2])
