"""Write the shipped templates: ``python -m cchc.documents.build_defaults`` (then commit the .docx files).

The layout of Nghị định 30/2020/NĐ-CP is written here with python-docx, and the docxtpl (Jinja) tags
as plain text, so that a person opening a template in Word or LibreOffice sees the wording around
the tags and may edit it. ``{%p … %}`` and ``{%tr … %}`` tags sit in paragraphs and table rows of
their own, which docxtpl removes when rendering. Running the script again gives the same files but
for the time stamps inside the package.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.table import Table

from cchc.documents.layout import (
    BODY_SIZE,
    CENTER,
    LEFT,
    MARGINS,
    PAGE,
    borders,
    cell_text,
    empty_cell,
    font,
    grid,
    para,
    row_properties,
    tag,
    widths,
)

RANKING_HEADER = ["TT", "Cơ quan, đơn vị", "Điểm", "Chỉ số", "Xếp hạng", "So với năm trước", "Ghi chú"]
RANKING_FIELDS = ["rank", "name", "points", "index", "band", "change", "note"]
RANKING_WIDTHS = [11, 48, 16, 18, 22, 25, 25]


def new_document() -> DocumentObject:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = PAGE
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = MARGINS
    font(document.styles["Normal"], BODY_SIZE)
    document.core_properties.author = "CCHC"
    document.core_properties.title = "Mẫu báo cáo"
    return document


def heading(document: DocumentObject) -> None:
    """The two-column heading: issuing authority and number left, national motto and date right."""
    table = document.add_table(rows=1, cols=2)
    borders(table, "nil")
    widths(table, [62, 103])
    row_properties(table.rows[0])
    left, right = empty_cell(table, 0, 0), empty_cell(table, 0, 1)
    tag(left, "{%p for line in authority_lines %}")
    para(left, "{{ line }}", 13, bold=True, align=CENTER, after=0)
    tag(left, "{%p endfor %}")
    para(left, "───────", 13, align=CENTER, after=6)
    para(left, "Số: {{ number }}", 13, align=CENTER, after=0)
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 13, bold=True, align=CENTER, after=0)
    para(right, "Độc lập - Tự do - Hạnh phúc", 14, bold=True, align=CENTER, after=0)
    para(right, "───────────────", 13, align=CENTER, after=6)
    para(right, "{{ place_date }}", 14, italic=True, align=CENTER, after=0)


def title(document: DocumentObject) -> None:
    para(document, "", after=6)
    para(document, "{{ title }}", bold=True, align=CENTER, after=0)
    para(document, "{{ subtitle }}", bold=True, align=CENTER, after=0)
    tag(document, "{%p if preliminary %}")
    para(document, "{{ preliminary }}", bold=True, align=CENTER, after=0)
    tag(document, "{%p endif %}")
    para(document, "───────", align=CENTER, after=12)
    para(document, "{{ intro }}", indent=True)


def paragraphs(document: DocumentObject, items: str) -> None:
    """Each string of the list ``items`` as an indented body paragraph."""
    tag(document, f"{{%p for paragraph in {items} %}}")
    para(document, "{{ paragraph }}", indent=True)
    tag(document, "{%p endfor %}")


def tables(document: DocumentObject, items: str) -> None:
    """Each table of the list ``items`` built by the engine's ``table`` helper (a docxtpl Subdoc)."""
    tag(document, f"{{%p for t in {items} %}}")
    tag(document, "{{p table(t) }}")
    tag(document, "{%p endfor %}")


def closing(document: DocumentObject) -> None:
    """The closing sentence, then "Nơi nhận" left and the signature block right."""
    para(document, "{{ closing }}", indent=True, after=12).paragraph_format.keep_with_next = True
    table = document.add_table(rows=1, cols=2)
    borders(table, "nil")
    widths(table, [80, 85])
    row_properties(table.rows[0])  # the signature block stays on one page
    left, right = empty_cell(table, 0, 0), empty_cell(table, 0, 1)
    para(left, "Nơi nhận:", 12, bold=True, italic=True, align=LEFT, after=0)
    tag(left, "{%p for line in recipients %}")
    para(left, "- {{ line }}", 11, align=LEFT, after=0)
    tag(left, "{%p endfor %}")
    tag(right, "{%p for line in signer_lines %}")
    para(right, "{{ line }}", 13, bold=True, align=CENTER, after=0)
    tag(right, "{%p endfor %}")
    para(right, "", 13, align=CENTER, after=60)
    para(right, "{{ signer_name }}", 14, bold=True, align=CENTER, after=0)


def loop_rows(table: Table, start: str, cells: Callable[[Table], None], end: str = "{%tr endfor %}") -> None:
    """A ``{%tr … %}`` row, the rows ``cells`` adds, and the closing ``{%tr … %}`` row."""
    tag_row(table, start)
    cells(table)
    tag_row(table, end)


def tag_row(table: Table, text: str) -> None:
    row = table.add_row()
    cell_text(row.cells[0], text)


def data_row(table: Table, values: list[str], *, bold: bool = False, left: tuple[int, ...] = (1,)) -> None:
    row = table.add_row()
    row_properties(row)
    for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
        cell_text(cell, text, bold=bold, align=LEFT if i in left else CENTER)


def ranking_template() -> DocumentObject:
    document = new_document()
    heading(document)
    title(document)
    para(document, "I. KẾT QUẢ XẾP HẠNG", bold=True, align=None)
    tag(document, "{%p if not blocks %}")
    para(document, "Chưa có bộ tiêu chí và kết quả Chỉ số CCHC năm {{ year }}.", indent=True)
    tag(document, "{%p endif %}")
    tag(document, "{%p for block in blocks %}")
    para(document, "{{ block.heading }}", bold=True, align=None)
    paragraphs(document, "block.paragraphs")
    table = grid(document, RANKING_HEADER, RANKING_WIDTHS)
    loop_rows(
        table,
        "{%tr for row in block.rows %}",
        lambda t: data_row(t, [f"{{{{ row.{name} }}}}" for name in RANKING_FIELDS]),
    )
    para(document, "", 6, after=6)
    tag(document, "{%p endfor %}")
    para(document, "II. ĐỀ XUẤT, KIẾN NGHỊ", bold=True, align=None)
    paragraphs(document, "proposals")
    closing(document)
    return document


def periodic_template() -> DocumentObject:
    document = new_document()
    heading(document)
    title(document)
    tag(document, "{%p for section in sections %}")
    para(document, "{{ section.heading }}", bold=True, align=None)
    paragraphs(document, "section.paragraphs")
    tables(document, "section.tables")
    tag(document, "{%p for part in section.parts %}")
    para(document, "{{ part.heading }}", bold=True, align=None)
    paragraphs(document, "part.paragraphs")
    tables(document, "part.tables")
    tag(document, "{%p endfor %}")
    tag(document, "{%p endfor %}")
    closing(document)
    # Each appendix is a landscape section of its own: the body's section ends before the first one
    # (when there is one), and each appendix ends its own; the engine drops the empty section left last.
    tag(document, "{%p if appendix1 or appendix2 %}")
    section_break(document, landscape=True)
    tag(document, "{%p endif %}")
    appendix1(document)
    appendix2(document)
    document.sections[-1].orientation = WD_ORIENT.PORTRAIT
    document.sections[-1].page_width, document.sections[-1].page_height = PAGE
    return document


def section_break(document: DocumentObject, *, landscape: bool) -> None:
    """End the section so far (its properties go into a paragraph of their own); the next one A4
    landscape or portrait, with the same margins."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    width, height = PAGE
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)


def appendix_heading(document: DocumentObject, number: int, name: str) -> None:
    tag(document, f"{{%p if {name} %}}")
    para(document, f"PHỤ LỤC {number}", bold=True, align=CENTER, after=0)
    para(document, f"{{{{ {name}.title }}}}", bold=True, align=CENTER, after=0)
    para(document, "(Kèm theo Báo cáo số {{ number }})", 13, italic=True, align=CENTER, after=12)


def two_row_header(table: Table, groups: list[tuple[str, list[str]]], size: float) -> None:
    """Two header rows (both repeated on each page): a group's title over its columns, merged; a column
    without a group spans both rows."""
    top, bottom = table.rows[0], table.add_row()
    row_properties(bottom, header=True)
    column = 0
    for group, columns in groups:
        if not columns:
            merged = top.cells[column].merge(bottom.cells[column])
            cell_text(merged, group, size, bold=True)
            column += 1
            continue
        cell = top.cells[column].merge(top.cells[column + len(columns) - 1]) if len(columns) > 1 else top.cells[column]
        cell_text(cell, group, size, bold=True)
        for offset, name in enumerate(columns):
            cell_text(bottom.cells[column + offset], name, size, bold=True)
        column += len(columns)


APPENDIX1_FIELDS = [
    "name",
    "assigned",
    "done",
    "done_on_time",
    "done_late",
    "open",
    "open_overdue",
    "open_in_time",
    "on_time_rate",
]
APPENDIX2_FIELDS = [
    "number",
    "name",
    "received",
    "carried_over",
    "resolved",
    "early",
    "on_time",
    "late",
    "pending",
    "pending_overdue",
    "on_time_rate",
    "late_rate",
    "online_rate",
]
APPENDIX_SIZE = 11


def appendix_table(document: DocumentObject, millimetres: list[float]) -> Table:
    table = document.add_table(rows=1, cols=len(millimetres))
    borders(table)
    row_properties(table.rows[0], header=True)
    widths(table, millimetres)
    return table


def appendix_row(table: Table, values: list[str], *, bold: bool = False) -> None:
    row = table.add_row()
    row_properties(row)
    for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
        cell_text(cell, text, APPENDIX_SIZE, bold=bold, align=LEFT if i == 1 else CENTER)


def appendix1(document: DocumentObject) -> None:
    """Phụ lục 1: task results by PAR area."""
    appendix_heading(document, 1, "appendix1")
    table = appendix_table(document, [12, 68, 24, 21, 21, 21, 21, 21, 21, 22])
    two_row_header(
        table,
        [
            ("TT", []),
            ("Lĩnh vực", []),
            ("Số nhiệm vụ được giao", []),
            ("Đã hoàn thành", ["Tổng số", "Đúng hạn", "Trễ hạn"]),
            ("Chưa hoàn thành", ["Tổng số", "Quá hạn", "Trong hạn"]),
            ("Tỉ lệ hoàn thành đúng hạn", []),
        ],
        APPENDIX_SIZE,
    )
    loop_rows(
        table,
        "{%tr for row in appendix1.rows %}",
        lambda t: appendix_row(t, ["{{ loop.index }}", *(f"{{{{ row.{name} }}}}" for name in APPENDIX1_FIELDS)]),
    )
    section_break(document, landscape=True)
    tag(document, "{%p endif %}")


def appendix2(document: DocumentObject) -> None:
    """Phụ lục 2: dossier results by block and agency; a block's subtotal row in bold."""
    appendix_heading(document, 2, "appendix2")
    table = appendix_table(document, [11, 51, 18, 18, 18, 17, 17, 16, 17, 16, 18, 17, 18])
    two_row_header(
        table,
        [
            ("TT", []),
            ("Cơ quan, đơn vị", []),
            ("Số hồ sơ nhận", ["Tiếp nhận mới", "Kỳ trước chuyển qua"]),
            ("Đã giải quyết", ["Tổng số", "Sớm hạn", "Đúng hạn", "Trễ hạn"]),
            ("Đang giải quyết", ["Tổng số", "Quá hạn"]),
            ("Tỉ lệ", ["Đúng hạn", "Trễ hạn", "Trực tuyến"]),
        ],
        APPENDIX_SIZE,
    )
    cells = [f"{{{{ row.{name} }}}}" for name in APPENDIX2_FIELDS]

    def rows(t: Table) -> None:
        tag_row(t, "{%tr if row.bold %}")
        appendix_row(t, cells, bold=True)
        tag_row(t, "{%tr else %}")
        appendix_row(t, cells)
        tag_row(t, "{%tr endif %}")

    loop_rows(table, "{%tr for row in appendix2.rows %}", rows)
    section_break(document, landscape=True)
    tag(document, "{%p endif %}")


def build(folder: Path) -> list[Path]:
    """Every kind's default template, written into ``folder``."""
    from cchc.documents.kinds import KINDS

    written = []
    for kind in KINDS.values():
        document = periodic_template() if kind.periodic else ranking_template()
        path = folder / f"{kind.code}.docx"
        document.save(str(path))
        written.append(path)
    return written


if __name__ == "__main__":
    from cchc.documents.kinds import DEFAULTS

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULTS
    target.mkdir(parents=True, exist_ok=True)
    for path in build(target):
        print(path)
