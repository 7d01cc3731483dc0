from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils import translation

# Everything from this origin only: no inline script, no CDN, no framing.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        return response


class PagesLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a login unless marked ``login_not_required``; the API answers 401/403 itself."""

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> Any:
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def chosen_language(user: Any, cookie: str | None = None) -> str:
    """The language a person chose: their profile's, else the language cookie's, else the site's.

    The browser's Accept-Language is deliberately not consulted: the interface is Vietnamese for
    everyone until they pick another language themselves (DESIGN §2).
    """
    supported = {code for code, _name in settings.LANGUAGES}
    for choice in (getattr(user, "language", "") if getattr(user, "is_authenticated", False) else "", cookie):
        if choice in supported:
            return str(choice)
    return str(settings.LANGUAGE_CODE)


class LanguageMiddleware:
    """Activates the chosen language for the request (Django's LocaleMiddleware follows the browser).

    It runs after AuthenticationMiddleware, so that a signed-in user's profile decides; an API
    client signed in by token gets its user's language from ``cchc.accounts.authentication``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request.user, request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
