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
from cchc.plans.stats import LABELS, OUTCOMES, Group, task_stats


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
        stats = task_stats(year, user=self.request.user, by="area")
        context.update(year=year, stats=stats, chart=task_chart(stats))
        return context


def task_chart(groups: list[Group]) -> dict[str, Any]:
    """What the page's charts draw, from the table's own groups: per area the four outcomes (stacked), and
    the year's totals (doughnut)."""
    names = dict(zip(OUTCOMES, (str(LABELS[n]) for n in OUTCOMES), strict=True))
    return {
        "labels": [g.name for g in groups],
        "series": [{"key": n, "label": names[n], "data": [getattr(g, n) for g in groups]} for n in OUTCOMES],
        "totals": [sum(getattr(g, n) for g in groups) for n in OUTCOMES],
        "assigned": sum(g.assigned for g in groups),
    }


def appendix1(request: HttpRequest) -> HttpResponse:
    """Phụ lục 1 of the year (tasks by PAR area, as of today) as XLSX, over the tasks the reader sees: the
    reports' own sheet (``reports.appendices.appendix1_xlsx``)."""
    from cchc.core.formatting import format_date_text
    from cchc.reports.appendices import appendix1_xlsx

    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    today = timezone.localdate()
    groups = task_stats(year, user=request.user, as_of=today, by="area")
    subtitle = f"(Kế hoạch CCHC năm {year}; số liệu tính đến {format_date_text(today)})"
    return download(appendix1_xlsx(groups, subtitle), f"phu-luc-1-nhiem-vu-{year}.xlsx")


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
