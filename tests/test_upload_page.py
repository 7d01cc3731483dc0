"""The dossier upload page explains the file's columns in Vietnamese and offers template files that
the real import takes as they are; no page shows a developer's reference (DESIGN §…)."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest

import cchc
from cchc.dossiers.columns import DECLARED, REQUIRED
from cchc.dossiers.profiles import PROFILES
from cchc.dossiers.services import import_dossiers_file
from conftest import client_for, find_dossier
from tests.test_i18n import PO, compiled_catalogue, read_po  # noqa: F401  (compiled_catalogue: the fixture)

pytestmark = pytest.mark.usefixtures("compiled_catalogue")
TEMPLATES = Path(cchc.__file__).resolve().parent / "templates"


def test_the_upload_page_lists_the_columns_in_vietnamese(personas):
    page = client_for(personas.officer_a).get("/dossiers/upload/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Các cột của tệp" in page
    for heading in ("Cột", "Ý nghĩa", "Bắt buộc", "Ví dụ", "Tiêu đề cột trong “mot-cua-vi”"):
        assert f'<th scope="col">{heading}</th>' in page, heading
    rows = re.findall(r"<tr>\s*<td><code>(\w+)</code></td>(.*?)</tr>", page, re.S)
    assert [name for name, _ in rows] == [c.name for c in DECLARED]
    cells = {name: re.findall(r"<td>(.*?)</td>", rest, re.S) for name, rest in rows}
    assert cells["dossier_code"] == [
        "Mã hồ sơ",
        "Mã hồ sơ trong phần mềm Một cửa điện tử, không trùng trong phần mềm đó",
        "Có",
        "<code>000.00.15.H40-250303-0001</code>",
    ]
    assert cells["agency_code"][-1] == "<code>SA</code>"  # an agency this officer may import for
    assert [name for name, c in cells.items() if c[2] == "Có"] == list(REQUIRED)
    assert "DESIGN" not in page and "§" not in page
    assert page.count("/dossiers/upload/template/?profile=") == 2 * len(PROFILES)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("profile", list(PROFILES))
def test_the_template_downloads_and_imports_as_it_is(personas, profile: str, fmt: str):
    client = client_for(personas.officer_a)
    response = client.get("/dossiers/upload/template/", {"profile": profile, "format": fmt})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="mau-ho-so-{profile}.{fmt}"'
    summary = import_dossiers_file(
        io.BytesIO(response.content), profile=profile, user=personas.officer_a, name=f"mau.{fmt}"
    )
    assert (summary.created, summary.problems) == (1, [])
    record = find_dossier("000.00.15.H40-250303-0001")
    assert record is not None
    assert (record.agency_id, record.status, record.channel, record.fee_amount) == (
        personas.officer_a.grants.get().agency_id,
        "resolved",
        "online",
        1_500_000,  # the example "1.500.000", in Vietnamese thousands
    )
    assert (record.received_on, record.resolved_on, record.paid_online, record.handler) == (
        date(2025, 3, 3),
        date(2025, 3, 14),
        True,
        "Nguyễn Văn An",
    )


def test_no_page_shows_a_developer_reference():
    found = [f"{p.relative_to(TEMPLATES)}" for p in TEMPLATES.rglob("*.html") if re.search(r"DESIGN|§", p.read_text())]
    assert not found, f"developer references (DESIGN §…) in templates: {found}"
    _, entries = read_po(PO)
    shown = [e.msgid for e in entries if re.search(r"DESIGN|§", e.msgid + "".join(e.msgstr.values()))]
    assert not shown, f"developer references in translated strings: {shown}"
