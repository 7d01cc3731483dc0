"""Background work of periodic reports: the daily reminder run (``cchc.reports.reminders``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django_tasks import task as background

from cchc.core.periodic import periodic
from cchc.reports.reminders import send_reminders


@background()
def send_reminders_task(today: str) -> dict[str, Any]:
    """The django-tasks task a worker runs: one reminder run for ``today`` (ISO date)."""
    return send_reminders(date.fromisoformat(today))


@periodic("reports.reminders")
def queue_reminders() -> None:
    """Queued by every worker at start and then periodically; a repeated run sends nothing twice."""
    send_reminders_task.enqueue(timezone.localdate().isoformat())
