"""Demo conclusions and inspections (called by ``cchc demo_data``, after the plans' demo).

The Chairman's conclusion notice of the 2025 PAR review conference (modelled on ``seeds/000``) with its
twelve directives, some made tasks of the demo plan; and the province's PAR inspection round of 2026:
seven inspections of departments and communes, findings of several PAR areas and severities, their
remediation in every state as of 1 December 2026 (open, reported, verified on time and late, sent
back, overdue), each a task of the inspected agency in the inspection plan's own plan.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from cchc.accounts.models import User
from cchc.agencies.models import Agency, AgencyKind
from cchc.core.scope import SYSTEM
from cchc.inspections.models import (
    Conclusion,
    Directive,
    DirectiveTask,
    Finding,
    Inspection,
    InspectionPlan,
    InspectionStatus,
    RemediationStatus,
    RemediationStep,
    Scope,
    StepKind,
)
from cchc.inspections.stats import inspection_sentence, inspection_stats
from cchc.plans.models import Area, Plan, Task, TaskStatus

YEAR = 2026
AS_OF = date(2026, 12, 1)  # the demo's "today", as the plans' demo

# seeds/000's twelve directives, paraphrased: (text, area, deadline, addressed agency codes)
DIRECTIVES: list[tuple[str, str, date | None, list[str]]] = [
    (
        "Rà soát, phân tích kết quả CCHC năm 2025, xác định từng hạn chế cần khắc phục và giải pháp thực hiện theo "
        "Báo cáo tổng kết của UBND tỉnh, Báo cáo Chỉ số CCHC của Sở Nội vụ và Thông báo kết luận của Đoàn kiểm tra.",
        Area.DIRECTION,
        date(2026, 4, 30),
        [],
    ),
    (
        "Tiếp tục quán triệt Kết luận của Ban Thường vụ Tỉnh ủy về đẩy mạnh CCHC; nâng cao nhận thức của cán bộ, "
        "công chức, viên chức: “đầu tư cho CCHC là đầu tư cho sự phát triển”.",
        Area.DIRECTION,
        None,
        [],
    ),
    (
        "Tăng cường kiểm tra CCHC, tập trung kiểm tra chuyên đề, kiểm tra đột xuất; khắc phục kịp thời hạn chế, xử lý "
        "nghiêm vi phạm; kiểm tra việc chấp hành kỷ luật, kỷ cương hành chính.",
        Area.DIRECTION,
        date(2026, 10, 31),
        ["SNV"],
    ),
    (
        "Đổi mới hình thức, nội dung tuyên truyền CCHC; phát động phong trào sáng kiến, giải pháp CCHC của công "
        "chức, viên chức trẻ.",
        Area.DIRECTION,
        date(2026, 9, 30),
        ["STTTT"],
    ),
    (
        "Nâng cao chất lượng tham mưu ban hành văn bản quy phạm pháp luật; hoàn thiện các quy định về cơ chế, chính "
        "sách đặc thù phát triển tỉnh.",
        Area.INSTITUTIONS,
        date(2026, 11, 30),
        ["STP"],
    ),
    (
        "Hoàn thành sắp xếp, tinh gọn tổ chức bộ máy; đẩy mạnh phân cấp; cơ cấu lại đội ngũ cán bộ, công chức gắn "
        "với tinh giản biên chế; nâng cao chất lượng đào tạo, bồi dưỡng.",
        Area.ORGANISATION,
        date(2026, 12, 31),
        ["SNV"],
    ),
    (
        "Rà soát, đơn giản hóa thủ tục hành chính, kiểm soát việc thực hiện TTHC đã công bố (thành phần hồ sơ, thời "
        "hạn giải quyết), nhất là lĩnh vực đầu tư, đất đai, xây dựng.",
        Area.PROCEDURES,
        date(2026, 6, 30),
        ["VPUBND", "STNMT", "SXD"],
    ),
    (
        "Cập nhật kịp thời TTHC lên Cơ sở dữ liệu quốc gia; công khai đầy đủ TTHC; giảm tỉ lệ hồ sơ trễ hạn; nâng "
        "mức hài lòng của người dân, doanh nghiệp trên 87%.",
        Area.PROCEDURES,
        date(2026, 8, 31),
        ["VPUBND"],
    ),
    (
        "Thực hiện hiệu quả cơ chế tự chủ, tự chịu trách nhiệm của cơ quan hành chính, đơn vị sự nghiệp công lập; "
        "tập trung giải ngân vốn đầu tư công.",
        Area.PUBLIC_FINANCE,
        date(2026, 12, 15),
        ["STC"],
    ),
    (
        "Triển khai kiến trúc chính quyền điện tử, chính quyền số đồng bộ ở các cấp; ứng dụng công nghệ thông tin "
        "trong quản lý, điều hành.",
        Area.DIGITAL_GOVERNMENT,
        date(2026, 7, 31),
        ["STTTT"],
    ),
    (
        "Kiên trì các giải pháp cải thiện thứ bậc các chỉ số đánh giá đối với tỉnh: PAR Index, PCI, PAPI, DTI, ICT "
        "Index, PACA.",
        Area.DIRECTION,
        None,
        [],
    ),
    (
        "Đề nghị Mặt trận Tổ quốc, các đoàn thể, hiệp hội và cơ quan báo chí phối hợp, đồng hành tuyên truyền CCHC.",
        Area.DIRECTION,
        None,
        [],
    ),
]
# Directives made tasks of the demo plan: number → [(lead, deadline, completed_on or None)]
DIRECTIVE_TASKS: dict[int, list[tuple[str, date, date | None]]] = {
    3: [("SNV", date(2026, 10, 31), date(2026, 10, 20))],
    7: [
        ("VPUBND", date(2026, 6, 30), date(2026, 6, 25)),
        ("STNMT", date(2026, 6, 30), date(2026, 7, 20)),
        ("SXD", date(2026, 6, 30), None),
    ],
    8: [("VPUBND", date(2026, 8, 31), None)],
    10: [("STTTT", date(2026, 12, 20), None)],
}
# (agency code or "commune:i", scope, theme, start, status)
INSPECTIONS = [
    ("STP", Scope.COMPREHENSIVE, "", date(2026, 4, 14), InspectionStatus.CONCLUDED),
    (
        "SYT",
        Scope.THEMATIC,
        "Tiếp nhận, giải quyết hồ sơ TTHC trên Hệ thống một cửa điện tử",
        date(2026, 5, 12),
        InspectionStatus.CONCLUDED,
    ),
    ("STNMT", Scope.COMPREHENSIVE, "", date(2026, 6, 9), InspectionStatus.CONCLUDED),
    ("SXD", Scope.THEMATIC, "Tài chính công", date(2026, 7, 7), InspectionStatus.CONCLUDED),
    ("commune:0", Scope.COMPREHENSIVE, "", date(2026, 8, 18), InspectionStatus.CONCLUDED),
    (
        "commune:1",
        Scope.THEMATIC,
        "Thực hiện cơ chế một cửa, một cửa liên thông",
        date(2026, 11, 17),
        InspectionStatus.IN_PROGRESS,
    ),
    ("SCT", Scope.COMPREHENSIVE, "", date(2026, 12, 8), InspectionStatus.PLANNED),
]
# Findings per inspection (by its index): (text, category, severity, deadline, state)
# state: open | returned | reported | verified_on_time | verified_late
FINDINGS: dict[int, list[tuple[str, str, str, date, str]]] = {
    0: [
        (
            "Kế hoạch CCHC năm ban hành chậm so với yêu cầu của UBND tỉnh.",
            Area.DIRECTION,
            "low",
            date(2026, 6, 30),
            "verified_on_time",
        ),
        (
            "Chưa rà soát, kiến nghị bãi bỏ văn bản quy phạm pháp luật hết hiệu lực.",
            Area.INSTITUTIONS,
            "medium",
            date(2026, 7, 31),
            "verified_late",
        ),
        (
            "Một số hồ sơ TTHC giải quyết trễ hạn nhưng chưa có văn bản xin lỗi người dân.",
            Area.PROCEDURES,
            "high",
            date(2026, 6, 30),
            "verified_on_time",
        ),
    ],
    1: [
        (
            "Tỉ lệ số hóa hồ sơ, kết quả giải quyết TTHC còn thấp.",
            Area.DIGITAL_GOVERNMENT,
            "medium",
            date(2026, 9, 30),
            "verified_on_time",
        ),
        (
            "Hồ sơ tiếp nhận trực tiếp chưa được cập nhật lên Hệ thống một cửa điện tử.",
            Area.PROCEDURES,
            "high",
            date(2026, 8, 31),
            "reported",
        ),
        (
            "Chưa niêm yết đầy đủ TTHC tại nơi tiếp nhận hồ sơ.",
            Area.PROCEDURES,
            "low",
            date(2026, 7, 31),
            "verified_late",
        ),
    ],
    2: [
        ("Giải quyết hồ sơ đất đai liên thông trễ hạn nhiều.", Area.PROCEDURES, "high", date(2026, 9, 30), "returned"),
        (
            "Đề án vị trí việc làm chưa được cập nhật theo quy định mới.",
            Area.CIVIL_SERVICE,
            "medium",
            date(2026, 10, 31),
            "open",
        ),
        (
            "Phân công công chức tiếp nhận hồ sơ chưa đúng chuyên môn.",
            Area.CIVIL_SERVICE,
            "low",
            date(2026, 12, 31),
            "open",
        ),
    ],
    3: [
        (
            "Quy chế chi tiêu nội bộ chưa được sửa đổi theo cơ chế tự chủ.",
            Area.PUBLIC_FINANCE,
            "medium",
            date(2026, 10, 15),
            "verified_on_time",
        ),
        ("Báo cáo công khai tài chính chưa đúng thời hạn.", Area.PUBLIC_FINANCE, "low", date(2026, 11, 30), "reported"),
    ],
    4: [
        (
            "Bộ phận Một cửa chưa bố trí đủ trang thiết bị theo quy định.",
            Area.ORGANISATION,
            "medium",
            date(2026, 11, 15),
            "open",
        ),
        ("Chưa thực hiện khảo sát sự hài lòng của người dân.", Area.DIRECTION, "low", date(2026, 12, 31), "reported"),
    ],
    5: [
        (
            "Cán bộ một cửa chưa đeo thẻ công chức, chưa niêm yết lịch trực.",
            Area.CIVIL_SERVICE,
            "low",
            date(2027, 1, 31),
            "open",
        ),
    ],
}
REPORT_TEXT = "Đã khắc phục; gửi kèm văn bản, hình ảnh minh chứng."


def story() -> list[str]:
    (group,) = inspection_stats(YEAR, user=SYSTEM, as_of=AS_OF)
    conclusions = Conclusion.objects.count()
    return [f"- Kiểm tra CCHC năm {YEAR} (tính đến 01/12/{YEAR}): {inspection_sentence(group)}"] + (
        ["- Thông báo kết luận 68/TB-UBND: 12 nhiệm vụ, giải pháp; một số đã giao thành nhiệm vụ của Kế hoạch CCHC."]
        if conclusions
        else []
    )


def extend(scale: int) -> dict[str, int]:
    province = Agency.objects.filter(code="HA").first()
    if province is None:
        return {}
    agencies = {a.code: a for a in Agency.objects.filter(active_to__isnull=True)}
    communes = list(Agency.objects.filter(kind=AgencyKind.COMMUNE, active_to__isnull=True).order_by("code")[:2])
    coordinator = User.objects.filter(username="sonoivu").first()
    inspector = User.objects.filter(username="kiemtra").first()
    officer = User.objects.filter(username="daumoi.stp").first()
    with transaction.atomic():
        directives = _conclusion(province, agencies, coordinator)
        findings = _inspections(province, agencies, communes, [u for u in (inspector, coordinator) if u], officer)
    return {"directives": directives, "findings": findings}


def _conclusion(province: Agency, agencies: dict[str, Agency], coordinator: Any) -> int:
    conclusion = Conclusion.objects.create(
        agency=province,
        number="68/TB-UBND",
        issued_on=date(YEAR, 3, 2),
        signer="Chủ tịch UBND tỉnh",
        title=f"Kết luận Hội nghị tổng kết công tác cải cách hành chính năm {YEAR - 1}, triển khai Kế hoạch cải cách"
        f" hành chính tỉnh Hòa An năm {YEAR}",
        summary="Chủ tịch UBND tỉnh yêu cầu các sở, ban, ngành, địa phương triển khai thực hiện một số nhiệm vụ, giải"
        " pháp trọng tâm sau.",
    )
    plan = Plan.objects.filter(year=YEAR, agency=province, number="45/KH-UBND").first()
    for number, (text, area, deadline, codes) in enumerate(DIRECTIVES, start=1):
        directive = Directive.objects.create(
            conclusion=conclusion, number=number, text=text, area=area, deadline=deadline
        )
        directive.addressees.set([agencies[c] for c in codes if c in agencies])
        for lead, day, done in DIRECTIVE_TASKS.get(number, []) if plan is not None else []:
            if lead not in agencies:
                continue
            task = Task.objects.create(
                plan=plan,  # type: ignore[misc]  # not None here
                task_code=f"KL{conclusion.pk}.{number}-{lead}",
                title=text,
                area=area,
                lead_agency=agencies[lead],
                deadline=day,
                product="Báo cáo kết quả thực hiện",
                status=TaskStatus.DONE if done else TaskStatus.OPEN,
                completed_on=done,
            )
            DirectiveTask.objects.create(directive=directive, task=task, created_by=coordinator)
    return len(DIRECTIVES)


def _inspections(
    province: Agency, agencies: dict[str, Agency], communes: list[Agency], team: list[Any], officer: Any
) -> int:
    plan = InspectionPlan.objects.create(
        year=YEAR,
        agency=province,
        number="25/KH-UBND",
        issued_on=date(YEAR, 2, 10),
        title=f"Kế hoạch kiểm tra công tác cải cách hành chính năm {YEAR} (Sở Nội vụ tham mưu)",
    )
    plan.task_plan = Plan.objects.create(
        year=YEAR,
        agency=province,
        number=f"KTCCHC-{plan.pk}",
        title=f"Khắc phục tồn tại, hạn chế qua kiểm tra CCHC năm {YEAR}",
    )
    plan.save(update_fields=["task_plan"])
    count = 0
    for index, (code, scope, theme, start, status) in enumerate(INSPECTIONS):
        agency = (
            communes[int(code[8:])]
            if code.startswith("commune:") and len(communes) > int(code[8:])
            else agencies.get(code)
        )
        if agency is None:
            continue
        inspection = Inspection.objects.create(
            plan=plan,
            agency=agency,
            scope=scope,
            theme=theme,
            starts_on=start,
            ends_on=start + timedelta(days=2),
            status=status,
            team_note="Đại diện Văn phòng UBND tỉnh, Sở Tư pháp",
            conclusion="Đoàn kiểm tra đã có thông báo kết luận." if status == InspectionStatus.CONCLUDED else "",
        )
        inspection.team.set(team)
        for number, (text, category, severity, deadline, state) in enumerate(FINDINGS.get(index, []), start=1):
            _finding(inspection, number, (text, category, severity, deadline, state), team, officer)
            count += 1
    return count


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def _finding(
    inspection: Inspection, number: int, row: tuple[str, str, str, date, str], team: list[Any], officer: Any
) -> None:
    text, category, severity, deadline, state = row
    found_on = inspection.ends_on
    done = {"verified_on_time": deadline - timedelta(days=10), "verified_late": deadline + timedelta(days=12)}.get(
        state
    )
    assert inspection.plan.task_plan is not None
    task = Task.objects.create(
        plan=inspection.plan.task_plan,
        task_code=f"KT{inspection.pk}-{number}",
        title=f"Khắc phục tồn tại {number} qua kiểm tra CCHC: {text}",
        area=category,
        lead_agency=inspection.agency,
        deadline=deadline,
        product="Báo cáo kết quả khắc phục",
        status=TaskStatus.DONE if done else TaskStatus.OPEN,
        completed_on=done,
    )
    status = {
        "open": RemediationStatus.OPEN,
        "returned": RemediationStatus.OPEN,
        "reported": RemediationStatus.REPORTED,
    }.get(state, RemediationStatus.VERIFIED)
    finding = Finding.objects.create(
        inspection=inspection,
        number=number,
        text=text,
        category=category,
        severity=severity,
        found_on=found_on,
        deadline=deadline,
        status=status,
        remedied_on=done,
        verified_on=done + timedelta(days=5) if done else None,
        task=task,
    )
    reporter = officer if inspection.agency.code == "STP" else None
    verifier = team[0] if team else None
    steps: list[tuple[str, str, date | None, Any, date]] = []
    if state == "returned":
        first = min(deadline - timedelta(days=20), AS_OF - timedelta(days=30))
        steps += [
            (StepKind.REPORTED, REPORT_TEXT, first, reporter, first),
            (
                StepKind.RETURNED,
                "Chưa có số liệu hồ sơ trễ hạn sau khắc phục; đề nghị bổ sung.",
                None,
                verifier,
                first + timedelta(days=4),
            ),
        ]
    elif state == "reported":
        day = min(deadline - timedelta(days=3), AS_OF - timedelta(days=2))
        steps.append((StepKind.REPORTED, REPORT_TEXT, day, reporter, day))
    elif done:
        steps += [
            (StepKind.REPORTED, REPORT_TEXT, done, reporter, done),
            (StepKind.VERIFIED, "Đã kiểm tra minh chứng, đạt yêu cầu.", None, verifier, done + timedelta(days=5)),
        ]
    for kind, body, done_on, user, day in steps:
        step = RemediationStep.objects.create(finding=finding, kind=kind, text=body, done_on=done_on, user=user)
        RemediationStep.objects.filter(pk=step.pk).update(at=_at(day))
