"""The questionnaire of a year: import and export (``cchc import_questionnaire``,
``cchc export_questionnaire``), the shipped default (``cchc default_questionnaire``), and the
builder page's steps (add, edit, move, delete a question).

Once a questionnaire has forms (or paper forms being typed), its questions are frozen: every change
to them is refused, since the forms already answered would then be counted on questions they were
not asked. Its title and target stay editable. A province that wants other questions changes the
next year's questionnaire (one per year).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.accounts.roles import Role
from cchc.agencies.services import ImportSummary
from cchc.core import audit
from cchc.core.models import AuditEntry
from cchc.core.scope import SYSTEM
from cchc.core.tabular import Column, InputError, choice_value, read_rows, write_rows
from cchc.surveys.defaults import DEFAULT_QUESTIONS
from cchc.surveys.models import Element, PaperBatch, Question, Questionnaire

QUESTION_COLUMNS = [
    Column("code", gettext_lazy("Code"), width=8),
    Column("element", gettext_lazy("Element"), width=30, choices=Element),
    Column("text", gettext_lazy("Question"), width=80),
]
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,19}$")
FIXED_COLUMNS = ("serial", "agency_code", "answered_on", "dossier_code")  # a question code may not be one


class Frozen(InputError):
    """The questionnaire has forms: its questions cannot change."""


@dataclass
class QuestionRow:
    row: int
    code: str
    element: str
    text: str


def can_build(user: Any) -> bool:
    """Whether ``user`` edits the province's questionnaires: a coordinator over a top-level agency
    (the province, Sở Nội vụ's grant with its subordinates), or a system administrator."""
    if user is SYSTEM:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(
        g.role == Role.COORDINATOR and g.include_descendants and g.agency.parent_id is None
        for g in user.grants.select_related("agency")
    )


def require_builder(user: Any) -> None:
    if not can_build(user):
        raise PermissionDenied(_("Only the province's PAR coordinators edit the questionnaire."))


def default_title(year: int) -> str:
    """The title a new questionnaire gets: data, so in Vietnamese whatever the page's language."""
    with translation.override("vi"):
        return _("Survey of satisfaction with the public services, %(year)s") % {"year": year}


def is_frozen(questionnaire: Questionnaire) -> bool:
    return questionnaire.responses.exists() or PaperBatch.objects.filter(questionnaire=questionnaire).exists()


def _refuse_if_frozen(questionnaire: Questionnaire) -> None:
    if is_frozen(questionnaire):
        raise Frozen(
            _(
                "the questionnaire of %(year)s already has forms: its questions cannot change "
                "(change the next year's questionnaire)"
            )
            % {"year": questionnaire.year}
        )


def check_code(code: str, row: int | None = None, column: str = "code") -> str:
    code = code.strip()
    if not code:
        raise InputError(_("this column is required"), row, column)
    if not CODE.match(code) or code in FIXED_COLUMNS:
        raise InputError(
            _("“%(code)s” is not a question code (letters, digits, “_”, “.”, “-”; at most 20)") % {"code": code},
            row,
            column,
        )
    return code


def check_element(element: str, row: int | None = None, column: str = "element") -> str:
    """The element's code, given as the code or its label ("Tiếp cận dịch vụ")."""
    found = choice_value(element, Element)
    if found is None:
        raise InputError(
            _("unknown element “%(element)s” (one of %(choices)s)")
            % {"element": element.strip(), "choices": ", ".join(Element.values)},
            row,
            column,
        )
    return found


def parse_questions(rows: Iterable[tuple[int, dict[str, str]]]) -> list[QuestionRow]:
    parsed: list[QuestionRow] = []
    seen: dict[str, int] = {}
    for number, values in rows:
        code = check_code(values.get("code", ""), number)
        if code in seen:
            raise InputError(
                _("question code “%(code)s” is already on row %(row)s") % {"code": code, "row": seen[code]},
                number,
                "code",
            )
        seen[code] = number
        element = check_element(values.get("element", ""), number)
        text = values.get("text", "").strip()
        if not text:
            raise InputError(_("this column is required"), number, "text")
        parsed.append(QuestionRow(number, code, element, text))
    if not parsed:
        raise InputError(_("the file has no question rows"))
    return parsed


def import_questionnaire_file(
    source: str | Path | IO[bytes], *, year: int, user: Any = None, name: str = ""
) -> ImportSummary:
    """The year's questions from a CSV or XLSX file (all rows checked first; all or nothing)."""
    rows = read_rows(source, required=["code", "element", "text"], optional=QUESTION_COLUMNS, name=name)
    return import_questionnaire(parse_questions(rows), year=year, user=user, reason=_("Questionnaire import"))


def import_questionnaire(
    parsed: list[QuestionRow],
    *,
    year: int,
    user: Any = None,
    reason: str = "",
    target: Decimal | None = None,
    action: str = AuditEntry.Action.IMPORT,
) -> ImportSummary:
    """Set the year's questions to ``parsed`` (the questionnaire is created if the year has none)."""
    summary = ImportSummary()
    with transaction.atomic():
        questionnaire, created = Questionnaire.objects.select_for_update().get_or_create(
            year=year, defaults={"title": default_title(year), "target": target}
        )
        if not created:
            _refuse_if_frozen(questionnaire)
        existing = {q.code: q for q in questionnaire.questions.all()}
        keep = {row.code for row in parsed}
        removed = [q for code, q in existing.items() if code not in keep]
        for order, row in enumerate(parsed, start=1):
            question = existing.get(row.code)
            if question is None:
                Question.objects.create(
                    questionnaire=questionnaire, code=row.code, element=row.element, text=row.text, order=order
                )
                summary.created += 1
            elif (question.element, question.text, question.order) != (row.element, row.text, order):
                question.element, question.text, question.order = row.element, row.text, order
                question.save()
                summary.updated += 1
            else:
                summary.unchanged += 1
        Question.objects.filter(pk__in=[q.pk for q in removed]).delete()
        audit.record(
            user=user,
            obj=questionnaire,
            action=action,
            changes={
                "created": [0, summary.created],
                "updated": [0, summary.updated],
                "questions": [sorted(existing), [r.code for r in parsed]],
            },
            reason=reason,
        )
    return summary


def default_questionnaire(year: int, *, user: Any = None, target: Decimal | None = None) -> Questionnaire:
    """The year's questionnaire, created with the shipped questions if the year has none."""
    existing = Questionnaire.objects.filter(year=year).first()
    if existing is not None:
        return existing
    rows = [QuestionRow(i, code, element, text) for i, (code, element, text) in enumerate(DEFAULT_QUESTIONS, 1)]
    reason = _("Default questionnaire")
    import_questionnaire(rows, year=year, user=user, reason=reason, target=target, action=AuditEntry.Action.CREATE)
    return Questionnaire.objects.get(year=year)


def export_questionnaire(questionnaire: Questionnaire, fmt: str) -> bytes:
    rows = [[q.code, q.element, q.text] for q in questionnaire.questions.all()]
    return write_rows(
        QUESTION_COLUMNS,
        rows,
        fmt,
        title=str(questionnaire),
        sheet=_("Questions %(year)s") % {"year": questionnaire.year},
    )


# The builder page's steps (a coordinator of the province; refused once the questionnaire has forms)


def _locked(questionnaire_id: int) -> Questionnaire:
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire_id)
    _refuse_if_frozen(questionnaire)
    return questionnaire


def add_question(questionnaire: Questionnaire, user: Any, *, code: str, element: str, text: str) -> Question:
    require_builder(user)
    code, element, text = check_code(code, column="code"), check_element(element), text.strip()
    if not text:
        raise InputError(_("this field is required"), field="text")
    with transaction.atomic():
        questionnaire = _locked(questionnaire.pk)
        if questionnaire.questions.filter(code=code).exists():
            raise InputError(_("question code “%(code)s” is already used") % {"code": code}, field="code")
        order = (questionnaire.questions.aggregate(m=Max("order"))["m"] or 0) + 1
        question = Question.objects.create(
            questionnaire=questionnaire, code=code, element=element, text=text, order=order
        )
        _audit(user, question, AuditEntry.Action.CREATE, {}, audit.snapshot(question, ["code", "element", "text"]))
    return question


def edit_question(question: Question, user: Any, *, element: str, text: str) -> Question:
    require_builder(user)
    element, text = check_element(element), text.strip()
    if not text:
        raise InputError(_("this field is required"), field="text")
    with transaction.atomic():
        _locked(question.questionnaire_id)
        before = audit.snapshot(question, ["element", "text"])
        question.element, question.text = element, text
        question.save(update_fields=["element", "text"])
        _audit(user, question, AuditEntry.Action.UPDATE, before, audit.snapshot(question, ["element", "text"]))
    return question


def move_question(question: Question, user: Any, step: int) -> None:
    """Move a question one place up (step -1) or down (+1)."""
    require_builder(user)
    with transaction.atomic():
        questionnaire = _locked(question.questionnaire_id)
        questions = list(questionnaire.questions.order_by("order", "pk"))
        index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
        other = index + (1 if step > 0 else -1)
        if not 0 <= other < len(questions):
            return
        questions[index], questions[other] = questions[other], questions[index]
        for order, q in enumerate(questions, start=1):
            if q.order != order:
                q.order = order
                q.save(update_fields=["order"])
        _audit(user, question, AuditEntry.Action.UPDATE, {"order": index + 1}, {"order": other + 1})


def delete_question(question: Question, user: Any) -> None:
    require_builder(user)
    with transaction.atomic():
        _locked(question.questionnaire_id)
        _audit(user, question, AuditEntry.Action.DELETE, audit.snapshot(question, ["code", "element", "text"]), {})
        question.delete()


def update_settings(questionnaire: Questionnaire, user: Any, *, title: str, target: Decimal | None) -> None:
    """Title and target: editable even once answered (they do not change what was asked)."""
    require_builder(user)
    if target is not None and not 0 <= target <= 1:
        raise InputError(_("the target is a percentage between 0 and 100"), field="target")
    with transaction.atomic():
        before = audit.snapshot(questionnaire, ["title", "target"])
        questionnaire.title, questionnaire.target = title.strip() or default_title(questionnaire.year), target
        questionnaire.save(update_fields=["title", "target"])
        after = audit.snapshot(questionnaire, ["title", "target"])
        audit.record(
            user=user,
            obj=questionnaire,
            action=AuditEntry.Action.UPDATE,
            changes=audit.diff(before, after),
            reason=_("Questionnaire builder"),
        )


def _audit(user: Any, question: Question, action: str, before: dict[str, Any], after: dict[str, Any]) -> None:
    changes = {k: [before.get(k), after.get(k)] for k in {*before, *after} if before.get(k) != after.get(k)}
    audit.record(user=user, obj=question, action=action, changes=changes, reason=_("Questionnaire builder"))
