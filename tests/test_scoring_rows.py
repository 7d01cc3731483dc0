"""A ranking run reads the assessments as rows (``results._Row``) and makes model instances only for the
results it writes and the frozen ones; what it computes, stores and audits is as before."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cchc.core.models import AuditEntry
from cchc.scoring import services
from cchc.scoring.models import Assessment
from cchc.scoring.results import STORED, _Row, rank, stored
from tests.scoring_helpers import assign, framework_for, score, with_rates

TODAY = timezone.localdate()


@pytest.fixture
def opened(province: Any, personas: Any, tmp_path: Path) -> tuple[Assessment, Assessment]:
    framework = framework_for(province.block_departments, tmp_path, deadline=TODAY + timedelta(days=10))
    assign(personas.appraiser, framework, agency=province.dept_a)
    assert services.open_assessments(personas.coordinator, province.block_departments) == 2
    a = Assessment.objects.get(agency=province.dept_a)
    b = Assessment.objects.get(agency=province.dept_b)
    with_rates(a, late_rate="0.03", satisfaction="0.8")
    with_rates(b, late_rate="0.01", satisfaction="0.9")
    return a, b


def audited(x: Assessment) -> int:
    return AuditEntry.objects.filter(content_type__model="assessment", object_id=str(x.pk)).count()


def test_a_recompute_makes_an_instance_only_for_the_results_that_changed(opened: Any, personas: Any) -> None:
    a, b = opened
    block = a.framework.block
    rank(2025, block)
    before = {x.pk: audited(x) for x in (a, b)}
    stored_values = {x.pk: [getattr(Assessment.objects.get(pk=x.pk), name) for name in STORED] for x in (a, b)}

    (ranking,) = rank(2025, block)  # nothing changed since: no instance, nothing written or audited
    assert all(isinstance(r.assessment, _Row) for r in ranking.results)
    assert {x.pk: audited(x) for x in (a, b)} == before
    assert {x.pk: [getattr(Assessment.objects.get(pk=x.pk), n) for n in STORED] for x in (a, b)} == stored_values
    # A row answers for its assessment: what it does not hold comes from the instance.
    result = next(r for r in ranking.results if r.agency_code == "SB")
    assert result.assessment.framework == b.framework
    assert result.agency.name == b.agency.name and result.stage == str(b.get_state_display())

    s = score(a, "1.2")
    services.self_assess(personas.officer_a, s.pk, Decimal(20), "", s.version)
    (ranking,) = rank(2025, block)
    for r in ranking.results:  # written (and audited) through an instance exactly where something changed
        assert isinstance(r.assessment, Assessment) == (audited(r.assessment) == before[r.assessment.pk] + 1)
    assert isinstance(next(r for r in ranking.results if r.agency_code == "SA").assessment, Assessment)


def test_what_a_run_returns_is_what_it_stored(opened: Any, personas: Any) -> None:
    a, _b = opened
    framework = a.framework
    for code, points in (("1.1.1", "10"), ("1.2", "20")):
        s = score(a, code)
        services.self_assess(personas.officer_a, s.pk, Decimal(points), "", s.version)
    (computed,) = rank(2025, framework.block, save=False)
    (ranked,) = rank(2025, framework.block)
    shown = stored(framework, Assessment.objects.filter(framework=framework).select_related("agency"))
    assert [r.as_json() for r in computed.results] == [r.as_json() for r in ranked.results]
    assert [r.as_json() for r in ranked.results] == [r.as_json() for r in shown.results]
    assert {r.agency_code for r in ranked.results} == {"SA", "SB"}


def test_a_frozen_result_is_read_from_its_instance(opened: Any, personas: Any) -> None:
    a, b = opened
    rank(2025, a.framework.block)
    Assessment.objects.filter(pk=b.pk).update(frozen_at=timezone.now(), band="weak", index=Decimal("12.5"))
    (ranking,) = rank(2025, a.framework.block)
    frozen = next(r for r in ranking.results if r.agency_code == "SB")
    assert isinstance(frozen.assessment, Assessment) and frozen.final
    assert frozen.band == "weak" and frozen.index == Decimal("12.5")
