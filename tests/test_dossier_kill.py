"""DESIGN §9 reliability: killing an import halfway leaves nothing half-written, and no dossier data behind.

A real `cchc import_dossiers` process, or the `cchc run_tasks` worker importing a web upload, is
killed with SIGKILL while it writes (no Python cleanup runs), on a database of its own of the kind
the suite runs on (an SQLite file, or a PostgreSQL database made for the test); the database then
holds exactly what the previous import left, running the import again counts every dossier once,
and no copy of the dossiers is left in the temporary folder, the work folder or the uploads.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

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
    months = {(r[1], r[3][:7]) for r in rows}
    return ((len(rows), len({r[1] for r in rows})), (len(rows), len(months)), (len(months),))


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
        self.root = tmp_path
        self.temp = tmp_path / "tmp"  # the children's system temporary folder
        self.temp.mkdir()
        self.env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "cchc.settings.development",
            "CCHC_DATA_DIR": str(tmp_path),
            "CCHC_DEBUG": "0",
            "CCHC_TASKS_DEAD_AFTER": "3",
            "TMPDIR": str(self.temp),
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
        """What the dossier tables hold: stored dossiers and their agencies, the counts' sums."""
        return (
            self.query("SELECT count(*), count(DISTINCT agency_id) FROM dossiers_dossier")[0],
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

    def dossier_data(self, *inputs: Path) -> list[Path]:
        """Files outside the database and the test's own inputs that hold a dossier code."""
        kept = {*inputs, *self.root.glob("kill.sqlite3*")}
        return [p for p in self.root.rglob("*") if p.is_file() and p not in kept and b"B0000001" in p.read_bytes()]


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
    # The killed imports' work folders (copies of stored dossiers) went with the next import.
    assert sorted(database.temp.iterdir()) == []
    assert database.dossier_data(first, big) == []


class Site:
    """The web server of the kill database, and a person signed in to it (plain HTTP, as a browser posts)."""

    def __init__(self, database: Database, username: str, password: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.base = f"http://127.0.0.1:{probe.getsockname()[1]}"
        self.server = subprocess.Popen(
            [CCHC, "runserver", "--noreload", self.base.removeprefix("http://")], env=database.env
        )
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        deadline = time.monotonic() + 60
        while True:
            try:
                self.get("/accounts/login/")
                break
            except OSError:
                assert time.monotonic() < deadline, "the web server did not start"
                time.sleep(0.2)
        self.post("/accounts/login/", {"username": username, "password": password})

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.url.removeprefix(self.base), response.read().decode()

    def post(self, path: str, fields: dict[str, str], file: Path | None = None) -> tuple[str, str]:
        """``fields`` (and ``file`` as "file") posted as a form to ``path``, with the CSRF cookie's token."""
        token = next(c.value for c in self.cookies if c.name == "csrftoken")
        fields = {"csrfmiddlewaretoken": token, **fields}
        boundary = uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        if file is not None:
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file.name}"\r\n'
            parts.append(f"{head}Content-Type: text/csv\r\n\r\n".encode() + file.read_bytes() + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        with self.opener.open(request, timeout=120) as response:
            return response.url.removeprefix(self.base), response.read().decode()

    def close(self) -> None:
        self.server.kill()
        self.server.wait(timeout=30)


def test_a_worker_killed_mid_import_is_found_dead_leaves_no_dossier_data_and_the_task_runs_again(
    tmp_path: Path, database: Database
) -> None:
    first = write_csv(tmp_path / "first.csv", dossiers(1_000, "A"))
    database.cchc("import_dossiers", str(first))
    before = database.state()
    database.env["DJANGO_SUPERUSER_PASSWORD"] = "kill-test-Passw0rd"
    database.cchc("createsuperuser", "--noinput", "--username", "boss", "--email", "boss@example.org")
    big = write_csv(tmp_path / "big.csv", dossiers(500, "A") + dossiers(300_000, "B"))
    site = Site(database, "boss", "kill-test-Passw0rd")
    try:
        page, _html = site.post("/dossiers/upload/", {"profile": "canonical"}, big)
        assert re.fullmatch(r"/tasks/[0-9a-f-]{36}/", page), page
        task_id = page.split("/")[2].replace("-", "")

        def task(column: str) -> Any:
            return database.query(
                f"SELECT {column} FROM core_task WHERE replace(CAST(id AS TEXT), '-', '') = '{task_id}'"
            )[0][0]

        database.settle()
        worker = subprocess.Popen([CCHC, "run_tasks", "--no-reload", "--no-startup-delay"], env=database.env)
        deadline = time.monotonic() + 120
        while worker.poll() is None and not database.writing() and time.monotonic() < deadline:
            time.sleep(0.002)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=120)
        time.sleep(0.3)
        assert task("status") == "running", "the worker was not caught in the middle of the import"
        assert database.dossier_data(first, big), "the killed import left no work files: nothing was tested"

        time.sleep(3.5)  # CCHC_TASKS_DEAD_AFTER without a sign of life
        _url, html = site.get(page)
        assert "Tác vụ đã dừng giữa chừng" in html and "Chạy lại" in html
        assert task("status") == "failed"
        # The import's queue entry failed too (the worker also queued its periodic jobs, left out here:
        # the reminder runs, the recurring tasks' generation and the survey hashes' purge).
        imports = (
            "SELECT status FROM django_tasks_database_dbtaskresult"
            " WHERE task_path NOT LIKE '%reminders%' AND task_path NOT LIKE '%recurring%'"
            " AND task_path NOT LIKE '%purge_client_hashes%'"
        )
        assert database.query(imports) == [("FAILED",)]
        assert database.state() == before
        assert database.dossier_data(first, big) == []
        assert sorted(database.temp.iterdir()) == []
        assert sorted((tmp_path / "media" / "uploads" / "dossiers").iterdir()) == []

        again, _html = site.post(f"{page}restart/", {}, big)
        assert again != page and again.startswith("/tasks/")
        database.cchc("run_tasks", "--batch", "--no-reload", "--no-startup-delay")
        _url, html = site.get(again)
        assert "300.000 thêm mới" in html, html
    finally:
        site.close()
    assert database.state() == expected_state(dossiers(1_000, "A") + dossiers(300_000, "B"))
    assert database.dossier_data(first, big) == []
    assert sorted(database.temp.iterdir()) == []
