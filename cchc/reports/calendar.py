"""The reporting calendar: periods, their data cut-off ranges and deadlines (DESIGN §5.3).

The Ministry's regime: data from 15/12 of the previous year to 14/3, 14/6, 14/9 or 14/12 (a quarter
starts the day after the previous quarter's cut-off), and the deadline on the 20th of the period's
last month. A coordinator may set both per period; a period never configured takes these defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from cchc.core.tabular import InputError
from cchc.reports.models import PeriodKind

PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H1|9M))?$")
# Cut-off month and the month whose 15th starts the range (0: December of the previous year).
_END_MONTH = {"Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12, "H1": 6, "9M": 9, "Y": 12}
_START_MONTH = {"Q1": 0, "Q2": 3, "Q3": 6, "Q4": 9, "H1": 0, "9M": 0, "Y": 0}
# How the documents name a period: "quý I năm 2026", "6 tháng đầu năm 2026".
PERIOD_TEXT = {
    "Q1": "quý I năm {year}",
    "Q2": "quý II năm {year}",
    "Q3": "quý III năm {year}",
    "Q4": "quý IV năm {year}",
    "H1": "6 tháng đầu năm {year}",
    "9M": "9 tháng đầu năm {year}",
    "Y": "năm {year}",
}


@dataclass(frozen=True)
class Range:
    cutoff_start: date
    cutoff_end: date
    deadline: date


def parse_period(text: str) -> tuple[int, str]:
    """ "2026-Q1" → (2026, "Q1"); "2026" → (2026, "Y"); InputError naming the text otherwise."""
    match = PERIOD.match(text.strip())
    if match is None:
        raise InputError(_("period “%(period)s”: write 2026, 2026-Q1 … 2026-Q4, 2026-H1 or 2026-9M") % {"period": text})
    return int(match.group(1)), match.group(2) or PeriodKind.YEAR


def default_range(year: int, kind: str) -> Range:
    end_month, start_month = _END_MONTH[kind], _START_MONTH[kind]
    start = date(year - 1, 12, 15) if start_month == 0 else date(year, start_month, 15)
    return Range(start, date(year, end_month, 14), date(year, end_month, 20))


def period_text(year: int, kind: str) -> str:
    return PERIOD_TEXT[kind].format(year=year)


def check_range(cutoff_start: date, cutoff_end: date, deadline: date) -> None:
    """InputError unless the cut-off range is ordered and the deadline is not before its end."""
    if cutoff_end < cutoff_start:
        raise InputError(
            _("the data cut-off ends (%(end)s) before it starts (%(start)s)")
            % {"end": cutoff_end.strftime("%d/%m/%Y"), "start": cutoff_start.strftime("%d/%m/%Y")}
        )
    if deadline < cutoff_end:
        raise InputError(
            _("the deadline (%(deadline)s) is before the end of the data cut-off (%(end)s)")
            % {"deadline": deadline.strftime("%d/%m/%Y"), "end": cutoff_end.strftime("%d/%m/%Y")}
        )
