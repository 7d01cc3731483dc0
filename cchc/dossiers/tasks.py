"""Background tasks of the dossier statistics: a web upload is imported outside the request.

The uploaded file and the engine's work folder are the task's (cchc/core/tasks.py removes them when
the import ends, fails or is found dead).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse

from cchc.core.models import Task
from cchc.core.tasks import register
from cchc.dossiers.services import import_dossiers_file


@register("dossiers.import", upload=("path", "name"))
def import_upload(
    task: Task, path: str, name: str, profile: str = "canonical", skip_bad_rows: bool = False
) -> dict[str, Any]:
    task.report(0)  # the engine reports the rows done and in the file once it has read it
    summary = import_dossiers_file(
        Path(path), profile=profile, skip_bad_rows=skip_bad_rows, user=task.user, name=name, progress=task.report
    )
    return {**summary.as_dict(), "url": reverse("dossiers:index")}
