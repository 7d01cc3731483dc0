"""One filter class per listing: the page, the API and the export all use it."""

from typing import Any

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cchc.core.models import AuditEntry

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilterSet(django_filters.FilterSet):
    """The audit trail by agency, user, kind of object, action and period: the page and its export."""

    agency = django_filters.CharFilter(
        method="filter_agency", label=_("Agency"), widget=forms.TextInput(attrs={"placeholder": _("code or name")})
    )
    user = django_filters.CharFilter(
        method="filter_user", label=_("User"), widget=forms.TextInput(attrs={"placeholder": _("login or full name")})
    )
    kind = django_filters.ChoiceFilter(field_name="content_type", label=_("Object type"))
    action = django_filters.ChoiceFilter(choices=AuditEntry.Action.choices, label=_("Action"))
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"), widget=DATE)
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("To"), widget=DATE)

    class Meta:
        model = AuditEntry
        fields = ["agency", "user", "kind", "action", "since", "until"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The kinds of object that occur in the entries the user may see, by their translated names.
        kinds = ContentType.objects.filter(pk__in=self.queryset.values("content_type"))
        choices = [(str(ct.pk), capfirst(str(ct.name))) for ct in kinds]
        self.filters["kind"].extra["choices"] = sorted(choices, key=lambda choice: choice[1])

    def filter_agency(self, queryset: QuerySet[AuditEntry], name: str, value: str) -> QuerySet[AuditEntry]:
        value = value.strip()
        return queryset.filter(Q(agency__code__iexact=value) | Q(agency__name__icontains=value))

    def filter_user(self, queryset: QuerySet[AuditEntry], name: str, value: str) -> QuerySet[AuditEntry]:
        value = value.strip()
        return queryset.filter(Q(user__username__iexact=value) | Q(user__full_name__icontains=value))
