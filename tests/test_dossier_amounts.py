"""Amounts and flags as vendors write them (issue 10, point 3): every column of DESIGN §8.2 imported,
read back through the aggregates, the command's JSON and the QĐ 766 service index."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from cchc.core.scope import SYSTEM
from cchc.core.tabular import InputError
from cchc.dossiers.models import HandlerMonthlyCount, MonthlyCount
from cchc.dossiers.profiles import COLUMNS, PROFILES
from cchc.dossiers.services import import_dossiers_file
from cchc.dossiers.stats import handler_late_rates, service_index, total
from tests.test_dossier_import import HEADER, catalogue, write_csv  # noqa: F401  (catalogue: the fixture)

pytestmark = pytest.mark.usefixtures("catalogue")


def table(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("|")] for line in text.strip().splitlines()]


# Six dossiers of March 2022 in every §8.2 column, fees in each accepted spelling. The catalogue
# publishes P1 fully online, P2 partly, P3 not at all.
# code | agency | procedure | received | due | resolved | status | channel | online level |
# paid online | fee | by post | digitised | sms | handler
CANONICAL = table(
    """
F1 | SA | P1 | 2022-03-01 | 2022-03-10 | 2022-03-05 | resolved | online | full    | 1    | 1.500.000 | 1     | 1    | 3     | Nguyễn Văn An
F2 | SA | P1 | 2022-03-02 | 2022-03-05 | 2022-03-08 | resolved | direct |         | 0    | 150.000   | 0     | 1    | 2     | Nguyễn Văn An
F3 | SA | P2 | 2022-03-03 | 2022-03-20 |            | pending  | online | partial | true | 50000     | false | 0    | 1     |
F4 | C1 | P3 | 04/03/2022 |            | 04/03/2022 | resolved | postal |         | 0    |           | 0     | TRUE | 0     | Trần Thị Bình
F5 | C1 | P3 | 2022-03-05 | 2022-03-06 | 2022-03-05 | returned | direct |         | 0    | 1 500 000 | 1     | 0    | 1.200 |
F6 | SA |    | 2022-03-06 |            |            | pending  | direct |         |      | 1500000.0 |       |      |       |
"""
)  # F1 early, F2 late, F3 pending (overdue at the year's end), F4 on time (no due date), F5 returned
# The same dossiers as the Vietnamese one-stop-shop software writes them.
VENDOR = table(
    """
F1 | SA | P1 | 01/03/2022 | 10/03/2022 | 05/03/2022 | Đã giải quyết   | Trực tuyến | Toàn trình | Có    | 1.500.000 | x     | Có | 3     | Nguyễn Văn An
F2 | SA | P1 | 02/03/2022 | 05/03/2022 | 08/03/2022 | Đã trả kết quả  | Trực tiếp  |            | Không | 150.000   |       | 1  | 2     | Nguyễn Văn An
F3 | SA | P2 | 03/03/2022 | 20/03/2022 |            | Đang giải quyết | Trực tuyến | Một phần   | x     | 50000     | không | 0  | 1     |
F4 | C1 | P3 | 04/03/2022 |            | 04/03/2022 | Đã giải quyết   | Bưu chính  |            | 0     |           | Không | CÓ | 0     | Trần Thị Bình
F5 | C1 | P3 | 05/03/2022 | 06/03/2022 | 05/03/2022 | Trả lại         | Trực tiếp  |            |       | 1 500 000 | Có    |    | 1.200 |
F6 | SA |    | 06/03/2022 |            |            | Đang giải quyết | Trực tiếp  |            |       | 1500000.0 |       |    |       |
"""
)
AMOUNTS = {"F1": 1_500_000, "F2": 150_000, "F3": 50_000, "F5": 1_500_000, "F6": 1_500_000}


def write_file(tmp_path: Path, profile: str, fmt: str) -> Path:
    """The six dossiers in the profile's header and spelling; in a workbook, plain amounts and counts
    are number cells (1500000 as an integer, 1500000.0 as a float)."""
    headers = [PROFILES[profile].header_for(c) for c in COLUMNS]
    rows = [list(r) for r in (CANONICAL if profile == "canonical" else VENDOR)]
    if fmt == "csv":
        return write_csv(tmp_path / "all.csv", rows, headers)
    fee, sms = COLUMNS.index("fee_amount"), COLUMNS.index("sms_count")
    for row in rows:
        for i in (fee, sms):
            if row[i].isdigit():
                row[i] = int(row[i])
            elif row[i].endswith(".0"):
                row[i] = float(row[i])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "all.xlsx"
    book.save(path)
    return path


def march(**kwargs: Any) -> Any:
    return total(date(2022, 3, 1), date(2022, 12, 31), user=SYSTEM, **kwargs)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("profile", ["canonical", "mot-cua-vi"])
def test_every_column_as_a_vendor_writes_it_reaches_the_aggregates(tmp_path: Path, profile: str, fmt: str) -> None:
    summary = import_dossiers_file(write_file(tmp_path, profile, fmt), profile=profile)
    assert (summary.created, summary.problems) == (6, [])
    result = march()
    assert result.fee_amount == sum(AMOUNTS.values()) == 4_700_000
    # with a fee: a fee amount or an online payment (F4 has neither); paid online: F1 and F3
    assert (result.with_fee, result.paid_online) == (5, 2)
    # by post: the result sent by post (F1, F5) or the dossier came by post (F4)
    assert (result.postal, result.digitized, result.sms) == (3, 3, 3 + 2 + 1 + 0 + 1_200 + 0)
    # online: F1, F3; of procedures published online: those two and F2 (P1)
    assert (result.received, result.online, result.online_eligible) == (6, 2, 3)
    assert (result.early, result.on_time, result.late, result.returned, result.resolved) == (1, 1, 1, 1, 3)
    assert (result.pending, result.pending_overdue, result.pending_in_time) == (2, 1, 1)
    per_agency = {a: m for a, *m in MonthlyCount.objects.values_list("agency__code", "fee_amount", "sms", "postal")}
    assert per_agency == {"SA": [3_200_000, 6, 1], "C1": [1_500_000, 1_200, 2]}
    officers = {
        r["handler"]: (r["resolved"], r["late"])
        for r in handler_late_rates(date(2022, 3, 1), date(2022, 3, 31), user=SYSTEM)
    }
    assert officers == {"Nguyễn Văn An": (2, 1), "Trần Thị Bình": (1, 0)}
    assert HandlerMonthlyCount.objects.count() == 2


def test_the_qd_766_parts_from_real_fees_payments_and_digitisation(tmp_path: Path, province: Any) -> None:
    """Digitisation 22 × 3 ÷ 6 = 11,00; online payment 10 × 2 ÷ 5 = 4,00; progress 20 × 2 ÷ 3 = 13,33;
    online service 12 × 2 ÷ 3 = 8,00 (the parts the dossier records give)."""
    import_dossiers_file(write_file(tmp_path, "canonical", "csv"))
    points = {p.name: p.points for p in service_index(march()) if p.computable}
    assert points == {
        "Tiến độ giải quyết": Decimal("13.33"),
        "Dịch vụ trực tuyến": Decimal("8.00"),
        "Số hóa hồ sơ": Decimal("11.00"),
        "Thanh toán trực tuyến": Decimal("4.00"),
    }
    # One agency: SA digitised F1 and F2 of its four, and its fees were paid online for F1 and F3 of four.
    sa = {p.name: p.points for p in service_index(march(agencies=[province.dept_a.pk])) if p.computable}
    assert (sa["Số hóa hồ sơ"], sa["Thanh toán trực tuyến"]) == (Decimal("11.00"), Decimal("5.00"))


def test_the_command_reports_the_fees_payments_and_digitisation(tmp_path: Path) -> None:
    import_dossiers_file(write_file(tmp_path, "mot-cua-vi", "xlsx"), profile="mot-cua-vi")
    out = io.StringIO()
    call_command("dossier_stats", "--from", "2022-03-01", "--to", "2022-03-31", "--format", "json", stdout=out)
    (group,) = json.loads(out.getvalue())["groups"]
    assert (group["fee_amount"], group["paid_online"], group["digitized"], group["sms"]) == (4_700_000, 2, 3, 1_206)
    assert group["digitized_rate"] == {"value": 0.5, "text": "50,00%"}
    assert group["sms_per_dossier"] == {"value": 201.0, "text": "201,00"}


def one_row(**cells: str) -> list[str]:
    row = dict(zip(COLUMNS, CANONICAL[0], strict=True))
    row.update(cells)
    return [row[c] for c in COLUMNS]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("fee_amount", "150,000", "“150,000” không rõ nghĩa"),
        ("fee_amount", "1,500,000", "hãy viết 1500000 hoặc 1.500.000"),
        ("fee_amount", "1,5", "hãy viết 1500000 hoặc 1.500.000"),
        ("fee_amount", "1.50", "“1.50” không phải số nguyên"),
        ("fee_amount", "1.5000.000", "“1.5000.000” không phải số nguyên"),
        ("fee_amount", "1.500.000,50", "không có phần thập phân"),
        ("fee_amount", "150.0000", "không phải số nguyên"),
        ("fee_amount", "-50000", "“-50000” là số âm"),
        ("fee_amount", "50.000 đ", "không phải số nguyên"),
        ("sms_count", "2.5", "hãy viết 1200 hoặc 1.200"),
        ("sms_count", "1e3", "“1e3” không phải số nguyên"),
        (
            "paid_online",
            "2",
            "“2” không phải giá trị có/không (hãy viết 1, true là có; 0, false hoặc để trống là không)",
        ),
        ("digitized", "Có", "“Có” không phải giá trị có/không"),
        ("result_by_post", "yes", "“yes” không phải giá trị có/không"),
    ],
)
def test_an_ambiguous_or_malformed_amount_or_flag_refuses_the_file(
    tmp_path: Path, province: Any, column: str, value: str, message: str
) -> None:
    rows = [one_row(dossier_code="G1"), one_row(dossier_code="G2", **{column: value})]
    with pytest.raises(InputError) as error:
        import_dossiers_file(write_csv(tmp_path / "d.csv", rows, list(COLUMNS)))
    assert (error.value.row, error.value.field) == (3, column)
    assert error.value.one_line().startswith(f"Dòng 3, cột “{column}”: ")
    assert message in error.value.one_line(), error.value.one_line()
    assert not MonthlyCount.objects.exists()


def test_the_vietnamese_profile_names_the_flags_it_accepts(tmp_path: Path, province: Any) -> None:
    headers = [PROFILES["mot-cua-vi"].header_for(c) for c in COLUMNS]
    rows = [list(VENDOR[0]), list(VENDOR[1])]
    rows[1][COLUMNS.index("digitized")] = "Chưa"
    with pytest.raises(InputError) as error:
        import_dossiers_file(write_csv(tmp_path / "d.csv", rows, headers), profile="mot-cua-vi")
    assert error.value.one_line() == (
        "Dòng 3, cột “Đã số hóa”: “Chưa” không phải giá trị có/không "
        "(hãy viết Có, x, 1 là có; Không, 0 hoặc để trống là không); không có dữ liệu nào được nhập"
    )
    # "true" is the canonical profile's spelling, not this vendor's.
    rows[1][COLUMNS.index("digitized")] = "true"
    with pytest.raises(InputError, match="Đã số hóa"):
        import_dossiers_file(write_csv(tmp_path / "d.csv", rows, headers), profile="mot-cua-vi")
    assert not MonthlyCount.objects.exists()


def test_a_workbook_amount_with_a_fraction_is_refused_with_its_row(tmp_path: Path, province: Any) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    sheet.append(one_row(dossier_code="W1"))
    sheet.append(
        [1_500_000.5 if c == "fee_amount" else v for c, v in zip(COLUMNS, one_row(dossier_code="W2"), strict=True)]
    )
    book.save(tmp_path / "w.xlsx")
    with pytest.raises(InputError) as error:
        import_dossiers_file(tmp_path / "w.xlsx")
    assert (error.value.row, error.value.field) == (3, "fee_amount") and "1500000.5" in error.value.one_line()


def test_a_thousands_dot_after_many_plain_amounts_is_not_read_as_a_decimal(tmp_path: Path, province: Any) -> None:
    """DuckDB's sniffer calls a column of plain digits an integer, and its integer reader then takes
    "150.000" for 150 and "5.5" for 6: amounts and flags are always read as text."""
    header = [*HEADER, "paid_online", "fee_amount", "sms_count"]
    rows = [[f"N{i}", "SA", "P1", "2022-03-01", "", "", "pending", "direct", "0", "150000", "1"] for i in range(25_000)]
    rows.append(["DOT", "SA", "P1", "2022-03-01", "", "", "pending", "direct", "1", "150.000", "1.000"])
    import_dossiers_file(write_csv(tmp_path / "a.csv", rows, header))
    result = march()
    assert (result.fee_amount, result.sms, result.paid_online) == (25_001 * 150_000, 25_000 + 1_000, 1)
    rows.append(["HALF", "SA", "P1", "2022-03-01", "", "", "pending", "direct", "0", "150000", "5.5"])
    rows.append(["FLAG", "SA", "P1", "2022-03-01", "", "", "pending", "direct", "0.6", "150000", "1"])
    with pytest.raises(InputError) as error:
        import_dossiers_file(write_csv(tmp_path / "b.csv", rows, header))
    assert (error.value.row, error.value.field) == (25_003, "sms_count")
    assert "và 1 dòng lỗi khác" in error.value.one_line()
    assert march().fee_amount == 25_001 * 150_000  # nothing of the refused file


def test_a_column_of_grouped_amounts_only_is_not_read_as_decimals(tmp_path: Path, province: Any) -> None:
    """A column holding only "150.000" looks like decimals to DuckDB's sniffer: still 150.000 đồng each."""
    header = [*HEADER, "fee_amount"]
    rows = [[f"D{i}", "SA", "P1", "2022-03-01", "", "", "pending", "direct", "150.000"] for i in range(50)]
    import_dossiers_file(write_csv(tmp_path / "a.csv", rows, header))
    assert march().fee_amount == 50 * 150_000
