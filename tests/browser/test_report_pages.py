"""Periodic reports in a real browser: the draft autosaves as the officer types, keeps the typing through a
lost connection and a reload, and a second tab's change to the same field is shown, never overwritten."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError

from cchc.reports.models import Report
from tests.browser.test_accessibility import violations
from tests.browser.test_login_tree import login
from tests.report_helpers import open_period, report_of


@pytest.fixture
def report(personas: Any, province: Any) -> Report:
    return report_of(open_period(personas, province), province.dept_a)


def stored(report: Report, code: str) -> Any:
    """The stored value; SQLite's shared in-memory test database is locked a moment while the live server writes."""
    for _ in range(40):
        try:
            return Report.objects.get(pk=report.pk).values.get(code)
        except OperationalError:
            time.sleep(0.05)
    raise AssertionError("the report's row stayed locked")


def wait_stored(page: Any, report: Report, code: str, value: Any) -> None:
    for _ in range(60):
        if stored(report, code) == value:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"{code}: {stored(report, code)!r}, expected {value!r}")


def test_the_draft_autosaves_and_survives_a_lost_connection_and_a_reload(
    live_server: Any, page: Any, personas: Any, report: Report, tmp_path: Path
) -> None:
    login(page, personas.officer_a.username)
    page.goto(f"/reports/r/{report.pk}/")
    page.locator("#f-direction").fill("Đã ban hành Kế hoạch CCHC năm 2025")
    wait_stored(page, report, "direction", "Đã ban hành Kế hoạch CCHC năm 2025")
    page.get_by_text("Đã lưu lúc").wait_for()
    assert violations(page) == []
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)

    page.context.set_offline(True)
    page.locator("#f-plans").fill("3")
    page.get_by_text("Chưa lưu: mất kết nối").wait_for()
    assert stored(report, "plans") is None
    page.context.set_offline(False)
    wait_stored(page, report, "plans", "3")  # sent again once the connection is back

    # The server unreachable (the page itself still loads): the typing survives a reload.
    page.route("**/save/", lambda route: route.abort())
    page.locator("#f-plans").fill("4")
    page.get_by_role("button", name="Thêm dòng").click()
    page.get_by_label("Nhiệm vụ, dòng 3").fill("Rà soát thủ tục")  # a row added to the table
    page.get_by_text("Chưa lưu: mất kết nối").wait_for()
    page.reload()
    assert page.locator("#f-plans").input_value() == "4"  # restored from the browser
    assert page.locator("[data-table=tasks] tbody tr").nth(2).locator("[data-column=task]").input_value() == (
        "Rà soát thủ tục"
    )
    assert stored(report, "plans") == "3"
    page.unroute("**/save/")
    wait_stored(page, report, "plans", "4")
    wait_stored(page, report, "tasks", [{"task": "Rà soát thủ tục", "done": ""}])


def test_a_second_tab_does_not_silently_overwrite_the_first(
    live_server: Any, page: Any, personas: Any, report: Report
) -> None:
    login(page, personas.officer_a.username)
    page.goto(f"/reports/r/{report.pk}/")
    other = page.context.new_page()
    other.goto(f"/reports/r/{report.pk}/")
    page.locator("#f-direction").fill("Bản của tab thứ nhất")
    wait_stored(page, report, "direction", "Bản của tab thứ nhất")
    other.locator("#f-direction").fill("Bản của tab thứ hai")
    other.get_by_text("Trong lúc đó đã được sửa bởi").wait_for()
    assert stored(report, "direction") == "Bản của tab thứ nhất"
    other.get_by_role("button", name="Giữ nội dung của tôi").click()  # knowingly, after seeing the other text
    wait_stored(other, report, "direction", "Bản của tab thứ hai")


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("coordinator", "/reports/"),
        ("coordinator", "/reports/periods/new/?year=2025"),
        ("coordinator", "/reports/periods/{period}/"),
        ("coordinator", "/reports/r/{report}/"),
        ("coordinator", "/reports/completeness/?year=2025"),
        ("coordinator", "/reports/completeness/matrix/?year=2025"),
        ("officer_a", "/"),
        ("officer_a", "/notifications/"),
    ],
)
def test_the_report_pages_meet_wcag_aa(
    live_server: Any, page: Any, personas: Any, report: Report, persona: str, path: str
) -> None:
    Report.objects.filter(pk=report.pk).update(state="submitted", values={"direction": "Đã ban hành"})
    login(page, getattr(personas, persona).username)
    page.goto(path.format(period=report.period_id, report=report.pk))
    assert page.locator("main h1").count() >= 1
    assert violations(page) == []
