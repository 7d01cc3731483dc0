"""One filter class per listing: the plan page, the API and the export all use it."""

from datetime import date
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cchc.plans.models import Area, Plan, Task, TaskStatus


class PlanFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"))
    agency = django_filters.CharFilter(field_name="agency__code", label=_("Issuing agency code"))

    class Meta:
        model = Plan
        fields = ["year", "agency"]


class TaskFilterSet(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id", label=_("Plan"))
    year = django_filters.NumberFilter(field_name="plan__year", label=_("Year"))
    area = django_filters.ChoiceFilter(choices=Area.choices, label=_("PAR area"))
    lead_agency = django_filters.CharFilter(field_name="lead_agency__code", label=_("Lead agency code"))
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, label=_("Status"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Not done and overdue"))
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Task
        fields = ["plan", "year", "area", "lead_agency", "status", "overdue", "q"]

    def filter_overdue(self, queryset: QuerySet[Task], name: str, value: Any) -> QuerySet[Task]:
        if value is None:
            return queryset
        overdue = Q(status=TaskStatus.OPEN, deadline__lt=_today())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def search(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        return queryset.filter(Q(task_code__icontains=value) | Q(title__icontains=value))


def _today() -> date:
    return timezone.localdate()


class MyTaskFilterSet(django_filters.FilterSet):
    """ "My tasks": the status, overdue, area and year filters, and whether the agency leads or co-operates."""

    ROLE_CHOICES = (("lead", _("Lead agency")), ("co", _("Co-operating agency")))

    year = django_filters.NumberFilter(field_name="plan__year", label=_("Year"))
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, label=_("Status"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Not done and overdue"))
    area = django_filters.ChoiceFilter(choices=Area.choices, label=_("PAR area"))
    role = django_filters.ChoiceFilter(choices=ROLE_CHOICES, method="filter_role", label=_("Our part"))
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Task
        fields = ["year", "status", "overdue", "area", "role", "q"]

    def __init__(self, *args: Any, agencies: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agencies = agencies or []

    def filter_overdue(self, queryset: QuerySet[Task], name: str, value: Any) -> QuerySet[Task]:
        return TaskFilterSet.filter_overdue(self, queryset, name, value)

    def filter_role(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        if value == "lead":
            return queryset.filter(lead_agency__in=self.agencies)
        if value == "co":
            return queryset.exclude(lead_agency__in=self.agencies)
        return queryset

    def search(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        return queryset.filter(Q(task_code__icontains=value) | Q(title__icontains=value))
