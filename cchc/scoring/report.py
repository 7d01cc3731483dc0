"""The ranking report (Báo cáo Chỉ số và xếp hạng CCHC) as DOCX in the format of Nghị định 30/2020/NĐ-CP.

An official document is Vietnamese whatever the interface language, so its wording lives here, in
Vietnamese, in the style of the seeds ("35/42 đơn vị được xếp hạng Tốt (chiếm 83,33%)").
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from cchc.agencies.models import Agency
from cchc.core.formatting import format_change, format_number, format_percent, format_share
from cchc.scoring.models import BAND_ORDER, Band
from cchc.scoring.results import BlockRanking, percent
from cchc.scoring.rules import Rules

BAND_TEXT = {Band.GOOD: "Tốt", Band.FAIR: "Khá", Band.AVERAGE: "Trung bình", Band.WEAK: "Yếu"}
PRELIMINARY = "tạm tính"
STAGE_TEXT = {
    "draft": "đang tự đánh giá",
    "submitted": "đã gửi tự đánh giá",
    "appraisal": "đang thẩm định",
    "explanation": "đang giải trình",
    "final_appraisal": "đang thẩm định lại",
    "approved": "đã phê duyệt",
    "published": "đã công bố",
}
FONT = "Times New Roman"


def count_text(count: int, of: int) -> str:
    """Counts as the seeds write them: two digits among tens ("06/42", "01 đơn vị"), else plain ("30/136", "4/6")."""
    return f"{count:02d}" if 10 <= of < 100 else str(count)


def band_sentence(ranking: BlockRanking) -> str:
    """The seeds' sentence: "có 35/42 đơn vị được xếp hạng Tốt (chiếm 83,33%); 06/42 …; 01 đơn vị - Sở X bị
    xếp hạng Trung bình (chiếm 2,38%)", each band with its change since last year when there was one."""
    n = len(ranking.results)
    parts = []
    for band in BAND_ORDER:
        members = [r for r in ranking.results if r.band == band]
        if not members:
            continue
        share = format_share(len(members), n)
        preliminary = sum(not r.final for r in members)
        if len(members) == 1 and band in (Band.AVERAGE, Band.WEAK):
            name = members[0].agency.name
            mark = f", {PRELIMINARY}" if preliminary else ""
            text = f"{count_text(1, n)} đơn vị - {name} bị xếp hạng {BAND_TEXT[band]} (chiếm {share}{mark})"
        else:
            verb = "được" if band in (Band.GOOD, Band.FAIR) else "bị"
            mark = f"; trong đó {count_text(preliminary, n)} đơn vị {PRELIMINARY}" if preliminary else ""
            text = f"{count_text(len(members), n)}/{n} đơn vị {verb} xếp hạng {BAND_TEXT[band]} (chiếm {share}{mark})"
        parts.append(text + count_change(ranking, band, len(members)))
    return "có " + "; ".join(parts) if parts else "chưa có đơn vị được xếp hạng"


def count_change(ranking: BlockRanking, band: str, count: int) -> str:
    """ ", tăng 31 đơn vị so với năm 2022" when the block was ranked last year."""
    if ranking.previous_counts is None:
        return ""
    delta = count - ranking.previous_counts.get(band, 0)
    year = ranking.block.year - 1
    if delta == 0:
        return f", không thay đổi so với năm {year}"
    word = "tăng" if delta > 0 else "giảm"
    return f", {word} {count_text(abs(delta), len(ranking.results))} đơn vị so với năm {year}"


def mean_sentence(ranking: BlockRanking) -> str:
    """ "Chỉ số CCHC trung bình năm 2025 của 42 đơn vị đạt 88,00%, tăng 2,48% so với năm 2024"."""
    mean = ranking.mean_index
    if mean is None:
        return ""
    year, n = ranking.block.year, len(ranking.results)
    text = f"Chỉ số CCHC trung bình năm {year} của {n} đơn vị đạt {percent(mean)}"
    before = [r.previous_index for r in ranking.results if r.previous_index is not None]
    if before:
        previous = sum(before, Decimal(0)) / len(before)
        text += f", {format_change(previous / 100, mean / 100, lang='vi')} so với năm {year - 1}"
    return text + "."


def rules_sentence(ranking: BlockRanking) -> str:
    moved = [r for r in ranking.results if r.band != r.band_before]
    if not moved:
        rules = ranking.rules or Rules.defaults(ranking.block.year)
        return (
            f"Không có đơn vị có tỉ lệ hồ sơ trễ hạn từ {limit_text(rules.late_rate_limit)} trở lên "
            f"hoặc chỉ số hài lòng dưới {limit_text(rules.satisfaction_min)} bị hạ hạng theo quy định."
        )
    names = "; ".join(f"{r.agency.name} ({'; '.join(r.reasons)})" for r in moved)
    return f"Có {count_text(len(moved), len(ranking.results))} đơn vị bị hạ hạng theo quy định: {names}."


def limit_text(fraction: Decimal) -> str:
    """A configured limit as the seeds write it: "5%", "80%", "2,5%"."""
    value = (fraction * 100).normalize()
    places = max(0, -value.as_tuple().exponent)  # type: ignore[operator]
    return format_percent(fraction, min(places, 2), lang="vi")


def block_paragraph(ranking: BlockRanking) -> str:
    return f"Đối với khối {ranking.block.name}, {band_sentence(ranking)}. {mean_sentence(ranking)}".strip()


def status_sentence(ranking: BlockRanking) -> str:
    """What the figures stand on: how many results the council approved, and what is preliminary or left out."""
    n, members = len(ranking.results), ranking.members or len(ranking.results)
    preliminary = len(ranking.preliminary)
    if preliminary:
        return (
            f"Kết quả của {count_text(preliminary, members)}/{members} đơn vị là kết quả {PRELIMINARY}, "
            "chưa được Hội đồng thẩm định phê duyệt, có thể thay đổi."
        )
    if ranking.left_out:
        return (
            f"Báo cáo gồm kết quả đã được phê duyệt của {count_text(n, members)}/{members} đơn vị; "
            f"{count_text(ranking.left_out, members)} đơn vị chưa có kết quả được phê duyệt."
        )
    return f"Kết quả của {n}/{members} đơn vị đã được Hội đồng thẩm định phê duyệt."


def authority_lines(owner: Agency) -> list[str]:
    """ "UBND tỉnh Hòa An" → ["ỦY BAN NHÂN DÂN", "TỈNH HÒA AN"]."""
    name = owner.name
    if name.startswith("UBND "):
        return ["ỦY BAN NHÂN DÂN", name.removeprefix("UBND ").upper()]
    return [name.upper()]


def _font(run_or_style: object, size: float, bold: bool = False, italic: bool = False) -> None:
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name, font.size, font.bold, font.italic = FONT, Pt(size), bold, italic
    element = run_or_style.element  # type: ignore[attr-defined]
    properties = element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.append(fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def _para(
    container: object,
    text: str,
    size: float = 14,
    *,
    bold: bool = False,
    italic: bool = False,
    align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = False,
    after: float = 6,
) -> Paragraph:
    paragraph: Paragraph = container.add_paragraph()  # type: ignore[attr-defined]
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(after)
    paragraph.paragraph_format.space_before = Pt(0)
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(12.7)
    run = paragraph.add_run(text)
    _font(run, size, bold, italic)
    return paragraph


def _no_borders(table: Table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _cell(table: Table, row: int, column: int) -> object:
    cell = table.cell(row, column)
    cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
    return cell


def ranking_report(owner: Agency, year: int, rankings: Iterable[BlockRanking], today: date | None = None) -> bytes:
    rankings = list(rankings)
    today = today or date.today()
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    _font(document.styles["Normal"], 14)

    heading = document.add_table(rows=1, cols=2)
    _no_borders(heading)
    heading.alignment = WD_TABLE_ALIGNMENT.CENTER
    heading.autofit = False
    widths = (Mm(62), Mm(103))
    for column, width in zip(heading.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
    left, right = _cell(heading, 0, 0), _cell(heading, 0, 1)
    for line in authority_lines(owner):
        _para(left, line, 13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _para(left, "───────", 13, align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
    _para(left, "Số:       /BC-UBND", 13, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _para(right, "Độc lập - Tự do - Hạnh phúc", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _para(right, "───────────────", 13, align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
    place = authority_lines(owner)[-1].title().replace("Tỉnh ", "").replace("Huyện ", "").replace("Thành Phố ", "")
    _para(
        right,
        f"{place}, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}",
        14,
        italic=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=0,
    )

    _para(document, "", 14, after=6)
    _para(document, "BÁO CÁO", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _para(
        document,
        f"Chỉ số và xếp hạng kết quả thực hiện công tác cải cách hành chính năm {year} của các cơ quan, đơn vị",
        14,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=0 if any(r.preliminary for r in rankings) else 12,
    )
    if any(r.preliminary for r in rankings):
        _para(document, "(KẾT QUẢ TẠM TÍNH)", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    ranked = sum(len(r.results) for r in rankings)
    _para(
        document,
        f"Thực hiện Kế hoạch cải cách hành chính năm {year}, trên cơ sở kết quả tự đánh giá, thẩm định "
        f"và giải trình của các cơ quan, đơn vị, {owner.name} báo cáo Chỉ số và xếp hạng kết quả thực hiện "
        f"công tác cải cách hành chính (CCHC) năm {year} của {ranked} cơ quan, đơn vị như sau:",
        indent=True,
    )
    _para(document, "I. KẾT QUẢ XẾP HẠNG", 14, bold=True, align=None)
    if not rankings:
        _para(document, f"Chưa có bộ tiêu chí và kết quả Chỉ số CCHC năm {year}.", indent=True)
    for number, ranking in enumerate(rankings, start=1):
        _para(document, f"{number}. Khối {ranking.block.name}", 14, bold=True, align=None)
        _para(document, block_paragraph(ranking), indent=True)
        _para(document, status_sentence(ranking), indent=True, italic=bool(ranking.preliminary))
        _para(document, rules_sentence(ranking), indent=True)
        _ranking_table(document, ranking)
    _para(document, "II. ĐỀ XUẤT, KIẾN NGHỊ", 14, bold=True, align=None)
    _para(
        document,
        "Các cơ quan, đơn vị xếp hạng Trung bình, Yếu rà soát, khắc phục những hạn chế đã được chỉ ra qua "
        "thẩm định; người đứng đầu cơ quan, đơn vị xếp hạng Trung bình trở xuống không được xếp loại "
        "hoàn thành tốt nhiệm vụ trở lên theo quy định.",
        indent=True,
    )
    _para(document, f"Trên đây là báo cáo Chỉ số và xếp hạng CCHC năm {year} của {owner.name}./.", indent=True)
    _closing(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _ranking_table(document: object, ranking: BlockRanking) -> None:
    header = ["TT", "Cơ quan, đơn vị", "Điểm", "Chỉ số", "Xếp hạng", "So với năm trước", "Ghi chú"]
    table = document.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Mm(11), Mm(48), Mm(16), Mm(18), Mm(22), Mm(25), Mm(25))
    _row_properties(table.rows[0], header=True)
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(cell.paragraphs[0].add_run(text), 12, bold=True)
    for r in ranking.results:
        change = "—" if r.index_change is None else format_change(r.previous_index / 100, r.index / 100, lang="vi")  # type: ignore[operator]
        band = BAND_TEXT[Band(r.band)] + (
            f" (trước: {BAND_TEXT[Band(r.band_before)]})" if r.band != r.band_before else ""
        )
        note = "Đã phê duyệt" if r.final else f"Tạm tính ({STAGE_TEXT.get(r.assessment.state, '')})"
        values = [str(r.rank), r.agency.name, format_number(r.points, 2), percent(r.index), band, change, note]
        row = table.add_row()
        _row_properties(row)
        cells = row.cells
        for i, (cell, text) in enumerate(zip(cells, values, strict=True)):
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT if i == 1 else WD_ALIGN_PARAGRAPH.CENTER
            _font(cell.paragraphs[0].add_run(text), 12)
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid LibreOffice and Word lay out from
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    _para(document, "", 6, after=6)


def _row_properties(row: Any, header: bool = False) -> None:
    """A row never splits across pages; the header row repeats at the top of each page."""
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


def _closing(document: object) -> None:
    table = document.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    _no_borders(table)
    left, right = _cell(table, 0, 0), _cell(table, 0, 1)
    _para(left, "Nơi nhận:", 12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, after=0)
    for line in (
        "- Bộ Nội vụ (b/c);",
        "- TT. Tỉnh ủy, TT. HĐND tỉnh (b/c);",
        "- Chủ tịch, các PCT UBND tỉnh;",
        "- Các sở, ban, ngành; UBND cấp huyện, cấp xã;",
        "- Lưu: VT, SNV.",
    ):
        _para(left, line, 11, align=WD_ALIGN_PARAGRAPH.LEFT, after=0)
    _para(right, "TM. ỦY BAN NHÂN DÂN", 13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _para(right, "CHỦ TỊCH", 13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=60)
    _para(right, "(chữ ký, họ và tên)", 13, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
