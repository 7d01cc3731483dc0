"""`cchc import_agencies FILE` and `cchc export_agencies` (DESIGN §8.1): all rows or none, one-line errors.

Command messages are in the interface language (Vietnamese by default), so the command tests look
for the row number, the column and the offending value; the English wording is checked by calling
the service under ``translation.override("en")``.
"""

from __future__ import annotations

import csv
import os
import re
import sqlite3
import subprocess
from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook, load_workbook

from cchc.agencies.models import Agency, AgencyKind
from cchc.agencies.services import ImportSummary, import_agencies_file
from cchc.core.models import AuditEntry
from cchc.core.tabular import InputError, cell_text

ROOT = Path(__file__).resolve().parent.parent
CCHC = ROOT / ".venv" / "bin" / "cchc"
HEADER = ["code", "name", "kind", "parent_code", "active_from", "active_to", "successor_code"]

# A province before and after the merger of 1 July 2025; children come before their parents on
# purpose, and the dates use both accepted spellings.
PROVINCE_ROWS = [
    ["HVL-01", "UBND xã An Bình", "commune", "HVL", "", "30/06/2025", "XM001"],
    ["HVL-02", "UBND xã Bình Hòa", "commune", "HVL", "", "2025-06-30", "XM001;XM002"],
    ["HA", "UBND tỉnh Hòa An", "province", "", "", "", ""],
    ["SNV", "Sở Nội vụ", "department", "HA", "2000-01-01", "", ""],
    ["HVL", "UBND huyện Vạn Lộc", "district", "HA", "01/01/2000", "30/06/2025", ""],
    ["XM001", "UBND xã Vạn Lộc", "commune", "HA", "2025-07-01", "", ""],
    ["XM002", "UBND xã Vạn Thạnh", "commune", "HA", "01/07/2025", "", ""],
    ["TTPVHCC", "Trung tâm Phục vụ hành chính công", "public_service", "SNV", "", "", ""],
    ["CTHUE", "Cục Thuế tỉnh", "vertical", "HA", "", "", ""],
]


def ref(a: Agency, key: str = "id") -> dict[str, object]:
    """An agency as the audit trail refers to it: by id (or code) with its name beside."""
    a.refresh_from_db()
    return {key: a.pk if key == "id" else a.code, "label": f"{a.name} ({a.code})"}


def write_csv(
    folder: Path, rows: list[list[str]], header: list[str] | None = HEADER, name: str = "agencies.csv"
) -> Path:
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(folder: Path, rows: list[list[object]], header: list[str] = HEADER, name: str = "agencies.xlsx") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = folder / name
    book.save(path)
    return path


def counts() -> tuple[int, int]:
    return Agency.objects.count(), AuditEntry.objects.count()


def run_import(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_agencies", str(path), *args, stdout=out)
    return out.getvalue()


def refused(path: Path, row: int, field: str | None, *values: str) -> str:
    """Import ``path``, expect a one-line refusal naming ``row`` (and ``field``), and no write at all."""
    before = counts()
    with pytest.raises(CommandError) as error:
        run_import(path)
    message = str(error.value)
    assert "\n" not in message
    prefix, _, _detail = message.partition(":")
    assert re.search(rf"\b{row}\b", prefix), message
    if field:
        assert field in prefix, message
    for value in values:
        assert value in message, message
    assert counts() == before
    return message


def agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


def summary_text(created: int, updated: int, unchanged: int) -> str:
    """The summary as the command prints it, in the command's language."""
    with translation.override("vi"):
        return str(ImportSummary(created, updated, unchanged))


# --- good input -------------------------------------------------------------------------------------


def assert_province_imported() -> None:
    ha, hvl, c1, c2 = agency("HA"), agency("HVL"), agency("HVL-01"), agency("HVL-02")
    xm1, xm2, snv, centre = agency("XM001"), agency("XM002"), agency("SNV"), agency("TTPVHCC")
    assert (ha.parent, ha.path, ha.depth) == (None, "/HA/", 0)
    assert (hvl.parent, hvl.path, hvl.depth) == (ha, "/HA/HVL/", 1)
    assert (c1.parent, c1.path, c1.depth) == (hvl, "/HA/HVL/HVL-01/", 2)
    assert (centre.parent, centre.path, centre.depth) == (snv, "/HA/SNV/TTPVHCC/", 2)
    assert (xm1.parent, xm1.path, xm1.depth) == (ha, "/HA/XM001/", 1)
    assert set(hvl.descendants()) == {c1, c2}
    assert list(c2.ancestors()) == [ha, hvl]
    assert set(ha.descendants()) == set(Agency.objects.exclude(pk=ha.pk))
    assert set(c1.successors.all()) == {xm1}
    assert set(c2.successors.all()) == {xm1, xm2}
    assert set(xm1.predecessors.all()) == {c1, c2}
    assert (c1.kind, c1.name) == ("commune", "UBND xã An Bình")
    assert (c1.active_from, c1.active_to) == (date(2000, 1, 1), date(2025, 6, 30))
    assert (hvl.active_from, hvl.active_to) == (date(2000, 1, 1), date(2025, 6, 30))
    assert (xm2.active_from, xm2.active_to) == (date(2025, 7, 1), None)
    assert agency("CTHUE").kind == "vertical"


@pytest.mark.django_db
def test_csv_creates_the_hierarchy(tmp_path):
    output = run_import(write_csv(tmp_path, PROVINCE_ROWS))
    assert summary_text(9, 0, 0) in output
    assert Agency.objects.count() == 9
    assert_province_imported()


@pytest.mark.django_db
def test_xlsx_creates_the_same_hierarchy_with_real_date_cells(tmp_path):
    rows: list[list[object]] = []
    for row in PROVINCE_ROWS:
        cells: list[object] = list(row)
        for i in (4, 5):
            if cells[i]:
                text = str(cells[i])
                day = date.fromisoformat(text) if "-" in text else datetime.strptime(text, "%d/%m/%Y").date()
                cells[i] = datetime(day.year, day.month, day.day)  # Excel stores dates as date-times
            else:
                cells[i] = None
        rows.append(cells)
    output = run_import(write_xlsx(tmp_path, rows))
    assert summary_text(9, 0, 0) in output
    assert_province_imported()


@pytest.mark.django_db
def test_semicolon_separated_csv_with_bom_is_read(tmp_path):
    path = tmp_path / "excel.csv"
    text = StringIO()
    csv.writer(text, delimiter=";", lineterminator="\r\n").writerows([HEADER, *PROVINCE_ROWS])
    assert '"XM001;XM002"' in text.getvalue()  # a quoted cell holding the list separator
    path.write_bytes(("\ufeff" + text.getvalue()).encode("utf-8"))
    run_import(path)
    assert_province_imported()


@pytest.mark.django_db
def test_only_the_required_columns_are_needed(tmp_path):
    run_import(write_csv(tmp_path, [["HA", "UBND tỉnh Hòa An", "province"]], header=["code", "name", "kind"]))
    ha = agency("HA")
    assert (ha.parent, ha.active_from, ha.active_to, ha.depth) == (None, date(2000, 1, 1), None, 0)


@pytest.mark.django_db
def test_creation_is_audited_with_the_new_values(tmp_path):
    run_import(write_csv(tmp_path, PROVINCE_ROWS), "--reason", "Quyết định 123/QĐ-UBND")
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT)
    assert entries.count() == 9
    hvl = agency("HVL")
    entry = entries.get(object_id=str(agency("HVL-01").pk))
    assert entry.agency == agency("HVL-01")
    assert entry.reason == "Quyết định 123/QĐ-UBND"
    assert entry.user is None
    assert entry.changes == {
        "name": [None, "UBND xã An Bình"],
        "kind": [None, "commune"],
        "parent": [None, ref(hvl)],
        "active_from": [None, "2000-01-01"],
        "active_to": [None, "2025-06-30"],
        "successors": [[], [ref(agency("XM001"), "code")]],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("writer", ["csv", "xlsx"])
def test_reimporting_the_same_file_changes_nothing(tmp_path, writer):
    path = write_csv(tmp_path, PROVINCE_ROWS) if writer == "csv" else write_xlsx(tmp_path, PROVINCE_ROWS)
    run_import(path)
    paths = dict(Agency.objects.values_list("code", "path"))
    before = counts()
    output = run_import(path)
    assert summary_text(0, 0, 9) in output
    assert counts() == before
    assert dict(Agency.objects.values_list("code", "path")) == paths
    assert_province_imported()


@pytest.mark.django_db
def test_the_service_summary_in_english(tmp_path):
    path = write_csv(tmp_path, PROVINCE_ROWS)
    with translation.override("en"):
        first = import_agencies_file(path)
        second = import_agencies_file(path)
    assert (first.created, first.updated, first.unchanged) == (9, 0, 0)
    with translation.override("en"):
        assert str(second) == "0 created, 0 updated, 9 unchanged"


@pytest.mark.django_db
def test_an_updated_file_updates_and_audits_old_and_new_values(tmp_path):
    run_import(write_csv(tmp_path, PROVINCE_ROWS))
    ha, hvl, snv = agency("HA"), agency("HVL"), agency("SNV")
    audit_before = AuditEntry.objects.count()
    rows = [list(row) for row in PROVINCE_ROWS]
    rows[3][1] = "Sở Nội vụ tỉnh Hòa An"  # SNV renamed
    rows[1][3] = "HA"  # HVL-02 moved directly under the province
    rows[7][3] = "HA"  # TTPVHCC moved from SNV to the province
    rows[7][5] = "2025-12-31"  # and closed
    rows.append(["SYT", "Sở Y tế", "department", "HA", "", "", ""])
    output = run_import(write_csv(tmp_path, rows, name="updated.csv"), "--reason", "sắp xếp lại")
    assert summary_text(1, 3, 6) in output

    c2, centre = agency("HVL-02"), agency("TTPVHCC")
    assert agency("SNV").name == "Sở Nội vụ tỉnh Hòa An"
    assert (c2.parent, c2.path, c2.depth) == (ha, "/HA/HVL-02/", 1)
    assert (centre.parent, centre.path, centre.depth, centre.active_to) == (
        ha,
        "/HA/TTPVHCC/",
        1,
        date(2025, 12, 31),
    )
    assert set(hvl.descendants()) == {agency("HVL-01")}

    new_entries = AuditEntry.objects.order_by("id")[audit_before:]
    by_object = {e.object_id: e for e in new_entries}
    assert len(by_object) == 4  # three updated, one created; the six unchanged are not logged
    assert by_object[str(snv.pk)].changes == {"name": ["Sở Nội vụ", "Sở Nội vụ tỉnh Hòa An"]}
    assert by_object[str(c2.pk)].changes == {"parent": [ref(hvl), ref(ha)]}
    # A reference is named as it was when the entry was written: SNV after its renaming in this file.
    assert by_object[str(centre.pk)].changes == {"parent": [ref(snv), ref(ha)], "active_to": [None, "2025-12-31"]}
    assert {e.reason for e in new_entries} == {"sắp xếp lại"}
    assert {e.action for e in new_entries} == {AuditEntry.Action.IMPORT}


@pytest.mark.django_db
def test_a_changed_successor_is_updated_and_audited(tmp_path):
    run_import(write_csv(tmp_path, PROVINCE_ROWS))
    audit_before = AuditEntry.objects.count()
    rows = [list(row) for row in PROVINCE_ROWS]
    rows[0][6] = "XM002"  # HVL-01 went to XM002, not XM001
    rows[1][6] = ""  # HVL-02's successors were entered by mistake
    output = run_import(write_csv(tmp_path, rows, name="successors.csv"))
    assert summary_text(0, 2, 7) in output
    assert set(agency("HVL-01").successors.all()) == {agency("XM002")}
    assert set(agency("HVL-02").successors.all()) == set()
    changes = {e.object_repr: e.changes for e in AuditEntry.objects.order_by("id")[audit_before:]}
    xm001, xm002 = ref(agency("XM001"), "code"), ref(agency("XM002"), "code")
    assert changes == {
        "UBND xã An Bình": {"successors": [[xm001], [xm002]]},
        "UBND xã Bình Hòa": {"successors": [[xm001, xm002], []]},
    }


@pytest.mark.django_db
def test_rows_may_refer_to_agencies_already_in_the_database(province, tmp_path):
    rows = [
        ["C4", "UBND xã Bốn", "commune", "D1", "", "", ""],
        ["C3", "UBND xã Ba", "commune", "D2", "", "2025-06-30", "C4"],
    ]
    run_import(write_csv(tmp_path, rows))
    c4 = agency("C4")
    assert c4.path == "/HA/D1/C4/" == f"{province.district.path}C4/"
    assert c4.depth == 2
    assert set(agency("C3").successors.all()) == {c4}
    assert agency("HA").path == province.province.path  # untouched agencies keep their paths


# --- bad input --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_parent(province, tmp_path):
    rows = [PROVINCE_ROWS[2], ["SX", "Sở X", "department", "NOWHERE", "", "", ""]]
    refused(write_csv(tmp_path, rows), 3, "parent_code", "NOWHERE")


@pytest.mark.django_db
def test_unknown_parent_in_english(tmp_path):
    path = write_csv(tmp_path, [["SX", "Sở X", "department", "NOWHERE", "", "", ""]])
    with translation.override("en"), pytest.raises(InputError) as error:
        import_agencies_file(path)
    assert str(error.value) == "Row 2, column “parent_code”: unknown parent agency “NOWHERE”"
    assert (error.value.row, error.value.field) == (2, "parent_code")


@pytest.mark.django_db
def test_duplicate_code(province, tmp_path):
    rows = [*PROVINCE_ROWS[:4], ["HVL-01", "UBND xã Khác", "commune", "HVL", "", "", ""], *PROVINCE_ROWS[4:]]
    message = refused(write_csv(tmp_path, rows), 6, "code", "HVL-01")
    assert re.search(r"\b2\b", message.partition(":")[2])  # names the first row too


@pytest.mark.django_db
def test_two_agencies_parent_of_each_other(province, tmp_path):
    rows = [
        ["A", "Đơn vị A", "department", "B", "", "", ""],
        ["B", "Đơn vị B", "department", "A", "", "", ""],
    ]
    refused(write_csv(tmp_path, rows), 2, "parent_code", "A")


@pytest.mark.django_db
def test_an_agency_that_is_its_own_parent(tmp_path):
    refused(write_csv(tmp_path, [["A", "Đơn vị A", "department", "A", "", "", ""]]), 2, "parent_code")


@pytest.mark.django_db
def test_a_cycle_through_existing_agencies(province, tmp_path):
    # HA would become a child of its own grandchild C1 (C1 → D1 → HA in the database).
    rows = [
        ["SX", "Sở X", "department", "HA", "", "", ""],
        ["HA", "UBND tỉnh Hòa An", "province", "C1", "", "", ""],
    ]
    refused(write_csv(tmp_path, rows), 3, "parent_code", "HA")
    assert agency("HA").parent is None


@pytest.mark.django_db
def test_a_longer_cycle_through_new_and_existing_agencies(province, tmp_path):
    # NEW → C2 → D1 → HA → NEW: two rows of the file, two agencies of the database.
    rows = [
        ["NEW", "Đơn vị mới", "district", "C2", "", "", ""],
        ["HA", "UBND tỉnh Hòa An", "province", "NEW", "", "", ""],
    ]
    refused(write_csv(tmp_path, rows), 2, "parent_code", "NEW")
    assert not Agency.objects.filter(code="NEW").exists()


@pytest.mark.django_db
def test_unknown_kind(province, tmp_path):
    rows = [*PROVINCE_ROWS[:5], ["BX", "Bộ X", "ministry", "HA", "", "", ""]]
    refused(write_csv(tmp_path, rows), 7, "kind", "ministry")


@pytest.mark.django_db
def test_empty_name(tmp_path):
    refused(write_csv(tmp_path, [PROVINCE_ROWS[2], ["SX", " ", "department", "HA", "", "", ""]]), 3, "name")


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["31/02/2025", "2025-13-01", "1/7/25", "mai"])
def test_bad_date(province, tmp_path, text):
    rows = [PROVINCE_ROWS[2], ["SX", "Sở X", "department", "HA", text, "", ""]]
    refused(write_csv(tmp_path, rows), 3, "active_from", text)


@pytest.mark.django_db
def test_active_period_ending_before_it_starts(province, tmp_path):
    rows = [PROVINCE_ROWS[2], PROVINCE_ROWS[3], ["SX", "Sở X", "department", "HA", "2025-07-01", "30/06/2025", ""]]
    refused(write_csv(tmp_path, rows), 4, "active_to")


@pytest.mark.django_db
def test_unknown_successor(province, tmp_path):
    rows = [PROVINCE_ROWS[2], ["SX", "Sở X", "department", "HA", "", "2025-06-30", "HA;GONE"]]
    refused(write_csv(tmp_path, rows), 3, "successor_code", "GONE")


@pytest.mark.django_db
def test_an_agency_cannot_succeed_itself(tmp_path):
    rows = [PROVINCE_ROWS[2], ["SX", "Sở X", "department", "HA", "", "2025-06-30", "SX"]]
    refused(write_csv(tmp_path, rows), 3, "successor_code")


@pytest.mark.django_db
def test_code_longer_than_the_database_column(province, tmp_path):
    long_code = "X" * 41
    refused(write_csv(tmp_path, [[long_code, "Sở X", "department", "HA", "", "", ""]]), 2, "code")


@pytest.mark.django_db
def test_name_longer_than_the_database_column(province, tmp_path):
    refused(write_csv(tmp_path, [["SX", "Sở " + "x" * 300, "department", "HA", "", "", ""]]), 2, "name")


@pytest.mark.django_db
def test_missing_column(province, tmp_path):
    path = write_csv(tmp_path, [["SX", "Sở X", "HA"]], header=["code", "name", "parent_code"])
    refused(path, 1, None, "kind")


@pytest.mark.django_db
def test_misspelt_column(province, tmp_path):
    path = write_csv(tmp_path, [["SX", "Sở X", "department", "HA"]], header=["code", "name", "kind", "parent"])
    refused(path, 1, None, "parent")


@pytest.mark.django_db
def test_file_without_header(province, tmp_path):
    refused(write_csv(tmp_path, PROVINCE_ROWS, header=None), 1, None, "code", "name", "kind")


@pytest.mark.django_db
def test_empty_file(province, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    before = counts()
    with pytest.raises(CommandError) as error:
        run_import(path)
    assert "\n" not in str(error.value) and str(error.value)
    assert counts() == before
    with translation.override("en"), pytest.raises(InputError) as english:
        import_agencies_file(path)
    assert str(english.value) == "the file is empty"


@pytest.mark.django_db
def test_header_only(province, tmp_path):
    before = counts()
    with pytest.raises(CommandError):
        run_import(write_csv(tmp_path, []))
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["cp1258", "utf-16"])
def test_csv_that_is_not_utf8(province, tmp_path, encoding):
    path = tmp_path / "legacy.csv"
    path.write_bytes(("code,name,kind,parent_code\nSX,Sở Tư pháp,department,HA\n").encode(encoding, "replace"))
    before = counts()
    with pytest.raises(CommandError) as error:
        run_import(path)
    assert "\n" not in str(error.value)
    assert "UTF-8" in str(error.value)
    assert counts() == before


@pytest.mark.django_db
def test_a_bad_byte_far_down_the_file_writes_nothing(province, tmp_path):
    rows = [["HA", "UBND tỉnh Hòa An", "province", "", "", "", ""]]
    rows += [[f"S{i:04d}", f"Sở số {i}", "department", "HA", "", "", ""] for i in range(1000)]
    path = write_csv(tmp_path, rows)
    path.write_bytes(path.read_bytes() + "S9999,Tư pháp,department,HA,,,\n".encode("cp1258"))
    assert path.stat().st_size > 20_000  # beyond the first block the reader decodes
    before = counts()
    with pytest.raises(CommandError) as error:
        run_import(path)
    assert "UTF-8" in str(error.value)
    assert counts() == before


@pytest.mark.django_db
def test_a_bad_row_after_many_good_ones_writes_nothing(province, tmp_path):
    rows = [[f"S{i:04d}", f"Sở số {i}", "department", "HA", "", "", ""] for i in range(300)]
    rows.append(["S9999", "Sở cuối", "department", "HA", "2025-02-30", "", ""])
    refused(write_csv(tmp_path, rows), 302, "active_from", "2025-02-30")


@pytest.mark.django_db
def test_xlsx_errors_name_the_spreadsheet_row(province, tmp_path):
    rows: list[list[object]] = [
        ["SX", "Sở X", "department", "HA", datetime(2020, 1, 1), None, None],
        ["SY", "Sở Y", "department", "HA", datetime(2025, 7, 1), datetime(2025, 6, 30), None],
    ]
    refused(write_xlsx(tmp_path, rows), 3, "active_to")


@pytest.mark.django_db
def test_xlsx_that_is_not_a_workbook(province, tmp_path):
    path = tmp_path / "agencies.xlsx"
    path.write_text("code,name,kind\n", encoding="utf-8")
    before = counts()
    with pytest.raises(CommandError) as error:
        run_import(path)
    assert "\n" not in str(error.value)
    assert counts() == before


def test_xlsx_columns_and_rows_are_counted_from_a1(tmp_path):
    """A table that starts in column B still reads (its A is empty); one that starts on row 3 has no
    header on row 1 and is refused there; an empty workbook is empty."""
    from cchc.core.tabular import InputError, read_rows

    book = Workbook()
    sheet = book.active
    sheet["B1"], sheet["C1"], sheet["D1"] = "code", "name", "kind"
    sheet["B2"], sheet["C2"], sheet["D2"] = "SX", "Sở X", "department"
    book.save(tmp_path / "b.xlsx")
    rows = list(read_rows(tmp_path / "b.xlsx", required=["code", "name", "kind"]))
    assert rows == [(2, {"code": "SX", "name": "Sở X", "kind": "department"})]
    book = Workbook()
    sheet = book.active
    sheet["A3"], sheet["B3"], sheet["C3"] = "code", "name", "kind"
    book.save(tmp_path / "low.xlsx")
    with pytest.raises(InputError) as error:
        list(read_rows(tmp_path / "low.xlsx", required=["code", "name", "kind"]))
    assert error.value.row == 1
    Workbook().save(tmp_path / "empty.xlsx")
    with pytest.raises(InputError, match="tệp không có dữ liệu"):
        list(read_rows(tmp_path / "empty.xlsx", required=["code"]))


@pytest.mark.django_db
def test_unsupported_file_type(province, tmp_path):
    path = tmp_path / "agencies.txt"
    path.write_text("code,name,kind\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        run_import(path)
    assert ".txt" in str(error.value)


@pytest.mark.django_db
def test_missing_file(tmp_path):
    with pytest.raises(CommandError) as error:
        run_import(tmp_path / "nowhere.csv")
    assert "nowhere.csv" in str(error.value)
    assert "\n" not in str(error.value)


# --- export -----------------------------------------------------------------------------------------


def exported_rows(path: Path) -> list[list[str]]:
    if path.suffix == ".xlsx":
        book = load_workbook(path, read_only=True)
        # A date cell comes back as a date-time at midnight: compare its day.
        rows = [
            [cell_text(v.date() if isinstance(v, datetime) else v) for v in row]
            for row in book.worksheets[0].iter_rows(values_only=True)
        ]
        book.close()
        return rows
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def normalised(rows: list[list[str]]) -> set[tuple[str, ...]]:
    """Rows as the export writes them: ISO dates, the default start date filled in."""

    def iso(text: str, default: str = "") -> str:
        if not text:
            return default
        return text if "-" in text else datetime.strptime(text, "%d/%m/%Y").date().isoformat()

    return {
        (c, n, k, p, iso(f, "2000-01-01"), iso(t), ";".join(sorted(s.split(";"))) if s else "")
        for c, n, k, p, f, t, s in rows
    }


def delete_all_agencies() -> None:
    for a in Agency.objects.order_by("-depth"):
        a.delete()
    assert Agency.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_round_trips_through_import(tmp_path, fmt):
    run_import(write_csv(tmp_path, PROVINCE_ROWS))
    out = tmp_path / f"export.{fmt}"
    call_command("export_agencies", "--format", fmt, "--out", str(out))

    rows = exported_rows(out)
    if fmt == "xlsx":  # a title, then the headers a person reads (tests/test_exports.py checks them)
        assert rows[0][0].startswith("Danh sách cơ quan, đơn vị")
        rows = rows[1:]
        # The kind as a person reads it ("UBND cấp xã"), the code in a CSV; the import reads both back.
        labels = dict(AgencyKind.choices)
        expected = [[*r[:2], str(labels[r[2]]), *r[3:]] for r in PROVINCE_ROWS]
        assert "UBND cấp xã" in {r[2] for r in rows[1:]}
    else:
        assert rows[0] == HEADER
        expected = PROVINCE_ROWS
    assert normalised(rows[1:]) == normalised(expected)

    before = counts()
    assert summary_text(0, 0, 9) in run_import(out)  # importing the export changes nothing
    assert counts() == before

    delete_all_agencies()
    assert summary_text(9, 0, 0) in run_import(out)  # and rebuilds the same province from nothing
    assert_province_imported()


@pytest.mark.django_db
def test_export_lists_parents_before_children(tmp_path):
    run_import(write_csv(tmp_path, PROVINCE_ROWS))
    out = tmp_path / "export.csv"
    call_command("export_agencies", "--out", str(out))
    codes = [row[0] for row in exported_rows(out)[1:]]
    for code, _name, _kind, parent, *_rest in PROVINCE_ROWS:
        if parent:
            assert codes.index(parent) < codes.index(code)


# --- the real console command -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "template.sqlite3"
    result = subprocess.run(
        [str(CCHC), "migrate", "--noinput", "--verbosity", "0"],
        env=cli_environ(folder, path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return path


def cli_environ(folder: Path, database: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CCHC_")}
    environ.update(
        DJANGO_SETTINGS_MODULE="cchc.settings.test",
        DATABASE_URL=f"sqlite:///{database}",
        CCHC_DATA_DIR=str(folder),
    )
    return environ


@pytest.fixture
def cli(migrated_database: Path, tmp_path: Path):
    """Runs `.venv/bin/cchc ARGS` on a fresh copy of a migrated SQLite database."""
    database = tmp_path / "cli.sqlite3"
    with sqlite3.connect(migrated_database) as source, sqlite3.connect(database) as copy:
        source.backup(copy)

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [str(CCHC), *args], env=cli_environ(tmp_path, database), cwd=tmp_path, capture_output=True, timeout=120
        )

    def table_counts() -> tuple[int, int]:
        with sqlite3.connect(database) as db:
            agencies = db.execute("SELECT COUNT(*) FROM agencies_agency").fetchone()[0]
            entries = db.execute("SELECT COUNT(*) FROM core_auditentry").fetchone()[0]
        return agencies, entries

    run.counts = table_counts  # type: ignore[attr-defined]
    return run


def test_console_command_refuses_bad_input_with_one_line_and_status_1(cli, tmp_path):
    good = write_csv(tmp_path, PROVINCE_ROWS)
    assert cli("import_agencies", str(good)).returncode == 0
    before = cli.counts()
    assert before == (9, 9)

    rows = [
        *PROVINCE_ROWS,
        ["HX", "UBND huyện X", "district", "HA", "", "", ""],
        ["X1", "UBND xã X", "commune", "HY", "", "", ""],
    ]
    result = cli("import_agencies", str(write_csv(tmp_path, rows, name="bad.csv")))
    assert result.returncode == 1
    lines = result.stderr.decode("utf-8").strip().splitlines()
    assert len(lines) == 1, lines
    assert "12" in lines[0] and "parent_code" in lines[0] and "HY" in lines[0]
    assert "Traceback" not in lines[0]
    assert result.stdout == b""
    assert cli.counts() == before


def test_console_command_refuses_a_cycle_and_an_xlsx_without_header(cli, tmp_path):
    cycle = write_csv(
        tmp_path, [["A", "Đơn vị A", "department", "B"], ["B", "Đơn vị B", "department", "A"]], header=HEADER[:4]
    )
    result = cli("import_agencies", str(cycle))
    assert result.returncode == 1
    assert len(result.stderr.decode().strip().splitlines()) == 1
    book = Workbook()
    book.save(tmp_path / "blank.xlsx")
    result = cli("import_agencies", str(tmp_path / "blank.xlsx"))
    assert result.returncode == 1
    assert len(result.stderr.decode().strip().splitlines()) == 1
    assert cli.counts() == (0, 0)


def test_console_command_imports_xlsx_and_exports_csv_to_stdout(cli, tmp_path):
    result = cli("import_agencies", str(write_xlsx(tmp_path, PROVINCE_ROWS)))
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    assert cli.counts() == (9, 9)
    again = cli("import_agencies", str(write_xlsx(tmp_path, PROVINCE_ROWS)))
    assert again.returncode == 0
    assert cli.counts() == (9, 9)

    exported = cli("export_agencies", "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    text = exported.stdout.decode("utf-8-sig")
    rows = list(csv.reader(StringIO(text)))
    assert rows[0] == HEADER
    assert normalised(rows[1:]) == normalised(PROVINCE_ROWS)
