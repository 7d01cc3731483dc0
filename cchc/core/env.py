"""Strict reading of settings from the environment.

Every variable the project reads is declared in ``KNOWN``; a ``CCHC_`` variable that is not
declared is a typo and stops start-up, as does a value that does not parse.
"""

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

KNOWN: dict[str, str] = {
    "DATABASE_URL": "database; default: SQLite file (WAL) in CCHC_DATA_DIR",
    "CCHC_DATA_DIR": "folder for the SQLite database and uploaded files",
    "CCHC_SECRET_KEY": "Django secret key (required in production)",
    "CCHC_DEBUG": "Django's technical debug pages (a developer's machine only)",
    "CCHC_ALLOWED_HOSTS": "comma-separated host names served",
    "CCHC_CSRF_TRUSTED_ORIGINS": "comma-separated origins (https://…) trusted for CSRF",
    "CCHC_LANGUAGE": "default interface language: vi or en",
    "CCHC_TIME_ZONE": "time zone of the province",
    "CCHC_LOGIN_FAILURE_LIMIT": "failed logins before lock-out",
    "CCHC_LOGIN_COOLOFF_MINUTES": "minutes a locked-out login stays locked",
    "CCHC_PASSWORD_MIN_LENGTH": "minimum password length",
    "CCHC_EMAIL_HOST": "SMTP server",
    "CCHC_EMAIL_PORT": "SMTP port",
    "CCHC_EMAIL_USER": "SMTP user",
    "CCHC_EMAIL_PASSWORD": "SMTP password",
    "CCHC_EMAIL_TLS": "use STARTTLS",
    "CCHC_EMAIL_FROM": "sender address of the mail the system sends",
    "CCHC_SECURE_SSL_REDIRECT": "redirect HTTP to HTTPS (production)",
    "CCHC_HSTS_SECONDS": "Strict-Transport-Security max-age (production)",
    "CCHC_LOG_LEVEL": "log level: DEBUG, INFO, WARNING, ERROR",
    "CCHC_UPLOAD_MAX_MB": "largest accepted upload, in MiB",
    "CCHC_TASKS_DEAD_AFTER": "seconds without a sign of life after which a running task counts as dead",
    "CCHC_WORK_DIR": "folder of the background tasks' work files",
    "CCHC_SITE_URL": "address of the site, for links in the mail it sends",
    "CCHC_REPORT_REMINDER_DAYS": "comma-separated days before a report's deadline on which to remind",
    "CCHC_TASK_REMINDER_DAYS": "comma-separated days before a plan task's deadline on which to remind",
    "CCHC_PERIODIC_EVERY": "seconds between a worker's runs of the periodic jobs (reminders)",
    "CCHC_DOSSIER_SOURCE": "the one-stop-shop system dossier files come from unless an import names another",
    "CCHC_SURVEY_CLIENT_SALT": "salt of the survey form's client address hashes (empty: derived from the secret key)",
    "CCHC_SURVEY_HASH_DAYS": "days a survey answer keeps its client hash",
    "CCHC_SURVEY_RATE_WINDOW": "seconds of the survey form's per-client rate window",
    "CCHC_SURVEY_RATE_HOLD": "survey answers per client and window after which they are held for review",
    "CCHC_SURVEY_RATE_LIMIT": "survey answers per client and window after which they are refused (429)",
    "CCHC_SURVEY_DUPLICATE_WINDOW": "seconds within which the same answers from one client are a duplicate",
    "CCHC_SURVEY_BURST_WINDOW": "seconds of the survey counters' burst window",
    "CCHC_SURVEY_BURST_LIMIT": "survey answers through one counter per window after which they are held",
    "CCHC_SURVEY_PATTERN_WINDOW": "seconds of the identical-answers window",
    "CCHC_SURVEY_PATTERN_LIMIT": "identical answer sets per counter or agency and window after which they are held",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Env:
    """Typed accessors over an environment mapping; each raises ImproperlyConfigured on bad input."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ
        unknown = sorted(k for k in self.environ if k.startswith("CCHC_") and k not in KNOWN)
        if unknown:
            raise ImproperlyConfigured(f"Unknown environment variable(s): {', '.join(unknown)}")

    def _raw(self, name: str) -> str | None:
        if name not in KNOWN:
            raise ImproperlyConfigured(f"{name} is not a declared setting")
        return self.environ.get(name)

    def get_str(self, name: str, default: str) -> str:
        value = self._raw(name)
        return default if value is None else value.strip()

    def get_bool(self, name: str, default: bool) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no)")

    def get_int(self, name: str, default: int, minimum: int = 0) -> int:
        value = self._raw(name)
        if value is None or not value.strip():
            return default
        try:
            number = int(value.strip())
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None
        if number < minimum:
            raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}")
        return number

    def get_list(self, name: str, default: list[str]) -> list[str]:
        value = self._raw(name)
        if value is None:
            return default
        return [item.strip() for item in value.split(",") if item.strip()]

    def get_choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.get_str(name, default)
        if value not in choices:
            raise ImproperlyConfigured(f"{name}={value!r} must be one of {', '.join(choices)}")
        return value
