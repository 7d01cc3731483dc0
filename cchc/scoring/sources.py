"""Figures the index reads from the rest of the system, where those modules exist.

The late-dossier rate comes from the dossier statistics (``cchc.dossiers.stats``) when that app is
installed and holds dossiers of the agency in the year; otherwise from the rate recorded or imported
on the assessment. Satisfaction and the other computed sources are read from the assessment until
their modules exist. Every function takes many assessments at once so that a ranking of thousands
of agencies costs a few queries, not a few per agency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from importlib import import_module
from typing import Any

from django.apps import apps

from cchc.core.scope import SYSTEM


def _dossier_stats() -> Any | None:
    if not apps.is_installed("cchc.dossiers"):
        return None
    try:
        stats = import_module("cchc.dossiers.stats")
    except ImportError:
        return None
    needed = ("agency_counts", "Indicators", "handler_late_rates")
    return stats if all(hasattr(stats, name) for name in needed) else None


def _year_span(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def dossier_late_rates(agency_ids: Iterable[int], year: int) -> dict[int, Decimal | None]:
    """agency id → late rate of DESIGN §6 for the year, from the dossier statistics (empty without them)."""
    stats = _dossier_stats()
    ids = list(agency_ids)
    if stats is None or not ids:
        return {}
    start, end = _year_span(year)
    # The agencies assessed that year as a subquery: thousands of ids as parameters cost more to build.
    assessed = import_module("cchc.scoring.models").Assessment.objects.filter(year=year).values("agency_id")
    wanted = set(ids)
    found: dict[int, Decimal | None] = {}
    for agency_id, counts in stats.agency_counts(start, end, user=SYSTEM, agencies=assessed).items():
        if agency_id not in wanted:
            continue
        indicators = stats.Indicators(str(agency_id), "")
        indicators.add(counts)
        rates = indicators.rates
        found[agency_id] = (rates() if callable(rates) else rates).get("late_rate")
    return found


def figures(source: str, assessments: list[Any]) -> dict[int, Decimal | None]:
    """assessment id → the fraction ``source`` gives for its agency and year."""
    found: dict[int, Decimal | None] = {}
    from_dossiers: dict[tuple[int, int], Decimal | None] = {}
    if source == "late_rate":
        by_year: dict[int, list[int]] = defaultdict(list)
        for a in assessments:
            by_year[a.year].append(a.agency_id)
        for year, ids in by_year.items():
            from_dossiers.update({(year, k): v for k, v in dossier_late_rates(ids, year).items()})
    for a in assessments:
        value = from_dossiers.get((a.year, a.agency_id))
        if value is None:
            value = getattr(a, source, None)
        found[a.pk] = None if value is None else Decimal(str(value))
    return found


def figure(source: str, assessment: Any) -> Decimal | None:
    return figures(source, [assessment])[assessment.pk]


def officer_late_rates(agency_ids: Iterable[int], year: int) -> dict[str, list[tuple[str, Decimal]]]:
    """agency code → [(officer, late rate)] from the dossier statistics (rule 3); empty without them."""
    stats = _dossier_stats()
    ids = list(agency_ids)
    if stats is None or not ids:
        return {}
    start, end = _year_span(year)
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
