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
