"""One filter class per listing: the pages and the API use the same."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cchc.inspections.models import (
    Conclusion,
    Finding,
    Inspection,
    InspectionPlan,
    InspectionStatus,
    RemediationStatus,
    Scope,
    Severity,
)
from cchc.plans.models import Area


class InspectionPlanFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"))

    class Meta:
        model = InspectionPlan
        fields = ["year"]


class InspectionFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="plan__year", label=_("Year"))
    plan = django_filters.ModelChoiceFilter(queryset=InspectionPlan.objects.none(), label=_("Inspection plan"))
    agency = django_filters.CharFilter(field_name="agency__code", label=_("Inspected agency code"))
    scope = django_filters.ChoiceFilter(choices=Scope.choices, label=_("Scope"))
    status = django_filters.ChoiceFilter(choices=InspectionStatus.choices, label=_("Status"))

    class Meta:
        model = Inspection
        fields = ["year", "plan", "agency", "scope", "status"]

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        # The plans to choose from: those the reader sees (none without a reader).
        user = getattr(request, "user", None)
        plans = InspectionPlan.objects.restrict(user) if user is not None else InspectionPlan.objects.none()
        self.filters["plan"].queryset = plans
        self.form.fields["plan"].queryset = plans


class FindingFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="inspection__plan__year", label=_("Year"))
    inspection = django_filters.NumberFilter(field_name="inspection_id", label=_("Inspection"))
    agency = django_filters.CharFilter(field_name="inspection__agency__code", label=_("Inspected agency code"))
    category = django_filters.ChoiceFilter(choices=Area.choices, label=_("Category"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))
    status = django_filters.ChoiceFilter(choices=RemediationStatus.choices, label=_("Remediation status"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = Finding
        fields = ["year", "inspection", "agency", "category", "severity", "status", "overdue"]

    def filter_overdue(self, queryset: QuerySet[Finding], name: str, value: Any) -> QuerySet[Finding]:
        if value is None:
            return queryset
        overdue = ~Q(status=RemediationStatus.VERIFIED) & Q(deadline__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class ConclusionFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="issued_on__year", label=_("Year"))
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Conclusion
        fields = ["year", "q"]

    def search(self, queryset: QuerySet[Conclusion], name: str, value: str) -> QuerySet[Conclusion]:
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value))
