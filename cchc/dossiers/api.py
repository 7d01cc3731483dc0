"""Dossier statistics through the API, with the same scope as the pages."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from cchc.agencies.models import Agency
from cchc.dossiers.filters import DossierFilterForm, ProcedureFilterSet, StatsForm
from cchc.dossiers.models import Channel, DossierChunk, DossierStatus, Procedure
from cchc.dossiers.stats import indicators
from cchc.dossiers.store import DossierRecord, Records

SCAN_LIMIT = 1_000_000  # dossiers a filtered listing without a receipt range may read


class ProcedureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Procedure
        fields = ["code", "name", "field", "level", "online_level", "postal", "online_payment"]


class ProcedureViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The procedure catalogue (thủ tục hành chính)."""

    serializer_class = ProcedureSerializer
    filterset_class = ProcedureFilterSet
    queryset = Procedure.objects.order_by("code")


class DossierSerializer(serializers.Serializer):
    """A stored dossier (``DossierRecord``); ``agency_code`` from the ``agency_codes`` of the context."""

    dossier_code = serializers.CharField()
    agency_code = serializers.SerializerMethodField()
    procedure_code = serializers.CharField()
    received_on = serializers.DateField()
    due_on = serializers.DateField(allow_null=True)
    resolved_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=DossierStatus.choices)
    timeliness = serializers.CharField(read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices)
    online_level = serializers.CharField()
    paid_online = serializers.BooleanField()
    fee_amount = serializers.IntegerField()
    result_by_post = serializers.BooleanField()
    digitized = serializers.BooleanField()
    sms_count = serializers.IntegerField(min_value=0)
    handler = serializers.CharField()

    def get_agency_code(self, dossier: DossierRecord) -> str:
        return str(self.context["agency_codes"].get(dossier.agency_id, ""))


DOSSIER_FILTERS = [
    OpenApiParameter(
        "q", str, description="a whole dossier code (found at once), else the codes containing it (case-insensitive)"
    ),
    OpenApiParameter("agency", str, description="agency code"),
    OpenApiParameter("status", str, enum=DossierStatus.values),
    OpenApiParameter("channel", str, enum=Channel.values),
    OpenApiParameter("received_from", OpenApiTypes.DATE, description="received on or after, yyyy-mm-dd"),
    OpenApiParameter("received_to", OpenApiTypes.DATE, description="received on or before, yyyy-mm-dd"),
    OpenApiParameter("late", bool, description="resolved after the due date (true) or not (false)"),
]


class DossierViewSet(viewsets.ViewSet):
    """Dossier records of the agencies in the caller's scope (hồ sơ), for drill-down.

    The stored dossiers are read as a list (``cchc.dossiers.store``), filtered by ``DossierFilterForm``
    and paginated by the configured pagination; a plain ViewSet since there is no queryset (the
    browsable API would ask a generic view for one)."""

    serializer_class = DossierSerializer
    pagination_class = cast("type[BasePagination] | None", api_settings.DEFAULT_PAGINATION_CLASS)

    @extend_schema(parameters=DOSSIER_FILTERS, responses=DossierSerializer(many=True))
    def list(self, request: Request) -> Response:
        form = DossierFilterForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({name: [str(message) for message in errors] for name, errors in form.errors.items()})
        dossiers = form.records(DossierChunk.objects.restrict(request.user))
        choice = form.choice()
        if (
            isinstance(dossiers, Records)
            and dossiers.keep is not None
            and not (choice.get("received_from") or choice.get("received_to"))
        ):
            # A line filter reads every dossier of the months it covers: bound it.
            stored = sum(n for _month, n in dossiers.months())
            if stored > SCAN_LIMIT:
                raise ValidationError(
                    {
                        "received_from": [
                            _(
                                "this filter would read %(n)s dossiers; give received_from / received_to "
                                "(or an agency) to read at most %(limit)s"
                            )
                            % {"n": stored, "limit": SCAN_LIMIT}
                        ]
                    }
                )
        paginator = self.pagination_class() if self.pagination_class else None
        # The stubs type paginate_queryset for querysets; LimitOffsetPagination takes any sequence.
        page: list[DossierRecord] | None = (
            None if paginator is None else paginator.paginate_queryset(cast(Any, dossiers), request, view=self)
        )
        listed = dossiers if page is None else page
        codes = dict(Agency.objects.filter(pk__in={d.agency_id for d in listed}).values_list("pk", "code"))
        context = {"request": request, "view": self, "agency_codes": codes}
        data = DossierSerializer(listed, many=True, context=context).data
        return Response(data) if paginator is None or page is None else paginator.get_paginated_response(data)


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
