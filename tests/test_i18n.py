"""Translations: the Vietnamese catalogue is complete, in step with the code, and what the pages show.

Vietnamese is the interface's default language (DESIGN §2), so a user-visible string without a
Vietnamese translation is a bug. When a test here fails after you added or changed a string, run
``cd cchc && ../.venv/bin/cchc makemessages -l vi --no-location --ignore 'tests/*'``, translate the new
entries in ``cchc/locale/vi/LC_MESSAGES/django.po`` (no ``#, fuzzy`` left) and commit the .po file.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

import cchc
from conftest import PASSWORD, client_for

PACKAGE = Path(cchc.__file__).resolve().parent
LOCALE = PACKAGE / "locale"
PO = LOCALE / "vi" / "LC_MESSAGES" / "django.po"
DRF_PO = PACKAGE / "locale_drf" / "vi" / "LC_MESSAGES" / "django.po"  # our Vietnamese for DRF's messages
REGENERATE = "cd cchc && ../.venv/bin/cchc makemessages -l vi --no-location --ignore 'tests/*'"


# --- a tiny .po reader --------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    def __str__(self) -> str:
        return repr(self.msgid if self.msgctxt is None else f"{self.msgctxt}|{self.msgid}")


KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")\s*$')


def read_po(path: Path) -> tuple[Entry, list[Entry]]:
    """The header entry, and every other entry (obsolete ones flagged, not dropped)."""
    entries: list[Entry] = []
    for block in re.split(r"\n[ \t]*\n", path.read_text(encoding="utf-8")):
        entry, target = Entry(), None
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#~"):
                entry.obsolete, line = True, line[2:].strip()
                if not line or line.startswith("#"):
                    continue
            elif line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
                continue
            elif line.startswith("#") or not line:
                continue
            if line.startswith('"'):
                text = ast.literal_eval(line)
            else:
                match = KEYWORD.match(line)
                assert match, f"{path.name}: cannot read line {raw!r}"
                target, index, text = match.group(1), match.group(2), ast.literal_eval(match.group(3))
                if target == "msgstr":
                    target = ("msgstr", int(index or 0))
                    entry.msgstr[target[1]] = ""
                else:
                    setattr(entry, target, "")
            assert target is not None, f"{path.name}: text before any keyword in {block!r}"
            if isinstance(target, tuple):
                entry.msgstr[target[1]] += text
            else:
                setattr(entry, target, getattr(entry, target) + text)
        if target is not None:
            entries.append(entry)
    assert entries and entries[0].msgid == "" and entries[0].msgctxt is None, f"{path.name} has no header"
    return entries[0], entries[1:]


# --- (a) the committed catalogue is complete ----------------------------------------------------

PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]")
QUOTED_PLACEHOLDER = re.compile(r"“%\(\w+\)s”")
BRACE_PLACEHOLDER = re.compile(r"\{[^{}]*\}")  # DRF's str.format fields: {max_length}, {code_point:X}


def test_catalogue_header_and_settings():
    header_entry, _ = read_po(PO)
    header = dict(line.split(": ", 1) for line in header_entry.msgstr[0].splitlines() if ": " in line)
    assert header["Language"] == "vi"
    assert header["Plural-Forms"] == "nplurals=1; plural=0;"
    assert "charset=UTF-8" in header["Content-Type"]
    assert "fuzzy" not in header_entry.flags, "the .po header is still marked fuzzy"
    assert django_settings.LANGUAGE_CODE == "vi"
    assert [code for code, _ in django_settings.LANGUAGES] == ["vi", "en"]
    assert LOCALE in {Path(p).resolve() for p in django_settings.LOCALE_PATHS}


@pytest.mark.parametrize("po", [PO, DRF_PO], ids=["cchc", "drf"])
def test_every_entry_is_translated_and_keeps_its_placeholders(po):
    _, entries = read_po(po)
    assert len(entries) > 100
    problems = []
    for e in entries:
        if e.obsolete:
            problems.append(f"{e}: obsolete entry (#~), regenerate the catalogue")
            continue
        if "fuzzy" in e.flags:
            problems.append(f"{e}: fuzzy")
        if sorted(e.msgstr) != [0]:  # Vietnamese has one plural form: msgstr[0] only
            problems.append(f"{e}: expected one msgstr, found forms {sorted(e.msgstr)}")
        for index, text in e.msgstr.items():
            if not text.strip():
                problems.append(f"{e}: msgstr[{index}] is empty")
                continue
            sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
            if "python-format" in e.flags:
                wanted = Counter(PLACEHOLDER.findall(e.msgid_plural or e.msgid))
                if Counter(PLACEHOLDER.findall(text)) != wanted:
                    problems.append(f"{e}: placeholders {dict(wanted)} not kept in {text!r}")
            if "python-brace-format" in e.flags:
                wanted = Counter(BRACE_PLACEHOLDER.findall(e.msgid_plural or e.msgid))
                if Counter(BRACE_PLACEHOLDER.findall(text)) != wanted:
                    problems.append(f"{e}: placeholders {dict(wanted)} not kept in {text!r}")
            for source in sources:
                for quoted in QUOTED_PLACEHOLDER.findall(source):
                    if quoted not in text:
                        problems.append(f"{e}: {quoted} lost its quotes in {text!r}")
            if e.msgid[:1].isspace() != text[:1].isspace() or e.msgid[-1:].isspace() != text[-1:].isspace():
                problems.append(f"{e}: leading or trailing space differs in {text!r}")
    assert not problems, "\n".join(problems)


# --- (b) the committed catalogue is in step with the code ----------------------------------------


def test_catalogue_matches_the_strings_in_the_code(tmp_path, monkeypatch, settings):
    """makemessages on a copy of the package finds exactly the msgids of the committed catalogue."""
    for program in ("xgettext", "msgmerge", "msguniq", "msgattrib"):
        assert shutil.which(program), f"{program} (GNU gettext) is needed to check the catalogue"
    copy = tmp_path / "cchc"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "locale"))
    monkeypatch.chdir(copy)
    settings.LOCALE_PATHS = [copy / "locale"]
    call_command("makemessages", locale=["vi"], no_location=True, ignore_patterns=["tests/*"], verbosity=0)
    _, fresh = read_po(copy / "locale" / "vi" / "LC_MESSAGES" / "django.po")
    _, committed = read_po(PO)
    in_code = {e.key: e for e in fresh if not e.obsolete}
    in_po = {e.key: e for e in committed if not e.obsolete}
    missing = [str(in_code[k]) for k in in_code.keys() - in_po.keys()]
    stale = [str(in_po[k]) for k in in_po.keys() - in_code.keys()]
    assert not missing, f"strings without a Vietnamese translation (run {REGENERATE}): " + ", ".join(sorted(missing))
    assert not stale, f"entries no longer in the code (run {REGENERATE}): " + ", ".join(sorted(stale))


def drf_messages(tmp_path: Path) -> set[str]:
    """Every message of the installed Django REST framework, as xgettext finds it in its source."""
    import rest_framework

    source = Path(rest_framework.__file__).parent
    files = sorted(str(f) for f in source.rglob("*.py"))
    pot = tmp_path / "drf.pot"
    keywords = ["--keyword=_", "--keyword=gettext", "--keyword=gettext_lazy", "--keyword=ngettext:1,2"]
    subprocess.run(["xgettext", "-L", "Python", *keywords, "--from-code=UTF-8", "-o", str(pot), *files], check=True)
    _, entries = read_po(pot)
    return {e.msgid for e in entries}


def test_drf_catalogue_holds_every_message_of_the_installed_drf(tmp_path):
    """An upgrade of DRF that adds or rewords a message fails here until it is translated."""
    assert shutil.which("xgettext"), "xgettext (GNU gettext) is needed to check the catalogue"
    in_drf = drf_messages(tmp_path)
    _, committed = read_po(DRF_PO)
    in_po = {e.msgid for e in committed}
    assert len(in_drf) > 100
    assert not in_drf - in_po, f"DRF messages without Vietnamese in {DRF_PO}: {sorted(in_drf - in_po)}"
    assert not in_po - in_drf, f"entries of {DRF_PO} no longer in DRF: {sorted(in_po - in_drf)}"
    assert Path(PACKAGE / "locale_drf") in {Path(p).resolve() for p in django_settings.LOCALE_PATHS}


# --- (c) the pages speak Vietnamese by default, English on request --------------------------------


@pytest.fixture
def compiled_catalogue(tmp_path, settings):
    """The committed .po files compiled into private locale folders, so the test does not rely on a build step."""
    assert shutil.which("msgfmt"), "msgfmt (GNU gettext) is needed to compile the catalogue"
    paths = []
    for name, po in (("locale", PO), ("locale_drf", DRF_PO)):
        target = tmp_path / name / "vi" / "LC_MESSAGES"
        target.mkdir(parents=True)
        subprocess.run(["msgfmt", "--check", "-o", str(target / "django.mo"), str(po)], check=True)
        paths.append(tmp_path / name)
    # Changing LOCALE_PATHS makes Django drop its cached catalogues (and the fixture restores them).
    settings.LOCALE_PATHS = paths


def test_login_page_is_vietnamese_by_default_and_english_on_request(db, compiled_catalogue):
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="vi"' in page
    assert "Đăng nhập" in page
    assert "Mật khẩu" in page
    assert "Log in" not in page

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in page
    assert "Log in" in page
    assert "Password" in page
    assert "Đăng nhập" not in page

    client.post("/i18n/setlang/", {"language": "vi", "next": "/accounts/login/"})
    assert "Đăng nhập" in client.get("/accounts/login/").content.decode()


# --- (d) the language is the person's choice, never the browser's ---------------------------------

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def log_in(client: Client, username: str) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def test_pages_are_vietnamese_whatever_the_browser_asks(personas, compiled_catalogue):
    client = Client(**ENGLISH_BROWSER)
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="vi"' in page and "Đăng nhập" in page
    log_in(client, "officer_a")
    response = client.get("/")
    assert response["Content-Language"] == "vi"
    assert 'lang="vi"' in response.content.decode()


def test_the_language_chosen_is_kept_in_the_profile_across_logins(personas, compiled_catalogue):
    client = Client()
    log_in(client, "officer_a")
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    personas.officer_a.refresh_from_db()
    assert personas.officer_a.language == "en"
    client.post("/accounts/logout/")

    # Another device: no language cookie, a Vietnamese browser; the profile decides after login.
    other = Client(HTTP_ACCEPT_LANGUAGE="vi")
    assert 'lang="vi"' in other.get("/accounts/login/").content.decode()
    log_in(other, "officer_a")
    page = other.get("/").content.decode()
    assert 'lang="en"' in page and "Log out" in page

    # The profile beats a cookie left by someone else on this browser.
    other.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "vi"
    assert 'lang="en"' in other.get("/").content.decode()

    other.post("/i18n/setlang/", {"language": "vi", "next": "/accounts/profile/"})
    personas.officer_a.refresh_from_db()
    assert personas.officer_a.language == "vi"
    assert "Đăng xuất" in other.get("/").content.decode()


def test_an_anonymous_choice_is_kept_in_the_cookie_and_a_bad_one_ignored(personas, compiled_catalogue):
    client = Client(**ENGLISH_BROWSER)
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert 'lang="en"' in client.get("/accounts/login/").content.decode()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert 'lang="vi"' in client.get("/accounts/login/").content.decode()


def test_the_profile_page_offers_the_language_switch(personas, compiled_catalogue):
    page = client_for(personas.head).get("/accounts/profile/").content.decode()
    assert 'id="profile-language"' in page
    assert "Ngôn ngữ giao diện" in page
    assert 'value="en"' in page and "English" in page


# --- (e) the API answers in Vietnamese too, unless the token's user chose English -------------------


def token_client(user, language: str = "") -> APIClient:
    if language:
        user.language = language
        user.save(update_fields=["language"])
    client = APIClient(**ENGLISH_BROWSER)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_api_errors_are_vietnamese_for_an_english_browser(personas, compiled_catalogue):
    anonymous = APIClient(**ENGLISH_BROWSER)
    assert anonymous.get("/api/v1/agencies/").json() == {
        "detail": "Chưa gửi thông tin xác thực (mã truy cập hoặc phiên đăng nhập)."
    }
    bad_token = APIClient(**ENGLISH_BROWSER, HTTP_AUTHORIZATION="Token not-a-token")
    assert bad_token.get("/api/v1/agencies/").json() == {"detail": "Mã truy cập không hợp lệ."}

    client = token_client(personas.officer_a)
    missing = client.get("/api/v1/agencies/SB/")  # another agency's: as if it did not exist
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Không tìm thấy."}
    not_allowed = client.delete("/api/v1/agencies/SA/")
    assert not_allowed.status_code == 405
    assert not_allowed.json() == {"detail": "Không chấp nhận phương thức “DELETE”."}
    unknown_route = client.get("/api/v1/no-such-thing/")
    assert unknown_route.status_code == 404
    assert unknown_route.json() == {"detail": "Không tìm thấy."}

    refused = anonymous.post("/api/v1/auth/token/", {}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"username": ["Trường này là bắt buộc."], "password": ["Trường này là bắt buộc."]}


def test_api_errors_follow_the_token_users_choice_of_english(personas, compiled_catalogue):
    client = token_client(personas.officer_a, language="en")
    assert client.get("/api/v1/agencies/SB/").json() == {"detail": "Not found."}
    assert token_client(personas.officer_b).get("/api/v1/agencies/SA/").json() == {"detail": "Không tìm thấy."}


def test_api_throttling_is_vietnamese(personas, compiled_catalogue):
    cache.clear()
    client = APIClient(**ENGLISH_BROWSER)
    credentials = {"username": "officer_a", "password": PASSWORD}
    answers = [client.post("/api/v1/auth/token/", credentials, format="json") for _ in range(21)]
    throttled = answers[-1]
    assert [a.status_code for a in answers[:20]] == [200] * 20
    assert throttled.status_code == 429
    detail = throttled.json()["detail"]
    assert detail.startswith("Quá nhiều yêu cầu trong thời gian ngắn. Hãy thử lại sau "), detail
    assert detail.endswith(" giây."), detail
    cache.clear()
