"""Writing survey forms: ``record_response`` (one form, from the public form or from paper) and the
review of a held form (``review``). Imports, the questionnaire builder and the paper batches are in
``questionnaires.py`` and ``paper.py``; both write through ``record_response``'s checks.

``record_response`` checks the answers (known question codes, values 1..5, at least one) and writes
the form and its answers in one transaction. A second form for the same dossier digest or serial is
refused (``DuplicateForm``), decided by the database's unique constraints so that two concurrent
submissions cannot both pass. Paper forms are entered by officials and counted as entered: they are
never held, whatever status the caller passes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cchc.accounts.models import RoleGrant
from cchc.accounts.roles import Role
from cchc.core import audit
from cchc.core.formatting import format_date
from cchc.core.models import AuditEntry
from cchc.core.tabular import InputError
from cchc.notifications.services import notify
from cchc.surveys.models import SCALE, Answer, Channel, Question, Questionnaire, Response, Status, Trust


class DuplicateForm(InputError):
    """A second form for a dossier (its digest) or a paper serial already stored."""


class ReviewError(ValueError):
    """A review step that is not open (the form is not held, or the decision is not one of the two)."""


def questions_of(questionnaire: Questionnaire) -> dict[str, Question]:
    """Code → question of a questionnaire, read once per questionnaire object."""
    return questionnaire.questions_by_code


def check_value(value: Any, code: str, row: int | None = None) -> int | None:
    """An answer as an integer 1..5 (None for an empty one); InputError naming ``code`` otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit() or int(text) not in SCALE:
        raise InputError(_("“%(value)s” is not an answer: use 1 to 5, or leave it empty") % {"value": value}, row, code)
    return int(text)


def check_answers(
    questionnaire: Questionnaire, answers: Mapping[str, Any], row: int | None = None
) -> dict[Question, int]:
    """The answers as question → value; InputError for an unknown code, a value outside 1..5, or none."""
    questions = questions_of(questionnaire)
    checked: dict[Question, int] = {}
    for code, value in answers.items():
        question = questions.get(code)
        if question is None:
            raise InputError(
                _("unknown question “%(code)s” in the questionnaire of %(year)s")
                % {"code": code, "year": questionnaire.year},
                row,
                code,
            )
        number = check_value(value, code, row)
        if number is not None:
            checked[question] = number
    if not checked:
        raise InputError(_("the form answers no question"), row)
    return checked


def record_response(
    questionnaire: Questionnaire,
    agency: Any,
    answers: Mapping[str, Any],
    *,
    channel: str,
    trust: str = Trust.NORMAL,
    status: str = Status.COUNTED,
    held_reasons: Iterable[str] = (),
    answered_on: date | None = None,
    submitted_at: datetime | None = None,
    procedure: Any = None,
    dossier_code: str = "",
    dossier_digest: str | None = None,
    serial: str | None = None,
    counter: Any = None,
    client_hash: str = "",
    comment: str = "",
    entered_by: Any = None,
) -> Response:
    """Store one form with its answers (atomic). ``answers`` is {question code: 1..5 or empty}."""
    if channel not in Channel.values:
        raise InputError(_("unknown channel “%(channel)s”") % {"channel": channel}, field="channel")
    if trust not in Trust.values or status not in Status.values:
        raise InputError(_("unknown trust or status"), field="status")
    checked = check_answers(questionnaire, answers)
    reasons = list(held_reasons)
    if channel == Channel.PAPER:
        status, trust, reasons = Status.COUNTED, Trust.NORMAL, []  # entered by an official: counted as entered
    now = submitted_at or timezone.now()
    form = Response(
        questionnaire=questionnaire,
        agency=agency,
        procedure=procedure,
        channel=channel,
        trust=trust,
        status=status,
        held_reasons=reasons if status == Status.HELD else [],
        answered_on=answered_on or timezone.localdate(now),
        submitted_at=now,
        dossier_code=dossier_code,
        dossier_digest=dossier_digest or None,
        serial=(serial or "").strip() or None,
        counter=counter,
        client_hash=client_hash,
        comment=comment.strip(),
        entered_by=entered_by if getattr(entered_by, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            form.save()
            Answer.objects.bulk_create([Answer(response=form, question=q, value=v) for q, v in checked.items()])
    except IntegrityError as error:
        raise _duplicate(questionnaire, form, error) from error
    return form


def _duplicate(questionnaire: Questionnaire, form: Response, error: IntegrityError) -> InputError:
    forms = Response.objects.filter(questionnaire=questionnaire)
    if form.serial and forms.filter(serial=form.serial).exists():
        return DuplicateForm(_("serial “%(serial)s” is already used") % {"serial": form.serial}, field="serial")
    if form.dossier_digest and forms.filter(dossier_digest=form.dossier_digest).exists():
        return DuplicateForm(_("this dossier has already been answered"), field="dossier_code")
    return InputError(str(error))


# Review of held forms (the review page is the public form's: branch surveys-public)

DECISIONS = (Status.COUNTED, Status.REJECTED)


def review(response: Response, user: Any, decision: str, note: str = "", *, tell: bool = True) -> Response:
    """A coordinator decides on a held form: ``counted`` (it enters the results) or ``rejected``.

    Refused (PermissionDenied) to whoever may not review the form's agency; ReviewError when the
    form is not held or the decision is not one of the two. Writes the audit record and, with
    ``tell``, tells the agency's officers (focal officer and head) once the decision is committed.
    """
    if decision not in DECISIONS:
        raise ReviewError(_("A held form is either counted or rejected."))
    with transaction.atomic():
        if not Response.objects.restrict(user, "review").filter(pk=response.pk).exists():
            raise PermissionDenied(_("You may not review this agency's survey forms."))
        form = Response.objects.select_for_update().select_related("agency", "questionnaire").get(pk=response.pk)
        if form.status != Status.HELD:
            raise ReviewError(
                _("The form is “%(status)s”: only a held form is reviewed.") % {"status": form.get_status_display()}
            )
        before = audit.snapshot(form, ["status", "review_note"])
        form.status, form.review_note = decision, note.strip()
        form.reviewed_by, form.reviewed_at = user, timezone.now()
        form.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
        audit.record(
            user=user,
            obj=form,
            action=AuditEntry.Action.UPDATE,
            changes=audit.diff(before, audit.snapshot(form, ["status", "review_note"])),
            reason=note.strip() or _("Review of a held survey form"),
            agency=form.agency,
        )
        if tell:
            _tell_agency([form])
    response.status, response.review_note = form.status, form.review_note
    response.reviewed_by, response.reviewed_at = form.reviewed_by, form.reviewed_at
    return form


def agency_officers(agency: Any) -> list[Any]:
    """The active focal officers and heads of the agency."""
    grants = RoleGrant.objects.filter(agency=agency, role__in=[Role.FOCAL, Role.HEAD], user__is_active=True)
    return [g.user for g in grants.select_related("user").order_by("user_id")]


@transaction.atomic
def review_many(forms: Iterable[Response], user: Any, decision: str, note: str = "") -> list[Response]:
    """The same decision on several held forms, all or none: each reviewed and audited as by ``review``;
    each agency's officers are told once, of all its forms, rather than once a form."""
    decided = [review(form, user, decision, note, tell=False) for form in forms]
    by_agency: dict[int, list[Response]] = defaultdict(list)
    for form in decided:
        by_agency[form.agency_id].append(form)
    for group in by_agency.values():
        _tell_agency(group)
    return decided


SHOWN = 10  # forms a notification of several decisions names one by one


def _tell_agency(forms: list[Response]) -> None:
    """One notification (and mail) to the agency's officers of the decision on ``forms``, all of one
    agency, decided together (the same decision and note)."""
    first = forms[0]
    with translation.override("vi"):
        decision = first.get_status_display().lower()
        if len(forms) == 1:
            facts = {"form": str(first), "day": format_date(first.answered_on), "decision": decision}
            text = _("The survey form %(form)s of %(day)s held for review was reviewed: %(decision)s.") % facts
        else:
            text = _("%(n)s survey forms held for review were reviewed: %(decision)s.") % {
                "n": len(forms),
                "decision": decision,
            }
            text += "".join(
                "\n- " + _("%(form)s of %(day)s") % {"form": str(f), "day": format_date(f.answered_on)}
                for f in forms[:SHOWN]
            )
            if len(forms) > SHOWN:
                text += "\n" + _("… and %(n)s more.") % {"n": len(forms) - SHOWN}
        if first.review_note:
            text += "\n" + _("Note: %(note)s") % {"note": first.review_note}
    link = reverse("surveys:index")
    users = agency_officers(first.agency)
    # A form is reviewed once: its id (with how many were decided with it) makes the key unique.
    key = f"surveys:review:{first.pk}" if len(forms) == 1 else f"surveys:review:{first.pk}+{len(forms) - 1}"
    transaction.on_commit(lambda: notify(users, key, text, link))
