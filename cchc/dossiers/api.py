"""Dossier statistics through the API, with the same scope as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cchc.dossiers.columns import DECLARED
from cchc.dossiers.filters import DossierFilterSet, ProcedureFilterSet, StatsForm
from cchc.dossiers.models import Dossier, Procedure
from cchc.dossiers.stats import indicators


class ProcedureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Procedure
        fields = ["code", "name", "field", "level", "online_level", "postal", "online_payment"]


class ProcedureViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The procedure catalogue (thủ tục hành chính)."""

    serializer_class = ProcedureSerializer
    filterset_class = ProcedureFilterSet
    queryset = Procedure.objects.order_by("code")


class DossierSerializer(serializers.ModelSerializer):
    """A stored dossier: the declared columns (``cchc.dossiers.columns``) by their field names, the
    agency by its code, and what the import worked out (outcome, timeliness)."""

    agency_code: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        source="agency", slug_field="code", read_only=True
    )
    timeliness = serializers.CharField(read_only=True)

    class Meta:
        model = Dossier
        fields = [
            "source",
            *("agency_code" if c.field == "agency" else c.field for c in DECLARED),
            "online_eligible",
            "outcome",
            "timeliness",
        ]


class DossierViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Dossier records of the agencies in the caller's scope (hồ sơ), newest first: by code, agency,
    officer, field, procedure, outcome and receipt range."""

    serializer_class = DossierSerializer
    filterset_class = DossierFilterSet

    def get_queryset(self) -> QuerySet[Dossier]:
        return (
            Dossier.objects.restrict(self.request.user)
            .select_related("agency")
            .order_by("-received_on", "dossier_code")
        )


class DossierStatsView(APIView):
    """The indicators of DESIGN §6 for the caller's scope, in the format of ``dossier_stats --format json``."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, description="first day, yyyy-mm-dd"),
            OpenApiParameter("end", str, description="last day"),
            OpenApiParameter("as_of", str, description="day of the pending count"),
            OpenApiParameter(
                "by", str, description="none, level, kind, block, agency, field, procedure, month, quarter"
            ),
        ],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        form = StatsForm(request.query_params)
        if not form.is_valid():
            return Response({"errors": form.errors}, status=400)
        p: dict[str, Any] = form.cleaned_data
        groups = indicators(p["start"], p["end"], user=request.user, as_of=p["as_of"], by=p["by"])
        return Response(
            {
                "from": p["start"].isoformat(),
                "to": p["end"].isoformat(),
                "as_of": p["as_of"].isoformat(),
                "by": p["by"],
                "groups": [g.as_json() for g in groups],
            }
        )
