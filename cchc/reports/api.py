"""Periodic reports over the API: periods, reports in the caller's scope, and the workflow steps (the same
service functions as the pages)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from rest_framework import mixins, serializers, status, views, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from cchc.reports import services
from cchc.reports.filters import PeriodFilterSet, ReportFilterSet
from cchc.reports.models import Report, ReportingPeriod


class PeriodSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True, help_text="2026-Q1, 2026-H1, 2026-9M or 2026")
    owner_code = serializers.CharField(source="owner.code", read_only=True)
    form_code = serializers.CharField(source="form.code", read_only=True)
    form_version = serializers.IntegerField(source="form.version", read_only=True)

    class Meta:
        model = ReportingPeriod
        fields = [
            "id",
            "code",
            "year",
            "kind",
            "owner_code",
            "form_code",
            "form_version",
            "cutoff_start",
            "cutoff_end",
            "deadline",
            "opened_at",
        ]


class PeriodViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reporting periods (kỳ báo cáo): the calendar, read by every signed-in caller (it holds no agency's data)."""

    serializer_class = PeriodSerializer
    filterset_class = PeriodFilterSet

    def get_queryset(self) -> QuerySet[ReportingPeriod]:
        return (
            ReportingPeriod.objects.all()  # the calendar is open to every signed-in caller
            .select_related("owner", "form")
            .order_by("-year", "deadline")
        )


class ReportSerializer(serializers.ModelSerializer):
    agency_code = serializers.CharField(source="agency.code", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    period_code = serializers.CharField(source="period.code", read_only=True)
    submitted_on_time = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "period",
            "period_code",
            "agency_code",
            "agency_name",
            "state",
            "version",
            "values",
            "justifications",
            "prefilled",
            "submitted_at",
            "first_submitted_at",
            "submitted_on_time",
            "accepted_at",
            "updated_at",
        ]


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Agencies' periodic reports (báo cáo định kỳ) in the caller's scope, with their values."""

    serializer_class = ReportSerializer
    filterset_class = ReportFilterSet

    def get_queryset(self) -> QuerySet[Report]:
        return (
            Report.objects.restrict(self.request.user)
            .select_related("agency", "period")
            .order_by("-period__deadline", "agency__path")
        )


STEPS = ["save", "submit", "return", "accept", "reopen"]


class NoteSerializer(serializers.Serializer):
    target = serializers.CharField(help_text="field or section code")
    reason = serializers.CharField()


class ReportActionSerializer(serializers.Serializer):
    """One workflow step on one report (``accept``: on several, ``reports``)."""

    action = serializers.ChoiceField(choices=STEPS)
    report = serializers.IntegerField(required=False, help_text="report id (every step but accept)")
    reports = serializers.ListField(child=serializers.IntegerField(), required=False, help_text="accept: report ids")
    version = serializers.IntegerField(required=False, allow_null=True, help_text="the version read")
    values = serializers.DictField(required=False, help_text="save: field code → value (changed fields)")
    justifications = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, help_text="submit: rule code → justification"
    )
    notes = NoteSerializer(many=True, required=False, help_text="return: what needs work")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReportActionView(views.APIView):
    """Take a step on a report: save (merge the changed fields; conflicts come back, nothing overwritten),
    submit (the head), return with notes, accept one or several, reopen with a reason.
    403 outside the caller's role and scope, 400 when the state or the input does not allow it, 409 on a stale
    version."""

    serializer_class = ReportActionSerializer

    def post(self, request: Request) -> Response:
        data = ReportActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        step: dict[str, Any] = data.validated_data
        try:
            return self.run(request.user, step)
        except services.ConflictError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except services.WorkflowError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc) or None) from None

    def run(self, user: Any, step: dict[str, Any]) -> Response:
        action = step["action"]
        if action == "accept":
            count = services.accept(user, step.get("reports") or ([step["report"]] if "report" in step else []))
            return Response({"accepted": count})
        if "report" not in step:
            raise ValidationError({"report": "required"})
        report_id = step["report"]
        if action == "save":
            saved = services.save_values(user, report_id, step.get("values") or {}, step.get("version") or 0)
            body = {"version": saved.version, "saved": saved.saved, "conflicts": [vars(c) for c in saved.conflicts]}
            return Response(body, status=status.HTTP_409_CONFLICT if saved.conflicts else status.HTTP_200_OK)
        if action == "submit":
            report = services.submit(user, report_id, step.get("version"), step.get("justifications") or {})
        elif action == "return":
            notes = [(n["target"], n["reason"]) for n in step.get("notes") or []]
            report = services.return_report(user, report_id, notes, step.get("reason", ""))
        else:
            report = services.reopen(user, report_id, step.get("reason", ""))
        return Response(ReportSerializer(Report.objects.select_related("agency", "period").get(pk=report.pk)).data)
