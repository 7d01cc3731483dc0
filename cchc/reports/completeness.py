"""Completeness and timeliness of periodic reports (tình hình gửi báo cáo), by block (DESIGN §5.3).

For each period: expected, submitted on time (đúng hạn), submitted late (trễ hạn), missing (chưa gửi),
and returned (trả lại: state returned now), each with the agencies behind it.

**Who is expected.** The expected set is the one frozen when the period opened (``ExpectedReport``),
followed through merges: an expected agency no longer active on the period's *day* (its deadline, or
the as-of day when that is earlier) is answered for by its successor(s) active that day, following
chains of successors. The responsible units are the distinct agencies so obtained; each is counted
once, in the block of the first expected agency (in the order of the agency tree) that maps to it. An
expected agency that ended with no active successor stays responsible for its own report. So every
count is a subset of the expected units and no rate exceeds 100 %.

**Submitted.** A unit has submitted when its own report's ``first_submitted_at`` is set (the workflow
sets it on the first submission) and falls on or before the as-of day; on time when that moment's
local date (the province's time zone) is on or before the deadline, late otherwise. A report returned
for changes stays submitted for timeliness, at its first submission; it is also counted as returned.

**Scope.** The functions take the reader (a user, or ``SYSTEM``). A unit appears when its agency is in
the reader's scope; the expected rows read are the reader's (``restrict``) and, for the agencies in the
scope that took over others, those of their predecessors (read as the system: the lineage decides who
owes a report, and what is shown is the reader's own agencies only). Reports are read through
``restrict``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cchc.agencies.models import Agency, Block
from cchc.core.formatting import format_percent, ratio
from cchc.core.scope import SYSTEM, agency_q
from cchc.reports.models import REPORT_ROLES, ExpectedReport, Report, ReportingPeriod, ReportState


class Status(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"


STATUS_LABELS = {Status.ON_TIME: _("On time"), Status.LATE: _("Late"), Status.MISSING: _("Not submitted")}


# The counts of a group, in the order a table shows them; "returned" is a part of the submitted.
COUNTS = ("expected", "on_time", "late", "missing", "returned")
RATES = {  # name → (numerator counts, denominator)
    "submitted_rate": (("on_time", "late"), "expected"),
    "on_time_rate": (("on_time",), "expected"),
    "late_rate": (("late",), "expected"),
    "missing_rate": (("missing",), "expected"),
}


@dataclass(frozen=True, slots=True)
class AgencyRef:
    id: int
    code: str
    name: str
    path: str


@dataclass(frozen=True)
class BlockRef:
    id: int
    code: str
    name: str


@dataclass(slots=True)
class Cell:
    """One responsible unit's report for one period."""

    period_id: int
    agency: AgencyRef
    block: BlockRef
    status: Status
    state: str | None  # the report's state now; None when the unit has no report row yet
    submitted_at: datetime | None  # first submission: read by ``submitted_at`` for the cells a page lists
    answers_for: tuple[AgencyRef, ...]  # the expected agencies it stands for (itself, or those it took over)

    @property
    def returned(self) -> bool:
        return self.state == ReportState.RETURNED

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def state_label(self) -> str:
        return str(ReportState(self.state).label) if self.state else str(ReportState.DRAFT.label)

    @property
    def took_over(self) -> bool:
        return self.answers_for != (self.agency,)


@dataclass
class Group:
    """The counts of a block in a period (or of a period, or of several periods), with their agencies."""

    key: str
    name: str
    cells: list[Cell] = field(default_factory=list)

    def of(self, count: str) -> list[Cell]:
        """The cells behind a count (the drill-down), in the order of the agency tree."""
        if count == "expected":
            return self.cells
        if count == "returned":
            return [c for c in self.cells if c.returned]
        return [c for c in self.cells if c.status == count]

    @property
    def counts(self) -> dict[str, int]:
        tally = {name: 0 for name in COUNTS}
        tally["expected"] = len(self.cells)
        for cell in self.cells:
            tally[cell.status] += 1
            tally["returned"] += cell.returned
        return tally

    @property
    def rates(self) -> dict[str, Decimal | None]:
        c = self.counts
        return {name: ratio(sum(c[n] for n in num), c[den]) for name, (num, den) in RATES.items()}

    def rate_texts(self) -> dict[str, str]:
        return {name: format_percent(value) for name, value in self.rates.items()}

    def as_json(self, agencies: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "name": self.name, **self.counts}
        for name, value in self.rates.items():
            data[name] = {"value": None if value is None else round(float(value), 6), "text": format_percent(value)}
        if agencies:
            data["agencies"] = {count: [c.agency.code for c in self.of(count)] for count in COUNTS}
        return data


@dataclass
class PeriodCompleteness:
    period: ReportingPeriod
    as_of: date
    blocks: list[Group]
    total: Group


# Reading


def period_day(period: ReportingPeriod, as_of: date | None) -> date:
    """The day responsibility is read on: the deadline, or the as-of day when earlier."""
    return period.deadline if as_of is None else min(as_of, period.deadline)


def cells(user: Any, periods: Sequence[ReportingPeriod], as_of: date | None = None) -> list[Cell]:
    """Every responsible unit's cell for ``periods``, in the reader's scope; in period, then tree order.

    A fixed number of queries whatever the number of agencies and periods (about eight); the status is
    worked out in SQL, and each agency and block is read once, not once per period."""
    if not periods:
        return []
    by_id = {p.pk: p for p in periods}
    order = {p.pk: i for i, p in enumerate(periods)}
    scope = _scope(user)
    links = _successor_links()
    expected = _expected(user, list(by_id), scope, links)
    agencies = _agencies({a for owed in expected.values() for a in owed}, links)
    tree = sorted(agencies, key=lambda pk: (agencies[pk][3], agencies[pk][1]))  # the order of the agency tree
    blocks = {
        b[0]: BlockRef(*b)
        for b in Block.objects.filter(pk__in={b for owed in expected.values() for b in owed.values()})
        .order_by()
        .values_list("pk", "code", "name")
    }
    reports = _reports(user, periods, as_of)
    refs = {pk: _ref(row) for pk, row in agencies.items()}
    selves: dict[int, tuple[AgencyRef, ...]] = {pk: (ref,) for pk, ref in refs.items()}  # one per agency
    result: list[Cell] = []
    for period_id in sorted(by_id, key=order.__getitem__):
        day = period_day(by_id[period_id], as_of)
        units, answers = _units(expected[period_id], day, tree, agencies, links, scope)
        if answers:  # some units stand for others: met at their first predecessor, not at their own place
            rank = {pk: i for i, pk in enumerate(tree)}
            units = dict(sorted(units.items(), key=lambda item: rank[item[0]]))
        result += _period_cells(period_id, units, answers, selves, blocks, reports.get(period_id, {}))
    return result


def _period_cells(
    period_id: int,
    units: dict[int, int],
    answers: dict[int, list[int]],
    selves: dict[int, tuple[AgencyRef, ...]],
    blocks: dict[int, BlockRef],
    reports: dict[int, tuple[str, Status]],
) -> list[Cell]:
    """The cells of one period's units, in the order of ``units``."""
    missing = (None, Status.MISSING)
    found = []
    for unit, block_id in units.items():
        state, status = reports.get(unit, missing)
        (ref,) = answers_for = selves[unit]
        others = answers.get(unit)
        if others is not None:
            answers_for = tuple(selves[a][0] for a in others)
        found.append(Cell(period_id, ref, blocks[block_id], status, state, None, answers_for))
    return found


def _scope(user: Any) -> set[int] | None:
    """The agencies whose reports the reader may read; None for every agency."""
    condition = agency_q(user, REPORT_ROLES["view"])
    if condition is None:
        return None
    return set(Agency.objects.filter(condition).order_by().values_list("pk", flat=True))


def _successor_links() -> dict[int, list[int]]:
    """Agency id → its successors' ids, the whole (small) table at once."""
    links: dict[int, list[int]] = defaultdict(list)
    through = Agency.successors.through.objects.values_list("from_agency_id", "to_agency_id")
    for source, target in through.order_by("from_agency_id", "to_agency_id"):
        links[source].append(target)
    return links


def _expected_rows(
    user: Any, period_ids: list[int], scope: set[int] | None, links: dict[int, list[int]]
) -> Iterator[tuple[int, int, int]]:
    """(period, agency, block) of the reader's expected rows, and of those of the agencies its agencies
    took over (see the module); streamed, not kept."""
    columns = ("period_id", "agency_id", "block_id")
    mine = ExpectedReport.objects.restrict(user).filter(period_id__in=period_ids).order_by()
    yield from mine.values_list(*columns).iterator(_CHUNK)
    if scope is not None:
        taken_over = _predecessors(scope, links) - scope
        if taken_over:  # the lineage, read as the system; only units in the reader's scope are kept
            lineage = ExpectedReport.objects.restrict(SYSTEM).filter(period_id__in=period_ids, agency_id__in=taken_over)
            yield from lineage.order_by().values_list(*columns).iterator(_CHUNK)


def _expected(
    user: Any, period_ids: list[int], scope: set[int] | None, links: dict[int, list[int]]
) -> dict[int, dict[int, int]]:
    """Period → {agency: block} of the reader's expected rows, and of those of the agencies its agencies
    took over (see the module)."""
    expected: dict[int, dict[int, int]] = {pk: {} for pk in period_ids}
    for period_id, agency_id, block_id in _expected_rows(user, period_ids, scope, links):
        expected[period_id][agency_id] = block_id
    return expected


def _predecessors(agencies: set[int], links: dict[int, list[int]]) -> set[int]:
    """``agencies`` and every agency whose chain of successors reaches one of them."""
    before: dict[int, list[int]] = defaultdict(list)
    for source, targets in links.items():
        for target in targets:
            before[target].append(source)
    found, todo = set(agencies), [a for a in agencies if a in before]
    while todo:
        for source in before.get(todo.pop(), ()):
            if source not in found:
                found.add(source)
                todo.append(source)
    return found


# The large reads (expected rows, reports) are streamed in chunks rather than kept whole: 16,000 row
# tuples alive at once cost a pass of the garbage collector more than they cost to fetch.
_CHUNK = 2000

_AGENCY_COLUMNS = ("pk", "code", "name", "path", "active_from", "active_to")


def _agencies(expected: set[int], links: dict[int, list[int]]) -> dict[int, Any]:
    """id → (id, code, name, path, active_from, active_to) of the expected agencies and their successors
    (through chains): read as the system, for the lineage (see the module)."""
    found: dict[int, Any] = {}
    wanted = set(expected)
    while wanted:
        rows = Agency.objects.restrict(SYSTEM).filter(pk__in=wanted).order_by().values_list(*_AGENCY_COLUMNS)
        found.update((row[0], row) for row in rows)
        wanted = {t for a in wanted for t in links.get(a, ())} - set(found)
    return found


def _units(
    expected: dict[int, int],
    day: date,
    tree: list[int],
    agencies: dict[int, Any],
    links: dict[int, list[int]],
    scope: set[int] | None,
) -> tuple[dict[int, int], dict[int, list[int]]]:
    """One period's units → the block of the first expected agency (in tree order) they answer for, in
    the order first met; and, for the units that answer for others, the expected agencies behind them."""
    units: dict[int, int] = {}
    answers: dict[int, list[int]] = {}
    for agency_id in tree:
        block_id = expected.get(agency_id)
        if block_id is None:
            continue
        if _active(agencies[agency_id], day):  # the common case: the agency answers for itself
            responsible: Iterable[int] = (agency_id,)
        else:
            responsible = _responsible(agency_id, day, agencies, links)
        for unit in responsible:
            if scope is not None and unit not in scope:
                continue
            if unit not in units:
                units[unit] = block_id
                if unit != agency_id:
                    answers[unit] = [agency_id]
            else:
                answers.setdefault(unit, [unit]).append(agency_id)
    return units, answers


def _responsible(agency_id: int, day: date, agencies: dict[int, Any], links: dict[int, list[int]]) -> list[int]:
    """The agency itself if active on ``day``, else its successors active then (through chains);
    itself again when none is (it ended with nobody taking over)."""
    if _active(agencies[agency_id], day):
        return [agency_id]
    found: list[int] = []
    seen, todo = {agency_id}, list(links.get(agency_id, ()))
    while todo:
        successor = todo.pop(0)
        if successor in seen:
            continue
        seen.add(successor)
        if _active(agencies[successor], day):
            found.append(successor)
        else:
            todo += links.get(successor, ())
    return found or [agency_id]


def _active(row: Any, day: date) -> bool:
    active_from, active_to = row[4], row[5]
    return bool(active_from <= day and (active_to is None or active_to >= day))


def _ref(row: Any) -> AgencyRef:
    return AgencyRef(row[0], row[1], row[2], row[3])


def _end_of(day: date) -> datetime:
    """The first moment after ``day`` in the province's time zone: submitted before it is submitted by then."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())


def _reports(
    user: Any, periods: Sequence[ReportingPeriod], as_of: date | None
) -> dict[int, dict[int, tuple[str, Status]]]:
    """Period → {agency: (state, status)}; the status worked out in SQL against each period's deadline
    (and the as-of day), in local time."""
    not_yet = Q(first_submitted_at__isnull=True)
    if as_of is not None:
        not_yet |= Q(first_submitted_at__gte=_end_of(as_of))
    on_time = [
        When(period_id=p.pk, first_submitted_at__lt=_end_of(p.deadline), then=Value(Status.ON_TIME)) for p in periods
    ]
    status = Case(When(not_yet, then=Value(Status.MISSING)), *on_time, default=Value(Status.LATE))
    rows = (
        Report.objects.restrict(user)
        .filter(period_id__in=[p.pk for p in periods])
        .order_by()
        .annotate(timeliness=status)
    )
    status_of = {s.value: s for s in Status}  # a dict look-up: Status(text) costs ten times more
    # A dozen (state, status) pairs shared by all rows: 16,000 tuples kept alive would wake the
    # garbage collector's full passes, which cost more than the rest of the matrix.
    pairs: dict[tuple[str, str], tuple[str, Status]] = {}
    found: dict[int, dict[int, tuple[str, Status]]] = defaultdict(dict)
    for p, a, state, timeliness in rows.values_list("period_id", "agency_id", "state", "timeliness").iterator(_CHUNK):
        pair = pairs.get((state, timeliness))
        if pair is None:
            pair = pairs[state, timeliness] = (state, status_of[timeliness])
        found[p][a] = pair
    return found


def submitted_at(user: Any, found: Sequence[Cell]) -> dict[tuple[int, int], datetime | None]:
    """(period, agency) → first submission of the given cells (for a page listing a few of them)."""
    pairs = Q(pk__in=[])
    for cell in found:
        pairs |= Q(period_id=cell.period_id, agency_id=cell.agency.id)
    rows = Report.objects.restrict(user).filter(pairs).values_list("period_id", "agency_id", "first_submitted_at")
    return {(p, a): at for p, a, at in rows}


# Completeness by block


def completeness(user: Any, periods: Sequence[ReportingPeriod], as_of: date | None = None) -> list[PeriodCompleteness]:
    """For each period: one group per block (in block code order) and the period's total."""
    by_period: dict[int, list[Cell]] = defaultdict(list)
    for cell in cells(user, periods, as_of):
        by_period[cell.period_id].append(cell)
    day = as_of or timezone.localdate()
    return [_period_completeness(p, by_period[p.pk], day) for p in periods]


def _period_completeness(period: ReportingPeriod, period_cells: list[Cell], as_of: date) -> PeriodCompleteness:
    blocks = by_block(period_cells)
    total = Group("all", "", period_cells)
    return PeriodCompleteness(period, as_of, blocks, total)


def by_block(some: Iterable[Cell]) -> list[Group]:
    """The cells grouped by block, in block code order: for one period, or summed over several."""
    groups: dict[int, Group] = {}
    for cell in some:
        if cell.block.id not in groups:
            groups[cell.block.id] = Group(cell.block.code, cell.block.name)
        groups[cell.block.id].cells.append(cell)
    return sorted(groups.values(), key=lambda g: g.key)


def over_periods(user: Any, periods: Sequence[ReportingPeriod], as_of: date | None = None) -> list[Group]:
    """The counts of several periods summed by block (a unit owing four quarters counts four times)."""
    return by_block(cells(user, periods, as_of))


# The matrix: agencies × periods


@dataclass
class MatrixRow:
    agency: AgencyRef
    block: BlockRef
    cells: list[Cell | None]  # one per period of the matrix; None where the agency owed nothing


@dataclass
class Matrix:
    periods: list[ReportingPeriod]
    rows: list[MatrixRow]
    blocks: list[BlockRef]  # every block of the matrix (before filtering), for the page's choice


def matrix(
    user: Any,
    periods: Sequence[ReportingPeriod],
    blocks: Iterable[Block | int] | None = None,
    as_of: date | None = None,
) -> Matrix:
    """Responsible units × ``periods``: each row's block is its block in the first period it owes;
    ``blocks`` keeps the rows of those blocks only."""
    periods = list(periods)
    column = {p.pk: i for i, p in enumerate(periods)}
    rows: dict[int, MatrixRow] = {}
    all_blocks: dict[int, BlockRef] = {}
    for cell in cells(user, periods, as_of):
        all_blocks.setdefault(cell.block.id, cell.block)
        row = rows.get(cell.agency.id)
        if row is None:
            row = rows[cell.agency.id] = MatrixRow(cell.agency, cell.block, [None] * len(periods))
        row.cells[column[cell.period_id]] = cell
    kept = list(rows.values())
    if blocks is not None:
        wanted = {b if isinstance(b, int) else b.pk for b in blocks}
        kept = [r for r in kept if r.block.id in wanted]
    kept.sort(key=lambda r: (r.block.code, r.agency.path, r.agency.code))
    return Matrix(periods, kept, sorted(all_blocks.values(), key=lambda b: b.code))


# What an agency owes


@dataclass(frozen=True)
class Owed:
    period: ReportingPeriod
    cell: Cell
    overdue: bool
    days_left: int  # negative once overdue

    @property
    def days_late(self) -> int:
        return max(0, -self.days_left)


def owed(user: Any, today: date) -> list[Owed]:
    """What the user's agencies (as focal officer or head) owe: their reports of opened periods not
    submitted yet, and those returned for changes; the overdue first, then by deadline."""
    condition = agency_q(user, REPORT_ROLES["edit"])
    if condition is None:  # an administrator (or the system) holds no agency of its own
        return []
    mine = set(Agency.objects.filter(condition).values_list("pk", flat=True))
    if not mine:
        return []
    periods = list(open_periods(user))
    by_id = {p.pk: p for p in periods}
    found = [
        Owed(by_id[c.period_id], c, today > by_id[c.period_id].deadline, (by_id[c.period_id].deadline - today).days)
        for c in cells(user, periods, as_of=today)
        if c.agency.id in mine and (c.status == Status.MISSING or c.returned)
    ]
    return sorted(found, key=lambda o: (o.period.deadline, o.cell.agency.path))


def open_periods(user: Any) -> Any:
    """The opened periods the reader reads: its coordinators' and readers', and those its agencies
    (or the agencies they took over) are expected in."""
    agencies = _scope(user)
    seen = ReportingPeriod.objects.restrict(user).values("pk")
    if agencies is None:
        condition = Q(pk__in=seen) | Q(expected__isnull=False)
    else:
        lineage = _predecessors(agencies, _successor_links())
        taken = ExpectedReport.objects.restrict(SYSTEM).filter(agency_id__in=lineage).values("period_id")
        condition = Q(pk__in=seen) | Q(pk__in=taken)
    opened = ReportingPeriod.objects.filter(opened_at__isnull=False).filter(condition).distinct()
    return opened.select_related("owner").order_by("deadline", "owner__path")
