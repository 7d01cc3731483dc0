"""Reminders of periodic reports and the notifications they make: in the application and by e-mail
through a real SMTP server on loopback (aiosmtpd), each exactly once."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection

from cchc.accounts.roles import Role
from cchc.notifications.models import Notification
from cchc.notifications.services import mark_read, notify
from cchc.reports.models import Report, ReportState
from cchc.reports.reminders import send_reminders, step_of
from conftest import Inbox, client_for, free_port, make_user
from tests.test_report_completeness import DEADLINE, agency, end, open_q

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def subject(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


@pytest.fixture
def staff(personas: Any, province: Any) -> Any:
    """E-mail addresses for the people reminded: SA's officer and head, SB's officer, the coordinator."""
    for persona in ("officer_a", "head", "officer_b", "coordinator", "district_coordinator", "viewer"):
        user = personas.all()[persona]
        user.email = f"{persona}@hoaan.gov.vn"
        user.save(update_fields=["email"])
    return personas


def test_the_steps_before_on_and_after_the_deadline() -> None:
    steps = {offset: step_of(DEADLINE, DEADLINE + timedelta(days=offset), [7, 3]) for offset in range(-9, 17)}
    assert steps[-9] is None and steps[-8] is None
    assert steps[-7] == steps[-4] == "before-7"
    assert steps[-3] == steps[-1] == "before-3"
    assert steps[0] == "due"
    assert steps[1] == steps[7] == "after-1"
    assert steps[8] == steps[14] == "after-8"
    assert steps[15] == "after-15"
    assert step_of(DEADLINE, DEADLINE - timedelta(days=10), [10, 5, 1]) == "before-10"


def test_a_reminder_seven_days_before_goes_to_the_officers_once(staff: Any, province: Any, smtp: Inbox) -> None:
    open_q(staff, province, blocks=[province.block_departments])
    counts = send_reminders(DEADLINE - timedelta(days=7))
    assert counts["missing"] == 2
    (mail,) = smtp.to("officer_a@hoaan.gov.vn")
    assert subject(mail) == "[CCHC] Báo cáo quý I năm 2025 của Sở Tư pháp: hạn gửi 20/03/2025"
    text = body(mail)
    assert "Sở Tư pháp" in text and "quý I năm 2025" in text and "20/03/2025" in text and "còn 7 ngày" in text
    assert "UBND tỉnh Hòa An" in text
    assert len(smtp.to("head@hoaan.gov.vn")) == 1
    assert "Sở Y tế" in subject(smtp.to("officer_b@hoaan.gov.vn")[0])
    assert smtp.to("coordinator@hoaan.gov.vn") == []  # not overdue: the coordinators are not told yet
    assert Notification.objects.filter(recipient=staff.officer_a).count() == 1
    smtp.clear()
    assert send_reminders(DEADLINE - timedelta(days=7))["made"] == 0
    assert send_reminders(DEADLINE - timedelta(days=6))["made"] == 0  # the same step: nothing again
    assert smtp.messages == []
    send_reminders(DEADLINE - timedelta(days=3))
    assert "còn 3 ngày" in body(smtp.to("officer_a@hoaan.gov.vn")[0])


def test_on_the_day_and_after_it_the_coordinators_hear_of_the_overdue(staff: Any, province: Any, smtp: Inbox) -> None:
    period = open_q(staff, province, blocks=[province.block_departments])
    send_reminders(DEADLINE)
    assert "hôm nay" in subject(smtp.to("officer_a@hoaan.gov.vn")[0]).lower()
    assert smtp.to("coordinator@hoaan.gov.vn") == []
    Report.objects.filter(period=period, agency=province.dept_b).update(
        state=ReportState.SUBMITTED, first_submitted_at=datetime(2025, 3, 20, 16, tzinfo=LOCAL)
    )
    smtp.clear()
    send_reminders(DEADLINE + timedelta(days=1))
    (overdue,) = smtp.to("officer_a@hoaan.gov.vn")
    assert subject(overdue).startswith("[CCHC] Quá hạn: báo cáo quý I năm 2025 của Sở Tư pháp")
    assert "1 ngày" in body(overdue)
    assert smtp.to("officer_b@hoaan.gov.vn") == []  # SB submitted: its reminders stopped
    (digest,) = smtp.to("coordinator@hoaan.gov.vn")
    assert "Sở Tư pháp (SA)" in body(digest) and "Sở Y tế" not in body(digest)
    assert smtp.to("district_coordinator@hoaan.gov.vn") == []  # not the owner's coordinator
    smtp.clear()
    for offset in range(2, 8):
        send_reminders(DEADLINE + timedelta(days=offset))
    assert smtp.messages == []  # the next step is a week after the first
    send_reminders(DEADLINE + timedelta(days=8))
    assert len(smtp.to("officer_a@hoaan.gov.vn")) == 1 and len(smtp.to("coordinator@hoaan.gov.vn")) == 1


def test_after_a_merge_the_successor_is_reminded(staff: Any, province: Any, smtp: Inbox) -> None:
    open_q(staff, province, blocks=[province.block_departments])
    merged = agency("SX", "Sở Tư pháp và Y tế", province.province, date(2025, 3, 1))
    end(province.dept_a, date(2025, 2, 28), merged)
    end(province.dept_b, date(2025, 2, 28), merged)
    make_user("officer_x", Role.FOCAL, merged, email="officer_x@hoaan.gov.vn")
    send_reminders(DEADLINE - timedelta(days=3))
    (mail,) = smtp.to("officer_x@hoaan.gov.vn")
    assert "Sở Tư pháp và Y tế" in subject(mail)
    assert smtp.to("officer_a@hoaan.gov.vn") == []


def test_the_command_runs_for_a_given_day(staff: Any, province: Any, smtp: Inbox, capsys: Any) -> None:
    open_q(staff, province, blocks=[province.block_departments])
    call_command("send_reminders", "--today", "13/03/2025")
    assert len(smtp.to("officer_a@hoaan.gov.vn")) == 1
    assert "2" in capsys.readouterr().out
    call_command("send_reminders", "--today", "2025-03-13")
    assert len(smtp.to("officer_a@hoaan.gov.vn")) == 1


def test_the_periodic_job_queues_a_run_as_a_background_task(staff: Any, province: Any, smtp: Inbox) -> None:
    from cchc.core.periodic import jobs, run_due

    assert "reports.reminders" in jobs()
    open_q(staff, province, blocks=[province.block_departments])
    run_due()  # today is long after Q1 2025: one overdue reminder each
    assert len(smtp.to("officer_a@hoaan.gov.vn")) == 1
    run_due()
    assert len(smtp.to("officer_a@hoaan.gov.vn")) == 1


# notify(): generic, idempotent by key


def test_notify_makes_one_row_and_one_mail_per_key(staff: Any, smtp: Inbox) -> None:
    users = [staff.officer_a, staff.head, staff.officer_a]
    made = notify(users, "plans:7:due", "Nhiệm vụ 7 đến hạn", "/plans/7/")
    assert len(made) == 2 and len(smtp.messages) == 2
    assert "http://127.0.0.1:8000/plans/7/" in body(smtp.to("head@hoaan.gov.vn")[0])
    assert notify(users, "plans:7:due", "Nhiệm vụ 7 đến hạn", "/plans/7/") == []
    assert len(smtp.messages) == 2
    assert notify([staff.officer_a], "plans:7:other", "Khác", email=False)[0].emailed_at is None
    assert len(smtp.messages) == 2


def test_a_notification_another_run_made_first_is_neither_made_nor_mailed_again(staff: Any, smtp: Inbox) -> None:
    """The overlap: the other run's insert wins the unique constraint; this one sends nothing."""
    Notification.objects.create(recipient=staff.officer_a, key="k", text="đã có", emailed_at=None)
    assert notify([staff.officer_a], "k", "lần hai") == []
    assert smtp.messages == []
    assert Notification.objects.get(recipient=staff.officer_a, key="k").text == "đã có"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="concurrent writers need a server database")
def test_two_overlapping_runs_send_each_reminder_once(staff: Any, province: Any, smtp: Inbox) -> None:
    open_q(staff, province, blocks=[province.block_departments])
    day = DEADLINE - timedelta(days=7)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            send_reminders(day)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(smtp.to("officer_a@hoaan.gov.vn")) == 1 and len(smtp.to("head@hoaan.gov.vn")) == 1
    assert Notification.objects.filter(recipient=staff.officer_a).count() == 1


def test_a_mail_that_failed_is_sent_by_a_later_run(staff: Any, smtp: Inbox, settings: Any) -> None:
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nobody listens there
    (made,) = notify([staff.officer_a], "k2", "Thử")
    made.refresh_from_db()
    assert made.emailed_at is None and smtp.messages == []
    settings.EMAIL_PORT = port
    send_reminders(date(2025, 1, 1))
    assert len(smtp.to("officer_a@hoaan.gov.vn")) == 1


# The pages


def test_the_header_counts_unread_and_the_list_marks_them_read(staff: Any, province: Any, smtp: Inbox) -> None:
    notify([staff.officer_a], "a", "Một", "/reports/x/", email=False)
    notify([staff.officer_a], "b", "Hai", email=False)
    notify([staff.officer_b], "c", "Của người khác", email=False)
    client = client_for(staff.officer_a)
    html = client.get("/").content.decode()
    assert 'id="unread-count">2<' in html
    listing = client.get("/notifications/")
    assert [n.text for n in listing.context["notifications"]] == ["Hai", "Một"]
    assert "Của người khác" not in listing.content.decode()
    first = Notification.objects.get(key="a")
    response = client.post("/notifications/read/", {"id": first.pk})
    assert response.status_code == 302 and response["Location"] == "/reports/x/"
    assert 'id="unread-count">1<' in client.get("/").content.decode()
    other = Notification.objects.get(key="c")
    client.post("/notifications/read/", {"id": other.pk})
    assert Notification.objects.get(key="c").read_at is None  # not one's own: nothing changes
    client.post("/notifications/read/")
    assert 'id="unread-count"' not in client.get("/").content.decode()
    assert mark_read(staff.officer_b) == 1
