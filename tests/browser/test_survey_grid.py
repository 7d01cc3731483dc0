"""The paper forms' keyboard grid: an officer types two forms with the keyboard only and saves them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from cchc.surveys.models import Answer, Channel, PaperBatch, Response, Status
from tests.browser.test_login_tree import login
from tests.survey_helpers import questionnaire

SHOTS = Path(__file__).resolve().parents[2] / "data" / "screenshots"


def test_an_officer_types_paper_forms_with_the_keyboard_only(
    live_server: Any, page: Any, personas: Any, province: Any
) -> None:
    year = date.today().year
    q = questionnaire(year)
    batch = PaperBatch.objects.create(
        questionnaire=q, agency=province.dept_a, name="Lô 1", created_by=personas.officer_a
    )
    login(page, personas.officer_a.username)
    page.goto(f"/surveys/paper/{batch.pk}/entry/1/")
    day = date(year, 1, 5).strftime("%d/%m/%Y")
    page.get_by_label("Số phiếu, phiếu 1", exact=True).focus()
    keyboard = page.keyboard
    # form 1: serial, Tab, date, Tab, (no dossier code) Tab, then the ten answers typed as digits
    keyboard.type("P-001")
    keyboard.press("Tab")
    keyboard.press("Control+A")
    keyboard.type(day)
    keyboard.press("Tab")
    keyboard.press("Tab")
    keyboard.type("5443")  # A1 A2 P1 P2: each digit moves to the next cell by itself
    keyboard.press("Tab")  # O1 left empty
    keyboard.type("9")  # refused: not on the scale, the cell stays empty and focused
    keyboard.type("2")
    keyboard.type("4521")  # the last answer: the focus moves on to the next form's serial
    assert page.evaluate("document.activeElement.id") == "r2-serial"
    keyboard.type("P-002")
    keyboard.press("Tab")
    keyboard.press("Control+A")
    keyboard.type(day)
    keyboard.press("Tab")
    keyboard.type("000.00.01.H01-1")
    keyboard.press("Tab")
    keyboard.type("11111")  # five answers, the other five left empty
    keyboard.press("Enter")  # Enter: the next form
    assert page.evaluate("document.activeElement.id") == "r3-serial"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "survey-grid.png"), full_page=True)
    for _ in range(300):  # Tab through the empty rows to the save button
        if page.evaluate("document.activeElement.id") == "grid-save":
            break
        keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "grid-save"
    with page.expect_navigation():
        keyboard.press("Enter")
    page.get_by_text("Đã lưu 2 phiếu giấy.").wait_for()
    forms = {r.serial: r for r in Response.objects.all()}
    assert set(forms) == {"P-001", "P-002"}
    assert all(r.channel == Channel.PAPER and r.status == Status.COUNTED for r in forms.values())
    first = dict(Answer.objects.filter(response=forms["P-001"]).values_list("question__code", "value"))
    assert first == {"A1": 5, "A2": 4, "P1": 4, "P2": 3, "O2": 2, "R1": 4, "R2": 5, "F1": 2, "F2": 1}
    assert forms["P-002"].dossier_code == "000.00.01.H01-1"
    assert Answer.objects.filter(response=forms["P-002"], value=1).count() == 5
