"""Import profiles: how one vendor's export names our columns and spells our values.

A profile maps the vendor's header to the canonical column and, per column, the vendor's values to
ours. The canonical profile (no mapping) reads the export format of DESIGN §8.2 as it is. The
columns themselves are declared once, in ``cchc.dossiers.columns``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.core.tabular import InputError, write_rows
from cchc.dossiers.columns import COLUMNS, DECLARED

FLAG_COLUMNS = ("paid_online", "result_by_post", "digitized")
AMOUNT_COLUMNS = ("fee_amount", "sms_count")  # whole numbers, written plainly or in Vietnamese groups


@dataclass(frozen=True)
class Flags:
    """How a vendor writes yes and no in the flag columns (``FLAG_COLUMNS``), read whatever the case;
    an empty cell is no in every profile. Anything else refuses the row."""

    yes: tuple[str, ...] = ("1", "true")
    no: tuple[str, ...] = ("0", "false")

    def accepted(self) -> str:
        """What the profile accepts, as the refusal of a bad flag names it ("1, true; 0, false or empty")."""
        return _("%(yes)s for yes; %(no)s or empty for no") % {"yes": ", ".join(self.yes), "no": ", ".join(self.no)}


@dataclass(frozen=True)
class Profile:
    name: str
    description: Any  # lazy text
    columns: dict[str, str] = field(default_factory=dict)  # vendor header → canonical column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical column → vendor value → ours
    flags: Flags = Flags()
    source: str = ""  # the source system its files come from, when the profile is one vendor's (else the setting's)

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

    def vendor_value(self, column: str, ours: str) -> str:
        """How this vendor spells one of our values (the first spelling the profile maps to it)."""
        if column in FLAG_COLUMNS:
            spelling = (self.flags.yes if ours == "1" else self.flags.no)[0]
            return spelling[:1].upper() + spelling[1:]
        for vendor, canonical in self.values.get(column, {}).items():
            if canonical == ours:
                return vendor[:1].upper() + vendor[1:]
        return ours

    def template(self, fmt: str, agency_code: str | None = None) -> bytes:
        """A file to fill in: this profile's header and one example row that imports as it is."""
        example = {c.name: c.example for c in DECLARED}
        if agency_code:
            example["agency_code"] = agency_code
        headers = [self.header_for(c) for c in COLUMNS]
        row: Sequence[str] = [self.vendor_value(c, example[c]) for c in COLUMNS]
        return write_rows(headers, [row], fmt, title=_("Dossiers"))


PROFILES: dict[str, Profile] = {
    "canonical": Profile("canonical", gettext_lazy("standard format: the column names of the table below")),
    "mot-cua-vi": Profile(
        "mot-cua-vi",
        gettext_lazy("one-stop-shop software (Một cửa điện tử): Vietnamese column headers"),
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
        },
        flags=Flags(yes=("Có", "x", "1"), no=("Không", "0")),
    ),
}


def get_profile(name: str | None) -> Profile:
    profile = PROFILES.get(name or "canonical")
    if profile is None:
        raise InputError(
            _("unknown import profile “%(name)s” (known: %(known)s)") % {"name": name, "known": ", ".join(PROFILES)}
        )
    return profile
