import django_filters
from django.utils.translation import gettext_lazy as _

from cchc.core.models import AuditEntry


class AuditFilterSet(django_filters.FilterSet):
    user = django_filters.CharFilter(field_name="user__username", label=_("User"))
    agency = django_filters.CharFilter(field_name="agency__code", label=_("Agency code"))
    action = django_filters.ChoiceFilter(choices=AuditEntry.Action.choices, label=_("Action"))
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"))
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = AuditEntry
        fields = ["user", "agency", "action", "since", "until"]
