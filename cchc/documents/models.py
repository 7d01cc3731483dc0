"""A coordinator's replacement of a shipped template, for one kind of document and one year."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cchc.documents import kinds


class DocumentTemplate(models.Model):
    """The DOCX template (mẫu văn bản) used for ``kind`` in ``year`` instead of the shipped default."""

    kind = models.CharField(_("kind of document"), max_length=30, choices=kinds.CHOICES)
    year = models.PositiveSmallIntegerField(_("year"))
    content = models.BinaryField(_("content"))
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["kind", "-year"]
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="unique_document_template")]

    def __str__(self) -> str:
        return f"{kinds.get(self.kind).label} {self.year}: {self.file_name}"

    @classmethod
    def content_for(cls, kind: str, year: int) -> bytes:
        """The template in use: the replacement of that year, else the shipped default."""
        content = cls.objects.filter(kind=kind, year=year).values_list("content", flat=True).first()
        return bytes(content) if content is not None else kinds.get(kind).default_path.read_bytes()
