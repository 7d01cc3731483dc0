"""The survey results feed the PAR index's satisfaction criterion and the periodic report's prefill."""

from __future__ import annotations

from decimal import Decimal

from cchc.scoring.models import FigureSource
from cchc.scoring.sources import figures
from cchc.surveys.models import Status
from tests.scoring_helpers import assessment_for, framework_for, score, with_rates
from tests.survey_helpers import form, questionnaire, uniform


def test_the_satisfaction_criterion_reads_the_surveys_and_falls_back_to_the_recorded_figure(province, tmp_path):
    framework = framework_for(province.block_departments, tmp_path)
    q = questionnaire(2025)
    form(q, province.dept_a, uniform(q, 5))
    form(q, province.dept_a, uniform(q, 2))
    form(q, province.dept_a, uniform(q, 1), status=Status.HELD, held_reasons=["burst"])  # left out
    surveyed = with_rates(assessment_for(province.dept_a, framework), late_rate="0.01", satisfaction="0.80")
    recorded = with_rates(assessment_for(province.dept_b, framework), late_rate="0.01", satisfaction="0.80")
    found = figures("satisfaction", [surveyed, recorded])
    assert found[surveyed.pk].value == Decimal("0.5") and found[surveyed.pk].source == FigureSource.SURVEYS
    assert found[recorded.pk].value == Decimal("0.80") and found[recorded.pk].source == FigureSource.RECORDED
    # the criterion "2" (40 points, survey, satisfaction): 40 × 50% from the surveys, 40 × 80% recorded
    assert score(surveyed, "2").self_score == Decimal("20.00")
    assert score(surveyed, "2").figure_source == FigureSource.SURVEYS
    assert score(recorded, "2").self_score == Decimal("32.00")
    assert score(recorded, "2").figure_source == FigureSource.RECORDED


def test_the_feed_reads_thousands_of_agencies_in_a_few_queries(province, tmp_path, django_assert_max_num_queries):
    from cchc.agencies.models import Agency
    from cchc.scoring.models import Assessment
    from cchc.scoring.sources import FEW, survey_satisfaction

    framework = framework_for(province.block_departments, tmp_path)
    q = questionnaire(2025)
    form(q, province.dept_a, uniform(q, 4))
    assessment_for(province.dept_a, framework)
    ids = [province.dept_a.pk, *range(10_000, 10_000 + FEW + 10)]  # more than FEW: read as a subquery
    with django_assert_max_num_queries(4):
        found = survey_satisfaction(ids, 2025)
    assert found == {province.dept_a.pk: Decimal(1)}
    assert Assessment.objects.filter(year=2025).count() == 1 and Agency.objects.count() == 8


def test_the_report_prefill_gives_the_survey_figures_of_the_period(province, personas):
    from datetime import date

    from cchc.reports import prefill
    from cchc.reports.models import FormField
    from tests.test_report_prefill import make_period

    period = make_period(province)  # 2026, quarter I: cut-off 15/12/2025 to 14/3/2026
    form_ = period.form
    section = form_.sections.first()
    for code, name in (("sv_forms", "forms"), ("sv_officer", "officer")):
        FormField.objects.create(
            form=form_, section=section, code=code, label=code, kind="number", prefill=f"surveys.{name}", order=90
        )
    q = questionnaire(2026)
    form(q, province.dept_a, uniform(q, 5), answered_on=date(2026, 2, 1))
    form(q, province.dept_a, {"A1": 5, "O1": 2}, answered_on=date(2026, 3, 1))
    form(q, province.dept_a, uniform(q, 1), answered_on=date(2026, 5, 1))  # after the cut-off
    form(q, province.dept_b, uniform(q, 1), answered_on=date(2026, 2, 1))  # another agency
    found = prefill.figures(province.dept_a, period, user=personas.officer_a)
    assert found["sv_forms"]["value"] == 2
    assert found["sv_officer"] == {
        "value": round(2 / 3, 6),
        "text": "66,67%",
        "source": "Khảo sát sự hài lòng năm 2026, phiếu trả lời từ 15/12/2025 đến 14/3/2026",
    }
    # access 3/3, procedure 2/2, officer 2/3, result 2/2, feedback 2/2: mean 93,33%
    assert found["satisfaction"]["text"] == "93,33%"
    assert prefill.figures(province.dept_a, period, user=personas.officer_b) == {}
