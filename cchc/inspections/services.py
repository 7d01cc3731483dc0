"""The workflow of conclusions and inspections: each step checks the user's role and the state, runs in
one transaction, writes the audit record and tells the other side (``cchc.notifications``).

Conclusions: a coordinator of the issuing agency records the notice and its directives (typed, or
imported from CSV/XLSX: ``number, text, addressee_codes, deadline, area``), then turns a directive
into tasks in one step (``make_tasks``: one task per lead agency chosen, in a plan the coordinator
coordinates, each linked back to the directive).

Inspections: an inspector (or a coordinator) of the inspecting agency issues the year's inspection
plan and schedules inspections of agencies in their scope; recording a finding makes the inspected
agency's remediation task (in the plan's ``task_plan``). The agency's focal officer or head reports the
remediation (text, the day it was done, evidence files) → ``reported``; only an inspector or a
coordinator closes it (``verify``: the task is done, ``completed_on`` the day the agency reported it
done, so on-time counting follows the agency's work, not the inspector's diary) or sends it back
with a reason (open again).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.accounts.models import User
from cchc.accounts.roles import Role
from cchc.agencies.models import Agency
from cchc.core import audit
from cchc.core.models import AuditEntry
from cchc.core.scope import agency_q
from cchc.core.tabular import Column, InputError, Kind, choice_value, parse_date, read_rows
from cchc.inspections.models import (
    INSPECT,
    INSPECTION_ROLES,
    REMEDY,
    Conclusion,
    Directive,
    DirectiveTask,
    Finding,
    Inspection,
    InspectionPlan,
    InspectionStatus,
    RemediationEvidence,
    RemediationStatus,
    RemediationStep,
    Scope,
    Severity,
    StepKind,
)
from cchc.notifications.services import notify
from cchc.plans.models import Area, Plan, Task, TaskStatus
from cchc.reports.services import coordinators_of_agency, officers_of

Action = AuditEntry.Action
COORDINATORS = frozenset({Role.COORDINATOR})


class InspectionError(ValueError):
    """A step refused for bad input or the state; the message names the field (or the file's row)."""

    def __init__(self, message: str, field: Any = "") -> None:
        self.field = str(field)
        super().__init__(f"{field}: {message}" if field else message)


# Who may act


def may(user: Any, agency: Agency, roles: Iterable[str]) -> bool:
    """Whether ``user``'s grants reach ``agency`` with one of ``roles``."""
    condition = agency_q(user, roles)
    return condition is None or Agency.objects.filter(condition, pk=agency.pk).exists()


def _require(user: Any, agency: Agency, roles: Iterable[str]) -> None:
    if not may(user, agency, roles):
        raise PermissionDenied(_("You may not do this for %(agency)s.") % {"agency": agency.name})


def _person(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def _text(value: Any, label: Any) -> str:
    text = str(value or "").strip()
    if not text:
        raise InspectionError(_("this field is required"), label)
    return text


def _day(value: Any, label: Any, required: bool = True) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        if required:
            raise InspectionError(_("a date is required"), label)
        return None
    try:
        return parse_date(text, None, "")
    except InputError as exc:
        raise InspectionError(exc.detail, label) from None


def _choice(value: Any, choices: Any, label: Any) -> str:
    text = str(value or "").strip()
    if text not in choices.values:
        allowed = ", ".join(str(lbl) for lbl in choices.labels)
        raise InspectionError(_("choose one of: %(choices)s") % {"choices": allowed}, label)
    return text


def _tell(users: Iterable[Any], key: str, text: str, link: str) -> None:
    recipients = list(users)
    transaction.on_commit(lambda: notify(recipients, key, text, link))


def _officers(agency: Agency) -> list[Any]:
    return officers_of({agency.pk}).get(agency.pk, [])


# Conclusions


def coordinated_agencies(user: Any) -> Any:
    """The agencies whose conclusions (and plans) ``user`` coordinates."""
    return Agency.objects.restrict(user, "coordinate")


def _conclusion_for(user: Any, conclusion_id: int) -> Conclusion:
    conclusion = Conclusion.objects.restrict(user).filter(pk=conclusion_id).select_related("agency").first()
    if conclusion is None:
        raise PermissionDenied(_("You may not do this on this conclusion notice."))
    _require(user, conclusion.agency, COORDINATORS)
    return conclusion


@transaction.atomic
def create_conclusion(
    user: Any, *, agency: Agency, number: str, issued_on: Any, title: str, signer: str = "", summary: str = ""
) -> Conclusion:
    """A conclusion notice of ``agency``, recorded by one of its coordinators."""
    _require(user, agency, COORDINATORS)
    number = _text(number, _("Number and symbol"))
    if Conclusion.objects.filter(agency=agency, number=number).exists():
        raise InspectionError(
            _("%(agency)s already has a notice numbered this") % {"agency": agency.name}, _("Number and symbol")
        )
    conclusion = Conclusion.objects.create(
        agency=agency,
        number=number,
        issued_on=_day(issued_on, _("Issued on")),  # type: ignore[misc]  # required: never None
        title=_text(title, _("Title")),
        signer=signer.strip(),
        summary=summary.strip(),
    )
    fields = ["agency", "number", "issued_on", "title", "signer"]
    changes = {k: [None, v] for k, v in audit.snapshot(conclusion, fields).items()}
    audit.record(user=user, obj=conclusion, action=Action.CREATE, changes=changes, agency=agency)
    return conclusion


DIRECTIVE_COLUMNS = [
    Column("number", gettext_lazy("Number"), Kind.INTEGER, width=8),
    Column("text", gettext_lazy("Directive"), width=80),
    Column("addressee_codes", gettext_lazy("Addressed agencies"), width=24),
    Column("deadline", gettext_lazy("Deadline"), Kind.DATE, width=12),
    Column("area", gettext_lazy("PAR area"), width=34, choices=Area),
]


@dataclass
class DirectiveRow:
    number: int
    text: str
    addressees: list[Agency]
    deadline: date | None
    area: str


def _directive_row(row: int | None, values: dict[str, Any], agencies: dict[str, Agency]) -> DirectiveRow:
    def bad(message: str, column: str) -> InputError:
        return InputError(message, row, column)

    text = str(values.get("number", "")).strip()
    if not text.isdigit() or int(text) < 1:
        raise bad(_("a directive's number is a whole number from 1"), "number")
    body = str(values.get("text", "")).strip()
    if not body:
        raise bad(_("this column is required"), "text")
    codes = [c.strip() for c in str(values.get("addressee_codes", "")).split(";") if c.strip()]
    unknown = [c for c in codes if c not in agencies]
    if unknown:
        raise bad(_("unknown agency “%(code)s”") % {"code": unknown[0]}, "addressee_codes")
    deadline = parse_date(str(values.get("deadline", "")), row, "deadline")
    given = str(values.get("area", "")).strip()
    area = (choice_value(given, Area) or "") if given else ""
    if given and not area:
        choices = "; ".join(str(label) for label in Area.labels)
        raise bad(_("unknown PAR area “%(area)s” (one of %(choices)s)") % {"area": given, "choices": choices}, "area")
    return DirectiveRow(int(text), body, [agencies[c] for c in dict.fromkeys(codes)], deadline, area)


def _save_directive(conclusion: Conclusion, row: DirectiveRow, user: Any) -> bool:
    """Create or update the directive of ``row.number``; whether anything changed."""
    directive = conclusion.directives.filter(number=row.number).first()
    before = _directive_state(directive) if directive else {}
    directive = directive or Directive(conclusion=conclusion, number=row.number)
    directive.text, directive.deadline, directive.area = row.text, row.deadline, row.area
    directive.save()
    directive.addressees.set(row.addressees)
    changes = audit.diff(before, _directive_state(directive))
    if changes:
        action = Action.UPDATE if before else Action.CREATE
        audit.record(user=user, obj=directive, action=action, changes=changes, agency=conclusion.agency)
    return bool(changes)


def _directive_state(directive: Directive) -> dict[str, Any]:
    values = audit.snapshot(directive, ["number", "text", "deadline", "area"])
    values["addressees"] = sorted(a.code for a in directive.addressees.all())
    return values


@transaction.atomic
def add_directive(
    user: Any,
    conclusion_id: int,
    *,
    number: Any,
    text: str,
    addressees: Sequence[Agency] = (),
    deadline: Any = None,
    area: str = "",
) -> Directive:
    """A directive typed on the conclusion's page (its number: the next one when left empty)."""
    conclusion = _conclusion_for(user, conclusion_id)
    if not str(number or "").strip():
        number = (conclusion.directives.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    values = {
        "number": number,
        "text": text,
        "addressee_codes": ";".join(a.code for a in addressees),
        "deadline": deadline.isoformat() if isinstance(deadline, date) else deadline or "",
        "area": area,
    }
    labels = {c.key: c.label for c in DIRECTIVE_COLUMNS}
    try:
        row = _directive_row(None, values, {a.code: a for a in addressees})
    except InputError as exc:
        raise InspectionError(exc.detail, labels.get(exc.field or "", "")) from None
    _save_directive(conclusion, row, user)
    return conclusion.directives.get(number=row.number)


def import_directives(user: Any, conclusion_id: int, source: str | Path | IO[bytes], name: str = "") -> tuple[int, int]:
    """The directives of a CSV or XLSX file, all checked before anything is written; (created, updated)."""
    with transaction.atomic():
        conclusion = _conclusion_for(user, conclusion_id)
        rows = read_rows(source, required=["number", "text"], optional=DIRECTIVE_COLUMNS, name=name)
        agencies = {a.code: a for a in Agency.objects.all()}
        parsed: list[DirectiveRow] = []
        seen: dict[int, int] = {}
        for number, values in rows:
            row = _directive_row(number, values, agencies)
            if row.number in seen:
                message = _("directive %(n)s is already on row %(row)s") % {"n": row.number, "row": seen[row.number]}
                raise InputError(message, number, "number")
            seen[row.number] = number
            parsed.append(row)
        if not parsed:
            raise InputError(_("the file has no directive rows"))
        existing = set(conclusion.directives.values_list("number", flat=True))
        changed = [_save_directive(conclusion, row, user) for row in parsed]
        created = sum(1 for row in parsed if row.number not in existing)
        updated = sum(1 for row, c in zip(parsed, changed, strict=True) if c and row.number in existing)
        return created, updated


def plans_for_tasks(user: Any) -> Any:
    """The plans a coordinator may put tasks in: those of the agencies they coordinate."""
    return Plan.objects.filter(agency__in=coordinated_agencies(user)).select_related("agency").order_by("-year", "pk")


@transaction.atomic
def make_tasks(
    user: Any,
    directive_id: int,
    *,
    plan: Any,
    leads: Sequence[Agency],
    co_agencies: Sequence[Agency] = (),
    deadline: Any = None,
    area: str = "",
    title: str = "",
    product: str = "",
) -> list[Task]:
    """The directive as tasks of ``plan``, one per lead agency, each linked back to the directive; all or none."""
    directive = Directive.objects.restrict(user).select_related("conclusion__agency").filter(pk=directive_id).first()
    if directive is None:
        raise PermissionDenied(_("You may not do this on this conclusion notice."))
    conclusion = directive.conclusion
    _require(user, conclusion.agency, COORDINATORS)
    plan_id = getattr(plan, "pk", plan)
    target = plans_for_tasks(user).filter(pk=plan_id or 0).first()
    if target is None:
        raise InspectionError(_("choose a plan of an agency you coordinate"), _("Plan"))
    if not leads:
        raise InspectionError(_("choose at least one lead agency (each gets its own task)"), _("Lead agencies"))
    day = _day(deadline or directive.deadline, _("Completion deadline"))
    assert day is not None
    if day.year != target.year:
        raise InspectionError(
            _("the deadline %(day)s is outside the plan's year %(year)s")
            % {"day": day.isoformat(), "year": target.year},
            _("Completion deadline"),
        )
    area = _choice(area or directive.area, Area, _("PAR area"))
    title = (title or "").strip() or directive.text
    tasks = []
    for lead in dict.fromkeys(leads):
        code = f"KL{conclusion.pk}.{directive.number}-{lead.code}"
        if Task.objects.filter(plan=target, task_code=code).exists():
            raise InspectionError(
                _("%(agency)s already has a task of this directive in the plan") % {"agency": lead.name},
                _("Lead agencies"),
            )
        task = Task.objects.create(
            plan=target, task_code=code, title=title, area=area, lead_agency=lead, deadline=day, product=product.strip()
        )
        task.co_agencies.set([a for a in co_agencies if a.pk != lead.pk])
        DirectiveTask.objects.create(directive=directive, task=task, created_by=_person(user))
        fields = ["plan", "task_code", "title", "area", "lead_agency", "deadline", "product"]
        changes = {k: [None, v] for k, v in audit.snapshot(task, fields).items()}
        changes["co_agencies"] = [None, sorted(a.code for a in task.co_agencies.all())]
        reason = _("From directive %(n)s of %(notice)s") % {"n": directive.number, "notice": conclusion.number}
        audit.record(user=user, obj=task, action=Action.CREATE, changes=changes, reason=reason, agency=lead)
        tasks.append(task)
        with translation.override("vi"):
            text = _("New task for %(agency)s from directive %(n)s of %(notice)s: %(title)s (deadline %(day)s).") % {
                "agency": lead.name,
                "n": directive.number,
                "notice": conclusion.number,
                "title": title[:200],
                "day": day.strftime("%d/%m/%Y"),
            }
        _tell(_officers(lead), f"inspections:directive-task:{task.pk}", text, reverse("plans:detail", args=[target.pk]))
    return tasks


# Inspection plans and inspections


def inspecting_agencies(user: Any) -> Any:
    """The agencies in whose name ``user`` inspects (inspector's or coordinator's grants)."""
    condition = agency_q(user, INSPECTION_ROLES[INSPECT])
    agencies = Agency.objects.all() if condition is None else Agency.objects.filter(condition)
    return agencies.filter(active_to__isnull=True).order_by("path")


@transaction.atomic
def create_inspection_plan(
    user: Any,
    *,
    agency: Agency,
    year: Any,
    title: str,
    number: str = "",
    issued_on: Any = None,
    task_plan: Plan | None = None,
) -> InspectionPlan:
    """The year's inspection plan of ``agency``; its remediation tasks go to ``task_plan`` or to a plan made for it."""
    _require(user, agency, INSPECTION_ROLES[INSPECT])
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise InspectionError(_("a year, e.g. 2026"), _("Year")) from None
    if task_plan is not None and task_plan.agency_id != agency.pk:
        raise InspectionError(_("the plan must be one of the inspecting agency"), _("Plan of the remediation tasks"))
    plan = InspectionPlan.objects.create(
        year=year,
        agency=agency,
        number=number.strip(),
        issued_on=_day(issued_on, _("Issued on"), required=False),
        title=_text(title, _("Title")),
        task_plan=task_plan,
    )
    if task_plan is None:
        with translation.override("vi"):
            task_title = _("Remediation of the findings of the PAR inspections of %(year)s") % {"year": year}
        plan.task_plan = Plan.objects.create(year=year, agency=agency, number=f"KTCCHC-{plan.pk}", title=task_title)
        plan.save(update_fields=["task_plan"])
    changes = {
        k: [None, v] for k, v in audit.snapshot(plan, ["year", "agency", "number", "title", "task_plan"]).items()
    }
    audit.record(user=user, obj=plan, action=Action.CREATE, changes=changes, agency=agency)
    return plan


@transaction.atomic
def schedule_inspection(
    user: Any,
    plan_id: int,
    *,
    agency: Agency,
    scope: str,
    starts_on: Any,
    ends_on: Any,
    theme: str = "",
    team: Sequence[User] = (),
    team_note: str = "",
) -> Inspection:
    """An inspection of ``agency`` in the plan: the plan's inspectors, the agency within their scope."""
    plan = InspectionPlan.objects.restrict(user, INSPECT).filter(pk=plan_id).select_related("agency").first()
    if plan is None:
        raise PermissionDenied(_("You may not do this on this inspection plan."))
    _require(user, agency, INSPECTION_ROLES[INSPECT])
    scope = _choice(scope, Scope, _("Scope"))
    theme = theme.strip()
    if scope == Scope.THEMATIC and not theme:
        raise InspectionError(_("a thematic inspection needs its theme"), _("Theme"))
    start, end = _day(starts_on, _("From")), _day(ends_on, _("To"))
    assert start is not None and end is not None
    if end < start:
        raise InspectionError(_("the inspection ends before it starts"), _("To"))
    for member in team:
        if not member.grants.filter(role__in=INSPECTION_ROLES[INSPECT]).exists():
            raise InspectionError(
                _("%(user)s is neither an inspector nor a coordinator") % {"user": member}, _("Inspection team")
            )
    inspection = Inspection.objects.create(
        plan=plan,
        agency=agency,
        scope=scope,
        theme=theme if scope == Scope.THEMATIC else "",
        starts_on=start,
        ends_on=end,
        team_note=team_note.strip(),
    )
    inspection.team.set(team)
    fields = ["plan", "agency", "scope", "theme", "starts_on", "ends_on", "team_note"]
    changes = {k: [None, v] for k, v in audit.snapshot(inspection, fields).items()}
    changes["team"] = [None, sorted(m.username for m in team)]
    audit.record(user=user, obj=inspection, action=Action.CREATE, changes=changes, agency=agency)
    with translation.override("vi"):
        text = _("%(agency)s will be inspected (%(scope)s) from %(start)s to %(end)s.") % {
            "agency": agency.name,
            "scope": inspection.get_scope_display() + (f": {theme}" if inspection.theme else ""),
            "start": start.strftime("%d/%m/%Y"),
            "end": end.strftime("%d/%m/%Y"),
        }
    _tell(_officers(agency), f"inspections:scheduled:{inspection.pk}", text, inspection.get_absolute_url())
    return inspection


def _inspection_for(user: Any, inspection_id: int, action: str) -> Inspection:
    if not Inspection.objects.restrict(user, action).filter(pk=inspection_id).exists():
        raise PermissionDenied(_("You may not do this on this inspection."))
    return (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("agency", "plan__task_plan")
        .get(pk=inspection_id)
    )


@transaction.atomic
def set_inspection_status(user: Any, inspection_id: int, status: str, conclusion: str = "") -> Inspection:
    inspection = _inspection_for(user, inspection_id, INSPECT)
    before = audit.snapshot(inspection, ["status", "conclusion"])
    inspection.status = _choice(status, InspectionStatus, _("Status"))
    if conclusion.strip():
        inspection.conclusion = conclusion.strip()
    inspection.save(update_fields=["status", "conclusion"])
    changes = audit.diff(before, audit.snapshot(inspection, ["status", "conclusion"]))
    if changes:
        audit.record(user=user, obj=inspection, action=Action.UPDATE, changes=changes, agency=inspection.agency)
    return inspection


# Findings and their remediation


def _task_plan(inspection: Inspection) -> Plan:
    plan = inspection.plan
    if plan.task_plan is None:  # a plan whose remediation plan was removed: make one again
        with translation.override("vi"):
            title = _("Remediation of the findings of the PAR inspections of %(year)s") % {"year": plan.year}
        plan.task_plan, _created = Plan.objects.get_or_create(
            year=plan.year, agency_id=plan.agency_id, number=f"KTCCHC-{plan.pk}", defaults={"title": title}
        )
        plan.save(update_fields=["task_plan"])
    return plan.task_plan


@transaction.atomic
def record_finding(user: Any, inspection_id: int, *, text: str, category: str, severity: str, deadline: Any) -> Finding:
    """A finding of the inspection and its remediation task for the inspected agency."""
    inspection = _inspection_for(user, inspection_id, INSPECT)
    text = _text(text, _("Finding"))
    category = _choice(category, Area, _("Category"))
    severity = _choice(severity, Severity, _("Severity"))
    day = _day(deadline, _("Remediation deadline"))
    assert day is not None
    if day < inspection.starts_on:
        raise InspectionError(_("the deadline is before the inspection"), _("Remediation deadline"))
    if inspection.status == InspectionStatus.PLANNED:
        inspection.status = InspectionStatus.IN_PROGRESS
        inspection.save(update_fields=["status"])
        moved: dict[str, list[Any]] = {"status": [InspectionStatus.PLANNED, InspectionStatus.IN_PROGRESS]}
        audit.record(user=user, obj=inspection, action=Action.UPDATE, changes=moved, agency=inspection.agency)
    number = (inspection.findings.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    with translation.override("vi"):
        product = _("Report on the remediation")
        title = _("Remedy finding %(n)s of the PAR inspection: %(text)s") % {"n": number, "text": text}
    task = Task.objects.create(
        plan=_task_plan(inspection),
        task_code=f"KT{inspection.pk}-{number}",
        title=title,
        area=category,
        lead_agency=inspection.agency,
        deadline=day,
        product=product,
    )
    finding = Finding.objects.create(
        inspection=inspection, number=number, text=text, category=category, severity=severity, deadline=day, task=task
    )
    fields = ["inspection", "number", "text", "category", "severity", "deadline", "task"]
    changes = {k: [None, v] for k, v in audit.snapshot(finding, fields).items()}
    audit.record(user=user, obj=finding, action=Action.CREATE, changes=changes, agency=inspection.agency)
    task_changes = {k: [None, v] for k, v in audit.snapshot(task, ["plan", "task_code", "area", "deadline"]).items()}
    reason = _("Remediation of finding %(n)s of an inspection") % {"n": number}
    audit.record(
        user=user, obj=task, action=Action.CREATE, changes=task_changes, reason=reason, agency=task.lead_agency
    )
    with translation.override("vi"):
        message = _("The PAR inspection of %(agency)s found: %(text)s. Remedy it by %(day)s and report it.") % {
            "agency": inspection.agency.name,
            "text": text[:300],
            "day": day.strftime("%d/%m/%Y"),
        }
    _tell(_officers(inspection.agency), f"inspections:finding:{finding.pk}", message, finding.get_absolute_url())
    return finding


def _finding_for(user: Any, finding_id: int, action: str) -> Finding:
    if not Finding.objects.restrict(user, action).filter(pk=finding_id).exists():
        raise PermissionDenied(_("You may not do this on this finding."))
    return (
        Finding.objects.select_for_update(of=("self",)).select_related("inspection__agency", "task").get(pk=finding_id)
    )


def _require_status(finding: Finding, *statuses: str) -> None:
    if finding.status not in statuses:
        raise InspectionError(
            _("the remediation is “%(status)s”: this step is not open") % {"status": finding.get_status_display()}
        )


def _step(finding: Finding, user: Any, kind: str, text: str, done_on: date | None = None) -> RemediationStep:
    return RemediationStep.objects.create(finding=finding, kind=kind, text=text, done_on=done_on, user=_person(user))


def _move(finding: Finding, user: Any, status: str, reason: str = "", **fields: Any) -> None:
    tracked = ["status", *fields]
    before = audit.snapshot(finding, tracked)
    finding.status = status
    for name, value in fields.items():
        setattr(finding, name, value)
    finding.save(update_fields=tracked)
    changes = audit.diff(before, audit.snapshot(finding, tracked))
    audit.record(
        user=user, obj=finding, action=Action.UPDATE, changes=changes, reason=reason, agency=finding.inspection.agency
    )


def check_evidence(upload: UploadedFile) -> str:
    """The project's evidence rule (type by name and first bytes, size), as for PAR evidence."""
    from cchc.core.evidence import EvidenceError, check_evidence_file

    try:
        return check_evidence_file(upload)
    except EvidenceError as exc:
        raise InspectionError(f"{upload.name}: {exc}", _("Evidence")) from None


def _inspectors_of(finding: Finding) -> list[Any]:
    """Who verifies: the inspection's team, else the inspected agency's coordinators."""
    team = list(finding.inspection.team.filter(is_active=True))
    return team or coordinators_of_agency(finding.inspection.agency)


@transaction.atomic
def report_remediation(
    user: Any, finding_id: int, *, text: str, done_on: Any, files: Sequence[UploadedFile] = ()
) -> RemediationStep:
    """The inspected agency reports the finding remedied (text, the day, evidence) → ``reported``."""
    finding = _finding_for(user, finding_id, REMEDY)
    _require_status(finding, RemediationStatus.OPEN)
    text = _text(text, _("What was remedied"))
    day = _day(done_on, _("Done on"))
    assert day is not None
    if day > timezone.localdate():
        raise InspectionError(_("the day is in the future"), _("Done on"))
    suffixes = [check_evidence(f) for f in files]  # every file checked before anything is written
    step = _step(finding, user, StepKind.REPORTED, text, day)
    for upload, suffix in zip(files, suffixes, strict=True):
        evidence = RemediationEvidence(
            step=step, original_name=Path(upload.name or "").name[:255], size=upload.size or 0
        )
        evidence.file.save(f"evidence{suffix}", upload, save=False)
        evidence.save()
    changes_note = ", ".join(Path(f.name or "").name for f in files)
    _move(finding, user, RemediationStatus.REPORTED, reason=text[:500])
    if changes_note:
        audit.record(
            user=user,
            obj=finding,
            action=Action.UPDATE,
            changes={"evidence": [None, changes_note]},
            agency=finding.inspection.agency,
        )
    with translation.override("vi"):
        message = _("%(agency)s reported finding %(n)s remedied (done on %(day)s): verify it.") % {
            "agency": finding.inspection.agency.name,
            "n": finding.number,
            "day": day.strftime("%d/%m/%Y"),
        }
    _tell(_inspectors_of(finding), f"inspections:step:{step.pk}", message, finding.get_absolute_url())
    return step


def last_report(finding: Finding) -> RemediationStep | None:
    return finding.steps.filter(kind=StepKind.REPORTED).order_by("-at", "-pk").first()


@transaction.atomic
def verify_remediation(user: Any, finding_id: int, note: str = "") -> Finding:
    """An inspector or coordinator closes the remediation: the finding verified, its task done on the day the
    agency reported it done."""
    finding = _finding_for(user, finding_id, INSPECT)
    _require_status(finding, RemediationStatus.REPORTED)
    report = last_report(finding)
    assert report is not None and report.done_on is not None
    today = timezone.localdate()
    step = _step(finding, user, StepKind.VERIFIED, note.strip())
    _move(finding, user, RemediationStatus.VERIFIED, note.strip(), remedied_on=report.done_on, verified_on=today)
    task = finding.task
    if task is not None and task.status != TaskStatus.DONE:
        before = audit.snapshot(task, ["status", "completed_on"])
        task.status, task.completed_on = TaskStatus.DONE, report.done_on
        task.save(update_fields=["status", "completed_on"])
        audit.record(
            user=user,
            obj=task,
            action=Action.UPDATE,
            changes=audit.diff(before, audit.snapshot(task, ["status", "completed_on"])),
            reason=_("Remediation verified"),
            agency=task.lead_agency,
        )
    with translation.override("vi"):
        message = _("The remediation of finding %(n)s of %(agency)s was verified: it is closed.") % {
            "n": finding.number,
            "agency": finding.inspection.agency.name,
        }
    _tell(_officers(finding.inspection.agency), f"inspections:step:{step.pk}", message, finding.get_absolute_url())
    return finding


@transaction.atomic
def return_remediation(user: Any, finding_id: int, reason: str) -> Finding:
    """An inspector or coordinator sends the report back with the reason: the remediation is open again."""
    finding = _finding_for(user, finding_id, INSPECT)
    _require_status(finding, RemediationStatus.REPORTED)
    reason = _text(reason, _("Reason"))
    step = _step(finding, user, StepKind.RETURNED, reason)
    _move(finding, user, RemediationStatus.OPEN, reason)
    with translation.override("vi"):
        message = _("The remediation report of finding %(n)s of %(agency)s was sent back: %(reason)s") % {
            "n": finding.number,
            "agency": finding.inspection.agency.name,
            "reason": reason[:300],
        }
    _tell(_officers(finding.inspection.agency), f"inspections:step:{step.pk}", message, finding.get_absolute_url())
    return finding
