"""The periods of a recurring task (nhiệm vụ định kỳ) and their deadlines, before anything is written.

A series with the rule ``reporting`` ("báo cáo định kỳ") follows the reporting calendar
(``cchc.reports``): one occurrence per ``ReportingPeriod`` of the plan's year, owned by the plan's
agency or, if it has none, by the nearest agency above it that has some, with that period's deadline.
Without any period of that year it follows the Ministry's regime (``calendar.default_range``: quarter
I, six months, nine months, year, each due on the 20th of its last month). The other rules are simple:
monthly (T01 … T12), quarterly (Q1 … Q4), half-yearly (H1, H2) or yearly (Y), due on
``recurrence_day`` (1–31, 20 unless set) of the period's last month, or on that month's last day when
it is shorter.
"""

from __future__ import annotations

import calendar as months
from dataclasses import dataclass
from datetime import date

from cchc.plans.models import Recurrence, Task
from cchc.reports import calendar
from cchc.reports.models import PeriodKind, ReportingPeriod

DEFAULT_DAY = 20  # the regime's day: reports are due on the 20th of the period's last month
REGIME = (PeriodKind.Q1, PeriodKind.HALF, PeriodKind.NINE, PeriodKind.YEAR)
QUARTERS = {"Q1": ("quý I", 3), "Q2": ("quý II", 6), "Q3": ("quý III", 9), "Q4": ("quý IV", 12)}
HALVES = {"H1": ("6 tháng đầu năm", 6), "H2": ("6 tháng cuối năm", 12)}


@dataclass(frozen=True)
class Occurrence:
    key: str  # Q1, H1, 9M, Y, T03: the end of the occurrence's task code (NV-05/Q1)
    label: str  # "quý I năm 2026": the end of its title
    deadline: date


def day_of(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, months.monthrange(year, month)[1]))


def occurrences(series: Task) -> list[Occurrence]:
    """The occurrences ``series`` has in its plan's year, in the order of their deadlines."""
    year, day = series.plan.year, series.recurrence_day or DEFAULT_DAY
    rule = series.recurrence
    if rule == Recurrence.REPORTING:
        return reporting_periods(series)
    if rule == Recurrence.MONTHLY:
        found = [Occurrence(f"T{m:02d}", f"tháng {m} năm {year}", day_of(year, m, day)) for m in range(1, 13)]
    elif rule == Recurrence.QUARTERLY:
        found = [Occurrence(k, f"{text} năm {year}", day_of(year, m, day)) for k, (text, m) in QUARTERS.items()]
    elif rule == Recurrence.HALF_YEARLY:
        found = [Occurrence(k, f"{text} {year}", day_of(year, m, day)) for k, (text, m) in HALVES.items()]
    elif rule == Recurrence.YEARLY:
        found = [Occurrence("Y", f"năm {year}", day_of(year, 12, day))]
    else:
        found = []
    return found


def reporting_periods(series: Task) -> list[Occurrence]:
    year = series.plan.year
    agency = series.plan.agency
    for owner in [agency, *reversed(list(agency.ancestors()))]:  # the plan's agency, then upwards
        periods = list(ReportingPeriod.objects.filter(owner=owner, year=year).order_by("deadline", "kind"))
        if periods:
            return [Occurrence(p.kind, calendar.period_text(year, p.kind), p.deadline) for p in periods]
    return [Occurrence(k, calendar.period_text(year, k), calendar.default_range(year, k).deadline) for k in REGIME]
