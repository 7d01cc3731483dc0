"""The appendices of the periodic reports: Phụ lục 2 (dossier results by block and agency), Phụ lục 1 (task
results by PAR area, from the plans' task statistics), for the DOCX and as XLSX (DESIGN §5.8); Phụ lục 1 alone
is also the plans page's download (``appendix1_xlsx``).

One function (``appendix2_rows``) lays out the rows with their figures; the DOCX context takes them as
Vietnamese strings (``appendix2_context``), the workbook as numbers with Vietnamese number formats
(``appendix2_xlsx``), so the two show the same figures.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cchc.agencies.models import Agency
from cchc.core.formatting import format_number, format_percent
from cchc.dossiers.stats import Indicators, group_key

APPENDIX2_TITLE = "KẾT QUẢ GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH"
APPENDIX1_TITLE = "KẾT QUẢ THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH THEO LĨNH VỰC"
COUNT_COLUMNS = ("received", "carried_over", "resolved", "early", "on_time", "late", "pending", "pending_overdue")
RATE_COLUMNS = ("on_time_rate", "late_rate", "online_rate")
# The header as the workbook writes it: two rows, the groups above their columns (seed 003's Phụ lục 2).
HEADER_GROUPS = [
    ("TT", 1),
    ("Cơ quan, đơn vị", 1),
    ("Số hồ sơ tiếp nhận", 2),
    ("Số hồ sơ đã giải quyết", 4),
    ("Số hồ sơ đang giải quyết", 2),
    ("Tỉ lệ (%)", 3),
]
HEADER = [
    "TT",
    "Cơ quan, đơn vị",
    "Tiếp nhận mới",
    "Kỳ trước chuyển qua",
    "Tổng số",
    "Sớm hạn",
    "Đúng hạn",
    "Trễ hạn",
    "Tổng số",
    "Quá hạn",
    "Giải quyết đúng hạn",
    "Hồ sơ trễ hạn",
    "Hồ sơ trực tuyến",
]
# Vietnamese number formats (LCID 042A): "1.425", "97,87%" whatever the reader's spreadsheet locale.
COUNT_FORMAT = "[$-42A]#,##0"
RATE_FORMAT = "[$-42A]0.00%"
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV")


def roman(n: int) -> str:
    return ROMAN[n - 1] if n <= len(ROMAN) else str(n)


@dataclass
class Row:
    """A row of Phụ lục 2: an agency, or a block's subtotal (``bold``), or the province's total."""

    number: str
    name: str
    figures: Indicators
    bold: bool = False

    def counts(self) -> list[int]:
        return [self.figures.counts[k] for k in COUNT_COLUMNS]

    def rates(self) -> list[Decimal | None]:
        return [self.figures.rate(k) for k in RATE_COLUMNS]


def appendix2_rows(agencies: Iterable[Indicators], year: int, *, codes: dict[str, Agency] | None = None) -> list[Row]:
    """Rows by block (subtotal in bold, numbered I, II, …), each block's agencies under it (1, 2, …), the
    total last. ``agencies`` are ``stats.indicators(…, by="agency")`` groups (key: agency code); a block
    subtotal sums its agencies' counts, so it equals ``stats.indicators(…, by="block")``."""
    groups = list(agencies)
    chosen = codes or {a.code: a for a in Agency.objects.filter(code__in=[g.key for g in groups]).only("pk", "code")}
    block_of: Callable[[Agency], tuple[str, str]] = group_key("block", year)
    blocks: dict[tuple[str, str], list[Indicators]] = {}
    for group in groups:
        agency = chosen.get(group.key)
        key = block_of(agency) if agency is not None else ("", "Các cơ quan, đơn vị khác")
        blocks.setdefault(key, []).append(group)
    rows: list[Row] = []
    grand = Indicators("all", "Tổng cộng")
    for n, ((code, name), members) in enumerate(sorted(blocks.items(), key=lambda b: (b[0][0] == "", b[0])), 1):
        subtotal = Indicators(code, name)
        for member in members:
            subtotal.add(member.counts)
        grand.add(subtotal.counts)
        rows.append(Row(roman(n), f"Khối {name}" if not name.lower().startswith("khối") else name, subtotal, True))
        members.sort(key=lambda g: g.name)
        rows.extend(Row(str(i), g.name, g) for i, g in enumerate(members, 1))
    if rows:
        rows.append(Row("", "Tổng cộng", grand, True))
    return rows


def row_texts(row: Row) -> dict[str, Any]:
    """One row as the DOCX context writes it: every figure a Vietnamese string."""
    data: dict[str, Any] = {"number": row.number, "name": row.name, "bold": row.bold}
    data.update({k: format_number(v) for k, v in zip(COUNT_COLUMNS, row.counts(), strict=True)})
    data.update({k: format_percent(v, lang="vi") for k, v in zip(RATE_COLUMNS, row.rates(), strict=True)})
    return data


def appendix2_context(rows: list[Row]) -> dict[str, Any]:
    return {"title": APPENDIX2_TITLE, "rows": [row_texts(r) for r in rows]}


APPENDIX1_COUNTS = ("assigned", "done", "done_on_time", "done_late", "open", "open_overdue", "open_in_time")
APPENDIX1_HEADER = [
    "TT",
    "Lĩnh vực",
    "Số nhiệm vụ được giao",
    "Đã hoàn thành",
    "Đúng hạn",
    "Trễ hạn",
    "Chưa hoàn thành",
    "Quá hạn",
    "Trong hạn",
    "Tỉ lệ hoàn thành đúng hạn",
]


def appendix1_context(groups: Iterable[Any]) -> dict[str, Any] | None:
    """Phụ lục 1 for the DOCX: one row per PAR area (``cchc.plans.stats.task_stats(by="area")``), as texts;
    None when no task is assigned (the appendix is left out)."""
    groups = list(groups)
    if not any(g.assigned for g in groups):
        return None
    rows = [
        {
            "name": g.name,
            **{n: format_number(getattr(g, n)) for n in APPENDIX1_COUNTS},
            "on_time_rate": g.on_time_rate_text,
        }
        for g in groups
    ]
    return {"title": APPENDIX1_TITLE, "rows": rows}


def _appendix1_sheet(book: Any, groups: list[Any], subtitle: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side

    sheet = book.create_sheet("Phụ lục 1", 0)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = {"name": "Times New Roman", "size": 12}
    for line, text in enumerate(("Phụ lục 1", APPENDIX1_TITLE, subtitle), 1):
        sheet.cell(line, 1, text).font = Font(**font, bold=line < 3, italic=line == 3)
        sheet.merge_cells(start_row=line, start_column=1, end_row=line, end_column=len(APPENDIX1_HEADER))
        sheet.cell(line, 1).alignment = Alignment(horizontal="center")
    for i, text in enumerate(APPENDIX1_HEADER, 1):
        cell = sheet.cell(5, i, text)
        cell.font, cell.border = Font(**font, bold=True), border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for offset, g in enumerate(groups, 6):
        rate = g.on_time_rate
        values = [offset - 5, g.name, *(getattr(g, n) for n in APPENDIX1_COUNTS), "—" if rate is None else float(rate)]
        for i, value in enumerate(values, 1):
            cell = sheet.cell(offset, i, value)
            cell.font, cell.border = Font(**font), border
            if 3 <= i <= 2 + len(APPENDIX1_COUNTS):
                cell.number_format = COUNT_FORMAT
            elif i == len(values) and rate is not None:
                cell.number_format = RATE_FORMAT
    from openpyxl.utils import get_column_letter

    for i, width in enumerate((6, 50, *[12] * (len(APPENDIX1_HEADER) - 2)), 1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.row_dimensions[5].height = 48  # the headers wrap on up to three lines ("Số nhiệm vụ được giao")
    sheet.freeze_panes = sheet.cell(6, 3)
    # Printed, the table fits the width of a landscape A4 page and repeats its header on each page.
    sheet.print_options.horizontalCentered = True
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.print_title_rows = "5:5"


def appendix1_xlsx(groups: Iterable[Any], subtitle: str = "") -> bytes:
    """Phụ lục 1 alone as a workbook (the plans page's download): the sheet the reports' workbook holds,
    from the groups of ``task_stats(by="area")``."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    _appendix1_sheet(book, list(groups), subtitle)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def appendix2_xlsx(rows: list[Row], subtitle: str = "", tasks: list[Any] | None = None) -> bytes:
    """Phụ lục 2 as a workbook: title, two header rows, one row per agency and block, numbers as numbers with
    thousands and two-decimal percentage formats, block subtotals in bold; Phụ lục 1 (``tasks``: the groups
    of ``task_stats(by="area")``) on a sheet before it when tasks are assigned."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Phụ lục 2"
    if tasks and any(g.assigned for g in tasks):
        _appendix1_sheet(book, tasks, subtitle)
    width = len(HEADER)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    font = {"name": "Times New Roman", "size": 12}
    for line, text in enumerate(("Phụ lục 2", APPENDIX2_TITLE, subtitle), 1):
        sheet.cell(line, 1, text).font = Font(**font, bold=line < 3, italic=line == 3)
        sheet.cell(line, 1).alignment = Alignment(horizontal="center")
        sheet.merge_cells(start_row=line, start_column=1, end_row=line, end_column=width)
    top, below = 5, 6
    column = 1
    for text, span in HEADER_GROUPS:
        sheet.cell(top, column, text)
        if span > 1:
            sheet.merge_cells(start_row=top, start_column=column, end_row=top, end_column=column + span - 1)
        else:
            sheet.merge_cells(start_row=top, start_column=column, end_row=below, end_column=column)
        column += span
    for i, text in enumerate(HEADER, 1):
        if sheet.cell(below, i).coordinate not in sheet.merged_cells:
            sheet.cell(below, i, text)
    for r in (top, below):
        for i in range(1, width + 1):
            cell = sheet.cell(r, i)
            cell.font, cell.alignment, cell.border = Font(**font, bold=True), centre, border
    for offset, row in enumerate(rows, below + 1):
        values: list[Any] = [
            row.number,
            row.name,
            *row.counts(),
            *(None if v is None else float(v) for v in row.rates()),
        ]
        for i, value in enumerate(values, 1):
            cell = sheet.cell(offset, i, "—" if value is None and i > 2 else value)
            cell.font, cell.border = Font(**font, bold=row.bold), border
            if 3 <= i <= 2 + len(COUNT_COLUMNS):
                cell.number_format = COUNT_FORMAT
            elif i > 2 + len(COUNT_COLUMNS) and value is not None:
                cell.number_format = RATE_FORMAT
            if i != 2:
                cell.alignment = Alignment(horizontal="center")
    sheet.freeze_panes = sheet.cell(below + 1, 3)
    for i, w in enumerate((6, 40, *[12] * (width - 2)), 1):
        sheet.column_dimensions[get_column_letter(i)].width = w
    sheet.print_options.horizontalCentered = True
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.row_dimensions[below].height = 48
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_texts(content: bytes) -> list[list[str]]:
    """The data rows of a Phụ lục 2 workbook as a person reads them in a Vietnamese spreadsheet (the tests
    compare them with the DOCX's)."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content))["Phụ lục 2"]
    result = []
    for row in sheet.iter_rows(min_row=7):
        texts = []
        for cell in row:
            value = cell.value
            if cell.number_format.endswith("%") and isinstance(value, int | float):
                texts.append(format_percent(value, lang="vi"))
            elif isinstance(value, int) and cell.number_format == COUNT_FORMAT:
                texts.append(format_number(value))
            else:
                texts.append("" if value is None else str(value))
        result.append(texts)
    return result
