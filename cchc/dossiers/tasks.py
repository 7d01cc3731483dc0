"""Background tasks of the dossier statistics: a web upload is imported outside the request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse

from cchc.core.models import Task
from cchc.core.tasks import register
from cchc.dossiers.services import import_dossiers_file


def count_rows(path: Path) -> int:
    """Data rows of an uploaded file, for the progress bar (an estimate for XLSX)."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True)
            rows = (book.worksheets[0].max_row or 1) - 1
            book.close()
            return rows
        except Exception:  # an unreadable workbook is reported by the import itself
            return 0
    with path.open("rb") as handle:
        return max(sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1, 0)


@register("dossiers.import")
def import_upload(
    task: Task, path: str, name: str, profile: str = "canonical", skip_bad_rows: bool = False
) -> dict[str, Any]:
    file = Path(path)
    total = count_rows(file)
    task.report(0, total)
    try:
        summary = import_dossiers_file(
            file,
            profile=profile,
            skip_bad_rows=skip_bad_rows,
            user=task.user,
            name=name,
            progress=lambda done, message: task.report(done, total, message),
        )
    finally:
        file.unlink(missing_ok=True)
    return {**summary.as_dict(), "url": reverse("dossiers:index")}
