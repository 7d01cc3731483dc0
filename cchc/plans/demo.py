"""Demo plan: the province's PAR plan of 2026 (issued by HA), three tasks per department and one or two
per commune across the PAR areas, as it stands on 1 December 2026: most done on time, some late, some
overdue, the last ones due in December (called by ``cchc demo_data``)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from cchc.agencies.models import Agency, AgencyKind
from cchc.core.scope import SYSTEM
from cchc.plans.models import Area, Plan, Task, TaskStatus
from cchc.plans.stats import task_stats

YEAR = 2026
AS_OF = date(2026, 12, 1)  # the demo's "today"
TITLES = {
    Area.DIRECTION: ("Xây dựng, ban hành kế hoạch CCHC năm", "Kế hoạch"),
    Area.INSTITUTIONS: ("Rà soát, hệ thống hóa văn bản quy phạm pháp luật", "Báo cáo rà soát"),
    Area.PROCEDURES: ("Rà soát, đơn giản hóa thủ tục hành chính", "Phương án đơn giản hóa"),
    Area.ORGANISATION: ("Kiện toàn chức năng, nhiệm vụ các phòng chuyên môn", "Quyết định kiện toàn"),
    Area.CIVIL_SERVICE: ("Hoàn thiện đề án vị trí việc làm", "Đề án vị trí việc làm"),
    Area.PUBLIC_FINANCE: ("Thực hiện cơ chế tự chủ tài chính", "Báo cáo tự chủ"),
    Area.DIGITAL_GOVERNMENT: ("Số hóa hồ sơ, kết quả giải quyết TTHC", "Kho dữ liệu số hóa"),
}
# Shares of the outcomes, roughly as the seeds have them: most done on time.
OUTCOMES = ["on_time"] * 14 + ["late"] * 3 + ["overdue"] * 2 + ["in_time"] * 2


def story() -> list[str]:
    (group,) = task_stats(YEAR, user=SYSTEM, as_of=AS_OF)  # the demo's figures, for the whole province
    return [
        f"- Kế hoạch CCHC năm {YEAR} (UBND tỉnh): {group.assigned} nhiệm vụ, {group.done_on_time} hoàn thành đúng"
        f" hạn, {group.done_late} quá hạn, {group.open_overdue} chưa hoàn thành quá hạn, {group.open_in_time}"
        f" chưa đến hạn (tính đến 01/12/{YEAR}); tỉ lệ đúng hạn {group.on_time_rate_text}."
    ]


def extend(scale: int) -> dict[str, int]:
    province = Agency.objects.filter(code="HA").first()
    if province is None:
        return {}
    leads = list(Agency.objects.filter(kind=AgencyKind.DEPARTMENT, active_to__isnull=True).order_by("code"))
    communes = list(Agency.objects.filter(kind=AgencyKind.COMMUNE, active_to__isnull=True).order_by("code"))
    rng = random.Random(2026)
    with transaction.atomic():
        plan = Plan.objects.create(
            year=YEAR,
            agency=province,
            number="45/KH-UBND",
            issued_on=date(YEAR, 1, 15),
            title=f"Kế hoạch cải cách hành chính năm {YEAR}",
            objectives="Tỉ lệ hài lòng ≥ 87%; hồ sơ trực tuyến ≥ 45–50% (sở, ngành); hồ sơ trễ hạn ≤ 1%.",
        )
        tasks = [
            _task(plan, f"{agency.code}-{i + 1}", agency, rng)
            for agency, count in [*((d, 3) for d in leads), *((c, 1 + i % 2) for i, c in enumerate(communes))]
            for i in range(count)
        ]
        Task.objects.bulk_create(tasks, batch_size=500)
        co = Task.co_agencies.through
        links = [co(task_id=t.pk, agency_id=rng.choice(leads).pk) for t in tasks[::4] if leads]
        co.objects.bulk_create(
            [link for link, t in zip(links, tasks[::4], strict=False) if link.agency_id != t.lead_agency_id]
        )
    return {"plan tasks": len(tasks)}


def _task(plan: Plan, code: str, lead: Agency, rng: random.Random) -> Task:
    area = rng.choice(list(Area))
    title, product = TITLES[area]
    outcome = rng.choice(OUTCOMES)
    if outcome == "in_time":
        deadline = AS_OF + timedelta(days=rng.randint(0, 30))
    else:
        deadline = date(YEAR, 1, 31) + timedelta(days=rng.randint(0, 270))
    completed = {
        "on_time": deadline - timedelta(days=rng.randint(0, 20)),
        "late": min(deadline + timedelta(days=rng.randint(1, 40)), AS_OF - timedelta(days=1)),
    }.get(outcome)
    status = TaskStatus.DONE if completed else TaskStatus.OPEN
    return Task(
        plan=plan,
        task_code=code,
        title=f"{title} {YEAR}",
        area=area,
        lead_agency=lead,
        deadline=deadline,
        product=product,
        status=status,
        completed_on=completed,
    )
