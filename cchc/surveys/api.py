"""Read-only API of the questionnaires and the satisfaction figures (``survey_stats``), in the caller's scope.

A questionnaire holds no agency's data: every signed-in caller reads them. The figures follow the
caller's scope as the results page does.
"""

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
from cchc.surveys.models import Question, Questionnaire
from cchc.surveys.stats import GROUPINGS, questionnaire_of, rate, survey_stats


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ["code", "element", "text", "order"]


class QuestionnaireSerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Questionnaire
        fields = ["id", "year", "title", "target", "questions"]


class QuestionnaireViewSet(viewsets.ReadOnlyModelViewSet):
    """The questionnaires, one a year, with their questions (no agency's data)."""

    serializer_class = QuestionnaireSerializer
    lookup_field = "year"

    def get_queryset(self) -> QuerySet[Questionnaire]:
        return Questionnaire.objects.prefetch_related("questions").order_by("-year")


class SurveyStatsView(APIView):
    """``survey_stats`` of a year (``year``, ``from``, ``to``, ``by``: none, agency, kind or block), in the
    caller's scope; the JSON of ``cchc survey_stats --format json``."""

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="year of the questionnaire (default: this year)"),
            OpenApiParameter("from", str, description="first day answered, yyyy-mm-dd"),
            OpenApiParameter("to", str, description="last day answered, yyyy-mm-dd"),
            OpenApiParameter("by", str, description="none, agency, kind or block"),
        ],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        year, by = _year(request.query_params.get("year")), request.query_params.get("by", "none")
        if by not in GROUPINGS:
            raise ValidationError({"by": f"one of {', '.join(GROUPINGS)}"})
        start, end = _day(request.query_params.get("from", ""), "from"), _day(request.query_params.get("to", ""), "to")
        questionnaire = questionnaire_of(year)
        groups = survey_stats(year, user=request.user, start=start, end=end, by=by)
        return Response(
            {
                "year": year,
                "from": start.isoformat() if start else None,
                "to": end.isoformat() if end else None,
                "by": by,
                "target": rate(questionnaire.target if questionnaire else None),
                "groups": [g.as_json() for g in groups],
            }
        )


def _year(text: Any) -> int:
    try:
        return int(text) if text else timezone.localdate().year
    except ValueError:
        raise ValidationError({"year": "a year"}) from None


def _day(text: str, name: str) -> date | None:
    try:
        return parse_date(text, None, name)
    except InputError as exc:
        raise ValidationError({name: str(exc)}) from None
