"""The ranking report (Báo cáo Chỉ số và xếp hạng CCHC): its sentences and the ``ranking`` document's context,
rendered by cchc.documents from the year's template in the format of Nghị định 30/2020/NĐ-CP.

An official document is Vietnamese whatever the interface language, so its wording lives here, in
Vietnamese, in the style of the seeds ("35/42 đơn vị được xếp hạng Tốt (chiếm 83,33%)").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from cchc.agencies.models import Agency
from cchc.core.formatting import format_change, format_number, format_percent, format_share
from cchc.documents import engine as documents
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
    """What the figures stand on: how many results the council approved, what is preliminary or left out,
    and how many agencies have no results yet."""
    return " ".join(filter(None, [_results_sentence(ranking), _unranked_sentence(ranking)]))


def _results_sentence(ranking: BlockRanking) -> str:
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
    if not n:
        return ""
    return f"Kết quả của {n}/{members} đơn vị đã được Hội đồng thẩm định phê duyệt."


def _unranked_sentence(ranking: BlockRanking) -> str:
    if not ranking.unranked:
        return ""
    return (
        f"{count_text(ranking.unranked, ranking.members)}/{ranking.members} đơn vị chưa có kết quả "
        "(khối chưa được tính xếp hạng từ khi mở hồ sơ đánh giá)."
    )


def authority_lines(owner: Agency) -> list[str]:
    """ "UBND tỉnh Hòa An" → ["ỦY BAN NHÂN DÂN", "TỈNH HÒA AN"]."""
    name = owner.name
    if name.startswith("UBND "):
        return ["ỦY BAN NHÂN DÂN", name.removeprefix("UBND ").upper()]
    return [name.upper()]


def place_date(owner: Agency, today: date) -> str:
    """ "Hòa An, ngày 01 tháng 12 năm 2026": the place is the issuing authority's locality."""
    place = authority_lines(owner)[-1].title().replace("Tỉnh ", "").replace("Huyện ", "").replace("Thành Phố ", "")
    return f"{place}, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}"


def ranking_row(r: Any) -> dict[str, str]:
    """One agency's row of the ranking table, every value written as the document shows it."""
    change = "—" if r.index_change is None else format_change(r.previous_index / 100, r.index / 100, lang="vi")
    band = BAND_TEXT[Band(r.band)] + (f" (trước: {BAND_TEXT[Band(r.band_before)]})" if r.band != r.band_before else "")
    note = "Đã phê duyệt" if r.final else f"Tạm tính ({STAGE_TEXT.get(r.assessment.state, '')})"
    return {
        "rank": str(r.rank),
        "name": r.agency.name,
        "points": format_number(r.points, 2),
        "index": percent(r.index),
        "band": band,
        "change": change,
        "note": note,
    }


def ranking_context(owner: Agency, year: int, rankings: list[BlockRanking], today: date) -> dict[str, Any]:
    """The ``ranking`` document's context (docs/documents.md), in the seeds' wording."""
    ranked = sum(len(r.results) for r in rankings)
    return {
        "authority_lines": authority_lines(owner),
        "number": "      /BC-UBND",
        "place_date": place_date(owner, today),
        "title": "BÁO CÁO",
        "subtitle": (
            f"Chỉ số và xếp hạng kết quả thực hiện công tác cải cách hành chính năm {year} của các cơ quan, đơn vị"
        ),
        "preliminary": "(KẾT QUẢ TẠM TÍNH)" if any(r.preliminary for r in rankings) else "",
        "intro": (
            f"Thực hiện Kế hoạch cải cách hành chính năm {year}, trên cơ sở kết quả tự đánh giá, thẩm định "
            f"và giải trình của các cơ quan, đơn vị, {owner.name} báo cáo Chỉ số và xếp hạng kết quả thực hiện "
            f"công tác cải cách hành chính (CCHC) năm {year} của {ranked} cơ quan, đơn vị như sau:"
        ),
        "blocks": [
            {
                "heading": f"{number}. Khối {ranking.block.name}",
                "paragraphs": [block_paragraph(ranking), status_sentence(ranking), rules_sentence(ranking)],
                "rows": [ranking_row(r) for r in ranking.results],
            }
            for number, ranking in enumerate(rankings, start=1)
        ],
        "proposals": [
            "Các cơ quan, đơn vị xếp hạng Trung bình, Yếu rà soát, khắc phục những hạn chế đã được chỉ ra qua "
            "thẩm định; người đứng đầu cơ quan, đơn vị xếp hạng Trung bình trở xuống không được xếp loại "
            "hoàn thành tốt nhiệm vụ trở lên theo quy định."
        ],
        "closing": f"Trên đây là báo cáo Chỉ số và xếp hạng CCHC năm {year} của {owner.name}./.",
        "recipients": [
            "Bộ Nội vụ (b/c);",
            "TT. Tỉnh ủy, TT. HĐND tỉnh (b/c);",
            "Chủ tịch, các PCT UBND tỉnh;",
            "Các sở, ban, ngành; UBND cấp huyện, cấp xã;",
            "Lưu: VT, SNV.",
        ],
        "signer_lines": ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        "signer_name": "",
    }


def ranking_report(owner: Agency, year: int, rankings: Iterable[BlockRanking], today: date | None = None) -> bytes:
    """The ranking report as DOCX, from the year's ``ranking`` template (cchc.documents)."""
    return documents.render("ranking", year, ranking_context(owner, year, list(rankings), today or date.today()))
