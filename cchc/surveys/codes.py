"""One-time survey codes printed as a QR on a dossier's receipt (issue 13 point 4).

A code is derived from the dossier, never from the citizen:

- its **digest** is an HMAC, with the server's secret, of the source system and the dossier code,
  truncated and URL-safe. It is what a Response keeps (``dossier_digest``, unique per questionnaire),
  so one dossier gives one answer, and the dossier code itself is not needed to count it;
- its **payload** carries the agency and the procedure of the dossier with the digest, and a second
  HMAC **signs** the payload, so that a changed agency, procedure or digest is refused.

The code reads ``<payload in base64url>.<signature>``; ``read_code`` checks it in constant time.
Only the server can make a valid code (a new secret key invalidates the codes already printed).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac

DIGEST_LENGTH = 22  # base64url characters: 132 bits of HMAC-SHA256
SIGNATURE_LENGTH = 16  # 96 bits
SEPARATOR = "|"


class InvalidCode(ValueError):
    """A code that this server did not make, or that was changed."""


@dataclass(frozen=True)
class Claim:
    """What a valid code says: the agency and procedure of the dossier, and the dossier's digest."""

    agency_code: str
    procedure_code: str
    digest: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _hmac(purpose: str, value: str) -> str:
    return _b64(salted_hmac(f"cchc.surveys.codes.{purpose}", value, algorithm="sha256").digest())


def dossier_digest(dossier_code: str, source: str | None = None) -> str:
    """The digest of a dossier (source system + dossier code) that a Response keeps."""
    source = source or settings.CCHC_DOSSIER_SOURCE
    return _hmac("dossier", f"{source}\x00{dossier_code.strip()}")[:DIGEST_LENGTH]


def make_code(*, agency_code: str, dossier_code: str, procedure_code: str = "", source: str | None = None) -> str:
    """The one-time code for a dossier of ``agency_code`` (and its procedure, when known)."""
    if not dossier_code.strip():
        raise ValueError("a dossier code is needed")
    if SEPARATOR in agency_code or SEPARATOR in procedure_code:
        raise ValueError(f"codes cannot hold {SEPARATOR!r}")
    payload = SEPARATOR.join((agency_code, procedure_code, dossier_digest(dossier_code, source)))
    return f"{_b64(payload.encode())}.{_hmac('sign', payload)[:SIGNATURE_LENGTH]}"


def read_code(code: str, agency_code: str | None = None) -> Claim:
    """The claim of a code made by ``make_code``; ``InvalidCode`` if it was changed or belongs to
    another agency than ``agency_code`` (the agency of the form's address)."""
    encoded, dot, signature = (code or "").strip().partition(".")
    if not dot or not encoded or len(signature) != SIGNATURE_LENGTH or len(code) > 400:
        raise InvalidCode(code)
    try:
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidCode(code) from error
    if not hmac.compare_digest(_hmac("sign", payload)[:SIGNATURE_LENGTH], signature):
        raise InvalidCode(code)
    parts = payload.split(SEPARATOR)
    if len(parts) != 3 or len(parts[2]) != DIGEST_LENGTH:
        raise InvalidCode(code)
    claim = Claim(*parts)
    if agency_code is not None and claim.agency_code != agency_code:
        raise InvalidCode(code)
    return claim


def form_path(code: str, agency_code: str) -> str:
    """The public form's path for a code (what the receipt's QR holds, after the site's address)."""
    return f"/khao-sat/{agency_code}/?c={code}"
