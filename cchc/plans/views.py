"""The year's plans in the reader's scope, a plan's tasks, and the tasks as a file."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cchc.core.views import FilteredListView, download
from cchc.plans.filters import PlanFilterSet, TaskFilterSet
from cchc.plans.models import Plan, Task
from cchc.plans.services import tasks_file
from cchc.plans.stats import task_stats


class PlanListView(FilteredListView):
    template_name = "plans/plan_list.html"
    filterset_class = PlanFilterSet
    paginate_by = 50

    def base_queryset(self) -> QuerySet[Plan]:
        return Plan.objects.restrict(self.request.user).select_related("agency")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        year = self.filterset.form.cleaned_data.get("year") if self.filterset.is_bound else None
        year = int(year or timezone.localdate().year)
        context.update(year=year, stats=task_stats(year, user=self.request.user, by="area"))
        return context


class PlanDetailView(FilteredListView):
    template_name = "plans/plan_detail.html"
    filterset_class = TaskFilterSet
    paginate_by = 100

    def base_queryset(self) -> QuerySet[Task]:
        self.plan = get_object_or_404(
            Plan.objects.restrict(self.request.user).select_related("agency"), pk=self.kwargs["pk"]
        )
        tasks = Task.objects.restrict(self.request.user).filter(plan=self.plan)
        return tasks.select_related("lead_agency").prefetch_related("co_agencies").order_by("task_code")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(plan=self.plan, today=timezone.localdate())
        return context


def plan_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's tasks the reader sees (with the page's filters), in the import's columns."""
    plan = get_object_or_404(Plan.objects.restrict(request.user).select_related("agency"), pk=pk)
    fmt = request.GET.get("format", "csv")
    fmt = fmt if fmt in ("csv", "xlsx") else "csv"
    tasks = TaskFilterSet(request.GET, queryset=Task.objects.restrict(request.user).filter(plan=plan)).qs
    return download(tasks_file(plan, tasks, fmt), f"plan-{plan.year}-{plan.agency.code}.{fmt}")
