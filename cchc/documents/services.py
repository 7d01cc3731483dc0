"""Replacing and reverting a kind's template for a year: the province's PAR coordinator's steps."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.accounts.roles import Role
from cchc.agencies.models import Agency
from cchc.core.audit import record
from cchc.core.tabular import InputError
from cchc.documents import kinds
from cchc.documents.engine import DOCX_SIGNATURE, check_template
from cchc.documents.models import DocumentTemplate

MAX_TEMPLATE_BYTES = 10 * 1024 * 1024


def may_manage_templates(user: Any) -> bool:
    """Templates serve the whole province: its PAR coordinators (a coordinator grant on a top-level
    agency) and administrators change them; a district's coordinator does not."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.grants.filter(role=Role.COORDINATOR, agency__parent__isnull=True).exists()


def require_manager(user: Any) -> None:
    if not may_manage_templates(user):
        raise PermissionDenied(_("Only the province's PAR coordinator changes document templates."))


def replace_template(user: Any, kind: str, year: int, upload: Any) -> DocumentTemplate:
    """Use the uploaded DOCX for ``kind`` in ``year`` from now on, once it has passed the check."""
    require_manager(user)
    kinds.get(kind)
    content = _read(upload)
    check_template(kind, content)
    digest = hashlib.sha256(content).hexdigest()
    name = str(getattr(upload, "name", "") or f"{kind}.docx")[:255]
    with transaction.atomic():
        template = DocumentTemplate.objects.select_for_update().filter(kind=kind, year=year).first()
        before = {"file_name": template.file_name, "sha256": template.sha256} if template else {}
        if template is None:
            template = DocumentTemplate(kind=kind, year=year)
        template.content, template.file_name, template.sha256 = content, name, digest
        template.uploaded_by, template.uploaded_at = user, timezone.now()
        template.save()
        after = {"file_name": name, "sha256": digest}
        record(
            user=user,
            obj=template,
            action="update" if before else "create",
            changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
            agency=_province(),
        )
    return template


def revert_template(user: Any, kind: str, year: int) -> bool:
    """Go back to the shipped default for ``kind`` in ``year``; False when it was in use already."""
    require_manager(user)
    kinds.get(kind)
    with transaction.atomic():
        template = DocumentTemplate.objects.select_for_update().filter(kind=kind, year=year).first()
        if template is None:
            return False
        record(
            user=user,
            obj=template,
            action="delete",
            changes={"file_name": [template.file_name, None], "sha256": [template.sha256, None]},
            agency=_province(),
        )
        template.delete()
    return True


def _read(upload: Any) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_TEMPLATE_BYTES:
        raise InputError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_TEMPLATE_BYTES // (1024 * 1024)})
    content = upload.read(MAX_TEMPLATE_BYTES + 1)
    if len(content) > MAX_TEMPLATE_BYTES:
        raise InputError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_TEMPLATE_BYTES // (1024 * 1024)})
    if not content.startswith(DOCX_SIGNATURE):
        raise InputError(_("The file is not a Word document (.docx)."))
    return bytes(content)


def _province() -> Agency | None:
    """The agency the audit entry concerns: the province, so that its coordinators read the entry."""
    return Agency.objects.filter(parent__isnull=True, kind="province").order_by("code").first()
