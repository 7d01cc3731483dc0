"""The province's indices: a table and a chart per index over the years; import, export and entry."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cchc.core.tabular import InputError
from cchc.core.views import FilteredListView, download
from cchc.indices import services
from cchc.indices.filters import ProvincialIndexFilterSet
from cchc.indices.forms import IndexValueForm, IndicesImportForm
from cchc.indices.models import IndexKind, ProvincialIndex


def readable() -> QuerySet[ProvincialIndex]:
    """The province's published results: every signed-in person reads them (no agency's own data)."""
    return ProvincialIndex.objects.all().select_related("kind", "province")


class IndexListView(FilteredListView):
    template_name = "indices/index.html"
    filterset_class = ProvincialIndexFilterSet

    def base_queryset(self) -> QuerySet[ProvincialIndex]:
        return readable()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        by_kind: dict[int, list[services.Line]] = defaultdict(list)
        for line in services.lines(readable()):  # the change needs the year before, whatever the filter
            by_kind[line.value.kind_id].append(line)
        shown = {v.pk for v in context["object_list"]}
        panels = []
        for kind in IndexKind.objects.all():
            rows = [line for line in by_kind.get(kind.pk, []) if line.value.pk in shown]
            if rows:
                panels.append(
                    {"kind": kind, "lines": rows[::-1], "chart": chart(kind, rows), "id": f"chart-{kind.code}"}
                )
        province = services.editable_province(self.request.user)
        context.update(panels=panels, can_edit=province is not None, province=province)
        if province is not None:
            context.update(import_form=IndicesImportForm(), value_form=IndexValueForm())
        return context


def chart(kind: IndexKind, rows: list[services.Line]) -> dict[str, Any]:
    """What the chart draws, oldest year first: the rank (its axis inverted: first is on top) and the score."""
    return {
        "title": kind.short_name,
        "years": [line.value.year for line in rows],
        "rank": [line.value.rank for line in rows],
        "out_of": [line.value.out_of for line in rows],
        "score": [None if line.value.score is None else float(line.value.score) for line in rows],
        "rank_label": _("Rank"),
        "score_label": _("Score") + (" (%)" if kind.unit == "percent" else ""),
        "max_rank": max([line.value.out_of or 0 for line in rows] or [0]) or None,
        "scale": None if kind.scale is None else float(kind.scale),
    }


def export(request: HttpRequest) -> HttpResponse:
    """The results (with the page's filters) in the import's columns, XLSX or CSV."""
    fmt = request.GET.get("format", "xlsx")
    fmt = fmt if fmt in ("csv", "xlsx") else "xlsx"
    values = ProvincialIndexFilterSet(request.GET, queryset=readable()).qs
    provinces = {v.province for v in values}
    content = services.indices_file(values, fmt, provinces.pop() if len(provinces) == 1 else None)
    return download(content, f"chi-so-tinh.{fmt}")


def _refused(request: HttpRequest) -> None:
    if services.editable_province(request.user) is None:
        raise PermissionDenied(_("Only the province's coordinators change its indices."))


@require_POST
def import_view(request: HttpRequest) -> HttpResponse:
    _refused(request)
    form = IndicesImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return redirect("indices:index")
    upload = form.cleaned_data["file"]
    try:
        summary = services.import_for(request.user, upload, upload.name, form.cleaned_data["reason"])
    except InputError as exc:
        messages.error(request, exc.one_line())
    else:
        messages.success(request, _("Provincial indices imported: %(summary)s.") % {"summary": summary})
    return redirect("indices:index")


@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    _refused(request)
    form = IndexValueForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return redirect("indices:index")
    try:
        value = services.save_index(request.user, {k: str(v) for k, v in form.cleaned_data.items()})
    except InputError as exc:
        messages.error(request, exc.one_line())
    else:
        messages.success(
            request,
            _("%(index)s of %(year)s saved.") % {"index": value.kind.short_name, "year": value.year},
        )
    return redirect("indices:index")
