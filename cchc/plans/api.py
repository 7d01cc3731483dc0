"""Read-only API of plans, tasks and the task statistics, in the caller's scope."""

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cchc.core.tabular import InputError, parse_date
from cchc.plans.filters import PlanFilterSet, TaskFilterSet
from cchc.plans.models import Plan, Task
from cchc.plans.stats import GROUPINGS, task_stats


class PlanSerializer(serializers.ModelSerializer):
    agency_code = serializers.CharField(source="agency.code", read_only=True)

    class Meta:
        model = Plan
        fields = ["id", "year", "agency_code", "number", "issued_on", "title", "objectives"]


class TaskSerializer(serializers.ModelSerializer):
    lead_agency_code = serializers.CharField(source="lead_agency.code", read_only=True)
    co_agency_codes = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = ["id", "plan", "task_code", "title", "area", "lead_agency_code", "co_agency_codes"]
        fields += ["deadline", "product", "status", "completed_on"]

    def get_co_agency_codes(self, obj: Task) -> list[str]:
        return sorted(a.code for a in obj.co_agencies.all())


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """PAR plans (kế hoạch CCHC) the caller sees."""

    serializer_class = PlanSerializer
    filterset_class = PlanFilterSet

    def get_queryset(self) -> QuerySet[Plan]:
        return Plan.objects.restrict(self.request.user).select_related("agency").order_by("-year", "pk")


class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    """Tasks (nhiệm vụ) the caller sees: led or co-operated by its agencies, or of their plans."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet

    def get_queryset(self) -> QuerySet[Task]:
        tasks = Task.objects.restrict(self.request.user)
        return tasks.select_related("lead_agency").prefetch_related("co_agencies").order_by("plan_id", "task_code")


class TaskStatsView(APIView):
    """``task_stats`` of a year (``year``, ``by``: none, agency or area, ``as_of``), in the caller's scope."""

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="year of the plans (default: this year)"),
            OpenApiParameter("by", str, description="none, agency or area"),
            OpenApiParameter("as_of", str, description="day of the overdue count, yyyy-mm-dd (default: today)"),
        ],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        year, by = _year(request.query_params.get("year")), request.query_params.get("by", "none")
        if by not in GROUPINGS:
            raise ValidationError({"by": f"one of {', '.join(GROUPINGS)}"})
        as_of = _as_of(request.query_params.get("as_of", ""))
        groups = task_stats(year, user=request.user, as_of=as_of, by=by)
        return Response({"year": year, "as_of": as_of.isoformat(), "by": by, "groups": [g.as_json() for g in groups]})


def _year(text: Any) -> int:
    try:
        return int(text) if text else timezone.localdate().year
    except ValueError:
        raise ValidationError({"year": "a year"}) from None


def _as_of(text: str) -> date:
    try:
        return parse_date(text, None, "as_of") or timezone.localdate()
    except InputError as exc:
        raise ValidationError({"as_of": str(exc)}) from None
