"""The demo province (Tỉnh Hòa An, fictional): agencies, blocks and a user for every role.

Each capability adds its own demo data: an app ``cchc.<app>`` with a module ``cchc/<app>/demo.py``
defining ``extend(scale: int) -> dict[str, int]`` is called after the organisation is built, in the
order of INSTALLED_APPS, and returns counts to print; its optional ``story() -> list[str]`` says, in
Vietnamese, what its part of the demo shows (printed with the logins).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from cchc.accounts.models import RoleGrant, User
from cchc.accounts.roles import Role
from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.agencies.services import import_agencies
from cchc.core.formatting import format_date_text

DEMO_PASSWORD = "HoaAn@2026cchc"
MERGE_DAY = date(2025, 7, 1)
LAST_OLD_DAY = date(2025, 6, 30)

PROVINCE = ("HA", "UBND tỉnh Hòa An")
DEPARTMENTS = [
    ("SNV", "Sở Nội vụ"),
    ("STP", "Sở Tư pháp"),
    ("SKHDT", "Sở Kế hoạch và Đầu tư"),
    ("STC", "Sở Tài chính"),
    ("SCT", "Sở Công Thương"),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("SGTVT", "Sở Giao thông vận tải"),
    ("SXD", "Sở Xây dựng"),
    ("STNMT", "Sở Tài nguyên và Môi trường"),
    ("STTTT", "Sở Thông tin và Truyền thông"),
    ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội"),
    ("SVHTT", "Sở Văn hóa và Thể thao"),
    ("SDL", "Sở Du lịch"),
    ("SKHCN", "Sở Khoa học và Công nghệ"),
    ("SGDDT", "Sở Giáo dục và Đào tạo"),
    ("SYT", "Sở Y tế"),
    ("TTT", "Thanh tra tỉnh"),
    ("VPUBND", "Văn phòng UBND tỉnh"),
    ("BDT", "Ban Dân tộc"),
    ("BQLKCN", "Ban Quản lý các khu công nghiệp"),
    ("BQLKKT", "Ban Quản lý Khu kinh tế Vân Hải"),
    ("SNGV", "Sở Ngoại vụ"),
]
DISTRICTS = [
    ("TPHA", "UBND thành phố Hòa An", "Phường"),
    ("TXNP", "UBND thị xã Ninh Phú", "Phường"),
    ("HVL", "UBND huyện Vạn Lộc", "Xã"),
    ("HDS", "UBND huyện Diên Sơn", "Xã"),
    ("HCH", "UBND huyện Cam Hải", "Xã"),
    ("HKB", "UBND huyện Khánh Bình", "Xã"),
    ("HTL", "UBND huyện Trường Lâm", "Xã"),
    ("HDG", "UBND huyện Đông Giang", "Xã"),
]
VERTICALS = [
    ("CTHUE", "Cục Thuế tỉnh"),
    ("CHQ", "Cục Hải quan tỉnh"),
    ("CA", "Công an tỉnh"),
    ("BHXH", "Bảo hiểm xã hội tỉnh"),
    ("KBNN", "Kho bạc Nhà nước tỉnh"),
    ("NHNN", "Ngân hàng Nhà nước chi nhánh tỉnh"),
]
PUBLIC_SERVICE = [
    ("TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh", "VPUBND"),
    ("TTCDS", "Trung tâm Chuyển đổi số tỉnh", "STTTT"),
    ("BVDK", "Bệnh viện Đa khoa tỉnh", "SYT"),
    ("TTKN", "Trung tâm Khuyến nông tỉnh", "SNNPTNT"),
]
PLACE_WORDS = [
    "An",
    "Bình",
    "Hòa",
    "Phú",
    "Tân",
    "Vĩnh",
    "Long",
    "Thạnh",
    "Phước",
    "Hưng",
    "Lộc",
    "Xuân",
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Trung",
    "Thuận",
    "Mỹ",
    "Hiệp",
]
COMMUNES_PER_DISTRICT = 15

# (username, full name, role, agency code, with descendants, description printed with the logins)
USERS = [
    ("sonoivu", "Nguyễn Văn An", Role.COORDINATOR, "HA", True, "đầu mối CCHC, Sở Nội vụ (toàn tỉnh)"),
    (
        "huyen.vanloc",
        "Trần Thị Bích",
        Role.COORDINATOR,
        "HVL",
        True,
        "đầu mối CCHC huyện Vạn Lộc và các xã đến 30/6/2025 (xem số liệu lịch sử)",
    ),
    ("daumoi.stp", "Lê Văn Cường", Role.FOCAL, "STP", False, "cán bộ đầu mối, Sở Tư pháp"),
    ("daumoi.syt", "Phạm Thị Dung", Role.FOCAL, "SYT", False, "cán bộ đầu mối, Sở Y tế"),
    ("thutruong.stp", "Hoàng Văn Em", Role.HEAD, "STP", False, "thủ trưởng Sở Tư pháp"),
    ("thamdinh", "Vũ Thị Giang", Role.APPRAISER, "HA", True, "thành viên Hội đồng thẩm định"),
    ("kiemtra", "Đặng Văn Hải", Role.INSPECTOR, "HA", True, "cán bộ kiểm tra CCHC"),
    ("lanhdao", "Bùi Thị Lan", Role.VIEWER, "HA", True, "lãnh đạo UBND tỉnh (xem)"),
]


def demo_extensions() -> list[Callable[[int], dict[str, int]]]:
    """``extend`` of every project app that has a ``demo`` module."""
    return [module.extend for module in _demo_modules()]


def _demo_modules() -> list[ModuleType]:
    found = []
    for config in apps.get_app_configs():
        module_name = f"{config.name}.demo"
        if config.name.startswith("cchc.") and config.name != "cchc.core" and find_spec(module_name):
            found.append(import_module(module_name))
    return found


def demo_logins() -> list[tuple[str, str]]:
    return [("admin", "quản trị hệ thống"), *((u[0], u[5]) for u in USERS)]


def demo_story() -> list[str]:
    """What the demo shows and as of when, read from the database so that it stays true: the
    reorganisation and the former district's persona here, each app's part from its ``story()``."""
    today = timezone.localdate()
    ended = Agency.objects.filter(kind="district", active_to=LAST_OLD_DAY).count()
    old = Agency.objects.filter(kind="commune", active_to=LAST_OLD_DAY).count()
    new = Agency.objects.filter(kind="commune", active_from=MERGE_DAY).count()
    lines = [
        f"Tỉnh Hòa An là tỉnh hư cấu; số liệu đến hôm nay, {format_date_text(today)}.",
        f"- Từ {format_date_text(MERGE_DAY)}, chính quyền địa phương hai cấp: {ended} huyện, thị xã, thành phố"
        f" kết thúc hoạt động ngày {format_date_text(LAST_OLD_DAY)}; {old} xã, phường cũ hợp nhất thành {new}"
        " xã, phường mới trực thuộc tỉnh. Số liệu trước đó vẫn xem được, theo năm.",
    ]
    for module in _demo_modules():
        lines += getattr(module, "story", list)()
    lines.append(
        "- huyen.vanloc là tài khoản của huyện Vạn Lộc cũ: trang Hồ sơ TTHC mở kỳ cuối cùng huyện còn hoạt"
        f" động (1/1/{LAST_OLD_DAY.year} đến {format_date_text(LAST_OLD_DAY)}), trang Chỉ số CCHC mở năm cuối"
        " cùng huyện xếp hạng các xã."
    )
    return lines


def commune_name(prefix: str, index: int) -> str:
    first, second = divmod(index, len(PLACE_WORDS))
    words = PLACE_WORDS[first % len(PLACE_WORDS)], PLACE_WORDS[(second + first + 1) % len(PLACE_WORDS)]
    return f"UBND {prefix.lower()} {words[0]} {words[1]}"


def place(district_name: str) -> str:
    """ "Vạn Lộc" of "UBND huyện Vạn Lộc"."""
    for kind in ("UBND thành phố ", "UBND thị xã ", "UBND huyện "):
        district_name = district_name.removeprefix(kind)
    return district_name


def agency_rows(scale: int = 1) -> list[dict[str, str]]:
    """The province before and after the 1 July 2025 reorganisation, in the import format."""
    rows = [_row(PROVINCE[0], PROVINCE[1], "province")]
    rows += [_row(code, name, "department", "HA") for code, name in DEPARTMENTS]
    rows += [_row(code, name, "vertical", "HA") for code, name in VERTICALS]
    rows += [_row(code, name, "public_service", parent) for code, name, parent in PUBLIC_SERVICE]
    per_district = COMMUNES_PER_DISTRICT * scale
    merged_index = 0
    for d, (code, name, prefix) in enumerate(DISTRICTS):
        rows.append(_row(code, name, "district", "HA", active_to=LAST_OLD_DAY))
        for c in range(per_district):
            if c % 3 == 0:
                merged_index += 1
                new_code = f"XM{merged_index:03d}"
                # The first new commune of an area takes the former district's name, as many did.
                new_name = (
                    f"UBND {prefix.lower()} {place(name)}" if c == 0 else commune_name(prefix, d * per_district + c + 7)
                )
                rows.append(
                    _row(
                        new_code,
                        new_name,
                        "commune",
                        "HA",
                        active_from=MERGE_DAY,
                    )
                )
            rows.append(
                _row(
                    f"{code}-{c + 1:02d}",
                    commune_name(prefix, d * per_district + c),
                    "commune",
                    code,
                    active_to=LAST_OLD_DAY,
                    successor=new_code,
                )
            )
    return rows


def _row(
    code: str,
    name: str,
    kind: str,
    parent: str = "",
    active_from: date = date(2000, 1, 1),
    active_to: date | None = None,
    successor: str = "",
) -> dict[str, str]:
    return {
        "code": code,
        "name": name,
        "kind": kind,
        "parent_code": parent,
        "active_from": active_from.isoformat(),
        "active_to": active_to.isoformat() if active_to else "",
        "successor_code": successor,
    }


@transaction.atomic
def build_demo(scale: int = 1) -> dict[str, Any]:
    rows = agency_rows(scale)
    import_agencies(enumerate(rows, start=2), reason="demo_data")
    agencies = {a.code: a for a in Agency.objects.all()}
    blocks = _blocks(agencies)
    users = _users(agencies)
    counts: dict[str, Any] = {"agencies": len(agencies), "blocks": blocks, "users": users}
    for extension in demo_extensions():
        counts.update(extension(scale))
    for module in _demo_modules():  # once every app's data is in: what one app reads from another's
        getattr(module, "finish", lambda: None)()
    return counts


def _blocks(agencies: dict[str, Agency]) -> int:
    created = 0

    def block(year: int, code: str, name: str, owner: str, members: list[Agency]) -> None:
        nonlocal created
        b = Block.objects.create(year=year, code=code, name=name, owner=agencies[owner])
        BlockMembership.objects.bulk_create(BlockMembership(block=b, agency=a, year=year) for a in members)
        created += 1

    by_kind: dict[str, list[Agency]] = {}
    for a in agencies.values():
        by_kind.setdefault(a.kind, []).append(a)
    for year in (2023, 2024, 2025, 2026):
        day = date(year, 12, 31)
        block(year, "SBN", "Sở, ban, ngành", "HA", [a for a in by_kind["department"]])
        block(year, "NGANHDOC", "Cơ quan ngành dọc", "HA", by_kind["vertical"])
        if year < 2025:
            block(year, "HUYEN", "UBND cấp huyện", "HA", by_kind["district"])
            for code, name, _prefix in DISTRICTS:
                communes = [a for a in by_kind["commune"] if a.parent_id == agencies[code].pk]
                block(year, f"XA-{code}", f"UBND cấp xã thuộc {name.removeprefix('UBND ')}", code, communes)
        else:
            block(year, "XA", "UBND cấp xã", "HA", [a for a in by_kind["commune"] if a.is_active_on(day)])
    return created


def _users(agencies: dict[str, Agency]) -> int:
    admin = User(
        username="admin",
        full_name="Quản trị hệ thống",
        is_staff=True,
        is_superuser=True,
        email="admin@hoaan.example",
    )
    admin.set_password(DEMO_PASSWORD)
    admin.save()
    for username, full_name, role, code, descendants, _description in USERS:
        user = User(username=username, full_name=full_name, email=f"{username}@hoaan.example")
        user.set_password(DEMO_PASSWORD)
        user.save()
        RoleGrant.objects.create(user=user, role=role, agency=agencies[code], include_descendants=descendants)
    return len(USERS) + 1
