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
from django.core.management import call_command
from django.test import Client

import cchc

PACKAGE = Path(cchc.__file__).resolve().parent
LOCALE = PACKAGE / "locale"
PO = LOCALE / "vi" / "LC_MESSAGES" / "django.po"
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


def test_every_entry_is_translated_and_keeps_its_placeholders():
    _, entries = read_po(PO)
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


# --- (c) the pages speak Vietnamese by default, English on request --------------------------------


@pytest.fixture
def compiled_catalogue(tmp_path, settings):
    """The committed .po compiled into a private locale folder, so the test does not rely on a build step."""
    assert shutil.which("msgfmt"), "msgfmt (GNU gettext) is needed to compile the catalogue"
    target = tmp_path / "locale" / "vi" / "LC_MESSAGES"
    target.mkdir(parents=True)
    subprocess.run(["msgfmt", "--check", "-o", str(target / "django.mo"), str(PO)], check=True)
    # Changing LOCALE_PATHS makes Django drop its cached catalogues (and the fixture restores them).
    settings.LOCALE_PATHS = [tmp_path / "locale"]


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
