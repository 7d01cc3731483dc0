"""The layout pieces of an official document (Nghị định 30/2020/NĐ-CP), written with python-docx.

Both the shipped templates (``build_defaults``) and the tables the engine renders into a document
(``engine.table``) are made of these, so that a table in a template and a table a module fills in
look alike: Times New Roman, header rows repeated on each page, rows that never split.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

FONT = "Times New Roman"
PAGE = (Mm(210), Mm(297))  # A4
MARGINS = (Mm(20), Mm(20), Mm(30), Mm(15))  # top, bottom, left, right
TEXT_WIDTH_MM = 210 - 30 - 15
BODY_SIZE = 14
TABLE_SIZE = 12
CENTER, LEFT, JUSTIFY = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.JUSTIFY


def font(run_or_style: Any, size: float, bold: bool = False, italic: bool = False) -> None:
    """Times New Roman for every script (Word picks the East Asian or complex-script font otherwise)."""
    run_or_style.font.name, run_or_style.font.size = FONT, Pt(size)
    run_or_style.font.bold, run_or_style.font.italic = bold, italic
    properties = run_or_style.element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.append(fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def para(
    container: Any,
    text: str,
    size: float = BODY_SIZE,
    *,
    bold: bool = False,
    italic: bool = False,
    align: Any = JUSTIFY,
    indent: bool = False,
    after: float = 6,
    page_break: bool = False,
) -> Paragraph:
    """A paragraph of one run; ``indent`` is the first-line indent of body text."""
    paragraph: Paragraph = container.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(after)
    paragraph.paragraph_format.space_before = Pt(0)
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(12.7)
    if page_break:
        paragraph.paragraph_format.page_break_before = True
    run = paragraph.add_run(text)
    font(run, size, bold, italic)
    return paragraph


def tag(container: Any, text: str) -> Paragraph:
    """A paragraph holding only a ``{%p … %}`` tag: docxtpl removes the paragraph when rendering."""
    return para(container, text, BODY_SIZE, align=None, after=0)


def borders(table: Table, value: str = "single") -> None:
    """Every edge of the table ``single`` (a grid) or ``nil`` (the borderless heading and signature)."""
    element = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        border = OxmlElement(f"w:{edge}")
        border.set(qn("w:val"), value)
        if value != "nil":
            border.set(qn("w:sz"), "4")
            border.set(qn("w:space"), "0")
            border.set(qn("w:color"), "000000")
        element.append(border)
    table._tbl.tblPr.append(element)


def widths(table: Table, millimetres: Sequence[float]) -> None:
    """Fixed column widths, on the grid (LibreOffice) and on every cell (Word)."""
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, width in zip(table.columns, millimetres, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, millimetres, strict=True):
            cell.width = Mm(width)


def row_properties(row: Any, header: bool = False) -> None:
    """A row never splits across pages; a header row repeats at the top of each page."""
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


def cell_text(cell: Any, text: str, size: float = TABLE_SIZE, *, bold: bool = False, align: Any = CENTER) -> None:
    """The cell's one paragraph holding ``text``, without space after (table rows stay compact)."""
    cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.space_before = Pt(0)
    font(paragraph.add_run(text), size, bold)


def empty_cell(table: Table, row: int, column: int) -> Any:
    """A cell without its initial empty paragraph, to fill with ``para``."""
    cell = table.cell(row, column)
    first = cell.paragraphs[0]._element
    first.getparent().remove(first)
    return cell


def grid(container: Any, header: Sequence[str], millimetres: Sequence[float], size: float = TABLE_SIZE) -> Table:
    """A bordered table with its header row (repeated on each page); rows are added by the caller."""
    table = container.add_table(rows=1, cols=len(header))
    borders(table)
    row_properties(table.rows[0], header=True)
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell_text(cell, text, size, bold=True)
    widths(table, millimetres)
    return table
