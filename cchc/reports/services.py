"""The steps of periodic reporting, each one function used by the page and the API (DESIGN §5.3).

Every step checks permission and state, runs in a transaction, locks the report row (a period's rows in
agency order when several), writes the report's history and the audit trail.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cchc.accounts.models import RoleGrant
from cchc.accounts.roles import Role
from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.core import audit
from cchc.core.models import AuditEntry
from cchc.core.scope import agency_q
from cchc.notifications.services import notify
from cchc.reports import calendar, prefill, rules
from cchc.reports.completeness import cells
from cchc.reports.models import (
    REPORT_ROLES,
    ExpectedReport,
    FieldKind,
    FormField,
    Report,
    ReportEvent,
    ReportForm,
    ReportingPeriod,
    ReportState,
    ReturnNote,
    RuleStrength,
)


class WorkflowError(ValueError):
    """A step refused for the report's state or bad input; the message is for the user."""


class ConflictError(WorkflowError):
    """Someone else changed what the user was editing since they read it."""


def _person(user: Any) -> Any:
    """The user to write in a "by" column: a signed-in person, not ``SYSTEM``."""
    return user if getattr(user, "pk", None) else None


# The calendar


def _require_coordinator_of(user: Any, owner: Agency) -> None:
    if not Agency.objects.restrict(user, "coordinate").filter(pk=owner.pk).exists():
        raise PermissionDenied(_("Only the coordinator of %(agency)s does this.") % {"agency": owner.name})


@transaction.atomic
def create_period(
    user: Any,
    owner: Agency,
    year: int,
    kind: str,
    form: ReportForm,
    *,
    cutoff_start: date | None = None,
    cutoff_end: date | None = None,
    deadline: date | None = None,
) -> ReportingPeriod:
    """A period of ``owner``'s calendar; cut-off and deadline default to the Ministry's regime."""
    _require_coordinator_of(user, owner)
    if form.year != year:
        raise WorkflowError(_("The form is of %(form)s, the period of %(year)s.") % {"form": form.year, "year": year})
    default = calendar.default_range(year, kind)
    start, end, due = (
        cutoff_start or default.cutoff_start,
        cutoff_end or default.cutoff_end,
        deadline or default.deadline,
    )
    calendar.check_range(start, end, due)
    if ReportingPeriod.objects.filter(owner=owner, year=year, kind=kind).exists():
        raise WorkflowError(_("%(owner)s already has this period.") % {"owner": owner.name})
    period = ReportingPeriod.objects.create(
        owner=owner, year=year, kind=kind, form=form, cutoff_start=start, cutoff_end=end, deadline=due
    )
    audit.record(
        user=user,
        obj=period,
        action=AuditEntry.Action.CREATE,
        changes=audit.diff({}, audit.snapshot(period, ["cutoff_start", "cutoff_end", "deadline", "form"])),
        agency=owner,
    )
    return period


@transaction.atomic
def open_period(user: Any, period_id: int, blocks: list[Block]) -> int:
    """Open the period for ``blocks``: every member agency active on the deadline is now owed a report.

    The expected set is frozen here (one ``ExpectedReport`` per agency, with its block) and each
    expected agency gets its draft report. Opening again for more blocks adds their members; returns
    how many agencies were added."""
    period = ReportingPeriod.objects.select_for_update().get(pk=period_id)
    _require_coordinator_of(user, period.owner)
    for block in blocks:
        if block.year != period.year or not Block.objects.restrict(user, "coordinate").filter(pk=block.pk).exists():
            raise PermissionDenied(_("You do not coordinate the block %(block)s.") % {"block": block.name})
    members = (
        BlockMembership.objects.filter(block__in=blocks)
        .filter(agency__in=Agency.objects.active_on(period.deadline))
        .exclude(agency__in=period.expected.values("agency"))
        .select_related("agency", "block")
    )
    added = [ExpectedReport(period=period, agency=m.agency, block=m.block) for m in members]
    ExpectedReport.objects.bulk_create(added)
    existing = set(period.reports.values_list("agency_id", flat=True))
    Report.objects.bulk_create([Report(period=period, agency=e.agency) for e in added if e.agency_id not in existing])
    period.blocks.add(*blocks)
    before = {"opened_at": audit._jsonable(period.opened_at)}
    if period.opened_at is None:
        period.opened_at, period.opened_by = timezone.now(), _person(user)
        period.save(update_fields=["opened_at", "opened_by"])
    audit.record(
        user=user,
        obj=period,
        action=AuditEntry.Action.UPDATE,
        changes={**audit.diff(before, {"opened_at": audit._jsonable(period.opened_at)}), "created": [0, len(added)]},
        reason=_("Opened for: %(blocks)s") % {"blocks": ", ".join(b.name for b in blocks)},
        agency=period.owner,
    )
    return len(added)


# Who is told


def officers_of(agency_ids: set[int]) -> dict[int, list[Any]]:
    """Agency id → the active users holding the focal officer's or the head's role on it."""
    grants = RoleGrant.objects.filter(agency_id__in=agency_ids, role__in=[Role.FOCAL, Role.HEAD], user__is_active=True)
    found: dict[int, list[Any]] = defaultdict(list)
    for grant in grants.select_related("user").order_by("user_id"):
        found[grant.agency_id].append(grant.user)
    return found


def coordinators_of(period: ReportingPeriod) -> list[Any]:
    """The owner's coordinators: on the owner itself, or on an agency above it with its subordinates."""
    return coordinators_of_agency(period.owner)


def coordinators_of_agency(agency: Any) -> list[Any]:
    """The agency's coordinators: on the agency itself, or on an agency above it with its subordinates."""
    above = agency.ancestors()
    grants = RoleGrant.objects.filter(role=Role.COORDINATOR, user__is_active=True).filter(
        Q(agency=agency) | Q(agency__in=above, include_descendants=True)
    )
    return [g.user for g in grants.select_related("user").order_by("user_id")]


def _tell(report: Report, event: ReportEvent, users: list[Any]) -> None:
    """Once the step is committed: a notification (and its mail) to ``users`` saying what happened."""
    with translation.override("vi"):
        facts = {
            "agency": report.agency.name,
            "period": calendar.period_text(report.period.year, report.period.kind),
            "action": event.get_action_display(),
            "who": str(event.user or _("the system")),
        }
        text = _("The report %(period)s of %(agency)s was %(action)s by %(who)s.") % facts
        if event.reason:
            text += "\n" + _("Reason: %(reason)s") % {"reason": event.reason}
    link = reverse("reports:report", args=[report.pk])
    key = f"reports:event:{event.pk}"
    transaction.on_commit(lambda: notify(users, key, text, link))


# Reading what a user may act on


def report_for(user: Any, report_id: int, action: str) -> Report:
    """The report locked for update, if ``user`` may take ``action`` on it; PermissionDenied otherwise."""
    if not Report.objects.restrict(user, action).filter(pk=report_id).exists():
        raise PermissionDenied(_("You may not do this on this agency's report."))
    return Report.objects.select_for_update().select_related("agency", "period", "period__form").get(pk=report_id)


def _require_state(report: Report, *states: str) -> None:
    if report.state not in states:
        raise WorkflowError(
            _("The report is “%(state)s”: this step is not open.") % {"state": report.get_state_display()}
        )


def _fields(report: Report) -> dict[str, FormField]:
    return {f.code: f for f in report.period.form.fields.all()}


@transaction.atomic
def ensure_report(user: Any, period_id: int, agency: Agency) -> Report:
    """The agency's report of the period, made when the agency answers for it without a row yet: a successor
    that took over expected agencies after the period opened (``cchc.reports.completeness``)."""
    existing = Report.objects.restrict(user).filter(period_id=period_id, agency=agency).first()
    if existing is not None:
        return existing
    period = ReportingPeriod.objects.get(pk=period_id)
    answers = any(c.agency.id == agency.pk for c in cells(user, [period], as_of=timezone.localdate()))
    may_edit = Agency.objects.filter(pk=agency.pk).filter(_edit_condition(user)).exists()
    if not answers or not may_edit:
        raise PermissionDenied(_("You may not do this on this agency's report."))
    report, _created = Report.objects.get_or_create(period=period, agency=agency)
    return report


def _edit_condition(user: Any) -> Q:
    condition = agency_q(user, REPORT_ROLES["edit"])
    return Q() if condition is None else condition


# Drafting


@dataclass
class Conflict:
    """A field someone else changed after the user read it: their value is kept, the user's is not written."""

    code: str
    label: str
    value: Any
    by: str
    at: str


@dataclass
class Saved:
    version: int
    saved: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


@transaction.atomic
def save_values(user: Any, report_id: int, changes: dict[str, Any], base_version: int) -> Saved:
    """Autosave: write the fields the user changed since they read the report at ``base_version``.

    Fields nobody else touched since then are written; a field someone else changed since then is not
    overwritten, it comes back as a ``Conflict`` with their value (two tabs or two people never silently
    overwrite each other; different fields merge)."""
    report = report_for(user, report_id, "edit")
    _require_state(report, ReportState.DRAFT, ReportState.RETURNED)
    fields = _fields(report)
    cleaned = {code: _clean(fields, code, value) for code, value in changes.items()}
    result = Saved(version=report.version)
    before: dict[str, Any] = {}
    for code, value in cleaned.items():
        current = report.values.get(code)
        if value == current:
            continue
        if report.field_versions.get(code, 0) > base_version:
            result.conflicts.append(_conflict(report, fields[code], current))
            continue
        before[code] = current
        report.values[code] = value
        result.saved.append(code)
    if result.saved:
        report.version += 1
        for code in result.saved:
            report.field_versions[code] = report.version
        report.updated_by = _person(user)
        report.save(update_fields=["values", "field_versions", "version", "updated_at", "updated_by"])
        audit.record(
            user=user,
            obj=report,
            action=AuditEntry.Action.UPDATE,
            changes={code: [before[code], report.values[code]] for code in result.saved},
            agency=report.agency,
        )
    result.version = report.version
    return result


def _conflict(report: Report, form_field: FormField, value: Any) -> Conflict:
    when = timezone.localtime(report.updated_at).strftime("%H:%M %d/%m/%Y") if report.updated_at else "—"
    return Conflict(form_field.code, form_field.label, value, str(report.updated_by or _("another user")), when)


def _clean(fields: dict[str, FormField], code: str, value: Any) -> Any:
    """The value as stored: a number as its digits (Vietnamese separators accepted), a text, a table's rows."""
    form_field = fields.get(code)
    if form_field is None:
        raise WorkflowError(_("The form has no field “%(code)s”.") % {"code": code})
    if form_field.prefill:
        raise WorkflowError(_("“%(label)s” is filled by the system and cannot be typed.") % {"label": form_field.label})
    if form_field.kind == FieldKind.NUMBER:
        return _number(value, form_field.label)
    if form_field.kind == FieldKind.TABLE:
        return _table(value, form_field)
    return "" if value is None else str(value).strip()


def _number(value: Any, label: str) -> str:
    """ "1.500" or "1500" → "1500"; "2,5" → "2.5"; "" stays empty; anything else is refused naming the field."""
    text = "" if value is None else str(value).strip().replace(" ", "")
    if not text:
        return ""
    normalised = (
        text.replace(".", "").replace(",", ".") if ("," in text or text.count(".") > 1 or _grouped(text)) else text
    )
    try:
        number = Decimal(normalised)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise WorkflowError(_("“%(label)s”: “%(value)s” is not a number.") % {"label": label, "value": text})
    return format(number.normalize(), "f") if number == number.to_integral() else str(number)


def _grouped(text: str) -> bool:
    """ "1.500" is fifteen hundred the Vietnamese way: a dot followed by exactly three digits."""
    head, _dot, tail = text.partition(".")
    return bool(_dot) and len(tail) == 3 and tail.isdigit() and head.lstrip("-").isdigit()


def _table(value: Any, form_field: FormField) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise WorkflowError(_("“%(label)s”: a table is a list of rows.") % {"label": form_field.label})
    columns = {c["code"]: c for c in form_field.columns}
    rows = []
    for number, row in enumerate(value, start=1):
        unknown = set(row) - set(columns)
        if unknown:
            raise WorkflowError(
                _("“%(label)s”, row %(row)s: no column “%(column)s”.")
                % {"label": form_field.label, "row": number, "column": sorted(unknown)[0]}
            )
        cleaned = {}
        for code, column in columns.items():
            cell = row.get(code, "")
            label = f"{form_field.label}, {number}, {column.get('label', code)}"
            cleaned[code] = _number(cell, label) if column.get("kind") == FieldKind.NUMBER else str(cell or "").strip()
        if any(cleaned.values()):
            rows.append(cleaned)
    return rows


# Submitting, returning, accepting


def _event(report: Report, user: Any, action: str, before: str, reason: str = "") -> ReportEvent:
    return ReportEvent.objects.create(
        report=report,
        user=_person(user),
        action=action,
        from_state=before,
        to_state=report.state,
        reason=reason,
        values=report.values,
    )


def _move(report: Report, user: Any, action: str, state: str, reason: str = "", **fields: Any) -> ReportEvent:
    tracked = ["state", *fields]
    before = audit.snapshot(report, tracked)
    previous = report.state
    report.state = state
    for name, value in fields.items():
        setattr(report, name, value)
    report.version += 1
    report.updated_by = _person(user)
    report.save()
    audit.record(
        user=user,
        obj=report,
        action=AuditEntry.Action.UPDATE,
        changes=audit.diff(before, audit.snapshot(report, tracked)),
        reason=reason,
        agency=report.agency,
    )
    return _event(report, user, action, previous, reason)


@dataclass
class Check:
    """What stands between a report and its submission."""

    missing: list[FormField]
    violations: list[rules.Violation]
    figures: dict[str, Any]

    def blocking(self, justifications: dict[str, str]) -> list[rules.Violation]:
        return rules.blocking(self.violations, justifications)


def check(report: Report, *, user: Any) -> Check:
    """The required fields left empty and the rules the values break, with the system's figures merged in."""
    form = report.period.form
    figures = prefill.figures(report, user=user)
    empty = set(rules.missing_required(form, report.values, figures))
    missing = [f for f in form.fields.all() if f.code in empty]
    return Check(missing, rules.evaluate(form, report.values, figures), figures)


@transaction.atomic
def submit(
    user: Any, report_id: int, version: int | None = None, justifications: dict[str, str] | None = None
) -> Report:
    """The head submits the report (trình/gửi báo cáo): nothing required may be empty, no hard rule broken,
    every broken soft rule justified in writing. The system's figures are frozen into the report."""
    report = report_for(user, report_id, "submit")
    _require_state(report, ReportState.DRAFT, ReportState.RETURNED)
    if report.period.opened_at is None:
        raise WorkflowError(_("The period is not open yet."))
    if version is not None and int(version) != report.version:
        raise ConflictError(
            _("Someone changed the report (%(who)s) after you opened it: check it again before submitting.")
            % {"who": report.updated_by or _("another user")}
        )
    found = check(report, user=user)
    if found.missing:
        raise WorkflowError(
            _("Fill in before submitting: %(fields)s.") % {"fields": "; ".join(f.label for f in found.missing)}
        )
    given = {k: str(v).strip() for k, v in (justifications or {}).items() if str(v).strip()}
    blocking = found.blocking(given)
    if blocking:
        raise WorkflowError(" ".join(_rule_text(v) for v in blocking))
    soft = {v.rule_code for v in found.violations}
    now = timezone.now()
    action = ReportEvent.Action.RESUBMIT if report.state == ReportState.RETURNED else ReportEvent.Action.SUBMIT
    event = _move(
        report,
        user,
        action,
        ReportState.SUBMITTED,
        justifications={k: v for k, v in given.items() if k in soft},
        prefilled=found.figures,
        submitted_at=now,
        first_submitted_at=report.first_submitted_at or now,
    )
    _tell(report, event, coordinators_of(report.period))
    return report


def _rule_text(violation: rules.Violation) -> str:
    if violation.strength == RuleStrength.SOFT:
        return _("%(message)s: write a justification to submit.") % {"message": violation.message}
    return _("%(message)s.") % {"message": violation.message.rstrip(".")}


@transaction.atomic
def return_report(user: Any, report_id: int, notes: list[tuple[str, str]], reason: str = "") -> Report:
    """The coordinator returns a submitted report, naming each field or section that needs work and why."""
    report = report_for(user, report_id, "coordinate")
    _require_state(report, ReportState.SUBMITTED)
    notes = [(target.strip(), text.strip()) for target, text in notes if text.strip()]
    if not notes:
        raise WorkflowError(_("Say what needs work: a reason on at least one field or section."))
    form = report.period.form
    known = set(form.fields.values_list("code", flat=True)) | set(form.sections.values_list("code", flat=True))
    for target, _text in notes:
        if target not in known:
            raise WorkflowError(_("The form has no field or section “%(code)s”.") % {"code": target})
    summary = reason.strip() or "; ".join(text for _target, text in notes)
    event = _move(
        report, user, ReportEvent.Action.RETURN, ReportState.RETURNED, summary, returned_values=dict(report.values)
    )
    ReturnNote.objects.bulk_create([ReturnNote(event=event, target=t, reason=r) for t, r in notes])
    _tell(report, event, officers_of({report.agency_id})[report.agency_id])
    return report


@transaction.atomic
def accept(user: Any, report_ids: list[int]) -> int:
    """The coordinator accepts one or several submitted reports; they are locked. All or none: a report
    that is not submitted is named and nothing is accepted."""
    reports = []
    for report_id in sorted(set(report_ids)):  # a fixed locking order
        report = report_for(user, report_id, "coordinate")
        if report.state != ReportState.SUBMITTED:
            raise WorkflowError(
                _("%(agency)s: the report is “%(state)s”, only a submitted report can be accepted.")
                % {"agency": report.agency.name, "state": report.get_state_display()}
            )
        reports.append(report)
    now = timezone.now()
    officers = officers_of({r.agency_id for r in reports})
    for report in reports:
        event = _move(report, user, ReportEvent.Action.ACCEPT, ReportState.ACCEPTED, accepted_at=now)
        _tell(report, event, officers[report.agency_id])
    return len(reports)


@transaction.atomic
def reopen(user: Any, report_id: int, reason: str) -> Report:
    """The coordinator reopens an accepted report, with a reason; the agency can change it and submit again."""
    report = report_for(user, report_id, "coordinate")
    _require_state(report, ReportState.ACCEPTED)
    if not reason.strip():
        raise WorkflowError(_("Give the reason for reopening the report."))
    event = _move(
        report,
        user,
        ReportEvent.Action.REOPEN,
        ReportState.RETURNED,
        reason.strip(),
        accepted_at=None,
        returned_values=dict(report.values),
    )
    _tell(report, event, officers_of({report.agency_id})[report.agency_id])
    return report


@dataclass
class Change:
    code: str
    label: str
    before: Any
    after: Any


def changes_since_return(report: Report) -> list[Change]:
    """What the agency changed since the report was last returned (or reopened), field by field."""
    if report.state not in (ReportState.RETURNED, ReportState.SUBMITTED) or not report.returned_values:
        return []
    old, new = report.returned_values, report.values
    return [
        Change(f.code, f.label, old.get(f.code), new.get(f.code))
        for f in report.period.form.fields.all()
        if (old.get(f.code) or None) != (new.get(f.code) or None)
    ]
