"""Writes of the dossier statistics: the procedure catalogue and dossier imports.

A dossier import is one transaction run by ``cchc.dossiers.engine``: DuckDB checks every row, the
aggregate tables are adjusted by the difference between what the database held for each dossier
code and what the file says (so a re-import counts nothing twice), and any bad row, unless the
caller asked to skip bad rows, refuses the file before anything is written.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from cchc.core import audit
from cchc.core.formatting import format_number
from cchc.core.models import AuditEntry
from cchc.core.tabular import InputError, check_header, file_format, import_summary, read_rows
from cchc.dossiers.columns import COLUMNS, REQUIRED, STORED
from cchc.dossiers.engine import DossierSummary, Engine, Progress, Source
from cchc.dossiers.models import Dossier, OnlineLevel, Procedure, ProcedureLevel
from cchc.dossiers.profiles import get_profile

# Procedure catalogue

PROCEDURE_COLUMNS = ("code", "name", "field", "level", "online_level", "postal", "online_payment")


@dataclass
class ProcedureSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return import_summary(self.created, self.updated, self.unchanged)


def import_procedures_file(source: str | Path | IO[bytes], *, user: Any = None, name: str = "") -> ProcedureSummary:
    """The catalogue (DESIGN §8.1): all rows or none; a known code is updated in place."""
    rows = read_rows(source, required=PROCEDURE_COLUMNS[:5], optional=PROCEDURE_COLUMNS, name=name)
    parsed = [_procedure(number, values) for number, values in _unique(rows, "code")]
    if not parsed:
        raise InputError(_("the file has no procedure rows"))
    existing = {p.code: p for p in Procedure.objects.all()}
    summary = ProcedureSummary()
    new, changed = [], []
    for procedure in parsed:
        old = existing.get(procedure.code)
        if old is None:
            new.append(procedure)
            continue
        values = {f: getattr(procedure, f) for f in PROCEDURE_COLUMNS[1:]}
        if all(getattr(old, f) == v for f, v in values.items()):
            summary.unchanged += 1
            continue
        for f, v in values.items():
            setattr(old, f, v)
        changed.append(old)
    with transaction.atomic():
        Procedure.objects.bulk_create(new, batch_size=1000)
        Procedure.objects.bulk_update(changed, PROCEDURE_COLUMNS[1:], batch_size=1000)
        if new:  # dossiers imported before their procedure was in the catalogue now point to it
            Dossier.objects.filter(procedure__isnull=True, procedure_code__in=[p.code for p in new]).update(
                procedure=Subquery(Procedure.objects.filter(code=OuterRef("procedure_code")).values("pk")[:1])
            )
        if new or changed:
            audit.record(
                user=user,
                obj=(new or changed)[0],
                action=AuditEntry.Action.IMPORT,
                changes={"created": [None, len(new)], "updated": [None, len(changed)]},
                reason=_("Procedure catalogue import"),
            )
    summary.created, summary.updated = len(new), len(changed)
    return summary


def _unique(rows: Iterable[tuple[int, dict[str, str]]], key: str) -> Iterator[tuple[int, dict[str, str]]]:
    seen: dict[str, int] = {}
    for number, values in rows:
        code = values.get(key, "").strip()
        if code in seen:
            raise InputError(
                _("duplicate code “%(code)s” (already on row %(first)s)") % {"code": code, "first": seen[code]},
                number,
                key,
            )
        seen[code] = number
        yield number, values


def _procedure(number: int, values: dict[str, str]) -> Procedure:
    code, name = values.get("code", "").strip(), values.get("name", "").strip()
    if not code:
        raise InputError(_("the procedure code is empty"), number, "code")
    if not name:
        raise InputError(_("the procedure name is empty"), number, "name")
    for column, text in (("code", code), ("name", name), ("field", values.get("field", "").strip())):
        limit = getattr(Procedure._meta.get_field(column), "max_length", 0) or 0
        if len(text) > limit:
            raise InputError(_("longer than %(limit)s characters") % {"limit": limit}, number, column)
    return Procedure(
        code=code,
        name=name,
        field=values.get("field", "").strip(),
        level=_choice(values.get("level", ""), ProcedureLevel.values, number, "level"),
        online_level=_choice(values.get("online_level", ""), OnlineLevel.values, number, "online_level"),
        postal=_flag(values.get("postal", ""), number, "postal"),
        online_payment=_flag(values.get("online_payment", ""), number, "online_payment"),
    )


def _choice(text: str, allowed: Iterable[str], row: int, column: str) -> str:
    value = text.strip()
    allowed = list(allowed)
    if value not in allowed:
        raise InputError(
            _("unknown value “%(value)s” (expected one of %(allowed)s)")
            % {"value": value, "allowed": ", ".join(allowed)},
            row,
            column,
        )
    return value


def _flag(text: str, row: int, column: str) -> bool:
    value = text.strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise InputError(_("“%(value)s” is not 0 or 1") % {"value": text}, row, column)


# Dossier import


def import_dossiers_file(
    source: str | Path | IO[bytes],
    *,
    profile: str | None = None,
    skip_bad_rows: bool = False,
    user: Any = None,
    name: str = "",
    progress: Progress | None = None,
    source_system: str = "",
) -> DossierSummary:
    """Import dossier records (DESIGN §8.2) from CSV or XLSX; idempotent on ``(source, dossier_code)``.

    ``source_system`` names the one-stop-shop system the file came from (default: the profile's, else
    ``CCHC_DOSSIER_SOURCE``). With ``user``, only the agencies the user may import for (focal
    officer, coordinator) are accepted.
    """
    chosen = get_profile(profile)
    source_system = source_system.strip() or chosen.source or settings.CCHC_DOSSIER_SOURCE
    limit = Dossier._meta.get_field("source").max_length or 0
    if len(source_system) > limit:
        raise InputError(_("the source system's name is longer than %(limit)s characters") % {"limit": limit})
    name = name or str(getattr(source, "name", source))
    required = [chosen.header_for(c) for c in REQUIRED]
    optional = [chosen.header_for(c) for c in COLUMNS]
    fmt = file_format(name)
    # An XLSX is converted to CSV first, most of its import's time: that reading is the bar's first
    # 70 %, the engine's work the rest (a CSV goes straight to the engine).
    share = 0.7 if fmt == "xlsx" and progress is not None else 0.0
    engine = Engine(
        chosen, source=source_system, user=user, skip_bad_rows=skip_bad_rows, progress=_after(progress, share)
    )
    try:
        staged = _stage(source, fmt, engine.work, required, optional, _before(progress, share))
    except BaseException:
        engine.close()
        raise
    return engine.run(staged)


def _before(progress: Progress | None, share: float) -> Callable[[int, int], None] | None:
    """The conversion's (rows read, rows in the sheet) as the first ``share`` of the bar."""
    if progress is None or not share:
        return None

    def report(done: int, total: int) -> None:
        rows = {"done": format_number(done), "total": format_number(total)}
        progress(int(done * share), total, _("reading the workbook: row %(done)s of %(total)s") % rows)

    return report


def _after(progress: Progress | None, share: float) -> Progress | None:
    """The engine's progress as the rest of the bar after the first ``share``."""
    if progress is None or not share:
        return progress
    return lambda done, total, message: progress(int(total * share + done * (1 - share)), total, message)


def _stage(
    source: str | Path | IO[bytes],
    fmt: str,
    work: Path,
    required: list[str],
    optional: list[str],
    progress: Callable[[int, int], None] | None = None,
) -> Source:
    """The file as DuckDB will read it: a CSV as it is (copied if it is a stream), an XLSX converted
    to a CSV whose first column is the row number a spreadsheet shows."""
    if fmt == "xlsx":
        path = work / "upload.csv"
        rows = read_rows(source, required=required, optional=optional, name="upload.xlsx", progress=progress)
        columns = list(dict.fromkeys([*required, *optional]))
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["__row", *columns])
            for number, values in rows:
                writer.writerow([number, *(values.get(c, "") for c in columns)])
        return Source(path, ",", ["__row", *columns], numbered=True)
    if isinstance(source, str | Path):
        path = Path(source)
    else:
        path = work / "upload.csv"
        with path.open("wb") as handle:
            shutil.copyfileobj(source, handle, 1 << 20)
    with path.open("rb") as handle:
        first = handle.readline()
        rest = handle.read(1 << 16)
        only_header = not rest.strip() and not handle.read(1)
    try:
        line = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(_("the file is not UTF-8 text; save it as “CSV UTF-8”")) from None
    if not line.strip():
        raise InputError(_("the file is empty"))
    delimiter = ";" if line.count(";") > line.count(",") else ","
    header = [c.strip().lstrip("\ufeff") for c in next(csv.reader([line], delimiter=delimiter))]
    check_header(header, required, optional)
    if only_header:
        raise InputError(_("the file has no dossier rows"))
    return Source(path, delimiter, header)


def build_row(
    code: str,
    agency_id: int,
    received: date,
    due: date | None,
    resolved: date | None,
    status: str,
    *,
    channel: str = "direct",
    procedure_code: str = "",
    online_level: str = "",
    published_online: bool = False,
    paid_online: bool = False,
    fee_amount: int = 0,
    result_by_post: bool = False,
    digitized: bool = False,
    sms_count: int = 0,
    handler: str = "",
) -> Dossier:
    """A dossier as stored (not saved), for building aggregates without a file (benchmarks, seed-figure tests)."""
    return Dossier(
        dossier_code=code,
        agency_id=agency_id,
        procedure_code=procedure_code,
        received_on=received,
        due_on=due,
        resolved_on=resolved,
        status=status,
        channel=channel,
        online_level=online_level,
        online_eligible=channel == "online" or bool(online_level) or published_online,
        paid_online=paid_online,
        fee_amount=fee_amount,
        result_by_post=result_by_post,
        digitized=digitized,
        sms_count=sms_count,
        handler=handler,
        outcome="",
    )


def add_counts_of(rows: Iterable[tuple[Dossier, int]]) -> None:
    """Add ``weight`` identical dossiers per ``(dossier, weight)`` to the aggregates without storing them,
    through the same counting as an import."""
    import duckdb

    from cchc.dossiers.engine import OURS, TYPES, count_events, write_counts

    columns: list[list[Any]] = [[] for _c in (*OURS, "sign")]
    for record, weight in rows:
        values = (*(getattr(record, c) for _alias, c in STORED), weight)
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    types = [*(TYPES[a] for a in OURS), "BIGINT"]
    select = ", ".join(
        f"unnest(${i + 1}::{t}[]) AS {c}" for i, (c, t) in enumerate(zip((*OURS, "sign"), types, strict=True))
    )
    db = duckdb.connect()
    try:
        db.execute(f"CREATE TABLE delta AS SELECT {select}", columns)
        count_events(db)
        with transaction.atomic():
            write_counts(db)
    finally:
        db.close()
