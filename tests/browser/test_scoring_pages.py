"""PAR index in a real browser: the officer self-assesses through the form; the pages meet WCAG 2.1 AA."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cchc.scoring.models import Assessment, Score
from cchc.scoring.results import rank
from tests.browser.test_accessibility import violations
from tests.browser.test_login_tree import login
from tests.scoring_helpers import assessment_for, fill_self_scores, framework_for, with_rates


@pytest.fixture
def scored(province: Any, tmp_path: Path) -> Any:
    framework = framework_for(province.block_departments, tmp_path, deadline=timezone.localdate() + timedelta(days=5))
    other = with_rates(assessment_for(province.dept_b, framework), satisfaction="0.75")
    fill_self_scores(other, {"1.2": "12"})
    rank(2025)
    # Results the council approved, frozen as they stood, then published.
    Assessment.objects.filter(pk=other.pk).update(state=Assessment.State.PUBLISHED, frozen_at=timezone.now())
    draft = assessment_for(province.dept_a, framework)
    rank(2025)
    return framework, draft


def test_the_officer_enters_a_self_score_and_sees_the_progress(
    live_server: Any, page: Any, personas: Any, scored: Any, tmp_path: Path
) -> None:
    _framework, draft = scored
    login(page, personas.officer_a.username)
    page.goto("/scoring/agencies/SA/assessment/")
    page.get_by_label("Điểm tự chấm 1.2").fill("17,5")
    page.get_by_label("Thuyết minh tự đánh giá 1.2").fill("Đã ban hành kế hoạch tuyên truyền")
    row = page.locator("tr", has=page.get_by_label("Điểm tự chấm 1.2"))
    row.get_by_role("button", name="Lưu").click()
    page.get_by_text("Đã lưu.").wait_for()
    assert "Đã tự chấm: 1 trên 4 tiêu chí" in page.content()  # the computed criteria are the system's
    assert Score.objects.get(assessment=draft, criterion__code="1.2").self_score == Decimal("17.5")
    assert violations(page) == []
    page.screenshot(path=str(tmp_path / "assessment.png"), full_page=True)


@pytest.mark.parametrize(
    "path", ["/scoring/", "/scoring/agencies/SB/", "/scoring/blocks/{block}/", "/scoring/blocks/{block}/framework/"]
)
def test_the_coordinators_pages_meet_wcag_aa(
    live_server: Any, page: Any, personas: Any, province: Any, scored: Any, path: str
) -> None:
    login(page, personas.coordinator.username)
    page.goto(path.format(block=province.block_departments.pk))
    assert violations(page) == []


def test_the_public_page_meets_wcag_aa_without_an_account(live_server: Any, page: Any, scored: Any) -> None:
    page.goto("/scoring/public/")
    page.get_by_role("heading", name="Sở, ban, ngành").wait_for()
    assert "Sở Y tế" in page.content() and "Sở Tư pháp" not in page.content()
    assert violations(page) == []
