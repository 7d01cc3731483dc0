"""Background tasks of the dossier statistics: a web upload is imported outside the request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse

from cchc.core.models import Task
from cchc.core.tasks import register
from cchc.dossiers.services import import_dossiers_file


@register("dossiers.import")
def import_upload(
    task: Task, path: str, name: str, profile: str = "canonical", skip_bad_rows: bool = False
) -> dict[str, Any]:
    file = Path(path)
    task.report(0)  # the engine reports the rows done and in the file once it has read it
    try:
        summary = import_dossiers_file(
            file,
            profile=profile,
            skip_bad_rows=skip_bad_rows,
            user=task.user,
            name=name,
            progress=task.report,
        )
    finally:
        file.unlink(missing_ok=True)
    return {**summary.as_dict(), "url": reverse("dossiers:index")}
