"""Checks on an answer of the public form, before it is recorded (issue 13 point 4, docs/surveys-public.md).

Nothing here tracks a person: the client is its address's salted hash (``client_hash``), kept on the
Response for ``CCHC_SURVEY_HASH_DAYS`` days. The counts are rows of ``CheckCount`` in fixed windows,
each one atomic upsert (``INSERT … ON CONFLICT DO UPDATE … RETURNING``, SQLite and PostgreSQL alike)
in the transaction that stores the answer: exact, shared by every application server, and never
evicting the entries of Django's cache (whose file and memory backends cull at 300 entries, which
would both lose the counts under load and drop the background tasks' signs of life).

- **rate limit**: more than ``CCHC_SURVEY_RATE_HOLD`` answers from one client within
  ``CCHC_SURVEY_RATE_WINDOW`` seconds are held (``rate_limit``: a shared device at a counter is
  possible, so a person decides); more than ``CCHC_SURVEY_RATE_LIMIT`` are refused (HTTP 429) and
  recorded nowhere, the only answers not kept, since the client is hammering the form;
- **duplicate**: the same client giving the same answers to the same agency within
  ``CCHC_SURVEY_DUPLICATE_WINDOW`` seconds (``duplicate``);
- **burst**: more than ``CCHC_SURVEY_BURST_LIMIT`` answers through one counter QR within
  ``CCHC_SURVEY_BURST_WINDOW`` seconds (``burst``);
- **pattern**: one answer vector (every question the same way, e.g. all 5 or all 1, or any identical
  set) more than ``CCHC_SURVEY_PATTERN_LIMIT`` times within ``CCHC_SURVEY_PATTERN_WINDOW`` seconds
  through one counter, or for one agency's codes (``pattern``).

A held answer is recorded with ``status=held`` and its reasons, and waits for a coordinator's review;
it is never dropped. Paper forms are entered by officials and not checked here.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

RATE_LIMIT = "rate_limit"
DUPLICATE = "duplicate"
BURST = "burst"
PATTERN = "pattern"
REASONS = (RATE_LIMIT, DUPLICATE, BURST, PATTERN)


class RateLimited(Exception):
    """Too many answers from one client: the form answers 429 and records nothing."""


@dataclass
class Verdict:
    """``held`` with the reasons, or counted (no reasons)."""

    reasons: list[str] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return bool(self.reasons)


def client_address(request: HttpRequest) -> str:
    """The address the request came from, as the WSGI server (or the proxy in front, which must set
    ``REMOTE_ADDR``: gunicorn's ``--forwarded-allow-ips``) gives it."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def client_hash(address: str) -> str:
    """The salted SHA-256 hash of a client address (64 hex characters); the address is not kept."""
    salt = settings.CCHC_SURVEY_CLIENT_SALT
    if salt:
        return hashlib.sha256(f"{salt}\x00{address}".encode()).hexdigest()
    return salted_hmac("cchc.surveys.client", address, algorithm="sha256").hexdigest()


def vector(answers: Mapping[str, int]) -> str:
    """The answers as one comparable string, ordered by question code."""
    return ",".join(f"{code}={answers[code]}" for code in sorted(answers))


def _key(*parts: object) -> str:
    return hashlib.sha256("\x00".join(map(str, parts)).encode()).hexdigest()


UPSERT = (
    "INSERT INTO {table} ({key}, {count}, {expires}) VALUES {rows} "
    "ON CONFLICT ({key}) DO UPDATE SET {count} = {table}.{count} + 1 RETURNING {key}, {count}"
)


def _count(windows: Mapping[str, tuple[int, tuple[object, ...]]]) -> dict[str, int]:
    """One more of each name's ``(window, parts)`` in its current fixed window of ``window`` seconds,
    all in one statement; each name's count with it."""
    from cchc.surveys.models import CheckCount

    now = int(time.time())
    names: dict[str, str] = {}
    params: list[Any] = []
    for name, (window, parts) in windows.items():
        start = now // window * window
        key = _key(name, window, start, *parts)
        names[key] = name
        params += [key, datetime.fromtimestamp(start + window, tz=UTC)]
    quote = connection.ops.quote_name
    sql = UPSERT.format(
        table=quote(CheckCount._meta.db_table),
        key=quote("key"),
        count=quote("count"),
        expires=quote("expires_at"),
        rows=", ".join(["(%s, 1, %s)"] * len(names)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {names[key]: int(count) for key, count in cursor.fetchall()}


def check(*, client: str, agency_id: int, answers: Mapping[str, int], counter_id: int | None = None) -> Verdict:
    """The verdict on one answer about to be recorded; ``RateLimited`` when the client is over the limit.

    Each call counts the answer in the windows it belongs to (one statement), so call it once per
    answer, in the transaction that records it."""
    answered = vector(answers)
    source = f"counter:{counter_id}" if counter_id is not None else f"agency:{agency_id}"
    windows: dict[str, tuple[int, tuple[object, ...]]] = {
        RATE_LIMIT: (settings.CCHC_SURVEY_RATE_WINDOW, (client,)),
        DUPLICATE: (settings.CCHC_SURVEY_DUPLICATE_WINDOW, (client, agency_id, answered)),
        PATTERN: (settings.CCHC_SURVEY_PATTERN_WINDOW, (source, answered)),
    }
    if counter_id is not None:
        windows[BURST] = (settings.CCHC_SURVEY_BURST_WINDOW, (counter_id,))
    counts = _count(windows)
    if counts[RATE_LIMIT] > settings.CCHC_SURVEY_RATE_LIMIT:
        raise RateLimited(client)
    limits = {
        RATE_LIMIT: settings.CCHC_SURVEY_RATE_HOLD,
        DUPLICATE: 1,
        BURST: settings.CCHC_SURVEY_BURST_LIMIT,
        PATTERN: settings.CCHC_SURVEY_PATTERN_LIMIT,
    }
    return Verdict([reason for reason in REASONS if counts.get(reason, 0) > limits[reason]])


def purge_client_hashes(now: datetime | None = None) -> int:
    """Clear the client hashes of answers older than ``CCHC_SURVEY_HASH_DAYS`` days (the retention rule,
    docs/surveys-public.md § Data kept) and the counts of ended windows; returns how many answers
    lost their hash."""
    from cchc.surveys.models import CheckCount, Response

    now = now or timezone.now()
    CheckCount.objects.filter(expires_at__lte=now).delete()
    cutoff = now - timedelta(days=settings.CCHC_SURVEY_HASH_DAYS)
    return Response.objects.filter(submitted_at__lt=cutoff).exclude(client_hash="").update(client_hash="")
