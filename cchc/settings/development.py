"""Local development and the demo of `make run`: SQLite by default, debug pages on."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.get_bool("CCHC_DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-cchc-0b7c1c6e9a4f4d1e8c2b"  # noqa: F405
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if not env.environ.get("CCHC_EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend"
)

# runserver serves static files itself; WhiteNoise is for production (collected files).
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
