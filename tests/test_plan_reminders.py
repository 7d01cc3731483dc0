"""Reminders of open plan tasks: the ladder (7 and 3 days before, on the day, after), in the
application and by e-mail through a real SMTP server on loopback (aiosmtpd), each exactly once."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from cchc.notifications.models import Notification
from cchc.plans.models import Plan, Task, TaskStatus
from cchc.plans.reminders import send_task_reminders
from conftest import Inbox
from tests.test_plans import make_task
from tests.test_report_reminders import body, subject

DEADLINE = date(2026, 6, 30)


@pytest.fixture
def staff(personas: Any, province: Any) -> Any:
    for persona in ("officer_a", "head", "officer_b", "coordinator", "district_coordinator", "viewer"):
        user = personas.all()[persona]
        user.email = f"{persona}@hoaan.gov.vn"
        user.save(update_fields=["email"])
    return personas


@pytest.fixture
def task(staff: Any, province: Any) -> Task:
    plan = Plan.objects.create(year=2026, agency=province.province, title="Kế hoạch CCHC năm 2026")
    made = make_task(plan, "1.2", province.dept_a, DEADLINE)
    Task.objects.filter(pk=made.pk).update(title="Rà soát thủ tục hành chính")
    made.refresh_from_db()
    return made


def day(offset: int) -> date:
    return DEADLINE + timedelta(days=offset)


def test_seven_and_three_days_before_the_officers_hear_once(task: Task, smtp: Inbox) -> None:
    assert send_task_reminders(day(-8))["tasks"] == 0
    counts = send_task_reminders(day(-7))
    assert counts["tasks"] == 1 and counts["made"] == 2  # the focal officer and the head of SA
    (mail,) = smtp.to("officer_a@hoaan.gov.vn")
    assert subject(mail) == "[CCHC] Nhiệm vụ 1.2 của Sở Tư pháp: hạn 30/06/2026"
    text = body(mail)
    assert "Rà soát thủ tục hành chính" in text and "30/06/2026" in text and "còn 7 ngày" in text
    assert f"http://127.0.0.1:8000/plans/tasks/{task.pk}/" in text
    assert len(smtp.to("head@hoaan.gov.vn")) == 1
    assert smtp.to("coordinator@hoaan.gov.vn") == [] and smtp.to("officer_b@hoaan.gov.vn") == []
    smtp.clear()
    assert send_task_reminders(day(-7))["made"] == 0  # a second run sends nothing
    assert send_task_reminders(day(-5))["made"] == 0  # the same step
    assert smtp.messages == []
    send_task_reminders(day(-3))
    assert "còn 3 ngày" in body(smtp.to("officer_a@hoaan.gov.vn")[0])
    keys = set(Notification.objects.filter(recipient__username="officer_a").values_list("key", flat=True))
    assert keys == {f"plans:task:{task.pk}:before-7", f"plans:task:{task.pk}:before-3"}


def test_on_the_day_and_after_it_the_head_and_the_coordinator_are_told(task: Task, smtp: Inbox) -> None:
    send_task_reminders(DEADLINE)
    assert "hôm nay" in subject(smtp.to("officer_a@hoaan.gov.vn")[0]).lower()
    assert smtp.to("coordinator@hoaan.gov.vn") == []
    smtp.clear()
    send_task_reminders(day(1))
    (overdue,) = smtp.to("head@hoaan.gov.vn")
    assert subject(overdue) == "[CCHC] Quá hạn: nhiệm vụ 1.2 của Sở Tư pháp (hạn 30/06/2026)"
    assert "quá 1 ngày" in body(overdue) and "Rà soát thủ tục hành chính" in body(overdue)
    assert len(smtp.to("officer_a@hoaan.gov.vn")) == 1
    (told,) = smtp.to("coordinator@hoaan.gov.vn")
    assert "1.2" in subject(told)
    assert smtp.to("district_coordinator@hoaan.gov.vn") == []  # not the plan's agency's coordinator
    smtp.clear()
    for offset in range(1, 8):
        send_task_reminders(day(offset))
    assert smtp.messages == []  # the next step is a week after the first
    send_task_reminders(day(8))
    assert len(smtp.to("coordinator@hoaan.gov.vn")) == 1 and len(smtp.to("head@hoaan.gov.vn")) == 1


def test_a_done_task_gets_no_reminder(task: Task, smtp: Inbox) -> None:
    send_task_reminders(day(-7))
    smtp.clear()
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.DONE, completed_on=day(-4))
    for offset in (-3, 0, 1, 8):
        assert send_task_reminders(day(offset)) == {"tasks": 0, "made": 0, "retried": 0}
    assert smtp.messages == []


def test_a_missed_day_is_caught_up_with_one_reminder(task: Task, smtp: Inbox) -> None:
    send_task_reminders(day(-7))  # then the worker was down until after the deadline
    smtp.clear()
    send_task_reminders(day(2))
    assert len(smtp.to("officer_a@hoaan.gov.vn")) == 1
    assert "Quá hạn" in subject(smtp.to("officer_a@hoaan.gov.vn")[0])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="concurrent writers need a server database")
def test_two_runs_at_once_send_each_reminder_once(task: Task, smtp: Inbox) -> None:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            send_task_reminders(day(1))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(smtp.to("officer_a@hoaan.gov.vn")) == 1 and len(smtp.to("coordinator@hoaan.gov.vn")) == 1


def test_the_command_and_the_periodic_job(task: Task, smtp: Inbox, capsys: Any) -> None:
    from cchc.core.periodic import jobs, run_due

    call_command("send_task_reminders", "--today", "23/06/2026")
    assert len(smtp.to("officer_a@hoaan.gov.vn")) == 1
    assert "1 nhiệm vụ" in capsys.readouterr().out
    call_command("send_task_reminders", "--today", "2026-06-23")
    assert len(smtp.to("officer_a@hoaan.gov.vn")) == 1
    assert "plans.reminders" in jobs()
    run_due()  # today (2026-12-01) is long after the deadline: one overdue reminder each
    assert len(smtp.to("officer_a@hoaan.gov.vn")) == 2 and len(smtp.to("coordinator@hoaan.gov.vn")) == 1
    run_due()
    assert len(smtp.to("officer_a@hoaan.gov.vn")) == 2


def test_several_tasks_on_one_run_make_one_mail_listing_them(task: Task, smtp: Inbox, settings: Any) -> None:
    """An officer reminded of several tasks in one run gets one mail (a digest) and a notification each."""
    settings.CCHC_SITE_URL = "https://cchc.hoaan.gov.vn"
    for code, offset in (("1.3", 0), ("1.4", 3)):
        make_task(task.plan, code, task.lead_agency, day(offset))
    send_task_reminders(day(-3))  # 1.2 and 1.3 are 3 days ahead, 1.4 six (its 7-day step, caught up)
    send_task_reminders(DEADLINE)  # 1.2 and 1.3 due today, 1.4 three days ahead
    (first, second) = smtp.to("officer_a@hoaan.gov.vn")
    assert subject(first) == subject(second) == "[CCHC] 3 nhắc việc về nhiệm vụ"
    text = body(second)
    for code in ("1.2", "1.3", "1.4"):
        assert f"Nhiệm vụ {code} của Sở Tư pháp" in text
    assert "https://cchc.hoaan.gov.vn/notifications/" in text
    assert Notification.objects.filter(recipient__username="officer_a", key__endswith=":due").count() == 2
    assert Notification.objects.filter(recipient__username="officer_a").count() == 6  # one a task and step
    smtp.clear()
    assert send_task_reminders(DEADLINE)["made"] == 0 and smtp.messages == []


def test_a_digest_lists_its_first_items_then_points_to_the_list(task: Task, smtp: Inbox, monkeypatch: Any) -> None:
    from cchc.notifications import services

    monkeypatch.setattr(services, "DIGEST_ITEMS", 2)
    for code in ("1.3", "1.4", "1.5"):
        make_task(task.plan, code, task.lead_agency, DEADLINE)
    send_task_reminders(DEADLINE)
    (mail,) = smtp.to("head@hoaan.gov.vn")
    text = body(mail)
    assert subject(mail) == "[CCHC] 4 nhắc việc về nhiệm vụ"
    assert "1.2" in text and "1.3" in text and "1.5" not in text
    assert "… và 2 thông báo khác." in text
