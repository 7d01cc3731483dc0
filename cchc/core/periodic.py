"""Periodic jobs: work that runs by the calendar (reminders), queued by every background worker.

    @periodic("reports.reminders")
    def queue_reminders() -> None: send_reminders_task.enqueue(timezone.localdate().isoformat())

A worker (``cchc run_tasks``, which ``make run`` starts) calls every registered job as it starts and
then every ``CCHC_PERIODIC_EVERY`` seconds; a job queues a django-tasks task that a worker runs. Jobs
are idempotent (a reminder is sent once by its key), so several workers, or a restart, do no harm.
Jobs are registered in the apps' ``tasks`` modules.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.utils.module_loading import autodiscover_modules

log = logging.getLogger(__name__)
_JOBS: dict[str, Callable[[], None]] = {}


def periodic(name: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def decorator(job: Callable[[], None]) -> Callable[[], None]:
        _JOBS[name] = job
        return job

    return decorator


def jobs() -> dict[str, Callable[[], None]]:
    autodiscover_modules("tasks")
    return dict(_JOBS)


def run_due() -> None:
    """Call every job once; one that fails is logged and does not stop the others."""
    for name, job in jobs().items():
        try:
            job()
        except Exception:
            log.exception("periodic job %s failed", name)
        finally:
            if not connection.in_atomic_block:  # a worker's thread; not a caller's open transaction (tests)
                connection.close()


def run_forever(stop: threading.Event) -> None:
    """A worker's thread: the jobs now, then every CCHC_PERIODIC_EVERY seconds until stopped."""
    while True:
        run_due()
        if stop.wait(settings.CCHC_PERIODIC_EVERY):
            return
