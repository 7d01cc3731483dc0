"""Notifications (thông báo) in the application: what the system tells one person, once.

A notification is generic (the reports' reminders use it; plans and tasks will): a recipient, a text,
a link, when it was made and read. ``key`` names what it is about ("reports:12:345:before-7"), unique
per recipient, so that the same notification is never made twice however often, or however many at
once, the code that makes it runs. ``emailed_at`` is set when its e-mail is claimed for sending.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    key = models.CharField(_("key"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200, blank=True, help_text=_("of its e-mail"))
    text = models.TextField(_("text"))
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email = models.BooleanField(_("by e-mail"), default=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="one_notification_per_key")]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.text[:60]}"

    @property
    def unread(self) -> bool:
        return self.read_at is None
