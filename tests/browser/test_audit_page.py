"""The audit trail in a browser: a page a person can scan, filtered by clicking, exported to XLSX."""

import io
from datetime import datetime
from typing import Any

from openpyxl import load_workbook

from cchc.agencies.services import import_agencies
from tests.browser.test_login_tree import login

WIDTH = 1366
# 25 entries of six changes each: today's layout took about 150 px an entry (7,900 px for 50 rows).
MAX_HEIGHT = 2400


def _import_communes(count: int) -> None:
    """An agency import like the demo's: each entry sets a name, kind, parent, dates and a successor."""
    rows = [
        {
            "code": f"XT{n:02}",
            "name": f"UBND xã Thử Nghiệm {n}",
            "kind": "commune",
            "parent_code": "D1",
            "active_to": "30/06/2025",
            "successor_code": "C1",
        }
        for n in range(count)
    ]
    import_agencies(enumerate(rows, start=2), reason="Nghị quyết sắp xếp đơn vị hành chính")


def test_a_page_of_the_trail_is_compact_filtered_and_exported(
    live_server: Any, page: Any, personas: Any, province: Any, tmp_path: Any
) -> None:
    _import_communes(30)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    login(page, personas.coordinator.username)
    page.goto("/audit/")
    table = page.get_by_role("table", name="Nhật ký thay đổi")
    first = table.locator("tbody tr").first
    assert "Cơ quan cấp trên: UBND huyện Một (D1)" in first.inner_text()
    assert "Đơn vị kế thừa: UBND xã Một (C1)" in first.inner_text()
    assert table.locator("tbody tr").count() == 25
    height = page.evaluate("document.documentElement.scrollHeight")
    page.screenshot(path=str(tmp_path / "audit.png"), full_page=True)
    assert height <= MAX_HEIGHT, f"a page of 25 entries is {height} px high"

    page.get_by_label("Cơ quan, đơn vị", exact=True).fill("XT07")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**agency=XT07**")
    assert table.locator("tbody tr").count() == 1
    with page.expect_download() as download:
        page.get_by_role("link", name="Xuất XLSX").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    objects = [row[5] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], datetime)]
    assert objects == ["UBND xã Thử Nghiệm 7 (XT07)"]
