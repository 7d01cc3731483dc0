"""One filter class per listing: the pages, the API and the exports use it."""

import django_filters
from django.utils.translation import gettext_lazy as _

from cchc.reports.models import PeriodKind, Report, ReportingPeriod, ReportState


class ReportFilterSet(django_filters.FilterSet):
    period = django_filters.NumberFilter(field_name="period_id", label=_("Period id"))
    year = django_filters.NumberFilter(field_name="period__year", label=_("Year"))
    kind = django_filters.ChoiceFilter(field_name="period__kind", choices=PeriodKind.choices, label=_("Period"))
    agency = django_filters.CharFilter(field_name="agency__code", label=_("Agency code"))
    state = django_filters.ChoiceFilter(choices=ReportState.choices, label=_("State"))

    class Meta:
        model = Report
        fields = ["period", "year", "kind", "agency", "state"]


class PeriodFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"))
    kind = django_filters.ChoiceFilter(choices=PeriodKind.choices, label=_("Period"))

    class Meta:
        model = ReportingPeriod
        fields = ["year", "kind"]
