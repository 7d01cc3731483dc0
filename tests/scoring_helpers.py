"""Building frameworks, agencies and scores for the scoring tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from cchc.accounts.models import User
from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.agencies.services import rebuild_paths
from cchc.scoring import computed, services, totals
from cchc.scoring.frameworks import import_framework
from cchc.scoring.models import AppraiserAssignment, AreaTotal, Assessment, Framework, Method, Score
from cchc.scoring.services import ensure_assessment

FRAMEWORK_CSV = """code,parent_code,name,max_points,method,source,mapping
1,,Công tác chỉ đạo điều hành CCHC,60,manual,,
1.1,1,Kế hoạch CCHC,30,manual,,
1.1.1,1.1,Ban hành kế hoạch đúng hạn,10,manual,,
1.1.2,1.1,Mức độ hoàn thành kế hoạch,20,manual,,
1.2,1,Công tác tuyên truyền,20,manual,,
1.3,1,Tỉ lệ hồ sơ trễ hạn,10,computed,late_rate,0.02:10; 0.05:5
2,,Khảo sát sự hài lòng,40,survey,satisfaction,
3,,Điểm trừ,5,deduction,,
"""


def write_framework(tmp_path: Path, text: str = FRAMEWORK_CSV, name: str = "framework.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def framework_for(block: Block, tmp_path: Path, deadline: date | None = None) -> Framework:
    framework = import_framework(write_framework(tmp_path), block)
    if deadline:
        framework.submission_deadline = deadline
        framework.save()
    return framework


def assessment_for(agency: Agency, framework: Framework) -> Assessment:
    return ensure_assessment(agency, framework)


def with_rates(assessment: Assessment, late_rate: str | None = "0.01", satisfaction: str | None = "1") -> Assessment:
    """Recorded rates, from which the computed criteria take their points (while self-assessing)."""
    assessment.late_rate = None if late_rate is None else Decimal(late_rate)
    assessment.satisfaction = None if satisfaction is None else Decimal(satisfaction)
    assessment.save()
    computed.refresh([Assessment.objects.select_related("agency").get(pk=assessment.pk)])
    assessment.refresh_from_db()
    return assessment


def score(assessment: Assessment, code: str) -> Score:
    return Score.objects.get(assessment=assessment, criterion__code=code)


def fill_self_scores(assessment: Assessment, points: dict[str, str] | None = None) -> None:
    """Every leaf gets its maximum unless ``points`` says otherwise."""
    points = points or {}
    for s in assessment.scores.select_related("criterion"):
        value = points.get(s.criterion.code)
        s.self_score = (
            Decimal(value)
            if value is not None
            else s.criterion.max_points * (0 if s.criterion.method == "deduction" else 1)
        )
        s.save()
    totals.refresh([assessment.pk])  # written here directly, not through the services: their totals too


def assign(
    appraiser: User, framework: Framework, agency: Agency | None = None, criterion_code: str | None = None
) -> None:
    criterion = framework.criteria.get(code=criterion_code) if criterion_code else None
    AppraiserAssignment.objects.create(appraiser=appraiser, framework=framework, agency=agency, criterion=criterion)


def block_of(
    n: int, owner: Agency, code: str, kind: str = "department", year: int = 2023
) -> tuple[Block, list[Agency]]:
    """A block of ``n`` new agencies under ``owner``."""
    agencies = Agency.objects.bulk_create(
        [Agency(code=f"{code}-{i:03d}", name=f"Đơn vị {code} {i:03d}", kind=kind, parent=owner) for i in range(n)]
    )
    rebuild_paths()
    agencies = list(Agency.objects.filter(code__startswith=f"{code}-").order_by("code"))
    block = Block.objects.create(year=year, code=code, name=f"Khối {code}", owner=owner)
    BlockMembership.objects.bulk_create([BlockMembership(block=block, agency=a, year=year) for a in agencies])
    return block, agencies


def approve_all(block: Block, coordinator: User) -> None:
    """The council approves every assessment of ``block`` (through the service, one after the other).

    The stages before final appraisal are the workflow tests' business: here the assessments are put
    there directly, so that report and page tests can show results that are not preliminary.
    """
    assessments = Assessment.objects.filter(framework__block=block).order_by("pk")
    assessments.update(state=Assessment.State.FINAL_APPRAISAL)
    for pk in assessments.values_list("pk", flat=True):
        services.approve(coordinator, pk)


def summed_from_scores() -> dict[tuple[int, int], tuple[Decimal, Decimal]]:
    """(assessment, area) → (points earned, points deducted), summed here from every leaf score."""
    found: dict[tuple[int, int], list[Decimal]] = {}
    for s in Score.objects.select_related("criterion").filter(criterion__is_leaf=True):
        sums = found.setdefault((s.assessment_id, s.criterion.area_id or 0), [Decimal(0), Decimal(0)])
        if s.effective is not None:
            sums[s.criterion.method == Method.DEDUCTION] += s.effective
    return {key: (earned, deducted) for key, (earned, deducted) in found.items()}


def maintained_totals() -> dict[tuple[int, int], tuple[Decimal, Decimal]]:
    """The same, as the maintained area totals hold them."""
    return {(t.assessment_id, t.area_id): (t.earned, t.deducted) for t in AreaTotal.objects.all()}
