"""Official documents: DOCX as written, PDF through LibreOffice (Debian's libreoffice-writer-nogui).

LibreOffice runs headless with a profile of its own in a temporary folder, removed afterwards, so that
conversions never share state or leave files behind.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _

from cchc.core.tabular import InputError

CONVERT_TIMEOUT = 120


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(content: bytes) -> bytes:
    """The PDF LibreOffice makes of a DOCX; InputError when LibreOffice is missing or fails."""
    program = soffice()
    if program is None:
        raise InputError(_("PDF needs LibreOffice (Debian package libreoffice-writer-nogui); write a .docx instead"))
    with tempfile.TemporaryDirectory(prefix="cchc-pdf-") as folder:
        work = Path(folder)
        source = work / "document.docx"
        source.write_bytes(content)
        command = [
            program,
            f"-env:UserInstallation=file://{work / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=CONVERT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise InputError(_("LibreOffice did not finish converting the document to PDF")) from None
        pdf = work / "document.pdf"
        if not pdf.exists():
            raise InputError(_("LibreOffice could not convert the document to PDF"))
        return pdf.read_bytes()
