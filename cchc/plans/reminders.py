"""Reminders of plan tasks (nhắc nhiệm vụ): in the application and by e-mail, each exactly once.

Every open task is reminded on the ladder of the periodic reports (``cchc.reports.reminders.step_of``):
``CCHC_TASK_REMINDER_DAYS`` days before its deadline (7 and 3 unless configured), on the day, one day
after, then every 7 days. The focal officers and heads of its lead agency are told (their own grants
on it); from the day after the deadline, the coordinators of the plan's agency too.

A run sends the latest step reached by ``today`` that has not been sent. The notification's key is
``plans:task:<id>:<step>``, so a step goes once to each recipient however often the run is repeated,
and by only one of two runs that overlap (``cchc.notifications.services.notify``). A done task stops
its reminders by itself: only open tasks are read.

The tasks are read in one query (lead agency and plan joined), the recipients in one per kind, the
notifications already made for this run's keys in a few; the missing ones are stored and mailed by
``notify_many``, a thousand at a time.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency
from cchc.core.formatting import format_date
from cchc.notifications.models import Notification
from cchc.notifications.services import notify_many, send_unsent
from cchc.plans.models import Task, TaskStatus
from cchc.reports.reminders import step_of
from cchc.reports.services import coordinators_of_agency, officers_of

CHUNK = 2000  # keys per query when reading the notifications already made
PK = "987654321"  # reversed once a run and replaced by each task's id: reverse() was 13 % of a run


def key_of(task_id: int, step: str) -> str:
    return f"plans:task:{task_id}:{step}"


def send_task_reminders(today: date) -> dict[str, int]:
    """Remind the lead agency (and, when overdue, the coordinators) of every open task on its step;
    returns counts: ``tasks`` on a step today, ``made`` notifications made now, ``retried`` mails."""
    days = settings.CCHC_TASK_REMINDER_DAYS
    horizon = today + timedelta(days=max(days, default=0))
    rows = (
        Task.objects.countable()
        .filter(status=TaskStatus.OPEN, deadline__lte=horizon)
        .order_by("deadline", "pk")
        .values_list(*Due._fields[:4], "lead_agency_id", "lead_agency__name", "plan__agency_id")
    )
    due: list[tuple[Due, str]] = []
    for task in map(Due._make, rows.iterator(chunk_size=5000)):  # rows, not instances: a run reads 50,000
        step = step_of(task.deadline, today, days)
        if step is not None:
            due.append((task, step))
    officers = officers_of({task.lead_agency_id for task, _step in due})
    overdue_owners = {task.plan_agency_id for task, step in due if step.startswith("after")}
    coordinators = {a.pk: coordinators_of_agency(a) for a in Agency.objects.filter(pk__in=overdue_owners)}
    made_before = _made_before([key_of(task.pk, step) for task, step in due])
    items: list[tuple[Any, str, str, str, str]] = []
    task_link = reverse("plans:task", args=[int(PK)])
    with translation.override("vi"):  # the mail and the notifications are in Vietnamese
        for task, step in due:
            key = key_of(task.pk, step)
            users = list(officers.get(task.lead_agency_id, []))
            if step.startswith("after"):
                users += coordinators.get(task.plan_agency_id, [])
            users = [u for u in {u.pk: u for u in users}.values() if (u.pk, key) not in made_before]
            if not users:
                continue
            link = task_link.replace(PK, str(task.pk))  # where the lead agency posts its progress
            subject, text = _message(task, step, today)
            items.extend((user, key, text, link, subject) for user in users)
        made = notify_many(items, digest=_digest_subject, unread_before=True)  # made_before left them out
    retried = send_unsent()
    return {"tasks": len(due), "made": made, "retried": retried}


def _made_before(keys: list[str]) -> set[tuple[int, str]]:
    """(recipient, key) of the notifications that exist already for ``keys``: not offered again."""
    found: set[tuple[int, str]] = set()
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        found.update(Notification.objects.filter(key__in=chunk).values_list("recipient_id", "key"))
    return found


def _digest_subject(count: int) -> str:
    return _("%(count)s reminders of tasks to do") % {"count": count}


class Due(NamedTuple):
    """An open task as a reminder run reads it."""

    pk: int
    task_code: str
    title: str
    deadline: date
    lead_agency_id: int
    agency_name: str
    plan_agency_id: int


def _message(task: Due, step: str, today: date) -> tuple[str, str]:
    facts = {
        "code": task.task_code,
        "title": task.title,
        "agency": task.agency_name,
        "deadline": format_date(task.deadline),
        "days": abs((task.deadline - today).days),
    }
    if step == "due":
        subject = _("Task %(code)s of %(agency)s is due today (%(deadline)s)") % facts
        lead = _('Today, %(deadline)s, is the deadline of the task %(code)s "%(title)s" led by %(agency)s.') % facts
    elif step.startswith("before"):
        subject = _("Task %(code)s of %(agency)s: deadline %(deadline)s") % facts
        lead = _('The task %(code)s "%(title)s" led by %(agency)s is due on %(deadline)s, in %(days)s days.') % facts
    else:
        subject = _("Overdue: task %(code)s of %(agency)s (deadline %(deadline)s)") % facts
        lead = (
            _(
                'The task %(code)s "%(title)s" led by %(agency)s is overdue: '
                "the deadline was %(deadline)s, %(days)s days ago."
            )
            % facts
        )
    text = f"{lead}\n" + _("It is not done yet. The lead agency records its progress on the task's page.")
    return subject, text
