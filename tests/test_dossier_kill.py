"""DESIGN §9 reliability: killing an import halfway leaves nothing half-written.

A real `cchc import_dossiers` process is killed with SIGKILL while it writes (no Python cleanup
runs), on a database of its own of the kind the suite runs on (an SQLite file, or a PostgreSQL
database made for the test); the database then holds exactly what the previous import left, and
running the import again counts every dossier once.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.test_dossier_import import write_csv

CCHC = str(Path(sys.executable).parent / "cchc")


def dossiers(n: int, prefix: str) -> list[list[str]]:
    return [
        [
            f"{prefix}{i:07d}",
            f"K{i % 40:02d}",
            f"P{i % 30}",
            f"2022-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "",
            "",
            "pending",
            "direct",
        ]
        for i in range(n)
    ]


def expected_state(rows: list[list[str]]) -> tuple[Any, ...]:
    """``Database.state()`` after importing ``rows`` into an empty database, worked out from the rows."""
    from cchc.dossiers.store import bucket_of

    months = {(r[1], r[3][:7]) for r in rows}
    return ((len(rows), len(months)), (len({bucket_of(r[0]) for r in rows}),), (len(rows), len(months)), (len(months),))


class Database:
    """A database of its own for the child processes, and plain SQL to look into it."""

    def __init__(self, tmp_path: Path) -> None:
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            settings = connection.settings_dict
            self.name = f"cchc_kill_{os.getpid()}"
            self.server = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
            self._admin(f"DROP DATABASE IF EXISTS {self.name}", f"CREATE DATABASE {self.name}")
            self.url = f"{self.server}/{self.name}"
        else:
            self.file = tmp_path / "kill.sqlite3"
            self.url = f"sqlite:///{self.file}"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "cchc.settings.development",
            "CCHC_DATA_DIR": str(tmp_path),
            "CCHC_DEBUG": "0",
        }

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as admin:
            for statement in statements:
                admin.execute(statement)

    def drop(self) -> None:
        if self.vendor == "postgresql":
            self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")

    def cchc(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CCHC, *args], env=self.env, capture_output=True, text=True, check=True, timeout=300)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(self.url) as conn:
                return list(conn.execute(sql).fetchall())
        with sqlite3.connect(self.file) as conn:
            return list(conn.execute(sql).fetchall())

    def state(self) -> tuple[Any, ...]:
        """What the dossier tables hold: stored dossiers, chunk and bucket rows, the counts' sums."""
        return (
            self.query("SELECT coalesce(sum(count), 0), count(*) FROM dossiers_dossierchunk")[0],
            self.query("SELECT count(*) FROM dossiers_dossiercodebucket")[0],
            self.query("SELECT coalesce(sum(received), 0), count(*) FROM dossiers_monthlycount")[0],
            self.query("SELECT count(*) FROM dossiers_monthdetail")[0],
        )

    def settle(self) -> None:
        """Fold SQLite's write-ahead log into the file, so that a new writer starts from an empty log."""
        if self.vendor == "sqlite":
            with sqlite3.connect(self.file) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def writing(self) -> bool:
        """True once the child has started writing inside its transaction."""
        if self.vendor == "postgresql":
            rows = self.query(
                f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{self.name}' AND query LIKE 'COPY %'"
            )
            return bool(rows[0][0])
        wal = Path(f"{self.file}-wal")
        return wal.exists() and wal.stat().st_size > 64_000  # pages spilled from the open transaction


@pytest.fixture
def database(tmp_path: Path, db: None) -> Iterator[Database]:
    database = Database(tmp_path)
    try:
        database.cchc("migrate", "--verbosity", "0")
        agencies = [["HA", "UBND tỉnh", "province", ""]] + [
            [f"K{i:02d}", f"Cơ quan {i}", "commune", "HA"] for i in range(40)
        ]
        path = write_csv(tmp_path / "agencies.csv", agencies, ["code", "name", "kind", "parent_code"])
        database.cchc("import_agencies", str(path))
        yield database
    finally:
        database.drop()


def test_killing_an_import_while_it_writes_leaves_the_previous_state(tmp_path: Path, database: Database) -> None:
    first = write_csv(tmp_path / "first.csv", dossiers(1_000, "A"))
    database.cchc("import_dossiers", str(first))
    before = database.state()
    assert before == expected_state(dossiers(1_000, "A"))

    # Half of the first file again (unchanged) and 300,000 new dossiers, killed a little later into
    # its writing each time: each kill leaves either the state before or, once the commit is
    # through, the whole import; never a part of it.
    big = write_csv(tmp_path / "big.csv", dossiers(500, "A") + dossiers(300_000, "B"))
    complete = expected_state(dossiers(1_000, "A") + dossiers(300_000, "B"))
    seen = []
    for delay in (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0):
        database.settle()
        child = subprocess.Popen([CCHC, "import_dossiers", str(big)], env=database.env, text=True)
        deadline = time.monotonic() + 120
        while child.poll() is None and not database.writing() and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=120)
        time.sleep(0.3)  # PostgreSQL rolls back a dead client's transaction once it sees the socket closed
        seen.append((delay, child.returncode, database.state()))
        if seen[-1][2] != before:
            break  # the commit was through before the kill
    # The whole import, run to its end (once more if a kill came after the commit: nothing changes).
    database.cchc("import_dossiers", str(big))
    assert database.state() == complete
    assert [(delay, state in (before, complete)) for delay, _code, state in seen] == [(d, True) for d, _c, _s in seen]
    caught = [delay for delay, code, state in seen if state == before and code == -signal.SIGKILL]
    assert len(caught) >= 2, f"too few runs were killed while writing: {seen}"
