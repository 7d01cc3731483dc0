"""Evidence files (tài liệu kiểm chứng): the one check of type, size and content every upload passes.

The PAR index's evidence (``cchc.scoring``) and the plan tasks' progress updates and parts
(``cchc.plans``) accept the same files: a name ending in one of ``EVIDENCE_TYPES``, at most
``EVIDENCE_MAX_BYTES``, not empty, and whose first bytes are those of its type (a renamed ``.exe``
is refused). A stored file gets a random name (``stored_name``); the person's file name is kept
apart and never reaches the file system. Files go back as attachments only (``attachment``).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.translation import gettext as _

from cchc.core.formatting import format_number

EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
# Extension → accepted leading bytes. Office files are ZIP (OOXML/ODF) or OLE (old .doc/.xls).
ZIP, OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
EVIDENCE_TYPES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF",),
    ".docx": (ZIP,),
    ".xlsx": (ZIP,),
    ".pptx": (ZIP,),
    ".odt": (ZIP,),
    ".ods": (ZIP,),
    ".doc": (OLE,),
    ".xls": (OLE,),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


class EvidenceError(ValueError):
    """A file refused as evidence; the message (Vietnamese once translated) says why."""


def check_evidence_file(upload: UploadedFile) -> str:
    """The file's extension if its name, size and first bytes are those of an accepted type."""
    name = upload.name or ""
    suffix = Path(name).suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        raise EvidenceError(
            _("Files of type “%(suffix)s” are not accepted as evidence (accepted: %(types)s).")
            % {"suffix": suffix or name, "types": ", ".join(sorted(EVIDENCE_TYPES))}
        )
    if (upload.size or 0) > EVIDENCE_MAX_BYTES:
        raise EvidenceError(
            _("The file is larger than %(mb)s MB.") % {"mb": format_number(EVIDENCE_MAX_BYTES // (1024 * 1024))}
        )
    if not upload.size:
        raise EvidenceError(_("The file is empty."))
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in EVIDENCE_TYPES[suffix]):
        raise EvidenceError(_("The file's content is not a %(suffix)s file.") % {"suffix": suffix})
    return suffix


def original_name(upload: UploadedFile) -> str:
    """The person's file name, without any folder, as shown on the page and given back on download."""
    return Path(upload.name or "").name[:255]


def stored_name(suffix: str) -> str:
    """A random file name with the checked extension: the user's file name never reaches the disk."""
    return f"{uuid.uuid4().hex}{suffix}"


def attachment(file: Any, filename: str) -> FileResponse:
    """A stored evidence file as an attachment, never rendered by the browser."""
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=filename, content_type="application/octet-stream"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
