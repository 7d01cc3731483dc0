"""Making notifications and sending their e-mail, each exactly once (``notify``), and reading them.

``notify`` creates one row per recipient and key; a row that exists already (made by an earlier run,
or by a run overlapping this one) is left alone and mailed by nobody, since the database's unique
constraint decides which of two concurrent inserts makes it. Each new row's e-mail is then claimed
(``emailed_at`` set where it was empty, one UPDATE) before it is sent, so that two processes never
send the same one; a mail that could not be sent is released and sent by ``send_unsent`` later.
Mails are in Vietnamese, whatever the language of the page that made them.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cchc.notifications.models import Notification

log = logging.getLogger(__name__)
SUBJECT_LENGTH = 120
BATCH = 1000  # notifications per query in notify_many


def notify(
    users: Iterable[Any], key: str, text: str, link: str = "", email: bool = True, *, subject: str = ""
) -> list[Notification]:
    """Tell each of ``users`` ``text`` (with ``link``, a path of the site) once per ``key``; returns the
    notifications made now (none for a user who already has this key). With ``email``, each new one
    is also sent to its recipient's address, ``subject`` as its subject (by default the text's start)."""
    made = []
    for user in {u.pk: u for u in users if getattr(u, "pk", None)}.values():
        notification = _create(user, key, {"text": text, "link": link, "email": email, "subject": subject[:200]})
        if notification is not None:
            made.append(notification)
    for notification in made:
        if notification.email:
            mail(notification)
    return made


def notify_many(items: Iterable[tuple[Any, str, str, str, str]], email: bool = True) -> int:
    """``notify`` for many at once: each item is (user, key, text, link, subject); returns how many
    notifications this call stored (those that existed before are left alone and not mailed again).

    Batches of ``BATCH``: the existing (recipient, key) read in one query, the others inserted in one
    (the unique constraint drops a row another run inserted meanwhile), their mails claimed in one
    transaction (rows locked by another run are skipped, ``SKIP LOCKED`` on PostgreSQL; SQLite's
    IMMEDIATE transactions run one at a time) and sent over one connection. So each mail still goes
    once; a mail that could not be sent is released for ``send_unsent``."""
    items = [item for item in items if getattr(item[0], "pk", None)]
    stored = 0
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        keys = {key for _user, key, *_rest in batch}
        existing = set(Notification.objects.filter(key__in=keys).values_list("recipient_id", "key"))
        fresh: dict[tuple[int, str], Notification] = {}
        for user, key, text, link, subject in batch:
            if (user.pk, key) not in existing:
                fresh[(user.pk, key)] = Notification(
                    recipient=user, key=key, text=text, link=link, email=email, subject=subject[:200]
                )
        if not fresh:
            continue
        Notification.objects.bulk_create(fresh.values(), ignore_conflicts=True)
        rows = Notification.objects.filter(key__in={k for _u, k in fresh}, recipient__in={u for u, _k in fresh})
        ids = [pk for pk, user_id, key in rows.values_list("pk", "recipient_id", "key") if (user_id, key) in fresh]
        stored += len(ids)
        if email:
            _mail_many(ids)
    return stored


def _mail_many(ids: list[int]) -> int:
    """Claim and send the mails of the notifications ``ids`` not sent (or being sent) yet; returns how
    many went."""
    with transaction.atomic():
        waiting = Notification.objects.filter(pk__in=ids, emailed_at__isnull=True, email=True).exclude(
            recipient__email=""
        )
        claimed = list(waiting.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True))
        Notification.objects.filter(pk__in=claimed).update(emailed_at=timezone.now())
    sent = 0
    failed = []
    with get_connection() as connection:
        for notification in Notification.objects.filter(pk__in=claimed).select_related("recipient").order_by("pk"):
            subject, body = _message(notification)
            message = EmailMessage(
                subject, body, settings.DEFAULT_FROM_EMAIL, [notification.recipient.email], connection=connection
            )
            try:
                message.send()
            except (smtplib.SMTPException, OSError):
                log.warning("notification %s: the mail could not be sent", notification.pk, exc_info=True)
                failed.append(notification.pk)
            else:
                sent += 1
    if failed:
        Notification.objects.filter(pk__in=failed).update(emailed_at=None)  # sent by send_unsent later
    return sent


def _create(user: Any, key: str, fields: dict[str, Any]) -> Notification | None:
    """The new row, or None when the key exists for the user (this run's or another's)."""
    try:
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(recipient=user, key=key, defaults=fields)
    except IntegrityError:  # another run inserted it between get_or_create's read and its insert
        return None
    return notification if created else None


def mail(notification: Notification) -> bool:
    """Send the notification's e-mail unless it was sent (or is being sent) already; True if sent now."""
    address = notification.recipient.email
    if not address:
        return False
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return False
    subject, body = _message(notification)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    except (smtplib.SMTPException, OSError):
        log.warning("notification %s: the mail to %s could not be sent", notification.pk, address, exc_info=True)
        Notification.objects.filter(pk=notification.pk).update(emailed_at=None)  # sent by send_unsent later
        return False
    return True


def _message(notification: Notification) -> tuple[str, str]:
    with translation.override("vi"):
        subject = notification.subject or notification.text.splitlines()[0]
        if len(subject) > SUBJECT_LENGTH:
            subject = subject[: SUBJECT_LENGTH - 1].rstrip() + "…"
        body = notification.text
        if notification.link:
            body += "\n\n" + _("See: %(url)s") % {"url": absolute(notification.link)}
        body += "\n\n" + _("This message was sent by the PAR system (CCHC); you can read it there too.")
        return f"[CCHC] {subject}", body


def absolute(link: str) -> str:
    return link if "://" in link else settings.CCHC_SITE_URL.rstrip("/") + link


def send_unsent() -> int:
    """Send the mails that failed before (the mail server was down); returns how many went."""
    waiting = Notification.objects.filter(email=True, emailed_at__isnull=True).exclude(recipient__email="")
    return sum(mail(n) for n in waiting.select_related("recipient").order_by("pk"))


def for_user(user: Any) -> QuerySet[Notification]:
    """A person's own notifications: nobody reads another's."""
    return Notification.objects.filter(recipient=user.pk)


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return for_user(user).filter(read_at__isnull=True).count()


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (``ids`` of them, or all); returns how many changed."""
    unread = for_user(user).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
