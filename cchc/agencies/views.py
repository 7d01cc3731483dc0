from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from cchc.accounts.roles import Role
from cchc.agencies.filters import AgencyFilterSet, BlockFilterSet
from cchc.agencies.forms import BlockImportForm
from cchc.agencies.models import KIND_ORDER, Agency, Block, BlockMembership
from cchc.agencies.services import agencies_file, blocks_file, import_blocks_file
from cchc.core.scope import has_role
from cchc.core.tabular import InputError
from cchc.core.views import FilteredListView, download


class AgencyListView(FilteredListView):
    template_name = "agencies/agency_list.html"
    filterset_class = AgencyFilterSet
    paginate_by = 50

    def base_queryset(self) -> QuerySet[Agency]:
        return Agency.objects.restrict(self.request.user).select_related("parent").distinct()


def agency_export(request: HttpRequest) -> HttpResponse:
    fmt = request.GET.get("format", "csv")
    fmt = fmt if fmt in ("csv", "xlsx") else "csv"
    visible = Agency.objects.restrict(request.user)
    queryset = visible.select_related("parent").prefetch_related(Prefetch("successors", queryset=visible))
    filtered = AgencyFilterSet(request.GET, queryset=queryset).qs.distinct().order_by("path")
    return download(agencies_file(filtered, visible, fmt), f"agencies.{fmt}")


@dataclass
class TreeNode:
    agency: Agency
    children: list[TreeNode] = field(default_factory=list)


def agency_tree(request: HttpRequest) -> HttpResponse:
    visible = Agency.objects.restrict(request.user)
    active_only = request.GET.get("active") == "1"
    if active_only:
        visible = visible.active_on(timezone.localdate())
    agencies = list(visible.order_by("path"))
    nodes = {a.pk: TreeNode(a) for a in agencies}
    roots: list[TreeNode] = []
    for node in nodes.values():
        parent = nodes.get(node.agency.parent_id) if node.agency.parent_id else None
        (parent.children if parent else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: (KIND_ORDER[n.agency.kind], n.agency.name))
    context = {"roots": roots, "count": len(agencies), "active_only": active_only}
    return render(request, "agencies/agency_tree.html", context)


def agency_detail(request: HttpRequest, code: str) -> HttpResponse:
    visible = Agency.objects.restrict(request.user)
    agency = get_object_or_404(visible.select_related("parent"), code=code)
    context: dict[str, Any] = {
        "agency": agency,
        "ancestors": visible.filter(pk__in=agency.ancestors().values("pk")).order_by("depth"),
        "children": visible.filter(parent=agency).order_by("kind", "name"),
        "successors": visible.filter(predecessors=agency),
        "predecessors": visible.filter(successors=agency),
        "memberships": BlockMembership.objects.filter(agency=agency).select_related("block").order_by("-year"),
    }
    if Agency.objects.restrict(request.user, "coordinate").filter(pk=agency.pk).exists():
        context["grants"] = agency.grants.select_related("user").order_by("role", "user__username")
    return render(request, "agencies/agency_detail.html", context)


class BlockListView(FilteredListView):
    template_name = "agencies/block_list.html"
    filterset_class = BlockFilterSet
    paginate_by = 50

    def base_queryset(self) -> QuerySet[Block]:
        return (
            Block.objects.restrict(self.request.user)
            .select_related("owner")
            .annotate(member_count=Count("memberships"))
            .order_by("-year", "code")  # an aggregate drops Meta.ordering: paginate in a fixed order
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        year = self.filterset.form.cleaned_data.get("year") if self.filterset.form.is_valid() else None
        context["export_year"] = int(year) if year else timezone.localdate().year
        if has_role(self.request.user, {Role.COORDINATOR}):
            context["import_form"] = BlockImportForm(initial={"year": context["export_year"]})
        return context


def block_export(request: HttpRequest) -> HttpResponse:
    """The blocks of a year the user may see, with their members in the user's scope (XLSX or CSV)."""
    fmt = request.GET.get("format", "xlsx")
    fmt = fmt if fmt in ("csv", "xlsx") else "xlsx"
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    content = blocks_file(year, Block.objects.restrict(request.user), Agency.objects.restrict(request.user), fmt)
    return download(content, f"blocks-{year}.{fmt}")


@require_POST
def block_import(request: HttpRequest) -> HttpResponse:
    """A coordinator replaces the membership of the file's blocks (the URL lets coordinators only in)."""
    form = BlockImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return redirect("agencies:blocks")
    year, upload = form.cleaned_data["year"], form.cleaned_data["file"]
    try:
        summary = import_blocks_file(
            upload, year, user=request.user, reason=form.cleaned_data["reason"], name=upload.name
        )
    except InputError as exc:
        messages.error(request, exc.one_line())
    else:
        messages.success(request, _("Blocks of %(year)s imported: %(summary)s.") % {"year": year, "summary": summary})
    return redirect(f"{reverse('agencies:blocks')}?{urlencode({'year': year})}")


def block_detail(request: HttpRequest, pk: int) -> HttpResponse:
    members = Agency.objects.restrict(request.user).order_by("name")
    block = get_object_or_404(
        Block.objects.restrict(request.user)
        .select_related("owner")
        .prefetch_related(Prefetch("members", queryset=members, to_attr="visible_members")),
        pk=pk,
    )
    return render(request, "agencies/block_detail.html", {"the_block": block})


__all__ = ["AgencyListView", "BlockListView", "ListView"]
