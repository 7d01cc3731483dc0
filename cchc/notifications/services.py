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
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cchc.core.formatting import format_number
from cchc.notifications.models import Notification

log = logging.getLogger(__name__)
SUBJECT_LENGTH = 120
BATCH = 1000  # notifications per query in notify_many
DIGEST_ITEMS = 30  # a digest mail lists this many notifications, then points to the list of them


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


def notify_many(
    items: Iterable[tuple[Any, str, str, str, str]],
    email: bool = True,
    *,
    digest: Callable[[int], str] | None = None,
    unread_before: bool = False,
) -> int:
    """``notify`` for many at once: each item is (user, key, text, link, subject); returns how many
    notifications this call stored (those that existed before are left alone and not mailed again).

    Batches of ``BATCH``: the existing (recipient, key) read in one query, the others inserted in one
    (the unique constraint drops a row another run inserted meanwhile). Then the mails: claimed in one
    transaction per batch of recipients (rows locked by another run are skipped, ``SKIP LOCKED`` on
    PostgreSQL; SQLite's IMMEDIATE transactions run one at a time) and sent over one connection. So
    each mail still goes once; a mail that could not be sent is released for ``send_unsent``.

    With ``digest`` (the subject for a count), a recipient told several things in this call gets one
    mail listing them (``DIGEST_ITEMS`` of them, then a link to the notification list) instead of one
    mail each: a reminder run over thousands of tasks sends an officer one mail, not hundreds.

    ``unread_before`` says the caller has already left out the (recipient, key) that exist (the
    reminder run reads its keys once): the batches are then not read again before the insert; a row
    another run inserts meanwhile is still dropped by the constraint and still mailed once."""
    items = [item for item in items if getattr(item[0], "pk", None)]
    stored: dict[int, list[int]] = defaultdict(list)  # recipient → the notifications stored now
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        keys = {key for _user, key, *_rest in batch}
        existing: set[tuple[int, str]] = set()
        if not unread_before:
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
        for pk, user_id, key in rows.values_list("pk", "recipient_id", "key"):
            if (user_id, key) in fresh:
                stored[user_id].append(pk)
    if email and stored:
        with get_connection() as connection:
            for group in _recipient_groups(stored):
                _mail_group(group, connection, digest)
    return sum(len(ids) for ids in stored.values())


def _recipient_groups(stored: dict[int, list[int]]) -> Iterable[dict[int, list[int]]]:
    """The recipients in groups of about ``BATCH`` notifications (a recipient is never split)."""
    group: dict[int, list[int]] = {}
    size = 0
    for user_id, ids in stored.items():
        if group and size + len(ids) > BATCH:
            yield group
            group, size = {}, 0
        group[user_id] = ids
        size += len(ids)
    if group:
        yield group


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _mail_group(group: dict[int, list[int]], connection: Any, digest: Callable[[int], str] | None) -> int:
    """Claim and send the mails of a group's notifications not sent (or being sent) yet: one a
    notification, or with ``digest`` one a recipient; returns how many mails went."""
    ids = [pk for pks in group.values() for pk in pks]
    claimed: list[int] = []
    with transaction.atomic():
        for chunk in _chunks(ids):
            waiting = Notification.objects.filter(pk__in=chunk, emailed_at__isnull=True, email=True).exclude(
                recipient__email=""
            )
            mine = list(waiting.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True))
            Notification.objects.filter(pk__in=mine).update(emailed_at=timezone.now())
            claimed += mine
    by_recipient: dict[int, list[Mail]] = defaultdict(list)
    fields = ("pk", "recipient_id", "recipient__email", "subject", "text", "link")
    for chunk in _chunks(claimed):
        for row in Notification.objects.filter(pk__in=chunk).order_by("pk").values_list(*fields):
            by_recipient[row[1]].append(Mail(*row))
    messages: list[tuple[list[Mail], tuple[str, str]]] = []
    for mails in by_recipient.values():
        if digest is not None and len(mails) > 1:
            messages.append((mails, _digest(mails, digest)))
        else:
            messages.extend(([m], _compose(m.subject, m.text, m.link)) for m in mails)
    sent = 0
    failed: list[int] = []
    for mails, (subject, body) in messages:
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [mails[0].email], connection=connection)
        try:
            message.send()
        except (smtplib.SMTPException, OSError):
            log.warning("notifications %s…: the mail could not be sent", mails[0].pk, exc_info=True)
            failed += [m.pk for m in mails]
        else:
            sent += 1
    for chunk in _chunks(failed):
        Notification.objects.filter(pk__in=chunk).update(emailed_at=None)  # sent by send_unsent later
    return sent


class Mail(NamedTuple):
    """What a notification's mail is made of (read as a row, not a model instance: runs mail many)."""

    pk: int
    recipient_id: int
    email: str
    subject: str
    text: str
    link: str


def _digest(mails: list[Mail], subject_of: Callable[[int], str]) -> tuple[str, str]:
    """One mail for several notifications: each one's subject and link, the first ``DIGEST_ITEMS``."""
    with translation.override("vi"):
        lines = []
        for item in mails[:DIGEST_ITEMS]:
            lines.append("- " + (item.subject or item.text.splitlines()[0]))
            if item.link:
                lines.append("  " + absolute(item.link))
        rest = len(mails) - DIGEST_ITEMS
        if rest > 0:
            lines.append(_("… and %(count)s more.") % {"count": format_number(rest)})
        lines.append("")
        lines.append(_("All of them: %(url)s") % {"url": absolute(reverse("notifications:list"))})
        lines.append("")
        lines.append(_("This message was sent by the PAR system (CCHC); you can read it there too."))
        subject = subject_of(len(mails))
        return f"[CCHC] {subject}"[: SUBJECT_LENGTH + 7], "\n".join(lines)


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
    return _compose(notification.subject, notification.text, notification.link)


def _compose(subject: str, text: str, link: str) -> tuple[str, str]:
    with translation.override("vi"):
        subject = subject or text.splitlines()[0]
        if len(subject) > SUBJECT_LENGTH:
            subject = subject[: SUBJECT_LENGTH - 1].rstrip() + "…"
        body = text
        if link:
            body += "\n\n" + _("See: %(url)s") % {"url": absolute(link)}
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
