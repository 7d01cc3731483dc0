"""API authentication: a token also brings its user's interface language.

``LanguageMiddleware`` cannot know a token's user (DRF authenticates inside the view), so the
language the user chose in their profile is applied here, before any message is written.
"""

from typing import Any

from django.utils import translation
from rest_framework import authentication

from cchc.core.middleware import chosen_language


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        translation.activate(chosen_language(user))
        return user, token
