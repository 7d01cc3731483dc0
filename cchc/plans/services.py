"""Importing and exporting a plan's tasks (``cchc import_plan``, ``cchc export_plan``, the plan page).

Columns (DESIGN §8.1): task_code, title, area, lead_agency_code, co_agency_codes (separated by ";"),
deadline, product, status (``open`` or ``done``), completed_on. Every row is checked before anything
is written; the first bad row stops the import with a one-line message naming its row and column.
Importing again updates the tasks by ``task_code``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.agencies.models import Agency
from cchc.agencies.services import ImportSummary
from cchc.core import audit
from cchc.core.models import AuditEntry
from cchc.core.tabular import Column, InputError, Kind, parse_date, read_rows, write_rows
from cchc.plans.models import Area, Plan, Task, TaskStatus

TASK_COLUMNS = [
    Column("task_code", gettext_lazy("Task code"), width=12),
    Column("title", gettext_lazy("Task"), width=60),
    Column("area", gettext_lazy("PAR area"), width=18),
    Column("lead_agency_code", gettext_lazy("Lead agency"), width=14),
    Column("co_agency_codes", gettext_lazy("Co-operating agencies"), width=24),
    Column("deadline", gettext_lazy("Deadline"), Kind.DATE, width=12),
    Column("product", gettext_lazy("Expected product"), width=40),
    Column("status", gettext_lazy("Status"), width=10),
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
    source: str | Path | IO[bytes], *, year: int, agency_code: str, user: Any = None, reason: str = "", name: str = ""
) -> ImportSummary:
    """Import the tasks of the plan of (year, agency) from a CSV or XLSX file; all rows or none."""
    rows = read_rows(source, required=REQUIRED, optional=TASK_COLUMNS, name=name)
    return import_plan(rows, year=year, agency_code=agency_code, user=user, reason=reason or _("Plan import"))


def import_plan(
    rows: Iterable[tuple[int, dict[str, str]]], *, year: int, agency_code: str, user: Any = None, reason: str = ""
) -> ImportSummary:
    agencies = {a.code: a for a in Agency.objects.all()}
    issuer = agencies.get(agency_code)
    if issuer is None:
        raise InputError(_("unknown agency “%(code)s”") % {"code": agency_code}, field="--agency")
    parsed = _parse(rows, agencies)
    if not parsed:
        raise InputError(_("the file has no task rows"))
    with transaction.atomic():
        plan = _plan(year, issuer, user, reason)
        return _write(plan, parsed, user, reason)


def _plan(year: int, issuer: Agency, user: Any, reason: str) -> Plan:
    """The agency's plan of the year (its first by number), created when it has none."""
    plan = Plan.objects.filter(year=year, agency=issuer).order_by("pk").first()
    if plan is None:
        plan = Plan.objects.create(year=year, agency=issuer, title=plan_title(year))
        changes: dict[str, list[Any]] = {"year": [None, year], "agency": [None, issuer.pk], "title": [None, plan.title]}
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


def _row(row: int, values: dict[str, str], agencies: dict[str, Agency]) -> TaskRow:
    code, title = _required(values, "task_code", row), _required(values, "title", row)
    area = _required(values, "area", row)
    if area not in Area.values:
        choices = ", ".join(Area.values)
        raise InputError(
            _("unknown PAR area “%(area)s” (one of %(choices)s)") % {"area": area, "choices": choices}, row, "area"
        )
    lead = _required(values, "lead_agency_code", row)
    if ";" in lead:
        raise InputError(_("a task has exactly one lead agency"), row, "lead_agency_code")
    lead_agency = _agency(lead, row, "lead_agency_code", agencies)
    co_codes = [c.strip() for c in values.get("co_agency_codes", "").split(";") if c.strip()]
    co = [_agency(c, row, "co_agency_codes", agencies) for c in dict.fromkeys(co_codes) if c != lead]
    deadline = parse_date(_required(values, "deadline", row), row, "deadline")
    status = _required(values, "status", row)
    if status not in TaskStatus.values:
        raise InputError(_("unknown status “%(status)s” (open or done)") % {"status": status}, row, "status")
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
