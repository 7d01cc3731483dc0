"""Error answers: a page in the site's layout for a person, JSON like the API's own for an API client.

Django's default handlers already render our templates (400.html, 403.html, 404.html, 500.html);
these add the API's answer for an address under /api/ that no API view handled (an unknown route,
a crash), so that a client never gets an HTML page, nor an English one.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token
from rest_framework import exceptions


def _api_error(request: HttpRequest, error: type[exceptions.APIException]) -> JsonResponse | None:
    if not request.path_info.startswith("/api/"):
        return None
    return JsonResponse(
        {"detail": str(error.default_detail)}, status=error.status_code, json_dumps_params={"ensure_ascii": False}
    )


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _api_error(request, exceptions.ParseError) or defaults.bad_request(request, exception)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _api_error(request, exceptions.PermissionDenied) or defaults.permission_denied(request, exception)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _api_error(request, exceptions.NotFound) or defaults.page_not_found(request, exception)


@requires_csrf_token
def server_error(request: HttpRequest, *args: Any) -> HttpResponse:
    """No database and no session here: what failed may be exactly those (500.html needs neither)."""
    return _api_error(request, exceptions.APIException) or defaults.server_error(request)
