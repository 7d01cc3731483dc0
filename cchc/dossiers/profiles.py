"""Import profiles: how one vendor's export names our columns and spells our values.

A profile maps the vendor's header to the canonical column and, per column, the vendor's values to
ours. The canonical profile (no mapping) reads the export format of DESIGN §8.2 as it is. The
columns are declared once here; the import, the upload page's table and its template files read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.core.tabular import InputError, write_rows


@dataclass(frozen=True)
class Column:
    """A canonical column: what it holds (as the upload page explains it) and a value it accepts."""

    name: str
    meaning: Any  # lazy text: read in the reader's language
    example: str
    required: bool = False


DECLARED = (
    Column(
        "dossier_code",
        gettext_lazy("Code of the dossier in the one-stop-shop software, unique in it"),
        "000.00.15.H40-250303-0001",
        required=True,
    ),
    Column(
        "agency_code", gettext_lazy("Code of the agency that received and resolves the dossier"), "STP", required=True
    ),
    Column(
        "procedure_code", gettext_lazy("Code of the procedure in the catalogue (may be missing from it)"), "1.001234"
    ),
    Column(
        "received_at",
        gettext_lazy("Date received (dd/mm/yyyy or yyyy-mm-dd; a time may follow)"),
        "03/03/2025",
        required=True,
    ),
    Column("due_at", gettext_lazy("Promised date of the result; empty if none"), "17/03/2025"),
    Column("resolved_at", gettext_lazy("Date the result was issued; empty while pending"), "14/03/2025"),
    Column("status", gettext_lazy("resolved, pending, returned or withdrawn"), "resolved", required=True),
    Column("channel", gettext_lazy("How it was submitted: direct, online or postal"), "online"),
    Column("online_level", gettext_lazy("Online service level: full, partial or empty"), "full"),
    Column(
        "paid_online",
        gettext_lazy("Whether the fees were paid online: 1 or 0 (Có or Không, x or empty, as the profile spells it)"),
        "1",
    ),
    Column(
        "fee_amount",
        gettext_lazy("Fees paid, in whole đồng: 1500000 or 1.500.000 (a dot between thousands, never a comma)"),
        "1.500.000",
    ),
    Column(
        "result_by_post",
        gettext_lazy("Whether the result was sent by post: 1 or 0 (or as the profile spells it)"),
        "0",
    ),
    Column(
        "digitized",
        gettext_lazy("Whether the dossier's components were digitised: 1 or 0 (or as the profile spells it)"),
        "1",
    ),
    Column("sms_count", gettext_lazy("Notification messages sent for the dossier, a whole number"), "2"),
    Column("handler", gettext_lazy("Officer who handled it (optional)"), "Nguyễn Văn An"),
)
COLUMNS = tuple(c.name for c in DECLARED)
REQUIRED = tuple(c.name for c in DECLARED if c.required)
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
