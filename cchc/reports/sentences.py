"""The sentences of the periodic reports, with their figures, in the seeds' style (DESIGN §5.8).

An official document is Vietnamese whatever the interface language, so its wording lives here as
Vietnamese literals, like ``cchc.scoring.report``. Each function takes the dossier indicators
(``cchc.dossiers.stats.Indicators``, or anything with its ``counts`` and ``rate``) and returns a
clause without its sentence's capital and full stop, so that a caller can join them as the seeds do:
"đã tiếp nhận 93.281 hồ sơ (khối cơ quan sở: 14.596; …); đã giải quyết, trả kết quả 83.300 hồ sơ, trong
đó sớm hạn 73.516 hồ sơ (88,25%), đúng hạn 9.517 hồ sơ (11,42%), trễ hạn 267 hồ sơ (0,32%)" (seed 002).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from cchc.core.formatting import format_date_text, format_number, format_share
from cchc.scoring.report import count_text

NO_NARRATIVE = "Chưa nhận được báo cáo của cơ quan, đơn vị nào."
NOT_ACCEPTED = "báo cáo chưa được tiếp nhận"


def block_label(name: str) -> str:
    """A block as the seeds name it in running text: "khối cơ quan sở"; "Khối Sở, ban, ngành" → "khối Sở, ban, ngành"."""
    if name[:5].lower() == "khối ":
        return "khối " + name[5:]
    return f"khối {name}" if name else "các cơ quan, đơn vị khác"


def received_clause(total: Any, blocks: Sequence[Any] = ()) -> str:
    """ "đã tiếp nhận 93.281 hồ sơ (khối cơ quan sở: 14.596; khối UBND cấp huyện: 29.037; …)"."""
    text = f"đã tiếp nhận {format_number(total.counts['received'])} hồ sơ"
    parts = [f"{block_label(b.name)}: {format_number(b.counts['received'])}" for b in blocks if b.counts["received"]]
    return f"{text} ({'; '.join(parts)})" if len(parts) > 1 else text


def resolved_clause(total: Any) -> str:
    """ "đã giải quyết, trả kết quả 83.300 hồ sơ, trong đó sớm hạn 73.516 hồ sơ (88,25%), đúng hạn …"."""
    c = total.counts
    text = f"đã giải quyết, trả kết quả {format_number(c['resolved'])} hồ sơ"
    if not c["resolved"]:
        return text
    shares = ", ".join(
        f"{word} {format_number(c[key])} hồ sơ ({total.rate_text(key + '_share')})"
        for word, key in (("sớm hạn", "early"), ("đúng hạn", "on_time"), ("trễ hạn", "late"))
    )
    return f"{text}, trong đó {shares}"


def dossier_clause(total: Any, blocks: Sequence[Any] = ()) -> str:
    """Received (by block) and resolved: the dossier sentence of seed 002."""
    return f"{received_clause(total, blocks)}; {resolved_clause(total)}"


def pending_clause(total: Any) -> str:
    """ "đang giải quyết 18.512 hồ sơ (trong hạn 17.760 hồ sơ; trễ hạn 752 hồ sơ)" (seed 003)."""
    c = total.counts
    text = f"đang giải quyết {format_number(c['pending'])} hồ sơ"
    if not c["pending"]:
        return text
    return (
        f"{text} (trong hạn {format_number(c['pending_in_time'])} hồ sơ; "
        f"trễ hạn {format_number(c['pending_overdue'])} hồ sơ)"
    )


def late_rate_clause(total: Any) -> str:
    """ "tổng số hồ sơ trễ hạn là 9.761 hồ sơ (chiếm tỉ lệ 1,59%)": resolved late and pending overdue over
    resolved and pending (DESIGN §6)."""
    late = total.counts["late"] + total.counts["pending_overdue"]
    return f"tổng số hồ sơ trễ hạn là {format_number(late)} hồ sơ (chiếm tỉ lệ {total.rate_text('late_rate')})"


def online_clause(total: Any) -> str:
    """ "tiếp nhận 253.432 hồ sơ trực tuyến trên tổng số 463.823 hồ sơ của TTHC công bố thực hiện trực tuyến
    có phát sinh hồ sơ, đạt tỉ lệ 54,64%" (seed 003)."""
    c = total.counts
    if not c["online_eligible"]:
        return "chưa có hồ sơ của TTHC công bố thực hiện trực tuyến"
    return (
        f"tiếp nhận {format_number(c['online'])} hồ sơ trực tuyến trên tổng số "
        f"{format_number(c['online_eligible'])} hồ sơ của TTHC công bố thực hiện trực tuyến có phát sinh hồ sơ, "
        f"đạt tỉ lệ {total.rate_text('online_rate')}"
    )


def range_text(start: date, end: date) -> str:
    """ "số liệu từ ngày 15/12/2025 đến ngày 14/3/2026"."""
    return f"số liệu từ ngày {format_date_text(start)} đến ngày {format_date_text(end)}"


def dossier_paragraphs(subject: str, when: str, total: Any, blocks: Sequence[Any], start: date, end: date) -> list[str]:
    """The dossier paragraphs of a report: "Trong quý I năm 2026 (số liệu từ ngày …), các cơ quan, đơn vị đã
    tiếp nhận …; đã giải quyết …; đang giải quyết …, tổng số hồ sơ trễ hạn là … ." and the online sentence."""
    lead = f"Trong {when} ({range_text(start, end)}), {subject}"
    if not any(total.counts[k] for k in ("received", "carried_over", "resolved", "pending")):
        return [f"{lead} chưa có số liệu hồ sơ thủ tục hành chính trên Hệ thống."]
    first = f"{lead} {dossier_clause(total, blocks)}; {pending_clause(total)}, {late_rate_clause(total)}."
    online = online_clause(total)
    second = f"{subject[0].upper()}{subject[1:]} {online}." if online.startswith("tiếp") else f"Trong kỳ, {online}."
    return [first, second]


def completeness_clause(on_time: int, late: int, expected: int) -> str:
    """ "đã có 38/42 cơ quan, đơn vị gửi báo cáo đúng hạn (chiếm 90,48%); 02 cơ quan, đơn vị gửi báo cáo trễ hạn;
    02 cơ quan, đơn vị chưa gửi báo cáo"."""
    if not expected:
        return "chưa có cơ quan, đơn vị nào được giao gửi báo cáo kỳ này"
    text = (
        f"đã có {count_text(on_time, expected)}/{expected} cơ quan, đơn vị gửi báo cáo đúng hạn "
        f"(chiếm {format_share(on_time, expected)})"
    )
    if late:
        text += f"; {count_text(late, expected)} cơ quan, đơn vị gửi báo cáo trễ hạn"
    missing = expected - on_time - late
    if missing:
        text += f"; {count_text(missing, expected)} cơ quan, đơn vị chưa gửi báo cáo"
    return text


def number_sentence(label: str, value: Any, unit: str = "") -> str:
    """A numeric field of a form in running text: "Số văn bản quy phạm pháp luật được ban hành: 12 văn bản."."""
    text = format_number(value) if isinstance(value, int) else str(value)
    return f"{label.rstrip(' :')}: {text}{f' {unit}' if unit else ''}."


def attributed(agency: str, text: str, mark: str = "") -> list[str]:
    """An agency's narrative, its first paragraph prefixed by the agency's name ("Sở Tư pháp: …")."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n") if p.strip()]
    if not paragraphs:
        return []
    name = f"{agency} ({mark})" if mark else agency
    return [f"{name}: {paragraphs[0]}", *paragraphs[1:]]


def justification_sentence(agency: str, rule: str, text: str) -> str:
    """A soft rule's written justification: "Sở Tư pháp giải trình (Số hồ sơ giải quyết …): …"."""
    return f"{agency} giải trình ({rule.rstrip('.')}): {text.strip()}"


def as_number(value: Any) -> int | None:
    """A numeric field's value as stored (a string of digits, perhaps with "." separators), or None."""
    if isinstance(value, int):
        return value
    text = str(value or "").strip().replace(".", "").replace(" ", "")
    return int(text) if text.lstrip("-").isdigit() else None


def summed(values: Iterable[Any]) -> int | None:
    numbers = [n for n in (as_number(v) for v in values) if n is not None]
    return sum(numbers) if numbers else None


def task_sentence(subject: str, total: Any, as_of: date) -> str:
    """seeds/003: "tổng số nhiệm vụ giao là 14.535, … 14.291 nhiệm vụ hoàn thành (đúng hạn: 13.216; quá hạn:
    1.075), 244 nhiệm vụ chưa hoàn thành quá hạn", from the tasks module's counts as of the cut-off."""
    if not total.assigned:
        return f"Chưa có nhiệm vụ CCHC nào được giao cho {subject} trên Hệ thống."
    text = (
        f"Tính đến ngày {format_date_text(as_of)}, tổng số nhiệm vụ CCHC giao cho {subject} là "
        f"{format_number(total.assigned)} nhiệm vụ; {format_number(total.done)} nhiệm vụ hoàn thành (đúng hạn: "
        f"{format_number(total.done_on_time)}; quá hạn: {format_number(total.done_late)})"
    )
    if total.open_overdue:
        text += f", {format_number(total.open_overdue)} nhiệm vụ chưa hoàn thành quá hạn"
    if total.open_in_time:
        text += f", {format_number(total.open_in_time)} nhiệm vụ đang thực hiện trong hạn"
    return f"{text}; tỉ lệ hoàn thành đúng hạn đạt {total.on_time_rate_text} (chi tiết tại Phụ lục 1 kèm theo)."
