"""Background work of plans: the daily reminder run of open tasks (``cchc.plans.reminders``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django_tasks import task as background

from cchc.core.periodic import periodic
from cchc.plans.reminders import send_task_reminders


@background()
def send_task_reminders_task(today: str) -> dict[str, Any]:
    """The django-tasks task a worker runs: one reminder run for ``today`` (ISO date)."""
    return send_task_reminders(date.fromisoformat(today))


@periodic("plans.reminders")
def queue_task_reminders() -> None:
    """Queued by every worker at start and then periodically; a repeated run sends nothing twice."""
    send_task_reminders_task.enqueue(timezone.localdate().isoformat())


@background()
def generate_recurring_tasks_task(year: int) -> dict[str, int]:
    """The occurrences of the year's recurring tasks (idempotent: a repeated run makes nothing)."""
    from cchc.core.scope import SYSTEM
    from cchc.plans.services import generate_recurring_tasks

    return generate_recurring_tasks(year, user=SYSTEM)


@periodic("plans.recurring")
def queue_recurring_tasks() -> None:
    """Queued by every worker at start and then periodically: a series made or a calendar changed since
    is followed without anyone running the command."""
    generate_recurring_tasks_task.enqueue(timezone.localdate().year)
