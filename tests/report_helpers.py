"""Building forms, periods and reports for the report tests."""

from __future__ import annotations

from typing import Any

from cchc.reports import services
from cchc.reports.models import FieldKind, FormField, FormSection, Report, ReportForm, ReportingPeriod


def small_form(year: int = 2025) -> ReportForm:
    """Two sections: a number pair and a required narrative, and a table of tasks."""
    form = ReportForm.objects.create(year=year, code="test", name="Báo cáo thử")
    one = FormSection.objects.create(form=form, code="I", title="I. Công tác chỉ đạo, điều hành", order=1)
    two = FormSection.objects.create(form=form, code="II", title="II. Kết quả thực hiện", order=2)
    specs = [
        (one, "plans", "Số kế hoạch đã ban hành", FieldKind.NUMBER, False, []),
        (one, "direction", "Công tác chỉ đạo, điều hành", FieldKind.TEXT, True, []),
        (two, "received", "Số hồ sơ tiếp nhận", FieldKind.NUMBER, False, []),
        (
            two,
            "tasks",
            "Nhiệm vụ",
            FieldKind.TABLE,
            False,
            [{"code": "task", "label": "Nhiệm vụ", "kind": "text"}, {"code": "done", "label": "Số", "kind": "number"}],
        ),
    ]
    for order, (section, code, label, kind, required, columns) in enumerate(specs):
        FormField.objects.create(
            form=form,
            section=section,
            code=code,
            label=label,
            kind=kind,
            required=required,
            columns=columns,
            order=order,
        )
    return form


def open_period(personas: Any, province: Any, kind: str = "Q1", form: ReportForm | None = None) -> ReportingPeriod:
    period = services.create_period(personas.coordinator, province.province, 2025, kind, form or small_form())
    services.open_period(personas.coordinator, period.pk, [province.block_departments])
    period.refresh_from_db()
    return period


def report_of(period: ReportingPeriod, agency: Any) -> Report:
    return Report.objects.get(period=period, agency=agency)
