"""Sample contexts: a fictional province's documents, in the seeds' wording, one per kind.

They show what each key of the context contract holds (``docs/documents.md``), fill the samples that
``cchc sample_documents`` writes, and are what a replacement template is checked against.
"""

from __future__ import annotations

from typing import Any

PERIODS = {
    "agency": ("quý I", "Báo cáo công tác cải cách hành chính quý I năm 2026 của Sở Tư pháp"),
    "quarter": ("quý I", "Kết quả thực hiện công tác cải cách hành chính quý I năm 2026"),
    "half": ("6 tháng đầu năm", "Kết quả thực hiện công tác cải cách hành chính 6 tháng đầu năm 2026"),
    "nine": ("9 tháng", "Kết quả thực hiện công tác cải cách hành chính 9 tháng năm 2026"),
    "year": ("năm", "Kết quả thực hiện công tác cải cách hành chính năm 2026 và phương hướng năm 2027"),
}


def common(subtitle: str, closing: str) -> dict[str, Any]:
    return {
        "authority_lines": ["ỦY BAN NHÂN DÂN", "TỈNH HÒA AN"],
        "number": "   /BC-UBND",
        "place_date": "Hòa An, ngày 01 tháng 12 năm 2026",
        "title": "BÁO CÁO",
        "subtitle": subtitle,
        "preliminary": "(KẾT QUẢ TẠM TÍNH)",
        "intro": (
            "Thực hiện Kế hoạch cải cách hành chính năm 2026, Ủy ban nhân dân tỉnh Hòa An báo cáo "
            "kết quả thực hiện như sau:"
        ),
        "closing": closing,
        "recipients": [
            "Bộ Nội vụ (b/c);",
            "TT. Tỉnh ủy, TT. HĐND tỉnh (b/c);",
            "Chủ tịch, các PCT UBND tỉnh;",
            "Các sở, ban, ngành; UBND cấp huyện, cấp xã;",
            "Lưu: VT, SNV.",
        ],
        "signer_lines": ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        "signer_name": "Nguyễn Văn An",
    }


def ranking() -> dict[str, Any]:
    context = common(
        "Chỉ số và xếp hạng kết quả thực hiện công tác cải cách hành chính năm 2026 của các cơ quan, đơn vị",
        "Trên đây là báo cáo Chỉ số và xếp hạng CCHC năm 2026 của UBND tỉnh Hòa An./.",
    )
    rows = [
        ("1", "Sở Tư pháp", "92,50", "92,50%", "Tốt", "tăng 3,51%", "Đã phê duyệt"),
        ("2", "Sở Nội vụ", "88,00", "88,00%", "Khá", "—", "Đã phê duyệt"),
        ("3", "Sở Y tế", "71,25", "71,25%", "Trung bình (trước: Khá)", "giảm 2,00%", "Tạm tính (đang thẩm định)"),
    ]
    keys = ("rank", "name", "points", "index", "band", "change", "note")
    context["blocks"] = [
        {
            "heading": "1. Khối Sở, ban, ngành",
            "paragraphs": [
                "Đối với khối Sở, ban, ngành, có 01/03 đơn vị được xếp hạng Tốt (chiếm 33,33%); 01/03 đơn vị "
                "được xếp hạng Khá (chiếm 33,33%); 01 đơn vị - Sở Y tế bị xếp hạng Trung bình (chiếm 33,33%).",
                "Kết quả của 1/3 đơn vị là kết quả tạm tính, chưa được Hội đồng thẩm định phê duyệt, có thể thay đổi.",
            ],
            "rows": [dict(zip(keys, row, strict=True)) for row in rows],
        }
    ]
    context["proposals"] = [
        "Các cơ quan, đơn vị xếp hạng Trung bình, Yếu rà soát, khắc phục những hạn chế đã được chỉ ra qua thẩm định."
    ]
    return context


def table(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "header": ["TT", "Nội dung", "Kế hoạch", "Kết quả", "Tỉ lệ"],
        "rows": [["1", "Văn bản quy phạm pháp luật được ban hành", "12", "11", "91,67%"]],
    }


def periodic(period: str) -> dict[str, Any]:
    when, subtitle = PERIODS[period]
    context = common(subtitle, f"Trên đây là báo cáo kết quả thực hiện công tác cải cách hành chính {when} 2026./.")
    context["sections"] = [
        {
            "heading": "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH",
            "paragraphs": ["Ủy ban nhân dân tỉnh ban hành Kế hoạch cải cách hành chính năm 2026 đúng thời hạn."],
            "tables": [table("Bảng 1. Kết quả thực hiện kế hoạch")],
            "parts": [
                {
                    "heading": "1. Cải cách thể chế",
                    "paragraphs": ["Ban hành 11/12 văn bản quy phạm pháp luật theo kế hoạch (đạt 91,67%)."],
                    "tables": [table("Bảng 2. Văn bản quy phạm pháp luật")],
                }
            ],
        }
    ]
    context["appendix1"] = {
        "title": "KẾT QUẢ THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH THEO LĨNH VỰC",
        "rows": [
            {
                "name": "Cải cách thể chế",
                "assigned": "14.535",
                "done": "14.291",
                "done_on_time": "13.216",
                "done_late": "1.075",
                "open": "244",
                "open_overdue": "40",
                "open_in_time": "204",
                "on_time_rate": "90,92%",
            }
        ],
    }
    context["appendix2"] = {
        "title": "KẾT QUẢ GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH",
        "rows": [
            appendix2_row("I", "Khối Sở, ban, ngành", bold=True),
            appendix2_row("1", "Sở Tư pháp", bold=False),
        ],
    }
    return context


def appendix2_row(number: str, name: str, *, bold: bool) -> dict[str, Any]:
    return {
        "number": number,
        "name": name,
        "received": "83.300",
        "carried_over": "1.250",
        "resolved": "83.300",
        "early": "73.516",
        "on_time": "9.517",
        "late": "267",
        "pending": "1.250",
        "pending_overdue": "12",
        "on_time_rate": "99,68%",
        "late_rate": "0,33%",
        "online_rate": "54,64%",
        "bold": bold,
    }
