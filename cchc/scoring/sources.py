"""Figures the index reads from the rest of the system, where those modules exist.

- ``late_rate``: the late-dossier rate of DESIGN §6 from the dossier statistics (``cchc.dossiers.stats``)
  when they hold the agency's dossiers of the year; otherwise the rate recorded on the assessment.
- ``online_rate``: the online rate from the dossier statistics, against the year's target for the
  agency's kind (``cchc.dossiers.models.Target``): the figure is the share of the target reached.
- ``satisfaction``: the agency's satisfaction of the year from the surveys (``cchc.surveys.stats``:
  the mean of its five element indices over its counted forms) when it has counted forms; otherwise
  the figure recorded on the assessment. The figure's source says which (``surveys`` or ``recorded``).
- ``task_completion``: the agency's on-time rate of the year's tasks it leads, from the plans
  (``cchc.plans.stats.task_stats``: done on time ÷ assigned, as of the year's end or today while it
  runs). An agency that leads no task of the year has no figure (not 0 %).
- ``report_timeliness``: the share of the agency's expected periodic reports of the year that were
  submitted on time, from the reports' completeness (``cchc.reports.completeness.cells``: the frozen
  expected set followed through merges), counting the periods whose deadline has passed. An agency
  owing no report yet has no figure.

``COMPUTABLE`` says which sources compute; a criterion on any other is scored by hand.

Every function takes many assessments at once so that a ranking of thousands of agencies costs a few
queries, not a few per agency. A figure keeps its source, so that results can say what they stand on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency
from cchc.core.formatting import format_number, format_percent
from cchc.core.scope import SYSTEM
from cchc.scoring.models import FigureSource, Method

FEW = 500  # up to this many agencies are named by id in the dossier statistics' query
# The sources a module of this installation computes (the others are scored by hand for now).
COMPUTABLE = frozenset({"late_rate", "online_rate", "satisfaction", "task_completion", "report_timeliness"})


@dataclass(frozen=True)
class Figure:
    """A fraction the index uses, where it came from, and (online rate) the rate and its target."""

    value: Decimal | None
    source: str = FigureSource.NONE
    rate: Decimal | None = None
    target: Decimal | None = None

    @property
    def shown(self) -> Decimal | None:
        """What a person is shown: the rate itself (the value is the share of its target, if any)."""
        return self.rate if self.rate is not None else self.value


NO_FIGURE = Figure(None)


def source_of(criterion: Any) -> str:
    """The source a computed or survey criterion reads ("" for a manual or deduction one)."""
    if criterion.method == Method.SURVEY:
        return criterion.source or "satisfaction"
    return criterion.source if criterion.method == Method.COMPUTED else ""


def is_computed(criterion: Any) -> bool:
    """Whether the system gives this criterion its points (so nobody types them)."""
    return source_of(criterion) in COMPUTABLE


def _dossier_stats() -> Any | None:
    if not apps.is_installed("cchc.dossiers"):
        return None
    try:
        stats = import_module("cchc.dossiers.stats")
    except ImportError:
        return None
    needed = ("agency_counts", "Indicators", "handler_late_rates")
    return stats if all(hasattr(stats, name) for name in needed) else None


def year_span(year: int) -> tuple[date, date]:
    """The year, up to today while it runs (what is overdue is counted as of today)."""
    return date(year, 1, 1), min(date(year, 12, 31), timezone.localdate())


def dossier_rates(agency_ids: Iterable[int], year: int) -> dict[int, dict[str, Decimal | None]]:
    """agency id → the rates of DESIGN §6 for the year, from the dossier statistics (empty without them)."""
    stats = _dossier_stats()
    ids = list(agency_ids)
    if stats is None or not ids:
        return {}
    start, end = year_span(year)
    if end < start:
        return {}
    # A page or a block names its few agencies; a ranking of thousands reads the year's assessed agencies
    # as a subquery (thousands of ids as parameters cost more to build than the rows cost to read).
    assessed = import_module("cchc.scoring.models").Assessment.objects.filter(year=year).values("agency_id")
    scope = ids if len(ids) <= FEW else assessed
    wanted = set(ids)
    found: dict[int, dict[str, Decimal | None]] = {}
    for agency_id, counts in stats.agency_counts(start, end, user=SYSTEM, agencies=scope).items():
        if agency_id in wanted:
            indicators = stats.Indicators(str(agency_id), "")
            indicators.add(counts)
            found[agency_id] = indicators.rates
    return found


def online_targets(year: int) -> dict[str, Decimal]:
    """agency kind → the year's online-rate target as a fraction (dossier targets, when that app has them)."""
    if _dossier_stats() is None:
        return {}
    target = import_module("cchc.dossiers.models").Target
    rows = target.objects.filter(year=year, online_rate_min__isnull=False).values_list("kind", "online_rate_min")
    return {kind: Decimal(value) / 100 for kind, value in rows}


def figures(source: str, assessments: list[Any]) -> dict[int, Figure]:
    """assessment id → the figure ``source`` gives for its agency and year."""
    if source not in COMPUTABLE:
        return {a.pk: NO_FIGURE for a in assessments}
    if source in FEEDS:
        return _fed(FEEDS[source], assessments)
    rates: dict[tuple[int, int], dict[str, Decimal | None]] = {}
    targets: dict[int, dict[str, Decimal]] = {}
    if source in ("late_rate", "online_rate"):
        by_year: dict[int, list[int]] = defaultdict(list)
        for a in assessments:
            by_year[a.year].append(a.agency_id)
        for year, ids in by_year.items():
            rates.update({(year, k): v for k, v in dossier_rates(ids, year).items()})
            if source == "online_rate":
                targets[year] = online_targets(year)
    if source == "satisfaction":
        return _satisfaction(assessments)
    found: dict[int, Figure] = {}
    for a in assessments:
        from_dossiers = rates.get((a.year, a.agency_id), {})
        if source == "online_rate":
            found[a.pk] = _online(from_dossiers.get("online_rate"), targets[a.year].get(a.agency.kind))
        elif from_dossiers.get(source) is not None:
            found[a.pk] = Figure(from_dossiers[source], FigureSource.DOSSIERS)
        else:
            recorded = getattr(a, source, None)
            found[a.pk] = NO_FIGURE if recorded is None else Figure(Decimal(str(recorded)), FigureSource.RECORDED)
    return found


def task_on_time_rates(agency_ids: Iterable[int], year: int) -> dict[int, Decimal]:
    """agency id → done on time ÷ assigned of the year's tasks it leads (``task_stats``, read as the
    system); an agency leading no task is absent. One grouped query whatever the number of agencies."""
    if not apps.is_installed("cchc.plans"):
        return {}
    from cchc.plans.stats import task_stats

    ids = list(agency_ids)
    start, end = year_span(year)
    if not ids or end < start:
        return {}
    # As the dossier rates: a few agencies by id, a ranking's thousands through the year's assessments.
    scope = ids if len(ids) <= FEW else _assessed(year)
    codes = dict(Agency.objects.filter(pk__in=scope).values_list("code", "pk"))
    found = {}
    for group in task_stats(year, user=SYSTEM, as_of=end, by="agency", agencies=scope):
        rate = group.on_time_rate
        if rate is not None and group.key in codes:
            found[codes[group.key]] = Decimal(rate)
    return found


def report_on_time_rates(agency_ids: Iterable[int], year: int) -> dict[int, Decimal]:
    """agency id → reports submitted on time ÷ reports expected of it in the year's opened periods whose
    deadline has passed (``completeness.cells``, read as the system, the one definition of on time and
    of who answers for whom); an agency owing none is absent. A few queries whatever the number."""
    if not apps.is_installed("cchc.reports"):
        return {}
    from cchc.reports.completeness import Status, cells
    from cchc.reports.models import ReportingPeriod

    wanted = set(agency_ids)
    today = timezone.localdate()
    periods = list(
        ReportingPeriod.objects.filter(year=year, opened_at__isnull=False, deadline__lte=today).order_by("deadline")
    )
    if not wanted or not periods:
        return {}
    expected: dict[int, int] = defaultdict(int)
    on_time: dict[int, int] = defaultdict(int)
    for cell in cells(SYSTEM, periods, as_of=today):
        if cell.agency.id in wanted:
            expected[cell.agency.id] += 1
            on_time[cell.agency.id] += cell.status == Status.ON_TIME
    return {pk: Decimal(on_time[pk]) / Decimal(n) for pk, n in expected.items() if n}


# Sources read from another module: the function giving agency id → fraction for a year, and the origin.
FEEDS: dict[str, tuple[Any, str]] = {
    "task_completion": (task_on_time_rates, FigureSource.TASKS),
    "report_timeliness": (report_on_time_rates, FigureSource.REPORTS),
}


def _assessed(year: int) -> Any:
    return import_module("cchc.scoring.models").Assessment.objects.filter(year=year).values("agency_id")


def _fed(feed: tuple[Any, str], assessments: list[Any]) -> dict[int, Figure]:
    """The figures of a source another module computes, one call per year for all the assessments."""
    function, origin = feed
    by_year: dict[int, list[int]] = defaultdict(list)
    for a in assessments:
        by_year[a.year].append(a.agency_id)
    rates = {(year, pk): rate for year, ids in by_year.items() for pk, rate in function(ids, year).items()}
    wanted = {(a.year, a.agency_id) for a in assessments}
    rates = {key: rate for key, rate in rates.items() if key in wanted}
    found = {}
    for a in assessments:
        rate = rates.get((a.year, a.agency_id))
        found[a.pk] = NO_FIGURE if rate is None else Figure(rate, origin)
    return found


def survey_satisfaction(agency_ids: Iterable[int], year: int) -> dict[int, Decimal]:
    """agency id → its satisfaction of the year from the surveys (agencies with counted forms only);
    empty without the surveys module. Two grouped queries whatever the number of agencies."""
    if not apps.is_installed("cchc.surveys"):
        return {}
    from cchc.surveys.stats import satisfaction_of_agencies

    ids = list(agency_ids)
    if not ids:
        return {}
    # A few agencies by id; a ranking's thousands through the year's assessments (a subquery).
    scope: Any = (
        ids
        if len(ids) <= FEW
        else import_module("cchc.scoring.models").Assessment.objects.filter(year=year).values("agency_id")
    )
    wanted = set(ids)
    groups = satisfaction_of_agencies(year, scope, user=SYSTEM)
    return {pk: g.satisfaction for pk, g in groups.items() if pk in wanted and g.satisfaction is not None}


def _satisfaction(assessments: list[Any]) -> dict[int, Figure]:
    """The surveys' satisfaction where the agency has counted forms of the year, else the recorded one."""
    by_year: dict[int, list[int]] = defaultdict(list)
    for a in assessments:
        by_year[a.year].append(a.agency_id)
    surveyed = {
        (year, pk): value for year, ids in by_year.items() for pk, value in survey_satisfaction(ids, year).items()
    }
    found: dict[int, Figure] = {}
    for a in assessments:
        value = surveyed.get((a.year, a.agency_id))
        if value is not None:
            found[a.pk] = Figure(value.quantize(Decimal("0.000001")), FigureSource.SURVEYS)
        else:
            recorded = getattr(a, "satisfaction", None)
            found[a.pk] = NO_FIGURE if recorded is None else Figure(Decimal(str(recorded)), FigureSource.RECORDED)
    return found


def _online(rate: Decimal | None, target: Decimal | None) -> Figure:
    """The share of the target reached (capped at 1); the rate itself where the year has no target."""
    if rate is None:
        return NO_FIGURE
    if not target:
        return Figure(rate, FigureSource.DOSSIERS, rate, None)
    return Figure(min(Decimal(1), rate / target), FigureSource.DOSSIERS, rate, target)


def describe(source: str, value: Decimal | None, origin: str, target: Decimal | None = None) -> str:
    """The figure (as stored on a score: the rate, and its target) as a person reads it beside the points."""
    if value is None:
        if source not in COMPUTABLE:
            return _("Not computed yet: the module that holds this figure is not installed; scored by hand.")
        if source == "task_completion":
            return _(
                "No figure: the agency leads no task in the plans of the year (not a rate of zero); the council appraises it."
            )
        if source == "report_timeliness":
            return _(
                "No figure: no periodic report of the year is due from the agency yet (not a rate of zero); the council appraises it."
            )
        return _("No figure yet: the points count as 0 until there is one.")
    where = str(FigureSource(origin).label) if origin in FigureSource.values else ""
    if source == "online_rate":
        if target:
            text = _("online rate %(rate)s against a target of %(target)s: %(share)s of the target") % {
                "rate": format_percent(value),
                "target": format_percent(target),
                "share": format_percent(min(Decimal(1), value / target)),
            }
        else:
            text = _("online rate %(rate)s (no target for this year)") % {"rate": format_percent(value)}
    else:
        names = {
            "late_rate": _("late-dossier rate"),
            "satisfaction": _("satisfaction"),
            "task_completion": _("tasks done on time"),
            "report_timeliness": _("periodic reports submitted on time"),
        }
        text = f"{names.get(source, source)} {format_percent(value)}"
    return f"{text} ({where})" if where else text


def officer_late_rates(agency_ids: Iterable[int], year: int) -> dict[str, list[tuple[str, Decimal]]]:
    """agency code → [(officer, late rate)] from the dossier statistics (rule 3); empty without them."""
    stats = _dossier_stats()
    ids = list(agency_ids)
    if stats is None or not ids:
        return {}
    start, end = year_span(year)
    if end < start:
        return {}
    found: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for row in stats.handler_late_rates(start, end, user=SYSTEM, agencies=ids):
        if row.get("late_rate") is not None and row.get("handler"):
            found[row["agency__code"]].append((row["handler"], Decimal(str(row["late_rate"]))))
    return found


def mapped_points(mapping: list[list[float]], value: Decimal | None, max_points: Decimal) -> Decimal | None:
    """Points of a computed criterion: the first ``[threshold, points]`` pair the value meets.

    Thresholds that rise mean "at most" (a rate that should stay low: 0.02:2; 0.05:1), thresholds
    that fall mean "at least" (a rate that should be high: 0.9:2; 0.8:1). Without a mapping the
    points are proportional to the value (max × value).
    """
    if value is None:
        return None
    if not mapping:
        return min(max_points, (max_points * value).quantize(Decimal("0.01")))
    rising = len(mapping) < 2 or mapping[0][0] <= mapping[-1][0]
    for threshold, points in mapping:
        met = value <= Decimal(str(threshold)) if rising else value >= Decimal(str(threshold))
        if met:
            return min(max_points, Decimal(str(points)))
    return Decimal(0)


def mapping_text(mapping: list[list[float]], max_points: Decimal) -> str:
    """The mapping as a person reads it: "≤ 2,00%: 10 điểm; ≤ 5,00%: 5 điểm; otherwise 0"."""
    if not mapping:
        return _("points = %(max)s × the figure") % {"max": format_number(max_points, 2)}
    rising = len(mapping) < 2 or mapping[0][0] <= mapping[-1][0]
    sign = "≤" if rising else "≥"
    parts = [
        _("%(sign)s %(threshold)s: %(points)s points")
        % {
            "sign": sign,
            "threshold": format_percent(Decimal(str(threshold))),
            "points": format_number(Decimal(str(points)), 2),
        }
        for threshold, points in mapping
    ]
    return "; ".join([*parts, _("otherwise 0")])
