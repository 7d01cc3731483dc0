"""Demo PAR index: a framework for every demo block of 2024–2026, published results for 2024 and 2025,
and 2026 under way as it is in December (called by ``cchc demo_data``): most agencies have submitted
their self-assessment, Sở Tư pháp is still writing its own, Sở Y tế was appraised early and is
explaining. Rankings, scorecards and the report show, and every step has someone to take it."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from django.utils import timezone

from cchc.accounts.models import User
from cchc.agencies.models import Block, BlockMembership
from cchc.core.formatting import format_date_text, format_number
from cchc.scoring import totals
from cchc.scoring.frameworks import CriterionRow, check_tree, save_framework
from cchc.scoring.models import AppraiserAssignment, Assessment, Criterion, Framework, Method, Score
from cchc.scoring.results import rank
from cchc.scoring.services import LOCKED

CENT = Decimal("0.01")
ASSESSED_YEAR = 2026  # the year whose self-assessment is under way; the years before are published
# Areas of the Khánh Hòa framework: (code, name, share of the criteria points, leaves)
AREAS = [
    (
        "1",
        "Công tác chỉ đạo, điều hành CCHC",
        Decimal("0.2"),
        ["Kế hoạch CCHC năm", "Báo cáo CCHC định kỳ", "Kiểm tra CCHC", "Tuyên truyền CCHC"],
    ),
    (
        "2",
        "Cải cách thủ tục hành chính",
        Decimal("0.3"),
        ["Tỉ lệ hồ sơ trễ hạn", "Tỉ lệ hồ sơ trực tuyến", "Công khai thủ tục hành chính"],
    ),
    ("3", "Cải cách tổ chức bộ máy", Decimal("0.15"), ["Sắp xếp tổ chức bộ máy", "Phân cấp, ủy quyền"]),
    ("4", "Cải cách chế độ công vụ", Decimal("0.15"), ["Vị trí việc làm", "Kỷ luật, kỷ cương hành chính"]),
    ("5", "Xây dựng chính quyền điện tử, chính quyền số", Decimal("0.2"), ["Hệ thống quản lý văn bản", "Số hóa hồ sơ"]),
]
# Block code prefix → (criteria points, survey points): Hà Tĩnh's maxima (DESIGN §5.4).
MAXIMA = {"SBN": (80, 20), "HUYEN": (80, 20), "XA": (70, 30), "NGANHDOC": (60, 0)}
COMPUTED = {
    "2.1": ("late_rate", [[0.0, 1.0], [0.02, 0.75], [0.05, 0.5]]),
    "2.2": ("online_rate", [[0.8, 1.0], [0.5, 0.5]]),
}
# The year under way also reads the plans' tasks and the periodic reports' timeliness (the demo holds both
# for that year only): "Kế hoạch CCHC năm" from the tasks done on time, "Báo cáo CCHC định kỳ" from the
# reports sent on time.
FED = {
    "1.1": ("task_completion", [[0.9, 1.0], [0.75, 0.75], [0.5, 0.5]]),
    "1.2": ("report_timeliness", [[1.0, 1.0], [0.75, 0.75], [0.5, 0.5]]),
}


def story() -> list[str]:
    return [
        f"- Chỉ số CCHC: năm 2024 và 2025 đã công bố; năm {ASSESSED_YEAR} đang đánh giá: các cơ quan đã gửi"
        " bản tự chấm, chờ thẩm định; Sở Tư pháp đang tự chấm; Sở Y tế đã được thẩm định sớm, đang giải trình."
    ]


def framework_rows(criteria_points: int, survey_points: int, year: int = 0) -> list[CriterionRow]:
    rows: list[CriterionRow] = []
    computed = {**COMPUTED, **FED} if year == ASSESSED_YEAR else COMPUTED

    def add(
        code: str,
        parent: str,
        name: str,
        points: Decimal,
        method: str = Method.MANUAL,
        source: str = "",
        mapping: list[list[float]] | None = None,
    ) -> None:
        rows.append(CriterionRow(len(rows) + 2, code, parent, name, points, method, source, mapping or []))

    for code, name, share, leaves in AREAS:
        area_points = (Decimal(criteria_points) * share).quantize(CENT)
        add(code, "", name, area_points)
        each = (area_points / len(leaves)).quantize(CENT)
        for i, leaf in enumerate(leaves, start=1):
            points = area_points - each * (len(leaves) - 1) if i == len(leaves) else each
            leaf_code = f"{code}.{i}"
            source, scale = computed.get(leaf_code, ("", []))
            mapping = [[t, float((points * Decimal(str(f))).quantize(CENT))] for t, f in scale]
            add(leaf_code, code, leaf, points, Method.COMPUTED if source else Method.MANUAL, source, mapping)
    if survey_points:
        add("6", "", "Chỉ số hài lòng của người dân, tổ chức", Decimal(survey_points), Method.SURVEY, "satisfaction")
    add("7", "", "Điểm trừ (vi phạm kỷ luật, kỷ cương, chậm báo cáo)", Decimal(5), Method.DEDUCTION)
    return check_tree(rows)


# Self-assessment notes by criterion, as agencies write them: the evidence cited by number and date.
# {n} a document number, {s} the issuer's symbol, {d} a date of the year, {k} a count, {p} a percentage.
NOTES = {
    "1.1": [
        "Kế hoạch số {n}/KH-{s} ngày {d} về cải cách hành chính năm {y}, ban hành đúng thời hạn.",
        "Kế hoạch CCHC năm {y} ban hành kèm theo Quyết định số {n}/QĐ-{s} ngày {d}; có bố trí kinh phí.",
        "Kế hoạch số {n}/KH-{s} ngày {d}; {k} nhiệm vụ, đã hoàn thành đúng hạn tất cả.",
    ],
    "1.2": [
        "Gửi đủ 04 báo cáo CCHC định kỳ đúng hạn; báo cáo năm số {n}/BC-{s} ngày {d}.",
        "Báo cáo CCHC năm số {n}/BC-{s} ngày {d}; các báo cáo quý, 6 tháng gửi qua Hệ thống báo cáo tỉnh đúng hạn.",
        "Báo cáo quý III gửi chậm 02 ngày; báo cáo năm số {n}/BC-{s} ngày {d} đúng hạn.",
    ],
    "1.3": [
        "Kế hoạch kiểm tra CCHC số {n}/KH-{s} ngày {d}; đã kiểm tra {k} phòng, đơn vị.",
        "Kiểm tra công tác CCHC tại {k} đơn vị theo Quyết định số {n}/QĐ-{s} ngày {d}; có theo dõi khắc phục.",
    ],
    "1.4": [
        "Kế hoạch tuyên truyền CCHC số {n}/KH-{s} ngày {d}; đăng {k} tin, bài trên trang thông tin điện tử.",
        "Tổ chức {k} hội nghị, lớp tập huấn về CCHC; tài liệu kèm Công văn số {n}/{s} ngày {d}.",
    ],
    "2.3": [
        "Công khai đầy đủ {k} TTHC tại Bộ phận Một cửa và trên Cổng dịch vụ công (Quyết định số {n}/QĐ-UBND ngày {d}).",
        "Niêm yết công khai TTHC đúng quy định; rà soát theo Kế hoạch số {n}/KH-{s} ngày {d}.",
    ],
    "3.1": [
        "Sắp xếp tổ chức bộ máy theo Quyết định số {n}/QĐ-UBND ngày {d} của UBND tỉnh.",
        "Quy định chức năng, nhiệm vụ của các phòng chuyên môn tại Quyết định số {n}/QĐ-{s} ngày {d}.",
    ],
    "3.2": [
        "Thực hiện đúng các nội dung được phân cấp, ủy quyền; báo cáo kết quả số {n}/BC-{s} ngày {d}.",
        "Rà soát nội dung phân cấp, ủy quyền tại Công văn số {n}/{s} ngày {d}; không có nội dung vướng mắc.",
    ],
    "4.1": [
        "Đề án vị trí việc làm được phê duyệt tại Quyết định số {n}/QĐ-UBND ngày {d}; bố trí đúng vị trí.",
        "Cập nhật bản mô tả công việc và khung năng lực của {k} vị trí việc làm (Công văn số {n}/{s} ngày {d}).",
    ],
    "4.2": [
        "Không có cán bộ, công chức vi phạm kỷ luật, kỷ cương hành chính trong năm {y}.",
        "Kế hoạch số {n}/KH-{s} ngày {d} về tăng cường kỷ luật, kỷ cương hành chính; không có vi phạm.",
        "01 công chức bị khiển trách theo Quyết định số {n}/QĐ-{s} ngày {d}; đã chấn chỉnh, rút kinh nghiệm.",
    ],
    "5.1": [
        "100% văn bản đi được ký số, gửi nhận trên Hệ thống quản lý văn bản và điều hành; thống kê kèm theo.",
        "Tỉ lệ văn bản điện tử đạt {p}% (trích xuất từ Hệ thống quản lý văn bản ngày {d}).",
    ],
    "5.2": [
        "Số hóa {p}% hồ sơ, kết quả giải quyết TTHC còn hiệu lực; Báo cáo số {n}/BC-{s} ngày {d}.",
        "Số hóa {k} hồ sơ TTHC tiếp nhận trong năm; số liệu từ Hệ thống thông tin giải quyết TTHC tỉnh.",
    ],
    "7": [
        "Không có vi phạm, không chậm báo cáo trong năm {y}.",
        "Chậm gửi báo cáo quý III; Sở Nội vụ nhắc tại Công văn số {n}/SNV-CCHC ngày {d}.",
    ],
}
# The month of the year a criterion's evidence is usually dated (a plan in January, a report in December).
NOTE_MONTHS = {"1.1": 1, "1.2": 12, "1.3": 3, "1.4": 2, "2.3": 4, "3.1": 6, "3.2": 9, "4.1": 5, "4.2": 2, "5.1": 12}
REASONS = [
    "Tài liệu kiểm chứng chưa đầy đủ: thiếu báo cáo quý IV.",
    "Văn bản ban hành chậm so với thời hạn của Kế hoạch CCHC tỉnh.",
    "Chưa có tài liệu chứng minh việc khắc phục sau kiểm tra.",
    "Số liệu tự chấm chưa khớp với báo cáo năm đã gửi Sở Nội vụ.",
    "Tài liệu kiểm chứng là văn bản của năm trước, không thuộc kỳ đánh giá.",
]


def self_note(a: Assessment, c: Criterion, deducted: bool, rng: random.Random) -> str:
    """A note citing the evidence of criterion ``c`` (none for the figures the system computes)."""
    notes = NOTES.get(c.code)
    if not notes:
        return ""
    # A deduction's note says whether there was one.
    template = (notes[1] if deducted else notes[0]) if c.method == Method.DEDUCTION else rng.choice(notes)
    year = a.year
    day = date(year, NOTE_MONTHS.get(c.code, 11), rng.randint(2, 27))
    if day >= timezone.localdate():  # the year under way cites what is already issued
        day = timezone.localdate() - timedelta(days=rng.randint(1, 20))
    issuer = a.agency.code if a.agency.kind in ("department", "vertical", "public_service") else "UBND"
    return template.format(
        n=rng.randint(12, 480),
        s=issuer,
        d=format_date_text(day),
        y=year,
        k=rng.randint(3, 40),
        p=format_number(Decimal(rng.randint(920, 1000)) / 10, 1, lang="vi"),
    )


def _maxima(block: Block) -> tuple[int, int]:
    return MAXIMA.get(block.code, MAXIMA["XA"] if block.code.startswith("XA") else MAXIMA["SBN"])


def extend(scale: int) -> dict[str, int]:
    frameworks = 0
    for block in Block.objects.filter(year__in=(2024, 2025, 2026)).select_related("owner").order_by("year", "code"):
        framework = save_framework(
            framework_rows(*_maxima(block), block.year),
            block,
            user=None,
            title=f"Bộ tiêu chí Chỉ số CCHC năm {block.year} — {block.name}",
        )
        # The year still being assessed keeps its deadline ahead, so the demo officer can submit.
        ahead = timezone.localdate() + timedelta(days=30)
        deadline = date(block.year + 1, 1, 15)
        framework.submission_deadline = deadline if block.year < ASSESSED_YEAR else max(deadline, ahead)
        framework.save(update_fields=["submission_deadline"])
        frameworks += 1
    appraiser = User.objects.filter(username="thamdinh").first()
    if appraiser is not None:
        AppraiserAssignment.objects.bulk_create(
            [AppraiserAssignment(appraiser=appraiser, framework=f) for f in Framework.objects.all()]
        )
    assessments = sum(_score_year(year) for year in (2024, 2025, ASSESSED_YEAR))
    for year in (2024, 2025):
        rank(year, reason="Dữ liệu mẫu")
        # The council approved these: their results are the snapshot from now on, as after services.approve.
        Assessment.objects.filter(year=year, state__in=LOCKED).update(frozen_at=timezone.now())
    return {"PAR frameworks": frameworks, "PAR assessments": assessments}


def _score_year(year: int) -> int:
    memberships = BlockMembership.objects.filter(year=year).select_related("agency", "block__framework")
    assessments = [
        Assessment(
            agency=m.agency,
            framework=cast(Any, m.block).framework,  # reverse one-to-one: the stubs do not see it
            year=year,
            state=(state := _state(m.agency.code, year)),
            submitted_at=None if state == Assessment.State.DRAFT else timezone.now(),
        )
        for m in memberships
    ]
    Assessment.objects.bulk_create(assessments, batch_size=500)
    saved = list(Assessment.objects.filter(year=year).select_related("agency", "framework"))
    leaves: dict[int, list[Criterion]] = {}
    scores: list[Score] = []
    for a in saved:
        rng = random.Random(f"{a.agency.code}-{year}")
        quality = max(Decimal("0.45"), Decimal(str(round(0.95 - abs(rng.gauss(0, 0.09)), 3))))
        a.satisfaction = Decimal(str(round(min(0.97, float(quality) + rng.uniform(-0.06, 0.05)), 4)))
        a.late_rate = Decimal(str(round(max(0.0, rng.gauss(0.008, 0.014)), 4)))
        if a.state == Assessment.State.EXPLANATION:
            a.explanation_deadline = timezone.localdate() + timedelta(days=10)
        if a.framework_id not in leaves:
            leaves[a.framework_id] = list(a.framework.criteria.filter(is_leaf=True).order_by("position"))
        for c in leaves[a.framework_id]:
            scores.append(_score(a, c, quality, rng))
    Assessment.objects.bulk_update(saved, ["satisfaction", "late_rate", "explanation_deadline"], batch_size=500)
    Score.objects.bulk_create(scores, batch_size=1000)
    totals.refresh(a.pk for a in saved)
    return len(saved)


def _state(code: str, year: int) -> str:
    if year < ASSESSED_YEAR:
        return Assessment.State.PUBLISHED
    if code == "STP":
        return Assessment.State.DRAFT  # the demo focal officer's self-assessment in progress
    if code == "SYT":
        return Assessment.State.EXPLANATION
    return Assessment.State.SUBMITTED


def _score(a: Assessment, c: Criterion, quality: Decimal, rng: random.Random) -> Score:
    maximum, method = c.max_points, c.method
    if method == Method.DEDUCTION:
        value = Decimal(rng.choice([0, 0, 0, 0, 0.5, 1]))
    elif method == Method.SURVEY:
        value = (maximum * (a.satisfaction or Decimal(0))).quantize(CENT)
    else:
        value = min(
            maximum,
            (maximum * min(Decimal(1), quality + Decimal(str(round(rng.uniform(-0.08, 0.08), 3))))).quantize(CENT),
        )
    claimed = min(maximum, value + (maximum * Decimal("0.1")).quantize(CENT)) if rng.random() < 0.2 else value
    note = self_note(a, c, bool(value), rng)
    score = Score(assessment=a, criterion=c, self_score=claimed, self_note=note)
    if a.state == Assessment.State.DRAFT:
        if rng.random() < 0.15:
            score.self_score, score.self_note = None, ""
        return score
    if a.state == Assessment.State.SUBMITTED:
        return score  # waiting for the council
    score.appraised_score = value
    if claimed != value:
        score.appraisal_reason = rng.choice(REASONS)
    if a.state == Assessment.State.PUBLISHED:
        score.final_score = value
    return score
