"""Background work of surveys: the daily purge of old client hashes (``checks.purge_client_hashes``)."""

from __future__ import annotations

from django_tasks import task as background

from cchc.core.periodic import periodic
from cchc.surveys.checks import purge_client_hashes


@background()
def purge_client_hashes_task() -> int:
    """The django-tasks task a worker runs: one purge; a repeated run clears nothing more."""
    return purge_client_hashes()


@periodic("surveys.purge_hashes")
def queue_purge_client_hashes() -> None:
    purge_client_hashes_task.enqueue()
