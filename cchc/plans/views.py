"""The year's plans in the reader's scope, a plan's tasks, a task's page, "my tasks", and the files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.core.evidence import EVIDENCE_MAX_BYTES, EVIDENCE_TYPES, attachment
from cchc.core.formatting import format_date
from cchc.core.tabular import InputError, parse_date
from cchc.core.views import FilteredListView, download
from cchc.plans import services
from cchc.plans.filters import MyTaskFilterSet, PlanFilterSet, TaskFilterSet
from cchc.plans.mine import my_agencies, my_tasks
from cchc.plans.models import Area, Plan, Recurrence, Task, TaskFile, TaskStatus, TaskUpdate
from cchc.plans.services import tasks_file
from cchc.plans.stats import LABELS, OUTCOMES, Group, task_stats
from cchc.scoring.frameworks import parse_decimal


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


# A task's page: its details, progress updates and parts, and the forms to post them (plain POST,
# then a redirect back to the page; a refused post shows the page again with the message and the input).

ACCEPT = ",".join(sorted(EVIDENCE_TYPES))


def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = services.visible_task(request.user, pk)
    error, posted = "", None
    if request.method == "POST":
        posted = request.POST
        try:
            message = _post(request, task)
        except (services.TaskError, InputError) as exc:
            error = exc.one_line() if isinstance(exc, InputError) else str(exc)
        except PermissionDenied:
            raise
        else:
            messages.success(request, message)
            return redirect(task.get_absolute_url())
    return render(
        request, "plans/task_detail.html", _task_context(request, task, error, posted), status=400 if error else 200
    )


def _post(request: HttpRequest, task: Task) -> str:
    post, user = request.POST, request.user
    action = post.get("action", "")
    if action == "recurrence":
        day_text = post.get("recurrence_day", "").strip()
        if day_text and not day_text.isdigit():
            raise services.TaskError(_("The day of the month is from 1 to 31, not %(day)s.") % {"day": day_text})
        made = services.set_recurrence(user, task.pk, post.get("recurrence", ""), int(day_text) if day_text else None)
        return _("The task now repeats: %(n)s occurrences made.") % {"n": made}
    if action not in (TaskUpdate.Kind.PROGRESS, TaskUpdate.Kind.PART):
        raise services.TaskError(_("Unknown action."))
    done = action == TaskUpdate.Kind.PROGRESS and post.get("done") == "1"
    services.post_update(
        user,
        task.pk,
        kind=action,
        text=post.get("text", ""),
        percent=parse_decimal(post.get("percent", ""), None, _("Progress (%)")) if action == "progress" else None,  # type: ignore[arg-type]
        files=request.FILES.getlist("files"),
        done=done,
        completed_on=parse_date(post.get("completed_on", ""), None, _("Completed on")) if done else None,
        agency_id=post.get("agency") or None,
    )
    if done:
        return _("The task is reported done.")
    return _("Progress update posted.") if action == "progress" else _("Part posted.")


def _task_context(request: HttpRequest, task: Task, error: str, posted: Any) -> dict[str, Any]:
    user, today = request.user, timezone.localdate()
    updates = task.updates.select_related("agency", "author").prefetch_related("files").order_by("created_at", "pk")
    occurrences = list(task.occurrences.order_by("deadline", "task_code")) if task.is_series else []
    outcome = task.outcome(today)
    return {
        "task": task,
        "today": today,
        "outcome": outcome,
        "outcome_label": LABELS[outcome],
        "co_agencies": list(task.co_agencies.order_by("path")),
        "progress": [u for u in updates if u.kind == TaskUpdate.Kind.PROGRESS],
        "parts": [u for u in updates if u.kind == TaskUpdate.Kind.PART],
        "occurrences": [(o, LABELS[o.outcome(today)], o.outcome(today)) for o in occurrences],
        "series": task.series,
        "can_report": not task.is_series and services.can_report_progress(user, task),
        "part_agencies": [] if task.is_series else services.part_agencies(user, task),
        "can_repeat": not task.is_series and task.series_id is None and services.can_set_recurrence(user, task),
        "recurrence_choices": [c for c in Recurrence.choices if c[0]],
        "error": error,
        "posted": posted or {},
        "accept": ACCEPT,
        "max_mb": EVIDENCE_MAX_BYTES // (1024 * 1024),
        "is_done": task.status == TaskStatus.DONE,
        "verified_elsewhere": services.verified_elsewhere(task),
    }


def task_file(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file of a task the reader sees, always as an attachment."""
    stored = get_object_or_404(TaskFile.objects.restrict(request.user), pk=pk)
    return attachment(stored.file, stored.original_name)


# "My tasks" (Nhiệm vụ của tôi): the tasks led or co-operated by the agencies the user holds a grant on.


@dataclass
class MyTaskRow:
    """A row of "my tasks", its texts ready: the page renders 50 of them at each request."""

    task: Task
    url: str
    title: str
    area: str
    role: str
    outcome: str
    state: str
    deadline: str


def my_task_rows(tasks: Iterable[Task], agencies: list[int], today: date) -> list[MyTaskRow]:
    prefix = reverse("plans:task", args=[0]).removesuffix("0/")
    areas = {code: str(label) for code, label in Area.choices}
    states = {key: str(LABELS[key]) for key in OUTCOMES}
    lead, co = str(_("Lead agency")), str(_("Co-operating agency"))
    rows = []
    for task in tasks:
        outcome = task.outcome(today)
        title = task.title if len(task.title) <= 120 else task.title[:119] + "…"
        role = lead if task.lead_agency_id in agencies else co
        rows.append(
            MyTaskRow(
                task,
                f"{prefix}{task.pk}/",
                title,
                areas.get(task.area, task.area),
                role,
                outcome,
                states[outcome],
                format_date(task.deadline),
            )
        )
    return rows


class MyTasksView(FilteredListView):
    template_name = "plans/my_tasks.html"
    filterset_class = MyTaskFilterSet
    paginate_by = 50

    def get_queryset(self) -> QuerySet:
        self.agencies = my_agencies(self.request.user)
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=self.base_queryset(), agencies=self.agencies
        )
        for field in self.filterset.form.fields.values():
            is_select = getattr(field.widget, "input_type", "") == "select"
            field.widget.attrs.setdefault(
                "class", "form-select form-select-sm" if is_select else "form-control form-control-sm"
            )
        return self.filterset.qs

    def base_queryset(self) -> QuerySet[Task]:
        return (
            my_tasks(self.request.user, self.agencies)
            .select_related("lead_agency", "plan")
            .order_by("deadline", "plan_id", "task_code")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        counts = self.filterset.qs.order_by().aggregate(
            done=Count("pk", filter=Q(status=TaskStatus.DONE)),
            open_overdue=Count("pk", filter=Q(status=TaskStatus.OPEN, deadline__lt=today)),
            open_in_time=Count("pk", filter=Q(status=TaskStatus.OPEN, deadline__gte=today)),
        )
        rows = my_task_rows(context["object_list"], self.agencies, today)
        context.update(today=today, counts=counts, rows=rows, labels=LABELS, has_agencies=bool(self.agencies))
        return context
