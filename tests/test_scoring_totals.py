"""The points per assessment and area that a ranking reads (``AreaTotal``) are kept equal to the sums of
the scores by every path that writes scores: opening, computed criteria, self-assessment, import,
appraisal, explanation round, final appraisal, approval, and the demo's and the migration's loads.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone

from cchc.core.models import AuditEntry
from cchc.scoring import services, totals
from cchc.scoring.models import AreaTotal, Assessment
from cchc.scoring.results import STORED, rank
from tests.scoring_helpers import (
    assign,
    fill_self_scores,
    framework_for,
    maintained_totals,
    score,
    summed_from_scores,
    with_rates,
)

State = Assessment.State
TODAY = timezone.localdate()


def assert_kept() -> dict[tuple[int, int], tuple[Decimal, Decimal]]:
    kept = maintained_totals()
    assert kept == summed_from_scores()
    return kept


@pytest.fixture
def opened(province: Any, personas: Any, tmp_path: Path) -> tuple[Assessment, Assessment]:
    framework = framework_for(province.block_departments, tmp_path, deadline=TODAY + timedelta(days=10))
    assign(personas.appraiser, framework, agency=province.dept_a)
    assert services.open_assessments(personas.coordinator, province.block_departments) == 2
    a = Assessment.objects.get(agency=province.dept_a)
    b = Assessment.objects.get(agency=province.dept_b)
    return a, b


def test_every_score_write_keeps_the_area_totals(opened: Any, personas: Any, tmp_path: Path) -> None:
    a, b = opened
    # Opened: a row per assessment and area (three areas), nothing scored yet.
    assert assert_kept() == {(x.pk, area): (0, 0) for x in (a, b) for area in _areas(a)}

    with_rates(a, late_rate="0.03", satisfaction="0.8")  # computed criteria: 1.3 → 5 points, 2 → 32
    kept = assert_kept()
    assert kept[(a.pk, _area(a, "2"))] == (32, 0)

    for code, points in (("1.1.1", "10"), ("1.1.2", "18.5"), ("1.2", "20"), ("3", "2")):
        s = score(a, code)
        services.self_assess(personas.officer_a, s.pk, Decimal(points), "", s.version)
    kept = assert_kept()
    assert kept[(a.pk, _area(a, "1"))] == (Decimal("53.5"), 0) and kept[(a.pk, _area(a, "3"))] == (0, 2)

    path = tmp_path / "scores.csv"
    path.write_text("agency_code,criterion_code,self_score\nSB,1.2,17\nSB,3,1\n", encoding="utf-8")
    services.import_scores_file(path, 2025)
    kept = assert_kept()
    assert kept[(b.pk, _area(b, "1"))] == (17, 0) and kept[(b.pk, _area(b, "3"))] == (0, 1)

    services.submit(personas.head, a.pk)
    s = score(a, "1.2")
    services.appraise(personas.appraiser, s.pk, Decimal(12), "Thiếu minh chứng", s.version)
    assert assert_kept()[(a.pk, _area(a, "1"))] == (Decimal("45.5"), 0)
    services.open_explanation(personas.coordinator, a.pk, TODAY)
    services.start_final_appraisal(personas.coordinator, a.pk)
    s = score(a, "1.2")
    services.final_appraise(personas.appraiser, s.pk, Decimal(16), "Chấp nhận giải trình", s.version)
    assert assert_kept()[(a.pk, _area(a, "1"))] == (Decimal("49.5"), 0)
    services.approve(personas.coordinator, a.pk)
    assert_kept()

    # The ranking reads them: 49.5 + 32 − 2 = 79.5 of 100.
    a.refresh_from_db()
    assert a.points == Decimal("79.5") and a.area_indices == {"1": 82.5, "2": 80.0}


def test_a_ranking_reads_the_totals_not_the_scores(opened: Any, personas: Any) -> None:
    """What the ranking shows comes from the maintained rows (so a write that forgot them would show)."""
    a, _b = opened
    with_rates(a, late_rate="0.01", satisfaction="1")  # 10 + 40 points
    AreaTotal.objects.filter(assessment=a, area__code="1").update(earned=Decimal("7.25"))
    (ranking,) = rank(2025, a.framework.block, save=False)
    result = next(r for r in ranking.results if r.assessment.pk == a.pk)
    assert result.points == Decimal("47.25")


def _results(ranking: Any) -> dict[str, dict[str, Any]]:
    return {r.agency_code: r.as_json() for r in ranking.results}


def _versions(*assessments: Assessment) -> list[tuple[int, int | None]]:
    found = Assessment.objects.filter(pk__in=[a.pk for a in assessments]).order_by("agency__code")
    return list(found.values_list("totals_version", "ranked_totals_version"))


def test_a_ranking_works_out_again_only_the_points_whose_totals_changed(opened: Any, personas: Any) -> None:
    a, b = opened
    for x, late in ((a, "0.03"), (b, "0.01")):
        with_rates(x, late_rate=late, satisfaction="0.9")
    for x, points in ((a, "10"), (b, "20")):
        s = score(x, "1.2")
        services.self_assess(personas.officer_a if x == a else personas.officer_b, s.pk, Decimal(points), "", s.version)
    block = a.framework.block
    rank(2025, block)
    assert all(version == ranked for version, ranked in _versions(a, b))  # the results stored with their totals

    # Every score write bumps the version: the next run works that assessment's points out again, and
    # keeps the other's stored points, index and area indices (a total changed behind the back of
    # ``totals.refresh`` is not seen, which shows that they are not read).
    s = score(a, "1.2")
    services.self_assess(personas.officer_a, s.pk, Decimal(15), "", s.version)
    true_total = AreaTotal.objects.get(assessment=b, area__code="1").earned
    AreaTotal.objects.filter(assessment=b, area__code="1").update(earned=Decimal("99"))
    (version_a, ranked_a), (version_b, ranked_b) = _versions(a, b)
    assert version_a == ranked_a + 1 and version_b == ranked_b
    (ranking,) = rank(2025, block)
    kept = {r.agency_code: r.areas for r in ranking.results}
    assert kept["SB"] is None and kept["SA"] is not None
    a.refresh_from_db()
    b_before = Assessment.objects.get(pk=b.pk)
    assert a.points == sum(earned - deducted for _key, (earned, deducted) in totals_of(a))
    assert all(version == ranked for version, ranked in _versions(a, b))

    # What is stored is what a run working everything out from the totals gives.
    Assessment.objects.update(ranked_totals_version=None)
    AreaTotal.objects.filter(assessment=b, area__code="1").update(earned=true_total)
    (from_scratch,) = rank(2025, block, save=False)
    assert all(r.areas is not None for r in from_scratch.results)
    assert _results(from_scratch) == _results(ranking)
    # A refresh of b's totals is seen by the next run: its points are worked out again (and come out as
    # stored, so that only the version is written).
    Assessment.objects.update(ranked_totals_version=F("totals_version"))
    AreaTotal.objects.filter(assessment=b, area__code="1").update(earned=Decimal("99"))
    totals.refresh([b.pk])
    entries = AuditEntry.objects.filter(content_type__model="assessment").count()
    (ranking,) = rank(2025, block)
    assert next(r for r in ranking.results if r.agency_code == "SB").areas is not None
    b.refresh_from_db()
    assert [getattr(b, name) for name in STORED] == [getattr(b_before, name) for name in STORED]
    assert AuditEntry.objects.filter(content_type__model="assessment").count() == entries
    assert all(version == ranked for version, ranked in _versions(a, b))


def test_a_computed_criterion_refreshed_by_a_run_counts_in_that_run(opened: Any, personas: Any) -> None:
    """The run refreshes the computed criteria before it reads the totals: an assessment whose computed
    points changed is worked out again in the same run, though its version was read before."""
    a, _b = opened
    with_rates(a, late_rate="0.03", satisfaction="0.8")  # 1.3 → 5 points, 2 → 32
    block = a.framework.block
    rank(2025, block)
    a.refresh_from_db()
    assert a.points == 37
    Assessment.objects.filter(pk=a.pk).update(late_rate=Decimal("0.01"))  # recorded, not yet refreshed
    (ranking,) = rank(2025, block)
    a.refresh_from_db()
    result = next(r for r in ranking.results if r.agency_code == "SA")
    assert_kept()
    assert a.points == result.points == sum(earned - deducted for _key, (earned, deducted) in totals_of(a))
    assert a.points > 37


def test_saving_an_assessment_keeps_the_version_its_score_writes_bumped(opened: Any, personas: Any) -> None:
    """A submission refreshes the computed criteria (their totals' version bumped), then saves the
    assessment's new state: that save must not write back the version the assessment was loaded with,
    or the next ranking would keep the points from before the refresh."""
    a, _b = opened
    with_rates(a, late_rate="0.03", satisfaction="0.8")  # 1.3 → 5 points, 2 → 32
    fill_self_scores(a, {"1.3": "5", "2": "32"})
    block = a.framework.block
    rank(2025, block)
    a.refresh_from_db()
    points = a.points
    Assessment.objects.filter(pk=a.pk).update(late_rate=Decimal("0.01"))  # the figure moves before submission
    services.submit(personas.head, a.pk)
    rank(2025, block)
    a.refresh_from_db()
    assert a.state == State.SUBMITTED
    assert a.points == sum(earned - deducted for _key, (earned, deducted) in totals_of(a)) > points
    assert a.totals_version == a.ranked_totals_version


def totals_of(a: Assessment) -> list[tuple[tuple[int, int], tuple[Decimal, Decimal]]]:
    """The maintained totals of ``a``."""
    return [(key, value) for key, value in maintained_totals().items() if key[0] == a.pk]


def _areas(a: Assessment) -> list[int]:
    return list(a.framework.criteria.filter(parent__isnull=True).values_list("pk", flat=True))


def _area(a: Assessment, code: str) -> int:
    return a.framework.criteria.get(code=code).pk
