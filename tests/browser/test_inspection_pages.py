"""Inspections in a real browser: the agency reports a finding remedied with an evidence file, the inspector
verifies it (the remediation task is done), and a coordinator turns a directive into tasks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cchc.inspections.models import Directive, Finding
from cchc.plans.models import Task
from tests.browser.test_accessibility import violations
from tests.browser.test_login_tree import login
from tests.inspection_helpers import YEAR, conclusion_with_directive, finding_of, year_plan


def test_the_agency_reports_and_the_inspector_verifies(
    live_server: Any, page: Any, personas: Any, province: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    finding = finding_of(personas, province)
    evidence = tmp_path / "van-ban-xin-loi.pdf"
    evidence.write_bytes(b"%PDF-1.4 evidence of the remediation")

    login(page, personas.officer_a.username)
    page.goto(f"/inspections/findings/{finding.pk}/")
    page.get_by_label("Nội dung đã khắc phục").fill("Đã ban hành văn bản xin lỗi người dân")
    page.get_by_label("Tài liệu kiểm chứng").set_input_files(str(evidence))
    assert violations(page) == []
    page.get_by_role("button", name="Báo cáo", exact=True).click()
    page.get_by_text("Đã báo cáo khắc phục").first.wait_for()
    assert page.get_by_role("button", name="Xác nhận: kết thúc").count() == 0  # the agency cannot close it
    page.context.clear_cookies()

    login(page, personas.inspector.username)
    page.goto(f"/inspections/findings/{finding.pk}/")
    page.get_by_role("link", name="van-ban-xin-loi.pdf").wait_for()
    assert violations(page) == []
    page.screenshot(path=str(tmp_path / "finding.png"), full_page=True)
    page.get_by_role("button", name="Xác nhận: kết thúc").click()
    page.get_by_text("Đã xác nhận: kết thúc.").wait_for()
    finding.refresh_from_db()
    assert finding.status == "verified"
    assert Task.objects.get(pk=finding.task_id).status == "done"
    page.goto(f"/inspections/?year={YEAR}")
    assert page.get_by_test_id("remedied").inner_text() == "1"
    assert violations(page) == []


def test_a_coordinator_turns_a_directive_into_tasks(
    live_server: Any, page: Any, personas: Any, province: Any, tmp_path: Path
) -> None:
    conclusion = conclusion_with_directive(personas, province)
    year_plan(province)
    login(page, personas.coordinator.username)
    page.goto(f"/inspections/conclusions/{conclusion.pk}/")
    page.get_by_text("Giao nhiệm vụ từ chỉ đạo này").click()
    form = page.get_by_test_id("make-tasks-7")
    form.get_by_label("Đơn vị chủ trì (mỗi đơn vị một nhiệm vụ)").fill("SA;SB")
    form.get_by_label("Hạn hoàn thành").fill(f"{YEAR}-09-30")
    assert violations(page) == []
    form.get_by_role("button", name="Giao nhiệm vụ").click()
    page.get_by_text("Đã giao nhiệm vụ, mỗi nhiệm vụ gắn với chỉ đạo.").wait_for()
    rows = page.get_by_test_id("directive-7-tasks")
    assert rows.get_by_text("Sở Tư pháp").count() == 1 and rows.get_by_text("Sở Y tế").count() == 1
    directive = Directive.objects.get()
    assert sorted(t.lead_agency.code for t in directive.tasks.all()) == ["SA", "SB"]
    page.screenshot(path=str(tmp_path / "conclusion.png"), full_page=True)
    assert Finding.objects.count() == 0
