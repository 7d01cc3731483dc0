"""The survey pages and API: results in scope, the XLSX export, the builder, the paper batches."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from cchc.core.models import AuditEntry
from cchc.surveys import paper
from cchc.surveys.models import Answer, PaperBatch, Question, Response, Status
from conftest import client_for
from tests.survey_helpers import form, questionnaire, uniform


@pytest.fixture
def forms(province):
    q = questionnaire(2025, target="0.83")
    form(q, province.dept_a, uniform(q, 5))
    form(q, province.dept_a, uniform(q, 2))
    form(q, province.dept_b, uniform(q, 4))
    form(q, province.commune_1, uniform(q, 1))
    form(q, province.dept_b, uniform(q, 1), status=Status.HELD, held_reasons=["burst"])
    return q


def test_the_results_page_shows_the_scope(forms, personas):
    page = client_for(personas.officer_a).get("/surveys/?year=2025")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Sở Tư pháp" in text and "Sở Y tế" not in text and "UBND xã Một" not in text
    assert "50,00%" in text  # SA: one form all 5, one all 2
    coordinator = client_for(personas.coordinator).get("/surveys/?year=2025").content.decode()
    assert "Sở Y tế" in text or "Sở Y tế" in coordinator
    assert "UBND xã Một" in coordinator and "Sở, ban, ngành" in coordinator  # agencies and blocks
    assert "chưa đạt" in coordinator  # the province: (1+0+1+0)/4 = 50% against 83%
    district = client_for(personas.district_coordinator).get("/surveys/?year=2025").content.decode()
    assert "UBND xã Một" in district and "Sở Tư pháp" not in district
    # the held form of SB is counted apart
    assert client_for(personas.officer_b).get("/surveys/?year=2025").context["total"].held == 1


def test_the_results_page_takes_a_period_and_says_a_bad_date(forms, personas):
    page = client_for(personas.coordinator).get("/surveys/?year=2025&from=2025-07-01&to=xx")
    assert page.context["total"].forms == 0
    assert "không phải là ngày" in page.content.decode() or page.context["errors"]


def test_the_xlsx_export_holds_the_pages_figures_in_scope(forms, personas):
    response = client_for(personas.officer_a).get("/surveys/export/?year=2025")
    assert response["Content-Disposition"].startswith("attachment")
    book = load_workbook(BytesIO(response.content))
    agencies = [[c.value for c in row] for row in book[book.sheetnames[-2]].iter_rows()]
    codes = [row[0] for row in agencies]
    assert "SA" in codes and "SB" not in codes and "C1" not in codes
    assert len(book.sheetnames) == 3  # no block sheet for an agency's officer
    whole = load_workbook(BytesIO(client_for(personas.coordinator).get("/surveys/export/?year=2025").content))
    assert len(whole.sheetnames) == 4
    province = [[c.value for c in row] for row in whole[whole.sheetnames[0]].iter_rows()]
    assert province[-1][1] == "Tất cả cơ quan, đơn vị" and province[-1][0] in (None, "")  # no "all" code
    rows = [[c.value for c in row] for row in whole[whole.sheetnames[2]].iter_rows()]
    sa = next(row for row in rows if row[0] == "SA")
    assert sa[2] == 2 and sa[4] == pytest.approx(0.5)


def test_the_api_gives_the_figures_in_scope(forms, personas):
    mine = client_for(personas.officer_a).get("/api/v1/survey-stats/?year=2025&by=agency").json()
    assert [g["key"] for g in mine["groups"]] == ["SA"]
    assert mine["groups"][0]["satisfaction"] == {"value": 0.5, "text": "50,00%"}
    everyone = client_for(personas.coordinator).get("/api/v1/survey-stats/?year=2025&by=block").json()
    assert {g["key"] for g in everyone["groups"]} == {"SBN", "XA-D1"}
    assert client_for(personas.coordinator).get("/api/v1/survey-stats/?by=nonsense").status_code == 400
    detail = client_for(personas.officer_b).get("/api/v1/questionnaires/2025/").json()
    assert len(detail["questions"]) == 10 and detail["target"] == "0.830000"


def test_the_builder_edits_a_questionnaire_not_yet_answered_and_refuses_once_answered(province, personas):
    q = questionnaire(2026)
    coordinator = client_for(personas.coordinator)
    url = "/surveys/questionnaires/2026/edit/"
    coordinator.post(url, {"action": "add", "code": "X1", "element": "result", "text": "Mới"})
    assert q.questions.filter(code="X1", element="result").exists()
    x1 = q.questions.get(code="X1")
    coordinator.post(url, {"action": "up", "question": x1.pk})
    assert list(q.questions.values_list("code", flat=True))[-2:] == ["X1", "F2"]
    coordinator.post(url, {"action": "edit", "question": x1.pk, "element": "feedback", "text": "Sửa"})
    x1.refresh_from_db()
    assert (x1.element, x1.text) == ("feedback", "Sửa")
    page = coordinator.post(url, {"action": "add", "code": "X2", "element": "speed", "text": "?"}, follow=True)
    assert "access, procedure, officer, result, feedback" in page.content.decode()
    coordinator.post(url, {"action": "delete", "question": x1.pk})
    assert not q.questions.filter(code="X1").exists()
    assert AuditEntry.objects.filter(reason="Trình tạo phiếu khảo sát").count() >= 3
    form(q, province.dept_a, {"A1": 5})
    page = coordinator.post(url, {"action": "add", "code": "X3", "element": "access", "text": "?"}, follow=True)
    assert not q.questions.filter(code="X3").exists()
    assert "2026" in page.content.decode()
    coordinator.post(url, {"action": "settings", "title": "Phiếu 2026", "target": "87"})
    q.refresh_from_db()
    assert str(q.target) == "0.870000"  # the target stays editable
    # a district's coordinator and an officer may not build
    assert client_for(personas.district_coordinator).post(url, {"action": "delete", "question": 1}).status_code == 403
    assert client_for(personas.officer_a).post("/surveys/questionnaires/new/", {"year": "2030"}).status_code == 403


def test_the_builder_creates_the_default_questionnaire(db, personas):
    response = client_for(personas.coordinator).post("/surveys/questionnaires/new/", {"year": "2027"})
    assert response["Location"] == "/surveys/questionnaires/2027/"
    assert Question.objects.filter(questionnaire__year=2027).count() == 18


def _grid(rows):
    data = {"rows": str(len(rows))}
    for i, row in enumerate(rows, start=1):
        for key, value in row.items():
            data[f"r{i}-{key}"] = value
    return data


def test_the_grid_refuses_a_bad_cell_by_row_and_column_and_keeps_what_was_typed(province, personas):
    q = questionnaire(2025)
    batch = PaperBatch.objects.create(questionnaire=q, agency=province.dept_a, created_by=personas.officer_a)
    client = client_for(personas.officer_a)
    rows = [
        {"serial": "G-1", "answered_on": "01/03/2025", "A1": "5"},
        {},
        {"serial": "G-2", "answered_on": "02/03/2025", "A1": "7"},
    ]
    page = client.post(f"/surveys/paper/{batch.pk}/entry/1/", _grid(rows))
    assert page.status_code == 400
    assert "Dòng 3, cột “A1”" in page.content.decode()
    assert 'value="G-2"' in page.content.decode()
    assert not Response.objects.exists()
    rows[2]["A1"] = "4"
    page = client.post(f"/surveys/paper/{batch.pk}/entry/1/", _grid(rows))
    assert page.status_code == 302
    assert set(Response.objects.values_list("serial", flat=True)) == {"G-1", "G-2"}
    batch.refresh_from_db()
    assert batch.saved_at is not None
    # another agency's officer cannot open the batch
    assert client_for(personas.officer_b).get(f"/surveys/paper/{batch.pk}/entry/1/").status_code == 404


def test_double_entry_lists_the_differences_and_saves_only_when_reconciled(province, personas):
    q = questionnaire(2025)
    batch = paper.create_batch(q, province.dept_a, personas.officer_a, double_entry=True)
    first = [
        (1, {"serial": "D-1", "answered_on": "2025-03-01", "A1": "5", "A2": "4"}),
        (2, {"serial": "D-2", "answered_on": "2025-03-01", "A1": "3"}),
    ]
    second = [
        (1, {"serial": "D-1", "answered_on": "2025-03-01", "A1": "5", "A2": "2"}),
        (2, {"serial": "D-3", "answered_on": "2025-03-02", "A1": "3"}),
    ]
    paper.save_entry(batch, personas.officer_a, 1, first)
    assert not Response.objects.exists()  # not saved until the second entry agrees
    with pytest.raises(paper.BatchError):
        paper.save_entry(batch, personas.officer_a, 2, second)  # the second entry is another official's
    paper.save_entry(batch, personas.head, 2, second)
    found = {(d.serial, d.column): (d.first, d.second) for d in paper.differences(batch)}
    assert found == {("D-1", "A2"): (4, 2), ("D-2", ""): (True, False), ("D-3", ""): (False, True)}
    page = client_for(personas.officer_a).get(f"/surveys/paper/{batch.pk}/")
    assert "3 chỗ lệch" in page.content.decode()
    with pytest.raises(paper.BatchError):
        paper.save_batch(batch, personas.officer_a)
    client = client_for(personas.head)
    client.post(
        f"/surveys/paper/{batch.pk}/action/", {"action": "resolve", "serial": "D-1", "column": "A2", "value": "4"}
    )
    client.post(
        f"/surveys/paper/{batch.pk}/action/", {"action": "resolve", "serial": "D-2", "column": "", "value": "keep"}
    )
    client.post(
        f"/surveys/paper/{batch.pk}/action/", {"action": "resolve", "serial": "D-3", "column": "", "value": "drop"}
    )
    assert paper.differences(batch) == []
    client.post(f"/surveys/paper/{batch.pk}/action/", {"action": "save"})
    assert set(Response.objects.values_list("serial", flat=True)) == {"D-1", "D-2"}
    d1 = Response.objects.get(serial="D-1")
    assert dict(Answer.objects.filter(response=d1).values_list("question__code", "value")) == {"A1": 5, "A2": 4}
    assert d1.entered_by == personas.head and d1.answered_on == date(2025, 3, 1)
    assert AuditEntry.objects.filter(reason__startswith="Nhập hai lần").count() == 3
