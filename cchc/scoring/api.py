"""The PAR index over the API: assessments with their results, and criterion scores, in the caller's scope."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from rest_framework import mixins, serializers, status, views, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from cchc.scoring import services
from cchc.scoring.filters import AssessmentFilterSet, ScoreFilterSet
from cchc.scoring.models import Assessment, Score


class AssessmentSerializer(serializers.ModelSerializer):
    agency_code = serializers.CharField(source="agency.code", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    block_code = serializers.CharField(source="framework.block.code", read_only=True)
    index = serializers.FloatField(read_only=True, allow_null=True)
    points = serializers.FloatField(read_only=True, allow_null=True)
    max_points = serializers.FloatField(read_only=True, allow_null=True)
    late_rate = serializers.FloatField(read_only=True, allow_null=True)
    satisfaction = serializers.FloatField(read_only=True, allow_null=True)
    ranked_late_rate = serializers.FloatField(read_only=True, allow_null=True)
    ranked_satisfaction = serializers.FloatField(read_only=True, allow_null=True)
    # Plain codes (dossiers, recorded): one choice set under two names would warn in the schema.
    ranked_late_rate_source = serializers.CharField(read_only=True, help_text="dossiers, recorded or empty")
    ranked_satisfaction_source = serializers.CharField(read_only=True, help_text="dossiers, recorded or empty")
    final = serializers.BooleanField(
        source="is_final", read_only=True, help_text="approved: the results are the snapshot taken at approval"
    )
    # Plain codes (good, fair, average, weak): one choice set under two names would warn in the schema.
    band = serializers.CharField(read_only=True, help_text="good, fair, average, weak")
    band_before = serializers.CharField(read_only=True, help_text="good, fair, average, weak")

    class Meta:
        model = Assessment
        fields = [
            "id",
            "agency_code",
            "agency_name",
            "year",
            "block_code",
            "state",
            "version",
            "points",
            "max_points",
            "index",
            "area_indices",
            "band_before",
            "band",
            "band_reason",
            "flags",
            "rank",
            "ranked_in",
            "final",
            "frozen_at",
            "ranked_late_rate",
            "ranked_late_rate_source",
            "ranked_satisfaction",
            "ranked_satisfaction_source",
            "late_rate",
            "satisfaction",
            "explanation_deadline",
        ]


class AssessmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """PAR index assessments (Chỉ số CCHC) of the agencies in the caller's scope, with results."""

    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilterSet

    def get_queryset(self) -> QuerySet[Assessment]:
        return (
            Assessment.objects.restrict(self.request.user)
            .select_related("agency", "framework__block")
            .order_by("-year", "framework__block__code", "rank", "agency__code")
        )


class ScoreSerializer(serializers.ModelSerializer):
    agency_code = serializers.CharField(source="assessment.agency.code", read_only=True)
    year = serializers.IntegerField(source="assessment.year", read_only=True)
    criterion_code = serializers.CharField(source="criterion.code", read_only=True)
    max_points = serializers.FloatField(source="criterion.max_points", read_only=True)
    self_score = serializers.FloatField(allow_null=True)
    appraised_score = serializers.FloatField(allow_null=True)
    final_score = serializers.FloatField(allow_null=True)

    class Meta:
        model = Score
        fields = [
            "id",
            "agency_code",
            "year",
            "criterion_code",
            "max_points",
            "self_score",
            "self_note",
            "appraised_score",
            "appraisal_reason",
            "explanation",
            "final_score",
            "final_reason",
            "version",
        ]


class ScoreViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Criterion scores of the assessments in the caller's scope."""

    serializer_class = ScoreSerializer
    filterset_class = ScoreFilterSet

    def get_queryset(self) -> QuerySet[Any]:
        return (
            Score.objects.restrict(self.request.user)
            .select_related("assessment__agency", "criterion")
            .order_by("assessment__year", "assessment__agency__code", "criterion__position")
        )


SCORE_STEPS = {"self_assess", "appraise", "explain", "final_appraise"}
ASSESSMENT_STEPS = {"submit", "open_explanation", "start_final_appraisal", "approve", "publish", "reopen"}


class ActionSerializer(serializers.Serializer):
    """One workflow step, as on the assessment page: the same service function, the same checks."""

    action = serializers.ChoiceField(choices=sorted(SCORE_STEPS | ASSESSMENT_STEPS))
    score = serializers.IntegerField(required=False, help_text="score id, for the steps on a score")
    assessment = serializers.IntegerField(required=False, help_text="assessment id, for the steps on an assessment")
    value = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True)
    text = serializers.CharField(required=False, allow_blank=True, default="", help_text="explanation or reason")
    version = serializers.IntegerField(
        required=False, allow_null=True, help_text="the version read; a stale one is refused"
    )
    deadline = serializers.DateField(required=False, help_text="explanation deadline (open_explanation)")


class WorkflowActionView(views.APIView):
    """Take a workflow step on a score or an assessment (self-assessment, submission, appraisal,
    explanation, final appraisal, approval, publication, reopening approved results with ``text`` as
    the reason). 403 outside the caller's role and scope,
    400 when the state or the input does not allow it, 409 when the score changed since ``version``."""

    serializer_class = ActionSerializer

    def post(self, request: Request) -> Response:
        data = ActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        step: dict[str, Any] = data.validated_data
        try:
            result = self.run(request.user, step)
        except services.ConflictError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except services.WorkflowError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc) or None) from None
        if isinstance(result, Score):
            return Response(ScoreSerializer(result).data)
        return Response(AssessmentSerializer(result).data)

    def run(self, user: Any, step: dict[str, Any]) -> Any:
        action, text, version = step["action"], step.get("text", ""), step.get("version")
        if action in SCORE_STEPS:
            if "score" not in step:
                raise ValidationError({"score": "required"})
            score_id, value = step["score"], step.get("value")
            if action == "self_assess":
                return services.self_assess(user, score_id, value, text, version)
            if action == "explain":
                return services.explain(user, score_id, text, version)
            if value is None:
                raise ValidationError({"value": "required"})
            step_function = services.appraise if action == "appraise" else services.final_appraise
            return step_function(user, score_id, value, text, version)
        if "assessment" not in step:
            raise ValidationError({"assessment": "required"})
        assessment_id = step["assessment"]
        if action == "open_explanation":
            if "deadline" not in step:
                raise ValidationError({"deadline": "required"})
            return services.open_explanation(user, assessment_id, step["deadline"])
        if action == "submit":
            return services.submit(user, assessment_id, version)
        if action == "reopen":
            return services.reopen(user, assessment_id, text)
        return getattr(services, action)(user, assessment_id)
