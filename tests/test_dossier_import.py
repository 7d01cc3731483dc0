"""Dossier and procedure imports (DESIGN §8.1, §8.2): dates, idempotence, atomicity, bad rows, scope."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from cchc.agencies.models import Agency
from cchc.core.scope import SYSTEM
from cchc.core.tabular import InputError
from cchc.dossiers.models import Dossier, MonthDetail, MonthlyCount, Procedure
from cchc.dossiers.services import import_dossiers_file, import_procedures_file
from cchc.dossiers.stats import total
from conftest import every_dossier, find_dossier

HEADER = ["dossier_code", "agency_code", "procedure_code", "received_at", "due_at", "resolved_at", "status", "channel"]


def write_csv(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def year_2022(**kwargs: Any) -> Any:
    return total(date(2022, 1, 1), date(2022, 12, 31), user=SYSTEM, **kwargs)


@pytest.fixture
def catalogue(tmp_path: Path, province: Any) -> None:
    path = tmp_path / "procedures.csv"
    header = ["code", "name", "field", "level", "online_level", "postal", "online_payment"]
    write_csv(
        path,
        [
            ["P1", "Cấp phiếu lý lịch tư pháp", "Tư pháp", "province", "full", "1", "1"],
            ["P2", "Chứng thực bản sao", "Chứng thực", "commune", "partial", "0", "0"],
            ["P3", "Đăng ký kết hôn", "Hộ tịch", "commune", "none", "0", "0"],
        ],
        header,
    )
    import_procedures_file(path)


def test_procedure_import_creates_then_updates_in_place(tmp_path: Path, catalogue: None) -> None:
    assert Procedure.objects.count() == 3
    header = ["code", "name", "field", "level", "online_level"]
    path = write_csv(tmp_path / "p.csv", [["P3", "Đăng ký kết hôn", "Hộ tịch", "commune", "full"]], header)
    summary = import_procedures_file(path)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 0)
    assert Procedure.objects.get(code="P3").online_level == "full"


def test_procedure_import_refuses_an_unknown_level(tmp_path: Path, province: Any) -> None:
    header = ["code", "name", "field", "level", "online_level"]
    path = write_csv(tmp_path / "p.csv", [["P1", "X", "Y", "ward", "full"]], header)
    with pytest.raises(InputError) as error:
        import_procedures_file(path)
    assert (error.value.row, error.value.field) == (2, "level")
    assert not Procedure.objects.exists()


def test_dates_in_both_formats_and_no_due_date_is_on_time(tmp_path: Path, province: Any) -> None:
    path = write_csv(
        tmp_path / "d.csv",
        [
            ["A1", "SA", "P1", "05/01/2022", "10/01/2022", "07/01/2022", "resolved", "direct"],  # early
            ["A2", "SA", "P1", "2022-01-05", "2022-01-10", "2022-01-10", "resolved", "direct"],  # on time
            ["A3", "SA", "P1", "2022-01-05", "2022-01-10", "11/01/2022", "resolved", "direct"],  # late
            ["A4", "SA", "P1", "2022-01-05", "", "2022-06-30", "resolved", "direct"],  # no due date: on time
        ],
    )
    import_dossiers_file(path)
    a1 = find_dossier("A1")
    assert a1 is not None and a1.received_on == date(2022, 1, 5)
    result = year_2022()
    assert (result.early, result.on_time, result.late, result.resolved) == (1, 2, 1, 4)


def test_date_times_near_midnight_are_days_in_ho_chi_minh(tmp_path: Path, province: Any) -> None:
    path = write_csv(
        tmp_path / "d.csv",
        [
            ["T1", "SA", "", "2022-03-31T23:30:00+07:00", "", "", "pending", "online"],
            ["T2", "SA", "", "2022-03-31T17:30:00Z", "", "", "pending", "online"],  # 00:30 on 1 April there
            ["T3", "SA", "", "2022-03-31T16:59:59Z", "", "", "pending", "online"],  # 23:59:59 on 31 March
            ["T4", "SA", "", "2022-03-31 23:30:00", "", "", "pending", "online"],  # no offset: local already
        ],
    )
    import_dossiers_file(path)
    days = {r.dossier_code: r.received_on for r in every_dossier()}
    assert days == {
        "T1": date(2022, 3, 31),
        "T2": date(2022, 4, 1),
        "T3": date(2022, 3, 31),
        "T4": date(2022, 3, 31),
    }
    q1 = total(date(2022, 1, 1), date(2022, 3, 31), user=SYSTEM)
    assert q1.received == 3
    assert total(date(2022, 4, 1), date(2022, 6, 30), user=SYSTEM).carried_over == 3


def test_reimporting_the_same_file_counts_nothing_twice(tmp_path: Path, province: Any) -> None:
    rows = [
        ["R1", "SA", "P1", "2022-02-01", "2022-02-10", "2022-02-05", "resolved", "online"],
        ["R2", "SA", "P1", "2022-02-01", "2022-02-10", "", "pending", "direct"],
    ]
    path = write_csv(tmp_path / "d.csv", rows)
    first = import_dossiers_file(path)
    before = list(MonthlyCount.objects.values_list("received", "closed", "early", "online"))
    again = import_dossiers_file(path)
    assert (first.created, again.created, again.unchanged) == (2, 0, 2)
    assert list(MonthlyCount.objects.values_list("received", "closed", "early", "online")) == before
    result = year_2022()
    assert (result.received, result.resolved, result.pending, result.pending_overdue) == (2, 1, 1, 1)


def test_an_updated_file_moves_the_counts_instead_of_adding(tmp_path: Path, province: Any) -> None:
    rows = [["U1", "SA", "P1", "2022-02-01", "2022-02-10", "", "pending", "direct"]]
    import_dossiers_file(write_csv(tmp_path / "a.csv", rows))
    assert year_2022().pending_overdue == 1
    rows = [["U1", "SA", "P1", "2022-02-01", "2022-02-10", "2022-03-02", "resolved", "direct"]]
    summary = import_dossiers_file(write_csv(tmp_path / "b.csv", rows))
    assert summary.updated == 1
    result = year_2022()
    assert (result.received, result.resolved, result.late, result.pending, result.pending_overdue) == (1, 1, 1, 0, 0)
    # Overdue in February, resolved late in March: both facts stay visible at their dates.
    february = total(date(2022, 2, 1), date(2022, 2, 28), user=SYSTEM)
    assert (february.pending, february.pending_overdue) == (1, 1)
    assert every_dossier().count() == 1


def test_duplicate_codes_in_one_file_are_bad_rows(tmp_path: Path, province: Any) -> None:
    rows = [
        ["D1", "SA", "P1", "2022-02-01", "", "", "pending", "direct"],
        ["D1", "SA", "P1", "2022-02-02", "", "", "pending", "direct"],
    ]
    path = write_csv(tmp_path / "d.csv", rows)
    with pytest.raises(InputError, match="D1") as error:
        import_dossiers_file(path)
    assert (error.value.row, error.value.field) == (3, "dossier_code")
    assert not Dossier.objects.exists() and not MonthlyCount.objects.exists()
    summary = import_dossiers_file(path, skip_bad_rows=True)
    assert (summary.created, summary.skipped) == (1, 1)
    assert year_2022().received == 1


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (["B1", "SA", "P1", "31/02/2022", "", "", "pending", "direct"], "received_at"),
        (["B1", "ZZ", "P1", "2022-02-01", "", "", "pending", "direct"], "agency_code"),
        (["B1", "SA", "P1", "2022-02-01", "", "", "done", "direct"], "status"),
        (["B1", "SA", "P1", "2022-02-10", "", "2022-02-09", "resolved", "direct"], "resolved_at"),
        (["B1", "SA", "P1", "2022-02-10", "", "", "resolved", "direct"], "resolved_at"),
        (["B1", "SA", "P1", "2022-02-10", "", "", "pending", "fax"], "channel"),
    ],
    ids=["bad-date", "unknown-agency", "unknown-status", "result-before-receipt", "resolved-without-date", "channel"],
)
def test_a_bad_row_refuses_the_whole_file(tmp_path: Path, province: Any, row: list[str], column: str) -> None:
    good = ["G1", "SA", "P1", "2022-02-01", "", "", "pending", "direct"]
    path = write_csv(tmp_path / "d.csv", [good, row])
    with pytest.raises(InputError) as error:
        import_dossiers_file(path)
    assert (error.value.row, error.value.field) == (3, column)
    assert str(error.value).startswith(f"Dòng 3, cột “{column}”: ")
    assert not Dossier.objects.exists()
    assert not MonthlyCount.objects.exists()


def test_bad_rows_skipped_on_request_are_counted_and_reported(tmp_path: Path, province: Any) -> None:
    rows = [
        ["S1", "SA", "P1", "2022-02-01", "", "", "pending", "direct"],
        ["S2", "SA", "P1", "yesterday", "", "", "pending", "direct"],
        ["S3", "XX", "P1", "2022-02-01", "", "", "pending", "direct"],
    ]
    summary = import_dossiers_file(write_csv(tmp_path / "d.csv", rows), skip_bad_rows=True)
    assert (summary.created, summary.skipped) == (1, 2)
    assert summary.problems[0].startswith("Dòng 3, cột “received_at”")
    assert summary.problems[1].startswith("Dòng 4, cột “agency_code”")
    assert year_2022().received == 1


def test_an_agency_outside_the_uploaders_scope_is_refused(tmp_path: Path, personas: Any) -> None:
    rows = [
        ["O1", "SA", "P1", "2022-02-01", "", "", "pending", "direct"],
        ["O2", "SB", "P1", "2022-02-01", "", "", "pending", "direct"],
    ]
    with pytest.raises(InputError) as error:
        import_dossiers_file(write_csv(tmp_path / "d.csv", rows), user=personas.officer_a)
    assert (error.value.row, error.value.field) == (3, "agency_code")
    assert not Dossier.objects.exists()
    # The coordinator of the province may import for both.
    summary = import_dossiers_file(write_csv(tmp_path / "d.csv", rows), user=personas.coordinator)
    assert summary.created == 2


def test_another_agencys_dossier_code_is_not_overwritten(tmp_path: Path, personas: Any) -> None:
    import_dossiers_file(write_csv(tmp_path / "b.csv", [["K1", "SB", "", "2022-02-01", "", "", "pending", "direct"]]))
    rows = [["K1", "SA", "", "2022-02-01", "", "2022-02-02", "resolved", "direct"]]
    with pytest.raises(InputError, match="K1"):
        import_dossiers_file(write_csv(tmp_path / "a.csv", rows), user=personas.officer_a)
    k1 = find_dossier("K1")
    assert k1 is not None and Agency.objects.get(pk=k1.agency_id).code == "SB"
    # Skipping bad rows skips it too, and says so; the stored record stays as it was.
    rows.append(["K2", "SA", "", "2022-02-01", "", "", "pending", "direct"])
    summary = import_dossiers_file(write_csv(tmp_path / "a.csv", rows), user=personas.officer_a, skip_bad_rows=True)
    assert (summary.created, summary.skipped) == (1, 1) and "K1" in summary.problems[0]
    assert find_dossier("K1") == k1


def test_an_empty_file_and_a_header_only_file_are_refused(tmp_path: Path, province: Any) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError) as error:
        import_dossiers_file(empty)
    assert "không có dữ liệu" in str(error.value)
    with pytest.raises(InputError) as error:
        import_dossiers_file(write_csv(tmp_path / "header.csv", []))
    assert "không có dòng hồ sơ" in str(error.value)


def test_a_wrong_header_names_the_missing_and_unknown_columns(tmp_path: Path, province: Any) -> None:
    header = ["code", "agency_code", "received_at", "status"]
    with pytest.raises(InputError, match="dossier_code") as error:
        import_dossiers_file(write_csv(tmp_path / "d.csv", [["X", "SA", "2022-01-01", "pending"]], header))
    assert error.value.row == 1
    header = [*HEADER, "colour"]
    with pytest.raises(InputError, match="colour"):
        import_dossiers_file(write_csv(tmp_path / "d.csv", [], header))


def test_the_vietnamese_profile_reads_an_xlsx_export(tmp_path: Path, catalogue: None) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Mã hồ sơ", "Mã cơ quan", "Mã thủ tục", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả"])
    sheet.cell(1, 7, "Trạng thái")
    sheet.cell(1, 8, "Kênh nộp")
    sheet.cell(1, 9, "Số tin nhắn")
    sheet.append(["V1", "C1", "P2", date(2022, 5, 2), "06/05/2022", "05/05/2022", "Đã giải quyết", "Trực tuyến", 3])
    sheet.append(["V2", "C1", "P3", "02/05/2022", "", "", "Đang giải quyết", "Trực tiếp", 1])
    path = tmp_path / "mot-cua.xlsx"
    book.save(path)
    summary = import_dossiers_file(path, profile="mot-cua-vi")
    assert summary.created == 2
    v1 = find_dossier("V1")
    assert v1 is not None
    assert (v1.status, v1.channel, v1.procedure_code, v1.sms_count) == ("resolved", "online", "P2", 3)
    result = year_2022()
    # P2 is partly online, P3 not: one dossier of a procedure published online, and it came online.
    assert (result.online, result.online_eligible, result.sms, result.early) == (1, 1, 4, 1)


def test_a_long_xlsx_reports_its_reading_and_names_the_rows_a_spreadsheet_shows(tmp_path: Path, province: Any) -> None:
    """Workbooks are read by calamine: date and date-time cells, whole numbers stored as floats, a
    blank row in the middle and the progress of the reading (rows read, rows in the sheet)."""
    from datetime import datetime

    from openpyxl import Workbook as WriteOnly

    book = WriteOnly(write_only=True)
    sheet = book.create_sheet()
    sheet.append([*HEADER, "sms_count"])
    for i in range(12_000):
        sheet.append(
            [f"X{i}", "SA", "P1", date(2022, 4, 1 + i % 28), None, datetime(2022, 4, 28, 23, 50), "resolved", "", 2]
        )
    sheet.append([])
    sheet.append(["LAST", "SA", "P1", datetime(2022, 4, 30, 23, 59), "", "", "pending", "direct", 1.0])
    path = tmp_path / "export.xlsx"
    book.save(path)
    heard: list[tuple[int, int, str]] = []
    summary = import_dossiers_file(path, progress=lambda done, total, message: heard.append((done, total, message)))
    assert summary.created == 12_001
    last = find_dossier("LAST")
    assert last is not None and (last.received_on, last.sms_count) == (date(2022, 4, 30), 1)
    first = find_dossier("X0")
    assert first is not None and (first.resolved_on, first.channel, first.sms_count) == (date(2022, 4, 28), "direct", 2)
    # The bar only moves forward: the reading is its first part, then the engine's steps.
    reading = [h for h in heard if h[2].startswith("đang đọc bảng tính: dòng")]
    assert reading and all(total == 12_003 for _done, total, _m in reading)
    assert [h[0] / h[1] for h in heard] == sorted(h[0] / h[1] for h in heard) and heard[-1][0] == heard[-1][1]
    # A bad row after the blank one is named by the number a spreadsheet shows.
    book = WriteOnly(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    sheet.append(["Y1", "SA", "P1", date(2022, 4, 1), None, None, "pending", "direct"])
    sheet.append([])
    sheet.append(["Y2", "SA", "P1", date(2022, 4, 1), None, None, "lost", "direct"])
    book.save(tmp_path / "bad.xlsx")
    with pytest.raises(InputError) as error:
        import_dossiers_file(tmp_path / "bad.xlsx")
    assert (error.value.row, error.value.field) == (4, "status")


def test_a_reimport_after_the_catalogue_changed_moves_the_online_share(tmp_path: Path, province: Any) -> None:
    """Whether a dossier counts against the online rate depends on its procedure being published online."""
    path = write_csv(tmp_path / "d.csv", [["L1", "SA", "P1", "2022-02-01", "", "", "pending", "direct"]])
    import_dossiers_file(path)
    assert year_2022().online_eligible == 0
    header = ["code", "name", "field", "level", "online_level"]
    import_procedures_file(write_csv(tmp_path / "p.csv", [["P1", "X", "Y", "province", "full"]], header))
    summary = import_dossiers_file(path)
    assert (summary.updated, year_2022().online_eligible, year_2022().received) == (1, 1, 1)


def test_a_dossier_moved_to_another_month_or_agency_counts_once(tmp_path: Path, province: Any) -> None:
    rows = [
        ["M1", "SA", "P1", "2022-01-31T23:30:00", "", "", "pending", "direct"],
        ["M2", "SA", "P1", "2022-01-10", "", "", "pending", "direct"],
        ["M3", "SA", "P1", "2022-01-10", "", "", "pending", "direct"],
    ]
    import_dossiers_file(write_csv(tmp_path / "a.csv", rows))
    # The vendor fixes the time zone of M1 (now 1 February) and files M2 under SB.
    rows[0][3] = "2022-01-31T17:30:00Z"
    rows[1][1] = "SB"
    summary = import_dossiers_file(write_csv(tmp_path / "b.csv", rows))
    assert (summary.updated, summary.unchanged) == (2, 1)
    assert every_dossier().count() == 3
    assert total(date(2022, 1, 1), date(2022, 1, 31), user=SYSTEM).received == 2
    assert total(date(2022, 2, 1), date(2022, 2, 28), user=SYSTEM).received == 1
    per_agency = {g.key: g.received for g in year_2022_by_agency()}
    assert per_agency == {"SA": 2, "SB": 1}
    m2 = find_dossier("M2")
    assert m2 is not None and m2.agency_id == Agency.objects.get(code="SB").pk


def year_2022_by_agency() -> Any:
    from cchc.dossiers.stats import indicators

    return indicators(date(2022, 1, 1), date(2022, 12, 31), user=SYSTEM, by="agency")


def test_a_date_format_the_reader_did_not_expect_late_in_a_long_file(tmp_path: Path, province: Any) -> None:
    """DuckDB reads ISO dates natively when its sniffer saw only those; a later dd/mm/yyyy row makes it
    read the file again as text, and row numbers stay those a spreadsheet shows."""
    rows = [
        [f"F{i}", "SA", "P1", "2022-03-01", "2022-03-05", "2022-03-04", "resolved", "direct"] for i in range(25_000)
    ]
    rows.append(["LATE", "SA", "P1", "02/03/2022", "", "", "pending", "direct"])
    summary = import_dossiers_file(write_csv(tmp_path / "d.csv", rows))
    assert summary.created == 25_001
    late = find_dossier("LATE")
    assert late is not None and late.received_on == date(2022, 3, 2)
    rows.append(["WORSE", "SA", "P1", "32/03/2022", "", "", "pending", "direct"])
    with pytest.raises(InputError) as error:
        import_dossiers_file(write_csv(tmp_path / "e.csv", rows))
    assert (error.value.row, error.value.field) == (25_003, "received_at")


def test_semicolons_and_a_byte_order_mark_are_read(tmp_path: Path, province: Any) -> None:
    path = tmp_path / "excel.csv"
    text = ";".join(HEADER) + "\r\n" + "X1;SA;P1;2022-02-01;;;pending;direct\r\n"
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    assert import_dossiers_file(path).created == 1
    assert year_2022().received == 1
    latin = tmp_path / "latin.csv"
    latin.write_bytes(",".join(HEADER).encode() + b"\nX2,SA,P1,2022-02-01,,,pending,tr\xe1\xbb\n")
    with pytest.raises(InputError, match="UTF-8"):
        import_dossiers_file(latin)


def test_tabs_and_line_breaks_inside_quoted_cells_become_spaces(tmp_path: Path, province: Any) -> None:
    """A tab or line break inside a quoted code, procedure or officer cell would break a listing, an
    export or a search by code, so the import makes each a space (and trims the ends)."""
    header = [*HEADER, "handler"]
    rows = [
        ["T\t1", "SA", "P\n1", "2022-02-01", "", "2022-02-03", "resolved", "direct", "Nguyễn\r\nVăn A"],
        ["T2\n", "SA", "P1", "2022-02-01", "", "", "pending", "direct", ""],
    ]
    assert import_dossiers_file(write_csv(tmp_path / "d.csv", rows, header)).created == 2
    first = find_dossier("T 1")
    assert first is not None and (first.procedure_code, first.handler) == ("P 1", "Nguyễn  Văn A")
    assert find_dossier("T2") is not None and every_dossier().count() == 2
    assert import_dossiers_file(write_csv(tmp_path / "d.csv", rows, header)).unchanged == 2
    rows.append(["T3", "SA", "P1", "2022-02-01", "", "", "lost", "direct", ""])  # the record a spreadsheet numbers 4
    with pytest.raises(InputError) as error:
        import_dossiers_file(write_csv(tmp_path / "e.csv", rows, header))
    assert (error.value.row, error.value.field) == (4, "status")


def test_a_listing_filters_by_officer_field_outcome_and_period(tmp_path: Path, province: Any) -> None:
    """The listing's one filter (page, API, export): newest first; by officer, field, outcome and
    receipt range; a whole code finds its dossier whatever the page's period."""
    from cchc.dossiers.filters import DossierFilterSet

    import_procedures_file(
        write_csv(
            tmp_path / "p.csv",
            [["P1", "Lý lịch", "Tư pháp", "province", "full"], ["P2", "Hộ tịch", "Hộ tịch", "province", "none"]],
            ["code", "name", "field", "level", "online_level"],
        )
    )
    rows = []
    for i in range(90):
        day = date(2022, 1 + i % 3, 1 + i % 28)
        due = day + timedelta(days=2) if i % 7 else None
        status = "pending" if i % 4 == 0 else "resolved"
        resolved = "" if status == "pending" else (day + timedelta(days=i % 5)).isoformat()
        handler = ["An", "Bình", ""][i % 3]
        rows.append(
            [
                f"L{i:02d}",
                "SA" if i % 5 else "SB",
                f"P{1 + i % 2}",
                day.isoformat(),
                due.isoformat() if due else "",
                resolved,
                status,
                "direct",
                handler,
            ]
        )
    import_dossiers_file(write_csv(tmp_path / "d.csv", rows, [*HEADER, "handler"]))
    every = list(every_dossier())
    assert [r.received_on for r in every] == sorted((r.received_on for r in every), reverse=True)

    def listed(query: dict[str, str], **period: date) -> list[str]:
        return [d.dossier_code for d in DossierFilterSet(query, queryset=every_dossier()).listing(**period)]

    def expected(keep: Any) -> list[str]:
        return [d.dossier_code for d in every if keep(d)]

    late_an_field = listed({"handler": "An", "field": "Tư pháp", "late": "true"})
    assert late_an_field == expected(lambda d: d.handler == "An" and d.procedure_code == "P1" and d.late)
    assert late_an_field  # the question has answers in this data
    assert listed({"outcome": "pending"}) == expected(lambda d: d.status == "pending")
    inside = {"received_from": "2022-01-10", "received_to": "2022-03-05"}
    assert listed(inside) == expected(lambda d: date(2022, 1, 10) <= d.received_on <= date(2022, 3, 5))
    # The page's period applies unless the filter gives a range or a whole stored code.
    march = {"default_from": date(2022, 3, 1), "default_to": date(2022, 3, 31)}
    assert listed({}, **march) == expected(lambda d: d.received_on.month == 3)
    january_code = next(d.dossier_code for d in every if d.received_on.month == 1)
    assert listed({"q": january_code}, **march) == [january_code]
    assert set(listed({"q": "L1"})) == {c for c in expected(lambda d: True) if "L1" in c}


@pytest.mark.parametrize(
    ("lines", "row", "message"),
    [
        (
            ["A1,SA,P1,2022-01-01,,,pending,direct", "A2,SA,P1,2022-01-01,,,pending,direct,MORE"],
            3,
            "có 9 ô, trong khi tiêu đề có 8 cột",
        ),
        (["A1,SA,P1,2022-01-01,,,pending,direct", 'A2,SA,"P1,2022-01-01,,,pending,direct', "A3,SA"], 3, "ngoặc kép"),
        # A row cut short is padded with empty cells, and then its own checks speak.
        (["A1,SA,P1,2022-01-01"], 2, "trạng thái “” không hợp lệ"),
        # Beside a line break in a quoted cell, a short row can no longer be padded: it is named by its
        # row in a spreadsheet (3), not its line in the file (4).
        (['A1,SA,"P\n1",2022-01-01,,,pending,direct', "A2,SA,P1,2022-01-01"], 3, "dòng bị cắt ngắn"),
    ],
)
def test_a_malformed_csv_row_is_named(tmp_path: Path, province: Any, lines: list[str], row: int, message: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(",".join(HEADER) + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        import_dossiers_file(path)
    assert error.value.row == row and message in error.value.one_line()
    assert every_dossier().count() == 0


def test_the_command_exits_with_one_line_on_bad_input(tmp_path: Path, province: Any) -> None:
    path = write_csv(tmp_path / "d.csv", [["C1", "SA", "", "2022-13-01", "", "", "pending", "direct"]])
    with pytest.raises(CommandError) as error:
        call_command("import_dossiers", str(path))
    assert "\n" not in str(error.value) and "2022-13-01" in str(error.value)
    with pytest.raises(CommandError, match="nonexistent"):
        call_command("import_dossiers", str(tmp_path / "nonexistent.csv"))
    with pytest.raises(CommandError):
        call_command("import_dossiers", str(path), profile="no-such-vendor")
    out = io.StringIO()
    ok = write_csv(tmp_path / "ok.csv", [["C1", "SA", "", "2022-12-01", "", "", "pending", "direct"]])
    call_command("import_dossiers", str(ok), stdout=out)
    assert "1" in out.getvalue()


def test_an_import_that_fails_after_writing_leaves_nothing(
    tmp_path: Path, province: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dossier rows and aggregates already written inside the import's transaction go when a later step fails."""
    from cchc.dossiers import engine

    import_dossiers_file(write_csv(tmp_path / "a.csv", [["KEEP", "SA", "", "2022-02-01", "", "", "pending", "direct"]]))
    before = list(MonthlyCount.objects.values_list("agency_id", "month", "received", "closed"))
    detail = list(MonthDetail.objects.values_list("agency_id", "month", "days", "procedures"))
    write = engine.write_dossiers

    def failing(*args: Any, **kwargs: Any) -> None:
        write(*args, **kwargs)  # the rows are written (the import's last write), then the disk fills
        assert Dossier.objects.filter(dossier_code="N0").exists()
        raise OSError("disk full")

    monkeypatch.setattr(engine, "write_dossiers", failing)
    rows = [[f"N{i}", "SA", "", "2022-02-01", "", "2022-02-03", "resolved", "direct"] for i in range(7)]
    rows.append(["KEEP", "SA", "", "2022-02-01", "", "2022-02-02", "resolved", "direct"])
    with pytest.raises(OSError, match="disk full"):
        import_dossiers_file(write_csv(tmp_path / "b.csv", rows))
    assert [(r.dossier_code, r.status) for r in every_dossier()] == [("KEEP", "pending")]
    assert list(MonthlyCount.objects.values_list("agency_id", "month", "received", "closed")) == before
    assert list(MonthDetail.objects.values_list("agency_id", "month", "days", "procedures")) == detail
    result = year_2022()
    assert (result.received, result.resolved, result.pending) == (1, 0, 1)


def test_wholly_empty_rows_are_ignored_and_numbers_stay_right(tmp_path: Path, province: Any) -> None:
    rows = [
        ["E1", "SA", "P1", "2022-02-01", "", "", "pending", "direct"],
        ["", "", "", "", "", "", "", ""],
        ["E2", "SA", "P1", "2022-02-01", "", "", "pending", "direct"],
    ]
    assert import_dossiers_file(write_csv(tmp_path / "d.csv", rows)).created == 2
    rows.append(["E3", "SA", "P1", "2022-02-30", "", "", "pending", "direct"])
    with pytest.raises(InputError) as error:
        import_dossiers_file(write_csv(tmp_path / "e.csv", rows))
    assert (error.value.row, error.value.field) == (5, "received_at")
