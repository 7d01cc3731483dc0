"""Demo plan: the province's PAR plan of 2026 (issued by HA), three tasks per department and one or two
per commune across the PAR areas, as it stands on 1 December 2026: most done on time, some late, some
overdue, the last ones due in December (called by ``cchc demo_data``). Sở Tư pháp's tasks carry its
progress updates with evidence files (and Sở Y tế's part in the open ones), and Sở Tư pháp's periodic
report is a recurring task with one occurrence per reporting period."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from cchc.accounts.models import User
from cchc.agencies.models import Agency, AgencyKind
from cchc.core.evidence import stored_name
from cchc.core.scope import SYSTEM
from cchc.plans.models import Area, Plan, Recurrence, Task, TaskFile, TaskStatus, TaskUpdate
from cchc.plans.services import generate_occurrences
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
        updates = _updates(plan)
        occurrences = _recurring(plan)
    return {
        "plan tasks": len(tasks),
        "task progress updates and parts": updates,
        "recurring task occurrences": occurrences,
    }


DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _post(task: Task, kind: str, agency: Agency, author: Any, text: str, day: date, *, percent: int | None = None,
          done: bool = False, file: str = "") -> TaskUpdate:  # fmt: skip
    update = TaskUpdate.objects.create(
        task=task, kind=kind, agency=agency, text=text, percent=percent, completed_on=day if done else None,
        author=author,
    )  # fmt: skip
    TaskUpdate.objects.filter(pk=update.pk).update(created_at=_at(day))
    if file:
        stored = TaskFile(update=update, original_name=file, size=len(DEMO_PDF))
        stored.file.save(stored_name(".pdf"), ContentFile(DEMO_PDF), save=True)
    return update


def _at(day: date) -> Any:
    return timezone.make_aware(datetime.combine(day, time(9, 30)))


def _updates(plan: Plan) -> int:
    """Progress of Sở Tư pháp's tasks as its focal officer posted it, and Sở Y tế's part in one of them."""
    users = {u.username: u for u in User.objects.filter(username__in=["daumoi.stp", "thutruong.stp", "daumoi.syt"])}
    health = Agency.objects.filter(code="SYT").first()
    made = 0
    for task in plan.tasks.filter(lead_agency__code="STP").select_related("lead_agency").order_by("task_code"):
        start = min(task.deadline, AS_OF) - timedelta(days=45)
        _post(task, "progress", task.lead_agency, users.get("daumoi.stp"), "Đã xây dựng dự thảo, lấy ý kiến các "
              "phòng chuyên môn.", start, percent=40, file="Du thao ke hoach.pdf")  # fmt: skip
        made += 1
        if task.status == TaskStatus.DONE and task.completed_on:
            _post(task, "progress", task.lead_agency, users.get("thutruong.stp"), "Đã ban hành văn bản, hoàn thành "
                  "nhiệm vụ.", task.completed_on, percent=100, done=True, file="Van ban ban hanh.pdf")  # fmt: skip
            made += 1
        if health is not None and made <= 3:  # Sở Y tế co-operates on Sở Tư pháp's first task(s)
            task.co_agencies.add(health)
            _post(task, "part", health, users.get("daumoi.syt"), "Sở Y tế đã góp ý dự thảo và gửi số liệu của "
                  "ngành.", start + timedelta(days=10), file="Gop y cua So Y te.pdf")  # fmt: skip
            made += 1
    return made


def _recurring(plan: Plan) -> int:
    """The quarterly report (báo cáo định kỳ) of Sở Tư pháp: one occurrence per reporting period, the
    first three sent on time, the year's due on 20 December."""
    lead = Agency.objects.filter(code="STP").first()
    if lead is None:
        return 0
    series = Task.objects.create(
        plan=plan, task_code="STP-BC", title="Báo cáo định kỳ công tác cải cách hành chính", area=Area.DIRECTION,
        lead_agency=lead, deadline=date(YEAR, 12, 20), product="Báo cáo", recurrence=Recurrence.REPORTING,
    )  # fmt: skip
    made = generate_occurrences(SYSTEM, series)
    officer = User.objects.filter(username="daumoi.stp").first()
    for occurrence in series.occurrences.filter(deadline__lt=AS_OF).order_by("deadline"):
        day = occurrence.deadline - timedelta(days=2)
        Task.objects.filter(pk=occurrence.pk).update(status=TaskStatus.DONE, completed_on=day)
        _post(occurrence, "progress", lead, officer, f"Đã gửi báo cáo {occurrence.title.rsplit('(', 1)[-1].rstrip(')')}.",
              day, percent=100, done=True, file="Bao cao.pdf")  # fmt: skip
    return made


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
