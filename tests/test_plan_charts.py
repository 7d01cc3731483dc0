"""The plans page's charts of task completion and its Phụ lục 1 download (issue 12 point 3): the charts draw
the table's own figures, the table stays as their accessible alternative, and the workbook is the reports'
Phụ lục 1 sheet over the tasks the reader sees."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from cchc.plans.models import Plan
from cchc.plans.stats import task_stats
from conftest import client_for
from tests.test_plans import make_task


@pytest.fixture
def plan(province):
    """2025 (all past): SA done on time ×2 and late ×1, SB not done overdue ×1 and done on time ×1."""
    plan = Plan.objects.create(year=2025, agency=province.province, title="KH 2025")
    make_task(plan, "1", province.dept_a, date(2025, 3, 31), date(2025, 3, 30), "direction")
    make_task(plan, "2", province.dept_a, date(2025, 3, 31), date(2025, 3, 31), "procedures")
    make_task(plan, "3", province.dept_a, date(2025, 3, 31), date(2025, 4, 2), "procedures")
    make_task(plan, "4", province.dept_b, date(2025, 6, 30), None, "civil_service")
    make_task(plan, "5", province.dept_b, date(2025, 6, 30), date(2025, 6, 1), "digital_government")
    return plan


def chart_data(html: str) -> dict:
    found = re.search(r'<script id="task-chart" type="application/json">(.*?)</script>', html, re.S)
    assert found, "no chart data on the page"
    return json.loads(found.group(1))


def test_the_charts_draw_the_table_s_figures(plan, personas):
    html = client_for(personas.coordinator).get("/plans/?year=2025").content.decode()
    data = chart_data(html)
    areas = task_stats(2025, user=personas.coordinator, by="area")
    assert data["labels"] == [g.name for g in areas] and "Cải cách thủ tục hành chính" in data["labels"]
    series = {s["key"]: s["data"] for s in data["series"]}
    assert list(series) == ["done_on_time", "done_late", "open_overdue", "open_in_time"]
    procedures = data["labels"].index("Cải cách thủ tục hành chính")
    assert [series[k][procedures] for k in series] == [1, 1, 0, 0]
    assert data["totals"] == [3, 1, 1, 0] and data["assigned"] == 5
    assert data["series"][0]["label"] == "Hoàn thành đúng hạn"
    # Accessible: each canvas is an image with a label, each figure has a caption, and the table is still there.
    assert html.count('role="img"') == 2 and html.count("<figcaption") == 2
    assert 'aria-label="Nhiệm vụ năm 2025 theo lĩnh vực CCHC: hoàn thành đúng hạn' in html
    assert "<caption" in html and '<th scope="col" class="text-end">Hoàn thành đúng hạn</th>' in html
    assert "vendor/chart.js/chart.umd.js" in html and "plans/charts.js" in html


def test_the_charts_follow_the_reader_s_scope(plan, personas):
    data = chart_data(client_for(personas.officer_b).get("/plans/?year=2025").content.decode())
    assert data["totals"] == [1, 0, 1, 0] and data["assigned"] == 2  # SB's two tasks only


def test_a_year_without_tasks_draws_no_chart(plan, personas):
    html = client_for(personas.coordinator).get("/plans/?year=2024").content.decode()
    assert 'id="task-chart"' not in html and 'data-chart="task-areas"' not in html


def test_appendix_1_downloads_as_the_reports_write_it(plan, personas):
    response = client_for(personas.coordinator).get("/plans/appendix1/?year=2025")
    assert response["Content-Disposition"] == 'attachment; filename="phu-luc-1-nhiem-vu-2025.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Phụ lục 1"]
    sheet = book["Phụ lục 1"]
    assert sheet["A2"].value == "KẾT QUẢ THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH THEO LĨNH VỰC"
    assert "Kế hoạch CCHC năm 2025" in sheet["A3"].value
    assert sheet.freeze_panes == "C6"
    # Printed: one landscape page wide, the header row tall enough for its wrapped titles and repeated.
    assert (sheet.page_setup.orientation, sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (
        "landscape",
        1,
        0,
    )
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$5:$5"
    assert sheet.row_dimensions[5].height >= 45
    rows = {r[1]: r[2:] for r in sheet.iter_rows(min_row=6, values_only=True)}
    # assigned, done, on time, late, not done, overdue, in time, on-time rate
    assert rows["Cải cách thủ tục hành chính"] == (2, 2, 1, 1, 0, 0, 0, 0.5)
    assert rows["Cải cách chế độ công vụ"] == (1, 0, 0, 0, 1, 1, 0, 0)
    assert rows["Cải cách thể chế"][0] == 0 and rows["Cải cách thể chế"][-1] == "—"
    # Someone else reads only the tasks they see.
    theirs = client_for(personas.officer_b).get("/plans/appendix1/?year=2025")
    sheet = load_workbook(io.BytesIO(theirs.content))["Phụ lục 1"]
    assert sum(r[2] for r in sheet.iter_rows(min_row=6, values_only=True)) == 2
