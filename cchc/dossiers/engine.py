"""The dossier import engine: DuckDB reads, checks and counts the file; the database gets the rows.

DuckDB (in memory, for the length of one import) reads the CSV in parallel, converts and checks
every row with set-based SQL, compares it with the stored version of its code (read through the
``(source, dossier_code)`` key), and counts what changes into the aggregate rows (docs/dossiers.md).
The database then gets, in the import's single transaction, the new and changed dossiers as one
bulk write (``COPY`` on PostgreSQL, one prepared statement on SQLite; an upsert on the key once
dossiers are stored) and the aggregate deltas.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.db import OperationalError, connection, models, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from cchc.agencies.models import Agency
from cchc.core import audit
from cchc.core.formatting import format_number
from cchc.core.models import AuditEntry
from cchc.core.scope import agency_q
from cchc.core.tabular import InputError, import_summary
from cchc.core.tasks import work_folder
from cchc.dossiers.columns import COLUMNS, DECLARED, STORED
from cchc.dossiers.models import (
    IMPORT_ROLES,
    MEASURES,
    Dossier,
    HandlerMonthlyCount,
    MonthDetail,
    MonthlyCount,
    OnlineLevel,
    Procedure,
)
from cchc.dossiers.profiles import AMOUNT_COLUMNS, FLAG_COLUMNS, Profile

logger = logging.getLogger(__name__)
MAX_REPORTED = 20
IMPORT_CACHE_KIB = 256 * 1024  # SQLite's page cache during an import (see ``_page_cache``)
Progress = Callable[[int, int, str], None]  # rows done, rows in the file, message
STATUSES = ("resolved", "pending", "returned", "withdrawn")


@dataclass
class DossierSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.skipped

    def __str__(self) -> str:
        text = import_summary(self.created, self.updated, self.unchanged)
        if self.skipped:
            text += "; " + _("%(skipped)s bad rows skipped") % {"skipped": format_number(self.skipped)}
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "problems": self.problems,
            "total": self.total,
            "message": str(self),
        }


@dataclass(frozen=True)
class Source:
    """A CSV file as DuckDB reads it: its path, delimiter, header cells, and whether its first
    column is the spreadsheet row number (``__row``, for files converted from XLSX)."""

    path: Path
    delimiter: str
    header: Sequence[str]
    numbered: bool = False


# SQL pieces. Dates are calendar days in the province's time zone: yyyy-mm-dd, dd/mm/yyyy, or an ISO
# 8601 date-time (converted to the zone when it has an offset, already local when it has none).
DAY_SQL = """CASE
  WHEN {t} = '' THEN NULL
  WHEN length({t}) = 10 AND {t}[5] = '-' THEN try_cast({t} AS DATE)
  WHEN contains({t}, '/') THEN CASE WHEN length(split_part(split_part({t}, ' ', 1), '/', 3)) = 4
      THEN try_strptime(split_part({t}, ' ', 1), '%d/%m/%Y')::DATE END
  WHEN regexp_matches({t}, '(Z|z|[+-][0-9]{{2}}(:?[0-9]{{2}})?)$')
      THEN timezone('{zone}', try_cast({t} AS TIMESTAMPTZ))::DATE
  ELSE try_cast({t} AS TIMESTAMP)::DATE
END"""
# Flags: the profile's spellings of yes and no, whatever the case; an empty cell is no.
FLAG_SQL = "CASE WHEN lower({t}) IN ('', {no}) THEN FALSE WHEN lower({t}) IN ({yes}) THEN TRUE END"
# Amounts and counts are whole numbers, written plainly (1500000), in groups of three digits after a
# first group of one to three, separated by dots as Vietnamese writes them (1.500.000) or by spaces
# (1 500 000, with the no-break spaces a spreadsheet puts there too), or as a machine writes a float
# with a zero fraction (1500000.0, 1500000.00; never three zeros, which are a group). Anything else
# is NULL, a refusal: a comma (decimals in Vietnamese, thousands in English: ambiguous), a sign, a
# fraction, a group of another length (1.5000.000, 1.50). Never read natively by DuckDB, whose
# integer reader takes "150.000" for 150 and "5.5" for 6. Plain digits are tried first: the common
# case costs one cheap match. ``{t}`` is put in with ``str.replace`` (the regular expressions have
# braces of their own); ``_SPACE`` is a space, a no-break space or a narrow no-break space.
_SPACE = r"[ \x{00A0}\x{202F}]"
AMOUNT_SQL = rf"""CASE WHEN {{t}} = '' THEN 0
  WHEN regexp_full_match({{t}}, '[0-9]+') THEN try_cast({{t}} AS BIGINT)
  WHEN regexp_full_match({{t}}, '{_SPACE}*([0-9]{{1,3}}([.][0-9]{{3}})+|[0-9]{{1,3}}({_SPACE}[0-9]{{3}})+|[0-9]+){_SPACE}*')
    THEN try_cast(regexp_replace({{t}}, '[^0-9]', '', 'g') AS BIGINT)
  WHEN regexp_full_match({{t}}, '{_SPACE}*[0-9]+[.]0{{1,2}}{_SPACE}*')
    THEN try_cast(regexp_replace(split_part({{t}}, '.', 1), '[^0-9]', '', 'g') AS BIGINT)
  WHEN regexp_full_match({{t}}, '{_SPACE}+') THEN 0
END"""
ENGLISH_GROUPS = re.compile(r"[0-9]{1,3}(,[0-9]{3})+")

# One dossier's events, each a day and the measures it adds to (``MEASURES`` order) times ``sign``.
# The rules are those of ``store.closing`` and ``models.outcome_of`` (which the drill-down uses), in
# SQL; tests/test_dossier_stats.py counts stored records with those and checks the sums agree.
CLOSED_SQL = "CASE WHEN status = 'pending' THEN NULL ELSE coalesce(resolved, received) END"
OVERDUE_SQL = (
    f"CASE WHEN due IS NOT NULL AND ({CLOSED_SQL} IS NULL OR {CLOSED_SQL} > greatest(received, due + 1)) "
    "THEN greatest(received, due + 1) END"
)
OUTCOME_SQL = (
    "CASE WHEN status <> 'resolved' THEN status WHEN due IS NULL OR resolved = due THEN 'on_time' "
    "WHEN resolved < due THEN 'early' ELSE 'late' END"
)
RECEIPT_MEASURES = {
    "received": "sign",
    "online": "sign * (channel = 'online')::INT",
    "online_eligible": "sign * eligible::INT",
    "paid_online": "sign * paid::INT",
    "fee_amount": "CASE WHEN fee <> 0 OR paid THEN sign * fee ELSE 0 END",
    "with_fee": "sign * (fee <> 0 OR paid)::INT",
    "postal": "sign * (post OR channel = 'postal')::INT",
    "sms": "sign * sms",
    "digitized": "sign * digi::INT",
}
CLOSING_MEASURES = {
    "closed": "sign",
    "overdue_out": "sign * (overdue_from IS NOT NULL)::INT",
    **{m: f"sign * (outcome = '{m}')::INT" for m in ("early", "on_time", "late", "returned", "withdrawn")},
}


# The stored columns in the import's SQL, in ``columns.STORED`` order, and their DuckDB types.
OURS = tuple(alias for alias, _column in STORED)
DB_COLUMNS = tuple(column for _alias, column in STORED)
# The columns (by alias) of the dossier table's indexes: a correction that changes none of them is
# written in place (``write_dossiers``). Read from the model, so that an index added there counts.
_INDEXED_FIELDS = {
    name.lstrip("-")
    for spec in (*Dossier._meta.indexes, *Dossier._meta.constraints)
    for name in getattr(spec, "fields", ())
}
INDEXED = tuple(
    alias
    for alias, column in STORED
    if column in {f.column for f in Dossier._meta.concrete_fields if f.name in _INDEXED_FIELDS}
)
TYPES = {
    **{c.alias: c.sql_type for c in DECLARED},
    "id": "BIGINT",  # the stored row's, read with its stored version
    "eligible": "BOOLEAN",
    "procedure_id": "BIGINT",
    "outcome": "VARCHAR",
}


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _work_folder() -> Path:
    """Where the import stages its file and DuckDB spills (copies of stored dossiers among them).

    In a background task, inside the task's own folder, removed with the task even when its worker
    was killed. Otherwise (the command line) in the system's temporary folder, named for this
    process, where the folders of imports killed before they could clean up are removed first.
    """
    parent = work_folder()
    if parent is None:
        parent = Path(tempfile.gettempdir())
        _remove_orphans(parent)
    return Path(tempfile.mkdtemp(prefix=f"cchc-import-{os.getpid()}-", dir=parent))


def _remove_orphans(parent: Path) -> None:
    for folder in parent.glob("cchc-import-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not _process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _amount_problem(column: str, text: str) -> str:
    """Why an amount or count was refused (see ``AMOUNT_SQL``), and how to write it."""
    plain, grouped = ("1500000", "1.500.000") if column == "fee_amount" else ("1200", "1.200")
    if text.startswith(("-", "\u2212")):
        return _("“%(value)s” is negative; amounts and counts are never below zero") % {"value": text}
    if ENGLISH_GROUPS.fullmatch(text):  # 150,000: 150 in Vietnamese, 150000 in English
        plain = text.replace(",", "")
        grouped = f"{int(plain):,}".replace(",", ".")
        return _(
            "“%(value)s” is ambiguous (a comma separates decimals in Vietnamese, thousands in English): "
            "write %(plain)s or %(grouped)s"
        ) % {"value": text, "plain": plain, "grouped": grouped}
    return _(
        "“%(value)s” is not a whole number as the import reads it: write %(plain)s or %(grouped)s "
        "(a dot between thousands, no decimals)"
    ) % {"value": text, "plain": plain, "grouped": grouped}


class Engine:
    """One import: read and check with DuckDB, then write the dossiers and the aggregates in one transaction."""

    def __init__(
        self,
        profile: Profile,
        *,
        source: str,
        user: Any = None,
        skip_bad_rows: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.profile, self.user, self.skip_bad_rows, self.progress = profile, user, skip_bad_rows, progress
        self.source = source
        self.summary = DossierSummary()
        self.rows_read = 0
        self.touched: list[int] = []
        # Rows shorter than the header are padded with empty cells, except in a file with a line break
        # inside a quoted cell: DuckDB's parallel reader cannot do both (its serial reader could, but
        # it silently drops what follows an unclosed quote).
        self.pad = True
        # DuckDB's sniffer looks at the file first (a read 1.5× faster than without); when the read
        # fails, it is tried once more without the sniffer, whose errors name the row and the cause.
        self.detect = True
        self.work = _work_folder()
        self.db = duckdb.connect(config={"temp_directory": str(self.work / "spill")})

    def close(self) -> None:
        self.db.close()
        shutil.rmtree(self.work, ignore_errors=True)

    # Reading and checking

    def _reference_tables(self) -> None:
        """Agencies (with whether the user may import for them) and procedures, as DuckDB tables."""
        condition = agency_q(self.user, IMPORT_ROLES) if self.user is not None else None
        allowed = set(Agency.objects.filter(condition).values_list("pk", flat=True)) if condition is not None else None
        codes, ids, flags = [], [], []
        for code, pk in Agency.objects.values_list("code", "pk"):
            codes.append(code)
            ids.append(pk)
            flags.append(allowed is None or pk in allowed)
        self.allowed_ids = [pk for pk, ok in zip(ids, flags, strict=True) if ok]
        self.db.execute(
            "CREATE TABLE agencies AS SELECT unnest($1::VARCHAR[]) AS code, unnest($2::BIGINT[]) AS id, "
            "unnest($3::BOOLEAN[]) AS allowed",
            [codes, ids, flags],
        )
        procedures = list(Procedure.objects.values_list("code", "pk", "online_level"))
        self.db.execute(
            "CREATE TABLE procedures AS SELECT unnest($1::VARCHAR[]) AS code, unnest($2::BIGINT[]) AS id, "
            "unnest($3::BOOLEAN[]) AS published",
            [
                [c for c, _pk, _l in procedures],
                [pk for _c, pk, _l in procedures],
                [level != OnlineLevel.NONE for *_x, level in procedures],
            ],
        )

    def _text(self, column: str, positions: dict[str, int], kinds: dict[int, str]) -> str:
        """The trimmed text of a canonical column, with the profile's values mapped to ours (for a
        column DuckDB read as a date or number: "" when empty, else a placeholder)."""
        header = self.profile.header_for(column)
        if header not in positions:
            return "''"
        if kinds[positions[header]] != "VARCHAR":
            return f"CASE WHEN c{positions[header]} IS NULL THEN '' ELSE '?' END"
        expr = f"coalesce(trim(c{positions[header]}), '')"
        if column in ("dossier_code", "procedure_code", "handler"):  # a tab or line break would split a stored line
            breaks = " OR ".join(f"contains({expr}, chr({c}))" for c in (9, 10, 13))  # rare: test before translating
            expr = (
                f"CASE WHEN {breaks} THEN trim(translate({expr}, chr(9) || chr(10) || chr(13), '   ')) ELSE {expr} END"
            )
        mapping = self.profile.values.get(column)
        if mapping:
            cases = " ".join(f"WHEN {_sql_text(k)} THEN {_sql_text(v)}" for k, v in mapping.items())
            expr = f"trim(CASE lower({expr}) {cases} ELSE {expr} END)"
        return expr

    def _select(self, source: Source, *, numbered: bool) -> str:
        """The file's rows converted and checked: one SELECT over DuckDB's CSV reader.

        Without ``numbered`` it keeps only what is stored (the fast path, rows in any order; a wholly
        empty row shows as a row without code, which sends the file to the numbered path); with it,
        each row also has its spreadsheet row number ``n`` and the texts the error messages quote,
        and wholly empty rows are left out as a spreadsheet user expects."""
        header = list(source.header)
        positions = {name: i for i, name in enumerate(header) if name}
        kinds = {i: "VARCHAR" for i in range(len(header))}
        if not numbered:
            kinds.update(self._sniff(source, positions))
        columns = {f"c{i}": kind for i, kind in kinds.items()}
        t = {c: self._text(c, positions, kinds) for c in COLUMNS}
        zone = settings.TIME_ZONE

        def kind(column: str) -> str:
            header_name = self.profile.header_for(column)
            return kinds[positions[header_name]] if header_name in positions else "VARCHAR"

        def col(column: str) -> str:
            return f"c{positions[self.profile.header_for(column)]}"

        day = {
            c: f"{col(c)}" if kind(c) == "DATE" else DAY_SQL.format(t=f"t_{c}", zone=zone)
            for c in ("received_at", "due_at", "resolved_at")
        }
        flags = self.profile.flags
        spelled = {
            "yes": ", ".join(_sql_text(v.lower()) for v in flags.yes),
            "no": ", ".join(_sql_text(v.lower()) for v in flags.no),
        }
        flag = {c: FLAG_SQL.format(t=f"t_{c}", **spelled) for c in FLAG_COLUMNS}
        amount = {c: AMOUNT_SQL.replace("{t}", f"t_{c}") for c in AMOUNT_COLUMNS}
        cells = [f"c{i}" for i in range(len(header)) if header[i] and not (source.numbered and i == 0)]
        nonempty = (
            " OR ".join(
                f"coalesce(trim({c}), '') <> ''" if kinds[int(c[1:])] == "VARCHAR" else f"{c} IS NOT NULL"
                for c in cells
            )
            or "FALSE"
        )
        reader = (
            f"read_csv({_sql_text(str(source.path))}, header = false, skip = 1, delim = {_sql_text(source.delimiter)}, "
            f"quote = '\"', escape = '\"', columns = {columns}, null_padding = {str(self.pad).lower()}, "
            f"encoding = 'utf-8', dateformat = '%Y-%m-%d'{'' if self.detect else ', auto_detect = false'})"
        )
        raw = ", ".join(f"c{i}" for i, k in kinds.items() if k != "VARCHAR")
        number = ("try_cast(c0 AS BIGINT)" if source.numbered else "row_number() OVER () + 1") if numbered else "NULL"
        texts = ", t_agency_code, t_status, t_received_at, t_due_at, t_resolved_at, t_channel, t_online_level, "
        texts += "t_paid_online, t_fee_amount, t_result_by_post, t_digitized, t_sms_count"
        return f"""
        SELECT n, t_dossier_code AS code, agency_id, left(t_procedure_code, 60) AS procedure_code,
          received, due, resolved, t_status AS status, channel,
          CASE t_online_level WHEN 'none' THEN '' ELSE t_online_level END AS online_level,
          (channel = 'online' OR t_online_level IN ('full', 'partial') OR published) AS eligible,
          paid, fee, post, digi, sms, left(t_handler, 120) AS handler, procedure_id,
          CASE
            WHEN t_dossier_code = '' THEN 'code_empty'
            WHEN length(t_dossier_code) > 80 THEN 'code_long'
            WHEN agency_id IS NULL THEN 'agency_unknown'
            WHEN NOT allowed THEN 'agency_scope'
            WHEN t_status NOT IN {STATUSES} THEN 'status'
            WHEN t_received_at <> '' AND received IS NULL THEN 'received_bad'
            WHEN received IS NULL THEN 'received_empty'
            WHEN t_due_at <> '' AND due IS NULL THEN 'due_bad'
            WHEN t_resolved_at <> '' AND resolved IS NULL THEN 'resolved_bad'
            WHEN resolved < received THEN 'resolved_before'
            WHEN t_status = 'resolved' AND resolved IS NULL THEN 'resolved_missing'
            WHEN t_status = 'pending' AND resolved IS NOT NULL THEN 'pending_result'
            WHEN channel NOT IN ('direct', 'online', 'postal') THEN 'channel'
            WHEN t_online_level NOT IN ('', 'full', 'partial', 'none') THEN 'online_level'
            WHEN paid IS NULL THEN 'paid_online'
            WHEN fee IS NULL THEN 'fee_amount'
            WHEN post IS NULL THEN 'result_by_post'
            WHEN digi IS NULL THEN 'digitized'
            WHEN sms IS NULL THEN 'sms_count'
          END AS err
          {texts if numbered else ""}
        FROM (
          SELECT src.*, a.id AS agency_id, a.allowed, coalesce(p.published, FALSE) AS published, p.id AS procedure_id,
            {day["received_at"]} AS received, {day["due_at"]} AS due, {day["resolved_at"]} AS resolved,
            CASE WHEN t_channel = '' THEN 'direct' ELSE t_channel END AS channel,
            {flag["paid_online"]} AS paid, {amount["fee_amount"]} AS fee,
            {flag["result_by_post"]} AS post, {flag["digitized"]} AS digi, {amount["sms_count"]} AS sms
          FROM (
            SELECT n, {", ".join(f"{expr} AS t_{c}" for c, expr in t.items())}{", " + raw if raw else ""}
            FROM (SELECT {number} AS n, * FROM {reader}) {"WHERE " + nonempty if numbered else ""}
          ) src LEFT JOIN agencies a ON a.code = src.t_agency_code
          LEFT JOIN procedures p ON p.code = left(src.t_procedure_code, 60)
        )
        """

    # Flags and amounts are always read as text: DuckDB's integer reader takes "150.000" for 150.
    SNIFFED = {"DATE": ("received_at", "due_at", "resolved_at")}

    def _sniff(self, source: Source, positions: dict[str, int]) -> dict[int, str]:
        """Columns DuckDB can read natively (ISO dates), from its sniffer's look at the
        file; if a later row disagrees, the read fails and the file is read again as text."""
        if source.numbered:
            return {}
        try:
            described = self.db.execute(
                f"DESCRIBE SELECT * FROM read_csv({_sql_text(str(source.path))}, header = false, skip = 1, "
                f"delim = {_sql_text(source.delimiter)}, quote = '\"', escape = '\"', null_padding = true, "
                "dateformat = '%Y-%m-%d')"
            ).fetchall()
        except duckdb.Error:
            return {}
        detected = [row[1] for row in described]
        kinds = {}
        for kind, columns in self.SNIFFED.items():
            for column in columns:
                i = positions.get(self.profile.header_for(column))
                if i is not None and i < len(detected) and detected[i] == kind and column not in self.profile.values:
                    kinds[i] = kind
        return kinds

    def read(self, source: Source, *, numbered: bool = False) -> None:
        """``rows``: every row converted and checked (row numbers only when ``numbered``)."""
        try:
            self.db.execute(f"CREATE OR REPLACE TABLE rows AS {self._select(source, numbered=numbered)}")
        except duckdb.ConversionException:
            if numbered:
                raise
            self.read(source, numbered=True)  # a row DuckDB could not read natively: read it all as text
            return
        except duckdb.Error as exc:
            if self.pad and "parallel=false" in str(exc):  # a line break inside a quoted cell
                self.pad = False
            elif self.detect:
                self.detect = False
            else:
                raise self._read_error(exc) from None
            self.read(source, numbered=numbered)
            return
        if numbered:
            # A code twice in the file: every row after the first good one with that code is refused.
            self.db.execute(
                """
                UPDATE rows SET err = 'duplicate' FROM (
                  SELECT code, min(n) FILTER (WHERE err IS NULL) AS first_ok FROM rows
                  WHERE code IN (SELECT code FROM rows GROUP BY ALL HAVING count(*) > 1)
                  GROUP BY ALL
                ) f
                WHERE rows.code = f.code AND f.first_ok < rows.n
                  AND (rows.err IS NULL OR rows.err NOT IN ('code_empty', 'code_long'))
                """
            )

    def _problems(self) -> int:
        """Bad rows plus codes seen twice: when not zero, the rows are read again with their numbers."""
        (problems,) = self.db.execute(
            "SELECT count(*) FILTER (WHERE err IS NOT NULL) + (SELECT count(*) FROM "
            "(SELECT code FROM rows GROUP BY code HAVING count(*) > 1)) FROM rows"
        ).fetchone() or (0,)
        return int(problems)

    @staticmethod
    def _read_error(exc: duckdb.Error) -> InputError:
        """DuckDB's reading error as a person reads it, with the row it names (DuckDB counts records,
        so a line break inside a cell above does not shift it from the row a spreadsheet shows)."""
        text = str(exc)
        if "invalid unicode" in text.lower():
            return InputError(_("the file is not UTF-8 text; save it as “CSV UTF-8”"))
        line = re.search(r"CSV Error on Line: (\d+)", text)
        row = int(line.group(1)) if line else None
        cells = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
        if cells:
            expected, found = int(cells.group(1)), int(cells.group(2))
            if found > expected:
                detail = _("the row has %(found)s cells, the header %(expected)s columns")
            else:
                detail = _("the row has %(found)s cells, the header %(expected)s columns (a row cut short)")
            return InputError(detail % {"found": found, "expected": expected}, row)
        if "unterminated quote" in text.lower():
            return InputError(_('a quoted cell is not closed (a " without its pair)'), row)
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        return InputError(_("the file cannot be read as CSV (%(error)s)") % {"error": first[:300]}, row)

    def _report(self, fraction: float, message: str = "") -> None:
        if self.progress:
            self.progress(int(self.rows_read * fraction), self.rows_read, message)

    # Stored state

    def _stored(self) -> bool:
        """``old_all``: the stored versions of the file's codes (of this source); True when this source
        holds any dossier yet."""
        empty = f"CREATE TABLE old_all (id BIGINT, {', '.join(f'{a} {TYPES[a]}' for a in OURS)})"
        if not Dossier.objects.filter(source=self.source).exists():
            self.db.execute(empty)
            return False
        path = self._read_stored(self.work / "old.csv")
        if not path.stat().st_size:
            self.db.execute(empty)
            return True
        names = ", ".join(f"{_sql_text(alias)}: {_sql_text(TYPES[alias])}" for alias in ("id", *OURS))
        typed = ", ".join(f"coalesce({a}, '') AS {a}" if TYPES[a] == "VARCHAR" else a for a in ("id", *OURS))
        self.db.execute(
            f"""CREATE TABLE old_all AS SELECT {typed} FROM read_csv({_sql_text(str(path))}, header = false,
              delim = ',', quote = '"', escape = '"', columns = {{{names}}}, dateformat = '%Y-%m-%d')"""
        )
        return True

    def _read_stored(self, path: Path) -> Path:
        """The stored rows of the file's codes into a CSV for DuckDB, looked up through their unique key:
        on PostgreSQL the codes as one array, on SQLite in a temporary table joined to the dossiers."""
        table, columns = Dossier._meta.db_table, ", ".join(f"d.{c}" for c in ("id", *DB_COLUMNS))
        query = (
            f"SELECT {columns} FROM {table} d JOIN cchc_import_codes c ON c.code = d.dossier_code WHERE d.source = %s"
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Each code looked up through the key, so that the cost follows the file, not the store
                # (LATERAL … LIMIT 1: one index lookup per code; the key is unique). Left to itself the
                # planner reads the whole table into a hash join once a file has a few hundred
                # thousand codes: 7.1–8.3 s against 0.9–1.3 s for 200,000 codes in 10 M stored dossiers.
                # The codes go in as one array (no temporary table to fill and analyse).
                codes = [
                    code for (code,) in self.db.execute("SELECT DISTINCT code FROM rows WHERE code <> ''").fetchall()
                ]
                lookup = (
                    f"SELECT {columns} FROM unnest(%s::text[]) AS c(code) CROSS JOIN LATERAL (SELECT * FROM {table} d "
                    "WHERE d.source = %s AND d.dossier_code = c.code LIMIT 1) d"
                )
                sql = cursor.cursor.mogrify(lookup, [codes, self.source])
                with path.open("wb") as out, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
                    for block in copy:
                        out.write(block)
                return path
            cursor.execute("DROP TABLE IF EXISTS temp.cchc_import_codes")
            cursor.execute("CREATE TEMPORARY TABLE cchc_import_codes (code text PRIMARY KEY)")
            found = self.db.execute("SELECT DISTINCT code FROM rows WHERE code <> ''")
            while batch := found.fetchmany(100_000):
                cursor.executemany("INSERT INTO cchc_import_codes (code) VALUES (%s)", batch)
            cursor.execute(query, [self.source])
            with path.open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)  # SQLite gives flags as 0/1 and dates as text; None is written as ""
                while batch := cursor.fetchmany(10_000):
                    writer.writerows(batch)
            cursor.execute("DROP TABLE temp.cchc_import_codes")
        return path

    def _protect(self) -> None:
        """A stored code of an agency the user may not import for is never overwritten."""
        if self.user is not None:
            self.db.execute(
                "UPDATE rows SET err = 'code_scope' FROM old_all o WHERE rows.err IS NULL AND o.code = rows.code "
                "AND o.agency_id NOT IN (SELECT unnest($1::BIGINT[]))",
                [self.allowed_ids],
            )

    # Errors

    def _errors(self) -> tuple[int, list[InputError]]:
        (bad,) = self.db.execute("SELECT count(*) FROM rows WHERE err IS NOT NULL").fetchone() or (0,)
        if not bad:
            return 0, []
        found = self.db.execute(
            "SELECT n, err, code, t_agency_code, t_status, t_received_at, t_due_at, t_resolved_at, t_channel, "
            "t_online_level, t_paid_online, t_fee_amount, t_result_by_post, t_digitized, t_sms_count "
            f"FROM rows WHERE err IS NOT NULL ORDER BY n LIMIT {MAX_REPORTED}"
        ).fetchall()
        return int(bad), [self._error(row) for row in found]

    def _error(self, row: tuple[Any, ...]) -> InputError:
        n, err = int(row[0]), row[1]
        value = dict(
            zip(
                ("dossier_code", "agency_code", "status", "received_at", "due_at", "resolved_at", "channel"),
                row[2:9],
                strict=True,
            )
        )
        value.update(
            zip(
                ("online_level", "paid_online", "fee_amount", "result_by_post", "digitized", "sms_count"),
                row[9:],
                strict=True,
            )
        )
        h = self.profile.header_for
        date_hint = _("“%(value)s” is not a date (use yyyy-mm-dd, dd/mm/yyyy or an ISO 8601 date-time)")
        messages: dict[str, tuple[str, str]] = {
            "code_empty": ("dossier_code", _("the dossier code is empty")),
            "code_long": ("dossier_code", _("longer than %(limit)s characters") % {"limit": 80}),
            "duplicate": (
                "dossier_code",
                _("dossier code “%(code)s” appears twice in the file") % {"code": value["dossier_code"]},
            ),
            "code_scope": (
                "dossier_code",
                _("dossier code “%(code)s” belongs to an agency outside what you may import for")
                % {"code": value["dossier_code"]},
            ),
            "agency_unknown": ("agency_code", _("unknown agency “%(code)s”") % {"code": value["agency_code"]}),
            "agency_scope": (
                "agency_code",
                _("agency “%(code)s” is outside what you may import for") % {"code": value["agency_code"]},
            ),
            "status": (
                "status",
                _("unknown status “%(value)s” (expected resolved, pending, returned or withdrawn)")
                % {"value": value["status"]},
            ),
            "received_bad": ("received_at", date_hint % {"value": value["received_at"]}),
            "received_empty": ("received_at", _("the receipt date is empty")),
            "due_bad": ("due_at", date_hint % {"value": value["due_at"]}),
            "resolved_bad": ("resolved_at", date_hint % {"value": value["resolved_at"]}),
            "resolved_before": ("resolved_at", _("the result date is before the receipt date")),
            "resolved_missing": ("resolved_at", _("a resolved dossier needs its result date")),
            "pending_result": ("resolved_at", _("a pending dossier cannot have a result date")),
            "channel": (
                "channel",
                _("unknown channel “%(value)s” (expected direct, online or postal)") % {"value": value["channel"]},
            ),
            "online_level": (
                "online_level",
                _("unknown online level “%(value)s” (expected full, partial or empty)")
                % {"value": value["online_level"]},
            ),
        }
        accepted = self.profile.flags.accepted()
        for flag in FLAG_COLUMNS:
            messages[flag] = (
                flag,
                _("“%(value)s” is not a yes/no value (write %(accepted)s)")
                % {"value": value[flag], "accepted": accepted},
            )
        for amount in AMOUNT_COLUMNS:
            messages[amount] = (amount, _amount_problem(amount, value[amount]))
        column, message = messages[err]
        return InputError(message, n, h(column))

    def _refusal(self, bad: int, errors: list[InputError]) -> InputError:
        first = errors[0]
        if bad == 1:
            detail = _("%(first)s; nothing was imported") % {"first": first.detail}
        else:
            detail = _("%(first)s (and %(more)s other bad rows); nothing was imported") % {
                "first": first.detail,
                "more": bad - 1,
            }
        return InputError(detail, first.row, first.field)

    # The run

    def run(self, source: Source) -> DossierSummary:
        try:
            with _page_cache(), transaction.atomic():
                _lock_imports()
                self._reference_tables()
                self.read(source)
                (self.rows_read,) = self.db.execute("SELECT count(*) FROM rows").fetchone() or (0,)
                self._report(0.4, _("%(rows)s rows read; checking them") % {"rows": format_number(self.rows_read)})
                stored = self._stored()
                self._protect()
                if self._problems():  # read again with row numbers (and without wholly empty rows)
                    self.read(source, numbered=True)
                    self._protect()
                    (self.rows_read,) = self.db.execute("SELECT count(*) FROM rows").fetchone() or (0,)
                bad, errors = self._errors()
                if bad and not self.skip_bad_rows:
                    raise self._refusal(bad, errors)
                outcome = ", ".join(f"{OUTCOME_SQL} AS outcome" if a == "outcome" else a for a in OURS)
                self.db.execute(f"CREATE VIEW new AS SELECT {outcome} FROM rows WHERE err IS NULL")
                good = self.rows_read - bad
                if not good:
                    raise InputError(_("the file has no dossier rows"))
                self.summary.skipped = bad
                self.summary.problems = [e.one_line() for e in errors]
                self._report(0.6, _("writing the dossiers and their counts"))
                self._compare(stored)
                self._write(stored)
                self._report(1.0, _("saving"))
                self._audit()
        finally:
            self.close()
        return self.summary

    def _compare(self, stored: bool) -> None:
        """``delta`` holds what changes (−old, +new); ``write`` the rows to store (new or changed)."""
        columns = ", ".join(OURS)
        if not stored:
            self.db.execute(f"CREATE VIEW delta AS SELECT {columns}, 1 AS sign FROM new")
            self.db.execute("CREATE VIEW write AS SELECT * FROM new")
            (self.summary.created,) = self.db.execute("SELECT count(*) FROM new").fetchone() or (0,)
            return
        same = " AND ".join(f"o.{c} IS NOT DISTINCT FROM n.{c}" for c in OURS)
        keys_same = " AND ".join(f"o.{c} IS NOT DISTINCT FROM n.{c}" for c in INDEXED)
        self.db.execute(
            f"""CREATE TABLE matched AS SELECT n.code, o.id, ({same}) AS same, NOT ({keys_same}) AS moved
            FROM new n JOIN old_all o ON o.code = n.code"""
        )
        self.db.execute(
            "CREATE VIEW write AS SELECT * FROM new WHERE code NOT IN (SELECT code FROM matched WHERE same)"
        )
        self.db.execute(
            f"""CREATE TABLE delta AS
            SELECT {columns}, 1 AS sign FROM write
            UNION ALL
            SELECT {columns}, -1 AS sign FROM old_all WHERE code IN (SELECT code FROM matched WHERE NOT same)"""
        )
        good = self.rows_read - self.summary.skipped
        same_n, changed = self.db.execute(
            "SELECT count(*) FILTER (WHERE same), count(*) FILTER (WHERE NOT same) FROM matched"
        ).fetchone() or (0, 0)
        self.summary.unchanged, self.summary.updated = int(same_n), int(changed)
        self.summary.created = int(good) - self.summary.unchanged - self.summary.updated

    # Writing

    def _write(self, stored: bool) -> None:
        if not (self.summary.created or self.summary.updated):
            return
        count_events(self.db)
        write_counts(self.db)
        write_dossiers(self.db, self.source, self.work / "write.csv", upsert=bool(stored and self.summary.updated))
        if self.user is not None:  # for the audit trail
            self.touched = [a for (a,) in self.db.execute("SELECT DISTINCT agency_id FROM delta").fetchall()]

    def _audit(self) -> None:
        if self.user is None or not (self.summary.created or self.summary.updated):
            return
        first = Agency.objects.filter(pk__in=self.touched).order_by("path").first()
        if first is None:
            return
        audit.record(
            user=self.user,
            obj=first,
            action=AuditEntry.Action.IMPORT,
            changes={"created": [None, self.summary.created], "updated": [None, self.summary.updated]},
            reason=_("Dossier import"),
            agency=first if len(self.touched) == 1 else None,
        )


def count_events(db: duckdb.DuckDBPyConnection) -> None:
    """From ``delta`` (dossiers with a sign): the sums per agency and day ``acc_days``, per agency,
    month and procedure ``acc_procedures``, and per officer and month ``handlers``.

    Each kind of event (receipt, closing, becoming overdue) is summed apart over only the measures it
    moves, at the grain of each table, so that no step handles more rows than the file has."""
    closing = (
        f"SELECT agency_id, procedure_code, sign, handler, status, {OUTCOME_SQL} AS outcome, {CLOSED_SQL} AS closed, "
        f"{OVERDUE_SQL} AS overdue_from FROM delta"
    )
    overdue = f"SELECT agency_id, procedure_code, sign, {OVERDUE_SQL} AS overdue_from FROM delta"

    def sums(measures: dict[str, str]) -> str:
        return ", ".join(f"sum({expr})::BIGINT AS {m}" for m, expr in measures.items())

    # One pass per kind of event; GROUPING SETS count both grains of it at once (g = 1: per day).
    grains = "GROUPING SETS ((agency_id, day), (agency_id, procedure_code, month))"

    def at(day: str) -> str:
        return f"{day} AS day, date_trunc('month', {day})::DATE AS month, grouping(procedure_code) AS g"

    db.execute(
        f"""CREATE OR REPLACE TABLE events AS
          SELECT agency_id, procedure_code, {at("received")}, {sums(RECEIPT_MEASURES)} FROM delta GROUP BY {grains}
          UNION ALL BY NAME
          SELECT agency_id, procedure_code, {at("closed")}, {sums(CLOSING_MEASURES)}
          FROM ({closing}) WHERE closed IS NOT NULL GROUP BY {grains}
          UNION ALL BY NAME
          SELECT agency_id, procedure_code, {at("overdue_from")}, sum(sign)::BIGINT AS overdue_in
          FROM ({overdue}) WHERE overdue_from IS NOT NULL GROUP BY {grains}"""
    )
    total = ", ".join(f"coalesce(sum({m}), 0)::BIGINT AS {m}" for m in MEASURES)
    db.execute(
        f"CREATE OR REPLACE TABLE acc_days AS SELECT agency_id, day, {total} FROM events WHERE g = 1 GROUP BY ALL"
    )
    db.execute(
        "CREATE OR REPLACE TABLE acc_procedures AS SELECT agency_id, procedure_code, month, "
        f"{total} FROM events WHERE g = 0 GROUP BY ALL"
    )
    db.execute(
        f"""CREATE OR REPLACE TABLE handlers AS SELECT agency_id, handler, date_trunc('month', closed)::DATE AS month,
          sum(sign)::BIGINT AS resolved, sum(sign * (outcome = 'late')::INT)::BIGINT AS late
        FROM ({closing}) WHERE handler <> '' AND status = 'resolved' GROUP BY ALL"""
    )


def write_counts(db: duckdb.DuckDBPyConnection) -> None:
    """Add ``acc_days``, ``acc_procedures`` and ``handlers`` to the aggregate tables (inside the caller's
    transaction)."""
    MEASURES_LIST = ", ".join(MEASURES)
    vector = "[" + ", ".join(MEASURES) + "]"
    nonzero = " OR ".join(f"{m} <> 0" for m in MEASURES)
    sums = ", ".join(f"sum({m})::BIGINT AS {m}" for m in MEASURES)
    rows = db.execute(
        f"""
        WITH months AS (
          SELECT agency_id, date_trunc('month', day)::DATE AS month, {sums} FROM acc_days GROUP BY ALL
        ), daily AS (
          SELECT agency_id, date_trunc('month', day)::DATE AS month, day, {MEASURES_LIST} FROM acc_days
        ), per_procedure AS (
          SELECT agency_id, month, procedure_code, {MEASURES_LIST} FROM acc_procedures
        ), days AS (
          SELECT agency_id, month, json_group_object(day(day)::VARCHAR, {vector})::VARCHAR AS days
          FROM daily WHERE {nonzero} GROUP BY agency_id, month
        ), procedures AS (
          SELECT agency_id, month, json_group_object(procedure_code, {vector})::VARCHAR AS procedures
          FROM per_procedure WHERE {nonzero} GROUP BY agency_id, month
        ), stock_moves AS (
          SELECT agency_id, month, procedure_code, sum(received - closed) AS pending,
            sum(overdue_in - overdue_out) AS overdue
          FROM acc_procedures GROUP BY ALL
        ), grid AS (
          SELECT m.agency_id, m.month, p.procedure_code FROM (SELECT DISTINCT agency_id, month FROM months) m
          JOIN (SELECT DISTINCT agency_id, procedure_code FROM stock_moves) p USING (agency_id)
        ), moved AS (
          -- what this import moves the open dossiers per procedure by, up to each month's end
          SELECT g.agency_id, g.month, g.procedure_code,
            sum(coalesce(s.pending, 0)) OVER w AS pending, sum(coalesce(s.overdue, 0)) OVER w AS overdue
          FROM grid g LEFT JOIN stock_moves s USING (agency_id, month, procedure_code)
          WINDOW w AS (PARTITION BY g.agency_id, g.procedure_code ORDER BY g.month)
        ), stocks AS (
          SELECT agency_id, month, json_group_object(procedure_code, [pending, overdue])::VARCHAR AS stocks
          FROM moved WHERE pending <> 0 OR overdue <> 0 GROUP BY agency_id, month
        )
        SELECT m.*, coalesce(d.days, '{{}}'), coalesce(p.procedures, '{{}}'), coalesce(st.stocks, '{{}}')
        FROM months m LEFT JOIN days d USING (agency_id, month) LEFT JOIN procedures p USING (agency_id, month)
        LEFT JOIN stocks st USING (agency_id, month)
        -- a month the import moves nothing in (a stored dossier corrected: its old and new events
        -- cancel there) is left as stored; a month total that moved has a day that moved
        WHERE d.days IS NOT NULL OR p.procedures IS NOT NULL OR st.stocks IS NOT NULL
        ORDER BY month, agency_id
        """
    ).fetchall()
    add_monthly(rows)
    handlers = db.execute("SELECT agency_id, handler, month, resolved, late FROM handlers").fetchall()
    if handlers:
        add_handler_counts(handlers)


def _packed(value: str | dict[str, list[int]] | None) -> dict[str, list[int]]:
    """A packed JSON object of vectors as a dict: DuckDB gives text, the JSON columns give dicts."""
    if isinstance(value, dict):
        return dict(value)
    return dict(json.loads(value or "{}"))


def _add_vectors(old: str | dict[str, list[int]], new: str | dict[str, list[int]]) -> str:
    merged = _packed(old)
    for key, values in _packed(new).items():
        current = merged.get(key)
        merged[key] = values if current is None else [a + b for a, b in zip(current, values, strict=True)]
    return json.dumps({k: v for k, v in merged.items() if any(v)}, separators=(",", ":"))


def add_monthly(rows: list[tuple[Any, ...]]) -> None:
    """Add month rows ``(agency_id, month, *MEASURES, days, procedures, moved)`` to ``MonthlyCount``
    (the totals) and ``MonthDetail`` (days, procedures, open dossiers per procedure): new keys are
    inserted, known ones replaced by their sum with the delta. ``moved`` is what the import moves the
    open dossiers per procedure by, up to the month's end."""
    if not rows:
        return
    width = len(MEASURES)
    agencies = {r[0] for r in rows}
    months = {r[1] for r in rows}
    totals: dict[tuple[int, date], tuple[Any, ...]] = {}
    details: dict[tuple[int, date], tuple[Any, ...]] = {}
    stored = MonthlyCount.objects.exists()
    if stored:
        for model, found in ((MonthlyCount, totals), (MonthDetail, details)):
            fields = ("pk", "agency_id", "month", *(MEASURES if model is MonthlyCount else ("days", "procedures")))
            found.update({(r[1], r[2]): r for r in _held(model, agencies, months).values_list(*fields).iterator()})
    new_totals, new_details, replaced_totals, replaced_details = [], [], [], []
    for row in rows:
        key, values, days, procedures = (row[0], row[1]), row[2 : 2 + width], row[-3], row[-2]
        old = totals.get(key)
        if old is not None:
            values = tuple(a + b for a, b in zip(old[3:], values, strict=True))
            replaced_totals.append(old[0])
        detail = details.get(key)
        if detail is not None:
            days, procedures = _add_vectors(detail[3], days), _add_vectors(detail[4], procedures)
            replaced_details.append(detail[0])
        new_totals.append((*key, *values))
        new_details.append((*key, days, procedures))
    moved = {(row[0], row[1]): row[-1] for row in rows}
    if stored:
        stocks, updates = _roll_stocks(moved)
    else:  # nothing held before: the open dossiers are what this import moved them by
        stocks, updates = moved, []
    _delete(MonthlyCount._meta.db_table, "id", replaced_totals)
    _delete(MonthDetail._meta.db_table, "id", replaced_details)
    _insert(MonthlyCount, ("agency_id", "month", *MEASURES), new_totals)
    _insert(
        MonthDetail,
        ("agency_id", "month", "days", "procedures", "procedure_stocks"),
        [(*row, stocks[(row[0], row[1])]) for row in new_details],
    )
    if updates:
        with connection.cursor() as cursor:
            value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
            cursor.executemany(
                f"UPDATE {MonthDetail._meta.db_table} SET procedure_stocks = {value} WHERE id = %s", updates
            )
    if connection.vendor == "postgresql" and len(rows) > 1000:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {MonthlyCount._meta.db_table}")
            cursor.execute(f"ANALYZE {MonthDetail._meta.db_table}")


def _roll_stocks(moved: dict[tuple[int, date], str]) -> tuple[dict[tuple[int, date], str], list[tuple[str, int]]]:
    """Open dossiers per procedure after the import: for each month row written (``moved``'s keys) and
    each later stored month of the same agencies, what was open before (the row's own, or the last
    earlier month's) plus what the import moved it by up to then. Returns the new stocks of the rows
    written and ``(stocks, id)`` updates for the stored rows not written."""
    by_agency: dict[int, list[date]] = {}
    for agency, month in moved:
        by_agency.setdefault(agency, []).append(month)
    earliest = min(month for _agency, month in moved)
    held: dict[int, list[tuple[date, int, Any]]] = {agency: [] for agency in by_agency}
    before = (
        MonthDetail.objects.filter(agency_id__in=list(by_agency), month__lt=earliest)
        .values("agency_id")
        .annotate(last=Max("month"))
        .values_list("agency_id", "last")
    )
    wanted = Q(agency_id__in=list(by_agency), month__gte=earliest)
    for agency, last in before:
        wanted |= Q(agency_id=agency, month=last)
    for pk, agency, month, stocks in MonthDetail.objects.filter(wanted).values_list(
        "pk", "agency_id", "month", "procedure_stocks"
    ):
        held[agency].append((month, pk, stocks))
    result: dict[tuple[int, date], str] = {}
    updates: list[tuple[str, int]] = []
    for agency, months in by_agency.items():
        written = sorted(months)
        stored = sorted(held[agency])
        stored_at = {month: (pk, stocks) for month, pk, stocks in stored}
        for month in sorted(set(written) | {m for m, _pk, _s in stored if m >= earliest}):
            # What was open at this month's end before the import: its own row, or the last earlier one.
            previous = [s for m, _pk, s in stored if m <= month]
            old = previous[-1] if previous else "{}"
            # What the import moved it by: up to the last month written up to this one.
            moves = [m for m in written if m <= month]
            delta = moved[(agency, moves[-1])] if moves else "{}"
            new = _add_vectors(old, delta)
            if (agency, month) in moved:
                result[(agency, month)] = new
            elif _packed(new) != _packed(stored_at[month][1]):
                updates.append((new, stored_at[month][0]))
    return result, updates


def _held(model: type[models.Model], agencies: set[int], months: set[date]) -> models.QuerySet[Any]:
    """The stored month rows an import adds to: its months, and its agencies unless they are many (a
    long ``IN`` list costs more than reading the few other agencies' rows of those months)."""
    query = model._default_manager.filter(month__gte=min(months), month__lte=max(months))
    return query.filter(agency_id__in=agencies) if len(agencies) < 500 else query


def add_handler_counts(rows: list[tuple[Any, ...]]) -> None:
    """Add ``(agency_id, handler, month, resolved, late)`` rows to ``HandlerMonthlyCount`` the way
    ``add_monthly`` adds month rows: known keys are replaced by their sum with the delta (dropped
    when it comes to nothing), new ones inserted, all in bulk."""
    totals: dict[tuple[int, str, date], list[int]] = {}
    for agency, handler, month, resolved, late in rows:
        total = totals.setdefault((agency, handler, month), [0, 0])
        total[0] += resolved
        total[1] += late
    months = {key[2] for key in totals}
    agencies = {key[0] for key in totals}
    replaced = []
    for pk, agency, handler, month, resolved, late in (
        _held(HandlerMonthlyCount, agencies, months)
        .values_list("pk", "agency_id", "handler", "month", "resolved", "late")
        .iterator()
    ):
        found = totals.get((agency, handler, month))
        if found is not None:
            found[0] += resolved
            found[1] += late
            replaced.append(pk)
    _delete(HandlerMonthlyCount._meta.db_table, "id", replaced)
    _insert(
        HandlerMonthlyCount,
        ("agency_id", "handler", "month", "resolved", "late"),
        [(*key, resolved, late) for key, (resolved, late) in totals.items() if resolved or late],
    )


def write_dossiers(db: duckdb.DuckDBPyConnection, source: str, path: Path, *, upsert: bool) -> None:
    """DuckDB's ``write`` rows into ``Dossier`` (inside the caller's transaction), as bulk writes:
    PostgreSQL ``COPY`` of a CSV that DuckDB writes, SQLite one prepared statement.

    With ``upsert`` (some of the rows are stored already, as ``matched`` says) the new rows are
    inserted as above and the stored ones updated by the id read with their stored version, in two
    kinds: a correction that leaves every indexed column as it was (a pending dossier resolved)
    sets only the other columns, so that neither database touches the table's indexes for it
    (PostgreSQL writes it on the same page, a heap-only tuple, where the table's fill factor left
    room: migration 0009); a dossier moved to another agency, officer, procedure or receipt date
    gets every column.
    """
    table = Dossier._meta.db_table
    names = ("source", *DB_COLUMNS)
    values = (f"{_sql_text(source)} AS source", *OURS)
    new = "write" if not upsert else "(SELECT * FROM write WHERE code NOT IN (SELECT code FROM matched))"
    changed = "(SELECT w.*, m.id, m.moved FROM write w JOIN matched m ON m.code = w.code)"
    settable = [(c, a) for a, c in STORED if a not in INDEXED]  # what a correction may change in place
    moving = [(c, a) for a, c in STORED if a != "code"]
    (written,) = db.execute(f"SELECT count(*) FROM {new}").fetchone() or (0,)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            db.execute(
                f"COPY (SELECT {', '.join(values)} FROM {new}) TO {_sql_text(str(path))} (FORMAT csv, HEADER false)"
            )
            copy_csv(cursor, table, names, path)
            if upsert:
                stage = "cchc_import_rows"
                db.execute(
                    f"COPY (SELECT id, {', '.join(values)}, moved FROM {changed}) TO {_sql_text(str(path))} "
                    "(FORMAT csv, HEADER false)"
                )
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "
                    f"SELECT id, {', '.join(names)}, false AS moved FROM {table} WITH NO DATA"
                )
                copy_csv(cursor, stage, ("id", *names, "moved"), path)
                for columns, which in ((settable, "NOT s.moved"), (moving, "s.moved")):
                    assignments = ", ".join(f"{c} = s.{c}" for c, _a in columns)
                    # by the id read with the stored version (the import holds its lock since): the
                    # primary key's index is smaller than the (source, code) key's
                    cursor.execute(f"UPDATE {table} t SET {assignments} FROM {stage} s WHERE t.id = s.id AND {which}")
                cursor.execute(f"DROP TABLE {stage}")
            _analyze_if_grown(cursor, table, int(written))
            return
        dates = {"received", "due", "resolved"}

        def text(alias: str) -> str:
            return f"{alias}::VARCHAR" if alias in dates else alias

        statement = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"
        _executemany(
            cursor, statement, db.execute(f"SELECT {_sql_text(source)}, {', '.join(map(text, OURS))} FROM {new}")
        )
        if upsert:
            for columns, which in ((settable, "NOT moved"), (moving, "moved")):
                assignments = ", ".join(f"{c} = %s" for c, _a in columns)
                statement = f"UPDATE {table} SET {assignments} WHERE id = %s"
                found = db.execute(f"SELECT {', '.join(text(a) for _c, a in columns)}, id FROM {changed} WHERE {which}")
                _executemany(cursor, statement, found)
        _analyze_if_grown(cursor, table, int(written))


def copy_csv(cursor: Any, table: str, names: Sequence[str], path: Path) -> None:
    """PostgreSQL: ``COPY`` of a CSV file (no header) into ``table``'s ``names`` (the benchmark's references too)."""
    with (
        path.open("rb") as handle,
        cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT csv)") as copy,
    ):
        while block := handle.read(1 << 20):
            copy.write(block)


def _executemany(cursor: Any, statement: str, found: duckdb.DuckDBPyConnection) -> None:
    """SQLite: one prepared statement run for DuckDB's result rows, a hundred thousand at a time."""
    while batch := found.fetchmany(100_000):
        cursor.executemany(statement, batch)


def _analyze_if_grown(cursor: Any, table: str, written: int) -> None:
    """The planner statistics of the dossiers, renewed when an import writes more new rows than a
    fifth of those they counted (or there are none).

    Without them SQLite reads an agency's year of dossiers through the (agency, receipt) index to
    find one officer's, 0.3 s instead of 0.04 s at 10 M rows, and PostgreSQL plans the officer
    listing as a loop over every agency. A full ``ANALYZE`` reads every index on SQLite (17 s at
    10 M rows, 1.5 s at 1 M); PostgreSQL samples, 0.5–0.6 s at 10 M, and its autovacuum renews
    them as the table changes. So a monthly import into a large store leaves them as they are.
    """
    if connection.vendor == "postgresql":
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
        analysed = max(0, int(row[0])) if row else 0  # -1: never analysed nor vacuumed
    else:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        analysed = 0
        if cursor.fetchone()[0]:
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s LIMIT 1", [table])
            row = cursor.fetchone()
            analysed = int(str(row[0]).split()[0]) if row else 0
    if analysed and written <= analysed // 5:
        return
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")
        return
    cursor.execute("PRAGMA analysis_limit = 0")
    try:
        with transaction.atomic():  # a savepoint: a refused ANALYZE leaves the import's writes as they are
            cursor.execute(f"ANALYZE {table}")
    except OperationalError as exc:
        # The statistics only guide the planner, and the next import renews them. SQLite refuses
        # ANALYZE ("database table is locked: sqlite_master") while another connection of a shared
        # cache reads the schema, as a page polling the import's progress does in the browser tests.
        logger.warning("ANALYZE %s skipped: %s", table, exc)


def _delete(table: str, key: str, values: Sequence[Any]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(values), 900):
            part = list(values[start : start + 900])
            cursor.execute(f"DELETE FROM {table} WHERE {key} IN ({', '.join(['%s'] * len(part))})", part)


def _insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Rows in bulk: binary COPY on PostgreSQL (no escaping of the long texts), one prepared
    statement on SQLite."""
    table, names = model._meta.db_table, ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            fields = [model._meta.get_field(c) for c in columns]
            types = [re.sub(r"\(.*\)", "", f.db_type(connection) or "") for f in fields if isinstance(f, models.Field)]
            # JSON columns get the text DuckDB made as it is (psycopg would encode a str as a JSON string).
            packed = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for row in rows:
                    if packed:
                        row = list(row)
                        for i in packed:
                            row[i] = Jsonb(row[i], dumps=_as_is)
                    copy.write_row(row)
            return
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", list(rows))


def _as_is(text: Any) -> str:
    return text if isinstance(text, str) else json.dumps(text, separators=(",", ":"))


@contextmanager
def _page_cache() -> Iterator[None]:
    """SQLite: a larger page cache for the import's connection while it runs (256 MB instead of
    2 MB); each index of the dossiers is written at scattered places, and with the default cache
    most of those writes read their page back from the file."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _lock_imports() -> None:
    """One import at a time: each compares its file with what is stored before it writes (SQLite's write lock
    already serialises)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(766001)")
