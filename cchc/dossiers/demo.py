"""Demo data of the dossier statistics: a procedure catalogue, targets, and dossiers from 2024 to today.

Each agency receives dossiers only for the procedures of its own fields (Sở Tư pháp: lý lịch tư
pháp, công chứng…; Sở Y tế: khám bệnh, chữa bệnh, dược…; the communes: hộ tịch, chứng thực…), in
yearly volumes of the order a province of about a million people sees: hundreds to a few thousand
a commune, tens of thousands at most a department. On 1 July 2025 the districts' procedures pass to
the new communes (the catalogue publishes them again at commune level), so a new commune handles its
predecessors' load and a share of its former district's.

Dossiers go through the real import, so the aggregates are built exactly as in production. Rates
vary by agency (a few agencies with a late rate above the 5 % of rule 1, online shares rising year
by year) so that every page has something to show.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

from django.utils import timezone

from cchc.agencies.models import Agency
from cchc.core.formatting import format_date_text
from cchc.dossiers.models import Procedure, Target
from cchc.dossiers.services import import_dossiers_file

FIRST_DAY = date(2024, 1, 1)
MERGE_DAY = date(2025, 7, 1)  # the two-tier local government (DESIGN §3)

# The provincial agencies' fields (lĩnh vực) and a few of their procedures, most used first.
PROVINCE_FIELDS: dict[str, dict[str, list[str]]] = {
    "STP": {
        "Lý lịch tư pháp": [
            "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
            "Cấp Phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng",
        ],
        "Hộ tịch": ["Cấp bản sao trích lục hộ tịch"],
        "Công chứng": ["Đăng ký hành nghề và cấp Thẻ công chứng viên", "Thành lập Văn phòng công chứng"],
        "Quốc tịch": ["Nhập quốc tịch Việt Nam", "Thôi quốc tịch Việt Nam ở trong nước"],
        "Luật sư": ["Đăng ký hoạt động của tổ chức hành nghề luật sư"],
        "Đấu giá tài sản": ["Đăng ký hoạt động của doanh nghiệp đấu giá tài sản"],
    },
    "SYT": {
        "Khám bệnh, chữa bệnh": [
            "Cấp giấy phép hành nghề khám bệnh, chữa bệnh",
            "Cấp giấy phép hoạt động đối với phòng khám đa khoa",
        ],
        "Dược phẩm": [
            "Cấp Chứng chỉ hành nghề dược",
            "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược đối với nhà thuốc",
        ],
        "An toàn thực phẩm và dinh dưỡng": ["Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm"],
        "Giám định y khoa": ["Khám giám định y khoa lần đầu"],
    },
    "STNMT": {
        "Đất đai": [
            "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất cho tổ chức",
            "Cấp Giấy chứng nhận quyền sử dụng đất lần đầu cho tổ chức",
            "Giao đất, cho thuê đất cho tổ chức",
        ],
        "Môi trường": ["Cấp giấy phép môi trường", "Thẩm định báo cáo đánh giá tác động môi trường"],
        "Tài nguyên nước": ["Cấp giấy phép khai thác, sử dụng nước dưới đất"],
        "Khoáng sản": ["Cấp giấy phép khai thác khoáng sản"],
    },
    "SNNPTNT": {
        "Thủy sản": [
            "Cấp Giấy chứng nhận đăng ký tàu cá",
            "Cấp giấy phép khai thác thủy sản",
            "Cấp Giấy chứng nhận an toàn kỹ thuật tàu cá",
        ],
        "Thú y": ["Cấp Giấy chứng nhận kiểm dịch động vật vận chuyển ra khỏi địa bàn tỉnh"],
        "Bảo vệ thực vật": ["Cấp Giấy chứng nhận đủ điều kiện buôn bán thuốc bảo vệ thực vật"],
        "Lâm nghiệp": ["Phê duyệt phương án khai thác gỗ rừng trồng"],
        "Thủy lợi": ["Cấp giấy phép cho hoạt động trong phạm vi bảo vệ công trình thủy lợi"],
    },
    "SKHDT": {
        "Thành lập và hoạt động của doanh nghiệp": [
            "Đăng ký thay đổi nội dung đăng ký doanh nghiệp",
            "Đăng ký thành lập công ty trách nhiệm hữu hạn",
            "Thông báo tạm ngừng kinh doanh",
        ],
        "Đầu tư tại Việt Nam": ["Cấp Giấy chứng nhận đăng ký đầu tư", "Chấp thuận chủ trương đầu tư"],
        "Thành lập và hoạt động của hợp tác xã": ["Đăng ký thành lập hợp tác xã"],
    },
    "STC": {
        "Tin học - Thống kê": ["Đăng ký mã số đơn vị có quan hệ với ngân sách"],
        "Quản lý giá": ["Đăng ký giá của doanh nghiệp"],
        "Quản lý công sản": ["Xác lập quyền sở hữu toàn dân đối với tài sản"],
    },
    "SCT": {
        "Lưu thông hàng hóa trong nước": [
            "Cấp Giấy phép bán buôn sản phẩm rượu",
            "Cấp Giấy phép bán lẻ sản phẩm thuốc lá",
        ],
        "Xúc tiến thương mại": ["Đăng ký thực hiện khuyến mại"],
        "Điện": ["Cấp giấy phép hoạt động điện lực"],
        "Hóa chất": ["Cấp Giấy chứng nhận đủ điều kiện sản xuất, kinh doanh hóa chất"],
    },
    "SGTVT": {
        "Đường bộ": [
            "Đổi Giấy phép lái xe do ngành Giao thông vận tải cấp",
            "Cấp phù hiệu xe ô tô kinh doanh vận tải",
            "Cấp Giấy phép kinh doanh vận tải bằng xe ô tô",
        ],
        "Đường thủy nội địa": ["Đăng ký phương tiện thủy nội địa lần đầu"],
    },
    "SXD": {
        "Hoạt động xây dựng": [
            "Cấp giấy phép xây dựng mới đối với công trình cấp II, III",
            "Cấp chứng chỉ hành nghề hoạt động xây dựng hạng II, III",
            "Thẩm định báo cáo nghiên cứu khả thi đầu tư xây dựng",
        ],
        "Nhà ở": ["Công nhận chủ đầu tư dự án nhà ở"],
        "Kinh doanh bất động sản": ["Thông báo nhà ở hình thành trong tương lai đủ điều kiện được bán"],
    },
    "STTTT": {
        "Xuất bản, in và phát hành": ["Cấp giấy phép hoạt động in", "Cấp giấy phép xuất bản tài liệu không kinh doanh"],
        "Bưu chính": ["Cấp giấy phép bưu chính"],
        "Phát thanh, truyền hình và thông tin điện tử": [
            "Cấp giấy phép thiết lập trang thông tin điện tử tổng hợp",
        ],
    },
    "SLDTBXH": {
        "Việc làm": [
            "Giải quyết hưởng trợ cấp thất nghiệp",
            "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam",
        ],
        "Người có công": ["Giải quyết chế độ trợ cấp thờ cúng liệt sĩ"],
        "Giáo dục nghề nghiệp": ["Cấp giấy chứng nhận đăng ký hoạt động giáo dục nghề nghiệp"],
        "An toàn, vệ sinh lao động": ["Khai báo máy, thiết bị có yêu cầu nghiêm ngặt về an toàn lao động"],
    },
    "SVHTT": {
        "Văn hóa cơ sở": ["Cấp giấy phép kinh doanh dịch vụ karaoke"],
        "Nghệ thuật biểu diễn": ["Tổ chức biểu diễn nghệ thuật"],
        "Thể dục, thể thao": ["Cấp Giấy chứng nhận đủ điều kiện kinh doanh hoạt động thể thao"],
        "Di sản văn hóa": ["Cấp chứng chỉ hành nghề mua bán di vật, cổ vật"],
    },
    "SDL": {
        "Lữ hành": ["Cấp thẻ hướng dẫn viên du lịch", "Cấp giấy phép kinh doanh dịch vụ lữ hành nội địa"],
        "Cơ sở lưu trú du lịch": ["Công nhận hạng cơ sở lưu trú du lịch"],
    },
    "SKHCN": {
        "Tiêu chuẩn, đo lường, chất lượng": [
            "Đăng ký công bố hợp chuẩn",
            "Kiểm tra nhà nước về chất lượng hàng hóa nhập khẩu",
        ],
        "An toàn bức xạ và hạt nhân": ["Cấp giấy phép sử dụng thiết bị X-quang chẩn đoán trong y tế"],
        "Hoạt động khoa học và công nghệ": ["Đăng ký hoạt động của tổ chức khoa học và công nghệ"],
    },
    "SGDDT": {
        "Văn bằng, chứng chỉ": ["Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "Chỉnh sửa nội dung văn bằng, chứng chỉ"],
        "Thi, tuyển sinh": ["Phúc khảo bài thi tốt nghiệp trung học phổ thông"],
        "Giáo dục trung học": ["Cho phép trường trung học phổ thông hoạt động giáo dục"],
    },
    "SNV": {
        "Thi đua - khen thưởng": ["Tặng Bằng khen của Chủ tịch UBND tỉnh"],
        "Tín ngưỡng, tôn giáo": ["Đăng ký sinh hoạt tôn giáo tập trung"],
        "Tổ chức phi chính phủ": ["Công nhận điều lệ quỹ xã hội, quỹ từ thiện"],
        "Văn thư và lưu trữ": ["Phục vụ việc sử dụng tài liệu của độc giả tại phòng đọc"],
    },
    "TTT": {
        "Giải quyết khiếu nại": ["Giải quyết khiếu nại lần hai tại cấp tỉnh"],
        "Giải quyết tố cáo": ["Giải quyết tố cáo tại cấp tỉnh"],
        "Tiếp công dân": ["Tiếp công dân tại cấp tỉnh"],
    },
    "BDT": {"Công tác dân tộc": ["Công nhận người có uy tín trong đồng bào dân tộc thiểu số"]},
    "BQLKCN": {
        "Đầu tư vào khu công nghiệp": ["Cấp Giấy chứng nhận đăng ký đầu tư dự án trong khu công nghiệp"],
        "Lao động trong khu công nghiệp": [
            "Cấp giấy phép lao động cho người nước ngoài làm việc trong khu công nghiệp"
        ],
    },
    "BQLKKT": {
        "Đầu tư vào khu kinh tế": ["Cấp Giấy chứng nhận đăng ký đầu tư dự án trong khu kinh tế"],
        "Xây dựng trong khu kinh tế": ["Cấp giấy phép xây dựng công trình trong khu kinh tế"],
    },
    "SNGV": {
        "Công tác lãnh sự": ["Cho phép sử dụng thẻ đi lại của doanh nhân APEC"],
        "Hội nghị, hội thảo quốc tế": ["Cho phép tổ chức hội nghị, hội thảo quốc tế"],
    },
    "CTHUE": {
        "Thuế": [
            "Khai thuế giá trị gia tăng",
            "Khai lệ phí trước bạ nhà, đất",
            "Đăng ký thuế lần đầu",
            "Hoàn thuế giá trị gia tăng",
        ],
    },
    "CHQ": {
        "Hải quan": [
            "Thủ tục hải quan đối với hàng hóa xuất khẩu",
            "Thủ tục hải quan đối với hàng hóa nhập khẩu",
        ],
    },
    "CA": {
        "Cấp, quản lý căn cước": ["Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên"],
        "Đăng ký, quản lý cư trú": ["Đăng ký thường trú", "Đăng ký tạm trú"],
        "Xuất nhập cảnh": ["Cấp hộ chiếu phổ thông ở trong nước"],
        "Đăng ký, quản lý phương tiện giao thông": ["Đăng ký xe lần đầu"],
    },
    "BHXH": {
        "Giải quyết hưởng chế độ bảo hiểm xã hội": [
            "Giải quyết hưởng chế độ thai sản",
            "Giải quyết hưởng chế độ ốm đau",
            "Giải quyết hưởng bảo hiểm xã hội một lần",
        ],
        "Thu bảo hiểm xã hội, bảo hiểm y tế": ["Đăng ký tham gia bảo hiểm xã hội bắt buộc, bảo hiểm y tế"],
        "Cấp sổ bảo hiểm xã hội, thẻ bảo hiểm y tế": ["Cấp lại, đổi thẻ bảo hiểm y tế"],
    },
    "KBNN": {
        "Kho bạc nhà nước": [
            "Kiểm soát chi thường xuyên ngân sách nhà nước qua Kho bạc Nhà nước",
            "Mở và sử dụng tài khoản tại Kho bạc Nhà nước",
        ],
    },
    "NHNN": {
        "Ngoại hối": ["Đăng ký hoạt động đại lý đổi ngoại tệ"],
        "Hoạt động ngân hàng": ["Chấp thuận thành lập phòng giao dịch của quỹ tín dụng nhân dân"],
    },
}
# UBND cấp huyện until 30/6/2025; from 1/7/2025 the communes do them (published again at commune level).
DISTRICT_FIELDS: dict[str, list[str]] = {
    "Đất đai": [
        "Đăng ký biến động quyền sử dụng đất cho hộ gia đình, cá nhân",
        "Cấp Giấy chứng nhận quyền sử dụng đất lần đầu cho hộ gia đình, cá nhân",
        "Chuyển mục đích sử dụng đất",
        "Tách thửa hoặc hợp thửa đất",
    ],
    "Thành lập và hoạt động của hộ kinh doanh": [
        "Đăng ký thành lập hộ kinh doanh",
        "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
    ],
    "Xây dựng": ["Cấp giấy phép xây dựng nhà ở riêng lẻ", "Cấp giấy phép sửa chữa, cải tạo nhà ở riêng lẻ"],
    "Chứng thực": ["Chứng thực bản sao từ bản chính giấy tờ do cơ quan có thẩm quyền của nước ngoài cấp"],
    "Hộ tịch": ["Đăng ký khai sinh có yếu tố nước ngoài", "Đăng ký kết hôn có yếu tố nước ngoài"],
    "Bảo trợ xã hội": ["Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng"],
    "Giáo dục và Đào tạo": ["Chuyển trường đối với học sinh trung học cơ sở"],
}
COMMUNE_FIELDS: dict[str, list[str]] = {
    "Chứng thực": [
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
        "Chứng thực chữ ký trong các giấy tờ, văn bản",
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất",
    ],
    "Hộ tịch": [
        "Đăng ký khai sinh",
        "Cấp Giấy xác nhận tình trạng hôn nhân",
        "Đăng ký kết hôn",
        "Đăng ký khai tử",
    ],
    "Bảo trợ xã hội": ["Đăng ký hưởng trợ cấp xã hội hằng tháng"],
    "Người có công": ["Giải quyết chế độ mai táng phí đối với người có công với cách mạng"],
    "Đất đai": ["Hòa giải tranh chấp đất đai"],
}
# Dossiers a year (scale 1), by agency code; a province's real figures are of this order (Khánh Hòa
# 2022: 633,464 received in all, seed 003). Public service units resolve no procedures of their own.
YEARLY_LOAD = {
    "STP": 3000,
    "SYT": 1750,
    "STNMT": 4500,
    "SNNPTNT": 1250,
    "SKHDT": 3000,
    "STC": 300,
    "SCT": 1000,
    "SGTVT": 6000,
    "SXD": 900,
    "STTTT": 150,
    "SLDTBXH": 2500,
    "SVHTT": 250,
    "SDL": 200,
    "SKHCN": 300,
    "SGDDT": 1250,
    "SNV": 350,
    "TTT": 100,
    "BDT": 50,
    "BQLKCN": 450,
    "BQLKKT": 250,
    "SNGV": 150,
    "CTHUE": 6000,
    "CHQ": 2000,
    "CA": 7500,
    "BHXH": 6000,
    "KBNN": 1500,
    "NHNN": 100,
}
WARD_LOAD, COMMUNE_LOAD, CITY_LOAD, DISTRICT_LOAD = (400, 1200), (150, 600), (5000, 8000), (2000, 4000)
TARGETS = {"department": (45, 1), "district": (35, 1), "commune": (25, 1), "vertical": (50, 1)}
DUE_DAYS = (1, 3, 5, 7, 10, 15, 20, 30)
# Days promised for the most used fields (land in weeks).
FIELD_DUE_DAYS = {
    "Chứng thực": 1,  # within the day, or the next one when received after 15:00
    "Hộ tịch": 3,
    "Lý lịch tư pháp": 10,
    "Đất đai": 15,
    "Xây dựng": 15,
    "Hoạt động xây dựng": 20,
    "Thành lập và hoạt động của doanh nghiệp": 3,
    "Thành lập và hoạt động của hộ kinh doanh": 3,
    "Đường bộ": 5,
    "Thuế": 3,
    "Hải quan": 1,
    "Cấp, quản lý căn cước": 7,
    "Đăng ký, quản lý cư trú": 7,
    "Giải quyết hưởng chế độ bảo hiểm xã hội": 5,
}


@dataclass(frozen=True)
class Desk:
    """Who handles a group of procedures: a provincial agency (its code), the districts, the communes
    before the reorganisation, or the communes after it (theirs and the districts' former ones)."""

    key: str
    level: str
    fields: dict[str, list[str]]


def desks() -> list[Desk]:
    province = [Desk(code, "province", fields) for code, fields in PROVINCE_FIELDS.items()]
    return [
        *province,
        Desk("district", "district", DISTRICT_FIELDS),
        Desk("commune", "commune", COMMUNE_FIELDS),
        Desk("commune-from-district", "commune", DISTRICT_FIELDS),
    ]


def desks_of(agency: Agency) -> list[str]:
    """The desks whose procedures ``agency`` handles."""
    if agency.kind == "commune":
        return ["commune", "commune-from-district"] if agency.active_from >= MERGE_DAY else ["commune"]
    if agency.kind == "district":
        return ["district"]
    return [agency.code] if agency.code in PROVINCE_FIELDS else []


def fields_of(agency: Agency) -> set[tuple[str, str]]:
    """(level, field) of every procedure ``agency`` handles."""
    keys = set(desks_of(agency))
    return {(d.level, field) for d in desks() if d.key in keys for field in d.fields}


def _catalogue(rng: random.Random) -> dict[str, list[Procedure]]:
    """The procedures of every desk, most used first; the catalogue is saved once for all."""
    by_desk: dict[str, list[Procedure]] = {}
    number = 0
    for desk in desks():
        prefix = "2" if desk.key == "commune-from-district" else "1"  # a new code for a new level
        for field, names in desk.fields.items():
            for name in names:
                number += 1
                online = rng.choices(["full", "partial", "none"], weights=[4, 4, 2])[0]
                by_desk.setdefault(desk.key, []).append(
                    Procedure(
                        code=f"{prefix}.{number:06d}",
                        name=name,
                        field=field,
                        level=desk.level,
                        online_level=online,
                        postal=rng.random() < 0.7,
                        online_payment=online == "full" and rng.random() < 0.6,
                    )
                )
    Procedure.objects.bulk_create([p for ps in by_desk.values() for p in ps], ignore_conflicts=True)
    return by_desk


def yearly_loads(rng: random.Random, agencies: list[Agency]) -> dict[str, int]:
    """Dossiers a year for each agency; a new commune takes its predecessors' load and an equal share
    of their former district's."""
    loads: dict[str, int] = {}
    for a in agencies:
        if a.kind == "commune" and a.active_to is not None:
            ward = a.name.startswith("UBND phường")
            loads[a.code] = rng.randint(*(WARD_LOAD if ward else COMMUNE_LOAD))
        elif a.kind == "district":
            city = not a.name.startswith("UBND huyện")
            loads[a.code] = rng.randint(*(CITY_LOAD if city else DISTRICT_LOAD))
        elif a.kind != "commune":
            loads[a.code] = round(YEARLY_LOAD.get(a.code, 0) * rng.uniform(0.85, 1.15))
    for a in agencies:
        if a.kind == "commune" and a.active_to is None:
            loads[a.code] = _successor_load(a, loads)
    return loads


def _successor_load(commune: Agency, loads: dict[str, int]) -> int:
    predecessors = list(commune.predecessors.select_related("parent"))
    total = sum(loads.get(p.code, 0) for p in predecessors)
    for district in {p.parent for p in predecessors if p.parent and p.parent.kind == "district"}:
        heirs = Agency.objects.filter(predecessors__parent=district).distinct().count()
        total += loads.get(district.code, 0) // max(1, heirs)
    return total


def _workdays(first: date, last: date) -> tuple[list[date], list[float]]:
    """Days a one-stop desk receives, with their weights: Saturday mornings, quieter around Tết."""
    days, weights = [], []
    day = first
    while day <= last:
        if day.weekday() < 6:
            weight = 0.2 if day.weekday() == 5 else 1.0
            days.append(day)
            weights.append(weight * (0.6 if day.month == 2 else 1.0))
        day += timedelta(days=1)
    return days, list(accumulate(weights))


def _lines(
    rng: random.Random, agencies: list[Agency], by_desk: dict[str, list[Procedure]], loads: dict[str, int]
) -> Iterator[str]:
    today = timezone.localdate()
    slow = {a.code for a in rng.sample(agencies, max(1, len(agencies) // 15))}  # late rate above 5 %
    texts = _DayTexts()
    for a in agencies:
        procedures = [p for key in desks_of(a) for p in by_desk.get(key, [])]
        first, last = max(FIRST_DAY, a.active_from), min(today, a.active_to or today)
        if not procedures or first > last or not loads.get(a.code):
            continue
        count = round(loads[a.code] * ((last - first).days + 1) / 365.25)
        days, day_weights = _workdays(first, last)
        # Zipf: the first procedures of a desk (the most used, as listed) take most dossiers.
        zipf = list(accumulate(1 / (i + 1) for i in range(len(procedures))))
        chosen = rng.choices([_Offer.of(p) for p in procedures], cum_weights=zipf, k=count)
        received_days = sorted(rng.choices(days, cum_weights=day_weights, k=count))
        desk = _Desk(a, 0.08 if a.code in slow else 0.012, 2 + loads[a.code] // 2000, last)
        for n, (received, offer) in enumerate(zip(received_days, chosen, strict=True)):
            yield _line(rng.random, texts, desk, n, received, offer)


@dataclass(frozen=True)
class _Offer:
    """What a dossier line needs of its procedure, worked out once."""

    code: str
    online_level: str  # as the export writes it: empty when not online
    allowed: int  # days promised

    @classmethod
    def of(cls, p: Procedure) -> _Offer:
        return cls(p.code, p.online_level if p.online_level != "none" else "", _due_days(p))


@dataclass(frozen=True)
class _Desk:
    """What a dossier line needs of its agency."""

    agency: Agency
    late_share: float
    handlers: int
    closed_by: date  # today, or the last day of an agency that ended


class _DayTexts(dict[date, str]):
    """ISO texts of days, made once each (a million lines share about a thousand days)."""

    def __missing__(self, day: date) -> str:
        self[day] = text = day.isoformat()
        return text


FEES = (0, 0, 0, 20000, 50000, 100000, 500000)
ONLINE_SHARE = {2024: 0.35, 2025: 0.5}  # later years 0.62


def _line(random: Callable[[], float], texts: _DayTexts, desk: _Desk, n: int, received: date, offer: _Offer) -> str:
    """One dossier in the canonical export columns (DESIGN §8.2)."""
    allowed = offer.allowed
    due = received + timedelta(days=allowed)
    late = random() < desk.late_share
    # Most dossiers are resolved well before their date (seed 002: 88,25% early, 11,42% on time).
    took = allowed + 1 + int(random() * 5) if late else int(random() ** 2 * (allowed + 1))
    resolved = received + timedelta(days=took)
    if resolved > desk.closed_by and desk.agency.active_to is not None:
        resolved = desk.closed_by  # an agency that ended resolved its last dossiers before it closed
    status, resolved_text = "resolved", texts[resolved]
    if resolved > desk.closed_by:
        status, resolved_text = "pending", ""
    elif random() < 0.015:
        status = "returned" if random() < 0.5 else "withdrawn"
    online = bool(offer.online_level) and random() < ONLINE_SHARE.get(received.year, 0.62)
    fee = FEES[int(random() * len(FEES))]
    channel = "online" if online else ("postal" if random() < 0.03 else "direct")
    code = desk.agency.code
    return ",".join(
        (
            f"{code}-{texts[received]}-{n:06d}",
            code,
            offer.code,
            texts[received],
            texts[due] if random() > 0.02 else "",
            resolved_text,
            status,
            channel,
            offer.online_level,
            "1" if online and fee and random() < 0.7 else "0",
            str(fee),
            "1" if random() < 0.05 else "0",
            "1" if random() < 0.55 else "0",
            str(int(random() * 4)),
            f"{code.lower()}.canbo{1 + int(random() * desk.handlers)}",
        )
    )


def _due_days(procedure: Procedure) -> int:
    """The promised time of a procedure: its field's where the law fixes one, else fixed by its code."""
    if procedure.field in FIELD_DUE_DAYS:
        return FIELD_DUE_DAYS[procedure.field]
    return DUE_DAYS[int(procedure.code.rsplit(".", 1)[1]) % len(DUE_DAYS)]


HEADER = (
    "dossier_code,agency_code,procedure_code,received_at,due_at,resolved_at,status,channel,online_level,"
    "paid_online,fee_amount,result_by_post,digitized,sms_count,handler"
)


def story() -> list[str]:
    today = timezone.localdate()
    return [
        f"- Hồ sơ TTHC từ {format_date_text(FIRST_DAY)} đến hôm nay, mỗi cơ quan chỉ nhận thủ tục thuộc lĩnh vực"
        " của mình (Sở Tư pháp: lý lịch tư pháp, công chứng…; xã, phường: hộ tịch, chứng thực, đất đai…):"
        " vài trăm đến vài nghìn hồ sơ một năm mỗi xã. Từ 1/7/2025 các xã mới giải quyết cả thủ tục trước đây"
        f" của cấp huyện. Trang Hồ sơ TTHC mở năm {today.year}, từ 1/1 đến hôm nay."
    ]


def extend(scale: int) -> dict[str, int]:
    rng = random.Random(766)
    by_desk = _catalogue(rng)
    agencies = list(Agency.objects.exclude(kind="province").order_by("code"))
    loads = yearly_loads(rng, agencies)
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "demo-dossiers.csv"
        with path.open("w", encoding="utf-8") as handle:
            handle.write(HEADER + "\n")
            count = 0
            for line in _lines(rng, agencies, by_desk, loads):
                handle.write(line + "\n")
                count += 1
        import_dossiers_file(path)
    for year in (2024, 2025, 2026):
        for kind, (online, late) in TARGETS.items():
            Target.objects.update_or_create(
                year=year, kind=kind, defaults={"online_rate_min": online, "late_rate_max": late}
            )
    return {"procedures": sum(len(ps) for ps in by_desk.values()), "dossiers": count}
