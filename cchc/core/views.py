from typing import Any

from django.contrib import messages
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from cchc.accounts.roles import Role
from cchc.agencies.models import Agency
from cchc.core import audit, tasks
from cchc.core.filters import AuditFilterSet
from cchc.core.models import AuditEntry, Task
from cchc.core.scope import has_role
from cchc.core.tabular import InputError, write_rows
from cchc.plans.mine import my_tasks_summary
from cchc.reports.completeness import owed

CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".csv": "text/csv; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


def download(content: bytes, filename: str) -> HttpResponse:
    """A generated file (CSV, XLSX, DOCX) as an attachment, never shown inline."""
    kind = CONTENT_TYPES[filename[filename.rfind(".") :].lower()]
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class FilteredListView(ListView):
    """A listing through its filter class over the user's scoped queryset."""

    filterset_class: Any = None

    def base_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        self.filterset = self.filterset_class(self.request.GET or None, queryset=self.base_queryset())
        for field in self.filterset.form.fields.values():
            is_select = getattr(field.widget, "input_type", "") == "select"
            field.widget.attrs.setdefault(
                "class", "form-select form-select-sm" if is_select else "form-control form-control-sm"
            )
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(filter=self.filterset, querystring=query.urlencode())
        return context


def home(request: HttpRequest) -> HttpResponse:
    visible = Agency.objects.restrict(request.user)
    by_kind = visible.values("kind").annotate(n=Count("pk")).order_by("kind")
    grants = request.user.grants.select_related("agency").order_by("role")  # type: ignore[union-attr]
    kinds = dict(Agency._meta.get_field("kind").choices)  # type: ignore[arg-type]
    return render(
        request,
        "core/home.html",
        {
            "by_kind": [{"label": kinds.get(row["kind"], row["kind"]), **row} for row in by_kind],
            "agency_count": visible.count(),
            "grants": grants,
            # What the user's agencies owe and by when (periodic reports), for their focal officers and heads.
            "owes_reports": has_role(request.user, {Role.FOCAL, Role.HEAD}) and not request.user.is_superuser,
            "owed": owed(request.user, timezone.localdate()),
            "my_tasks": my_tasks_summary(request.user),
        },
    )


def _audit_entries(user: Any) -> QuerySet[AuditEntry]:
    """The entries the user may read (coordinators: those of the agencies in their scope)."""
    return AuditEntry.objects.restrict(user).select_related("user", "agency", "content_type")


class AuditListView(FilteredListView):
    """The audit trail as a PAR officer reads it: one row per entry, its changes labelled and formatted."""

    template_name = "core/audit_list.html"
    filterset_class = AuditFilterSet
    paginate_by = 25

    def base_queryset(self) -> QuerySet[AuditEntry]:
        return _audit_entries(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rows"] = audit.readable(context["object_list"])
        return context


def audit_export(request: HttpRequest) -> HttpResponse:
    """The entries the page's filters select, as XLSX; a filter that does not read is refused, not ignored."""
    entries = AuditFilterSet(request.GET or None, queryset=_audit_entries(request.user))
    if entries.is_bound and not entries.is_valid():
        errors = "; ".join(f"{entries.form[name].label}: {' '.join(e)}" for name, e in entries.errors.items())
        return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
    content = write_rows(audit.export_columns(), audit.export_rows(entries.qs), "xlsx", title=_("Audit trail"))
    return download(content, f"audit-{timezone.localdate():%Y%m%d}.xlsx")


def _own_task(request: HttpRequest, pk: Any) -> Task:
    """A task is seen by the person who started it (and system administrators)."""
    visible = Task.objects.all() if request.user.is_superuser else Task.objects.filter(user=request.user.pk)
    task = get_object_or_404(visible, pk=pk)
    tasks.found_dead(task)  # whoever looks at a task whose worker died is told so
    return task


def _task_context(request: HttpRequest, task: Task) -> dict[str, Any]:
    return {
        "task": task,
        "progress": tasks.progress(task),
        "can_restart": tasks.can_restart(task, request.user),
        "needs_file": tasks.needs_file(task),
    }


def task_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    task = _own_task(request, pk)
    return render(request, "core/task_detail.html", _task_context(request, task))


def task_progress(request: HttpRequest, pk: Any) -> HttpResponse:
    """The progress fragment htmx polls until the task has finished."""
    task = _own_task(request, pk)
    return render(request, "core/_task_progress.html", _task_context(request, task))


@require_POST
def task_restart(request: HttpRequest, pk: Any) -> HttpResponse:
    """Its user starts a failed task again (choosing the file again when the task read an upload)."""
    task = _own_task(request, pk)
    if not tasks.can_restart(task, request.user):
        raise Http404
    try:
        again = tasks.restart(task, request.FILES.get("file"))
    except InputError as exc:
        messages.error(request, exc.one_line())
        return redirect(task.get_absolute_url())
    return redirect(again.get_absolute_url())
