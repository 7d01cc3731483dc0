"""Checks on an answer of the public form, before it is recorded (issue 13 point 4, docs/surveys-public.md).

Nothing here tracks a person: the client is its address's salted hash (``client_hash``), kept on the
Response for ``CCHC_SURVEY_HASH_DAYS`` days and in the cache's counters for a window. The counters live
in Django's configured cache (``CACHES``), so several application servers share them when the cache
is shared (Redis, Memcached, the file cache on one machine).

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

RATE_LIMIT = "rate_limit"
DUPLICATE = "duplicate"
BURST = "burst"
PATTERN = "pattern"
REASONS = (RATE_LIMIT, DUPLICATE, BURST, PATTERN)
PREFIX = "cchc:survey:"


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
    return PREFIX + hashlib.sha256("\x00".join(map(str, parts)).encode()).hexdigest()


def _count(key: str, window: int) -> int:
    """One more in a fixed window of ``window`` seconds; the count with it."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def check(
    *, client: str, agency_id: int, answers: Mapping[str, int], counter_id: int | None = None
) -> Verdict:
    """The verdict on one answer about to be recorded; ``RateLimited`` when the client is over the limit.

    Each call counts the answer in the windows it belongs to, so call it once per answer recorded."""
    per_client = _count(_key("rate", client), settings.CCHC_SURVEY_RATE_WINDOW)
    if per_client > settings.CCHC_SURVEY_RATE_LIMIT:
        raise RateLimited(client)
    verdict = Verdict()
    if per_client > settings.CCHC_SURVEY_RATE_HOLD:
        verdict.reasons.append(RATE_LIMIT)
    answered = vector(answers)
    if not cache.add(_key("dup", client, agency_id, answered), 1, timeout=settings.CCHC_SURVEY_DUPLICATE_WINDOW):
        verdict.reasons.append(DUPLICATE)
    if counter_id is not None and _count(_key("burst", counter_id), settings.CCHC_SURVEY_BURST_WINDOW) > (
        settings.CCHC_SURVEY_BURST_LIMIT
    ):
        verdict.reasons.append(BURST)
    source = f"counter:{counter_id}" if counter_id is not None else f"agency:{agency_id}"
    if answers and _count(_key("pattern", source, answered), settings.CCHC_SURVEY_PATTERN_WINDOW) > (
        settings.CCHC_SURVEY_PATTERN_LIMIT
    ):
        verdict.reasons.append(PATTERN)
    return verdict


def purge_client_hashes(now: datetime | None = None) -> int:
    """Clear the client hashes of answers older than ``CCHC_SURVEY_HASH_DAYS`` days (the retention rule,
    docs/surveys-public.md § Data kept); returns how many answers lost theirs."""
    from cchc.surveys.models import Response

    cutoff = (now or timezone.now()) - timedelta(days=settings.CCHC_SURVEY_HASH_DAYS)
    return Response.objects.filter(submitted_at__lt=cutoff).exclude(client_hash="").update(client_hash="")
