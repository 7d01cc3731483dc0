"""Paper forms (issue 13 point 5): the file import (``cchc import_survey_answers``) and the bulk-entry
grid's batches with optional double entry.

Columns of a file and of the grid: ``serial, agency_code, answered_on, dossier_code``, then one
column per question code of the year's questionnaire, answers 1–5 or empty. Every row is checked
before anything is written; the first bad one stops everything with a one-line message naming its
row and column. A serial used twice (in the file, or already stored for the year) is refused. Paper
forms are entered by officials and counted as entered (``channel=paper``, never held).

Double entry: a batch with ``double_entry`` is typed twice, by two different officials (entry 1 and
entry 2). ``differences`` lists, by serial and column, where the two typings disagree (and the serials
only one of them has); ``resolve`` sets the right value in both; only a batch without differences is
saved, and saving stores its forms. A batch without double entry is saved from its first entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency
from cchc.core import audit
from cchc.core.models import AuditEntry
from cchc.core.scope import CHANGE, SYSTEM, agency_q
from cchc.core.tabular import InputError, parse_date, read_rows
from cchc.surveys.models import (
    ENTRY_ROLES,
    Answer,
    Channel,
    PaperBatch,
    PaperEntry,
    Questionnaire,
    Response,
    Status,
    Trust,
)
from cchc.surveys.services import check_value, questions_of

FIXED = ["serial", "agency_code", "answered_on", "dossier_code"]
REQUIRED = ["serial", "agency_code", "answered_on"]


class BatchError(ValueError):
    """A batch step that is not open (saved already, differences left, the same official twice)."""


@dataclass
class PaperForm:
    """A checked row: one paper form."""

    row: int
    serial: str
    agency: Agency
    answered_on: date
    dossier_code: str
    values: dict[str, int] = field(default_factory=dict)  # question code → 1..5


def questionnaire_for(year: int) -> Questionnaire:
    questionnaire = Questionnaire.objects.filter(year=year).first()
    if questionnaire is None:
        raise InputError(_("There is no questionnaire for %(year)s.") % {"year": year}, field="--year")
    return questionnaire


def _agencies_for(user: Any) -> dict[str, Agency]:
    """Code → agency the user may enter paper forms for (every agency for SYSTEM)."""
    condition = agency_q(user, ENTRY_ROLES)
    agencies = Agency.objects.all() if condition is None else Agency.objects.filter(condition)
    return {a.code: a for a in agencies}


def check_forms(
    questionnaire: Questionnaire,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    *,
    user: Any,
    agency: Agency | None = None,
) -> list[PaperForm]:
    """Every row checked (or InputError naming the first bad row and column). ``agency``: the grid's
    agency, for rows that give none; ``user``: whose scope the agencies must be in."""
    codes = list(questions_of(questionnaire))
    allowed = _agencies_for(user)
    every = {a.code for a in Agency.objects.only("code")} if user is not SYSTEM else set(allowed)
    stored = set(
        Response.objects.filter(questionnaire=questionnaire, serial__isnull=False).values_list("serial", flat=True)
    )
    seen: dict[str, int] = {}
    forms: list[PaperForm] = []
    for number, values in rows:
        serial = values.get("serial", "").strip()
        if not serial:
            raise InputError(_("this column is required"), number, "serial")
        if len(serial) > 40:
            raise InputError(_("a serial has at most 40 characters"), number, "serial")
        if serial in seen:
            raise InputError(
                _("serial “%(serial)s” is already on row %(row)s") % {"serial": serial, "row": seen[serial]},
                number,
                "serial",
            )
        if serial in stored:
            raise InputError(
                _("serial “%(serial)s” is already used by a stored form of %(year)s")
                % {"serial": serial, "year": questionnaire.year},
                number,
                "serial",
            )
        seen[serial] = number
        code = values.get("agency_code", "").strip() or (agency.code if agency else "")
        if not code:
            raise InputError(_("this column is required"), number, "agency_code")
        if code not in allowed:
            message = (
                _("unknown agency “%(code)s”") if code not in every else _("you may not enter forms for “%(code)s”")
            )
            raise InputError(message % {"code": code}, number, "agency_code")
        if agency is not None and code != agency.code:
            raise InputError(_("this batch is for %(agency)s") % {"agency": agency.code}, number, "agency_code")
        text = values.get("answered_on", "").strip()
        if not text:
            raise InputError(_("this column is required"), number, "answered_on")
        day = parse_date(text, number, "answered_on")
        assert day is not None
        if day.year != questionnaire.year:
            raise InputError(
                _("the form was answered in %(year)s: it belongs to another year's questionnaire") % {"year": day.year},
                number,
                "answered_on",
            )
        if day > timezone.localdate():
            raise InputError(_("the date is in the future"), number, "answered_on")
        answers = {}
        for question in codes:
            value = check_value(values.get(question, ""), question, number)
            if value is not None:
                answers[question] = value
        if not answers:
            raise InputError(_("the form answers no question"), number)
        dossier = values.get("dossier_code", "").strip()[:100]
        forms.append(PaperForm(number, serial, allowed[code], day, dossier, answers))
    return forms


def store_forms(questionnaire: Questionnaire, forms: list[PaperForm], *, user: Any, reason: str) -> int:
    """Write checked paper forms and their answers (inside the caller's transaction, or one of its own)."""
    questions = questions_of(questionnaire)
    now = timezone.now()
    entered_by = user if getattr(user, "is_authenticated", False) and user is not SYSTEM else None
    with transaction.atomic():
        responses = Response.objects.bulk_create(
            [
                Response(
                    questionnaire=questionnaire,
                    agency=f.agency,
                    channel=Channel.PAPER,
                    trust=Trust.NORMAL,
                    status=Status.COUNTED,
                    answered_on=f.answered_on,
                    submitted_at=now,
                    dossier_code=f.dossier_code,
                    serial=f.serial,
                    entered_by=entered_by,
                )
                for f in forms
            ],
            batch_size=500,
        )
        if any(r.pk is None for r in responses):  # a database that does not return keys
            by_serial = dict(
                Response.objects.filter(questionnaire=questionnaire, serial__in=[f.serial for f in forms]).values_list(
                    "serial", "pk"
                )
            )
            for r in responses:
                r.pk = by_serial[r.serial]
        Answer.objects.bulk_create(
            [
                Answer(response_id=r.pk, question=questions[code], value=value)
                for r, f in zip(responses, forms, strict=True)
                for code, value in f.values.items()
            ],
            batch_size=2000,
        )
        per_agency: dict[str, int] = {}
        for f in forms:
            per_agency[f.agency.code] = per_agency.get(f.agency.code, 0) + 1
        audit.record(
            user=entered_by,
            obj=questionnaire,
            action=AuditEntry.Action.IMPORT,
            changes={"created": [0, len(forms)], "agencies": [None, per_agency]},
            reason=reason,
        )
    return len(forms)


def import_answers_file(source: str | Path | IO[bytes], *, year: int, user: Any = SYSTEM, name: str = "") -> int:
    """Paper forms from a CSV or XLSX file; all rows or none. Returns how many were stored."""
    questionnaire = questionnaire_for(year)
    rows = read_rows(source, required=REQUIRED, optional=["dossier_code", *questions_of(questionnaire)], name=name)
    forms = check_forms(questionnaire, rows, user=user)
    if not forms:
        raise InputError(_("the file has no form rows"))
    return store_forms(questionnaire, forms, user=user, reason=_("Import of paper survey forms"))


# Batches typed on the grid


def batch_for(user: Any, batch_id: int, action: str = CHANGE) -> PaperBatch:
    batch = (
        PaperBatch.objects.restrict(user, action).filter(pk=batch_id).select_related("agency", "questionnaire").first()
    )
    if batch is None:
        raise PermissionDenied(_("You may not enter this agency's paper forms."))
    return batch


def create_batch(
    questionnaire: Questionnaire, agency: Agency, user: Any, *, name: str = "", double_entry: bool = False
) -> PaperBatch:
    if agency.code not in _agencies_for(user):
        raise PermissionDenied(_("You may not enter this agency's paper forms."))
    batch = PaperBatch.objects.create(
        questionnaire=questionnaire, agency=agency, name=name.strip()[:200], double_entry=double_entry, created_by=user
    )
    audit.record(
        user=user,
        obj=batch,
        action=AuditEntry.Action.CREATE,
        changes={"agency": [None, agency.pk], "double_entry": [None, double_entry]},
        reason=_("Paper form batch"),
        agency=agency,
    )
    return batch


def entry_rows(batch: PaperBatch, entry: int) -> list[PaperEntry]:
    return list(batch.entries.filter(entry=entry).order_by("position"))


def save_entry(
    batch: PaperBatch, user: Any, entry: int, rows: Sequence[tuple[int, Mapping[str, str]]]
) -> list[PaperForm]:
    """Replace entry ``entry`` of the batch with the checked ``rows`` (grid rows numbered from 1).

    Without double entry, entry 1 is saved at once (its forms are stored). With it, entry 2 must be
    typed by another official than entry 1."""
    batch = batch_for(user, batch.pk)
    if batch.saved_at:
        raise BatchError(_("This batch is saved already."))
    if entry not in (1, 2) or (entry == 2 and not batch.double_entry):
        raise BatchError(_("This batch has no entry %(entry)s.") % {"entry": entry})
    if batch.double_entry and batch.entries.filter(entry=3 - entry, entered_by=user).exists():
        raise BatchError(_("The second entry is typed by another official than the first."))
    forms = check_forms(batch.questionnaire, rows, user=user, agency=batch.agency)
    if not forms:
        raise InputError(_("the grid has no form rows"))
    with transaction.atomic():
        batch.entries.filter(entry=entry).delete()
        PaperEntry.objects.bulk_create(
            [
                PaperEntry(
                    batch=batch,
                    entry=entry,
                    position=i,
                    serial=f.serial,
                    answered_on=f.answered_on,
                    dossier_code=f.dossier_code,
                    values=f.values,
                    entered_by=user,
                )
                for i, f in enumerate(forms, start=1)
            ]
        )
        if not batch.double_entry:
            _save(batch, user, forms)
    return forms


@dataclass
class Difference:
    serial: str
    column: str  # "answered_on", "dossier_code", a question code, or "" (the serial is in one entry only)
    first: Any
    second: Any


def differences(batch: PaperBatch) -> list[Difference]:
    """Where entry 1 and entry 2 disagree, by serial and column (empty before entry 2 is typed)."""
    one = {e.serial: e for e in entry_rows(batch, 1)}
    two = {e.serial: e for e in entry_rows(batch, 2)}
    if not one or not two:
        return []
    codes = list(questions_of(batch.questionnaire))
    found = []
    for serial in [*one, *(s for s in two if s not in one)]:
        a, b = one.get(serial), two.get(serial)
        if a is None or b is None:
            found.append(Difference(serial, "", bool(a), bool(b)))
            continue
        if a.answered_on != b.answered_on:
            found.append(Difference(serial, "answered_on", a.answered_on, b.answered_on))
        if a.dossier_code != b.dossier_code:
            found.append(Difference(serial, "dossier_code", a.dossier_code, b.dossier_code))
        for code in codes:
            if a.values.get(code) != b.values.get(code):
                found.append(Difference(serial, code, a.values.get(code), b.values.get(code)))
    return found


def resolve(batch: PaperBatch, user: Any, serial: str, column: str, value: str) -> None:
    """Set the right value of one difference in both entries (``column`` "" with value "keep" or
    "drop": a serial typed in one entry only is copied to the other or dropped from both)."""
    batch = batch_for(user, batch.pk)
    if batch.saved_at:
        raise BatchError(_("This batch is saved already."))
    with transaction.atomic():
        entries = list(batch.entries.select_for_update().filter(serial=serial))
        if not entries:
            raise InputError(_("no form “%(serial)s” in this batch") % {"serial": serial}, field="serial")
        if column == "":
            if value == "drop":
                batch.entries.filter(serial=serial).delete()
            elif len(entries) == 1:
                source = entries[0]
                PaperEntry.objects.create(
                    batch=batch,
                    entry=3 - source.entry,
                    position=source.position,
                    serial=serial,
                    answered_on=source.answered_on,
                    dossier_code=source.dossier_code,
                    values=source.values,
                    entered_by=user,
                )
        else:
            for e in entries:
                if column == "answered_on":
                    e.answered_on = parse_date(value, None, "answered_on")
                elif column == "dossier_code":
                    e.dossier_code = value.strip()[:100]
                else:
                    if column not in questions_of(batch.questionnaire):
                        raise InputError(_("unknown question “%(code)s”") % {"code": column}, field=column)
                    number = check_value(value, column)
                    if number is None:
                        e.values.pop(column, None)
                    else:
                        e.values[column] = number
                e.save()
        audit.record(
            user=user,
            obj=batch,
            action=AuditEntry.Action.UPDATE,
            changes={f"{serial}:{column or 'serial'}": [None, value]},
            reason=_("Double entry: difference resolved"),
            agency=batch.agency,
        )


def save_batch(batch: PaperBatch, user: Any) -> int:
    """Store the batch's forms once its two entries agree (double entry); returns how many."""
    batch = batch_for(user, batch.pk)
    if batch.saved_at:
        raise BatchError(_("This batch is saved already."))
    if batch.double_entry:
        if not entry_rows(batch, 2):
            raise BatchError(_("The second entry has not been typed yet."))
        left = differences(batch)
        if left:
            raise BatchError(
                _("%(count)s differences between the two entries are not resolved yet.") % {"count": len(left)}
            )
    rows = [(e.position, _as_row(e)) for e in entry_rows(batch, 1)]
    if not rows:
        raise BatchError(_("Nothing has been typed in this batch yet."))
    with transaction.atomic():
        forms = check_forms(batch.questionnaire, rows, user=user, agency=batch.agency)
        return _save(batch, user, forms)


def _as_row(e: PaperEntry) -> dict[str, str]:
    values = {code: str(v) for code, v in e.values.items()}
    iso = e.answered_on.isoformat() if e.answered_on else ""
    return {"serial": e.serial, "answered_on": iso, "dossier_code": e.dossier_code, **values}


def _save(batch: PaperBatch, user: Any, forms: list[PaperForm]) -> int:
    count = store_forms(
        batch.questionnaire, forms, user=user, reason=_("Paper forms typed on the grid: %(batch)s") % {"batch": batch}
    )
    batch.saved_at = timezone.now()
    batch.save(update_fields=["saved_at"])
    return count
