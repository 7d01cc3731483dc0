"""Blocks are a master list (issue 9, point 10): `cchc import_blocks FILE --year Y`, `cchc export_blocks
--year Y --out FILE`, and the same on the blocks page for coordinators.

The personas' province (conftest.py) has, in 2025, block SBN (owner HA: SA, SB) and block XA-D1
(owner D1: C1, C2).
"""

from __future__ import annotations

import csv
import re
from datetime import date
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import load_workbook

from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.core.models import AuditEntry
from cchc.scoring.models import Assessment
from conftest import client_for
from tests.scoring_helpers import assessment_for, framework_for
from tests.test_dossier_import import write_csv as write_dossier_csv

HEADER = ["block_code", "block_name", "agency_code"]
LABELS = ["Mã khối", "Tên khối", "Mã cơ quan, đơn vị", "Cơ quan, đơn vị", "Mã cơ quan quản lý khối"]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    return write_dossier_csv(path, rows, header)


def run_import(path: Path, year: int = 2025) -> str:
    out = StringIO()
    call_command("import_blocks", str(path), "--year", str(year), stdout=out)
    return out.getvalue()


def store() -> tuple[Any, ...]:
    """Everything an import may write: the blocks, their members and the audit trail."""
    blocks = sorted(Block.objects.values_list("year", "code", "name", "owner__code"))
    members = sorted(BlockMembership.objects.values_list("year", "block__code", "agency__code"))
    return tuple(blocks), tuple(members), AuditEntry.objects.count()


def members(code: str, year: int = 2025) -> set[str]:
    return set(BlockMembership.objects.filter(block__code=code, year=year).values_list("agency__code", flat=True))


def refused(path: Path, row: int, field: str | None, *values: str, year: int = 2025) -> str:
    """The import refuses in one line naming the row (and field), and writes nothing at all."""
    before = store()
    with pytest.raises(CommandError) as error:
        run_import(path, year)
    message = str(error.value)
    assert "\n" not in message
    prefix, _, _detail = message.partition(":")
    assert re.search(rf"^Dòng {row}\b", prefix), message
    if field:
        assert f"cột “{field}”" in prefix, message
    for value in values:
        assert value in message, message
    assert store() == before
    return message


# --- good input -------------------------------------------------------------------------------------------


def test_each_block_of_the_file_gets_exactly_its_rows_and_the_others_are_left_alone(
    province: Any, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "b.csv",
        [
            ["SBN", "Sở, ban, ngành", "SA"],  # SB leaves SBN
            ["HUYEN", "UBND cấp huyện", "D1"],  # a new block, the province's
            ["HUYEN", "UBND cấp huyện", "D2"],
        ],
    )
    assert "1 thêm mới, 1 cập nhật, 0 không thay đổi" in run_import(path)
    assert members("SBN") == {"SA"} and members("HUYEN") == {"D1", "D2"}
    assert members("XA-D1") == {"C1", "C2"}  # not in the file: left alone
    assert Block.objects.get(year=2025, code="HUYEN").owner.code == "HA"
    assert Block.objects.get(year=2025, code="SBN").owner.code == "HA"
    entries = {e.object_repr: e for e in AuditEntry.objects.filter(action="import")}
    sa, sb = ({"code": c, "label": f"{n} ({c})"} for c, n in (("SA", "Sở Tư pháp"), ("SB", "Sở Y tế")))
    assert entries["Sở, ban, ngành (2025)"].changes == {"members": [[sa, sb], [sa]]}  # names kept beside codes
    assert [m["code"] for m in entries["UBND cấp huyện (2025)"].changes["members"][1]] == ["D1", "D2"]
    assert entries["UBND cấp huyện (2025)"].agency.code == "HA"
    # The same file again changes nothing and writes no audit entry.
    before = store()
    assert "0 thêm mới, 0 cập nhật, 2 không thay đổi" in run_import(path)
    assert store() == before


def test_an_agency_moves_between_blocks_of_the_file_and_a_block_is_renamed(province: Any, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "b.csv",
        [["SBN", "Các sở, ban, ngành", "SA"], ["XA-D1", "UBND cấp xã thuộc huyện Một", "SB"]],
    )
    run_import(path)
    assert members("SBN") == {"SA"} and members("XA-D1") == {"SB"}
    assert Block.objects.get(year=2025, code="SBN").name == "Các sở, ban, ngành"
    assert Block.objects.get(year=2025, code="XA-D1").owner.code == "D1"  # kept without owner_code


def test_owner_code_names_the_managing_agency_and_a_row_without_agency_keeps_a_block_empty(
    province: Any, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "b.csv",
        [["XA-D2", "UBND cấp xã thuộc huyện Hai", "C3", "D2"], ["MOI", "Khối mới", "", ""]],
        [*HEADER, "owner_code"],
    )
    run_import(path, 2026)
    assert Block.objects.get(year=2026, code="XA-D2").owner.code == "D2"
    assert members("XA-D2", 2026) == {"C3"} and members("MOI", 2026) == set()
    assert Block.objects.get(year=2026, code="MOI").owner.code == "HA"


# --- bad input: one line naming the row, nothing written ------------------------------------------------------


def test_an_unknown_agency_is_refused(province: Any, tmp_path: Path) -> None:
    rows = [["SBN", "Sở, ban, ngành", "SA"], ["SBN", "Sở, ban, ngành", "NO-SUCH"]]
    refused(write_csv(tmp_path / "b.csv", rows), 3, "agency_code", "không có cơ quan “NO-SUCH”")


def test_an_agency_in_two_blocks_of_the_file_is_refused(province: Any, tmp_path: Path) -> None:
    rows = [["SBN", "Sở, ban, ngành", "SA"], ["KHAC", "Khối khác", "SB"], ["KHAC", "Khối khác", "SA"]]
    refused(write_csv(tmp_path / "b.csv", rows), 4, "agency_code", "“SA”", "“SBN”", "dòng 2")


def test_an_agency_already_in_a_block_the_file_leaves_alone_is_refused(province: Any, tmp_path: Path) -> None:
    rows = [["SBN", "Sở, ban, ngành", "SA"], ["SBN", "Sở, ban, ngành", "C1"]]
    refused(write_csv(tmp_path / "b.csv", rows), 3, "agency_code", "“C1”", "“XA-D1”", "2025")


def test_an_agency_not_active_that_year_is_refused(province: Any, tmp_path: Path) -> None:
    Agency.objects.filter(code="C3").update(active_to=date(2024, 6, 30))
    rows = [["XA-D2", "UBND cấp xã thuộc huyện Hai", "C3"]]
    refused(write_csv(tmp_path / "b.csv", rows), 2, "agency_code", "“C3”", "không hoạt động", "2025")
    run_import(write_csv(tmp_path / "b.csv", rows), 2024)  # it was active in part of 2024: accepted
    assert members("XA-D2", 2024) == {"C3"}


def test_a_block_named_differently_on_two_rows_is_refused(province: Any, tmp_path: Path) -> None:
    rows = [["SBN", "Sở, ban, ngành", "SA"], ["SBN", "Sở ban ngành", "SB"]]
    refused(write_csv(tmp_path / "b.csv", rows), 3, "block_name", "“Sở ban ngành”", "“Sở, ban, ngành”", "dòng 2")


def test_a_block_managed_differently_on_two_rows_is_refused(province: Any, tmp_path: Path) -> None:
    rows = [["XA-D2", "Xã huyện Hai", "C3", "D2"], ["XA-D2", "Xã huyện Hai", "D2", "HA"]]
    refused(write_csv(tmp_path / "b.csv", rows, [*HEADER, "owner_code"]), 3, "owner_code", "“HA”", "“D2”")


@pytest.mark.parametrize(
    ("row", "field", "text"),
    [
        (["", "Sở, ban, ngành", "SA", ""], "block_code", "mã khối bị để trống"),
        (["SBN", "", "SA", ""], "block_name", "tên khối bị để trống"),
        (["MOI", "Khối mới", "SA", "NO-SUCH"], "owner_code", "không có cơ quan “NO-SUCH”"),
        (["K" * 41, "Khối mới", "SA", ""], "block_code", "40"),
        (["MOI", "K" * 256, "SA", ""], "block_name", "255"),
    ],
)
def test_empty_codes_and_names_and_an_unknown_owner_are_refused(
    province: Any, tmp_path: Path, row: list[str], field: str, text: str
) -> None:
    rows = [["SBN", "Sở, ban, ngành", "SB", ""], row]
    refused(write_csv(tmp_path / "b.csv", rows, [*HEADER, "owner_code"]), 3, field, text)


def test_a_file_without_the_columns_or_rows_is_refused(province: Any, tmp_path: Path) -> None:
    refused(write_csv(tmp_path / "b.csv", [["SBN", "SA"]], ["block_code", "agency_code"]), 1, None, "block_name")
    before = store()
    with pytest.raises(CommandError, match="không có dòng khối nào"):
        run_import(write_csv(tmp_path / "e.csv", []))
    with pytest.raises(CommandError, match=r"missing\.csv"):
        run_import(tmp_path / "missing.csv")
    assert store() == before


def test_a_block_with_published_results_keeps_its_members(province: Any, tmp_path: Path) -> None:
    framework = framework_for(province.block_departments, tmp_path)
    assessment = assessment_for(province.dept_a, framework)
    Assessment.objects.filter(pk=assessment.pk).update(state=Assessment.State.PUBLISHED)
    rows = [["SBN", "Sở, ban, ngành", "SA"]]
    refused(write_csv(tmp_path / "b.csv", rows), 2, "agency_code", "“SBN”", "đã công bố kết quả")
    gain = [["SBN", "Sở, ban, ngành", "SA"], ["SBN", "Sở, ban, ngành", "SB"], ["SBN", "Sở, ban, ngành", "D1"]]
    refused(write_csv(tmp_path / "g.csv", gain), 2, "agency_code", "đã công bố kết quả")
    # The same members (and a new name) are accepted.
    run_import(write_csv(tmp_path / "same.csv", [["SBN", "Khối sở", "SB"], ["SBN", "Khối sở", "SA"]]))
    assert Block.objects.get(year=2025, code="SBN").name == "Khối sở" and members("SBN") == {"SA", "SB"}


def test_a_bad_row_late_in_the_file_leaves_the_store_unchanged(province: Any, tmp_path: Path) -> None:
    Agency.objects.bulk_create(
        [Agency(code=f"X{i:03}", name=f"Xã {i}", kind="commune", path=f"/X{i:03}/") for i in range(300)]
    )
    rows = [["SBN", "Sở, ban, ngành", "SA"]] + [[f"K{i // 10}", f"Khối {i // 10}", f"X{i:03}"] for i in range(300)]
    rows.append(["K29", "Khối 29", "NO-SUCH"])  # row 303
    refused(write_csv(tmp_path / "b.csv", rows), 303, "agency_code", "NO-SUCH")
    assert members("SBN") == {"SA", "SB"} and not Block.objects.filter(code="K0").exists()


# --- export, and the round trip ------------------------------------------------------------------------------


def test_the_export_has_title_headers_frozen_panes_and_a_named_sheet(province: Any, tmp_path: Path) -> None:
    out = tmp_path / "blocks.xlsx"
    call_command("export_blocks", "--year", "2025", "--out", str(out), stdout=StringIO())
    sheet = load_workbook(out).worksheets[0]
    assert sheet.title == "Khối 2025" and sheet.freeze_panes == "A3"
    assert sheet["A1"].value == "Danh sách khối năm 2025 — UBND tỉnh Hòa An"
    assert [c.value for c in sheet[2]] == LABELS
    assert [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)] == [
        ["SBN", "Sở, ban, ngành", "SA", "Sở Tư pháp", "HA"],
        ["SBN", "Sở, ban, ngành", "SB", "Sở Y tế", "HA"],
        ["XA-D1", "UBND cấp xã thuộc huyện Một", "C1", "UBND xã Một", "D1"],
        ["XA-D1", "UBND cấp xã thuộc huyện Một", "C2", "UBND xã Hai", "D1"],
    ]
    with pytest.raises(CommandError, match="2030"):
        call_command("export_blocks", "--year", "2030", "--out", str(out))


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_export_imports_again_and_rebuilds_the_year(province: Any, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"blocks.{fmt}"
    call_command("export_blocks", "--year", "2025", "--out", str(out), stdout=StringIO())
    if fmt == "csv":
        assert (
            out.read_text(encoding="utf-8-sig").splitlines()[0]
            == "block_code,block_name,agency_code,agency_name,owner_code"
        )
    before = store()
    assert "0 thêm mới, 0 cập nhật, 2 không thay đổi" in run_import(out)
    assert store() == before
    # Next year's blocks start from this year's export.
    assert "2 thêm mới" in run_import(out, 2026)
    assert members("SBN", 2026) == {"SA", "SB"} and members("XA-D1", 2026) == {"C1", "C2"}
    assert Block.objects.get(year=2026, code="XA-D1").owner.code == "D1"


# --- the blocks page --------------------------------------------------------------------------------------------


def upload(client: Client, rows: list[list[str]], year: int = 2025) -> Any:
    text = StringIO()
    csv.writer(text).writerows([HEADER, *rows])
    content = text.getvalue().encode()
    data = {"file": SimpleUploadedFile("khoi.csv", content), "year": str(year), "reason": "Điều chỉnh khối"}
    return client.post("/agencies/blocks/import/", data, follow=True)


def message(response: Any) -> str:
    """The one message the blocks page shows after an import."""
    assert response.redirect_chain == [("/agencies/blocks/?year=2025", 302)]
    (shown,) = response.context["messages"]
    assert str(shown) in response.content.decode()
    return str(shown)


def test_a_coordinator_sees_the_form_and_imports_on_the_page(personas: Any, province: Any) -> None:
    client = client_for(personas.coordinator)
    page = client.get("/agencies/blocks/").content.decode()
    assert 'action="/agencies/blocks/import/"' in page and 'enctype="multipart/form-data"' in page
    response = upload(client, [["SBN", "Sở, ban, ngành", "SA"]])
    assert message(response) == "Đã nhập các khối năm 2025: 0 thêm mới, 1 cập nhật, 0 không thay đổi."
    assert members("SBN") == {"SA"}
    entry = AuditEntry.objects.get(action="import")
    assert entry.user == personas.coordinator and entry.reason == "Điều chỉnh khối"
    # A bad file: the page says the one-line message and nothing changes.
    before = store()
    response = upload(client, [["SBN", "Sở, ban, ngành", "NO-SUCH"]])
    assert message(response) == "Dòng 2, cột “agency_code”: không có cơ quan “NO-SUCH”"
    assert store() == before


def test_a_district_coordinator_imports_only_the_blocks_it_coordinates(personas: Any, province: Any) -> None:
    client = client_for(personas.district_coordinator)
    before = store()
    response = upload(client, [["SBN", "Sở, ban, ngành", "SA"]])
    assert "bạn không có quyền điều phối “UBND tỉnh Hòa An”" in message(response)
    response = upload(client, [["XA-D1", "UBND cấp xã thuộc huyện Một", "C3"]])  # C3 is another district's
    assert "“UBND xã Ba”" in message(response)
    assert store() == before
    upload(client, [["XA-D1", "UBND cấp xã thuộc huyện Một", "C1"]])
    assert members("XA-D1") == {"C1"}
    # Nor may it take over the province's block by naming itself its owner.
    content = "block_code,block_name,agency_code,owner_code\nSBN,Khối,D1,D1\n".encode()
    data = {"file": SimpleUploadedFile("khoi.csv", content), "year": "2025"}
    response = client.post("/agencies/blocks/import/", data, follow=True)
    assert message(response) == "Dòng 2, cột “owner_code”: bạn không có quyền điều phối “UBND tỉnh Hòa An”"
    assert Block.objects.get(year=2025, code="SBN").owner.code == "HA" and members("SBN") == {"SA", "SB"}


@pytest.mark.parametrize("persona", ["viewer", "appraiser", "inspector", "officer_a", "head"])
def test_others_do_not_see_the_form_and_are_refused(personas: Any, province: Any, persona: str) -> None:
    client = client_for(getattr(personas, persona))
    page = client.get("/agencies/blocks/")
    assert 'action="/agencies/blocks/import/"' not in page.content.decode()
    before = store()
    assert upload(client, [["SBN", "Sở, ban, ngành", "SA"]]).status_code == 403
    assert store() == before


def test_the_page_exports_the_blocks_in_the_readers_scope(personas: Any, province: Any) -> None:
    response = client_for(personas.viewer).get("/agencies/blocks/export/?year=2025&format=xlsx")
    sheet = load_workbook(BytesIO(response.content)).worksheets[0]
    assert sheet["A1"].value == "Danh sách khối năm 2025 — UBND tỉnh Hòa An"
    assert {r[0] for r in sheet.iter_rows(min_row=3, values_only=True)} == {"SBN", "XA-D1"}
    response = client_for(personas.district_coordinator).get("/agencies/blocks/export/?year=2025&format=csv")
    rows = list(csv.reader(StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["block_code", "block_name", "agency_code", "agency_name", "owner_code"]
    assert {r[0] for r in rows[1:]} == {"XA-D1"}
