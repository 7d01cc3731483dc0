"""The surveys' data model and its two write services: record_response and review."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from cchc.core.models import AuditEntry
from cchc.core.tabular import InputError
from cchc.notifications.models import Notification
from cchc.surveys.models import Answer, Channel, Response, Status, Trust
from cchc.surveys.services import DuplicateForm, ReviewError, review
from tests.survey_helpers import form, questionnaire, uniform


@pytest.fixture
def q(db: None) -> object:
    return questionnaire()


def test_record_response_stores_the_form_and_its_answers(q, province):
    r = form(q, province.dept_a, {"A1": 5, "A2": 4, "P1": "3", "O1": "", "F2": 2.0}, comment="  Tốt  ")
    assert r.status == Status.COUNTED and r.comment == "Tốt"
    assert dict(Answer.objects.filter(response=r).values_list("question__code", "value")) == {
        "A1": 5,
        "A2": 4,
        "P1": 3,
        "F2": 2,
    }


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"A1": 6}, "cột “A1”"),
        ({"A1": 0}, "cột “A1”"),
        ({"A1": "x"}, "cột “A1”"),
        ({"Z9": 3}, "không có câu hỏi “Z9”"),
        ({"A1": ""}, "không trả lời câu hỏi nào"),
    ],
)
def test_record_response_refuses_bad_answers_and_writes_nothing(q, province, answers, message):
    with pytest.raises(InputError, match=message):
        form(q, province.dept_a, answers)
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_one_form_per_dossier_digest_and_per_serial(q, province):
    form(q, province.dept_a, {"A1": 5}, channel=Channel.CODE, dossier_digest="d" * 64)
    with pytest.raises(DuplicateForm, match="đã được đánh giá"):
        form(q, province.dept_a, {"A1": 4}, channel=Channel.CODE, dossier_digest="d" * 64)
    form(q, province.dept_a, {"A1": 5}, channel=Channel.PAPER, serial="P-1")
    with pytest.raises(DuplicateForm, match="P-1"):
        form(q, province.dept_b, {"A1": 4}, channel=Channel.PAPER, serial="P-1")
    assert Response.objects.count() == 2 and Answer.objects.count() == 2


def test_the_database_refuses_an_answer_outside_the_scale(q, province):
    r = form(q, province.dept_a, {"A1": 5})
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=r, question=q.questions.get(code="A2"), value=6)


def test_paper_forms_are_counted_as_entered(q, province):
    r = form(q, province.dept_a, {"A1": 5}, channel=Channel.PAPER, status=Status.HELD, held_reasons=["burst"])
    assert (r.status, r.trust, r.held_reasons) == (Status.COUNTED, Trust.NORMAL, [])


def test_scope_of_responses(q, province, personas):
    mine = form(q, province.dept_a, uniform(q, 4))
    other = form(q, province.dept_b, uniform(q, 4))
    assert list(Response.objects.restrict(personas.officer_a)) == [mine]
    assert set(Response.objects.restrict(personas.coordinator)) == {mine, other}
    assert not Response.objects.restrict(None).exists()
    assert not Response.objects.restrict(personas.officer_a, "review").exists()


def test_review_counts_or_rejects_a_held_form_and_tells_the_agency(
    q, province, personas, django_capture_on_commit_callbacks
):
    held = form(q, province.dept_a, uniform(q, 5), status=Status.HELD, held_reasons=["burst"])
    with pytest.raises(PermissionDenied):
        review(held, personas.officer_a, Status.COUNTED)
    with pytest.raises(PermissionDenied):
        review(held, personas.district_coordinator, Status.COUNTED)
    with pytest.raises(ReviewError):
        review(held, personas.coordinator, Status.HELD)
    held.refresh_from_db()
    assert held.status == Status.HELD
    with django_capture_on_commit_callbacks(execute=True):
        review(held, personas.coordinator, Status.REJECTED, "Trùng mẫu trả lời")
    held.refresh_from_db()
    assert (held.status, held.reviewed_by, held.review_note) == (
        Status.REJECTED,
        personas.coordinator,
        "Trùng mẫu trả lời",
    )
    entry = AuditEntry.objects.get(object_id=str(held.pk))
    assert entry.changes["status"] == ["held", "rejected"] and entry.user == personas.coordinator
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"officer_a", "head"}
    with pytest.raises(ReviewError):  # decided once
        review(held, personas.coordinator, Status.COUNTED)
