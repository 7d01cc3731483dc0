"""Shared set-up of the inspections' tests: an inspection round of HA over SA, and a conclusion notice."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cchc.inspections import services
from cchc.inspections.models import Conclusion, Finding, Inspection, InspectionPlan
from cchc.plans.models import Plan

YEAR = timezone.localdate().year


def pdf(name: str = "bien-ban.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 remediation evidence", content_type="application/pdf")


def inspection_plan(personas: Any, province: Any) -> InspectionPlan:
    return services.create_inspection_plan(
        personas.coordinator, agency=province.province, year=YEAR, title="Kế hoạch kiểm tra CCHC", number="25/KH-UBND"
    )


def inspection_of(personas: Any, province: Any, agency: Any = None, plan: InspectionPlan | None = None) -> Inspection:
    plan = plan or InspectionPlan.objects.first() or inspection_plan(personas, province)
    start = date(YEAR, 1, 10)
    return services.schedule_inspection(
        personas.inspector,
        plan.pk,
        agency=agency or province.dept_a,
        scope="comprehensive",
        starts_on=start,
        ends_on=start + timedelta(days=2),
        team=[personas.inspector],
    )


def finding_of(personas: Any, province: Any, agency: Any = None, deadline: date | None = None) -> Finding:
    inspection = inspection_of(personas, province, agency)
    return services.record_finding(
        personas.inspector,
        inspection.pk,
        text="Hồ sơ TTHC trễ hạn chưa có văn bản xin lỗi",
        category="procedures",
        severity="high",
        deadline=deadline or date(YEAR, 12, 31),
    )


def conclusion_with_directive(personas: Any, province: Any) -> Conclusion:
    conclusion = services.create_conclusion(
        personas.coordinator,
        agency=province.province,
        number="68/TB-UBND",
        issued_on=date(YEAR, 3, 2),
        title="Kết luận Hội nghị tổng kết công tác CCHC",
    )
    services.add_directive(
        personas.coordinator,
        conclusion.pk,
        number=7,
        text="Rà soát, đơn giản hóa thủ tục hành chính",
        addressees=[province.dept_a],
        area="procedures",
    )
    return conclusion


def year_plan(province: Any) -> Plan:
    return Plan.objects.create(year=YEAR, agency=province.province, number="45/KH-UBND", title="Kế hoạch CCHC")
