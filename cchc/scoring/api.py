"""The PAR index over the API: assessments with their results, and criterion scores, in the caller's scope."""

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, serializers, viewsets

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
