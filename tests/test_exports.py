"""Exports people can use (issue 9, point 9): every XLSX export has a title row with its period and
scope, the column headers as the page labels them, number formats by kind, a frozen header and a sheet
named for its content; CSV stays for machines; a master list exported as XLSX imports again. And the
API's ``limit`` has a ceiling."""

from __future__ import annotations

import csv
import io
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from cchc.agencies.models import Agency
from cchc.core.formatting import format_date
from cchc.core.models import AuditEntry
from cchc.core.pagination import LimitOffset
from cchc.core.tabular import Column, InputError, Kind, read_rows, write_rows
from cchc.dossiers.api import DossierViewSet
from cchc.dossiers.services import import_dossiers_file
from cchc.dossiers.stats import COUNTS, RATES
from cchc.scoring.frameworks import framework_rows, import_framework
from cchc.scoring.models import Framework
from conftest import client_for
from tests.scoring_helpers import framework_for
from tests.test_dossier_import import HEADER, write_csv

AGENCY_HEADERS = [
    "Mã",
    "Tên",
    "Loại hình",
    "Mã cơ quan cấp trên",
    "Hoạt động từ ngày",
    "Hoạt động đến ngày",
    "Mã đơn vị kế thừa",
]
FRAMEWORK_HEADERS = [
    "Mã",
    "Mã tiêu chí cha",
    "Tiêu chí",
    "Điểm tối đa",
    "Phương pháp chấm điểm",
    "Nguồn số liệu",
    "Bảng quy đổi",
]


def open_sheet(content: bytes) -> Worksheet:
    book = load_workbook(io.BytesIO(content))
    assert len(book.worksheets) == 1
    return book.worksheets[0]


def values(sheet: Worksheet) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def assert_layout(sheet: Worksheet, title: str, headers: list[str], name: str) -> None:
    """Row 1 the title (bold), row 2 the headers (bold), the panes frozen below them, the sheet named."""
    assert sheet.title == name
    assert sheet["A1"].value == title and sheet["A1"].font.b
    assert [c.value for c in sheet[2]] == headers
    assert all(c.font.b for c in sheet[2])
    assert sheet.freeze_panes == "A3"
    # Printed: landscape A4, the columns fitted to the page's width, the header repeated on each page.
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$2:$2"


def formats(sheet: Worksheet, row: int = 3) -> dict[str, str]:
    """header → number format of the cells of ``row``."""
    return {str(h.value): c.number_format for h, c in zip(sheet[2], sheet[row], strict=True)}


# --- the writer and the reader --------------------------------------------------------------------------


def test_write_rows_formats_each_kind_and_csv_stays_plain() -> None:
    columns = [
        Column("code", "Mã"),
        Column("received", "Tiếp nhận", Kind.INTEGER),
        Column("points", "Điểm", Kind.DECIMAL),
        Column("late_rate", "Tỉ lệ trễ hạn", Kind.PERCENT),
        Column("sms_per_dossier", "Tin nhắn/hồ sơ", Kind.RATIO),
        Column("fee_amount", "Phí", Kind.MONEY),
        Column("day", "Ngày", Kind.DATE),
    ]
    row = ["A", 1073260, 12.5, 0.015870, 1.4666, 347593808508.4, date(2018, 3, 14)]
    sheet = open_sheet(write_rows(columns, [row, [None] * 7], "xlsx", title="Bảng thử", sheet="Thử: 1/2"))
    assert_layout(sheet, "Bảng thử", [c.label for c in columns], "Thử- 1-2")
    assert formats(sheet) == {
        "Mã": "General",
        "Tiếp nhận": "#,##0",
        "Điểm": "#,##0.00",
        "Tỉ lệ trễ hạn": "0.00%",
        "Tin nhắn/hồ sơ": "0.00",
        "Phí": "#,##0",
        "Ngày": "dd/mm/yyyy",
    }
    written = values(sheet)[2]
    assert written[:6] == ["A", 1073260, 12.5, 0.01587, 1.4666, 347593808508]  # money in whole đồng
    assert written[6].date() == date(2018, 3, 14)
    assert values(sheet)[3] == [None] * 7
    text = write_rows(columns, [row, [None] * 7], "csv").decode("utf-8-sig")
    assert list(csv.reader(StringIO(text))) == [
        [c.key for c in columns],
        ["A", "1073260", "12.5", "0.01587", "1.4666", "347593808508", "2018-03-14"],
        [""] * 7,
    ]


def test_an_export_without_a_title_freezes_its_single_header_row() -> None:
    sheet = open_sheet(write_rows(["a", "b"], [[1, 2]], "xlsx", sheet="Dữ liệu"))
    assert values(sheet) == [["a", "b"], [1, 2]] and sheet.freeze_panes == "A2" and sheet.title == "Dữ liệu"


def test_read_rows_skips_a_title_and_reads_labels_in_either_language(tmp_path: Path) -> None:
    columns = tuple(
        Column(k, gettext_lazy(label))
        for k, label in [("code", "Code"), ("parent_code", "Parent agency code"), ("name", "Name")]
    )
    path = tmp_path / "t.xlsx"
    path.write_bytes(write_rows(columns, [["SA", "HA", "Sở Tư pháp"]], "xlsx", title="Danh sách"))
    assert list(read_rows(path, required=["code"], optional=columns)) == [
        (3, {"code": "SA", "parent_code": "HA", "name": "Sở Tư pháp"})  # the row a spreadsheet shows
    ]
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("Mã,Parent agency code,name\nSA,HA,Sở Tư pháp\n", encoding="utf-8")
    assert [r for _n, r in read_rows(mixed, required=["code"], optional=columns)] == [
        {"code": "SA", "parent_code": "HA", "name": "Sở Tư pháp"}
    ]
    # A misspelt header below a title is still refused, naming the header's row.
    bad = tmp_path / "bad.csv"
    bad.write_text("Danh sách\nMã,Tênn\nSA,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="Tênn") as refused:
        list(read_rows(bad, required=["code"], optional=columns))
    assert refused.value.row == 2
    only_title = tmp_path / "title.csv"
    only_title.write_text("Danh sách\n", encoding="utf-8")
    with pytest.raises(InputError):
        list(read_rows(only_title, required=["code"], optional=columns))


# --- agencies: the page and the command, and the round trip ----------------------------------------------


def test_the_agency_export_has_title_headers_formats_and_imports_again(
    personas: Any, province: Any, tmp_path: Path
) -> None:
    response = client_for(personas.officer_a).get("/agencies/export/?format=xlsx")
    sheet = open_sheet(response.content)
    today = format_date(timezone.localdate())
    assert_layout(sheet, f"Danh sách cơ quan, đơn vị ngày {today} — Sở Tư pháp", AGENCY_HEADERS, "Cơ quan, đơn vị")
    assert [r[0] for r in values(sheet)[2:]] == ["SA"]
    assert formats(sheet)["Hoạt động từ ngày"] == "dd/mm/yyyy"

    response = client_for(personas.coordinator).get("/agencies/export/?format=xlsx")
    path = tmp_path / "agencies.xlsx"
    path.write_bytes(response.content)
    sheet = open_sheet(path.read_bytes())
    assert sheet["A1"].value.endswith("— UBND tỉnh Hòa An")
    # Imported as it is, the page's export changes nothing.
    before = AuditEntry.objects.count()
    out = StringIO()
    call_command("import_agencies", str(path), stdout=out)
    assert "8 không thay đổi" in out.getvalue() and AuditEntry.objects.count() == before
    # Edited in the sheet (a name) and imported again, it changes just that.
    book = load_workbook(path)
    row = next(r for r in book.worksheets[0].iter_rows(min_row=3) if r[0].value == "SA")
    row[1].value = "Sở Tư pháp tỉnh Hòa An"
    book.save(path)
    call_command("import_agencies", str(path), stdout=out)
    assert Agency.objects.get(code="SA").name == "Sở Tư pháp tỉnh Hòa An"


def test_the_agency_command_exports_the_same_layout_and_csv_for_machines(province: Any, tmp_path: Path) -> None:
    out = tmp_path / "a.xlsx"
    call_command("export_agencies", "--format", "xlsx", "--out", str(out), stdout=StringIO())
    sheet = open_sheet(out.read_bytes())
    today = format_date(timezone.localdate())
    assert_layout(
        sheet, f"Danh sách cơ quan, đơn vị ngày {today} — UBND tỉnh Hòa An", AGENCY_HEADERS, "Cơ quan, đơn vị"
    )
    csv_out = tmp_path / "a.csv"
    call_command("export_agencies", "--out", str(csv_out), stdout=StringIO())
    rows = list(csv.reader(StringIO(csv_out.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["code", "name", "kind", "parent_code", "active_from", "active_to", "successor_code"]
    assert rows[1][:5] == ["HA", "UBND tỉnh Hòa An", "province", "", "2000-01-01"]


# --- dossier statistics -----------------------------------------------------------------------------------


@pytest.fixture
def dossiers(tmp_path: Path, province: Any) -> None:
    header = [*HEADER, "fee_amount", "sms_count"]
    rows = [
        ["SA-1", "SA", "P1", "2022-02-01", "2022-02-10", "2022-02-05", "resolved", "online", "1500000", "2"],
        ["SA-2", "SA", "P1", "2022-02-01", "2022-02-10", "2022-02-15", "resolved", "direct", "250000", "1"],
        ["SB-1", "SB", "P1", "2022-03-01", "2022-03-10", "2022-03-05", "resolved", "direct", "0", "0"],
    ]
    import_dossiers_file(write_csv(tmp_path / "d.csv", rows, header))


PERIOD = "start=2022-01-01&end=2022-12-31&by=agency"


def test_the_dossier_export_titles_its_period_and_scope_and_formats_every_rate(dossiers: None, personas: Any) -> None:
    page = client_for(personas.officer_a).get(f"/dossiers/?{PERIOD}")
    response = client_for(personas.officer_a).get(f"/dossiers/export/?{PERIOD}&format=xlsx")
    sheet = open_sheet(response.content)
    title = "Thống kê hồ sơ TTHC từ 01/01/2022 đến 31/12/2022 — Sở Tư pháp"
    headers = [str(c["label"]) for c in page.context["columns"]]  # the page's own headings
    assert_layout(sheet, title, [c.value for c in sheet[2]], "Thống kê hồ sơ TTHC")
    assert set(headers) <= {c.value for c in sheet[2]}
    assert not any("%" in str(c.value) for c in sheet[2])  # the cells carry the percent sign, not the headings
    header, row = [c.value for c in sheet[2]], values(sheet)[2]
    cell = dict(zip(header, row, strict=True))
    assert row[:2] == ["SA", "Sở Tư pháp"]
    assert cell["Tiếp nhận"] == 2 and cell["Tỉ lệ hồ sơ trễ hạn"] == 0.5
    fmt = formats(sheet)
    assert fmt["Tiếp nhận"] == "#,##0"
    fee = header[2 + COUNTS.index("fee_amount")]
    assert cell[fee] == 1_750_000 and fmt[fee] == "#,##0"  # whole đồng
    # DESIGN §8.3: every share and rate a fraction shown "0.00%", SMS per dossier a plain 1,50.
    for i, rate in enumerate(RATES):
        label = header[2 + len(COUNTS) + i]
        value = row[2 + len(COUNTS) + i]
        if rate == "sms_per_dossier":
            assert fmt[label] == "0.00" and value == 1.5, label
        else:
            assert fmt[label] == "0.00%", label
            assert value is None or 0 <= value <= 1, (label, value)


def test_the_dossier_export_as_csv_is_for_machines(dossiers: None, personas: Any) -> None:
    response = client_for(personas.coordinator).get(f"/dossiers/export/?{PERIOD}&format=csv")
    rows = list(csv.DictReader(StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == ["key", "name", *COUNTS, *RATES]
    sa = next(r for r in rows if r["key"] == "SA")
    assert (sa["received"], sa["fee_amount"], sa["late_rate"], sa["sms_per_dossier"]) == ("2", "1750000", "0.5", "1.5")
    # The same columns and values as the command's CSV.
    out = StringIO()
    call_command(
        "dossier_stats", "--from", "2022-01-01", "--to", "2022-12-31", "--by", "agency", "--format", "csv", stdout=out
    )
    assert list(csv.DictReader(StringIO(out.getvalue()))) == rows


# --- frameworks ---------------------------------------------------------------------------------------------


def test_the_framework_export_has_title_headers_formats_and_imports_again(
    personas: Any, province: Any, tmp_path: Path
) -> None:
    framework = framework_for(province.block_departments, tmp_path)
    pk = province.block_departments.pk
    response = client_for(personas.coordinator).get(f"/scoring/blocks/{pk}/framework/?format=xlsx")
    sheet = open_sheet(response.content)
    title = f"{framework.name} — Sở, ban, ngành, năm 2025"
    assert_layout(sheet, title, FRAMEWORK_HEADERS, "Bộ tiêu chí SBN")
    assert formats(sheet)["Điểm tối đa"] == "#,##0.00"
    out = tmp_path / "f.xlsx"
    call_command("export_framework", "--year", "2025", "--block", "SBN", "--out", str(out), stdout=StringIO())
    assert values(open_sheet(out.read_bytes())) == values(sheet)  # the command writes the same file
    # The export imports again into another block, criterion for criterion.
    copy = import_framework(out, province.block_communes)
    assert Framework.objects.count() == 2
    fields = [
        (r.code, r.parent_code, r.name, r.max_points, r.method, r.source, r.mapping) for r in framework_rows(framework)
    ]
    assert [
        (r.code, r.parent_code, r.name, r.max_points, r.method, r.source, r.mapping) for r in framework_rows(copy)
    ] == fields


# --- the API's limit ------------------------------------------------------------------------------------------


def test_the_api_limit_has_a_ceiling_of_a_thousand(personas: Any) -> None:
    Agency.objects.bulk_create(
        [Agency(code=f"X{i:04}", name=f"Xã {i}", kind="commune", path=f"/X{i:04}/") for i in range(1_005)]
    )
    client = client_for(personas.admin)
    data = client.get("/api/v1/agencies/?limit=5000").json()
    assert data["count"] == 1_013 and len(data["results"]) == 1_000
    assert "limit=1000" in data["next"]
    assert len(client.get("/api/v1/agencies/?limit=7").json()["results"]) == 7
    assert len(client.get("/api/v1/agencies/").json()["results"]) == 100  # the default page
    assert DossierViewSet.pagination_class is LimitOffset and LimitOffset.max_limit == 1_000
