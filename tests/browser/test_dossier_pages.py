"""Dossier statistics in a real browser: an officer uploads an export and watches it import; a
coordinator drills down from the province to a block, an agency and its dossiers; the pages meet
WCAG 2.1 AA and draw their charts."""

import re
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django_tasks_db.management.commands.db_worker import Worker

from cchc.dossiers.services import import_dossiers_file
from conftest import every_dossier
from tests.browser.test_accessibility import violations
from tests.browser.test_login_tree import login
from tests.test_dossier_import import HEADER, write_csv

PERIOD = "start=2022-01-01&end=2022-12-31"


def year_of_dossiers(agency: str, n: int, prefix: str) -> list[list[str]]:
    """``n`` dossiers of 2022 for ``agency``: every tenth late, every twentieth still pending."""
    rows = []
    for i in range(n):
        month, day = 1 + i % 12, 1 + i % 25
        received = f"2022-{month:02d}-{day:02d}"
        due = f"2022-{month:02d}-{day + 1:02d}"
        if i % 20 == 0:
            rows.append([f"{prefix}{i:05d}", agency, "P1", received, due, "", "pending", "online"])
        else:
            resolved = f"2022-{month:02d}-{day + (2 if i % 10 == 0 else 1):02d}"
            rows.append([f"{prefix}{i:05d}", agency, "P1", received, due, resolved, "resolved", "direct"])
    return rows


def run_worker() -> None:
    """django-tasks-db's worker loop, in a thread (the command sets signal handlers: the main thread's)."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-test",
        excluded_queue_names=[],
    )
    try:
        worker.run()
    finally:
        connection.close()  # SQLite's shared test database waits for every connection at the end


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_an_officer_uploads_an_export_and_watches_it_import(
    live_server: Any, page: Any, personas: Any, province: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "mot-cua-2022.csv", year_of_dossiers("SA", 40_000, "UP"), HEADER)
    login(page, personas.officer_a.username)
    page.goto("/dossiers/")
    page.get_by_role("link", name="Nhập hồ sơ").click()
    page.get_by_label("Tệp (CSV hoặc XLSX)").set_input_files(str(path))
    page.get_by_role("button", name="Nhập").click()
    page.wait_for_url("**/tasks/**")
    bar = page.get_by_role("progressbar")
    assert bar.is_visible()
    # The queued task runs in the database worker (a thread here); the page polls it until the bar is
    # full and the summary shows.
    worker = threading.Thread(target=run_worker)
    worker.start()
    try:
        page.get_by_text("40.000 thêm mới").wait_for(timeout=60_000)
    except Exception:
        print(page.locator("main").inner_text())
        raise
    assert bar.get_attribute("aria-valuenow") == "100"
    worker.join(timeout=60)
    page.screenshot(path=str(tmp_path / "upload-done.png"), full_page=True)
    assert every_dossier().count() == 40_000
    page.goto(f"/dossiers/agency/SA/?{PERIOD}")
    page.get_by_role("heading", name="Hồ sơ", exact=True).wait_for()
    assert "40.000 hồ sơ" in page.content()


@pytest.fixture
def held(province: Any, tmp_path: Path) -> None:
    rows = year_of_dossiers("SA", 300, "SA") + year_of_dossiers("SB", 200, "SB") + year_of_dossiers("C1", 100, "C1")
    import_dossiers_file(write_csv(tmp_path / "d.csv", rows, HEADER))


def test_a_coordinator_drills_down_from_the_province_to_a_dossier(
    live_server: Any, page: Any, personas: Any, province: Any, held: None, tmp_path: Path
) -> None:
    login(page, personas.coordinator.username)
    page.goto(f"/dossiers/?{PERIOD}")
    page.get_by_label("Chia theo").select_option("block")
    page.get_by_role("button", name="Xem").click()
    table = page.locator("table").first
    table.get_by_role("link", name=province.block_departments.name).click()
    page.get_by_role("heading", name=province.block_departments.name).wait_for()
    page.get_by_role("link", name=province.dept_b.name).first.click()
    page.get_by_role("heading", name=province.dept_b.name).wait_for()
    assert "200 hồ sơ" in page.content()
    # The dossier filter narrows the listing to the pending dossiers of the agency.
    page.get_by_label("Trạng thái").select_option("pending")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**status=pending**")
    assert "10 hồ sơ" in page.content() and "SB00000" in page.content()
    page.screenshot(path=str(tmp_path / "agency.png"), full_page=True)


def test_an_officer_looks_up_a_dossier_by_its_code(live_server: Any, page: Any, personas: Any, held: None) -> None:
    login(page, personas.officer_b.username)
    page.goto("/dossiers/")  # this year's figures; the dossier is of 2022
    page.get_by_placeholder("Tra cứu hồ sơ theo mã hồ sơ").fill("SB00007")
    page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_url("**/dossiers/agency/SB/?q=SB00007**")
    rows = page.get_by_role("table", name="Hồ sơ").locator("tbody tr")
    assert rows.count() == 1 and "SB00007" in rows.first.inner_text()
    page.goto("/dossiers/")
    page.get_by_placeholder("Tra cứu hồ sơ theo mã hồ sơ").fill("SA00007")  # another agency's
    page.get_by_role("button", name="Tra cứu").click()
    page.get_by_text("Không tìm thấy hồ sơ mã “SA00007” trong phạm vi của bạn.").wait_for()


def test_the_index_sorts_by_a_column_and_draws_its_charts(
    live_server: Any, page: Any, personas: Any, held: None
) -> None:
    login(page, personas.coordinator.username)
    page.goto(f"/dossiers/?{PERIOD}&by=agency")

    def received() -> list[int]:
        cells = page.locator("table").first.locator("tbody tr td:nth-child(2)").all()
        return [int(cell.inner_text().replace(".", "")) for cell in cells]

    header = page.get_by_role("columnheader", name="Tiếp nhận").first
    header.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=-received"))
    assert received() == sorted(received(), reverse=True) and len(received()) == 3
    assert header.get_attribute("aria-sort") == "descending"
    header.get_by_role("link").click()  # again: the other way round
    page.wait_for_url(re.compile(r"sort=received"))
    assert received() == sorted(received()) and received() != sorted(received(), reverse=True)
    assert header.get_attribute("aria-sort") == "ascending"
    # Each chart canvas was drawn with room for its data.
    for chart in ("chart-trend", "chart-shares", "chart-online"):
        box = page.locator(f"#{chart}").bounding_box()
        assert box is not None and box["height"] >= 200, chart


@pytest.mark.parametrize(
    "path",
    [
        f"/dossiers/?{PERIOD}",
        f"/dossiers/agency/SA/?{PERIOD}",
        "/dossiers/block/{block}/?" + PERIOD,
        "/dossiers/upload/",
        "/dossiers/procedures/",
        "/dossiers/targets/?year=2022",
        f"/dossiers/service-index/?{PERIOD}&by=agency",
    ],
)
def test_the_dossier_pages_meet_wcag_aa(
    live_server: Any, page: Any, personas: Any, province: Any, held: None, path: str
) -> None:
    login(page, personas.coordinator.username)
    page.goto(path.format(block=province.block_departments.pk))
    assert violations(page) == []
