"""Importing and exporting a plan's tasks (``cchc import_plan``, ``cchc export_plan``, the plan page).

Columns (DESIGN §8.1): task_code, title, area, lead_agency_code, co_agency_codes (separated by ";"),
deadline, product, status (``open`` or ``done``), completed_on. The area and the status are codes in
a CSV and their labels in an XLSX ("Hoàn thành"); the import takes either. Every row is checked before anything
is written; the first bad row stops the import with a one-line message naming its row and column.
Importing again updates the tasks by ``task_code``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.accounts.models import User
from cchc.accounts.roles import Role
from cchc.agencies.models import Agency
from cchc.agencies.services import ImportSummary
from cchc.core import audit
from cchc.core.evidence import EvidenceError, check_evidence_file, original_name, stored_name
from cchc.core.formatting import format_date, format_number
from cchc.core.models import AuditEntry
from cchc.core.scope import agency_q
from cchc.core.tabular import Column, InputError, Kind, choice_value, parse_date, read_rows, write_rows
from cchc.notifications.services import notify
from cchc.plans.models import Area, Plan, Recurrence, Task, TaskFile, TaskStatus, TaskUpdate
from cchc.plans.recurrence import occurrences
from cchc.reports.services import coordinators_of_agency

TASK_COLUMNS = [
    Column("task_code", gettext_lazy("Task code"), width=12),
    Column("title", gettext_lazy("Task"), width=60),
    Column("area", gettext_lazy("PAR area"), width=34, choices=Area),
    Column("lead_agency_code", gettext_lazy("Lead agency"), width=14),
    Column("co_agency_codes", gettext_lazy("Co-operating agencies"), width=24),
    Column("deadline", gettext_lazy("Deadline"), Kind.DATE, width=12),
    Column("product", gettext_lazy("Expected product"), width=40),
    Column("status", gettext_lazy("Status"), width=14, choices=TaskStatus),
    Column("completed_on", gettext_lazy("Completed on"), Kind.DATE, width=12),
]
REQUIRED = ["task_code", "title", "area", "lead_agency_code", "deadline", "status"]
FIELDS = ["title", "area", "lead_agency", "deadline", "product", "status", "completed_on"]


@dataclass
class TaskRow:
    """A checked row of the file."""

    row: int
    task_code: str
    title: str
    area: str
    lead_agency: Agency
    co_agencies: list[Agency]
    deadline: date
    product: str
    status: str
    completed_on: date | None


def plan_title(year: int) -> str:
    return _("PAR plan of %(year)s") % {"year": year}


def import_plan_file(
    source: str | Path | IO[bytes],
    *,
    year: int,
    agency_code: str,
    number: str | None = None,
    user: Any = None,
    reason: str = "",
    name: str = "",
) -> ImportSummary:
    """Import the tasks of the plan of (year, agency[, number]) from a CSV or XLSX file; all rows or none."""
    rows = read_rows(source, required=REQUIRED, optional=TASK_COLUMNS, name=name)
    return import_plan(
        rows, year=year, agency_code=agency_code, number=number, user=user, reason=reason or _("Plan import")
    )


def import_plan(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    year: int,
    agency_code: str,
    number: str | None = None,
    user: Any = None,
    reason: str = "",
) -> ImportSummary:
    agencies = {a.code: a for a in Agency.objects.all()}
    issuer = agencies.get(agency_code)
    if issuer is None:
        raise InputError(_("unknown agency “%(code)s”") % {"code": agency_code}, field="--agency")
    parsed = _parse(rows, agencies)
    if not parsed:
        raise InputError(_("the file has no task rows"))
    with transaction.atomic():
        plan = _plan(year, issuer, user, reason, number)
        return _write(plan, parsed, user, reason)


def chosen_plan(plans: QuerySet[Plan], year: int, agency_code: str, number: str | None) -> Plan | None:
    """The plan of (year, agency) among ``plans``: the one numbered ``number``, or, with no number, the
    agency's only plan of the year (None when it has none). An agency with several plans that year must
    say which: InputError naming them, rather than a silent choice of the first."""
    found = plans.filter(year=year, agency__code=agency_code)
    if number is not None:
        return found.filter(number=number.strip()).first()
    candidates = list(found.order_by("number", "pk")[:10])
    if len(candidates) > 1:
        numbers = "; ".join(p.number or "—" for p in candidates)
        raise InputError(
            _("%(agency)s has several plans in %(year)s (%(numbers)s): give the plan's number with --plan")
            % {"agency": agency_code, "year": year, "numbers": numbers},
            field="--plan",
        )
    return candidates[0] if candidates else None


def _plan(year: int, issuer: Agency, user: Any, reason: str, number: str | None) -> Plan:
    """The agency's plan of the year (the one numbered ``number``), created when there is none."""
    plan = chosen_plan(Plan.objects.all(), year, issuer.code, number)
    if plan is None:
        number = (number or "").strip()
        plan = Plan.objects.create(year=year, agency=issuer, number=number, title=plan_title(year))
        changes: dict[str, list[Any]] = {
            "year": [None, year],
            "agency": [None, issuer.pk],
            "number": [None, number],
            "title": [None, plan.title],
        }
        audit.record(
            user=user, obj=plan, action=AuditEntry.Action.CREATE, changes=changes, reason=reason, agency=issuer
        )
    return plan


def _parse(rows: Iterable[tuple[int, dict[str, str]]], agencies: dict[str, Agency]) -> list[TaskRow]:
    parsed: list[TaskRow] = []
    seen: dict[str, int] = {}
    for number, values in rows:
        task = _row(number, values, agencies)
        if task.task_code in seen:
            raise InputError(
                _("task code “%(code)s” is already on row %(row)s")
                % {"code": task.task_code, "row": seen[task.task_code]},
                number,
                "task_code",
            )
        seen[task.task_code] = number
        parsed.append(task)
    return parsed


def _required(values: dict[str, str], column: str, row: int) -> str:
    text = values.get(column, "").strip()
    if not text:
        raise InputError(_("this column is required"), row, column)
    return text


def _agency(code: str, row: int, column: str, agencies: dict[str, Agency]) -> Agency:
    agency = agencies.get(code)
    if agency is None:
        raise InputError(_("unknown agency “%(code)s”") % {"code": code}, row, column)
    return agency


def _choice(values: dict[str, str], column: str, choices: Any, row: int, message: str) -> str:
    """The code the column gives (the code or its label); ``message`` names the value by the column's
    name ("%(area)s") and the labels allowed as "%(choices)s"."""
    given = _required(values, column, row)
    found = choice_value(given, choices)
    if found is None:
        labels = "; ".join(str(label) for label in choices.labels)
        raise InputError(message % {column: given, "choices": labels}, row, column)
    return found


def _row(row: int, values: dict[str, str], agencies: dict[str, Agency]) -> TaskRow:
    code, title = _required(values, "task_code", row), _required(values, "title", row)
    area = _choice(values, "area", Area, row, _("unknown PAR area “%(area)s” (one of %(choices)s)"))
    lead = _required(values, "lead_agency_code", row)
    if ";" in lead:
        raise InputError(_("a task has exactly one lead agency"), row, "lead_agency_code")
    lead_agency = _agency(lead, row, "lead_agency_code", agencies)
    co_codes = [c.strip() for c in values.get("co_agency_codes", "").split(";") if c.strip()]
    co = [_agency(c, row, "co_agency_codes", agencies) for c in dict.fromkeys(co_codes) if c != lead]
    deadline = parse_date(_required(values, "deadline", row), row, "deadline")
    status = _choice(values, "status", TaskStatus, row, _("unknown status “%(status)s” (one of %(choices)s)"))
    completed_on = parse_date(values.get("completed_on", ""), row, "completed_on")
    if status == TaskStatus.DONE and completed_on is None:
        raise InputError(_("a done task needs its completion date"), row, "completed_on")
    if status == TaskStatus.OPEN and completed_on is not None:
        raise InputError(_("a task not done has no completion date"), row, "completed_on")
    assert deadline is not None  # required above
    product = values.get("product", "").strip()
    return TaskRow(row, code, title, area, lead_agency, co, deadline, product, status, completed_on)


def _write(plan: Plan, parsed: list[TaskRow], user: Any, reason: str) -> ImportSummary:
    existing = {t.task_code: t for t in plan.tasks.prefetch_related("co_agencies")}
    summary, entries = ImportSummary(), []
    for row in parsed:
        task = existing.get(row.task_code)
        if task and task.status == TaskStatus.OPEN and row.status == TaskStatus.DONE and verified_elsewhere(task):
            raise InputError(_("the task remedies an inspection finding: an inspector closes it"), row.row, "status")
        before = _state(task) if task else {}
        task = _save(plan, task, row)
        changes = audit.diff(before, _state(task))
        summary.created += not before
        summary.updated += bool(before and changes)
        summary.unchanged += bool(before and not changes)
        if changes:
            action = AuditEntry.Action.IMPORT
            entries.append(
                audit.entry(user=user, obj=task, action=action, changes=changes, reason=reason, agency=task.lead_agency)
            )
    audit.record_many(entries)
    return summary


def verified_elsewhere(task: Task) -> bool:
    """Whether the task is the remediation of an inspection finding (``cchc.inspections``), which only
    an inspector's verification closes: neither a progress update nor an import marks it done."""
    return hasattr(task, "finding")  # the reverse one-to-one; absent without the inspections app


def _state(task: Task) -> dict[str, Any]:
    values = audit.snapshot(task, FIELDS)
    values["co_agencies"] = sorted(a.code for a in task.co_agencies.all())
    return values


def _save(plan: Plan, task: Task | None, row: TaskRow) -> Task:
    task = task or Task(plan=plan, task_code=row.task_code)
    task.title, task.area, task.lead_agency = row.title, row.area, row.lead_agency
    task.deadline, task.product, task.status, task.completed_on = (
        row.deadline,
        row.product,
        row.status,
        row.completed_on,
    )
    task.save()
    task.co_agencies.set(row.co_agencies)
    return task


def task_rows(tasks: Iterable[Task]) -> list[list[Any]]:
    """Tasks in the import's columns (a date stays a date: XLSX formats it, CSV writes it ISO)."""
    return [
        [
            t.task_code,
            t.title,
            t.area,
            t.lead_agency.code,
            ";".join(sorted(a.code for a in t.co_agencies.all())),
            t.deadline,
            t.product,
            t.status,
            t.completed_on,
        ]
        for t in tasks
    ]


def tasks_file(plan: Plan, tasks: QuerySet[Task], fmt: str) -> bytes:
    """``tasks`` (of ``plan``, already restricted to the reader) as a file the import reads back."""
    rows = task_rows(tasks.select_related("lead_agency").prefetch_related("co_agencies").order_by("task_code"))
    title = f"{plan} — {plan.agency.name}"
    return write_rows(TASK_COLUMNS, rows, fmt, title=title, sheet=_("Tasks %(year)s") % {"year": plan.year})


# Progress updates, co-operating agencies' parts and recurring tasks (the task page and the API)

OFFICER_ROLES = frozenset({Role.FOCAL, Role.HEAD, Role.COORDINATOR})
MAX_FILES = 10  # evidence files per update


class TaskError(ValueError):
    """A step on a task refused for its state or for bad input; the message is for the person."""


def _person(user: Any) -> Any:
    """The user to record as the author (the system is no user)."""
    return user if isinstance(user, User) else None


def visible_task(user: Any, task_id: Any) -> Task:
    """The task if ``user`` sees it; 404 otherwise (another agency's task looks like no task)."""
    task = Task.objects.restrict(user).filter(pk=task_id).select_related("plan__agency", "lead_agency").first()
    if task is None:
        raise Http404
    return task


def _acts_for(user: Any, agency_ids: Iterable[int], roles: frozenset[str] = OFFICER_ROLES) -> set[int]:
    """The agencies among ``agency_ids`` on which ``user`` holds one of ``roles`` (through its grants)."""
    condition = agency_q(user, roles)
    agencies = Agency.objects.filter(pk__in=list(agency_ids))
    if condition is not None:
        agencies = agencies.filter(condition)
    return set(agencies.values_list("pk", flat=True))


def can_report_progress(user: Any, task: Task) -> bool:
    """The lead agency's focal officers, heads and coordinators, and the coordinators of the plan's agency."""
    if _acts_for(user, [task.lead_agency_id]):
        return True
    return bool(_acts_for(user, [task.plan.agency_id], frozenset({Role.COORDINATOR})))


def part_agencies(user: Any, task: Task) -> list[Agency]:
    """The co-operating agencies of ``task`` for which ``user`` may add a part."""
    ids = _acts_for(user, task.co_agencies.values_list("pk", flat=True))
    return list(Agency.objects.filter(pk__in=ids).order_by("path"))


def can_set_recurrence(user: Any, task: Task) -> bool:
    """The coordinators of the plan's agency make a task recurring (the plan is theirs)."""
    return bool(_acts_for(user, [task.plan.agency_id], frozenset({Role.COORDINATOR})))


def check_percent(value: Decimal | None) -> Decimal | None:
    if value is not None and not (0 <= value <= 100):
        raise TaskError(
            _("The progress is a percentage from 0 to 100, not %(value)s.")
            % {"value": format_number(value, max(0, -int(value.normalize().as_tuple().exponent)))}
        )
    return value


def _check_files(files: list[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    if len(files) > MAX_FILES:
        raise TaskError(_("At most %(n)s files per update.") % {"n": MAX_FILES})
    checked = []
    for upload in files:
        try:
            checked.append((upload, check_evidence_file(upload)))
        except EvidenceError as exc:
            raise TaskError(f"“{original_name(upload)}”: {exc}") from None
    return checked


@transaction.atomic
def post_update(
    user: Any,
    task_id: Any,
    *,
    kind: str,
    text: str,
    percent: Decimal | None = None,
    files: Iterable[UploadedFile] = (),
    done: bool = False,
    completed_on: date | None = None,
    agency_id: Any = None,
) -> TaskUpdate:
    """A progress update (the lead agency's, ``kind="progress"``: may report the task done on
    ``completed_on``, today by default) or a co-operating agency's part (``kind="part"``, for
    ``agency_id`` among the user's co-operating agencies, the only one if omitted); with evidence files.

    404 for a task the user does not see, PermissionDenied for one it sees but may not post on,
    TaskError for bad input or state; nothing is written unless everything is right."""
    task = visible_task(user, task_id)
    task = Task.objects.select_for_update().select_related("plan__agency", "lead_agency").get(pk=task.pk)
    if task.is_series:
        raise TaskError(_("A recurring task is reported on through its occurrences, not on its series."))
    text = (text or "").strip()
    if kind == TaskUpdate.Kind.PROGRESS:
        if not can_report_progress(user, task):
            raise PermissionDenied(_("Only the lead agency's officers and the coordinators post progress updates."))
        agency = task.lead_agency
    elif kind == TaskUpdate.Kind.PART:
        allowed = part_agencies(user, task)
        if not allowed:
            raise PermissionDenied(_("Only the officers of a co-operating agency add its part."))
        if agency_id in (None, ""):
            if len(allowed) > 1:
                raise TaskError(_("Choose the co-operating agency the part is for."))
            agency = allowed[0]
        else:
            agency = next((a for a in allowed if str(a.pk) == str(agency_id)), None)
            if agency is None:
                raise PermissionDenied(_("You do not add parts for this agency."))
        if done or percent is not None:
            raise TaskError(_("A part reports what the agency did; the lead agency reports progress and completion."))
    else:
        raise TaskError(_("Unknown kind of update “%(kind)s”.") % {"kind": kind})
    if not text:
        raise TaskError(_("Write what was done."))
    check_percent(percent)
    checked = _check_files(list(files))
    today = timezone.localdate()
    if done:
        if task.status == TaskStatus.DONE:
            raise TaskError(_("The task is already done (on %(day)s).") % {"day": format_date(task.completed_on)})
        if verified_elsewhere(task):
            raise TaskError(
                _(
                    "This task remedies an inspection finding: report the remediation on the finding's page; "
                    "the task is done when an inspector verifies it."
                )
            )
        completed_on = completed_on or today
        if completed_on > today:
            raise TaskError(_("The completion date cannot be in the future."))
        if completed_on.year < task.plan.year:
            raise TaskError(_("The completion date is before the plan's year %(year)s.") % {"year": task.plan.year})
        percent = Decimal(100) if percent is None else percent
    update = TaskUpdate.objects.create(
        task=task,
        kind=kind,
        agency=agency,
        text=text,
        percent=percent,
        completed_on=completed_on if done else None,
        author=_person(user),
    )
    for upload, suffix in checked:
        stored = TaskFile(update=update, original_name=original_name(upload), size=upload.size or 0)
        stored.file.save(stored_name(suffix), upload, save=False)
        stored.save()
    changes: dict[str, list[Any]] = {"kind": [None, kind], "agency": [None, agency.pk], "text": [None, text]}
    if percent is not None:
        changes["percent"] = [None, str(percent)]
    if checked:
        changes["files"] = [None, [original_name(u) for u, _suffix in checked]]
    audit.record(user=user, obj=update, action=AuditEntry.Action.CREATE, changes=changes, agency=agency)
    if done:
        _complete(user, task, completed_on, update)  # type: ignore[arg-type]
    return update


def _complete(user: Any, task: Task, completed_on: date, update: TaskUpdate) -> None:
    before = audit.snapshot(task, ["status", "completed_on"])
    task.status, task.completed_on = TaskStatus.DONE, completed_on
    task.save(update_fields=["status", "completed_on"])
    audit.record(
        user=user,
        obj=task,
        action=AuditEntry.Action.UPDATE,
        changes=audit.diff(before, audit.snapshot(task, ["status", "completed_on"])),
        reason=_("Reported done"),
        agency=task.lead_agency,
    )
    coordinators = coordinators_of_agency(task.plan.agency)
    with translation.override("vi"):
        facts = {
            "code": task.task_code,
            "title": task.title[:200],
            "agency": task.lead_agency.name,
            "day": format_date(completed_on),
            "who": str(update.author or _("the system")),
        }
        on_time = completed_on <= task.deadline
        text = (
            _('%(agency)s reported the task %(code)s "%(title)s" done on %(day)s (by %(who)s).') % facts
            + " "
            + (
                _("On time.")
                if on_time
                else _("Late: the deadline was %(deadline)s.") % {"deadline": format_date(task.deadline)}
            )
        )
        subject = _("Task %(code)s of %(agency)s done") % facts
    link = reverse("plans:task", args=[task.pk])
    key = f"plans:task:{task.pk}:done"
    transaction.on_commit(lambda: notify(coordinators, key, text, link, subject=subject))


# Recurring tasks


@transaction.atomic
def set_recurrence(user: Any, task_id: Any, rule: str, day: int | None) -> int:
    """Make a task the series of a recurring task (the plan's coordinators) and generate its occurrences
    at once; returns how many were made."""
    task = visible_task(user, task_id)
    if not can_set_recurrence(user, task):
        raise PermissionDenied(_("Only the coordinators of the plan's agency make a task recurring."))
    task = Task.objects.select_for_update().select_related("plan__agency").get(pk=task.pk)
    if rule not in Recurrence.values or rule == Recurrence.NONE:
        raise TaskError(_("Choose how the task repeats."))
    if day is not None and not 1 <= day <= 31:
        raise TaskError(_("The day of the month is from 1 to 31, not %(day)s.") % {"day": day})
    if task.series_id is not None:
        raise TaskError(_("An occurrence of a recurring task does not repeat itself."))
    if task.occurrences.exists():
        raise TaskError(_("The task's occurrences exist already: its rule stays as it is."))
    if task.updates.exists() or task.status == TaskStatus.DONE:
        raise TaskError(_("The task has progress reported on it: it stays a single task."))
    before = audit.snapshot(task, ["recurrence", "recurrence_day"])
    task.recurrence, task.recurrence_day = rule, day
    task.save(update_fields=["recurrence", "recurrence_day"])
    audit.record(
        user=user,
        obj=task,
        action=AuditEntry.Action.UPDATE,
        changes=audit.diff(before, audit.snapshot(task, ["recurrence", "recurrence_day"])),
        agency=task.lead_agency,
    )
    return generate_occurrences(user, task)


def generate_occurrences(user: Any, series: Task) -> int:
    """The series' occurrences that do not exist yet, made (each an ordinary task of the plan, its code
    ``<series code>/<period>``); an open one whose period's deadline moved gets the new deadline.
    Running it again makes nothing: returns how many were made."""
    made, entries = 0, []
    existing = {t.occurrence: t for t in series.occurrences.all()}
    co_agencies = list(series.co_agencies.all())
    for occurrence in occurrences(series):
        code = f"{series.task_code}/{occurrence.key}"
        found = existing.get(occurrence.key)
        if found is not None:
            if found.status == TaskStatus.OPEN and found.deadline != occurrence.deadline:
                changes = {"deadline": [found.deadline.isoformat(), occurrence.deadline.isoformat()]}
                found.deadline = occurrence.deadline
                found.save(update_fields=["deadline"])
                entries.append(_entry(user, found, AuditEntry.Action.UPDATE, changes))
            continue
        if len(code) > Task._meta.get_field("task_code").max_length:  # type: ignore[operator]
            raise TaskError(_("The task code “%(code)s” is too long for its occurrences.") % {"code": series.task_code})
        task = Task(
            plan_id=series.plan_id,
            task_code=code,
            title=f"{series.title} ({occurrence.label})",
            area=series.area,
            lead_agency_id=series.lead_agency_id,
            deadline=occurrence.deadline,
            product=series.product,
            series=series,
            occurrence=occurrence.key,
        )
        try:
            with transaction.atomic():  # another run made it meanwhile: the unique constraints say so
                task.save()
        except IntegrityError:
            if Task.objects.filter(series=series, occurrence=occurrence.key).exists():
                continue
            raise TaskError(
                _("The plan has a task “%(code)s” already: rename it before generating the occurrences.")
                % {"code": code}
            ) from None
        task.co_agencies.set(co_agencies)
        entries.append(_entry(user, task, AuditEntry.Action.CREATE, audit.diff({}, _state(task))))
        made += 1
    audit.record_many(entries)
    return made


def _entry(user: Any, task: Task, action: str, changes: dict[str, list[Any]]) -> AuditEntry:
    reason = _("Recurring task")
    return audit.entry(user=_person(user), obj=task, action=action, changes=changes, reason=reason, agency=None)


def generate_recurring_tasks(year: int, *, user: Any) -> dict[str, int]:
    """Every series of the plans of ``year`` (``user``: SYSTEM for the command and the periodic job)."""
    series = Task.objects.restrict(user).filter(plan__year=year).exclude(recurrence=Recurrence.NONE)
    made = 0
    count = 0
    for task in series.select_related("plan__agency").order_by("plan_id", "task_code"):
        with transaction.atomic():
            made += generate_occurrences(user, task)
        count += 1
    return {"series": count, "made": made}
