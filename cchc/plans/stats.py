"""Task statistics as the seeds count them (DESIGN §5.1, ``seeds/003``).

A task done on or before its deadline is done on time (hoàn thành đúng hạn); done after it, late
(hoàn thành quá hạn); not done, it is overdue (chưa hoàn thành, quá hạn) once its deadline is before
the as-of day, else in time (chưa đến hạn). So assigned = done_on_time + done_late + open_overdue +
open_in_time (003: 14.535 = 13.216 + 1.075 + 244 + 0).

``on_time_rate`` = done_on_time ÷ assigned (003: 13.216 ÷ 14.535 → 90,93%). A task belongs to year Y
when its plan is of year Y; the as-of day decides only whether an open task is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.core.formatting import format_percent, ratio
from cchc.plans.models import Area, Task, TaskStatus

GROUPINGS = ("none", "agency", "area")
COUNTS = ("assigned", "done", "done_on_time", "done_late", "open", "open_overdue", "open_in_time")
OUTCOMES = ("done_on_time", "done_late", "open_overdue", "open_in_time")  # each task is one of them
RATES = ("on_time_rate",)
LABELS = {
    "assigned": gettext_lazy("Assigned"),
    "done": gettext_lazy("Done"),
    "done_on_time": gettext_lazy("Done on time"),
    "done_late": gettext_lazy("Done late"),
    "open": gettext_lazy("Not done"),
    "open_overdue": gettext_lazy("Not done, overdue"),
    "open_in_time": gettext_lazy("Not done, not yet due"),
    "on_time_rate": gettext_lazy("Tasks done on time"),
}


@dataclass
class Group:
    """The counts of one group of tasks (all, a lead agency, a PAR area)."""

    key: str
    name: str
    done_on_time: int = 0
    done_late: int = 0
    open_overdue: int = 0
    open_in_time: int = 0
    path: str = ""  # the lead agency's place in the tree, for the order of ``by="agency"``

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def open(self) -> int:
        return self.open_overdue + self.open_in_time

    @property
    def assigned(self) -> int:
        return self.done + self.open

    @property
    def on_time_rate(self) -> Any:
        """done on time ÷ assigned (None when nothing is assigned)."""
        return ratio(self.done_on_time, self.assigned)

    @property
    def on_time_rate_text(self) -> str:
        return format_percent(self.on_time_rate)

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}

    def as_json(self) -> dict[str, Any]:
        value = self.on_time_rate
        rate = {"value": None if value is None else round(float(value), 6), "text": self.on_time_rate_text}
        return {"key": self.key, "name": self.name, **self.counts(), "on_time_rate": rate}


def task_stats(
    year: int, *, user: Any, as_of: date | None = None, by: str = "none", agencies: Any = None
) -> list[Group]:
    """The year's tasks the reader sees (``user``: a person, or ``SYSTEM``), one ``Group`` per group.

    ``by``: ``none`` (one group, key ``all``), ``agency`` (by lead agency, key its code) or ``area``
    (key the area code, every area listed). ``agencies`` narrows to tasks led by them; never widens.
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}")
    day = as_of or timezone.localdate()
    tasks = Task.objects.restrict(user).countable().filter(plan__year=year)
    if agencies is not None:
        tasks = tasks.filter(lead_agency__in=agencies)
    column = {"none": None, "agency": "lead_agency__code", "area": "area"}[by]
    groups = _groups(by)
    for row in _counts(tasks, column, day):
        key = row[column] if column else "all"
        group = groups.setdefault(
            key, Group(key, row.get("lead_agency__name", key), path=row.get("lead_agency__path", ""))
        )
        for name in OUTCOMES:
            setattr(group, name, getattr(group, name) + row[name])
    # Agencies in the order of the tree (the province, its departments, …); areas as DESIGN lists them.
    return sorted(groups.values(), key=lambda g: g.path) if by == "agency" else list(groups.values())


def _groups(by: str) -> dict[str, Group]:
    if by == "none":
        return {"all": Group("all", _("All tasks"))}
    if by == "area":
        return {code: Group(code, str(label)) for code, label in Area.choices}
    return {}


def _counts(tasks: Any, column: str | None, day: date) -> list[dict[str, Any]]:
    # As of ``day``: a task completed after it was still open then (a report of quarter I read in December
    # counts what was done by the quarter's cut-off).
    done = Q(status=TaskStatus.DONE, completed_on__lte=day)
    open_ = Q(status=TaskStatus.OPEN) | Q(status=TaskStatus.DONE, completed_on__gt=day)
    aggregates = {
        "done_on_time": Count("pk", filter=done & Q(completed_on__lte=F("deadline"))),
        "done_late": Count("pk", filter=done & Q(completed_on__gt=F("deadline"))),
        "open_overdue": Count("pk", filter=open_ & Q(deadline__lt=day)),
        "open_in_time": Count("pk", filter=open_ & Q(deadline__gte=day)),
    }
    if column is None:
        return [tasks.aggregate(**aggregates)]
    names = [column, "lead_agency__name", "lead_agency__path"] if column == "lead_agency__code" else [column]
    return list(tasks.values(*names).annotate(**aggregates).order_by())
