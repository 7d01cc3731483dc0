"""Demo PAR index: a framework for every demo block of 2024–2026 and scored assessments for 2024 and
2025, so that rankings, scorecards and the report show (called by ``cchc demo_data``)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from django.utils import timezone

from cchc.accounts.models import User
from cchc.agencies.models import Block, BlockMembership
from cchc.scoring.frameworks import CriterionRow, check_tree, save_framework
from cchc.scoring.models import AppraiserAssignment, Assessment, Criterion, Framework, Method, Score
from cchc.scoring.results import rank
from cchc.scoring.services import LOCKED

CENT = Decimal("0.01")
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


def framework_rows(criteria_points: int, survey_points: int) -> list[CriterionRow]:
    rows: list[CriterionRow] = []

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
            source, scale = COMPUTED.get(leaf_code, ("", []))
            mapping = [[t, float((points * Decimal(str(f))).quantize(CENT))] for t, f in scale]
            add(leaf_code, code, leaf, points, Method.COMPUTED if source else Method.MANUAL, source, mapping)
    if survey_points:
        add("6", "", "Chỉ số hài lòng của người dân, tổ chức", Decimal(survey_points), Method.SURVEY, "satisfaction")
    add("7", "", "Điểm trừ (vi phạm kỷ luật, kỷ cương, chậm báo cáo)", Decimal(5), Method.DEDUCTION)
    return check_tree(rows)


def _maxima(block: Block) -> tuple[int, int]:
    return MAXIMA.get(block.code, MAXIMA["XA"] if block.code.startswith("XA") else MAXIMA["SBN"])


def extend(scale: int) -> dict[str, int]:
    frameworks = 0
    for block in Block.objects.filter(year__in=(2024, 2025, 2026)).select_related("owner").order_by("year", "code"):
        framework = save_framework(
            framework_rows(*_maxima(block)),
            block,
            user=None,
            title=f"Bộ tiêu chí Chỉ số CCHC năm {block.year} — {block.name}",
        )
        # The year still being assessed keeps its deadline ahead, so the demo officer can submit.
        ahead = timezone.localdate() + timedelta(days=30)
        framework.submission_deadline = date(block.year + 1, 1, 15) if block.year < 2025 else ahead
        framework.save(update_fields=["submission_deadline"])
        frameworks += 1
    appraiser = User.objects.filter(username="thamdinh").first()
    if appraiser is not None:
        AppraiserAssignment.objects.bulk_create(
            [AppraiserAssignment(appraiser=appraiser, framework=f) for f in Framework.objects.all()]
        )
    assessments = sum(_score_year(year) for year in (2024, 2025))
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
            state=_state(m.agency.code, year),
            submitted_at=timezone.now(),
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
    return len(saved)


def _state(code: str, year: int) -> str:
    if year == 2025 and code == "STP":
        return Assessment.State.DRAFT  # the demo focal officer's self-assessment in progress
    if year == 2025 and code == "SYT":
        return Assessment.State.EXPLANATION
    return Assessment.State.PUBLISHED


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
    score = Score(assessment=a, criterion=c, self_score=claimed, self_note="Có kế hoạch, báo cáo kèm theo.")
    if a.state == Assessment.State.DRAFT:
        if rng.random() < 0.15:
            score.self_score, score.self_note = None, ""
        return score
    score.appraised_score = value
    if claimed != value:
        score.appraisal_reason = "Tài liệu kiểm chứng chưa đầy đủ."
    if a.state == Assessment.State.PUBLISHED:
        score.final_score = value
    return score
