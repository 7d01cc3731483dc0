"""Settings read strictly from the environment (cchc.core.env) and the settings modules built on it."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cchc.core.env import KNOWN, Env
from cchc.settings import base

ROOT = Path(__file__).resolve().parent.parent
CCHC = ROOT / ".venv" / "bin" / "cchc"


def clean_environ(tmp_path: Path, **values: str) -> dict[str, str]:
    """The current environment without any CCHC_ or database variable, plus ``values``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CCHC_") and k != "DATABASE_URL"}
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in the same worker
    environ["CCHC_DATA_DIR"] = str(tmp_path)
    environ.update(values)
    return environ


def run(args: list[str], environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=environ, cwd=ROOT, capture_output=True, text=True, timeout=120)


def random_key(length: int) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


# --- Env -------------------------------------------------------------------------------------------


def test_unknown_cchc_variable_is_refused():
    with pytest.raises(ImproperlyConfigured) as error:
        Env({"CCHC_DEBUGG": "1", "CCHC_DEBUG": "1"})
    assert "CCHC_DEBUGG" in str(error.value)
    assert "CCHC_DEBUG," not in str(error.value)


def test_all_unknown_variables_are_named_at_once():
    with pytest.raises(ImproperlyConfigured) as error:
        Env({"CCHC_B": "", "CCHC_A": ""})
    assert "CCHC_A, CCHC_B" in str(error.value)


def test_other_variables_are_ignored():
    env = Env({"PATH": "/bin", "HOME": "/root", "DJANGO_SETTINGS_MODULE": "x"})
    assert env.get_str("CCHC_LANGUAGE", "vi") == "vi"


def test_reading_an_undeclared_name_is_refused():
    with pytest.raises(ImproperlyConfigured) as error:
        Env({}).get_str("CCHC_NOT_DECLARED", "")
    assert "CCHC_NOT_DECLARED" in str(error.value)


def test_every_declared_variable_is_accepted():
    env = Env(dict.fromkeys(KNOWN, ""))
    assert env.get_str("CCHC_EMAIL_HOST", "x") == ""


def test_strings_are_stripped_and_default_when_absent():
    env = Env({"CCHC_EMAIL_HOST": "  smtp.example.vn \n"})
    assert env.get_str("CCHC_EMAIL_HOST", "") == "smtp.example.vn"
    assert env.get_str("CCHC_EMAIL_USER", "nobody") == "nobody"


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", True), ("true", True), ("YES", True), (" on ", True), ("0", False), ("false", False), ("No", False)],
)
def test_booleans(text, value):
    assert Env({"CCHC_DEBUG": text}).get_bool("CCHC_DEBUG", not value) is value


def test_empty_boolean_is_false_and_absent_is_the_default():
    assert Env({"CCHC_DEBUG": ""}).get_bool("CCHC_DEBUG", True) is False
    assert Env({}).get_bool("CCHC_DEBUG", True) is True


@pytest.mark.parametrize("text", ["2", "maybe", "tru", "y e s"])
def test_bad_boolean_names_the_variable(text):
    with pytest.raises(ImproperlyConfigured) as error:
        Env({"CCHC_EMAIL_TLS": text}).get_bool("CCHC_EMAIL_TLS", False)
    assert "CCHC_EMAIL_TLS" in str(error.value)
    assert repr(text) in str(error.value)


def test_integers():
    env = Env({"CCHC_EMAIL_PORT": " 587 ", "CCHC_HSTS_SECONDS": ""})
    assert env.get_int("CCHC_EMAIL_PORT", 25) == 587
    assert env.get_int("CCHC_HSTS_SECONDS", 3600) == 3600
    assert env.get_int("CCHC_UPLOAD_MAX_MB", 50) == 50


@pytest.mark.parametrize("text", ["twenty", "5.5", "1e3", "0x10"])
def test_bad_integer_names_the_variable(text):
    with pytest.raises(ImproperlyConfigured) as error:
        Env({"CCHC_LOGIN_FAILURE_LIMIT": text}).get_int("CCHC_LOGIN_FAILURE_LIMIT", 5)
    assert "CCHC_LOGIN_FAILURE_LIMIT" in str(error.value)


def test_integer_below_the_minimum_is_refused():
    with pytest.raises(ImproperlyConfigured) as error:
        Env({"CCHC_PASSWORD_MIN_LENGTH": "6"}).get_int("CCHC_PASSWORD_MIN_LENGTH", 10, minimum=8)
    assert "CCHC_PASSWORD_MIN_LENGTH" in str(error.value)
    assert "8" in str(error.value)
    assert Env({"CCHC_PASSWORD_MIN_LENGTH": "8"}).get_int("CCHC_PASSWORD_MIN_LENGTH", 10, minimum=8) == 8


def test_lists_are_comma_separated_and_trimmed():
    env = Env({"CCHC_ALLOWED_HOSTS": " cchc.example.vn, ,www.cchc.example.vn ,"})
    assert env.get_list("CCHC_ALLOWED_HOSTS", ["localhost"]) == ["cchc.example.vn", "www.cchc.example.vn"]
    assert Env({}).get_list("CCHC_ALLOWED_HOSTS", ["localhost"]) == ["localhost"]
    assert Env({"CCHC_ALLOWED_HOSTS": ""}).get_list("CCHC_ALLOWED_HOSTS", ["localhost"]) == []


def test_choices():
    assert Env({"CCHC_LANGUAGE": "en"}).get_choice("CCHC_LANGUAGE", "vi", ("vi", "en")) == "en"
    assert Env({}).get_choice("CCHC_LANGUAGE", "vi", ("vi", "en")) == "vi"
    with pytest.raises(ImproperlyConfigured) as error:
        Env({"CCHC_LANGUAGE": "fr"}).get_choice("CCHC_LANGUAGE", "vi", ("vi", "en"))
    assert "CCHC_LANGUAGE" in str(error.value)
    assert "'fr'" in str(error.value)


# --- DATABASE_URL -----------------------------------------------------------------------------------


def database_with(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, environ: dict[str, str]) -> dict:
    monkeypatch.setattr(base, "env", Env(environ))
    monkeypatch.setattr(base, "DATA_DIR", tmp_path / "data")
    return base._database()


def test_postgresql_url_selects_postgresql(monkeypatch, tmp_path):
    config = database_with(
        monkeypatch, tmp_path, {"DATABASE_URL": "postgres://cchc:secret@db.example.vn:5433/cchc_prod"}
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["HOST"], config["PORT"]) == (
        "cchc_prod",
        "cchc",
        "db.example.vn",
        5433,
    )
    assert config["CONN_MAX_AGE"] == 60
    assert "init_command" not in config.get("OPTIONS", {})
    assert not (tmp_path / "data").exists()


def test_no_url_selects_a_sqlite_file_in_wal_mode(monkeypatch, tmp_path):
    config = database_with(monkeypatch, tmp_path, {})
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "data" / "cchc.sqlite3")
    assert (tmp_path / "data").is_dir()
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert "foreign_keys=ON" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["CONN_MAX_AGE"] == 0


def test_sqlite_url_gets_the_sqlite_options(monkeypatch, tmp_path):
    config = database_with(monkeypatch, tmp_path, {"DATABASE_URL": f"sqlite:///{tmp_path}/other.db"})
    assert config["NAME"] == f"{tmp_path}/other.db"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


PRINT_DATABASE = (
    "import django; django.setup(); "
    "from django.conf import settings; from django.db import connection; "
    "db = settings.DATABASES['default']; print(db['ENGINE']); "
    "print(db.get('OPTIONS', {}).get('init_command', '')); "
    "print(connection.cursor().execute('PRAGMA journal_mode').fetchone()[0] "
    "if connection.vendor == 'sqlite' else '-')"
)


def test_settings_load_sqlite_in_wal_mode_by_default(tmp_path):
    environ = clean_environ(tmp_path, DJANGO_SETTINGS_MODULE="cchc.settings.development")
    result = run([sys.executable, "-c", PRINT_DATABASE], environ)
    assert result.returncode == 0, result.stderr
    engine, init_command, journal_mode = result.stdout.splitlines()
    assert engine == "django.db.backends.sqlite3"
    assert "PRAGMA journal_mode=WAL" in init_command
    assert journal_mode == "wal"
    assert (tmp_path / "cchc.sqlite3").exists()


def test_settings_load_postgresql_from_database_url(tmp_path):
    environ = clean_environ(
        tmp_path,
        DJANGO_SETTINGS_MODULE="cchc.settings.development",
        DATABASE_URL="postgresql://cchc:secret@127.0.0.1:5432/cchc",
    )
    script = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = run([sys.executable, "-c", script], environ)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_settings_refuse_an_unknown_variable_at_start_up(tmp_path):
    environ = clean_environ(tmp_path, DJANGO_SETTINGS_MODULE="cchc.settings.development", CCHC_DEBG="1")
    result = run([str(CCHC), "check"], environ)
    assert result.returncode != 0
    assert "CCHC_DEBG" in result.stderr


def test_settings_refuse_a_bad_value_at_start_up(tmp_path):
    environ = clean_environ(tmp_path, DJANGO_SETTINGS_MODULE="cchc.settings.development", CCHC_LOGIN_FAILURE_LIMIT="x")
    result = run([str(CCHC), "check"], environ)
    assert result.returncode != 0
    assert "CCHC_LOGIN_FAILURE_LIMIT" in result.stderr


# --- production -------------------------------------------------------------------------------------


def production(tmp_path: Path, **values: str) -> dict[str, str]:
    return clean_environ(
        tmp_path, DJANGO_SETTINGS_MODULE="cchc.settings.production", CCHC_ALLOWED_HOSTS="cchc.example.vn", **values
    )


def test_production_refuses_a_missing_secret_key(tmp_path):
    result = run([str(CCHC), "check", "--deploy"], production(tmp_path))
    assert result.returncode != 0
    assert "CCHC_SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key(tmp_path):
    result = run([str(CCHC), "check", "--deploy"], production(tmp_path, CCHC_SECRET_KEY=random_key(49)))
    assert result.returncode != 0
    assert "CCHC_SECRET_KEY" in result.stderr


def test_production_refuses_debug(tmp_path):
    result = run([str(CCHC), "check", "--deploy"], production(tmp_path, CCHC_SECRET_KEY=random_key(60), CCHC_DEBUG="1"))
    assert result.returncode != 0
    assert "CCHC_DEBUG" in result.stderr


def test_production_check_deploy_is_clean(tmp_path):
    result = run([str(CCHC), "check", "--deploy"], production(tmp_path, CCHC_SECRET_KEY=random_key(60)))
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "WARNING" not in output
    assert "System check identified no issues (0 silenced)." in output
