"""One filter class for the provincial indices: the page, the API and the export use it."""

import django_filters
from django.utils.translation import gettext_lazy as _

from cchc.indices.models import IndexKind, ProvincialIndex


class ProvincialIndexFilterSet(django_filters.FilterSet):
    kind = django_filters.ModelChoiceFilter(
        queryset=IndexKind.objects.all(), to_field_name="code", label=_("Index"), empty_label=_("All indices")
    )
    year_from = django_filters.NumberFilter(field_name="year", lookup_expr="gte", label=_("From year"))
    year_to = django_filters.NumberFilter(field_name="year", lookup_expr="lte", label=_("To year"))

    class Meta:
        model = ProvincialIndex
        fields = ["kind", "year_from", "year_to"]
