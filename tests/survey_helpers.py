"""Building questionnaires and forms for the survey tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from cchc.surveys.models import Channel, Element, Question, Questionnaire
from cchc.surveys.services import record_response

# Two questions per element: A1, A2 (access), P1, P2 (procedure), O1, O2, R1, R2, F1, F2.
PREFIX = {"access": "A", "procedure": "P", "officer": "O", "result": "R", "feedback": "F"}


def questionnaire(year: int = 2025, target: str | None = "0.83", per_element: int = 2) -> Questionnaire:
    q = Questionnaire.objects.create(year=year, title=f"Phiếu {year}", target=Decimal(target) if target else None)
    order = 0
    for element in Element.values:
        for i in range(1, per_element + 1):
            order += 1
            Question.objects.create(
                questionnaire=q, code=f"{PREFIX[element]}{i}", element=element, text=f"{element} {i}", order=order
            )
    return q


def form(q: Questionnaire, agency: Any, answers: dict[str, int], **kwargs: Any) -> Any:
    kwargs.setdefault("channel", Channel.COUNTER)
    kwargs.setdefault("answered_on", date(q.year, 6, 1))
    return record_response(q, agency, answers, **kwargs)


def uniform(q: Questionnaire, value: int) -> dict[str, int]:
    return {question.code: value for question in q.questions.all()}
