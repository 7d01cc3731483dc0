"""Pages of completeness and timeliness (the coordinator's), and the agency's overview on the home page.

In a module of their own beside the report workflow's ``views.py``: both are reached from ``urls.py``.
"""

from __future__ import annotations

from datetime import date

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from cchc.core.tabular import parse_date
from cchc.reports.completeness import COUNTS, completeness, matrix, open_periods, submitted_at
from cchc.reports.models import ReportingPeriod

MATRIX_ROWS = 50
COUNT_LABELS = {
    "expected": gettext_lazy("Expected"),
    "on_time": gettext_lazy("On time"),
    "late": gettext_lazy("Late"),
    "missing": gettext_lazy("Not submitted"),
    "returned": gettext_lazy("Returned"),
}
RATE_LABELS = {
    "submitted_rate": gettext_lazy("Submitted"),
    "on_time_rate": gettext_lazy("On time"),
}


def _periods_of_year(request: HttpRequest) -> tuple[int | None, list[int], list[ReportingPeriod]]:
    """(the year asked for or the latest, the years there are, that year's opened periods in the reader's scope)."""
    periods = list(open_periods(request.user))
    years = sorted({p.year for p in periods}, reverse=True)
    try:
        year: int | None = int(request.GET.get("year", ""))
    except ValueError:
        year = years[0] if years else None
    return year, years, [p for p in periods if p.year == year]


def _as_of(request: HttpRequest) -> date | None:
    try:
        return parse_date(request.GET.get("as_of", ""), None, "as_of")
    except Exception:  # a date that does not read: today's figures, as without one
        return None


def completeness_page(request: HttpRequest) -> HttpResponse:
    """Completeness by period and block; every count links to its agencies."""
    year, years, periods = _periods_of_year(request)
    as_of = _as_of(request)
    return render(
        request,
        "reports/completeness.html",
        {
            "year": year,
            "years": years,
            "as_of": as_of,
            "results": completeness(request.user, periods, as_of),
            "counts": [(c, COUNT_LABELS[c]) for c in COUNTS],
            "rates": list(RATE_LABELS.items()),
        },
    )


def completeness_agencies(request: HttpRequest) -> HttpResponse:
    """The agencies behind one count: ``period`` (id), ``block`` (code, or "all"), ``count``."""
    count = request.GET.get("count", "expected")
    period_id = request.GET.get("period", "")
    if count not in COUNTS or not period_id.isdigit():
        raise Http404
    period = open_periods(request.user).filter(pk=int(period_id)).first()
    if period is None:
        raise Http404
    as_of = _as_of(request)
    result = completeness(request.user, [period], as_of)[0]
    block = request.GET.get("block", "all")
    group = result.total if block == "all" else next((g for g in result.blocks if g.key == block), None)
    if group is None:
        raise Http404
    rows = group.of(count)
    dates = submitted_at(request.user, rows)
    for cell in rows:
        cell.submitted_at = dates.get((cell.period_id, cell.agency.id))
    return render(
        request,
        "reports/completeness_agencies.html",
        {"period": period, "group": group, "count": count, "label": COUNT_LABELS[count], "rows": rows},
    )


def matrix_page(request: HttpRequest) -> HttpResponse:
    """Agencies × the year's periods, a page of rows at a time, optionally one block's."""
    year, years, periods = _periods_of_year(request)
    block = request.GET.get("block", "")
    table = matrix(request.user, periods, [int(block)] if block.isdigit() else None, _as_of(request))
    page = Paginator(table.rows, MATRIX_ROWS).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/matrix.html",
        {
            "year": year,
            "years": years,
            "matrix": table,
            "block": int(block) if block.isdigit() else None,
            "page_obj": page,
            "paginator": page.paginator,
            "is_paginated": page.paginator.num_pages > 1,
            "querystring": query.urlencode(),
            "legend": [(s, COUNT_LABELS[s]) for s in ("on_time", "late", "missing")],
        },
    )
