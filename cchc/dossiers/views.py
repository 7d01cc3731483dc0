"""Pages of the dossier statistics; every one reads as the request's user (``stats`` restricts each
aggregate table by its own ``scope_roles``), narrowed to a block or an agency where the page is one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.accounts.roles import Role
from cchc.agencies.models import Agency, AgencyKind, Block
from cchc.agencies.services import scope_title
from cchc.core.formatting import format_date, format_number
from cchc.core.scope import agency_q, has_role
from cchc.core.tasks import enqueue, keep_upload
from cchc.core.views import FilteredListView, download
from cchc.dossiers.columns import DECLARED
from cchc.dossiers.filters import BREAKDOWN_CHOICES, DossierFilterSet, ProcedureFilterSet, StatsForm
from cchc.dossiers.models import (
    IMPORT_ROLES,
    Dossier,
    HandlerMonthlyCount,
    Procedure,
    Target,
)
from cchc.dossiers.profiles import PROFILES
from cchc.dossiers.stats import (
    COUNTS,
    GROUPINGS,
    LABELS,
    RATES,
    Indicators,
    PeriodCounts,
    handler_late_rates,
    indicators,
    monthly_trend,
    period_counts,
    service_index,
    total,
)
from cchc.dossiers.tables import EXPORT_LIMIT, dossiers_file, indicators_file
from cchc.scoring.rules import Rules, rules_for_agencies

BLOCK_ROLES = (Role.COORDINATOR, Role.VIEWER, Role.APPRAISER, Role.INSPECTOR)
URL_SAFE = "!$&'()*+,;=~:@"  # what reverse() leaves unquoted in a path argument (RFC 3986 sub-delims), "/" quoted
TABLE_COUNTS = ("received", "carried_over", "resolved", "early", "on_time", "late", "pending", "pending_overdue")
TABLE_RATES = ("early_share", "on_time_share", "late_share", "late_rate", "online_rate")


def _scope(request: HttpRequest) -> QuerySet[Agency]:
    return Agency.objects.restrict(request.user)


def _stats_form(request: HttpRequest) -> tuple[StatsForm, dict[str, Any]]:
    data = request.GET.copy()
    if "by" not in data:
        data["by"] = "block" if has_role(request.user, BLOCK_ROLES) else "agency"
    last_day = _last_day_in_operation(_scope(request))
    form = StatsForm.in_force(data, last_day=last_day)
    return form, {**form.period(), "ended_on": last_day}


def _last_day_in_operation(agencies: QuerySet[Agency]) -> date | None:
    """The last day an agency in view was in operation when all of them have ended, else None."""
    today = timezone.localdate()
    if agencies.filter(Q(active_to__isnull=True) | Q(active_to__gte=today)).exists():
        return None
    return agencies.aggregate(last=Max("active_to"))["last"]


def _period_query(period: dict[str, Any]) -> list[tuple[str, str]]:
    """The period as query parameters, for links and forms that must keep it."""
    return [(k, period[k].isoformat()) for k in ("start", "end", "as_of")]


def _sorted(groups: list[Indicators], sort: str) -> list[Indicators]:
    name = sort.lstrip("-")
    if name not in (*COUNTS, *RATES, "name"):
        return groups

    def key(g: Indicators) -> Any:
        if name == "name":
            return g.name
        value = g.counts[name] if name in COUNTS else g.rates[name]
        return (value is not None, value or 0)

    return sorted(groups, key=key, reverse=sort.startswith("-"))


def _columns(sort: str) -> list[dict[str, Any]]:
    """Table columns with the sort each header link asks for and the aria-sort it shows."""
    columns = []
    for name in (*TABLE_COUNTS, *TABLE_RATES):
        current = "descending" if sort == f"-{name}" else "ascending" if sort == name else "none"
        columns.append(
            {"name": name, "label": LABELS[name], "next": name if sort == f"-{name}" else f"-{name}", "aria": current}
        )
    return columns


def _link(groups: list[Indicators], by: str, period: dict[str, Any], user: Any) -> list[Indicators]:
    """Point each group to its drill-down page, a block's or an agency's, for the same period."""
    year = period["end"].year
    found: dict[str, str] = {}
    if by == "agency":
        # One reverse() for all: 330 of them cost more than the rest of the table's links.
        pattern = reverse("dossiers:agency", args=["__code__"])
        found = {g.key: pattern.replace("__code__", quote(g.key, safe=URL_SAFE)) for g in groups}
    elif by == "block" and has_role(user, BLOCK_ROLES):
        blocks = Block.objects.restrict(user).filter(code__in=[g.key for g in groups])
        # The block of the period's year, else the nearest year's.
        for block in sorted(blocks, key=lambda b: (abs(b.year - year), -b.year)):
            found.setdefault(block.code, reverse("dossiers:block", args=[block.pk]))
    same_period = urlencode(_period_query(period))
    for g in groups:
        g.link = f"{found[g.key]}?{same_period}" if g.key in found else ""
    return groups


def _targets(year: int) -> dict[str, Target]:
    return {t.kind: t for t in Target.objects.filter(year=year)}


def _chart_data(
    period: dict[str, Any], user: Any, overall: Indicators, counts: PeriodCounts | None = None
) -> dict[str, Any]:
    months = monthly_trend(max(period["start"], period["end"] - timedelta(days=3 * 366)), period["end"], user=user)
    if counts is None:
        counts = period_counts(period["start"], period["end"], user=user, as_of=period["as_of"])
    by_kind = counts.group("kind")
    targets = _targets(period["end"].year)
    kinds = dict(AgencyKind.choices)

    return {
        "labels": {
            "received": str(LABELS["received"]),
            "resolved": str(LABELS["resolved"]),
            "late": str(LABELS["late"]),
            "early": str(LABELS["early"]),
            "on_time": str(LABELS["on_time"]),
            "online_rate": str(LABELS["online_rate"]),
            "target": _("Target"),
        },
        "months": [m.name for m in months],  # 1/2026, as the reports write a month
        "received": [m.received for m in months],
        "resolved": [m.resolved for m in months],
        "late": [m.late for m in months],
        "shares": [overall.early, overall.on_time, overall.late],
        "kinds": [str(kinds.get(g.key, g.key)) for g in by_kind],
        "online_rate": [_percent(g.rates["online_rate"]) for g in by_kind],
        "online_target": [_target(targets.get(g.key)) for g in by_kind],
    }


def _target(target: Target | None) -> float | None:
    return None if target is None or target.online_rate_min is None else float(target.online_rate_min)


def _percent(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value) * 100, 2)


def index(request: HttpRequest) -> HttpResponse:
    """Indicators of the period for the user's scope, broken down as asked, with charts and drill-down."""
    form, period = _stats_form(request)
    user = request.user
    # The period's counts per agency, read once: the table (by agency, block, kind or level), the
    # total and the chart by kind are groupings of them. Breakdowns by month or procedure read their own.
    counts = period_counts(period["start"], period["end"], user=user, as_of=period["as_of"])
    if period["by"] in GROUPINGS:
        groups = counts.group(period["by"])
    else:
        groups = indicators(period["start"], period["end"], user=user, as_of=period["as_of"], by=period["by"])
    groups = _link(_sorted(groups, period.get("sort") or ""), period["by"], period, user)
    overall = counts.group("none")[0]
    query = request.GET.copy()
    query.pop("sort", None)
    context = {
        "form": form,
        "period": period,
        "groups": groups,
        "overall": overall,
        "columns": _columns(period.get("sort") or ""),
        "querystring": query.urlencode(),
        "fullquery": request.GET.urlencode(),
        "chart": _chart_data(period, user, overall, counts),
        "can_upload": has_role(request.user, IMPORT_ROLES),
    }
    return render(request, "dossiers/index.html", context)


def export(request: HttpRequest) -> HttpResponse:
    """The indicator table of the page as XLSX (for people) or CSV (for machines), in the page's order."""
    _form, period = _stats_form(request)
    fmt = request.GET.get("format", "xlsx")
    fmt = fmt if fmt in ("csv", "xlsx") else "xlsx"
    agencies = _scope(request)
    groups = indicators(period["start"], period["end"], user=request.user, as_of=period["as_of"], by=period["by"])
    groups = _sorted(groups, period.get("sort") or "")
    name = f"dossiers-{period['start']:%Y%m%d}-{period['end']:%Y%m%d}.{fmt}"
    return download(indicators_file(groups, fmt, period, scope_title(agencies)), name)


class ProcedureListView(FilteredListView):
    """The procedure catalogue (thủ tục hành chính): a public list, not any agency's data."""

    template_name = "dossiers/procedure_list.html"
    filterset_class = ProcedureFilterSet
    paginate_by = 50

    def base_queryset(self) -> QuerySet[Procedure]:
        return Procedure.objects.all()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filtered = self.filterset.qs.order_by()
        levels = dict(Procedure._meta.get_field("level").choices or [])
        online = dict(Procedure._meta.get_field("online_level").choices or [])
        context["by_level"] = [
            (levels.get(r["level"], r["level"]), r["n"])
            for r in filtered.values("level").annotate(n=Count("pk")).order_by("level")
        ]
        context["by_online"] = [
            (online.get(r["online_level"], r["online_level"]), r["n"])
            for r in filtered.values("online_level").annotate(n=Count("pk")).order_by("online_level")
        ]
        context["by_field"] = list(filtered.values("field").annotate(n=Count("pk")).order_by("-n", "field")[:15])
        context["total"] = filtered.count()
        return context


def lookup(request: HttpRequest) -> HttpResponse:
    """A dossier by its whole code, wherever and whenever it was received within the user's scope:
    its agency's page, listing it (read through the code's index, not the periods)."""
    code = request.GET.get("q", "").strip()
    found = (
        Dossier.objects.restrict(request.user).filter(dossier_code=code).select_related("agency").first()
        if code
        else None
    )
    if found is None:
        if code:
            messages.warning(request, _("No dossier with the code “%(code)s” in your scope.") % {"code": code})
        return redirect("dossiers:index")
    url = reverse("dossiers:agency", args=[found.agency.code])
    return redirect(f"{url}?{urlencode({'q': code})}#dossiers-heading")


def agency_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Drill-down to one agency: its indicators, its subordinates' and its dossiers."""
    visible = _scope(request)
    agency = get_object_or_404(visible, code=code)
    form, period = _stats_form(request)
    own, user = [agency.pk], request.user
    overall = total(period["start"], period["end"], user=user, as_of=period["as_of"], agencies=own)
    children = visible.filter(parent=agency)
    child_groups = indicators(
        period["start"], period["end"], user=user, as_of=period["as_of"], by="agency", agencies=children
    )
    child_groups = _link(child_groups, "agency", period, request.user)
    dossiers = _dossier_filter(request, agency)
    # Without a receipt range of its own, the listing shows the dossiers received in the page's period.
    listed = dossiers.listing(default_from=period["start"], default_to=period["end"])
    page = Paginator(listed.select_related("procedure"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "agency": agency,
        "form": form,
        "period": period,
        "overall": overall,
        "children": child_groups,
        "columns": _columns(""),
        "filter": dossiers,
        "keep": _period_query(period),  # filtering keeps the period
        "page_obj": page,
        "rows": _dossier_rows(list(page)),
        "paginator": page.paginator,
        "is_paginated": page.has_other_pages(),
        "querystring": query.urlencode(),
        "parts": service_index(overall),
        "handlers": _handlers(period["start"], period["end"], own, request.user),
        **_suggestions(request, agency, dossiers),
    }
    return render(request, "dossiers/agency_detail.html", context)


def _dossier_filter(request: HttpRequest, agency: Agency) -> DossierFilterSet:
    """The listing's filter over the agency's dossiers in the user's scope (the page and its export)."""
    return DossierFilterSet(request.GET or None, queryset=Dossier.objects.restrict(request.user).filter(agency=agency))


def _suggestions(request: HttpRequest, agency: Agency, dossiers: DossierFilterSet) -> dict[str, list[str]]:
    """The officers and fields the page's filter offers (as the inputs' datalists), read once, distinct in SQL."""
    dossiers.form.fields["handler"].widget.attrs["list"] = "dossier-officers"
    dossiers.form.fields["field"].widget.attrs["list"] = "dossier-fields"
    officers = HandlerMonthlyCount.objects.restrict(request.user).filter(agency=agency)
    return {
        "officers": list(officers.values_list("handler", flat=True).distinct().order_by("handler")),
        "fields_offered": list(
            Procedure.objects.exclude(field="").values_list("field", flat=True).distinct().order_by("field")
        ),
    }


def _dossier_rows(dossiers: Sequence[Dossier]) -> list[dict[str, Any]]:
    """The listed dossiers with their procedure and labels."""
    return [
        {
            "dossier": d,
            "procedure": d.procedure,
            "status": d.get_status_display(),
            "channel": d.get_channel_display(),
        }
        for d in dossiers
    ]


def dossier_export(request: HttpRequest, code: str) -> HttpResponse:
    """The agency's listed dossiers (the page's filter and period) as CSV or XLSX in the import's own
    columns (``cchc.dossiers.columns``): a file that imports back as it is."""
    agency = get_object_or_404(_scope(request), code=code)
    _form, period = _stats_form(request)
    listed = _dossier_filter(request, agency).listing(default_from=period["start"], default_to=period["end"])
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    if listed[: EXPORT_LIMIT + 1].count() > EXPORT_LIMIT:
        messages.warning(
            request,
            _("The listing holds more than %(limit)s dossiers; narrow the period or the filter to export it.")
            % {"limit": format_number(EXPORT_LIMIT)},
        )
        return redirect(f"{reverse('dossiers:agency', args=[agency.code])}?{request.GET.urlencode()}")
    title = _("Dossiers of %(agency)s received from %(start)s to %(end)s") % {
        "agency": agency.name,
        "start": format_date(period["start"]),
        "end": format_date(period["end"]),
    }
    name = f"ho-so-{agency.code}-{period['start']:%Y%m%d}-{period['end']:%Y%m%d}.{fmt}"
    return download(dossiers_file(listed, fmt, title=title), name)


def _handlers(start: date, end: date, agencies: list[int], user: Any) -> list[dict[str, Any]]:
    """Per-officer late rates, for those who may see them (HandlerMonthlyCount's scope roles), each
    flagged against rule 3 as the agency's block sets it for the year (``cchc.scoring.rules``)."""
    rows = handler_late_rates(start, end, user=user, agencies=agencies)
    codes = dict(Agency.objects.filter(pk__in=agencies).values_list("code", "pk"))
    limits = rules_for_agencies(end.year, codes.values())
    for row in rows:
        limit = limits[codes[row["agency__code"]]].officer_late_limit
        row["limit"] = limit
        row["flagged"] = row["late_rate"] is not None and row["late_rate"] >= limit
    return rows


def block_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Drill-down to a block: the indicators of its member agencies in the user's scope."""
    block = get_object_or_404(Block.objects.restrict(request.user), pk=pk)
    form, period = _stats_form(request)
    members, user = Agency.objects.filter(block_memberships__block=block), request.user
    counts = period_counts(period["start"], period["end"], user=user, as_of=period["as_of"], agencies=members)
    groups = _link(_sorted(counts.group("agency"), period.get("sort") or ""), "agency", period, user)
    overall = counts.group("none")[0]  # the members' counts read once, for their rows and their total
    query = request.GET.copy()
    query.pop("sort", None)
    context = {
        "agency_block": block,  # not "block": inside {% block %} that name is Django's own
        "form": form,
        "period": period,
        "groups": groups,
        "overall": overall,
        "columns": _columns(period.get("sort") or ""),
        "querystring": query.urlencode(),
    }
    return render(request, "dossiers/block_detail.html", context)


def targets(request: HttpRequest) -> HttpResponse:
    """Targets of a year per agency kind, and the agencies in scope that miss them (and rule 1 of §7)."""
    try:
        year = int(request.GET.get("year", "")) if request.GET.get("year") else timezone.localdate().year
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2000), 2100)

    groups = indicators(date(year, 1, 1), date(year, 12, 31), user=request.user, by="agency")
    kinds = dict(Agency.objects.filter(code__in=[g.key for g in groups]).values_list("code", "kind"))
    kind_names = dict(AgencyKind.choices)
    ids = dict(Agency.objects.filter(code__in=[g.key for g in groups]).values_list("code", "pk"))
    limits = rules_for_agencies(year, ids.values())
    rows = []
    for target in Target.objects.filter(year=year).order_by("kind"):
        missing = []
        for g in groups:
            if kinds.get(g.key) != target.kind:
                continue
            online, late = g.rates["online_rate"], g.rates["late_rate"]
            reasons = []
            if target.online_rate_min is not None and online is not None and online * 100 < target.online_rate_min:
                reasons.append("online")
            if target.late_rate_max is not None and late is not None and late * 100 > target.late_rate_max:
                reasons.append("late")
            if reasons:
                missing.append({"group": g, "online": "online" in reasons, "late": "late" in reasons})
        rows.append({"target": target, "kind": kind_names.get(target.kind, target.kind), "missing": missing})
    rule1_agencies = [
        {"group": g, "limit": limits[ids[g.key]].late_rate_limit}
        for g in groups
        if g.rates["late_rate"] is not None and g.rates["late_rate"] >= limits[ids[g.key]].late_rate_limit
    ]
    context = {
        "year": year,
        "rows": rows,
        "rule1": rule1_agencies,
        "rule1_threshold": Rules.defaults(year).late_rate_limit,
    }
    return render(request, "dossiers/targets.html", context)


def service_index_page(request: HttpRequest) -> HttpResponse:
    form, period = _stats_form(request)
    overall = total(period["start"], period["end"], user=request.user, as_of=period["as_of"])
    parts = service_index(overall)
    computed = [p for p in parts if p.points is not None]
    # The computable parts per group of the chosen breakdown, best first: who pulls the index down.
    groups = indicators(period["start"], period["end"], user=request.user, as_of=period["as_of"], by=period["by"])
    rows: list[tuple[Indicators, list[Decimal | None], Decimal | None]] = []
    for group in _link(groups, period["by"], period, request.user):
        points = [p.points for p in service_index(group) if p.computable]
        known = [p for p in points if p is not None]
        rows.append((group, points, sum(known, Decimal(0)) if known else None))
    rows.sort(key=lambda r: (r[2] is None, -(r[2] or 0), r[0].key))
    context = {
        "form": form,
        "period": period,
        "overall": overall,
        "parts": parts,
        "columns": [p for p in parts if p.computable],
        "columns_maximum": sum(p.maximum for p in parts if p.computable),
        "computed_points": sum((p.points for p in computed if p.points is not None), Decimal(0)),
        "computed_maximum": sum(p.maximum for p in computed),
        "rows": [{"group": g, "points": points, "total": t} for g, points, t in rows],
        "by_label": dict(BREAKDOWN_CHOICES).get(period["by"], ""),
    }
    return render(request, "dossiers/service_index.html", context)


# Upload


def _profile_choices() -> list[tuple[str, str]]:
    """Read per request, so that the descriptions are in the reader's language."""
    return [(name, f"{name} — {p.description}") for name, p in PROFILES.items()]


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (CSV or XLSX)"))
    profile = forms.ChoiceField(label=gettext_lazy("Format of the export"), choices=_profile_choices)
    skip_bad_rows = forms.BooleanField(label=gettext_lazy("Skip bad rows and import the others"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise forms.ValidationError(_("Only CSV and XLSX files are accepted."))
        if upload.size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise forms.ValidationError(_("The file is too large."))
        return upload


def _importable(request: HttpRequest) -> QuerySet[Agency]:
    condition = agency_q(request.user, IMPORT_ROLES)
    return Agency.objects.all() if condition is None else Agency.objects.filter(condition)


def upload(request: HttpRequest) -> HttpResponse:
    """A focal officer uploads a one-stop-shop export for their own agencies; it is imported in the background."""
    agencies = _importable(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        task = enqueue(
            "dossiers.import",
            user=request.user,
            agency=agencies.first() if agencies.count() == 1 else None,
            payload={
                "path": keep_upload(upload_file, "dossiers.import"),
                "name": upload_file.name,
                "profile": form.cleaned_data["profile"],
                "skip_bad_rows": form.cleaned_data["skip_bad_rows"],
            },
            label=_("Dossier import: %(name)s") % {"name": upload_file.name[:200]},
        )
        return redirect(task.get_absolute_url())
    shown = list(agencies.order_by("path")[:50])
    vendors = [p for p in PROFILES.values() if p.columns]
    examples = {"agency_code": shown[0].code} if shown else {}
    columns = [
        {
            "column": c,
            "headers": [p.header_for(c.name) for p in vendors],
            "example": examples.get(c.name, c.example),
        }
        for c in DECLARED
    ]
    context = {
        "form": form,
        "agencies": shown,
        "columns": columns,
        "vendor_profiles": vendors,
        "profiles": PROFILES.values(),
    }
    return render(request, "dossiers/upload.html", context)


def upload_template(request: HttpRequest) -> HttpResponse:
    """A file to fill in for the chosen profile, its example row naming an agency the user may import for."""
    profile = PROFILES.get(request.GET.get("profile", ""), PROFILES["canonical"])
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    agency = _importable(request).order_by("path").values_list("code", flat=True).first()
    return download(profile.template(fmt, agency), f"mau-ho-so-{profile.name}.{fmt}")
