"""`cchc sample_documents --out DIR`: each kind's shipped template filled with its sample context.

One DOCX per kind (``ranking.docx``, ``agency.docx``, …), and a PDF beside each when LibreOffice is
installed: what a person looks at before editing a template, or to see what the layout gives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.documents import docx_to_pdf, soffice
from cchc.documents import kinds
from cchc.documents.engine import render_with

SAMPLE_YEAR = 2026


class Command(CchcCommand):
    help = "Write each kind of document from its default template and sample context (DOCX, and PDF with LibreOffice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="folder to write into (created if missing)")

    def run(self, *args: Any, out: str, **options: Any) -> None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        pdf = soffice() is not None
        for kind in kinds.KINDS.values():
            content = render_with(kind.default_path.read_bytes(), {"year": SAMPLE_YEAR, **kind.sample()})
            path = folder / f"{kind.code}.docx"
            path.write_bytes(content)
            self.stdout.write(_("Written: %(path)s") % {"path": path})
            if pdf:
                path.with_suffix(".pdf").write_bytes(docx_to_pdf(content))
                self.stdout.write(_("Written: %(path)s") % {"path": path.with_suffix(".pdf")})
        if not pdf:
            self.stdout.write(_("No PDF: LibreOffice is not installed."))
