"""Pages of conclusions and inspections; every action calls a step of ``services`` (views stay thin)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.accounts.models import User
from cchc.accounts.roles import Role
from cchc.agencies.models import Agency
from cchc.core.tabular import InputError
from cchc.inspections import services
from cchc.inspections.filters import ConclusionFilterSet, InspectionFilterSet
from cchc.inspections.models import (
    INSPECT,
    INSPECTION_ROLES,
    REMEDY,
    Conclusion,
    Directive,
    Finding,
    Inspection,
    InspectionPlan,
    InspectionStatus,
    RemediationEvidence,
    RemediationStatus,
    Scope,
    Severity,
)
from cchc.inspections.stats import inspection_sentence, inspection_stats
from cchc.plans.models import Area, Task
from cchc.plans.stats import LABELS as TASK_LABELS
from cchc.plans.stats import OUTCOMES
from cchc.plans.stats import _counts as task_outcome_counts  # the one definition of on time / late / overdue

ERRORS = (services.InspectionError, InputError)


def _style(filterset: Any) -> Any:
    for field in filterset.form.fields.values():
        is_select = getattr(field.widget, "input_type", "") == "select"
        field.widget.attrs.setdefault(
            "class", "form-select form-select-sm" if is_select else "form-control form-control-sm"
        )
    return filterset


def _year(request: HttpRequest) -> int:
    text = request.GET.get("year", "")
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else timezone.localdate().year


def _agency(code: str) -> Agency:
    agency = Agency.objects.filter(code=(code or "").strip()).first()
    if agency is None:
        raise services.InspectionError(_("unknown agency “%(code)s”") % {"code": code}, _("Agency"))
    return agency


def _agencies(codes: list[str], label: Any) -> list[Agency]:
    codes = [c.strip() for text in codes for c in text.replace(",", ";").split(";") if c.strip()]
    found = {a.code: a for a in Agency.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise services.InspectionError(_("unknown agency “%(code)s”") % {"code": unknown[0]}, label)
    return [found[c] for c in dict.fromkeys(codes)]


def _run(request: HttpRequest, step: Any, done: str) -> Any:
    """Run a step: its success message, or its error's (the state or the input) on the page."""
    try:
        result = step()
    except ERRORS as exc:
        messages.error(request, str(exc))
        return None
    messages.success(request, done)
    return result


# The index: plans, inspections, figures


def index(request: HttpRequest) -> HttpResponse:
    user, year = request.user, _year(request)
    if request.method == "POST":
        return _index_action(request, year)
    inspections = (
        Inspection.objects.restrict(user)
        .select_related("agency", "plan")
        .annotate(
            finding_count=Count("findings", distinct=True),
            verified_count=Count("findings", filter=Q(findings__status=RemediationStatus.VERIFIED), distinct=True),
        )
    )
    filterset = _style(
        InspectionFilterSet(
            request.GET or {"year": year}, request=request, queryset=inspections.order_by("starts_on", "agency__path")
        )
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    (total,) = inspection_stats(year, user=user)
    inspector = services.inspecting_agencies(user).exists()
    context = {
        "year": year,
        "years": range(timezone.localdate().year + 1, timezone.localdate().year - 4, -1),
        "plans": InspectionPlan.objects.restrict(user).filter(year=year).select_related("agency", "task_plan"),
        "filter": filterset,
        "page_obj": page,
        "total": total,
        "sentence": inspection_sentence(total),
        "by_category": [g for g in inspection_stats(year, user=user, by="category") if g.findings],
        "by_severity": inspection_stats(year, user=user, by="severity"),
        "can_plan": inspector,
        "inspecting": services.inspecting_agencies(user) if inspector else [],
        "inspector_plans": InspectionPlan.objects.restrict(user, INSPECT).filter(year=year) if inspector else [],
        "scopes": Scope.choices,
        "team_candidates": _team_candidates() if inspector else [],
    }
    return render(request, "inspections/index.html", context)


def _team_candidates() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, grants__role__in=INSPECTION_ROLES[INSPECT]).distinct().order_by("username")
    )


def _index_action(request: HttpRequest, year: int) -> HttpResponse:
    post, user = request.POST, request.user
    action = post.get("action", "")
    if action == "new_plan":
        agency = services.inspecting_agencies(user).filter(pk=_int(post.get("agency"))).first()
        if agency is None:
            raise PermissionDenied
        _run(
            request,
            lambda: services.create_inspection_plan(
                user,
                agency=agency,
                year=post.get("year", ""),
                title=post.get("title", ""),
                number=post.get("number", ""),
                issued_on=post.get("issued_on", ""),
            ),
            _("The inspection plan is issued."),
        )
        return redirect(f"{request.path}?year={post.get('year', year)}")
    if action == "new_inspection":
        plan = InspectionPlan.objects.restrict(user, INSPECT).filter(pk=_int(post.get("plan"))).first()
        if plan is None:
            raise PermissionDenied

        def schedule() -> Inspection:
            team = list(User.objects.filter(pk__in=[_int(v) for v in post.getlist("team")]))
            return services.schedule_inspection(
                user,
                plan.pk,
                agency=_agency(post.get("agency", "")),
                scope=post.get("scope", ""),
                theme=post.get("theme", ""),
                starts_on=post.get("starts_on", ""),
                ends_on=post.get("ends_on", ""),
                team=team,
                team_note=post.get("team_note", ""),
            )

        inspection = _run(request, schedule, _("The inspection is scheduled."))
        return redirect(inspection.get_absolute_url() if inspection else f"{request.path}?year={plan.year}")
    raise Http404


def _int(value: Any) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() else 0


# An inspection and its findings


def inspection_page(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(
        Inspection.objects.restrict(request.user).select_related("agency", "plan__agency", "plan__task_plan"), pk=pk
    )
    if request.method == "POST":
        _inspection_action(request, inspection)
        return redirect(inspection.get_absolute_url())
    findings = list(inspection.findings.select_related("task"))
    today = timezone.localdate()
    context = {
        "inspection": inspection,
        "findings": findings,
        "team": inspection.team.order_by("username"),
        "today": today,
        "overdue": {f.pk for f in findings if f.is_overdue(today)},
        "can_inspect": Inspection.objects.restrict(request.user, INSPECT).filter(pk=pk).exists(),
        "areas": Area.choices,
        "severities": Severity.choices,
        "statuses": InspectionStatus.choices,
    }
    return render(request, "inspections/inspection.html", context)


def _inspection_action(request: HttpRequest, inspection: Inspection) -> None:
    post, user = request.POST, request.user
    steps = {
        "add_finding": (
            lambda: services.record_finding(
                user,
                inspection.pk,
                text=post.get("text", ""),
                category=post.get("category", ""),
                severity=post.get("severity", ""),
                deadline=post.get("deadline", ""),
            ),
            _("The finding is recorded, with its remediation task for the agency."),
        ),
        "status": (
            lambda: services.set_inspection_status(
                user, inspection.pk, post.get("status", ""), post.get("conclusion", "")
            ),
            _("Saved."),
        ),
    }
    action = post.get("action", "")
    if action not in steps:
        raise Http404
    step, done = steps[action]
    _run(request, step, done)


def finding_page(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(
        Finding.objects.restrict(request.user).select_related("inspection__agency", "inspection__plan", "task__plan"),
        pk=pk,
    )
    if request.method == "POST":
        _finding_action(request, finding)
        return redirect(finding.get_absolute_url())
    steps = finding.steps.select_related("user").prefetch_related(
        Prefetch("evidence", queryset=RemediationEvidence.objects.order_by("pk"))
    )
    user = request.user
    context = {
        "finding": finding,
        "inspection": finding.inspection,
        "steps": steps,
        "today": timezone.localdate(),
        "overdue": finding.is_overdue(timezone.localdate()),
        "can_report": finding.status == RemediationStatus.OPEN
        and Finding.objects.restrict(user, REMEDY).filter(pk=pk).exists(),
        "can_verify": finding.status == RemediationStatus.REPORTED
        and Finding.objects.restrict(user, INSPECT).filter(pk=pk).exists(),
    }
    return render(request, "inspections/finding.html", context)


def _finding_action(request: HttpRequest, finding: Finding) -> None:
    post, user = request.POST, request.user
    steps = {
        "report": (
            lambda: services.report_remediation(
                user,
                finding.pk,
                text=post.get("text", ""),
                done_on=post.get("done_on", ""),
                files=request.FILES.getlist("files"),
            ),
            _("The remediation is reported; an inspector will verify it."),
        ),
        "verify": (lambda: services.verify_remediation(user, finding.pk, post.get("note", "")), _("Verified: closed.")),
        "return": (lambda: services.return_remediation(user, finding.pk, post.get("reason", "")), _("Sent back.")),
    }
    action = post.get("action", "")
    if action not in steps:
        raise Http404
    step, done = steps[action]
    _run(request, step, done)


def evidence_file(request: HttpRequest) -> FileResponse:
    """A remediation evidence file (``?id=``), always as an attachment, for those who see its finding."""
    pk = request.GET.get("id", "")
    if not pk.isdigit():
        raise Http404
    evidence = get_object_or_404(RemediationEvidence.objects.restrict(request.user), pk=int(pk))
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Conclusions


def conclusion_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        if request.POST.get("action") != "create":
            raise Http404
        agency = services.coordinated_agencies(user).filter(pk=_int(request.POST.get("agency"))).first()
        if agency is None:
            raise PermissionDenied
        post = request.POST
        conclusion = _run(
            request,
            lambda: services.create_conclusion(
                user,
                agency=agency,
                number=post.get("number", ""),
                issued_on=post.get("issued_on", ""),
                title=post.get("title", ""),
                signer=post.get("signer", ""),
                summary=post.get("summary", ""),
            ),
            _("The conclusion notice is recorded: add its directives."),
        )
        return redirect(conclusion.get_absolute_url() if conclusion else "inspections:conclusions")
    conclusions = (
        Conclusion.objects.restrict(user)
        .select_related("agency")
        .annotate(directive_count=Count("directives", distinct=True))
    )
    filterset = _style(ConclusionFilterSet(request.GET or None, queryset=conclusions.order_by("-issued_on", "-pk")))
    coordinated = services.coordinated_agencies(user)
    context = {
        "filter": filterset,
        "page_obj": Paginator(filterset.qs, 50).get_page(request.GET.get("page")),
        "issuers": coordinated.filter(active_to__isnull=True).order_by("path")[:200] if coordinated.exists() else [],
    }
    return render(request, "inspections/conclusion_list.html", context)


def task_outcomes(tasks: list[Task], day: date) -> dict[int, str]:
    """Task id → its outcome as the task statistics count it (done on time, late, overdue, in time)."""
    if not tasks:
        return {}
    rows = task_outcome_counts(Task.objects.filter(pk__in=[t.pk for t in tasks]), "id", day)
    return {row["id"]: next(name for name in OUTCOMES if row[name]) for row in rows}


def conclusion_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    conclusion = get_object_or_404(Conclusion.objects.restrict(user).select_related("agency"), pk=pk)
    if request.method == "POST":
        _conclusion_action(request, conclusion)
        return redirect(conclusion.get_absolute_url())
    visible = Task.objects.restrict(user).select_related("lead_agency", "plan")
    directives = list(
        conclusion.directives.prefetch_related(
            "addressees", Prefetch("tasks", queryset=visible, to_attr="visible_tasks")
        )
    )
    today = timezone.localdate()
    outcomes = task_outcomes([t for d in directives for t in d.visible_tasks], today)
    for directive in directives:
        directive.rows = [
            (t, outcomes.get(t.pk, ""), TASK_LABELS.get(outcomes.get(t.pk, ""), "")) for t in directive.visible_tasks
        ]
    can_coordinate = services.may(user, conclusion.agency, {Role.COORDINATOR})
    context = {
        "conclusion": conclusion,
        "directives": directives,
        "can_coordinate": can_coordinate,
        "plans": services.plans_for_tasks(user) if can_coordinate else [],
        "areas": Area.choices,
        "agencies": Agency.objects.filter(active_to__isnull=True).order_by("path").only("code", "name")
        if can_coordinate
        else [],
    }
    return render(request, "inspections/conclusion.html", context)


def _conclusion_action(request: HttpRequest, conclusion: Conclusion) -> None:
    post, user = request.POST, request.user
    action = post.get("action", "")
    if action == "add_directive":
        _run(
            request,
            lambda: services.add_directive(
                user,
                conclusion.pk,
                number=post.get("number", ""),
                text=post.get("text", ""),
                addressees=_agencies(post.getlist("addressees"), _("Addressed agencies")),
                deadline=post.get("deadline", ""),
                area=post.get("area", ""),
            ),
            _("The directive is saved."),
        )
    elif action == "import":
        if not services.may(user, conclusion.agency, {Role.COORDINATOR}):
            raise PermissionDenied
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a CSV or XLSX file."))
            return
        result = _run(
            request,
            lambda: services.import_directives(user, conclusion.pk, upload, name=upload.name or ""),
            _("The directives are imported."),
        )
        if result:
            messages.info(
                request, _("%(created)s created, %(updated)s updated.") % {"created": result[0], "updated": result[1]}
            )
    elif action == "make_tasks":
        directive = get_object_or_404(
            Directive.objects.restrict(user), pk=_int(post.get("directive")), conclusion=conclusion
        )
        _run(
            request,
            lambda: services.make_tasks(
                user,
                directive.pk,
                plan=_int(post.get("plan")),
                leads=_agencies(post.getlist("leads"), _("Lead agencies")),
                co_agencies=_agencies(post.getlist("co_agencies"), _("Co-operating agencies")),
                deadline=post.get("deadline", ""),
                area=post.get("area", ""),
                title=post.get("title", ""),
                product=post.get("product", ""),
            ),
            _("The tasks are made, each linked to the directive."),
        )
    else:
        raise Http404
