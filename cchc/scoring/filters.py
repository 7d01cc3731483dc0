"""One filter class per listing: the pages, the API and the exports use it."""

import django_filters
from django.utils.translation import gettext_lazy as _

from cchc.scoring.models import Assessment, Band, Score


class AssessmentFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"))
    block = django_filters.CharFilter(field_name="framework__block__code", label=_("Block code"))
    agency = django_filters.CharFilter(field_name="agency__code", label=_("Agency code"))
    state = django_filters.ChoiceFilter(choices=Assessment.State.choices, label=_("State"))
    band = django_filters.ChoiceFilter(choices=Band.choices, label=_("Band"))

    class Meta:
        model = Assessment
        fields = ["year", "block", "agency", "state", "band"]


class ScoreFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="assessment__year", label=_("Year"))
    agency = django_filters.CharFilter(field_name="assessment__agency__code", label=_("Agency code"))
    criterion = django_filters.CharFilter(field_name="criterion__code", label=_("Criterion code"))

    class Meta:
        model = Score
        fields = ["year", "agency", "criterion"]
