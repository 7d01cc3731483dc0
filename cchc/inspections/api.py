"""API of conclusions and inspections in the caller's scope: read, and the steps through the same services
(403 outside the caller's role and scope, 400 when the state or the input does not allow it)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cchc.agencies.models import Agency
from cchc.core.tabular import InputError, parse_date
from cchc.inspections import services
from cchc.inspections.filters import ConclusionFilterSet, FindingFilterSet, InspectionFilterSet, InspectionPlanFilterSet
from cchc.inspections.models import Conclusion, Directive, Finding, Inspection, InspectionPlan, RemediationStep
from cchc.inspections.stats import GROUPINGS, inspection_sentence, inspection_stats
from cchc.plans.models import Task


class InspectionPlanSerializer(serializers.ModelSerializer):
    agency_code = serializers.CharField(source="agency.code", read_only=True)

    class Meta:
        model = InspectionPlan
        fields = ["id", "year", "agency_code", "number", "issued_on", "title", "task_plan"]


class InspectionSerializer(serializers.ModelSerializer):
    agency_code = serializers.CharField(source="agency.code", read_only=True)
    team: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="username"
    )

    class Meta:
        model = Inspection
        fields = ["id", "plan", "agency_code", "scope", "theme", "starts_on", "ends_on", "team", "team_note"]
        fields += ["status", "conclusion"]


class StepSerializer(serializers.ModelSerializer):
    user: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="username")
    evidence: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="original_name"
    )

    class Meta:
        model = RemediationStep
        fields = ["kind", "text", "done_on", "user", "at", "evidence"]


class FindingSerializer(serializers.ModelSerializer):
    agency_code = serializers.CharField(source="inspection.agency.code", read_only=True)
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "inspection", "agency_code", "number", "text", "category", "severity", "found_on"]
        fields += ["deadline", "status", "remedied_on", "verified_on", "task", "steps"]


class DirectiveSerializer(serializers.ModelSerializer):
    addressee_codes: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        source="addressees", many=True, read_only=True, slug_field="code"
    )
    task_ids = serializers.SerializerMethodField()

    class Meta:
        model = Directive
        fields = ["id", "number", "text", "addressee_codes", "deadline", "area", "task_ids"]

    def get_task_ids(self, obj: Directive) -> list[int]:
        """The directive's tasks the caller sees."""
        visible = self.context["visible_tasks"]
        return sorted(link.task_id for link in obj.links.all() if link.task_id in visible)


class ConclusionSerializer(serializers.ModelSerializer):
    agency_code = serializers.CharField(source="agency.code", read_only=True)
    directives = DirectiveSerializer(many=True, read_only=True)

    class Meta:
        model = Conclusion
        fields = ["id", "agency_code", "number", "issued_on", "signer", "title", "summary", "directives"]


class InspectionPlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Inspection plans (kế hoạch kiểm tra CCHC) the caller sees."""

    serializer_class = InspectionPlanSerializer
    filterset_class = InspectionPlanFilterSet

    def get_queryset(self) -> QuerySet[InspectionPlan]:
        return InspectionPlan.objects.restrict(self.request.user).select_related("agency").order_by("-year", "pk")


class InspectionViewSet(viewsets.ReadOnlyModelViewSet):
    """Inspections of agencies the caller sees (its own agency's; the province's readers: all)."""

    serializer_class = InspectionSerializer
    filterset_class = InspectionFilterSet

    def get_queryset(self) -> QuerySet[Inspection]:
        inspections = Inspection.objects.restrict(self.request.user).select_related("agency")
        return inspections.prefetch_related("team").order_by("plan_id", "starts_on", "pk")


class FindingViewSet(viewsets.ReadOnlyModelViewSet):
    """Findings (tồn tại, hạn chế) and their remediation steps, in the caller's scope."""

    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet

    def get_queryset(self) -> QuerySet[Finding]:
        findings = Finding.objects.restrict(self.request.user).select_related("inspection__agency")
        return findings.prefetch_related("steps__user", "steps__evidence").order_by("inspection_id", "number")


class ConclusionViewSet(viewsets.ReadOnlyModelViewSet):
    """Conclusion notices with their directives and the ids of the tasks made from them (those the caller sees)."""

    serializer_class = ConclusionSerializer
    filterset_class = ConclusionFilterSet

    def get_queryset(self) -> QuerySet[Conclusion]:
        conclusions = Conclusion.objects.restrict(self.request.user).select_related("agency")
        return conclusions.prefetch_related("directives__addressees", "directives__links").order_by("-issued_on", "pk")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        visible = Task.objects.restrict(self.request.user).filter(directive_link__isnull=False)
        context["visible_tasks"] = set(visible.values_list("pk", flat=True))
        return context


class InspectionStatsView(APIView):
    """``inspection_stats`` of a year (``year``, ``by``: none, agency, category or severity, ``as_of``), in the
    caller's scope, with the sentence the reports write."""

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="year of the inspection plans (default: this year)"),
            OpenApiParameter("by", str, description="none, agency, category or severity"),
            OpenApiParameter("as_of", str, description="day of the count, yyyy-mm-dd (default: today)"),
        ],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        text = request.query_params.get("year", "")
        if text and not text.isdigit():
            raise ValidationError({"year": "a year"})
        year = int(text) if text else timezone.localdate().year
        by = request.query_params.get("by", "none")
        if by not in GROUPINGS:
            raise ValidationError({"by": f"one of {', '.join(GROUPINGS)}"})
        try:
            as_of = parse_date(request.query_params.get("as_of", ""), None, "as_of") or timezone.localdate()
        except InputError as exc:
            raise ValidationError({"as_of": str(exc)}) from None
        groups = inspection_stats(year, user=request.user, as_of=as_of, by=by)
        body: dict[str, Any] = {
            "year": year,
            "as_of": as_of.isoformat(),
            "by": by,
            "groups": [g.as_json() for g in groups],
        }
        if by == "none":
            body["sentence"] = inspection_sentence(groups[0])
        return Response(body)


class InspectionActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["record_finding", "report", "verify", "return"])
    inspection = serializers.IntegerField(required=False)
    finding = serializers.IntegerField(required=False)
    text = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.CharField(required=False, allow_blank=True, default="")
    severity = serializers.CharField(required=False, allow_blank=True, default="")
    deadline = serializers.CharField(required=False, allow_blank=True, default="")
    done_on = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


def _step(run: Any) -> Any:
    try:
        return run()
    except (services.InspectionError, InputError) as exc:
        raise ValidationError({"detail": str(exc)}) from None
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc) or None) from None


class InspectionActionView(APIView):
    """A step of an inspection: ``record_finding`` (inspection, text, category, severity, deadline), or of a
    finding's remediation: ``report`` (finding, text, done_on; evidence as multipart ``files``), ``verify``
    (finding, text: a note), ``return`` (finding, reason). Answers the finding."""

    serializer_class = InspectionActionSerializer

    def post(self, request: Request) -> Response:
        data = InspectionActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        step: dict[str, Any] = data.validated_data
        key = "inspection" if step["action"] == "record_finding" else "finding"
        if key not in step:
            raise ValidationError({key: "required"})
        finding = _step(lambda: self.run(request, step))
        found = Finding.objects.select_related("inspection__agency").prefetch_related("steps__evidence")
        return Response(FindingSerializer(found.get(pk=finding.pk)).data, status=status.HTTP_200_OK)

    def run(self, request: Request, step: dict[str, Any]) -> Finding:
        user, action = request.user, step["action"]
        if action == "record_finding":
            return services.record_finding(
                user,
                step["inspection"],
                text=step["text"],
                category=step["category"],
                severity=step["severity"],
                deadline=step["deadline"],
            )
        if action == "report":
            files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
            services.report_remediation(user, step["finding"], text=step["text"], done_on=step["done_on"], files=files)
            return Finding.objects.get(pk=step["finding"])
        if action == "verify":
            return services.verify_remediation(user, step["finding"], step["text"])
        return services.return_remediation(user, step["finding"], step["reason"])


class MakeTasksSerializer(serializers.Serializer):
    directive = serializers.IntegerField()
    plan = serializers.IntegerField()
    lead_agency_codes = serializers.ListField(child=serializers.CharField(), allow_empty=True)
    co_agency_codes = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    deadline = serializers.CharField(required=False, allow_blank=True, default="")
    area = serializers.CharField(required=False, allow_blank=True, default="")
    title = serializers.CharField(required=False, allow_blank=True, default="")
    product = serializers.CharField(required=False, allow_blank=True, default="")


def _agencies(codes: list[str], field: str) -> list[Agency]:
    found = {a.code: a for a in Agency.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationError({field: f"unknown agency {unknown[0]}"})
    return [found[c] for c in dict.fromkeys(codes)]


class DirectiveTasksView(APIView):
    """A directive as tasks of a plan in one step (one per lead agency, each linked back): answers their ids."""

    serializer_class = MakeTasksSerializer

    def post(self, request: Request) -> Response:
        data = MakeTasksSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        step: dict[str, Any] = data.validated_data
        leads = _agencies(step["lead_agency_codes"], "lead_agency_codes")
        co = _agencies(step["co_agency_codes"], "co_agency_codes")
        tasks = _step(
            lambda: services.make_tasks(
                request.user,
                step["directive"],
                plan=step["plan"],
                leads=leads,
                co_agencies=co,
                deadline=step["deadline"],
                area=step["area"],
                title=step["title"],
                product=step["product"],
            )
        )
        return Response({"tasks": [t.pk for t in tasks], "task_codes": [t.task_code for t in tasks]})
