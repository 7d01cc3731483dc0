"""Writes of the dossier statistics: the procedure catalogue and dossier imports.

A dossier import is one transaction: rows are parsed and checked as they stream in, written in
batches, and the aggregate tables are adjusted by the difference between what the database held for
each dossier code and what the file says (so a re-import counts nothing twice). Any bad row, unless
the caller asked to skip bad rows, rolls everything back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import add
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency
from cchc.core import audit
from cchc.core.models import AuditEntry
from cchc.core.scope import agency_q
from cchc.core.tabular import InputError, read_rows
from cchc.dossiers.models import (
    IMPORT_ROLES,
    MEASURES,
    DailyCount,
    Dossier,
    DossierStatus,
    HandlerMonthlyCount,
    MonthlyCount,
    OnlineLevel,
    Procedure,
    ProcedureLevel,
    ProcedureMonthlyCount,
    outcome_of,
)
from cchc.dossiers.profiles import COLUMNS, REQUIRED, Profile, get_profile

BATCH = 5000
STATUSES = frozenset(DossierStatus.values)
ACC_LIMIT = 200_000  # fresh accumulator keys held before they are folded (about 60 MB)
WRITE_LIMIT = 2_000_000  # folded keys held before they are written to the aggregate tables
MAX_REPORTED = 20
Progress = Callable[[int, str], None]

# Index of each measure in an accumulator vector (same order as the aggregate columns).
M = {name: i for i, name in enumerate(MEASURES)}
_RECEIVED, _CLOSED, _OVERDUE_IN, _OVERDUE_OUT = M["received"], M["closed"], M["overdue_in"], M["overdue_out"]
_ONLINE, _ELIGIBLE, _PAID, _FEE = M["online"], M["online_eligible"], M["paid_online"], M["fee_amount"]
_WITH_FEE, _POSTAL, _SMS, _DIGITIZED = M["with_fee"], M["postal"], M["sms"], M["digitized"]
OUTCOME_INDEX = {
    "early": M["early"],
    "on_time": M["on_time"],
    "late": M["late"],
    DossierStatus.RETURNED.value: M["returned"],
    DossierStatus.WITHDRAWN.value: M["withdrawn"],
}

# Dossier columns in the order rows are written and compared.
DB_COLUMNS = (
    "dossier_code",
    "agency_id",
    "procedure_code",
    "procedure_id",
    "received_on",
    "due_on",
    "resolved_on",
    "closed_on",
    "overdue_from",
    "status",
    "channel",
    "online_level",
    "online_eligible",
    "paid_online",
    "fee_amount",
    "result_by_post",
    "digitized",
    "sms_count",
    "handler",
)
C = {name: i for i, name in enumerate(DB_COLUMNS)}


# Procedure catalogue

PROCEDURE_COLUMNS = ("code", "name", "field", "level", "online_level", "postal", "online_payment")


@dataclass
class ProcedureSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % vars(self)


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
        _link_dossiers([p.code for p in new])
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


def _link_dossiers(codes: list[str]) -> None:
    """Dossiers imported before their procedure was catalogued point to it once it is."""
    if not codes:
        return
    catalogued = Procedure.objects.filter(code=OuterRef("procedure_code")).values("pk")[:1]
    Dossier.objects.filter(procedure__isnull=True, procedure_code__in=codes).update(procedure=Subquery(catalogued))


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


# Dates


def parse_day(text: str, row: int, column: str) -> date | None:
    """A calendar day in the province's time zone from yyyy-mm-dd, dd/mm/yyyy or an ISO 8601 date-time.

    A date-time with an offset ("Z", "+07:00") is converted to Asia/Ho_Chi_Minh first: 2022-03-31T17:30Z
    is 00:30 on 01/04/2022 there. A date-time without offset is already local.
    """
    text = text.strip()
    if not text:
        return None
    try:
        if len(text) == 10 and text[4] == "-":
            return date.fromisoformat(text)
        if "/" in text:
            day, month, rest = text.split("/", 2)
            year = rest.split(" ", 1)[0]
            if len(year) != 4:
                raise ValueError(text)
            return date(int(year), int(month), int(day))
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            _("“%(value)s” is not a date (use yyyy-mm-dd, dd/mm/yyyy or an ISO 8601 date-time)") % {"value": text},
            row,
            column,
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(_zone())
    return moment.date()


_ZONE: list[ZoneInfo] = []


def _zone() -> ZoneInfo:
    if not _ZONE:
        _ZONE.append(ZoneInfo(settings.TIME_ZONE))
    return _ZONE[0]


# Dossier import


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
        text = _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % vars(self)
        if self.skipped:
            text += "; " + _("%(skipped)s bad rows skipped") % {"skipped": self.skipped}
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


def import_dossiers_file(
    source: str | Path | IO[bytes],
    *,
    profile: str | None = None,
    skip_bad_rows: bool = False,
    user: Any = None,
    name: str = "",
    progress: Progress | None = None,
) -> DossierSummary:
    """Import dossier records (DESIGN §8.2) from CSV or XLSX; idempotent on ``dossier_code``.

    With ``user``, only the agencies the user may import for (focal officer, coordinator) are accepted.
    """
    chosen = get_profile(profile)
    rows = read_rows(
        source,
        required=[chosen.header_for(c) for c in REQUIRED],
        optional=[chosen.header_for(c) for c in COLUMNS],
        name=name,
    )
    importer = DossierImporter(chosen, user=user, skip_bad_rows=skip_bad_rows, progress=progress)
    return importer.run(rows)


class DossierImporter:
    """One import run: parse, check, write in batches, adjust the aggregates by delta, all in one transaction."""

    def __init__(
        self, profile: Profile, *, user: Any = None, skip_bad_rows: bool = False, progress: Progress | None = None
    ) -> None:
        self.profile, self.user, self.skip_bad_rows, self.progress = profile, user, skip_bad_rows, progress
        self.summary = DossierSummary()
        self.errors: list[InputError] = []
        self.bad_rows = 0
        self.seen: set[str] = set()
        self.acc: dict[tuple[int, str, date], list[int]] = {}
        self.daily: dict[tuple[Any, ...], list[int]] = {}
        self.by_procedure: dict[tuple[Any, ...], list[int]] = {}
        self.handlers: dict[tuple[int, str, date], list[int]] = {}
        self.touched: set[int] = set()  # agencies whose counts changed, for the audit trail
        self.had_rows = Dossier.objects.exists()
        self.counted = 0  # accumulator keys already written to the aggregates
        self.agencies = dict(Agency.objects.values_list("code", "pk"))
        condition = agency_q(user, IMPORT_ROLES) if user is not None else None
        allowed = Agency.objects.all() if condition is None else Agency.objects.filter(condition)
        self.allowed: set[int] = set(allowed.values_list("pk", flat=True))
        self.procedures = {
            code: (pk, online != OnlineLevel.NONE)
            for code, pk, online in Procedure.objects.values_list("code", "pk", "online_level")
        }
        self.headers = {c: profile.header_for(c) for c in COLUMNS}
        self.mapped = {c for c, mapping in profile.values.items() if mapping}

    def run(self, rows: Iterable[tuple[int, dict[str, str]]]) -> DossierSummary:
        with transaction.atomic():
            batch: list[tuple[int, tuple[Any, ...]]] = []
            for number, values in rows:
                parsed = self._parse_or_note(number, values)
                if parsed is None or (self.errors and not self.skip_bad_rows):
                    continue  # once refused, the rest is only checked, not written
                batch.append((number, parsed))
                if len(batch) >= BATCH:
                    self._write(batch)
                    batch = []
            if self.errors and not self.skip_bad_rows:
                raise self._refusal()
            if batch:
                self._write(batch)
            if not self.summary.total:
                raise InputError(_("the file has no dossier rows"))
            self._flush()
            self._analyze()
            self.summary.skipped = self.bad_rows
            self.summary.problems = [e.one_line() for e in self.errors[:MAX_REPORTED]]
            self._audit()
        return self.summary

    def _refusal(self) -> InputError:
        first = self.errors[0]
        if self.bad_rows == 1:
            detail = _("%(first)s; nothing was imported") % {"first": first.detail}
        else:
            detail = _("%(first)s (and %(more)s other bad rows); nothing was imported") % {
                "first": first.detail,
                "more": self.bad_rows - 1,
            }
        return InputError(detail, first.row, first.field)

    def _parse_or_note(self, number: int, values: dict[str, str]) -> tuple[Any, ...] | None:
        try:
            return self._parse(number, values)
        except InputError as exc:
            self.bad_rows += 1
            if len(self.errors) < MAX_REPORTED:
                self.errors.append(exc)
            return None

    def _value(self, values: dict[str, str], column: str) -> str:
        text = values.get(self.headers[column], "")
        if column in self.mapped:
            text = self.profile.value(column, text)
        return text.strip()

    def _parse(self, number: int, values: dict[str, str]) -> tuple[Any, ...]:
        h = self.headers
        code = self._value(values, "dossier_code")
        if not code:
            raise InputError(_("the dossier code is empty"), number, h["dossier_code"])
        if len(code) > 80:
            raise InputError(_("longer than %(limit)s characters") % {"limit": 80}, number, h["dossier_code"])
        if code in self.seen:
            raise InputError(
                _("dossier code “%(code)s” appears twice in the file") % {"code": code}, number, h["dossier_code"]
            )
        agency_code = self._value(values, "agency_code")
        agency_id = self.agencies.get(agency_code)
        if agency_id is None:
            raise InputError(_("unknown agency “%(code)s”") % {"code": agency_code}, number, h["agency_code"])
        if agency_id not in self.allowed:
            raise InputError(
                _("agency “%(code)s” is outside what you may import for") % {"code": agency_code},
                number,
                h["agency_code"],
            )
        status = self._value(values, "status")
        if status not in STATUSES:
            raise InputError(
                _("unknown status “%(value)s” (expected resolved, pending, returned or withdrawn)") % {"value": status},
                number,
                h["status"],
            )
        received = parse_day(self._value(values, "received_at"), number, h["received_at"])
        if received is None:
            raise InputError(_("the receipt date is empty"), number, h["received_at"])
        due = parse_day(self._value(values, "due_at"), number, h["due_at"])
        resolved = parse_day(self._value(values, "resolved_at"), number, h["resolved_at"])
        if resolved is not None and resolved < received:
            raise InputError(_("the result date is before the receipt date"), number, h["resolved_at"])
        if status == DossierStatus.RESOLVED and resolved is None:
            raise InputError(_("a resolved dossier needs its result date"), number, h["resolved_at"])
        if status == DossierStatus.PENDING and resolved is not None:
            raise InputError(_("a pending dossier cannot have a result date"), number, h["resolved_at"])
        channel = self._value(values, "channel") or "direct"
        if channel not in ("direct", "online", "postal"):
            raise InputError(
                _("unknown channel “%(value)s” (expected direct, online or postal)") % {"value": channel},
                number,
                h["channel"],
            )
        online_level = self._value(values, "online_level")
        if online_level not in ("", "full", "partial", "none"):
            raise InputError(
                _("unknown online level “%(value)s” (expected full, partial or empty)") % {"value": online_level},
                number,
                h["online_level"],
            )
        online_level = "" if online_level == "none" else online_level
        procedure_code = self._value(values, "procedure_code")[:60]
        procedure_id, published = self.procedures.get(procedure_code, (None, False))
        row = build_row(
            code,
            agency_id,
            received,
            due,
            resolved,
            status,
            channel=channel,
            procedure_code=procedure_code,
            procedure_id=procedure_id,
            online_level=online_level,
            published_online=published,
            paid_online=self._flag(values, "paid_online", number),
            fee_amount=self._amount(values, "fee_amount", number),
            result_by_post=self._flag(values, "result_by_post", number),
            digitized=self._flag(values, "digitized", number),
            sms_count=self._amount(values, "sms_count", number),
            handler=self._value(values, "handler")[:120],
        )
        self.seen.add(code)
        return row

    def _flag(self, values: dict[str, str], column: str, number: int) -> bool:
        return _flag(self._value(values, column), number, self.headers[column])

    def _amount(self, values: dict[str, str], column: str, number: int) -> int:
        text = self._value(values, column).replace(" ", "")
        if not text:
            return 0
        if re.fullmatch(r"\d+(\.0+)?", text):
            return int(text.split(".")[0])
        raise InputError(_("“%(value)s” is not a whole number") % {"value": text}, number, self.headers[column])

    # Writing

    def _write(self, batch: list[tuple[int, tuple[Any, ...]]]) -> None:
        codes = [row[0] for _number, row in batch]
        # Into an empty table nothing can be replaced (codes repeated in the file are refused earlier).
        stored = Dossier.objects.filter(dossier_code__in=codes).values_list(*DB_COLUMNS) if self.had_rows else ()
        existing = {row[0]: row for row in stored}
        new_rows, replaced = [], []
        for number, row in batch:
            old = existing.get(row[0])
            if old is None:
                self.summary.created += 1
            elif old[C["agency_id"]] not in self.allowed:
                # Another agency's dossier: never overwritten by someone who may not import for it.
                raise InputError(
                    _("dossier code “%(code)s” belongs to an agency outside what you may import for")
                    % {"code": row[0]},
                    number,
                    self.headers["dossier_code"],
                )
            elif tuple(old) == row:
                self.summary.unchanged += 1
                continue
            else:
                self.summary.updated += 1
                replaced.append(row[0])
                self._count(old, -1)
            new_rows.append(row)
            self._count(row, +1)
        if replaced:
            Dossier.objects.filter(dossier_code__in=replaced)._raw_delete(Dossier.objects.db)
        insert_rows(new_rows)
        if len(self.acc) > ACC_LIMIT:
            self._compact()  # bounded memory
            if len(self.daily) + len(self.by_procedure) > WRITE_LIMIT:
                self._flush()  # the deltas so far go into the aggregates (same transaction)
        if self.progress:
            self.progress(self.summary.total + self.bad_rows, "")

    def _count(self, row: tuple[Any, ...], sign: int) -> None:
        """Add (or with sign −1 take away) one dossier's contribution to the accumulators.

        The hottest function of an import: the row is unpacked once and the measures are addressed
        by constant positions.
        """
        (
            _code,
            agency,
            procedure,
            _procedure_id,
            received,
            due,
            resolved,
            closed,
            overdue_from,
            status,
            channel,
            _online_level,
            eligible,
            paid,
            fee,
            by_post,
            digitized,
            sms,
            handler,
        ) = row
        self.touched.add(agency)
        vector = self._vector(agency, procedure, received)
        vector[_RECEIVED] += sign
        if eligible:
            vector[_ELIGIBLE] += sign
        if channel == "online":
            vector[_ONLINE] += sign
        if paid:
            vector[_PAID] += sign
        if fee or paid:
            vector[_FEE] += sign * fee
            vector[_WITH_FEE] += sign
        if by_post or channel == "postal":
            vector[_POSTAL] += sign
        if sms:
            vector[_SMS] += sign * sms
        if digitized:
            vector[_DIGITIZED] += sign
        if closed is not None:
            vector = self._vector(agency, procedure, closed) if closed != received else vector
            vector[_CLOSED] += sign
            outcome = outcome_of(status, due, resolved)
            vector[OUTCOME_INDEX[outcome]] += sign
            if overdue_from is not None:
                vector[_OVERDUE_OUT] += sign
            if handler and status == DossierStatus.RESOLVED:
                counts = self.handlers.setdefault((agency, handler, closed.replace(day=1)), [0, 0])
                counts[0] += sign
                counts[1] += sign if outcome == "late" else 0
        if overdue_from is not None:
            self._vector(agency, procedure, overdue_from)[_OVERDUE_IN] += sign

    def _vector(self, agency: int, procedure: str, day: date) -> list[int]:
        key = (agency, procedure, day)
        vector = self.acc.get(key)
        if vector is None:
            vector = self.acc[key] = [0] * len(MEASURES)
        return vector

    def _compact(self) -> None:
        """Fold the per-(agency, procedure, day) accumulator into the two shapes the tables need.

        Both are bounded by the size of the aggregate tables, not by the number of rows, so an
        import of any length holds at most ``ACC_LIMIT`` fresh keys plus the aggregates it touches.
        """
        daily, by_procedure = self.daily, self.by_procedure
        for (agency, procedure, day), vector in self.acc.items():
            for table, key in ((daily, (agency, day)), (by_procedure, (agency, procedure, day.replace(day=1)))):
                total = table.get(key)
                if total is None:
                    table[key] = vector[:]
                else:
                    total[:] = map(add, total, vector)
        self.acc.clear()

    def _flush(self) -> None:
        """Write the accumulated deltas into the aggregate tables (inside the import's transaction)."""
        self._compact()
        monthly: dict[tuple[Any, ...], list[int]] = {}
        for (agency, day), vector in self.daily.items():
            key = (agency, day.replace(day=1))
            total = monthly.get(key)
            if total is None:
                monthly[key] = vector[:]
            else:
                total[:] = map(add, total, vector)
        add_counts(DailyCount._meta.db_table, ("agency_id", "day"), MEASURES, self.daily)
        add_counts(MonthlyCount._meta.db_table, ("agency_id", "month"), MEASURES, monthly)
        add_counts(
            ProcedureMonthlyCount._meta.db_table, ("agency_id", "procedure_code", "month"), MEASURES, self.by_procedure
        )
        add_counts(
            HandlerMonthlyCount._meta.db_table, ("agency_id", "handler", "month"), ("resolved", "late"), self.handlers
        )
        self.counted += len(self.daily) + len(self.by_procedure)
        self.daily.clear()
        self.by_procedure.clear()
        self.handlers.clear()

    def _analyze(self) -> None:
        """Fresh statistics after a large PostgreSQL import, so the planner does not read new rows blind."""
        if connection.vendor == "postgresql" and self.counted > 10_000:
            with connection.cursor() as cursor:
                for model in (DailyCount, MonthlyCount, ProcedureMonthlyCount):
                    cursor.execute(f"ANALYZE {model._meta.db_table}")

    def _audit(self) -> None:
        if self.user is None or not (self.summary.created or self.summary.updated):
            return
        agency_ids = self.touched
        first = Agency.objects.filter(pk__in=agency_ids).order_by("path").first()
        if first is None:
            return
        agency = first if len(agency_ids) == 1 else None
        audit.record(
            user=self.user,
            obj=first,
            action=AuditEntry.Action.IMPORT,
            changes={"created": [None, self.summary.created], "updated": [None, self.summary.updated]},
            reason=_("Dossier import"),
            agency=agency,
        )


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
    procedure_id: int | None = None,
    online_level: str = "",
    published_online: bool = False,
    paid_online: bool = False,
    fee_amount: int = 0,
    result_by_post: bool = False,
    digitized: bool = False,
    sms_count: int = 0,
    handler: str = "",
) -> tuple[Any, ...]:
    """A dossier as stored (``DB_COLUMNS``), with the day it closed and the day it became overdue."""
    closed = None if status == DossierStatus.PENDING else (resolved or received)
    overdue_from = None
    if due is not None:
        start = max(received, due + timedelta(days=1))
        if closed is None or closed > start:
            overdue_from = start
    return (
        code,
        agency_id,
        procedure_code,
        procedure_id,
        received,
        due,
        resolved,
        closed,
        overdue_from,
        status,
        channel,
        online_level,
        channel == "online" or bool(online_level) or published_online,
        paid_online,
        fee_amount,
        result_by_post,
        digitized,
        sms_count,
        handler,
    )


def add_counts_of(rows: Iterable[tuple[tuple[Any, ...], int]]) -> None:
    """Add ``weight`` identical dossiers per ``(row, weight)`` to the aggregates without storing them.

    For building a province's aggregates at scale (benchmarks, tests of the seed figures) through
    the same counting as an import.
    """
    importer = DossierImporter(get_profile(None))
    with transaction.atomic():
        for row, weight in rows:
            importer._count(row, weight)
            if len(importer.acc) > ACC_LIMIT:
                importer._compact()
        importer._flush()
        importer._analyze()


def insert_rows(rows: list[tuple[Any, ...]]) -> None:
    """Insert dossier rows in bulk: COPY on PostgreSQL, one prepared statement on SQLite."""
    if not rows:
        return
    table = Dossier._meta.db_table
    columns = ", ".join(DB_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(DB_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def add_counts(table: str, keys: tuple[str, ...], measures: tuple[str, ...], deltas: dict[Any, list[int]]) -> None:
    """Add ``deltas`` (key → measure values) to an aggregate table: insert new keys, add to existing ones."""
    rows = [(*key, *values) for key, values in deltas.items() if any(values)]
    if not rows:
        return
    columns = (*keys, *measures)
    updates = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in measures)
    conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY the deltas into a scratch table, then one INSERT … SELECT adds them all.
            types = {"agency_id": "bigint", "day": "date", "month": "date"}
            definition = ", ".join(f"{c} {types.get(c, 'text' if c in keys else 'bigint')}" for c in columns)
            cursor.execute(f"CREATE TEMP TABLE delta_{table} ({definition}) ON COMMIT DROP")
            with cursor.cursor.copy(f"COPY delta_{table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM delta_{table} {conflict}"
            )
            cursor.execute(f"DROP TABLE delta_{table}")
            return
        # SQLite: many rows per statement (its limit is 32,766 parameters).
        per_statement = max(1, 30000 // len(columns))
        row_marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join([row_marks] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} {conflict}",
                [value for row in chunk for value in row],
            )
