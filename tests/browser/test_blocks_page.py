"""What a coordinator clicks on the blocks page: export a year's blocks, edit the file, import it."""

from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from cchc.agencies.models import BlockMembership
from tests.browser.test_login_tree import login


def test_a_coordinator_exports_edits_and_imports_the_blocks(
    live_server: Any, page: Any, personas: Any, province: Any, tmp_path: Path
) -> None:
    login(page, personas.coordinator.username)
    page.goto("/agencies/blocks/?year=2025")
    with page.expect_download() as download:
        page.get_by_role("button", name="Xuất XLSX").click()
    path = tmp_path / "khoi.xlsx"
    download.value.save_as(path)
    # In the spreadsheet: Sở Y tế leaves the departments' block.
    book = load_workbook(path)
    sheet = book.worksheets[0]
    assert sheet["A1"].value == "Danh sách khối năm 2025 — UBND tỉnh Hòa An"
    (row,) = [r[0].row for r in sheet.iter_rows(min_row=3) if r[2].value == "SB"]
    sheet.delete_rows(row)
    book.save(path)

    page.get_by_label("Tệp (CSV hoặc XLSX)").set_input_files(str(path))
    page.get_by_label("Lý do (ghi vào nhật ký)").fill("Sở Y tế chuyển khối")
    page.get_by_role("button", name="Nhập", exact=True).click()
    page.get_by_text("Đã nhập các khối năm 2025: 0 thêm mới, 1 cập nhật, 1 không thay đổi.").wait_for()
    members = BlockMembership.objects.filter(block=province.block_departments)
    assert set(members.values_list("agency__code", flat=True)) == {"SA"}


def test_a_viewer_sees_the_export_but_no_import(live_server: Any, page: Any, personas: Any, province: Any) -> None:
    login(page, personas.viewer.username)
    page.goto("/agencies/blocks/")
    assert page.get_by_role("button", name="Xuất XLSX").is_visible()
    assert page.get_by_role("button", name="Nhập", exact=True).count() == 0
