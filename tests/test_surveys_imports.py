"""Questionnaire import/export/default and the paper forms' import (issue 13 points 1 and 5)."""

from __future__ import annotations

import csv
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from cchc.core.models import AuditEntry
from cchc.surveys.defaults import DEFAULT_QUESTIONS
from cchc.surveys.models import Answer, Channel, Element, Question, Questionnaire, Response, Status
from tests.survey_helpers import form, questionnaire


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


QUESTIONS = [["code", "element", "text"], ["Q1", "access", "Dễ tìm"], ["Q2", "officer", "Lịch sự"]]


def test_import_questionnaire_creates_the_year_and_exports_it_back(db, tmp_path):
    call_command(
        "import_questionnaire", str(write_csv(tmp_path / "q.csv", QUESTIONS)), "--year", "2026", stdout=StringIO()
    )
    q = Questionnaire.objects.get(year=2026)
    assert list(q.questions.values_list("code", "element", "order")) == [("Q1", "access", 1), ("Q2", "officer", 2)]
    assert AuditEntry.objects.filter(action="import", object_id=str(q.pk)).exists()
    out = tmp_path / "out.xlsx"
    call_command("export_questionnaire", "--year", "2026", "--out", str(out), stdout=StringIO())
    sheet = load_workbook(out).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    # The element as a person reads it; the CSV keeps the code.
    assert ["Q1", "Tiếp cận dịch vụ", "Dễ tìm"] in cells and [
        "Q2",
        "Công chức trực tiếp giải quyết",
        "Lịch sự",
    ] in cells
    # the export reads back: same questions, nothing changed
    call_command("import_questionnaire", str(out), "--year", "2026", stdout=StringIO())
    assert list(q.questions.values_list("code", "element", "order")) == [("Q1", "access", 1), ("Q2", "officer", 2)]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [["code", "element", "text"], ["Q1", "access", "a"], ["Q2", "speed", "b"]],
            "Dòng 3, cột “element”: .*access, procedure, officer, result, feedback",
        ),
        ([["code", "element", "text"], ["Q1", "access", "a"], ["Q1", "officer", "b"]], "Dòng 3, cột “code”: .*dòng 2"),
        ([["code", "element", "text"], ["Q1", "access", ""]], "Dòng 2, cột “text”"),
        ([["code", "element", "text"], ["serial", "access", "a"]], "Dòng 2, cột “code”"),
        ([["code", "element"], ["Q1", "access"]], "Dòng 1: .*text"),
    ],
)
def test_import_questionnaire_refuses_bad_rows_and_writes_nothing(db, tmp_path, rows, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_questionnaire", str(write_csv(tmp_path / "q.csv", rows)), "--year", "2026")
    assert not Questionnaire.objects.exists() and not Question.objects.exists()


def test_a_questionnaire_with_forms_keeps_its_questions(province, tmp_path):
    q = questionnaire(2025)
    form(q, province.dept_a, {"A1": 5})
    with pytest.raises(CommandError, match=r"không sửa được|cannot change"):
        call_command("import_questionnaire", str(write_csv(tmp_path / "q.csv", QUESTIONS)), "--year", "2025")
    assert q.questions.count() == 10


def test_the_default_questionnaire(db):
    call_command("default_questionnaire", "--year", "2026", "--target", "0.87", stdout=StringIO())
    q = Questionnaire.objects.get(year=2026)
    assert q.questions.count() == len(DEFAULT_QUESTIONS) and 10 <= len(DEFAULT_QUESTIONS) <= 20
    assert set(q.questions.values_list("element", flat=True)) == set(Element.values)
    assert str(q.target) == "0.870000"
    call_command("default_questionnaire", "--year", "2026", stdout=StringIO())  # a second time: unchanged
    assert Question.objects.count() == len(DEFAULT_QUESTIONS)


# Paper forms


def paper_rows(*rows: list[object]) -> list[list[object]]:
    return [["serial", "agency_code", "answered_on", "dossier_code", "A1", "A2", "P1", "O1", "R1", "F1"], *rows]


def test_import_survey_answers_stores_counted_paper_forms(province, tmp_path):
    questionnaire(2025)
    path = write_xlsx(
        tmp_path / "p.xlsx",
        paper_rows(
            ["S-001", "SA", date(2025, 3, 2), "000.00.01.H01-250302-0001", 5, 4, 3, None, 4, 5],
            ["S-002", "SB", "15/04/2025", "", 2, None, None, None, None, 1],
        ),
    )
    out = StringIO()
    call_command("import_survey_answers", str(path), "--year", "2025", stdout=out)
    assert "2" in out.getvalue()
    forms = {r.serial: r for r in Response.objects.all()}
    assert set(forms) == {"S-001", "S-002"}
    assert all(r.channel == Channel.PAPER and r.status == Status.COUNTED for r in forms.values())
    assert forms["S-001"].dossier_code == "000.00.01.H01-250302-0001"
    assert forms["S-002"].answered_on == date(2025, 4, 15)
    assert Answer.objects.filter(response=forms["S-001"]).count() == 5
    assert AuditEntry.objects.filter(action="import").exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["S-9", "SA", "2025-03-02", "", 6, "", "", "", "", ""], "Dòng 3, cột “A1”"),
        (["S-9", "SA", "2025-02-30", "", 5, "", "", "", "", ""], "Dòng 3, cột “answered_on”"),
        (["S-9", "XX", "2025-03-02", "", 5, "", "", "", "", ""], "Dòng 3, cột “agency_code”: .*XX"),
        (["S-1", "SA", "2025-03-02", "", 5, "", "", "", "", ""], "Dòng 3, cột “serial”: .*dòng 2"),
        (["S-0", "SA", "2025-03-02", "", 5, "", "", "", "", ""], "Dòng 3, cột “serial”: .*S-0"),
        (["S-9", "SA", "2024-03-02", "", 5, "", "", "", "", ""], "Dòng 3, cột “answered_on”"),
        (["S-9", "SA", "2025-03-02", "", "", "", "", "", "", ""], "Dòng 3"),
    ],
)
def test_import_survey_answers_refuses_a_bad_row_and_writes_nothing(province, tmp_path, row, message):
    q = questionnaire(2025)
    form(q, province.dept_b, {"A1": 4}, channel=Channel.PAPER, serial="S-0")
    path = write_csv(tmp_path / "p.csv", paper_rows(["S-1", "SA", "2025-03-01", "", 5, 5, 5, 5, 5, 5], row))
    with pytest.raises(CommandError, match=message):
        call_command("import_survey_answers", str(path), "--year", "2025")
    assert Response.objects.count() == 1 and Answer.objects.count() == 1


def test_import_survey_answers_refuses_an_unknown_question_column(province, tmp_path):
    questionnaire(2025)
    rows = [["serial", "agency_code", "answered_on", "Z9"], ["S-1", "SA", "2025-03-01", "5"]]
    with pytest.raises(CommandError, match=r"Dòng 1: .*Z9"):
        call_command("import_survey_answers", str(write_csv(tmp_path / "p.csv", rows)), "--year", "2025")
    assert not Response.objects.exists()
