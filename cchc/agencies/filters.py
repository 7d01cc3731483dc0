"""One filter class per listing: the page, the API and the export all use it."""

from datetime import date

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cchc.agencies.models import Agency, AgencyKind, AgencyQuerySet, Block


class AgencyFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=AgencyKind.choices, label=_("Kind"))
    parent = django_filters.CharFilter(field_name="parent__code", label=_("Parent agency code"))
    active_on = django_filters.DateFilter(
        method="filter_active_on", label=_("Active on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    block = django_filters.CharFilter(field_name="block_memberships__block__code", label=_("Block code"))
    year = django_filters.NumberFilter(field_name="block_memberships__year", label=_("Block year"))

    class Meta:
        model = Agency
        fields = ["q", "kind", "parent", "active_on", "block", "year"]

    def search(self, queryset: QuerySet[Agency], name: str, value: str) -> QuerySet[Agency]:
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))

    def filter_active_on(self, queryset: AgencyQuerySet, name: str, value: date) -> AgencyQuerySet:
        return queryset.active_on(value)


class BlockFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"))
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Block
        fields = ["year", "q"]

    def search(self, queryset: QuerySet[Block], name: str, value: str) -> QuerySet[Block]:
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))
