"""Pages of periodic reports: the periods, a period's reports, one report (edited with autosave), and the
steps of its workflow. Views stay thin: every step is a function of ``services``."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cchc.accounts.roles import Role
from cchc.agencies.models import Agency, Block
from cchc.core.scope import agency_q
from cchc.core.views import download
from cchc.documents import engine
from cchc.reports import calendar, services
from cchc.reports.consolidation import agency_context, appendix2_workbook, document_kind, province_context
from cchc.reports.models import (
    FormSection,
    PeriodKind,
    Report,
    ReportEvent,
    ReportForm,
    ReportingPeriod,
    ReportState,
)

MAX_SAVE_BYTES = 2_000_000  # an autosave carries the changed fields only; a 300-field form is far below this


def index(request: HttpRequest) -> HttpResponse:
    """The periods the user can see, newest first, and the reports of the user's own agencies."""
    periods = ReportingPeriod.objects.select_related("owner", "form").order_by("-year", "-deadline")
    mine = (
        Report.objects.restrict(request.user, "edit")
        .select_related("agency", "period")
        .order_by("-period__deadline", "agency__path")[:50]
    )
    return render(
        request,
        "reports/index.html",
        {
            "periods": periods,
            "mine": mine,
            "can_create": Agency.objects.restrict(request.user, "coordinate").exists(),
            "today": timezone.localdate(),
        },
    )


def new_period(request: HttpRequest) -> HttpResponse:
    """A coordinator adds a period to the calendar and opens it for blocks."""
    owners = Agency.objects.restrict(request.user, "coordinate").order_by("depth", "path")
    if not owners.exists():
        raise PermissionDenied
    year = _int(request.POST.get("year") or request.GET.get("year")) or timezone.localdate().year
    forms = ReportForm.objects.filter(year=year).order_by("code", "-version")
    blocks = Block.objects.restrict(request.user, "coordinate").filter(year=year).order_by("code")
    if request.method == "POST" and request.POST.get("action") == "create":
        try:
            period = _create(request, owners, forms, blocks, year)
        except (services.WorkflowError, ValueError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The period is open."))
            return redirect("reports:period", pk=period.pk)
    defaults = {kind: calendar.default_range(year, kind) for kind in PeriodKind.values}
    return render(
        request,
        "reports/new_period.html",
        {
            "owners": owners,
            "forms": forms,
            "blocks": blocks,
            "year": year,
            "kinds": PeriodKind.choices,
            "defaults": defaults,
            "posted": request.POST,
        },
    )


def _create(request: HttpRequest, owners: Any, forms: Any, blocks: Any, year: int) -> ReportingPeriod:
    post = request.POST
    owner = owners.filter(pk=_int(post.get("owner"))).first()
    form = forms.filter(pk=_int(post.get("form"))).first()
    if owner is None or form is None:
        raise services.WorkflowError(_("Choose the issuing agency and the form."))
    chosen = list(blocks.filter(pk__in=[_int(v) for v in post.getlist("blocks")]))
    if not chosen:
        raise services.WorkflowError(_("Choose at least one block to open the period for."))
    period = services.create_period(
        request.user,
        owner,
        year,
        post.get("kind", ""),
        form,
        cutoff_start=_date(post.get("cutoff_start")),
        cutoff_end=_date(post.get("cutoff_end")),
        deadline=_date(post.get("deadline")),
    )
    services.open_period(request.user, period.pk, chosen)
    return period


def period_page(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(ReportingPeriod.objects.select_related("owner", "form"), pk=pk)  # the calendar is open
    coordinates = ReportingPeriod.objects.restrict(request.user, "coordinate").filter(pk=pk).exists()
    if request.method == "POST":
        if not coordinates:
            raise PermissionDenied
        ids = [_int(v) for v in request.POST.getlist("report")]
        try:
            count = services.accept(request.user, [i for i in ids if i])
            messages.success(request, _("%(count)s reports accepted.") % {"count": count})
        except services.WorkflowError as exc:
            messages.error(request, str(exc))
        return redirect("reports:period", pk=pk)
    reports = (
        Report.objects.restrict(request.user).filter(period=period).select_related("agency").order_by("agency__path")
    )
    state = request.GET.get("state", "")
    if state in ReportState.values:
        reports = reports.filter(state=state)
    return render(
        request,
        "reports/period.html",
        {
            "period": period,
            "reports": reports,
            "coordinates": coordinates,
            "can_document": _reads_province(request.user, period),
            "states": ReportState.choices,
            "state": state,
            "today": timezone.localdate(),
        },
    )


def owed_report(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The report an agency owes for a period (the home page's and the reminders' link): its page, the row
    made first when the agency took over expected agencies after the period opened."""
    agency = get_object_or_404(Agency.objects.restrict(request.user), code=code)
    period = get_object_or_404(ReportingPeriod, pk=pk)
    return redirect("reports:report", pk=services.ensure_report(request.user, period.pk, agency).pk)


def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(
        Report.objects.restrict(request.user).select_related("agency", "period", "period__form", "updated_by"), pk=pk
    )
    if request.method == "POST":
        _action(request, report)
        return redirect("reports:report", pk=pk)
    return render(request, "reports/report.html", _report_context(request, report))


def province_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The province's report of the period (DOCX), or its Phụ lục 2 (``?format=xlsx``), as the system holds
    them now: for the owner's coordinators and leadership viewers."""
    period = get_object_or_404(ReportingPeriod.objects.select_related("owner"), pk=pk)
    if not _reads_province(request.user, period):
        raise PermissionDenied
    name = f"bao-cao-cchc-{period.code}"
    if request.GET.get("format") == "xlsx":
        return download(appendix2_workbook(period, user=request.user), f"{name}-phu-luc-2.xlsx")
    context = province_context(period, user=request.user, today=timezone.localdate())
    return download(engine.render(document_kind(period.kind), period.year, context), f"{name}.docx")


def _reads_province(user: Any, period: ReportingPeriod) -> bool:
    readers = agency_q(user, [Role.COORDINATOR, Role.VIEWER])
    return readers is None or Agency.objects.filter(readers).filter(pk=period.owner_id).exists()


def report_document(request: HttpRequest, pk: int) -> HttpResponse:
    """One agency's report as an official document (DOCX), as it stands."""
    report = get_object_or_404(Report.objects.restrict(request.user).select_related("agency", "period"), pk=pk)
    context = agency_context(report, user=request.user, today=timezone.localdate())
    name = f"bao-cao-cchc-{report.period.code}-{report.agency.code}.docx"
    return download(engine.render("agency", report.period.year, context), name)


def _can(user: Any, report: Report, action: str) -> bool:
    return Report.objects.restrict(user, action).filter(pk=report.pk).exists()


def _report_context(request: HttpRequest, report: Report) -> dict[str, Any]:
    user, state = request.user, report.state
    editable = state in (ReportState.DRAFT, ReportState.RETURNED) and report.period.opened_at is not None
    can = {
        "edit": editable and _can(user, report, "edit"),
        "submit": editable and _can(user, report, "submit"),
        "coordinate": _can(user, report, "coordinate"),
    }
    found = services.check(report, user=user) if can["edit"] or can["submit"] else None
    figures = report.prefilled if report.locked or not found else found.figures
    events = list(report.events.select_related("user").prefetch_related("notes").order_by("at", "pk"))
    notes = _open_notes(events, report)
    sections = _sections(report, figures, notes)
    return {
        "report": report,
        "period": report.period,
        "sections": sections,
        "can": can,
        "check": found,
        "events": events,
        "changes": services.changes_since_return(report),
        "targets": [(s["section"].code, s["section"].title) for s in sections]
        + [(f["field"].code, f["field"].label) for s in sections for f in s["fields"]],
        "today": timezone.localdate(),
        "overdue": report.period.deadline < timezone.localdate() and report.first_submitted_at is None,
    }


def _open_notes(events: list[ReportEvent], report: Report) -> dict[str, list[str]]:
    """The reasons of the last return, by field or section, while the agency is answering them."""
    if report.state not in (ReportState.RETURNED, ReportState.SUBMITTED):
        return {}
    returns = [e for e in events if e.action in (ReportEvent.Action.RETURN, ReportEvent.Action.REOPEN)]
    if not returns:
        return {}
    found: dict[str, list[str]] = {}
    for note in returns[-1].notes.all():
        found.setdefault(note.target, []).append(note.reason)
    return found


def _sections(report: Report, figures: dict[str, Any], notes: dict[str, list[str]]) -> list[dict[str, Any]]:
    form = report.period.form
    sections = FormSection.objects.filter(form=form).prefetch_related(Prefetch("fields")).order_by("order")
    result = []
    for section in sections:
        fields = []
        for f in section.fields.all():
            value = report.values.get(f.code)
            fields.append(
                {
                    "field": f,
                    "value": "" if value is None else value,
                    "rows": _rows(f, value),
                    "figure": figures.get(f.code),
                    "notes": notes.get(f.code, []),
                }
            )
        result.append({"section": section, "fields": fields, "notes": notes.get(section.code, [])})
    return result


def _rows(form_field: Any, value: Any) -> list[list[tuple[dict[str, Any], str]]]:
    """A table field's rows as (column, cell) pairs, with two empty rows to type into."""
    if form_field.kind != "table":
        return []
    rows = [*(value or []), {}, {}]
    return [[(c, str(row.get(c["code"], ""))) for c in form_field.columns] for row in rows]


def _action(request: HttpRequest, report: Report) -> None:
    post, user = request.POST, request.user
    action = post.get("action", "")
    steps = {
        "save": lambda: _save_form(request, report),
        "submit": lambda: services.submit(
            user,
            report.pk,
            _int(post.get("version")),
            {k[8:]: str(v) for k, v in post.items() if k.startswith("justify-")},
        ),
        "return": lambda: services.return_report(user, report.pk, _notes(post), post.get("reason", "")),
        "accept": lambda: services.accept(user, [report.pk]),
        "reopen": lambda: services.reopen(user, report.pk, post.get("reason", "")),
    }
    if action not in steps:
        raise Http404
    try:
        steps[action]()
        messages.success(request, _("Saved."))
    except services.WorkflowError as exc:
        messages.error(request, str(exc))


def _notes(post: Any) -> list[tuple[str, str]]:
    """(target, reason) pairs of the return form: one reason per section, and free rows of field and reason."""
    notes = [(key[4:], value) for key, value in post.items() if key.startswith("why:") and value.strip()]
    notes += list(zip(post.getlist("target"), post.getlist("target_reason"), strict=False))
    return notes


def _save_form(request: HttpRequest, report: Report) -> services.Saved:
    """The page's own form without script: every field posted, merged like an autosave."""
    post = request.POST
    changes: dict[str, Any] = {}
    for f in report.period.form.fields.all():
        if f.prefill:
            continue
        if f.kind == "table":
            columns = [c["code"] for c in f.columns]
            cells = [post.getlist(f"{f.code}.{c}") for c in columns]
            changes[f.code] = [dict(zip(columns, row, strict=True)) for row in zip(*cells, strict=False)]
        elif f.code in post:
            changes[f.code] = post[f.code]
    saved = services.save_values(request.user, report.pk, changes, _int(post.get("version")) or 0)
    for conflict in saved.conflicts:
        messages.warning(
            request,
            _("“%(label)s” was changed by %(by)s at %(at)s: your text was not saved over theirs.")
            % {"label": conflict.label, "by": conflict.by, "at": conflict.at},
        )
    return saved


@require_POST
def autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """The page's script posts ``{"version": n, "changes": {code: value}}`` a moment after each change."""
    get_object_or_404(Report.objects.restrict(request.user), pk=pk)  # another agency's report does not exist
    if len(request.body) > MAX_SAVE_BYTES:
        return JsonResponse({"detail": _("Too much at once.")}, status=413)
    try:
        payload = json.loads(request.body)
        changes, version = dict(payload["changes"]), int(payload["version"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": _("The autosave could not be read.")}, status=400)
    try:
        saved = services.save_values(request.user, pk, changes, version)
    except PermissionDenied:
        return JsonResponse({"detail": _("You may not do this on this agency's report.")}, status=403)
    except services.WorkflowError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    return JsonResponse(
        {
            "version": saved.version,
            "saved": saved.saved,
            "conflicts": [asdict(c) for c in saved.conflicts],
            "at": timezone.localtime().strftime("%H:%M:%S"),
        }
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> date | None:
    if not value:
        return None
    parsed = parse_date(str(value))
    if parsed is None:
        raise services.WorkflowError(_("“%(value)s” is not a date.") % {"value": value})
    return parsed
