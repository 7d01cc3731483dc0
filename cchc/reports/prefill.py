"""Figures the system already holds, filled into an agency's report form (DESIGN §5.3).

A form field names its figure in ``FormField.prefill``: ``dossiers.<indicator>`` (a count or rate of
DESIGN §6 over the period's data cut-off range, ``cchc.dossiers.stats``), ``scoring.index`` or
``scoring.band`` (the agency's PAR index of the previous year, approved or published only),
``tasks.<count>`` (the tasks the agency leads in the plans of the period's year, as of its cut-off,
``cchc.plans.stats.task_stats``: the figures the PAR index's ``task_completion`` reads too),
``inspections.<figure>`` (its inspections of the year and their findings, ``cchc.inspections.stats``),
``surveys.<figure>`` (the agency's counted survey forms of the period's year answered within the
data cut-off range: ``forms``, ``satisfaction`` and the five element indices, ``cchc.surveys.stats``).
A module's names are known even where the module is not installed, so that a form naming them
imports; such a field says the module is not there.

Each figure is ``{"value", "text", "source"}``: a JSON value (what the snapshot ``Report.prefilled``
keeps at submission), the text a person reads, and where it comes from in Vietnamese words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict

from cchc.accounts.roles import ALL_ROLES
from cchc.agencies.models import Agency
from cchc.core.formatting import format_date_text, format_number
from cchc.core.scope import agency_q
from cchc.dossiers.models import MonthlyCount
from cchc.dossiers.stats import COUNTS, RATES, Indicators, total
from cchc.reports.models import Report, ReportingPeriod


class Figure(TypedDict):
    value: int | float | str | None
    text: str
    source: str


@dataclass(frozen=True)
class Source:
    """A family of prefill names: ``module.<name>``, and whether the system holds its figures yet."""

    module: str
    names: frozenset[str]
    available: bool
    missing: str = ""  # why there is no figure, when not available (Vietnamese: shown on the form)


# Keys of §8.1's task_stats and survey_stats: named by forms now, filled when the modules exist.
TASK_NAMES = ("assigned", "done", "done_on_time", "done_late", "open", "open_overdue", "open_in_time", "on_time_rate")
INSPECTION_NAMES = ("inspections", "findings", "remedied", "reported", "overdue")  # cchc.inspections.stats
SURVEY_NAMES = ("forms", "satisfaction", "access", "procedure", "officer", "result", "feedback")
SOURCES = {
    "dossiers": Source("dossiers", frozenset(COUNTS) | frozenset(RATES), True),
    "scoring": Source("scoring", frozenset({"index", "band"}), True),
    "tasks": Source("tasks", frozenset(TASK_NAMES), True),
    "surveys": Source("surveys", frozenset(SURVEY_NAMES), True),
    "inspections": Source("inspections", frozenset(INSPECTION_NAMES), True),
}
STAGE_TEXT = {"approved": "đã phê duyệt", "published": "đã công bố"}
BAND_TEXT = {"good": "Tốt", "fair": "Khá", "average": "Trung bình", "weak": "Yếu"}


def _split(name: str) -> tuple[Source | None, str]:
    module, _dot, figure = name.partition(".")
    source = SOURCES.get(module)
    return (source, figure) if source and figure in source.names else (None, figure)


def known(name: str) -> bool:
    """Whether ``name`` is a prefill name the system knows (the form importer refuses the others)."""
    return _split(name)[0] is not None


def available(name: str) -> bool:
    """Whether the system holds the figures of ``name`` (False for the modules not built yet)."""
    source = _split(name)[0]
    return source is not None and source.available


def missing(name: str) -> str:
    """Why a field naming ``name`` gets no figure; "" when it gets one."""
    source = _split(name)[0]
    if source is None:
        return f"Tên số liệu “{name}” không có trong hệ thống"
    return source.missing


def cutoff_source(start: date, end: date) -> str:
    """ "Thống kê hồ sơ TTHC từ 15/12/2025 đến 14/3/2026"."""
    return f"Thống kê hồ sơ TTHC từ {format_date_text(start)} đến {format_date_text(end)}"


def dossier_figure(group: Indicators, name: str, source: str) -> Figure:
    if name in RATES:
        rate = group.rate(name)
        return {
            "value": None if rate is None else round(float(rate), 6),
            "text": group.rate_text(name),
            "source": source,
        }
    return {"value": group.counts[name], "text": format_number(group.counts[name]), "source": source}


def _dossier_figures(agency: Agency, period: ReportingPeriod, names: set[str], user: Any) -> dict[str, Figure]:
    if not names or not _sees(user, agency, MonthlyCount.scope_roles["view"]):
        return {}
    group = total(period.cutoff_start, period.cutoff_end, user=user, agencies=[agency.pk])
    source = cutoff_source(period.cutoff_start, period.cutoff_end)
    return {name: dossier_figure(group, name, source) for name in names}


def _scoring_figures(agency: Agency, period: ReportingPeriod, names: set[str], user: Any) -> dict[str, Figure]:
    """Last year's PAR index and band of the agency, when the council approved (or published) it."""
    if not names:
        return {}
    from cchc.scoring.models import Assessment
    from cchc.scoring.results import percent

    year = period.year - 1
    found = (
        Assessment.objects.restrict(user)
        .filter(agency=agency, year=year, state__in=list(STAGE_TEXT), index__isnull=False)
        .order_by("-frozen_at")
        .first()
    )
    if found is None:
        return {}
    source = f"Chỉ số CCHC năm {year} ({STAGE_TEXT[found.state]})"
    result: dict[str, Figure] = {}
    if "index" in names:
        result["index"] = {"value": float(found.index), "text": percent(found.index), "source": source}
    if "band" in names and found.band:
        result["band"] = {"value": found.band, "text": BAND_TEXT.get(found.band, found.band), "source": source}
    return result


def _task_figures(agency: Agency, period: ReportingPeriod, names: set[str], user: Any) -> dict[str, Figure]:
    """The agency's tasks (it leads them) in the plans of the period's year, as of the period's cut-off."""
    if not names or not _sees(user, agency, ALL_ROLES):
        return {}
    from cchc.plans.stats import task_stats

    (group,) = task_stats(period.year, user=user, as_of=period.cutoff_end, agencies=[agency.pk])
    source = f"Theo dõi nhiệm vụ CCHC năm {period.year}, tính đến {format_date_text(period.cutoff_end)}"
    result: dict[str, Figure] = {}
    for name in names:
        if name == "on_time_rate":
            rate = group.on_time_rate
            value = None if rate is None else round(float(rate), 6)
            result[name] = {"value": value, "text": group.on_time_rate_text, "source": source}
        else:
            count = getattr(group, name)
            result[name] = {"value": count, "text": format_number(count), "source": source}
    return result


def _inspection_figures(agency: Agency, period: ReportingPeriod, names: set[str], user: Any) -> dict[str, Figure]:
    """The agency's inspections of the period's year (and their findings), as of the period's cut-off."""
    from cchc.inspections.models import READERS as INSPECTION_READERS
    from cchc.inspections.stats import inspection_stats

    if not names or not _sees(user, agency, INSPECTION_READERS):
        return {}
    (group,) = inspection_stats(period.year, user=user, as_of=period.cutoff_end, agencies=[agency.pk])
    source = f"Kiểm tra CCHC năm {period.year}, tính đến {format_date_text(period.cutoff_end)}"
    return {
        name: {"value": getattr(group, name), "text": format_number(getattr(group, name)), "source": source}
        for name in names
    }


def _sees(user: Any, agency: Agency, roles: frozenset[str]) -> bool:
    """Whether the reader's grants reach the agency for ``roles``: no figure rather than a zero otherwise."""
    condition = agency_q(user, roles)
    return condition is None or Agency.objects.filter(condition, pk=agency.pk).exists()


def _survey_figures(agency: Agency, period: ReportingPeriod, names: set[str], user: Any) -> dict[str, Figure]:
    """The agency's counted survey forms of the period's year, answered within the data cut-off range."""
    if not names or not _sees(user, agency, ALL_ROLES):
        return {}
    from cchc.surveys.stats import questionnaire_of, rate, survey_stats

    if questionnaire_of(period.year) is None:
        return {}
    start, end = period.cutoff_start, period.cutoff_end
    (group,) = survey_stats(period.year, user=user, start=start, end=end, agencies=[agency.pk])
    source = (
        f"Khảo sát sự hài lòng năm {period.year}, phiếu trả lời từ {format_date_text(start)} "
        f"đến {format_date_text(end)}"
    )
    result: dict[str, Figure] = {}
    for name in names:
        if name == "forms":
            result[name] = {"value": group.forms, "text": format_number(group.forms), "source": source}
        else:
            value = group.satisfaction if name == "satisfaction" else group.elements[name].index
            shown = rate(value)
            result[name] = {"value": shown["value"], "text": shown["text"], "source": source}
    return result


READERS: dict[str, Callable[[Agency, ReportingPeriod, set[str], Any], dict[str, Figure]]] = {
    "dossiers": _dossier_figures,
    "scoring": _scoring_figures,
    "tasks": _task_figures,
    "inspections": _inspection_figures,
    "surveys": _survey_figures,
}


def figures(subject: Report | Agency, period: ReportingPeriod | None = None, *, user: Any) -> dict[str, Figure]:
    """Field code → figure for every field of the period's form whose ``prefill`` names a figure the
    system holds, for a report (``figures(report, user=…)``) or an agency and period
    (``figures(agency, period, user=…)``), read through the reader's scope: a figure the reader may not
    see is not there."""
    if isinstance(subject, Report):
        agency, period = subject.agency, subject.period
    else:
        agency = subject
        if period is None:
            raise TypeError("figures(agency, period, *, user): the period is missing")
    fields = list(period.form.fields.exclude(prefill="").values_list("code", "prefill"))
    wanted: dict[str, set[str]] = {}
    for _code, name in fields:
        if available(name):
            module, _dot, figure = name.partition(".")
            wanted.setdefault(module, set()).add(figure)
    found = {
        module: READERS[module](agency, period, wanted.get(module, set()), user)
        for module in READERS
        if module in wanted
    }
    result: dict[str, Figure] = {}
    for code, name in fields:
        module, _dot, figure = name.partition(".")
        if figure in found.get(module, {}):
            result[code] = found[module][figure]
    return result


def unavailable(period: ReportingPeriod) -> dict[str, str]:
    """Field code → why the system has no figure for it, for fields naming a module not there yet."""
    fields = period.form.fields.exclude(prefill="").values_list("code", "prefill")
    return {code: missing(name) for code, name in fields if not available(name)}
