"""Shared set-up of the public survey form's tests: this year's questionnaire, one question per element."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import timezone

from cchc.surveys import codes
from cchc.surveys.models import Counter, Element, Question, Questionnaire

CODES = ("TC1", "TT1", "CC1", "KQ1", "PA1")


def make_questionnaire() -> Questionnaire:
    questionnaire = Questionnaire.objects.create(year=timezone.localdate().year, title="Phiếu khảo sát sự hài lòng")
    texts = (
        "Nơi ngồi chờ có đủ chỗ ngồi",
        "Thủ tục được niêm yết công khai, đầy đủ",
        "Công chức có thái độ lịch sự khi tiếp đón",
        "Kết quả nhận được đúng quy định",
        "Cơ quan tiếp nhận góp ý, phản ánh dễ dàng",
    )
    for order, (code, element, text) in enumerate(zip(CODES, Element.values, texts, strict=True)):
        Question.objects.create(questionnaire=questionnaire, code=code, element=element, text=text, order=order)
    return questionnaire


def answers(*values: int) -> dict[str, str]:
    """Form fields for ``values`` given to the questions in order (the rest left empty)."""
    return {f"q_{code}": str(v) for code, v in zip(CODES, values, strict=False)}


def code_url(agency_code: str, dossier_code: str, procedure_code: str = "") -> str:
    code = codes.make_code(agency_code=agency_code, dossier_code=dossier_code, procedure_code=procedure_code)
    return f"/khao-sat/{agency_code}/?c={code}"


def counter_url(counter: Counter) -> str:
    return f"/khao-sat/q/{counter.token}/"


def post(url: str, data: dict[str, str], address: str = "203.0.113.7", js: bool = False, **extra: Any) -> Any:
    headers = {"HTTP_X_SURVEY_CLIENT": "js"} if js else {}
    return Client(REMOTE_ADDR=address).post(url, data, **headers, **extra)
