"""Settings shared by every environment; values come from the environment (see docs/configuration.md)."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from cchc.core.env import Env

env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PACKAGE_DIR = BASE_DIR / "cchc"
DATA_DIR = Path(env.get_str("CCHC_DATA_DIR", str(BASE_DIR / "data"))).resolve()

SECRET_KEY = env.get_str("CCHC_SECRET_KEY", "")
DEBUG = env.get_bool("CCHC_DEBUG", False)
ALLOWED_HOSTS = env.get_list("CCHC_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.get_list("CCHC_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "cchc.core",
    "cchc.accounts",
    "cchc.agencies",
    "cchc.dossiers",
    "cchc.surveys",  # before scoring and reports: the index and the reports read the survey results (and the demo forms come first)
    "cchc.scoring",
    "cchc.plans",  # before reports: the reports read the task statistics (and the demo's plan comes first)
    "cchc.reports",
    "cchc.inspections",  # after plans: its findings and directives become tasks (and its demo uses the plan)
    "cchc.documents",
    "cchc.notifications",
    "cchc.indices",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cchc.core.middleware.LanguageMiddleware",
    "cchc.core.middleware.PagesLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cchc.core.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cchc.urls"
WSGI_APPLICATION = "cchc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cchc.core.context_processors.navigation",
                "cchc.notifications.context_processors.notifications",
            ],
            "builtins": ["cchc.core.templatetags.cchc_format"],
        },
    }
]


def _database() -> dict[str, Any]:
    url = env.get_str("DATABASE_URL", "")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'cchc.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=0 if url.startswith("sqlite") else 60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while an import writes; IMMEDIATE avoids "database is locked"
        # when two writers upgrade their read locks at once.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return dict(config)


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.get_int("CCHC_PASSWORD_MIN_LENGTH", 10, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "cchc.accounts.validators.CharacterClassValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: lock a username on one address after repeated failures; the record is kept
# in the database so that several application servers share it.
AXES_FAILURE_LIMIT = env.get_int("CCHC_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.get_int("CCHC_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = env.get_choice("CCHC_LANGUAGE", "vi", ("vi", "en"))
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# Our catalogue, then our Vietnamese for Django REST framework's messages (see cchc/core/api.py).
LOCALE_PATHS = [PACKAGE_DIR / "locale", PACKAGE_DIR / "locale_drf"]
TIME_ZONE = env.get_str("CCHC_TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    ("vendor/bootstrap", BASE_DIR / "node_modules/bootstrap/dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules/bootstrap-icons/font"),
    ("vendor/htmx", BASE_DIR / "node_modules/htmx.org/dist"),
    ("vendor/chart.js", BASE_DIR / "node_modules/chart.js/dist"),
]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = env.get_int("CCHC_UPLOAD_MAX_MB", 50, minimum=1) * 1024 * 1024

# Background tasks (cchc/core/tasks.py) are queued in django-tasks-db's table and run by `cchc run_tasks`
# workers. A running task whose worker has given no sign of life for CCHC_TASKS_DEAD_AFTER seconds
# (killed, out of memory, a reload) is failed; its files are under CCHC_WORK_DIR/<task id>.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CCHC_TASKS_DEAD_AFTER = env.get_int("CCHC_TASKS_DEAD_AFTER", 120, minimum=1)
# The one-stop-shop system dossier files come from unless an import names another (--source):
# dossier codes are unique within a source (docs/dossiers.md).
CCHC_DOSSIER_SOURCE = env.get_str("CCHC_DOSSIER_SOURCE", "motcua")
CCHC_WORK_DIR = Path(env.get_str("CCHC_WORK_DIR", str(DATA_DIR / "work"))).resolve()
# Task progress crosses processes (web ↔ worker), so the cache is on disk, not in one process's memory.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
    }
}

EMAIL_HOST = env.get_str("CCHC_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env.get_int("CCHC_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env.get_str("CCHC_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env.get_str("CCHC_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env.get_bool("CCHC_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env.get_str("CCHC_EMAIL_FROM", "cchc@localhost")
# The address of the site, for the links in the mail the system sends (cchc/notifications).
CCHC_SITE_URL = env.get_str("CCHC_SITE_URL", "http://127.0.0.1:8000")


# Periodic reports: reminders this many days before the deadline, then on the day, one day after and
# every 7 days after that (cchc/reports/reminders.py).
def _reminder_days(values: list[str], name: str = "CCHC_REPORT_REMINDER_DAYS") -> list[int]:
    if not all(v.isdigit() and int(v) > 0 for v in values):
        raise ImproperlyConfigured(f"{name}={','.join(values)}: write whole days, e.g. 7,3")
    return sorted({int(v) for v in values}, reverse=True)


CCHC_REPORT_REMINDER_DAYS = _reminder_days(env.get_list("CCHC_REPORT_REMINDER_DAYS", ["7", "3"]))
# Plans' tasks: the same ladder, its days before a task's deadline (cchc/plans/reminders.py).
CCHC_TASK_REMINDER_DAYS = _reminder_days(env.get_list("CCHC_TASK_REMINDER_DAYS", ["7", "3"]), "CCHC_TASK_REMINDER_DAYS")
# How often a worker (`cchc run_tasks`) queues the periodic jobs (reminders), in seconds.
CCHC_PERIODIC_EVERY = env.get_int("CCHC_PERIODIC_EVERY", 3600, minimum=10)

# The public survey form's checks (cchc/surveys/checks.py, docs/surveys-public.md). Client
# addresses are kept only as salted hashes (CCHC_SURVEY_CLIENT_SALT; empty: derived from the secret key)
# and cleared after CCHC_SURVEY_HASH_DAYS days (`cchc purge_survey_hashes`, the periodic job).
CCHC_SURVEY_CLIENT_SALT = env.get_str("CCHC_SURVEY_CLIENT_SALT", "")
CCHC_SURVEY_HASH_DAYS = env.get_int("CCHC_SURVEY_HASH_DAYS", 30, minimum=1)
CCHC_SURVEY_RATE_WINDOW = env.get_int("CCHC_SURVEY_RATE_WINDOW", 3600, minimum=1)
CCHC_SURVEY_RATE_HOLD = env.get_int("CCHC_SURVEY_RATE_HOLD", 5, minimum=1)
CCHC_SURVEY_RATE_LIMIT = env.get_int("CCHC_SURVEY_RATE_LIMIT", 30, minimum=1)
CCHC_SURVEY_DUPLICATE_WINDOW = env.get_int("CCHC_SURVEY_DUPLICATE_WINDOW", 86400, minimum=1)
CCHC_SURVEY_BURST_WINDOW = env.get_int("CCHC_SURVEY_BURST_WINDOW", 300, minimum=1)
CCHC_SURVEY_BURST_LIMIT = env.get_int("CCHC_SURVEY_BURST_LIMIT", 20, minimum=1)
CCHC_SURVEY_PATTERN_WINDOW = env.get_int("CCHC_SURVEY_PATTERN_WINDOW", 1800, minimum=1)
CCHC_SURVEY_PATTERN_LIMIT = env.get_int("CCHC_SURVEY_PATTERN_LIMIT", 8, minimum=1)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cchc.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "cchc.core.pagination.LimitOffset",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"token": "20/min"},
    "EXCEPTION_HANDLER": "cchc.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CCHC API",
    "DESCRIPTION": "API of the provincial public-administration-reform system (CCHC).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The PAR areas are both a task's area and an inspection finding's category: one schema name.
    "ENUM_NAME_OVERRIDES": {"AreaEnum": "cchc.plans.models.Area.choices"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env.get_choice("CCHC_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
    "loggers": {"axes": {"level": "WARNING"}},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
