"""Reading and writing the CSV and XLSX files users exchange with the system.

Readers yield ``(row_number, {column: text})`` where the row number is the one a person sees in a
spreadsheet (the header is row 1, or row 2 below a title). Problems raise ``InputError`` naming the
row and field.

Every export goes through ``write_rows`` with typed ``Column`` declarations: an XLSX gets a title
row (period and scope), the headers as the page labels them, number formats by kind, a frozen header
and a sheet named for its content; a CSV stays for machines (codes as headers, plain numbers). A
column of choices (``Column.choices``) holds the code in a CSV and its label in an XLSX. The readers
accept those labels as well as the codes (``choice_value`` for a column's values) and skip the title
row, so that a master list exported as XLSX can be edited and imported again.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from cchc.core.formatting import format_number, round_half_up

SUPPORTED = (".csv", ".xlsx")
Progress = Callable[[int, int], None]  # rows read, rows in the file


class Kind(StrEnum):
    """What a column holds, which decides its XLSX number format and its CSV value."""

    TEXT = "text"
    INTEGER = "integer"  # a count: 1.073.260 (Excel shows the separators of its locale)
    YEAR = "year"  # a year, a whole number without separators: 2026
    DECIMAL = "decimal"  # points: 12,50
    PERCENT = "percent"  # a fraction shown as 88,25% (the value stays 0.8825)
    RATIO = "ratio"  # a plain number with two decimals: 1,85 SMS per dossier
    MONEY = "money"  # whole đồng: 347.593.808.508
    DATE = "date"  # 14/03/2018


NUMBER_FORMATS = {
    Kind.INTEGER: "#,##0",
    Kind.YEAR: "0",
    Kind.DECIMAL: "#,##0.00",
    Kind.PERCENT: "0.00%",
    Kind.RATIO: "0.00",
    Kind.MONEY: "#,##0",
    Kind.DATE: "dd/mm/yyyy",
}
CSV_PLACES = 6  # a rate in a CSV: 0.015870, as `dossier_stats --format json` gives it (DESIGN §8.3)


@dataclass(frozen=True)
class Column:
    """One column of an export: ``key`` heads a CSV (and is what an import reads), ``label`` heads
    an XLSX as the page labels it (an import accepts it too), ``kind`` formats its values."""

    key: str
    label: str | Promise
    kind: Kind = Kind.TEXT
    width: int = 0  # characters; 0: from the label
    choices: Any = None  # a TextChoices: the code in a CSV, its label in an XLSX (``choice_value`` reads both)


def as_column(column: Column | str) -> Column:
    return column if isinstance(column, Column) else Column(column, column)


class InputError(ValueError):
    """Bad input: the one-line message names the row and the field (and the sheet, in a workbook of several)."""

    def __init__(self, message: str, row: int | None = None, field: str | None = None, sheet: str = "") -> None:
        self.row, self.field, self.detail, self.sheet = row, field, message, sheet
        super().__init__(self.one_line())

    def one_line(self) -> str:
        parts = []
        if self.sheet:
            parts.append(_("Sheet “%(sheet)s”") % {"sheet": self.sheet})
        if self.row is not None:
            row = _("row %(row)s") if self.sheet else _("Row %(row)s")
            parts.append(row % {"row": self.row})
        if self.field and self.field.startswith("--"):  # a command's option, not a column of the file
            parts.append(_("Option “%(option)s”") % {"option": self.field})
        elif self.field:
            parts.append(_("column “%(field)s”") % {"field": self.field})
        prefix = ", ".join(parts)
        return f"{prefix}: {self.detail}" if prefix else self.detail


def import_summary(created: int, updated: int, unchanged: int) -> str:
    """What an import did, counts written as the reports write numbers ("1.200 created, …" in Vietnamese)."""
    counts = {
        "created": format_number(created),
        "updated": format_number(updated),
        "unchanged": format_number(unchanged),
    }
    return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % counts


def file_format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise InputError(_("unsupported file type “%(suffix)s”: use CSV or XLSX") % {"suffix": suffix})
    return suffix[1:]


def read_rows(
    source: str | Path | IO[bytes],
    required: Sequence[str],
    optional: Sequence[str | Column] = (),
    name: str = "",
    progress: Progress | None = None,
    sheet: str = "",
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV (UTF-8, comma or semicolon) or XLSX file with the given columns.

    The header must hold every required column; unknown columns are refused so that a misspelt
    header is not silently ignored. A header cell may be a column's key or, for the ``Column``s of
    ``optional``, its label in any language of the interface (what ``write_rows`` writes); a first
    row with a single cell above the header is a title and is skipped. ``progress`` hears how far
    an XLSX sheet has been read. ``sheet`` names the XLSX sheet to read (default: the first).
    """
    name = name or str(getattr(source, "name", source))
    fmt = file_format(name)
    rows = _xlsx_rows(source, progress, sheet) if fmt == "xlsx" else _csv_rows(source)
    header_row, columns = _header(rows, required, optional)
    for number, values in enumerate(rows, start=header_row + 1):
        cells = [cell_text(v) for v in values]
        if not any(cells):
            continue
        yield number, {col: (cells[i] if i < len(cells) else "") for i, col in enumerate(columns) if col}


def _header(
    rows: Iterator[list[Any]], required: Sequence[str], optional: Sequence[str | Column]
) -> tuple[int, list[str]]:
    """(row number, column keys) of the header: row 1, or row 2 below a title (a row of one cell)."""
    keys = header_keys([*required, *optional])
    number, columns = 1, _header_cells(rows, keys, _("the file is empty"))
    if sum(1 for c in columns if c) == 1 and not set(required) <= set(columns):
        number, columns = 2, _header_cells(rows, keys, _("the file has a title but no header row"))
    check_header(columns, required, [as_column(c).key for c in optional], row=number)
    return number, columns


def _header_cells(rows: Iterator[list[Any]], keys: dict[str, str], if_none: str) -> list[str]:
    try:
        cells = [str(c or "").strip().lstrip("\ufeff") for c in next(rows)]
    except StopIteration:
        raise InputError(if_none) from None
    return [keys.get(c.casefold(), c) for c in cells]


def header_keys(columns: Sequence[str | Column]) -> dict[str, str]:
    """Header text (case-folded) → column key: each key, and each label in every interface language."""
    keys = {}
    for column in map(as_column, columns):
        keys[column.key.casefold()] = column.key
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                keys.setdefault(str(column.label).strip().casefold(), column.key)
    return keys


def choice_value(text: str, choices: Any) -> str | None:
    """The code of ``choices`` (a TextChoices) that ``text`` gives: the code itself, or its label in any
    interface language, whatever the case and spacing ("Hoàn thành", "done", "DONE"); None for neither."""
    return _choice_keys(choices).get(_folded(text))


@cache
def _choice_keys(choices: Any) -> dict[str, str]:
    keys = {_folded(value): value for value in choices.values}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for value, label in choices.choices:
                keys.setdefault(_folded(str(label)), value)
    return keys


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text)).split()).casefold()


def check_header(columns: Sequence[str], required: Sequence[str], optional: Sequence[str] = (), row: int = 1) -> None:
    """The header must hold every required column and nothing unknown (a misspelt column is refused)."""
    missing = [c for c in required if c not in columns]
    if missing:
        raise InputError(_("missing column(s): %(cols)s") % {"cols": ", ".join(missing)}, row=row)
    unknown = [c for c in columns if c and c not in required and c not in optional]
    if unknown:
        raise InputError(_("unknown column(s): %(cols)s") % {"cols": ", ".join(unknown)}, row=row)


def cell_text(value: Any) -> str:
    """A cell as the text an import reads (a date as yyyy-mm-dd, 12.0 as "12")."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _open_binary(source: str | Path | IO[bytes]) -> IO[bytes]:
    return open(source, "rb") if isinstance(source, str | Path) else source


def _csv_rows(source: str | Path | IO[bytes]) -> Iterator[list[Any]]:
    stream = _open_binary(source)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        first = text.readline()
        delimiter = ";" if first.count(";") > first.count(",") else ","
        yield from csv.reader(io.StringIO(first), delimiter=delimiter)
        yield from csv.reader(text, delimiter=delimiter)
    except UnicodeDecodeError:
        raise InputError(_("the file is not UTF-8 text; save it as “CSV UTF-8”")) from None
    finally:
        text.detach()
        if isinstance(source, str | Path):
            stream.close()


def _open_workbook(source: str | Path | IO[bytes]) -> Any:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        if isinstance(source, str | Path):
            return CalamineWorkbook.from_path(str(source))
        return CalamineWorkbook.from_filelike(source)
    except (CalamineError, OSError, ValueError) as exc:
        raise InputError(_("the file is not a readable XLSX workbook (%(error)s)") % {"error": exc}) from None


def xlsx_sheet_names(source: str | Path | IO[bytes]) -> list[str]:
    """The names of a workbook's sheets, in their order."""
    book = _open_workbook(source)
    try:
        return list(book.sheet_names)
    finally:
        book.close()


def _xlsx_rows(source: str | Path | IO[bytes], progress: Progress | None = None, name: str = "") -> Iterator[list[Any]]:
    """A sheet's rows (the first, or the one named ``name``) from row 1 and column A, as openpyxl numbers
    them, read by calamine (Rust; about 14× faster than openpyxl's read-only mode: 1.2 s against 15.6 s
    for 100,000 rows). ``progress`` hears (rows read, rows in the sheet) every 10,000 rows."""
    from python_calamine import CalamineError

    book = _open_workbook(source)
    try:
        sheet = book.get_sheet_by_name(name) if name else book.get_sheet_by_index(0)
    except (CalamineError, OSError, ValueError) as exc:
        book.close()
        raise InputError(_("the file is not a readable XLSX workbook (%(error)s)") % {"error": exc}) from None
    try:
        # calamine starts each row at the first used column; a sheet starting at B keeps its A empty.
        lead = [""] * sheet.start[1] if sheet.start else []
        total = sheet.start[0] + sheet.height if sheet.start else 0  # the rows iter_rows yields
        for number, values in enumerate(sheet.iter_rows(), start=1):
            if progress is not None and number % 10_000 == 0:
                progress(number, total)
            yield [*lead, *values]
        if progress is not None:
            progress(total, total)
    finally:
        book.close()


def write_rows(
    columns: Sequence[Column | str],
    rows: Iterable[Sequence[Any]],
    fmt: str,
    title: str = "",
    sheet: str = "",
) -> bytes:
    """The bytes of an export, every export's one writer.

    CSV, for machines: UTF-8 with BOM (so that Excel reads Vietnamese), the column keys as header,
    plain numbers (rates as fractions with six decimals, money in whole đồng), no title.
    XLSX, for people: ``title`` (its period and scope) on row 1, the labels on the next row, number
    formats by column kind, the header frozen, the sheet named ``sheet`` (default: the title).
    """
    declared = [as_column(c) for c in columns]
    if fmt == "csv":
        return _csv_bytes(declared, rows)
    if fmt == "xlsx":
        return _xlsx_bytes(declared, rows, title, sheet or title)
    raise InputError(_("unsupported export format “%(fmt)s”") % {"fmt": fmt})


def _csv_bytes(columns: list[Column], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.key for c in columns])
    writer.writerows([_csv_value(v, c.kind) for v, c in zip(row, columns, strict=True)] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_value(value: Any, kind: Kind) -> Any:
    if value is None:
        return ""
    if kind in (Kind.PERCENT, Kind.RATIO):
        return round(float(value), CSV_PLACES)
    if kind == Kind.MONEY:
        return int(round_half_up(value, 0))
    return value


def _xlsx_bytes(columns: list[Column], rows: Iterable[Sequence[Any]], title: str, sheet: str) -> bytes:
    return write_sheets([(sheet, columns, rows)], title)


def write_sheets(
    sheets: Sequence[tuple[str, Sequence[Column | str], Iterable[Sequence[Any]]]], title: str = ""
) -> bytes:
    """An XLSX workbook of several sheets ``(name, columns, rows)``, each laid out as ``write_rows`` lays
    out its one (a definition in several tables: a report form's sections, fields and rules)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, columns, rows in sheets:
        _xlsx_sheet(book, [as_column(c) for c in columns], rows, title, name)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_sheet(book: Any, columns: list[Column], rows: Iterable[Sequence[Any]], title: str, sheet: str) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    worksheet = book.create_sheet(sheet_name(sheet))
    header_row = 2 if title else 1
    worksheet.freeze_panes = f"A{header_row + 1}"  # the header stays in view while scrolling
    # Printed, the table fits the width of a landscape A4 page and repeats its header on each page,
    # instead of spreading its columns over pages of their own.
    worksheet.page_setup.orientation = "landscape"
    worksheet.page_setup.paperSize = "9"  # A4
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.page_setup.fitToWidth, worksheet.page_setup.fitToHeight = 1, 0
    worksheet.print_title_rows = f"{header_row}:{header_row}"
    for i, column in enumerate(columns, start=1):
        worksheet.column_dimensions[get_column_letter(i)].width = column.width or max(10, len(str(column.label)) + 2)
    if title:
        cell = WriteOnlyCell(worksheet, value=title)
        cell.font = Font(bold=True, size=13)
        worksheet.append([cell])
    bold = Font(bold=True)
    worksheet.append([_styled(WriteOnlyCell(worksheet, value=str(c.label)), font=bold) for c in columns])
    # One cell per formatted column, refilled for each row: a write-only sheet writes a row out as it
    # is appended, and a new styled cell per value made the export of 3,500 rows × 30 columns 4× slower.
    formatted = [
        _styled(WriteOnlyCell(worksheet), number_format=NUMBER_FORMATS[c.kind]) if c.kind in NUMBER_FORMATS else None
        for c in columns
    ]
    labels = [{value: str(label) for value, label in c.choices.choices} if c.choices else None for c in columns]
    for row in rows:
        worksheet.append(
            [
                (named.get(v, v) if named else v) if cell is None else _styled(cell, value=_xlsx_value(v, c.kind))
                for v, c, cell, named in zip(row, columns, formatted, labels, strict=True)
            ]
        )


def _styled(cell: Any, **style: Any) -> Any:
    for name, value in style.items():
        setattr(cell, name, value)
    return cell


def _xlsx_value(value: Any, kind: Kind) -> Any:
    if value is None or value == "":
        return None
    if kind == Kind.MONEY:
        return int(round_half_up(value, 0))
    if kind in (Kind.PERCENT, Kind.RATIO) and isinstance(value, Decimal):
        return float(value)
    return value


def sheet_name(text: str) -> str:
    """A name Excel accepts: at most 31 characters, none of []:*?/\\ ("data" when nothing is left)."""
    return re.sub(r"[\[\]:*?/\\]", "-", text).strip()[:31].strip() or "data"


def parse_date(text: str, row: int | None, field: str) -> date | None:
    """ISO 8601 (2025-07-01) or dd/mm/yyyy (01/07/2025); empty → None."""
    text = text.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise InputError(_("“%(value)s” is not a date (use yyyy-mm-dd or dd/mm/yyyy)") % {"value": text}, row, field)
