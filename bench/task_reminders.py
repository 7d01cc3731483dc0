"""Task reminders benchmark: one reminder run over 50,000 open tasks (DESIGN §9: < 30 s, no duplicate).

Rows filled with bulk_create: 500 agencies under a province, each with a focal officer and a head (with
e-mail addresses), a coordinator of the province, 10 plans of the province holding 50,000 open tasks
whose deadlines fall from 7 days after the run's day to 20 days before it (so each task is on a step:
before-7, before-3, due, after-1, after-8, after-15), and 1,000 done tasks (which get nothing). Timed:
``send_task_reminders`` once (every notification made and mailed: one digest mail a person), then a
second run on the same day (which must send nothing), mail-less: the mail goes to a backend that only
counts the messages. Then the notifications are deleted and the first run is timed again, its mails
delivered to a real SMTP server on loopback (aiosmtpd). Reference measured in the same run: one plain
SQL SELECT of the same open tasks with their lead agency and plan.
"""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import override_settings

from cchc.accounts.models import RoleGrant, User
from cchc.accounts.roles import Role
from cchc.agencies.models import Agency
from cchc.notifications.models import Notification
from cchc.plans.models import Plan, Task, TaskStatus
from cchc.plans.reminders import send_task_reminders

AGENCIES = 500
PLANS = 10
OPEN = 50_000
DONE = 1_000
YEAR = 2031
TODAY = date(YEAR, 6, 20)
SENT: list[int] = [0]


class Counting(BaseEmailBackend):
    """Counts the messages handed to it: a mail-less run (the time of the reminders, not of mail)."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        SENT[0] += len(email_messages)
        return len(email_messages)


def build() -> None:
    owner = Agency.objects.create(code="TB-PROV", name="Tỉnh benchmark", kind="province", path="/TB-PROV/")
    Agency.objects.bulk_create(
        [
            Agency(
                code=f"TA{i:04d}",
                name=f"Đơn vị {i:04d}",
                kind="department",
                parent=owner,
                path=f"/TB-PROV/TA{i:04d}/",
                depth=1,
            )
            for i in range(AGENCIES)
        ]
    )
    agencies = list(Agency.objects.filter(code__startswith="TA").order_by("code"))
    users = User.objects.bulk_create(
        [
            User(username=f"tb-{role}-{a.code}", email=f"{role}.{a.code.lower()}@bench.gov.vn", password="!")
            for a in agencies
            for role in ("focal", "head")
        ]
    )
    users = list(User.objects.filter(username__startswith="tb-").order_by("username"))
    by_name = {u.username: u for u in users}
    RoleGrant.objects.bulk_create(
        [
            RoleGrant(user=by_name[f"tb-{role}-{a.code}"], role=getattr(Role, role.upper()), agency=a)
            for a in agencies
            for role in ("focal", "head")
        ]
    )
    coordinator = User.objects.create_user(username="tb-coordinator", email="coordinator@bench.gov.vn")
    RoleGrant.objects.create(user=coordinator, role=Role.COORDINATOR, agency=owner, include_descendants=True)
    plans = [
        Plan.objects.create(year=YEAR, agency=owner, number=f"{p}/KH-UBND", title=f"Kế hoạch {p}") for p in range(PLANS)
    ]
    rng = random.Random(12)
    tasks = []
    for i in range(OPEN + DONE):
        done = i >= OPEN
        tasks.append(
            Task(
                plan=plans[i % PLANS],
                task_code=f"{i // PLANS}",
                title=f"Nhiệm vụ benchmark số {i}",
                area="direction",
                lead_agency=agencies[i % AGENCIES],
                deadline=TODAY + timedelta(days=rng.randint(-20, 7)),
                status=TaskStatus.DONE if done else TaskStatus.OPEN,
                completed_on=TODAY - timedelta(days=1) if done else None,
            )
        )
    Task.objects.bulk_create(tasks, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def plain_select() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.id, t.task_code, t.title, t.deadline, t.plan_id, t.lead_agency_id, a.name, p.agency_id "
            "FROM plans_task t JOIN agencies_agency a ON a.id = t.lead_agency_id "
            "JOIN plans_plan p ON p.id = t.plan_id WHERE t.status = %s AND t.deadline <= %s ORDER BY t.deadline, t.id",
            ["open", TODAY + timedelta(days=7)],
        )
        return len(cursor.fetchall())


def run(workdir: str) -> None:
    start = time.perf_counter()
    build()
    built = time.perf_counter() - start
    start = time.perf_counter()
    selected = plain_select()
    reference = time.perf_counter() - start
    with override_settings(EMAIL_BACKEND="bench.task_reminders.Counting"):
        start = time.perf_counter()
        first = send_task_reminders(TODAY)
        once = time.perf_counter() - start
        mailed = SENT[0]
        start = time.perf_counter()
        second = send_task_reminders(TODAY)
        again = time.perf_counter() - start
    reminders = Notification.objects.filter(key__startswith="plans:task:")
    made = reminders.count()
    distinct = reminders.values("recipient", "key").distinct().count()
    recipients = reminders.values("recipient").distinct().count()
    assert first["tasks"] == OPEN == selected, (first, selected)
    assert first["made"] == made == distinct, (first, made, distinct)
    assert mailed == recipients, (mailed, recipients)  # one mail (a digest) a person
    assert second["made"] == 0 and SENT[0] == mailed, second
    Notification.objects.all().delete()
    with (
        smtp_server() as (port, delivered),
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=port
        ),
    ):
        start = time.perf_counter()
        real = send_task_reminders(TODAY)
        with_mail = time.perf_counter() - start
    assert real["made"] == made and len(delivered) == recipients, (real, len(delivered), recipients)
    assert len(set(delivered)) == len(delivered)  # nobody got two
    print(
        f"Task reminders, {OPEN:,} open tasks of {AGENCIES} agencies (+{DONE:,} done; built in {built:.1f} s): "
        f"first run, mail-less (counting backend) {once:.1f} s ({made:,} notifications, {mailed:,} digest mails "
        f"handed over, one a person, no duplicate); second run {again:.2f} s (0 sent); first run again through "
        f"a real SMTP server on loopback (aiosmtpd) {with_mail:.1f} s ({len(delivered):,} mails delivered); "
        f"plain SQL SELECT of the same tasks {reference * 1000:.0f} ms "
        f"(ratio mail-less first run {once / reference:.0f}×, second run {again / reference:.1f}×)"
    )


@contextmanager
def smtp_server() -> Iterator[tuple[int, list[str]]]:
    """aiosmtpd on a free loopback port, recording each delivered mail's recipient."""
    from aiosmtpd.controller import Controller

    delivered: list[str] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            delivered.extend(envelope.rcpt_tos)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, delivered
    finally:
        controller.stop()
