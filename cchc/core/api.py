"""The API's error answers, in the reader's language.

DRF's messages are translated in ``cchc/locale_drf`` (DRF's own Vietnamese catalogue has about
twenty of its hundred-odd messages). The language is the caller's choice, never Accept-Language:
``LanguageMiddleware`` sets it for a session, ``cchc.accounts.authentication`` for a token.
"""

from typing import Any

from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's answer, except that a 404 says "not found" in the reader's language rather than
    Django's English "No Agency matches the given query." (which also names our models)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
