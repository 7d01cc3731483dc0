"""The shipped questionnaire: 18 questions on the five SIPAS elements, in Vietnamese.

Modelled on the questions of the Ministry of Home Affairs' satisfaction survey (SIPAS): access to
the service, the administrative procedure, the civil servant, the result, and the handling of
feedback. A province edits it on the builder page or replaces it with ``cchc import_questionnaire``.
"""

from __future__ import annotations

# (code, element, text)
DEFAULT_QUESTIONS: list[tuple[str, str, str]] = [
    ("A1", "access", "Nơi ngồi chờ tại Bộ phận Một cửa có đủ chỗ ngồi."),
    ("A2", "access", "Trang thiết bị phục vụ người dân, tổ chức tại Bộ phận Một cửa đầy đủ, dễ sử dụng."),
    ("P1", "procedure", "Thủ tục hành chính được niêm yết công khai đầy đủ, chính xác."),
    ("P2", "procedure", "Thành phần hồ sơ mà Ông/Bà phải nộp là đúng quy định."),
    ("P3", "procedure", "Phí, lệ phí mà Ông/Bà phải nộp là đúng quy định."),
    ("P4", "procedure", "Thời hạn giải quyết ghi trên giấy tiếp nhận và hẹn trả kết quả là đúng quy định."),
    ("O1", "officer", "Công chức có thái độ giao tiếp lịch sự."),
    ("O2", "officer", "Công chức chú ý lắng nghe ý kiến của Ông/Bà."),
    ("O3", "officer", "Công chức trả lời, giải thích đầy đủ các ý kiến của Ông/Bà."),
    ("O4", "officer", "Công chức hướng dẫn kê khai hồ sơ tận tình, chu đáo, dễ hiểu."),
    ("O5", "officer", "Công chức tuân thủ đúng quy định trong giải quyết công việc."),
    ("R1", "result", "Kết quả mà Ông/Bà nhận được là đúng quy định."),
    ("R2", "result", "Kết quả mà Ông/Bà nhận được có thông tin đầy đủ, chính xác."),
    ("R3", "result", "Ông/Bà nhận được kết quả đúng hẹn."),
    ("F1", "feedback", "Cơ quan có bố trí hình thức tiếp nhận góp ý, phản ánh, kiến nghị."),
    ("F2", "feedback", "Ông/Bà dễ dàng thực hiện góp ý, phản ánh, kiến nghị."),
    ("F3", "feedback", "Cơ quan tiếp nhận và xử lý tích cực các góp ý, phản ánh, kiến nghị."),
    ("F4", "feedback", "Cơ quan thông báo kết quả xử lý góp ý, phản ánh, kiến nghị kịp thời."),
]
