"""Demo periodic reports (called by ``cchc demo_data``): the province's calendar of 2026 as it stands in
December. The reports of quarter I, six months and nine months are in: most accepted on time, some
late, one returned and being corrected, a few still missing and overdue; the annual report is open,
Sở Tư pháp has started its draft, a few agencies have already submitted. Every step has someone to
take it (sonoivu accepts or returns, thutruong.stp submits, daumoi.stp writes)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from cchc.accounts.models import User
from cchc.agencies.models import Agency, Block
from cchc.core.scope import SYSTEM
from cchc.reports import prefill, services
from cchc.reports.defaults import default_form
from cchc.reports.models import Report, ReportEvent, ReportingPeriod, ReportState, ReturnNote

YEAR = 2026
KINDS = ("Q1", "H1", "9M", "Y")
AREAS = {
    "institutions": "rà soát, hệ thống hóa văn bản quy phạm pháp luật thuộc lĩnh vực quản lý",
    "procedures": "rà soát, đơn giản hóa thủ tục hành chính; nâng cao tỉ lệ hồ sơ trực tuyến",
    "organisation": "sắp xếp tổ chức bộ máy theo mô hình chính quyền địa phương hai cấp",
    "civil_service": "xây dựng vị trí việc làm và bồi dưỡng cán bộ, công chức",
    "public_finance": "thực hiện cơ chế tự chủ tài chính, tiết kiệm chi hành chính",
    "digital_government": "số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
}


def story() -> list[str]:
    return [
        f"- Báo cáo định kỳ năm {YEAR}: quý I, 6 tháng và 9 tháng đã qua hạn (đa số đã tiếp nhận; có báo cáo"
        " gửi trễ, bị trả lại, còn thiếu); báo cáo năm đang mở, hạn 20/12: Sở Tư pháp đang soạn (daumoi.stp),"
        " thủ trưởng gửi (thutruong.stp), Sở Nội vụ tiếp nhận hoặc trả lại (sonoivu)."
    ]


def extend(scale: int) -> dict[str, int]:
    coordinator = User.objects.filter(username="sonoivu").first()
    province = Agency.objects.filter(code="HA").first()
    if coordinator is None or province is None:
        return {}
    blocks = list(Block.objects.filter(year=YEAR, owner=province).order_by("code"))
    form = default_form(YEAR, coordinator)
    reports = 0
    with transaction.atomic():
        for kind in KINDS:
            period = services.create_period(coordinator, province, YEAR, kind, form)
            services.open_period(coordinator, period.pk, blocks)
            ReportingPeriod.objects.filter(pk=period.pk).update(opened_at=_at(period.cutoff_start, 8))
            reports += _fill(ReportingPeriod.objects.get(pk=period.pk), coordinator)
    return {"periodic reports": reports}


def _at(day: Any, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 30)))


def _fate(code: str, kind: str, rng: random.Random) -> str:
    """What became of an agency's report: the demo's two agencies of the personas are set, the rest drawn."""
    if kind == "Y":
        if code == "STP":
            return "draft_started"
        return "submitted" if rng.random() < 0.2 else "draft"
    if code == "SYT" and kind == "9M":
        return "returned"
    if code == "STP":
        return "accepted"
    draw = rng.random()
    if kind == "9M" and draw < 0.08:
        return "missing"
    if draw < 0.12:
        return "late"
    if kind == "9M" and draw < 0.2:
        return "submitted"
    return "accepted"


def _fill(period: ReportingPeriod, coordinator: User) -> int:
    rng = random.Random(f"{period.year}-{period.kind}")
    reports = list(
        Report.objects.filter(period=period).select_related("agency", "period__form").order_by("agency__code")
    )
    for report in reports:
        fate = _fate(report.agency.code, period.kind, rng)
        if fate == "draft":
            continue
        report.values = _values(report.agency, period.kind, rng)
        if fate == "draft_started":
            report.values = {k: v for k, v in report.values.items() if k in ("plan", "steering", "plan_tasks")}
            report.save(update_fields=["values"])
            continue
        if fate == "missing":
            report.values = {k: v for k, v in report.values.items() if k in ("plan", "steering")}
            report.save(update_fields=["values"])
            continue
        _submitted(report, coordinator, fate, rng)
    return len(reports)


def _submitted(report: Report, coordinator: User, fate: str, rng: random.Random) -> None:
    period = report.period
    if fate == "late":
        submitted = _at(period.deadline + timedelta(days=rng.randint(1, 6)), 15)
    else:
        submitted = _at(period.deadline - timedelta(days=rng.randint(0, 5)), 10)
    if period.kind == "Y":
        submitted = min(submitted, timezone.now() - timedelta(days=1))
    report.prefilled = prefill.figures(report, user=SYSTEM)
    report.state = ReportState.SUBMITTED
    report.first_submitted_at = report.submitted_at = submitted
    report.version = 1
    events = [ReportEvent(report=report, at=submitted, action="submit", from_state="draft", to_state="submitted")]
    if fate == "returned":
        report.state = ReportState.RETURNED
        report.returned_values = dict(report.values)
        events.append(
            ReportEvent(
                report=report,
                at=submitted + timedelta(days=2),
                user=coordinator,
                action="return",
                from_state="submitted",
                to_state="returned",
                reason="Đề nghị bổ sung kết quả cải cách thể chế và số liệu kiểm tra",
            )
        )
    elif fate in ("accepted", "late"):
        report.state = ReportState.ACCEPTED
        report.accepted_at = submitted + timedelta(days=3)
        events.append(
            ReportEvent(
                report=report,
                at=report.accepted_at,
                user=coordinator,
                action="accept",
                from_state="submitted",
                to_state="accepted",
            )
        )
    report.save()
    for event in events:
        event.values = report.values
    ReportEvent.objects.bulk_create(events)
    if fate == "returned":
        returned = ReportEvent.objects.get(report=report, action="return")
        ReturnNote.objects.bulk_create(
            [
                ReturnNote(
                    event=returned,
                    target="institutions_results",
                    reason="Nêu rõ số văn bản quy phạm pháp luật đã rà soát và kết quả xử lý.",
                ),
                ReturnNote(
                    event=returned, target="inspections_done", reason="Số cơ quan đã kiểm tra chưa khớp kế hoạch."
                ),
            ]
        )


def _values(agency: Agency, kind: str, rng: random.Random) -> dict[str, Any]:
    period = {"Q1": "quý I", "H1": "6 tháng đầu năm", "9M": "9 tháng đầu năm", "Y": "năm"}[kind]
    planned = rng.randint(12, 30)
    inspections = rng.randint(2, 6)
    findings = rng.randint(0, 5)
    values: dict[str, Any] = {
        "plan": f"Ban hành Kế hoạch CCHC năm {YEAR} với {planned} nhiệm vụ trọng tâm, phân công cụ thể"
        " cho từng phòng, đơn vị và cá nhân phụ trách.",
        "plan_tasks": str(planned),
        "plan_tasks_done": str(rng.randint(planned // 3, planned)),
        "steering": f"Trong {period}, lãnh đạo cơ quan thường xuyên quán triệt, chỉ đạo công tác CCHC tại các cuộc"
        " họp giao ban; gắn kết quả CCHC với đánh giá, xếp loại cán bộ, công chức.",
        "documents_issued": str(rng.randint(2, 12)),
        "propaganda": "Đăng tải tin, bài về CCHC trên Trang thông tin điện tử; niêm yết công khai thủ tục hành chính.",
        "propaganda_items": str(rng.randint(3, 25)),
        "inspection": f"Kiểm tra công tác CCHC tại {inspections} phòng, đơn vị trực thuộc.",
        "inspections_planned": str(inspections),
        "inspections_done": str(inspections),
        "inspection_findings": str(findings),
        "inspection_findings_fixed": str(rng.randint(0, findings)),
        "legal_documents_issued": str(rng.randint(0, 4)),
        "procedures_published": str(rng.randint(0, 15)),
        "procedures_total": str(rng.randint(40, 180)),
        "staff_trained": str(rng.randint(10, 120)),
        "administrative_savings": str(rng.randint(50, 900)),
        "documents_online_share": str(rng.randint(92, 100)),
        "achievements": "Tỉ lệ hồ sơ giải quyết đúng hạn đạt cao; tỉ lệ hồ sơ trực tuyến tăng so với cùng kỳ.",
        "limitations": "Một số thủ tục còn phát sinh hồ sơ trễ hạn; việc số hóa kết quả giải quyết còn chậm.",
        "causes": "Nhân lực tại Bộ phận Một cửa còn thiếu; hạ tầng kỹ thuật chưa đồng bộ.",
        "next_tasks": "Tiếp tục rà soát, đơn giản hóa thủ tục hành chính; đẩy mạnh dịch vụ công trực tuyến toàn trình.",
        "proposals": "Đề nghị Sở Nội vụ tổ chức tập huấn nghiệp vụ CCHC cho cán bộ đầu mối.",
    }
    for area, text in AREAS.items():
        values[f"{area}_results"] = f"Tập trung {text}; các nhiệm vụ được triển khai đúng tiến độ."
        values[f"{area}_tasks"] = [
            {"task": text[0].upper() + text[1:], "result": "Đã triển khai theo kế hoạch", "status": "đã hoàn thành"}
        ]
    return values
