"""How raw dossiers are stored, and read back for drill-down.

A dossier is one tab-separated line in the chunk (``DossierChunk``) of its agency and month of
receipt, with the columns of ``STORED``; a chunk's lines are sorted by receipt day and code. Where a
code is stored is written in its bucket (``DossierCodeBucket``, ``BUCKETS`` buckets by the first
three hex digits of the code's MD5) as ``code<TAB>agency_id<TAB>month``. The import writes both with
set-based SQL (``cchc.dossiers.engine``); this module is the one place that reads them, and only
from chunks that went through ``DossierChunk.objects.restrict(reader)`` (``core.scope.restricted``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import overload

from django.db.models import QuerySet, Sum

from cchc.core.scope import restricted
from cchc.dossiers.models import DossierChunk, DossierCodeBucket, DossierStatus, month_after, outcome_of

BUCKETS = 4096
# The same bucket in SQL (DuckDB), for the import.
BUCKET_SQL = "('0x' || left(md5({code}), 3))::INTEGER"

STORED = (
    "dossier_code",
    "agency_id",
    "procedure_code",
    "received_on",
    "due_on",
    "resolved_on",
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


def bucket_of(code: str) -> int:
    return int(hashlib.md5(code.encode("utf-8"), usedforsecurity=False).hexdigest()[:3], 16)


def closing(status: str, received: date, due: date | None, resolved: date | None) -> tuple[date | None, date | None]:
    """(the day it closed, the first day it counted as overdue while still open) of a dossier.

    Closed: the result, return or withdrawal day (a returned or withdrawn dossier without a date
    closes on its receipt day); a pending dossier is open. Overdue from the day after its due date
    (not before its receipt), if it was still open then."""
    closed = None if status == DossierStatus.PENDING else (resolved or received)
    overdue_from = None
    if due is not None:
        start = max(received, due + timedelta(days=1))
        if closed is None or closed > start:
            overdue_from = start
    return closed, overdue_from


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass(frozen=True)
class DossierRecord:
    """One stored dossier, as the one-stop-shop software exported it (dates in Asia/Ho_Chi_Minh)."""

    dossier_code: str
    agency_id: int
    procedure_code: str
    received_on: date
    due_on: date | None
    resolved_on: date | None
    status: str
    channel: str
    online_level: str
    online_eligible: bool
    paid_online: bool
    fee_amount: int
    result_by_post: bool
    digitized: bool
    sms_count: int
    handler: str

    @classmethod
    def from_line(cls, line: str) -> DossierRecord:
        (
            code,
            agency,
            procedure,
            received,
            due,
            resolved,
            status,
            channel,
            level,
            eligible,
            paid,
            fee,
            post,
            digi,
            sms,
            handler,
        ) = line.split("\t")
        return cls(
            code,
            int(agency),
            procedure,
            date.fromisoformat(received),
            _day(due),
            _day(resolved),
            status,
            channel,
            level,
            eligible == "1",
            paid == "1",
            int(fee),
            post == "1",
            digi == "1",
            int(sms),
            handler,
        )

    @property
    def closed_on(self) -> date | None:
        return closing(self.status, self.received_on, self.due_on, self.resolved_on)[0]

    @property
    def overdue_from(self) -> date | None:
        return closing(self.status, self.received_on, self.due_on, self.resolved_on)[1]

    @property
    def timeliness(self) -> str:
        """early / on_time / late for a resolved dossier (DESIGN §6), else ""."""
        outcome = outcome_of(self.status, self.due_on, self.resolved_on)
        return outcome if outcome in ("early", "on_time", "late") else ""

    @property
    def late(self) -> bool:
        return self.timeliness == "late"


def _lines(chunks: Iterable[str]) -> Iterable[str]:
    for data in chunks:
        if data:
            yield from data.split("\n")


class Records(Sequence[DossierRecord]):
    """The stored dossiers of some restricted chunks received in a range, newest first and by code within a day,
    read a month at a time as they are asked for: a page of a listing reads the months it shows, and
    its count comes from the chunks' counts where a month lies wholly in the range and nothing else
    filters its lines (``keep``); otherwise counting reads the months it needs."""

    def __init__(
        self,
        chunks: QuerySet[DossierChunk],
        received_from: date | None = None,
        received_to: date | None = None,
        keep: Callable[[DossierRecord], bool] | None = None,
    ) -> None:
        chunks = restricted(chunks)
        if received_from is not None:
            chunks = chunks.filter(month__gte=received_from.replace(day=1))
        if received_to is not None:
            chunks = chunks.filter(month__lte=received_to)
        self.chunks, self.received_from, self.received_to, self.keep = chunks, received_from, received_to, keep
        self._months: list[tuple[date, int]] | None = None
        self._read: dict[date, list[DossierRecord]] = {}
        self._counts: dict[date, int] = {}

    def months(self) -> list[tuple[date, int]]:
        """(month, dossiers stored in it) of the chunks, newest first."""
        if self._months is None:
            rows = self.chunks.values("month").annotate(n=Sum("count")).order_by("-month")
            self._months = [(row["month"], int(row["n"] or 0)) for row in rows]
        return self._months

    def _whole(self, month: date) -> bool:
        """Every stored dossier of ``month`` is listed: no line filter and the month inside the range."""
        last = month_after(month) - timedelta(days=1)
        return (
            self.keep is None
            and (self.received_from is None or self.received_from <= month)
            and (self.received_to is None or last <= self.received_to)
        )

    def _decode(self, month: date) -> list[DossierRecord]:
        data = self.chunks.filter(month=month).values_list("data", flat=True)
        low, high, keep = self.received_from, self.received_to, self.keep
        found = [
            r
            for r in map(DossierRecord.from_line, _lines(data.iterator()))
            if (low is None or r.received_on >= low)
            and (high is None or r.received_on <= high)
            and (keep is None or keep(r))
        ]
        found.sort(key=lambda r: r.dossier_code)
        found.sort(key=lambda r: r.received_on, reverse=True)
        return found

    def of_month(self, month: date) -> list[DossierRecord]:
        """The listed dossiers of ``month``, kept for the pages that show them."""
        found = self._read.get(month)
        if found is None:
            found = self._read[month] = self._decode(month)
            self._counts[month] = len(found)
        return found

    def _size(self, month: date, stored: int) -> int:
        """How many of ``month``'s dossiers are listed: counting one reads the month and keeps only its
        count, so that counting a long filtered listing holds one month in memory at a time."""
        if self._whole(month):
            return stored
        if month not in self._counts:
            self._counts[month] = len(self._decode(month))
        return self._counts[month]

    def _sizes(self) -> Iterator[tuple[date, int]]:
        for month, stored in self.months():
            yield month, self._size(month, stored)

    def __len__(self) -> int:
        return sum(size for _month, size in self._sizes())

    @overload
    def __getitem__(self, index: int) -> DossierRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[DossierRecord]: ...

    def __getitem__(self, index: int | slice) -> DossierRecord | list[DossierRecord]:
        if isinstance(index, int):
            found = self[index : index + 1] if index >= 0 else list(self)[index : index + 1 or None]
            if not found:
                raise IndexError(index)
            return found[0]
        start, stop, step = index.start or 0, index.stop, index.step
        if start < 0 or (stop is not None and stop < 0) or step not in (None, 1):
            return list(self)[index]
        result: list[DossierRecord] = []
        passed = 0  # dossiers of the months before this one
        for month, size in self._sizes():
            if stop is not None and passed >= stop:
                break
            if passed + size > start:
                result.extend(self.of_month(month)[max(start - passed, 0) : None if stop is None else stop - passed])
            passed += size
        return result

    def __iter__(self) -> Iterator[DossierRecord]:
        """Every listed dossier, a month at a time (an export holds one month in memory)."""
        for month, _stored in self.months():
            kept = self._read.get(month)
            yield from self._decode(month) if kept is None else kept


def records(
    chunks: QuerySet[DossierChunk], received_from: date | None = None, received_to: date | None = None
) -> Records:
    """The stored dossiers of ``chunks`` (``DossierChunk.objects.restrict(user)``, perhaps an agency's)
    received in the range, newest first and by code within a day. Reads only the months in the range,
    and of those only the ones a page shows (``Records``)."""
    return Records(chunks, received_from, received_to)


def find(code: str, chunks: QuerySet[DossierChunk]) -> DossierRecord | None:
    """The stored dossier of ``code`` through its bucket, whatever month it was received in, if it is
    within ``chunks`` (``DossierChunk.objects.restrict(user)``, perhaps an agency's)."""
    chunks = restricted(chunks)
    entry = DossierCodeBucket.objects.filter(bucket=bucket_of(code)).values_list("data", flat=True).first()
    for line in _lines([entry or ""]):
        stored_code, agency, month = line.split("\t")
        if stored_code != code:
            continue
        found = chunks.filter(agency_id=int(agency), month=date.fromisoformat(month))
        for data in found.values_list("data", flat=True):
            for stored in _lines([data]):
                if stored.split("\t", 1)[0] == code:
                    return DossierRecord.from_line(stored)
    return None


def count(chunks: QuerySet[DossierChunk]) -> int:
    """The stored dossiers of ``chunks`` (the sum of their counts)."""
    return int(restricted(chunks).aggregate(n=Sum("count"))["n"] or 0)
