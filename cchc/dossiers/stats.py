"""The indicators of DESIGN §6 for any period and as-of day, read from the aggregates only.

Flows of a period come from whole months (``MonthlyCount``'s columns) plus the days of its partial
months (``MonthDetail``'s packed ``days``); stocks at a day D are running sums up to D (months before
D's month, then D's month day by day). A province-year is a few thousand aggregate rows whatever the
number of dossiers.

Every function takes the reader (``user``: the request's user, or ``SYSTEM`` for a command or the
ranking) and reads the aggregate rows through each table's own ``restrict``: a reader sees the
agencies its roles give it on that table (``scope_roles``), and nothing without a reader.
``agencies`` only narrows that further (a block's members, one agency); it never widens it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Model, OuterRef, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.agencies.models import Agency, AgencyKind, BlockMembership
from cchc.core.formatting import DASH, format_number, format_percent, ratio
from cchc.dossiers.models import (
    MEASURES,
    HandlerMonthlyCount,
    MonthDetail,
    MonthlyCount,
    Procedure,
    ProcedureLevel,
    month_after,
)

COUNTS = (
    "received",
    "carried_over",
    "resolved",
    "early",
    "on_time",
    "late",
    "pending",
    "pending_in_time",
    "pending_overdue",
    "returned",
    "withdrawn",
    "online",
    "online_eligible",
    "paid_online",
    "fee_amount",
    "with_fee",
    "postal",
    "sms",
    "digitized",
)
RATES = (
    "early_share",
    "on_time_share",
    "late_share",
    "on_time_rate",
    "late_rate",
    "online_rate",
    "sms_per_dossier",
    "digitized_rate",
    "online_payment_rate",
)
FLOWS: tuple[str, ...] = ("received", "early", "on_time", "late", "returned", "withdrawn", "online", "online_eligible")
FLOWS += ("paid_online", "fee_amount", "with_fee", "postal", "sms", "digitized")
GROUPINGS = ("none", "level", "kind", "block", "agency")
BREAKDOWNS = (*GROUPINGS, "field", "procedure", "procedure_level", "month", "quarter")

LABELS = {
    "received": gettext_lazy("Received"),
    "carried_over": gettext_lazy("Carried over"),
    "resolved": gettext_lazy("Resolved"),
    "early": gettext_lazy("Early"),
    "on_time": gettext_lazy("On time"),
    "late": gettext_lazy("Late"),
    "pending": gettext_lazy("Pending"),
    "pending_in_time": gettext_lazy("Pending within deadline"),
    "pending_overdue": gettext_lazy("Pending overdue"),
    "returned": gettext_lazy("Returned"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "online": gettext_lazy("Online"),
    "online_eligible": gettext_lazy("Of procedures published online"),
    "paid_online": gettext_lazy("Paid online"),
    "fee_amount": gettext_lazy("Fees paid (đồng)"),
    "with_fee": gettext_lazy("With a fee"),
    "online_payment_rate": gettext_lazy("Online payment rate"),
    "postal": gettext_lazy("By post"),
    "sms": gettext_lazy("SMS"),
    "digitized": gettext_lazy("Digitised"),
    "early_share": gettext_lazy("Early share"),
    "on_time_share": gettext_lazy("On-time share"),
    "late_share": gettext_lazy("Late share"),
    "on_time_rate": gettext_lazy("On-time rate"),
    "late_rate": gettext_lazy("Late rate"),
    "online_rate": gettext_lazy("Online rate"),
    "sms_per_dossier": gettext_lazy("SMS per dossier"),
    "digitized_rate": gettext_lazy("Digitised rate"),
}

# Administrative tier of an agency kind, as the seeds report it: "cấp tỉnh / cấp huyện / cấp xã", and
# the vertically managed agencies apart ("khối cơ quan ngành dọc", seeds 002 and 003).
LEVEL_OF_KIND = {
    AgencyKind.PROVINCE: "province",
    AgencyKind.DEPARTMENT: "province",
    AgencyKind.VERTICAL: "vertical",
    AgencyKind.PUBLIC_SERVICE: "province",
    AgencyKind.DISTRICT: "district",
    AgencyKind.COMMUNE: "commune",
}
LEVEL_NAMES = {
    "province": gettext_lazy("Provincial level"),
    "district": gettext_lazy("District level"),
    "commune": gettext_lazy("Commune level"),
    "vertical": gettext_lazy("Vertically managed agencies"),
}


# Each rate as (counts summed above the line, counts summed below it); ``RATES`` order.
RATE_TERMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "early_share": (("early",), ("resolved",)),
    "on_time_share": (("on_time",), ("resolved",)),
    "late_share": (("late",), ("resolved",)),
    "on_time_rate": (("early", "on_time"), ("resolved",)),
    "late_rate": (("late", "pending_overdue"), ("resolved", "pending")),
    "online_rate": (("online",), ("online_eligible",)),
    "sms_per_dossier": (("sms",), ("received",)),
    "digitized_rate": (("digitized",), ("received",)),
    "online_payment_rate": (("paid_online",), ("with_fee",)),
}


@dataclass
class Indicators:
    """The counts and rates of one group (the whole selection, an agency, a block, …)."""

    key: str
    name: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    link: str = ""  # the drill-down page of the group, where there is one

    def add(self, counts: dict[str, int]) -> None:
        for k in COUNTS:
            self.counts[k] += counts.get(k, 0)

    def __getattr__(self, name: str) -> Any:
        counts = self.__dict__.get("counts", {})
        if name in counts:
            return counts[name]
        if name in RATE_TERMS:
            return self.rate(name)
        raise AttributeError(name)

    @property
    def rates(self) -> dict[str, Decimal | None]:
        return {name: self.rate(name) for name in RATES}

    def rate(self, name: str) -> Decimal | None:
        """One rate (a table cell asks for one; working out all nine per cell cost the page by
        agency a third of its time)."""
        numerator, denominator = RATE_TERMS[name]
        c = self.counts
        return ratio(sum(c[k] for k in numerator), sum(c[k] for k in denominator))

    def rate_text(self, name: str) -> str:
        value = self.rate(name)
        if name == "sms_per_dossier":
            return DASH if value is None else format_number(value, 2)
        return format_percent(value)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "name": self.name, **self.counts}
        for name, value in self.rates.items():
            data[name] = {"value": None if value is None else round(float(value), 6), "text": self.rate_text(name)}
        return data


# Reading the aggregates


@dataclass(frozen=True)
class Scope:
    """The aggregate rows a reader may see (each table's ``scope_roles``), within ``agencies`` if given."""

    user: Any
    agencies: Any = None  # a queryset of agencies or ids: narrows the reader's scope, never widens it

    def rows(self, model: type[Model]) -> QuerySet[Any]:
        rows = model.objects.restrict(self.user)  # type: ignore[attr-defined]
        return rows if self.agencies is None else rows.filter(agency_id__in=self.agencies)


def _sums(queryset: QuerySet[Any], group: str, measures: Iterable[str] = MEASURES) -> dict[Any, dict[str, int]]:
    rows = queryset.values(group).annotate(**{m: Sum(m) for m in measures}).order_by()
    return {row.pop(group): {k: int(v or 0) for k, v in row.items()} for row in rows}


def _merge(*parts: dict[Any, dict[str, int]]) -> dict[Any, dict[str, int]]:
    merged: dict[Any, dict[str, int]] = {}
    for part in parts:
        for key, values in part.items():
            total = merged.setdefault(key, dict.fromkeys(values, 0))
            for k, v in values.items():
                total[k] = total.get(k, 0) + v
    return merged


INDEX = {m: i for i, m in enumerate(MEASURES)}


def _day_sums(scope: Scope, start: date, end: date, measures: Iterable[str] = MEASURES) -> dict[Any, dict[str, int]]:
    """Sums per agency of the days [start, end], read from the packed ``days`` of their month rows."""
    wanted = [(m, INDEX[m]) for m in measures]
    rows = (
        scope.rows(MonthDetail)
        .filter(month__gte=start.replace(day=1), month__lte=end)
        .values_list("agency_id", "month", "days")
    )
    result: dict[Any, dict[str, int]] = {}
    for agency, month, days in rows.iterator():
        first = start.day if (month.year, month.month) == (start.year, start.month) else 1
        last = end.day if (month.year, month.month) == (end.year, end.month) else 31
        total = result.setdefault(agency, dict.fromkeys(measures, 0))
        for day, vector in days.items():
            if first <= int(day) <= last:
                for name, i in wanted:
                    total[name] += vector[i]
    return result


def _procedure_flows(rows: QuerySet[MonthDetail], first: date, last: date) -> dict[str, list[int]]:
    """Per procedure code, the measures of the months [first, last] from the packed ``procedures``."""
    width = len(MEASURES)
    flows: dict[str, list[int]] = {}
    for packed in rows.filter(month__range=(first, last)).values_list("procedures", flat=True).iterator():
        for code, vector in packed.items():
            total = flows.get(code) or flows.setdefault(code, [0] * width)
            for i in range(width):
                total[i] += vector[i]
    return flows


def _procedure_stocks(rows: QuerySet[MonthDetail], before: date) -> dict[str, list[int]]:
    """Per procedure code, [pending, overdue] at the end of the month before ``before``: the sum over
    agencies of each agency's last month row before it (its ``procedure_stocks``)."""
    last = Subquery(
        MonthDetail.objects.filter(agency_id=OuterRef("agency_id"), month__lt=before)
        .order_by("-month")
        .values("month")[:1]
    )
    stocks: dict[str, list[int]] = {}
    for packed in rows.filter(month=last).values_list("procedure_stocks", flat=True).iterator():
        for code, (pending, overdue) in packed.items():
            total = stocks.get(code) or stocks.setdefault(code, [0, 0])
            total[0] += pending
            total[1] += overdue
    return stocks


def _flows(start: date, end: date, scope: Scope) -> dict[Any, dict[str, int]]:
    """Flow measures per agency over [start, end]: whole months from the monthly table, edges by day."""
    first_full = start if start.day == 1 else month_after(start)
    after_last_full = (
        month_after(end).replace(day=1) if month_after(end) - timedelta(days=1) == end else end.replace(day=1)
    )
    if first_full >= after_last_full:
        return _day_sums(scope, start, end)
    parts = [_sums(scope.rows(MonthlyCount).filter(month__gte=first_full, month__lt=after_last_full), "agency_id")]
    if start < first_full:
        parts.append(_day_sums(scope, start, first_full - timedelta(days=1)))
    if after_last_full <= end:
        parts.append(_day_sums(scope, after_last_full, end))
    return _merge(*parts)


STOCK_MEASURES = ("received", "closed", "overdue_in", "overdue_out")


def _stocks(day: date, scope: Scope) -> dict[Any, tuple[int, int]]:
    """(pending, overdue) per agency at the end of ``day``: running sums of the deltas up to it."""
    month = day.replace(day=1)
    if month_after(day) - timedelta(days=1) == day:  # a month's last day: whole months suffice
        totals = _sums(scope.rows(MonthlyCount).filter(month__lte=month), "agency_id", STOCK_MEASURES)
    else:
        totals = _merge(
            _sums(scope.rows(MonthlyCount).filter(month__lt=month), "agency_id", STOCK_MEASURES),
            _day_sums(scope, month, day, STOCK_MEASURES),
        )
    return {agency: (v["received"] - v["closed"], v["overdue_in"] - v["overdue_out"]) for agency, v in totals.items()}


def agency_counts(
    start: date, end: date, *, user: Any, as_of: date | None = None, agencies: Any = None
) -> dict[int, dict[str, int]]:
    """The counts of DESIGN §6 per agency id the reader may see; ``agencies`` (a queryset or ids) narrows it."""
    return _agency_counts(Scope(user, agencies), start, end, as_of)


def _agency_counts(scope: Scope, start: date, end: date, as_of: date | None) -> dict[int, dict[str, int]]:
    as_of = as_of or end
    flows = _flows(start, end, scope)
    carried = _stocks(start - timedelta(days=1), scope)
    pending = _stocks(as_of, scope)
    result: dict[int, dict[str, int]] = {}
    for agency in set(flows) | set(carried) | set(pending):
        f = flows.get(agency, {})
        counts = {k: f.get(k, 0) for k in FLOWS}
        counts["resolved"] = counts["early"] + counts["on_time"] + counts["late"]
        counts["carried_over"] = carried.get(agency, (0, 0))[0]
        total, overdue = pending.get(agency, (0, 0))
        counts.update(pending=total, pending_overdue=overdue, pending_in_time=total - overdue)
        if any(counts.values()):
            result[agency] = counts
    return result


# Grouping


def group_key(by: str, year: int) -> Callable[[Agency], tuple[str, str]]:
    """agency → (key, name) of its group for ``by``: none, level, kind, block (of ``year``) or agency."""
    if by == "agency":
        return lambda a: (a.code, a.name)
    if by == "kind":
        kinds = dict(AgencyKind.choices)
        return lambda a: (a.kind, str(kinds.get(a.kind, a.kind)))
    if by == "level":
        return lambda a: (LEVEL_OF_KIND[AgencyKind(a.kind)], str(LEVEL_NAMES[LEVEL_OF_KIND[AgencyKind(a.kind)]]))
    if by == "block":
        # The blocks of ``year``; an agency without one that year keeps its nearest year's block.
        blocks: dict[int, tuple[str, str]] = {}
        memberships = BlockMembership.objects.select_related("block")
        for m in sorted(memberships, key=lambda m: (abs(m.year - year), -m.year)):
            blocks.setdefault(m.agency_id, (m.block.code, m.block.name))
        return lambda a: blocks.get(a.pk, ("", _("Not in a block")))
    return lambda a: ("all", _("All agencies"))


def indicators(
    start: date,
    end: date,
    *,
    user: Any,
    as_of: date | None = None,
    by: str = "none",
    agencies: Any = None,
) -> list[Indicators]:
    """One ``Indicators`` per group of what the reader may see, in the order a person reads them (by key)."""
    return _indicators(Scope(user, agencies), start, end, as_of, by)


def total(start: date, end: date, *, user: Any, as_of: date | None = None, agencies: Any = None) -> Indicators:
    return _indicators(Scope(user, agencies), start, end, as_of, "none")[0]


def _indicators(scope: Scope, start: date, end: date, as_of: date | None, by: str) -> list[Indicators]:
    if by in ("month", "quarter"):
        return _by_period(scope, start, end, as_of, by)
    if by in ("field", "procedure", "procedure_level"):
        return _by_procedure(scope, start, end, as_of, by)
    return _period(scope, start, end, as_of).group(by)


@dataclass
class PeriodCounts:
    """The counts of one period per agency, read once and grouped as many ways as a page shows them
    (the indicator page: by agency or block, the total, and by kind for its chart)."""

    counts: dict[int, dict[str, int]]
    agencies: list[Agency]
    year: int

    def group(self, by: str) -> list[Indicators]:
        """One ``Indicators`` per group of ``by`` (one of ``GROUPINGS``), by key, as ``indicators`` gives them."""
        key_of = group_key(by, self.year)
        groups: dict[str, Indicators] = {}
        if by == "none":
            groups["all"] = Indicators("all", _("All agencies"))
        for agency in self.agencies:
            key, name = key_of(agency)
            groups.setdefault(key, Indicators(key, name)).add(self.counts[agency.pk])
        return sorted(groups.values(), key=lambda g: g.key)


def period_counts(
    start: date, end: date, *, user: Any, as_of: date | None = None, agencies: Any = None
) -> PeriodCounts:
    """The counts per agency of [start, end] for ``user`` (narrowed to ``agencies``), to group with ``group``."""
    return _period(Scope(user, agencies), start, end, as_of)


def _period(scope: Scope, start: date, end: date, as_of: date | None) -> PeriodCounts:
    per_agency = _agency_counts(scope, start, end, as_of)
    chosen = Agency.objects.filter(pk__in=list(per_agency)).only("pk", "code", "name", "kind")
    return PeriodCounts(per_agency, list(chosen), end.year)


def _by_period(scope: Scope, start: date, end: date, as_of: date | None, by: str) -> list[Indicators]:
    rows = []
    for first, last in periods(start, end, 3 if by == "quarter" else 1):
        key = f"{first.year}-Q{(first.month - 1) // 3 + 1}" if by == "quarter" else f"{first:%Y-%m}"
        group = _indicators(scope, first, last, min(as_of or last, last), "none")[0]
        group.key, group.name = key, key
        rows.append(group)
    return rows


def periods(start: date, end: date, months: int) -> list[tuple[date, date]]:
    """Calendar months (or quarters) overlapping [start, end], clipped to it."""
    result = []
    first = start.replace(day=1)
    if months == 3:
        first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
    while first <= end:
        following = first
        for _i in range(months):
            following = month_after(following)
        result.append((max(first, start), min(following - timedelta(days=1), end)))
        first = following
    return result


def _by_procedure(scope: Scope, start: date, end: date, as_of: date | None, by: str) -> list[Indicators]:
    """Breakdowns by procedure, field or procedure level, in whole months from start's to end's month."""
    first, last = start.replace(day=1), end.replace(day=1)
    as_of_month = (as_of or end).replace(day=1)
    rows = scope.rows(MonthDetail)
    flows = {code: dict(zip(MEASURES, v, strict=True)) for code, v in _procedure_flows(rows, first, last).items()}
    carried = _procedure_stocks(rows, first)
    pending = _procedure_stocks(rows, month_after(as_of_month))
    catalogue = {p.code: p for p in Procedure.objects.filter(code__in=set(flows) | set(pending))}
    levels = dict(ProcedureLevel.choices)
    groups: dict[str, Indicators] = {}
    for code in set(flows) | set(carried) | set(pending):
        procedure = catalogue.get(code)
        if by == "procedure":
            key, name = code, procedure.name if procedure else _("Not in the catalogue")
        elif by == "field":
            key = procedure.field if procedure else ""
            name = key or _("Not in the catalogue")
        else:
            key = procedure.level if procedure else ""
            name = str(levels.get(key, _("Not in the catalogue")))
        f = flows.get(code, {})
        counts = {k: f.get(k, 0) for k in FLOWS}
        counts["resolved"] = counts["early"] + counts["on_time"] + counts["late"]
        counts["carried_over"] = carried.get(code, [0, 0])[0]
        counts["pending"], counts["pending_overdue"] = pending.get(code, [0, 0])
        counts["pending_in_time"] = counts["pending"] - counts["pending_overdue"]
        if any(counts.values()):
            groups.setdefault(key, Indicators(key, name)).add(counts)
    return sorted(groups.values(), key=lambda g: g.key)


def monthly_trend(start: date, end: date, *, user: Any, agencies: Any = None) -> list[Indicators]:
    """Flows per calendar month from the month of ``start`` to that of ``end`` in one query (charts)."""
    rows = Scope(user, agencies).rows(MonthlyCount).filter(month__range=(start.replace(day=1), end.replace(day=1)))
    sums = _sums(rows, "month", FLOWS)
    result = []
    for first, _last in periods(start.replace(day=1), end, 1):
        group = Indicators(f"{first:%Y-%m}", f"{first.month}/{first.year}")
        flows = sums.get(first, {})
        group.add({**flows, "resolved": sum(flows.get(k, 0) for k in ("early", "on_time", "late"))})
        result.append(group)
    return result


def handler_late_rates(start: date, end: date, *, user: Any, agencies: Any = None) -> list[dict[str, Any]]:
    """Per officer (``handler``): resolved, late and late rate in the months of [start, end] (rule 3, §7),
    of the agencies whose officers' figures the reader may see (``HandlerMonthlyCount.scope_roles``)."""
    rows = (
        Scope(user, agencies)
        .rows(HandlerMonthlyCount)
        .filter(month__range=(start.replace(day=1), end.replace(day=1)))
        .values("agency__code", "agency__name", "handler")
        .annotate(resolved=Sum("resolved"), late=Sum("late"))
        .order_by("agency__code", "handler")
    )
    return [{**row, "late_rate": ratio(row["late"], row["resolved"])} for row in rows if row["resolved"]]


# QĐ 766/QĐ-TTg (2022): the real-time service index, as far as dossier records allow


@dataclass
class IndexPart:
    name: str
    maximum: int
    points: Decimal | None  # None: cannot be computed from the data held (or no dossier to compute it from)
    basis: str
    computable: bool = True  # False: dossier records never give this part


def service_index(group: Indicators) -> list[IndexPart]:
    """The six groups of QĐ 766 (sum 100); the parts the dossier records cannot give have no points."""
    rates = group.rates

    def part(name: str, maximum: int, rate: Decimal | None, basis: str) -> IndexPart:
        points = None if rate is None else (rate * maximum).quantize(Decimal("0.01"))
        return IndexPart(name, maximum, points, basis)

    return [
        IndexPart(
            _("Publicity and transparency"),
            18,
            None,
            _(
                "Cannot be computed: it depends on publication on the national portal, which dossier records do not hold."
            ),
            computable=False,
        ),
        part(
            _("Progress of resolution"), 20, rates["on_time_rate"], _("20 × on-time rate (early + on time) ÷ resolved.")
        ),
        part(
            _("Online service"),
            12,
            rates["online_rate"],
            _("12 × online rate: online dossiers ÷ dossiers of procedures published online."),
        ),
        part(_("Digitisation"), 22, rates["digitized_rate"], _("22 × share of received dossiers digitised.")),
        IndexPart(
            _("Satisfaction"),
            18,
            None,
            _("Cannot be computed from dossier records: it comes from the satisfaction surveys."),
            computable=False,
        ),
        part(
            _("Online payment"),
            10,
            rates["online_payment_rate"],
            _("10 × dossiers paid online ÷ dossiers with a fee (fee amount or online payment in the export)."),
        ),
    ]


def late_rates_by_agency(year: int, *, user: Any, agencies: Any = None) -> dict[str, Decimal | None]:
    """Late-dossier rate of each agency in ``year`` (pending counted at the year's end): rule 1 of DESIGN §7."""
    groups = indicators(date(year, 1, 1), date(year, 12, 31), user=user, by="agency", agencies=agencies)
    return {g.key: g.rates["late_rate"] for g in groups}
