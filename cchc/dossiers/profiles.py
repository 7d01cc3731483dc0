"""Import profiles: how one vendor's export names our columns (DESIGN §8.2) and spells our values.

A profile maps the vendor's header to the canonical column and, per column, the vendor's values to
ours. The canonical profile (no mapping) reads the export format of DESIGN §8.2 as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cchc.core.tabular import InputError

COLUMNS = (
    "dossier_code",
    "agency_code",
    "procedure_code",
    "received_at",
    "due_at",
    "resolved_at",
    "status",
    "channel",
    "online_level",
    "paid_online",
    "fee_amount",
    "result_by_post",
    "digitized",
    "sms_count",
    "handler",
)
REQUIRED = ("dossier_code", "agency_code", "received_at", "status")


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    columns: dict[str, str] = field(default_factory=dict)  # vendor header → canonical column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical column → vendor value → ours

    def header_for(self, canonical: str) -> str:
        for vendor, ours in self.columns.items():
            if ours == canonical:
                return vendor
        return canonical

    def value(self, column: str, text: str) -> str:
        mapping = self.values.get(column)
        if not mapping:
            return text
        return mapping.get(text.strip().lower(), text)


YES_NO = {"có": "1", "không": "0", "x": "1"}

PROFILES: dict[str, Profile] = {
    "canonical": Profile("canonical", "DESIGN §8.2"),
    "mot-cua-vi": Profile(
        "mot-cua-vi",
        "Phần mềm Một cửa điện tử: tiêu đề cột tiếng Việt",
        columns={
            "Mã hồ sơ": "dossier_code",
            "Mã cơ quan": "agency_code",
            "Mã thủ tục": "procedure_code",
            "Ngày tiếp nhận": "received_at",
            "Ngày hẹn trả": "due_at",
            "Ngày có kết quả": "resolved_at",
            "Trạng thái": "status",
            "Kênh nộp": "channel",
            "Mức độ DVC": "online_level",
            "Thanh toán trực tuyến": "paid_online",
            "Phí, lệ phí": "fee_amount",
            "Trả kết quả qua bưu chính": "result_by_post",
            "Đã số hóa": "digitized",
            "Số tin nhắn": "sms_count",
            "Cán bộ xử lý": "handler",
        },
        values={
            "status": {
                "đã giải quyết": "resolved",
                "đã trả kết quả": "resolved",
                "đang giải quyết": "pending",
                "trả lại": "returned",
                "từ chối": "returned",
                "rút hồ sơ": "withdrawn",
                "công dân rút": "withdrawn",
            },
            "channel": {
                "trực tiếp": "direct",
                "trực tuyến": "online",
                "bưu chính": "postal",
                "bưu chính công ích": "postal",
            },
            "online_level": {"toàn trình": "full", "một phần": "partial", "": ""},
            "paid_online": YES_NO,
            "result_by_post": YES_NO,
            "digitized": YES_NO,
        },
    ),
}


def get_profile(name: str | None) -> Profile:
    profile = PROFILES.get(name or "canonical")
    if profile is None:
        raise InputError(
            _("unknown import profile “%(name)s” (known: %(known)s)") % {"name": name, "known": ", ".join(PROFILES)}
        )
    return profile
