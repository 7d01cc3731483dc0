"""Plans and tasks: the import and export, the statistics as the seeds count them, the pages and API."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from cchc.core.models import AuditEntry
from cchc.core.scope import SYSTEM
from cchc.core.tabular import InputError, read_rows
from cchc.plans.models import Plan, Task, TaskStatus
from cchc.plans.services import TASK_COLUMNS, import_plan_file, tasks_file
from cchc.plans.stats import task_stats
from conftest import client_for

HEADER = "task_code,title,area,lead_agency_code,co_agency_codes,deadline,product,status,completed_on\n"
GOOD = (
    HEADER
    + "1.1,Ban hành kế hoạch CCHC,direction,SA,,31/01/2026,Kế hoạch,done,2026-01-20\n"
    + "1.2,Rà soát văn bản,institutions,SA,SB;C1,2026-06-30,Báo cáo,done,05/07/2026\n"
    + "2.1,Công khai TTHC,procedures,SB,,2026-03-31,Danh mục,open,\n"
    + '3.1,"Số hóa hồ sơ, kết quả",digital_government,C1,SA,2026-12-31,Kho dữ liệu,open,\n'
)


def write(tmp_path: Path, text: str, name: str = "plan.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def imported(tmp_path: Path, text: str = GOOD, year: int = 2026, agency: str = "HA") -> Any:
    with translation.override("vi"):
        return import_plan_file(write(tmp_path, text), year=year, agency_code=agency)


def test_a_good_file_creates_the_plan_and_its_tasks(province, tmp_path):
    summary = imported(tmp_path)
    plan = Plan.objects.get()
    assert (plan.year, plan.agency.code, plan.title) == (2026, "HA", "Kế hoạch cải cách hành chính năm 2026")
    assert (summary.created, summary.updated) == (4, 0)
    task = Task.objects.get(task_code="1.2")
    assert task.lead_agency.code == "SA" and {a.code for a in task.co_agencies.all()} == {"SB", "C1"}
    assert (task.deadline, task.completed_on, task.status) == (date(2026, 6, 30), date(2026, 7, 5), "done")
    assert Task.objects.get(task_code="3.1").title == "Số hóa hồ sơ, kết quả"
    assert AuditEntry.objects.filter(action="import").count() == 4


BAD_ROWS = [
    ("1.1,T,direction,XX,,2026-01-31,,open,", "Dòng 2, cột “lead_agency_code”: không có cơ quan “XX”"),
    ("1.1,T,direction,SA;SB,,2026-01-31,,open,", "Dòng 2, cột “lead_agency_code”:"),
    ("1.1,T,direction,SA,ZZ,2026-01-31,,open,", "Dòng 2, cột “co_agency_codes”: không có cơ quan “ZZ”"),
    ("1.1,T,culture,SA,,2026-01-31,,open,", "Dòng 2, cột “area”:"),
    ("1.1,T,direction,SA,,31-01-2026,,open,", "Dòng 2, cột “deadline”:"),
    ("1.1,T,direction,SA,,2026-01-31,,done,", "Dòng 2, cột “completed_on”:"),
    ("1.1,T,direction,SA,,2026-01-31,,open,2026-01-02", "Dòng 2, cột “completed_on”:"),
    ("1.1,T,direction,SA,,2026-01-31,,started,", "Dòng 2, cột “status”:"),
    ("1.1,,direction,SA,,2026-01-31,,open,", "Dòng 2, cột “title”:"),
]


@pytest.mark.parametrize(("line", "message"), BAD_ROWS)
def test_a_bad_row_is_named_and_nothing_is_written(province, tmp_path, line, message):
    good = "0.1,Tốt,direction,SA,,2026-01-31,,open,\n"
    with pytest.raises(InputError) as error:
        imported(tmp_path, HEADER + line + "\n" + good)
    assert str(error.value).startswith(message), str(error.value)
    assert "\n" not in str(error.value)
    assert not Plan.objects.exists() and not Task.objects.exists()


def test_a_duplicate_task_code_is_refused_naming_both_rows(province, tmp_path):
    text = HEADER + "1.1,A,direction,SA,,2026-01-31,,open,\n1.1,B,direction,SA,,2026-01-31,,open,\n"
    with pytest.raises(InputError, match=r"Dòng 3, cột “task_code”: .*dòng 2"):
        imported(tmp_path, text)
    assert not Task.objects.exists()


def test_a_bad_row_after_good_ones_leaves_an_existing_plan_as_it_was(province, tmp_path):
    imported(tmp_path)
    with pytest.raises(InputError):
        imported(
            tmp_path, HEADER + "1.1,Đổi tên,direction,SA,,2026-01-31,,open,\n9.9,X,nowhere,SA,,2026-01-31,,open,\n"
        )
    assert Task.objects.get(task_code="1.1").title == "Ban hành kế hoạch CCHC"


def test_importing_again_updates_by_task_code(province, tmp_path):
    imported(tmp_path)
    again = GOOD.replace(
        "2.1,Công khai TTHC,procedures,SB,,2026-03-31,Danh mục,open,",
        "2.1,Công khai TTHC,procedures,SB,,2026-03-31,Danh mục,done,2026-04-02",
    )
    summary = imported(tmp_path, again)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 3)
    assert Task.objects.count() == 4 and Plan.objects.count() == 1
    assert Task.objects.get(task_code="2.1").completed_on == date(2026, 4, 2)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_imports_back_as_it_was(province, tmp_path, fmt):
    imported(tmp_path)
    plan = Plan.objects.get()
    data = tasks_file(plan, Task.objects.restrict(SYSTEM).filter(plan=plan), fmt)
    path = tmp_path / f"again.{fmt}"
    path.write_bytes(data)
    rows = [values for _n, values in read_rows(path, required=["task_code"], optional=TASK_COLUMNS)]
    assert [r["task_code"] for r in rows] == ["1.1", "1.2", "2.1", "3.1"]
    assert rows[1]["co_agency_codes"] == "C1;SB" and rows[1]["deadline"] == "2026-06-30"
    # A person reads the area and status in an XLSX; a CSV, for machines, keeps the codes.
    if fmt == "xlsx":
        assert (rows[0]["area"], rows[0]["status"]) == ("Chỉ đạo, điều hành", "Đã hoàn thành")
        assert (rows[2]["area"], rows[2]["status"]) == ("Cải cách thủ tục hành chính", "Chưa hoàn thành")
    else:
        assert (rows[0]["area"], rows[0]["status"]) == ("direction", "done")
    summary = import_plan_file(path, year=2026, agency_code="HA")
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 4)


def test_the_import_takes_an_area_and_a_status_by_their_labels(province, tmp_path):
    """As a person types them in a spreadsheet: the Vietnamese label in any case and spacing, or the
    English one, as well as the code."""
    text = (
        HEADER
        + '1.1,A,"  chỉ đạo,   điều hành ",SA,,2026-01-31,,ĐÃ HOÀN THÀNH,2026-01-20\n'
        + "1.2,B,Institutional reform,SA,,2026-06-30,,Not done,\n"
        + "2.1,C,procedures,SB,,2026-03-31,,Chưa hoàn thành,\n"
    )
    imported(tmp_path, text)
    found = dict(Task.objects.values_list("task_code", "area"))
    assert found == {"1.1": "direction", "1.2": "institutions", "2.1": "procedures"}
    assert dict(Task.objects.values_list("task_code", "status")) == {"1.1": "done", "1.2": "open", "2.1": "open"}
    with pytest.raises(InputError) as error:
        imported(tmp_path, HEADER + "9.1,D,Văn hóa,SA,,2026-01-31,,Đang làm,\n")
    message = str(error.value)
    assert message.startswith("Dòng 2, cột “area”: không có lĩnh vực CCHC “Văn hóa” (một trong Chỉ đạo, điều hành;")
    with pytest.raises(InputError) as error:
        imported(tmp_path, HEADER + "9.1,D,direction,SA,,2026-01-31,,Đang làm,\n")
    assert str(error.value) == (
        "Dòng 2, cột “status”: không có tình trạng “Đang làm” (một trong Chưa hoàn thành; Đã hoàn thành)"
    )


def test_the_commands_import_and_export(province, tmp_path):
    out = io.StringIO()
    call_command("import_plan", str(write(tmp_path, GOOD)), "--year", "2026", "--agency", "HA", stdout=out)
    assert "4" in out.getvalue()
    target = tmp_path / "out.xlsx"
    call_command("export_plan", "--year", "2026", "--agency", "HA", "--out", str(target), stdout=io.StringIO())
    assert target.read_bytes()[:2] == b"PK"


def test_an_agency_with_several_plans_in_a_year_says_which_one(province, tmp_path):
    """The import (and the export) took the agency's first plan of the year without a word; with several,
    they now ask for the plan's number and otherwise refuse, naming the plans, writing nothing."""
    first = Plan.objects.create(year=2026, agency=province.province, number="45/KH-UBND", title="Kế hoạch CCHC")
    Plan.objects.create(year=2026, agency=province.province, number="12/KH-UBND", title="Kế hoạch chuyển đổi số")
    path = write(tmp_path, GOOD)
    with pytest.raises(CommandError) as error:
        call_command("import_plan", str(path), "--year", "2026", "--agency", "HA", stdout=io.StringIO())
    assert str(error.value) == (
        "Tham số “--plan”: HA có nhiều kế hoạch trong năm 2026 (12/KH-UBND; 45/KH-UBND): "
        "cho biết số, ký hiệu của kế hoạch bằng --plan"
    )
    assert not Task.objects.exists()
    out = io.StringIO()
    call_command("import_plan", str(path), "--year", "2026", "--agency", "HA", "--plan", "45/KH-UBND", stdout=out)
    assert set(Task.objects.values_list("plan", flat=True)) == {first.pk}
    with pytest.raises(CommandError):
        call_command("export_plan", "--year", "2026", "--agency", "HA", "--out", str(tmp_path / "x.csv"))
    target = tmp_path / "out.csv"
    call_command(
        "export_plan", "--year", "2026", "--agency", "HA", "--plan", "45/KH-UBND", "--out", str(target), stdout=out
    )
    assert len(target.read_text(encoding="utf-8-sig").splitlines()) == 5
    # A number the agency has no plan under makes that plan.
    call_command("import_plan", str(path), "--year", "2026", "--agency", "HA", "--plan", "7/KH-UBND", stdout=out)
    assert Plan.objects.get(number="7/KH-UBND").tasks.count() == 4


# Statistics


def make_task(
    plan: Plan,
    code: str,
    lead: Any,
    deadline: date,
    done_on: date | None = None,
    area: str = "direction",
    co: tuple = (),
) -> Task:
    task = Task.objects.create(
        plan=plan,
        task_code=code,
        title=code,
        area=area,
        lead_agency=lead,
        deadline=deadline,
        status=TaskStatus.DONE if done_on else TaskStatus.OPEN,
        completed_on=done_on,
    )
    task.co_agencies.set(co)
    return task


@pytest.fixture
def outcomes(province):
    """One task of each outcome as of 2026-06-30: done on time, done late, open overdue, open in time."""
    plan = Plan.objects.create(year=2026, agency=province.province, title="KH")
    make_task(plan, "1", province.dept_a, date(2026, 3, 31), date(2026, 3, 31), "direction")
    make_task(plan, "2", province.dept_a, date(2026, 3, 31), date(2026, 4, 1), "procedures")
    make_task(plan, "3", province.dept_b, date(2026, 6, 29), None, "procedures", co=(province.dept_a,))
    make_task(plan, "4", province.dept_b, date(2026, 6, 30), None, "civil_service")
    other = Plan.objects.create(year=2025, agency=province.province, title="KH 2025")
    make_task(other, "1", province.dept_a, date(2025, 3, 31), None)
    return plan


def counts(group: Any) -> tuple[int, ...]:
    return (
        group.assigned,
        group.done,
        group.done_on_time,
        group.done_late,
        group.open,
        group.open_overdue,
        group.open_in_time,
    )


def test_each_task_has_one_of_the_four_outcomes(outcomes):
    (group,) = task_stats(2026, user=SYSTEM, as_of=date(2026, 6, 30))
    assert group.key == "all"
    assert counts(group) == (4, 2, 1, 1, 2, 1, 1)
    assert group.as_json()["on_time_rate"] == {"value": 0.25, "text": "25,00%"}


def test_the_as_of_day_moves_a_task_from_in_time_to_overdue(outcomes):
    (before,) = task_stats(2026, user=SYSTEM, as_of=date(2026, 6, 30))
    (after,) = task_stats(2026, user=SYSTEM, as_of=date(2026, 7, 1))
    assert (before.open_overdue, before.open_in_time) == (1, 1)
    assert (after.open_overdue, after.open_in_time) == (2, 0)


def test_by_agency_groups_by_lead_agency_and_by_area_lists_every_area(outcomes):
    by_agency = {g.key: counts(g) for g in task_stats(2026, user=SYSTEM, as_of=date(2026, 6, 30), by="agency")}
    assert by_agency == {"SA": (2, 2, 1, 1, 0, 0, 0), "SB": (2, 0, 0, 0, 2, 1, 1)}
    by_area = {g.key: g.assigned for g in task_stats(2026, user=SYSTEM, as_of=date(2026, 6, 30), by="area")}
    assert by_area == {
        "direction": 1,
        "institutions": 0,
        "procedures": 2,
        "organisation": 0,
        "civil_service": 1,
        "public_finance": 0,
        "digital_government": 0,
    }


def test_an_officer_sees_the_tasks_of_its_agency_led_or_co_operated(outcomes, personas):
    day = date(2026, 6, 30)
    assert task_stats(2026, user=personas.officer_a, as_of=day)[0].assigned == 3  # leads 1, 2; co-operates 3
    assert task_stats(2026, user=personas.officer_b, as_of=day)[0].assigned == 2
    assert task_stats(2026, user=personas.district_coordinator, as_of=day)[0].assigned == 0
    assert task_stats(2026, user=personas.coordinator, as_of=day)[0].assigned == 4
    assert task_stats(2026, user=None, as_of=day)[0].assigned == 0  # no reader, nothing
    assert set(Plan.objects.restrict(personas.officer_b).values_list("year", flat=True)) == {2026}


def test_the_seed_figures_of_003(province):
    """14.535 assigned = 13.216 done on time + 1.075 done late + 244 not done and overdue (seeds/003)."""
    plan = Plan.objects.create(year=2018, agency=province.province, title="KH")
    due, lead = date(2018, 6, 30), province.dept_a

    def bulk(prefix: str, count: int, status: str, completed_on: date | None) -> list[Task]:
        return [
            Task(
                plan=plan,
                task_code=f"{prefix}{i}",
                title="t",
                area="direction",
                lead_agency=lead,
                deadline=due,
                status=status,
                completed_on=completed_on,
            )
            for i in range(count)
        ]

    Task.objects.bulk_create(
        bulk("a", 13_216, "done", due) + bulk("b", 1_075, "done", date(2018, 7, 1)) + bulk("c", 244, "open", None),
        batch_size=2000,
    )
    (group,) = task_stats(2018, user=SYSTEM, as_of=date(2018, 12, 31))
    assert counts(group) == (14_535, 14_291, 13_216, 1_075, 244, 244, 0)
    with translation.override("vi"):
        assert group.on_time_rate_text == "90,93%"  # 13.216 ÷ 14.535 = 0,909254 (half up)


def test_the_command_json_has_the_shape_of_dossier_stats(outcomes):
    out = io.StringIO()
    call_command(
        "task_stats", "--year", "2026", "--as-of", "30/06/2026", "--by", "agency", "--format", "json", stdout=out
    )
    document = json.loads(out.getvalue())
    assert (document["year"], document["as_of"], document["by"]) == (2026, "2026-06-30", "agency")
    first = document["groups"][0]
    assert set(first) == {
        "key",
        "name",
        "assigned",
        "done",
        "done_on_time",
        "done_late",
        "open",
        "open_overdue",
        "open_in_time",
        "on_time_rate",
    }
    assert (first["key"], first["assigned"], first["on_time_rate"]) == ("SA", 2, {"value": 0.5, "text": "50,00%"})


def test_the_command_csv_and_table(outcomes):
    out = io.StringIO()
    call_command("task_stats", "--year", "2026", "--as-of", "2026-06-30", "--format", "csv", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "key,name,assigned,done,done_on_time,done_late,open,open_overdue,open_in_time,on_time_rate"
    assert lines[1].startswith("all,") and lines[1].endswith(",4,2,1,1,2,1,1,0.25")
    table = io.StringIO()
    call_command("task_stats", "--year", "2026", "--as-of", "2026-06-30", stdout=table)
    assert "25,00%" in table.getvalue()


# Pages and API


def test_the_pages_list_the_plans_and_tasks_in_scope(outcomes, personas):
    client = client_for(personas.officer_b)
    page = client.get("/plans/?year=2026")
    assert page.status_code == 200 and "KH" in page.content.decode()
    detail = client.get(f"/plans/{outcomes.pk}/")
    codes = [t.task_code for t in detail.context["object_list"]]
    assert codes == ["3", "4"]  # SB leads 3 and 4 only
    overdue = client.get(f"/plans/{outcomes.pk}/?overdue=true")
    assert detail.status_code == 200 and overdue.status_code == 200
    assert client_for(personas.district_coordinator).get(f"/plans/{outcomes.pk}/").status_code == 404
    export = client.get(f"/plans/{outcomes.pk}/export/?format=csv&area=procedures")
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0] == HEADER.strip() and [line.split(",")[0] for line in lines[1:]] == ["3"]


def test_the_api_lists_plans_tasks_and_statistics_in_scope(outcomes, personas):
    client = client_for(personas.officer_a)
    tasks = client.get("/api/v1/tasks/?year=2026").json()
    rows = tasks["results"] if isinstance(tasks, dict) else tasks
    assert sorted(t["task_code"] for t in rows) == ["1", "2", "3"]
    plans = client.get("/api/v1/plans/").json()
    assert len(plans["results"] if isinstance(plans, dict) else plans) == 2  # it leads a task of each year
    stats = client.get("/api/v1/task-stats/?year=2026&by=agency&as_of=2026-06-30").json()
    assert [g["key"] for g in stats["groups"]] == ["SA", "SB"]
    assert stats["groups"][1]["assigned"] == 1  # SB's task that SA co-operates on
    assert client.get("/api/v1/task-stats/?by=block").status_code == 400
    assert client_for(None).get("/api/v1/tasks/").status_code == 401
