"""A plan task in a real browser: the lead agency's officer finds it in "my tasks", posts a progress update
with an evidence file, then reports it done; the pages meet WCAG 2.1 AA."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cchc.plans.models import Plan, Task, TaskStatus, TaskUpdate
from tests.browser.test_accessibility import violations
from tests.browser.test_login_tree import login

TODAY = timezone.localdate()


@pytest.fixture
def task(province: Any, settings: Any, tmp_path: Path) -> Task:
    settings.MEDIA_ROOT = tmp_path / "media"
    plan = Plan.objects.create(year=TODAY.year, agency=province.province, title=f"Kế hoạch CCHC năm {TODAY.year}")
    task = Task.objects.create(
        plan=plan,
        task_code="NV-05",
        title="Rà soát, đơn giản hóa thủ tục hành chính",
        area="procedures",
        lead_agency=province.dept_a,
        deadline=TODAY - timedelta(days=2),
        product="Phương án đơn giản hóa",
    )
    task.co_agencies.set([province.dept_b])
    return task


def test_the_officer_posts_progress_with_a_file_and_reports_the_task_done(
    live_server: Any, page: Any, personas: Any, task: Task, tmp_path: Path
) -> None:
    evidence = tmp_path / "Bien ban ra soat.pdf"
    evidence.write_bytes(b"%PDF-1.4 bien ban ra soat thu tuc")
    login(page, personas.officer_a.username)
    page.goto("/")
    page.get_by_role("link", name="Nhiệm vụ của tôi").first.click()
    page.wait_for_url("**/plans/my-tasks/")
    assert violations(page) == []
    page.get_by_role("link", name="Rà soát, đơn giản hóa thủ tục hành chính").click()
    page.wait_for_url(f"**/plans/tasks/{task.pk}/")
    assert page.locator("#deadline-state").inner_text() == "Chưa hoàn thành, quá hạn"
    assert violations(page) == []
    page.get_by_label("Nội dung đã thực hiện").fill("Đã rà soát 12 thủ tục, dự thảo phương án")
    page.get_by_label("Tiến độ (%)").fill("60")
    page.get_by_label("Tài liệu kiểm chứng").first.set_input_files(str(evidence))
    page.get_by_role("button", name="Gửi cập nhật tiến độ").click()
    page.get_by_text("Đã cập nhật tiến độ.").wait_for()
    assert page.get_by_role("link", name="Bien ban ra soat.pdf").is_visible()
    update = TaskUpdate.objects.get()
    assert update.percent == 60 and update.files.get().original_name == "Bien ban ra soat.pdf"
    # The file comes back as a download, not shown in the browser.
    with page.expect_download() as download:
        page.get_by_role("link", name="Bien ban ra soat.pdf").click()
    assert Path(download.value.path()).read_bytes() == evidence.read_bytes()
    # Then the task is done: reported with today's date.
    page.get_by_label("Nội dung đã thực hiện").fill("Đã ban hành phương án đơn giản hóa")
    page.get_by_label("Nhiệm vụ đã hoàn thành").check()
    page.get_by_role("button", name="Gửi cập nhật tiến độ").click()
    page.get_by_text("Đã báo cáo hoàn thành nhiệm vụ.").wait_for()
    assert page.locator("#deadline-state").inner_text() == "Hoàn thành quá hạn"
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.completed_on == TODAY
    assert violations(page) == []
    page.screenshot(path=str(tmp_path / "task.png"), full_page=True)


def test_a_bad_file_is_refused_on_the_page_with_the_text_kept(
    live_server: Any, page: Any, personas: Any, task: Task, tmp_path: Path
) -> None:
    bad = tmp_path / "setup.exe"
    bad.write_bytes(b"MZ\x90\x00")
    login(page, personas.officer_a.username)
    page.goto(f"/plans/tasks/{task.pk}/")
    page.get_by_label("Nội dung đã thực hiện").fill("Đã rà soát")
    page.get_by_label("Tài liệu kiểm chứng").first.set_input_files(str(bad))
    page.get_by_role("button", name="Gửi cập nhật tiến độ").click()
    assert "“setup.exe”: Không nhận tệp loại “.exe”" in page.locator("#post-error").inner_text()
    assert page.get_by_label("Nội dung đã thực hiện").input_value() == "Đã rà soát"
    assert not TaskUpdate.objects.exists()
