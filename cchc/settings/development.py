"""Local development and the demo of `make run`: SQLite by default.

The pages a person sees are the real ones, error pages included: DEBUG is off unless CCHC_DEBUG=1
asks for Django's technical pages (a 404 listing every URL pattern, a 500 with the traceback and
settings), which are for a developer at their own machine, never for someone trying the demo.
A traceback always goes to the console. Static files are served by WhiteNoise straight from the
source folders (no collectstatic), which works with DEBUG on or off.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.get_bool("CCHC_DEBUG", False)
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-cchc-0b7c1c6e9a4f4d1e8c2b"  # noqa: F405
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if not env.environ.get("CCHC_EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend"
)

WHITENOISE_USE_FINDERS = True  # serve from app and vendor folders, as runserver would with DEBUG on
WHITENOISE_AUTOREFRESH = True  # pick up edited files without a restart
