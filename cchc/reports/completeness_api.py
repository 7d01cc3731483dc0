"""Completeness and timeliness of periodic reports through the API, with the same scope as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cchc.core.scope import has_role
from cchc.core.tabular import InputError, parse_date
from cchc.reports.calendar import parse_period
from cchc.reports.completeness import completeness, open_periods
from cchc.reports.urls import READER_ROLES


class CompletenessView(APIView):
    """Expected, on time, late, missing and returned reports by period and block, each count with the
    codes of its agencies (``agencies``), and the rates as ``{"value", "text"}``."""

    @extend_schema(
        parameters=[
            OpenApiParameter("period", str, description="2026, 2026-Q1 … 2026-Q4, 2026-H1 or 2026-9M (required)"),
            OpenApiParameter("as_of", str, description="day the figures are read on, yyyy-mm-dd (default: today)"),
            OpenApiParameter("owner", str, description="code of the agency whose period it is (default: every one)"),
        ],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        if not has_role(request.user, READER_ROLES):
            raise PermissionDenied
        try:
            year, kind = parse_period(request.query_params.get("period", ""))
        except InputError as exc:
            return Response({"errors": {"period": [exc.one_line()]}}, status=400)
        try:
            as_of = parse_date(request.query_params.get("as_of", ""), None, "as_of")
        except InputError as exc:
            return Response({"errors": {"as_of": [exc.one_line()]}}, status=400)
        periods = open_periods(request.user).filter(year=year, kind=kind)
        if owner := request.query_params.get("owner"):
            periods = periods.filter(owner__code=owner)
        results = completeness(request.user, list(periods), as_of)
        return Response({"period": request.query_params["period"], "periods": [_period(r) for r in results]})


def _period(result: Any) -> dict[str, Any]:
    p = result.period
    return {
        "code": p.code,
        "owner": p.owner.code,
        "deadline": p.deadline.isoformat(),
        "as_of": result.as_of.isoformat(),
        "blocks": [g.as_json() for g in result.blocks],
        "total": result.total.as_json(),
    }
