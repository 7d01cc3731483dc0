"""Figures the system holds, filled into the report forms: dossiers over the period's cut-off range, last
year's PAR index (approved only), and no figure for the modules not built yet."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from cchc.agencies.models import Agency
from cchc.core.scope import SYSTEM
from cchc.dossiers.services import add_counts_of, build_row
from cchc.reports import prefill
from cchc.reports.models import (
    ExpectedReport,
    FieldKind,
    FormField,
    FormRule,
    FormSection,
    Report,
    ReportForm,
    ReportingPeriod,
    RuleStrength,
)
from tests.scoring_helpers import assessment_for, framework_for

# A small form: sections, a part, text, number, table and prefilled fields, one soft rule.
SECTIONS = [
    ("s1", "I. Công tác chỉ đạo, điều hành", 1),
    ("s1a", "1. Kế hoạch CCHC", 2),
    ("s1b", "2. Tuyên truyền CCHC", 2),
    ("s2", "II. Cải cách thủ tục hành chính", 1),
    ("s3", "III. Hiện đại hóa hành chính", 1),
    ("s4", "IV. Phương hướng, nhiệm vụ", 1),
]
FIELDS = [
    ("s1a", "plan_text", "Kết quả ban hành kế hoạch CCHC", FieldKind.TEXT, ""),
    ("s1a", "plan_tasks", "Số nhiệm vụ trong kế hoạch", FieldKind.NUMBER, ""),
    ("s1b", "media_text", "Kết quả tuyên truyền", FieldKind.TEXT, ""),
    ("s2", "received", "Số hồ sơ tiếp nhận", FieldKind.NUMBER, "dossiers.received"),
    ("s2", "resolved", "Số hồ sơ đã giải quyết", FieldKind.NUMBER, "dossiers.resolved"),
    ("s2", "late_rate", "Tỉ lệ hồ sơ trễ hạn", FieldKind.NUMBER, "dossiers.late_rate"),
    ("s2", "tthc_text", "Kết quả cải cách TTHC", FieldKind.TEXT, ""),
    ("s2", "tasks_done", "Số nhiệm vụ đã hoàn thành", FieldKind.NUMBER, "tasks.done"),
    ("s2", "satisfaction", "Chỉ số hài lòng", FieldKind.NUMBER, "surveys.satisfaction"),
    ("s3", "index", "Chỉ số CCHC năm trước", FieldKind.NUMBER, "scoring.index"),
    ("s3", "band", "Xếp hạng năm trước", FieldKind.TEXT, "scoring.band"),
    ("s3", "it_text", "Kết quả hiện đại hóa", FieldKind.TEXT, ""),
    ("s3", "it_table", "Ứng dụng CNTT", FieldKind.TABLE, ""),
    ("s4", "next_text", "Phương hướng", FieldKind.TEXT, ""),
]
COLUMNS = [{"code": "name", "label": "Nội dung", "kind": "text"}, {"code": "count", "label": "Số", "kind": "number"}]


def make_form(year: int = 2026) -> ReportForm:
    form = ReportForm.objects.create(year=year, code="BC-CCHC", name="Báo cáo CCHC định kỳ")
    sections = {
        code: FormSection.objects.create(form=form, code=code, title=title, level=level, order=i)
        for i, (code, title, level) in enumerate(SECTIONS)
    }
    for i, (section, code, label, kind, source) in enumerate(FIELDS):
        FormField.objects.create(
            form=form,
            section=sections[section],
            code=code,
            label=label,
            kind=kind,
            prefill=source,
            columns=COLUMNS if kind == FieldKind.TABLE else [],
            order=i,
        )
    FormRule.objects.create(
        form=form,
        code="tasks_plan",
        expression="plan_tasks >= 10",
        strength=RuleStrength.SOFT,
        message="Kế hoạch CCHC có ít nhất 10 nhiệm vụ",
    )
    return form


def make_period(province: Any, kind: str = "Q1", year: int = 2026) -> ReportingPeriod:
    from cchc.reports.calendar import default_range

    cut = default_range(year, kind)
    period = ReportingPeriod.objects.create(
        owner=province.province,
        year=year,
        kind=kind,
        form=make_form(year),
        cutoff_start=cut.cutoff_start,
        cutoff_end=cut.cutoff_end,
        deadline=cut.deadline,
        opened_at=timezone.now(),
    )
    for block in (province.block_departments, province.block_communes):
        for m in block.memberships.all():
            ExpectedReport.objects.create(period=period, agency=m.agency, block=block)
            Report.objects.create(period=period, agency=m.agency)
    return period


def write_report(period: ReportingPeriod, agency: Agency, state: str, values: dict[str, Any], **extra: Any) -> Report:
    """A report as the workflow leaves it (the workflow services are not what is tested here)."""
    report = Report.objects.get(period=period, agency=agency)
    submitted = timezone.make_aware(datetime.combine(extra.pop("on", period.deadline), time(9)))
    report.state, report.values = state, values
    if state != "draft":
        report.first_submitted_at = report.submitted_at = submitted
    for key, value in extra.items():
        setattr(report, key, value)
    report.save()
    return report


def dossiers(
    agency: Agency, day: date, early: int, on_time: int, late: int, pending: int = 0, overdue: int = 0
) -> None:
    """Counts of dossiers for an agency received on ``day``, resolved five days later (no stored records)."""

    def resolved(due_in: int, weight: int) -> tuple[Any, int]:
        return build_row("", agency.pk, day, day + timedelta(days=due_in), day + timedelta(days=5), "resolved"), weight

    rows = [resolved(9, early), resolved(5, on_time), resolved(2, late)]
    rows.append((build_row("", agency.pk, day, day + timedelta(days=400), None, "pending"), pending))
    rows.append((build_row("", agency.pk, day, day + timedelta(days=1), None, "pending"), overdue))
    add_counts_of([(r, w) for r, w in rows if w])


def test_known_names_for_the_form_importer() -> None:
    assert prefill.known("dossiers.received") and prefill.known("dossiers.late_rate")
    assert prefill.known("scoring.index") and prefill.known("scoring.band")
    assert prefill.known("tasks.done") and prefill.known("surveys.satisfaction")
    assert not prefill.known("dossiers.nonsense") and not prefill.known("received") and not prefill.known("")
    assert prefill.available("dossiers.online_rate") and prefill.available("tasks.done")
    assert prefill.available("surveys.satisfaction")  # the surveys module gives it now (tests/test_surveys_feeds.py)
    assert prefill.missing("surveys.satisfaction") == "" and prefill.missing("dossiers.received") == ""
    assert "không có" in prefill.missing("surveys.nonsense")


def test_dossier_figures_over_the_cutoff_range(province: Any) -> None:
    period = make_period(province)
    dossiers(province.dept_a, date(2026, 1, 10), early=70, on_time=20, late=10, pending=5, overdue=2)
    dossiers(province.dept_a, date(2025, 12, 1), early=1000, on_time=0, late=0)  # before 15/12/2025
    dossiers(province.dept_a, date(2026, 3, 20), early=1000, on_time=0, late=0)  # after 14/3/2026
    dossiers(province.dept_b, date(2026, 1, 10), early=500, on_time=0, late=0)  # another agency
    found = prefill.figures(province.dept_a, period, user=SYSTEM)
    assert set(found) == {"received", "resolved", "late_rate", "tasks_done"}  # no questionnaire, no index this year
    assert found["tasks_done"]["value"] == 0  # the plans module is there: no task led by the agency yet
    assert found["received"] == {
        "value": 107,
        "text": "107",
        "source": "Thống kê hồ sơ TTHC từ 15/12/2025 đến 14/3/2026",
    }
    assert found["resolved"]["value"] == 100
    assert found["late_rate"]["text"] == "11,21%"  # (10 late + 2 overdue) ÷ (100 resolved + 7 pending)
    report = Report.objects.get(period=period, agency=province.dept_a)
    assert prefill.figures(report, user=SYSTEM) == found
    assert prefill.unavailable(period) == {}


def test_figures_follow_the_readers_scope(province: Any, personas: Any) -> None:
    period = make_period(province)
    dossiers(province.dept_a, date(2026, 1, 10), early=7, on_time=0, late=0)
    assert prefill.figures(province.dept_a, period, user=personas.officer_a)["received"]["value"] == 7
    assert prefill.figures(province.dept_a, period, user=personas.officer_b) == {}
    assert prefill.figures(province.dept_a, period, user=None) == {}


def test_last_years_index_only_when_approved(province: Any, tmp_path: Path) -> None:
    period = make_period(province)
    assessment = assessment_for(province.dept_a, framework_for(province.block_departments, tmp_path))
    assessment.index, assessment.band, assessment.state = Decimal("88.4567"), "good", "appraisal"
    assessment.save()
    assert "index" not in prefill.figures(province.dept_a, period, user=SYSTEM)
    assessment.state, assessment.frozen_at = "approved", timezone.now()
    assessment.save()
    found = prefill.figures(province.dept_a, period, user=SYSTEM)
    assert found["index"] == {"value": 88.4567, "text": "88,46%", "source": "Chỉ số CCHC năm 2025 (đã phê duyệt)"}
    assert found["band"]["text"] == "Tốt"
