"""Workflow of an agency's PAR index: each step checks permission and state, runs in a transaction,
locks rows in a fixed order (assessment, then score), and writes the audit trail.

Self-assessment (focal officer) → submitted (head) → appraisal (assigned appraisers; every adjustment
has a reason) → explanation (the agency answers each adjustment by a deadline) → final appraisal →
approved → published (coordinator). Each stage locks the previous one. Scores carry a version number:
an edit made on a stale version is refused with a conflict message instead of overwriting.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.core import audit
from cchc.core.evidence import EvidenceError
from cchc.core.evidence import check_evidence_file as evidence_check
from cchc.core.formatting import format_date, format_number
from cchc.core.models import AuditEntry
from cchc.core.tabular import InputError, read_rows
from cchc.scoring import computed, totals
from cchc.scoring.frameworks import parse_decimal
from cchc.scoring.models import (
    AppraiserAssignment,
    Assessment,
    BandConfig,
    Criterion,
    Evidence,
    Framework,
    Score,
)
from cchc.scoring.sources import is_computed

State = Assessment.State
LOCKED = (State.APPROVED, State.PUBLISHED)  # results the council approved change only by reopening


class WorkflowError(ValueError):
    """A step refused for the state of the assessment or bad input; the message is for the user."""


class ConflictError(WorkflowError):
    """Someone else changed the row since the user read it."""


# Reading what a user may act on


def require_coordinator(user: Any, block: Block) -> None:
    """PermissionDenied unless ``user`` coordinates ``block`` (a coordinator of its owner, or an administrator)."""
    if not Block.objects.restrict(user, "coordinate").filter(pk=block.pk).exists():
        raise PermissionDenied(_("Only the block's coordinator does this."))


def assessment_for(user: Any, assessment_id: int, action: str) -> Assessment:
    """The assessment locked for update, if ``user`` may take ``action`` on it; PermissionDenied otherwise."""
    found = Assessment.objects.restrict(user, action).filter(pk=assessment_id).values_list("pk", flat=True)
    if not found:
        raise PermissionDenied(_("You may not do this on this agency's assessment."))
    return Assessment.objects.select_for_update().select_related("agency", "framework__block").get(pk=assessment_id)


def score_for(user: Any, score_id: int, action: str) -> tuple[Assessment, Score]:
    """The score and its assessment, both locked (assessment first: the fixed order every step follows)."""
    assessment_id = Score.objects.filter(pk=score_id).values_list("assessment_id", flat=True).first()
    if assessment_id is None:
        raise PermissionDenied(_("You may not do this on this agency's assessment."))
    assessment = assessment_for(user, assessment_id, action)
    score = Score.objects.select_for_update().select_related("criterion").get(pk=score_id)
    return assessment, score


def _require_state(assessment: Assessment, *states: str) -> None:
    if assessment.state not in states:
        raise WorkflowError(
            _("The assessment is at the stage “%(state)s”: this step is not open.")
            % {"state": assessment.get_state_display()}
        )


def _check_version(obj: Score | Assessment, version: int | None) -> None:
    if version is not None and int(version) != obj.version:
        who = getattr(obj, "updated_by", None)
        when = getattr(obj, "updated_at", None)
        raise ConflictError(
            _(
                "Someone else changed this (%(who)s, %(when)s) after you opened it. "
                "Your change was not saved: reload the page, check their change and enter yours again."
            )
            % {
                "who": who or _("another user"),
                "when": timezone.localtime(when).strftime("%H:%M %d/%m/%Y") if when else "—",
            }
        )


def _check_points(value: Decimal | None, criterion: Criterion) -> Decimal | None:
    """The points at the database's precision, if within 0 and the criterion's maximum."""
    if value is None:
        return None
    value = Decimal(value).quantize(Decimal("0.01"))
    if value < 0:
        raise WorkflowError(_("The score cannot be negative."))
    if value > criterion.max_points:
        raise WorkflowError(
            _("The score %(value)s is above the maximum of %(max)s points for criterion %(code)s.")
            % {"value": format_number(value, 2), "max": format_number(criterion.max_points, 2), "code": criterion.code}
        )
    return value


POINTS = frozenset({"self_score", "appraised_score", "final_score"})  # what the area totals sum


def _save_score(score: Score, user: Any, fields: dict[str, Any], reason: str, assessment: Assessment) -> Score:
    tracked = list(fields)
    before = audit.snapshot(score, tracked)
    for name, value in fields.items():
        setattr(score, name, value)
    changes = audit.diff(before, audit.snapshot(score, tracked))
    if not changes:
        return score
    score.version += 1
    score.updated_by = user if getattr(user, "is_authenticated", False) else None
    score.save()
    if changes.keys() & POINTS:
        totals.refresh([score.assessment_id])
    audit.record(
        user=user, obj=score, action=AuditEntry.Action.UPDATE, changes=changes, reason=reason, agency=assessment.agency
    )
    return score


def _set_state(assessment: Assessment, user: Any, state: str, reason: str = "", **fields: Any) -> Assessment:
    before = audit.snapshot(assessment, ["state", *fields])
    assessment.state = state
    for name, value in fields.items():
        setattr(assessment, name, value)
    assessment.version += 1
    assessment.save()
    audit.record(
        user=user,
        obj=assessment,
        action=AuditEntry.Action.UPDATE,
        changes=audit.diff(before, audit.snapshot(assessment, ["state", *fields])),
        reason=reason,
        agency=assessment.agency,
    )
    return assessment


# Opening the year


@transaction.atomic
def open_assessments(user: Any, block: Block) -> int:
    """Create the assessment of every member of ``block`` (coordinator of the block's owner); returns how many."""
    require_coordinator(user, block)
    framework = Framework.objects.filter(block=block).first()
    if framework is None:
        raise WorkflowError(_("The block has no framework for this year yet."))
    members = Agency.objects.filter(pk__in=BlockMembership.objects.filter(block=block).values("agency_id"))
    existing = set(Assessment.objects.filter(year=block.year, agency__in=members).values_list("agency_id", flat=True))
    created = [ensure_assessment(agency, framework, refresh=False) for agency in members if agency.pk not in existing]
    computed.refresh(created, user)  # the block's computed criteria in one read of the figures, not one per agency
    for a in created:
        audit.record(
            user=user, obj=a, action=AuditEntry.Action.CREATE, changes={"state": [None, a.state]}, agency=a.agency
        )
    return len(created)


def ensure_assessment(agency: Agency, framework: Framework, *, refresh: bool = True) -> Assessment:
    """The agency's assessment on ``framework`` with one score row per leaf criterion (computed ones filled,
    unless ``refresh`` is False: the caller refreshes many at once)."""
    assessment, _created = Assessment.objects.get_or_create(
        agency=agency, year=framework.year, defaults={"framework": framework}
    )
    leaves = list(framework.criteria.filter(is_leaf=True))
    have = set(assessment.scores.values_list("criterion_id", flat=True))
    missing = [Score(assessment=assessment, criterion=c) for c in leaves if c.pk not in have]
    if missing:
        Score.objects.bulk_create(missing, batch_size=1000)
        totals.refresh([assessment.pk])
    if refresh:
        computed.refresh([assessment])
    return assessment


# Self-assessment (focal officer)


@transaction.atomic
def self_assess(user: Any, score_id: int, value: Decimal | None, note: str, version: int | None) -> Score:
    assessment, score = score_for(user, score_id, "self_assess")
    _require_state(assessment, State.DRAFT)
    _check_version(score, version)
    if is_computed(score.criterion):
        raise WorkflowError(
            _("The points of criterion %(code)s are computed from the system's figures: nobody types them.")
            % {"code": score.criterion.code}
        )
    value = _check_points(value, score.criterion)
    return _save_score(score, user, {"self_score": value, "self_note": note.strip()}, _("Self-assessment"), assessment)


def check_evidence_file(upload: UploadedFile) -> str:
    """The file's extension if it is accepted as evidence (``cchc.core.evidence``, shared with the plans)."""
    try:
        return evidence_check(upload)
    except EvidenceError as exc:
        raise WorkflowError(str(exc)) from None


@transaction.atomic
def add_evidence_file(user: Any, score_id: int, upload: UploadedFile) -> Evidence:
    assessment, score = score_for(user, score_id, "explain")
    _require_evidence_open(assessment, user)
    suffix = check_evidence_file(upload)
    evidence = Evidence(
        score=score, original_name=Path(upload.name or "").name[:255], size=upload.size or 0, added_by=user
    )
    # Stored under a random name: the user's file name never reaches the file system.
    evidence.file.save(f"{uuid.uuid4().hex}{suffix}", upload, save=False)
    evidence.save()
    audit.record(
        user=user,
        obj=evidence,
        action=AuditEntry.Action.CREATE,
        changes={"file": [None, evidence.original_name]},
        agency=assessment.agency,
    )
    return evidence


@transaction.atomic
def add_evidence_reference(
    user: Any, score_id: int, number: str, issued: date | None, issuer: str, title: str = ""
) -> Evidence:
    assessment, score = score_for(user, score_id, "explain")
    _require_evidence_open(assessment, user)
    if not number.strip() or issued is None or not issuer.strip():
        raise WorkflowError(_("A document reference needs its number, date and issuer."))
    evidence = Evidence.objects.create(
        score=score,
        doc_number=number.strip(),
        doc_date=issued,
        doc_issuer=issuer.strip(),
        title=title.strip(),
        added_by=user,
    )
    audit.record(
        user=user,
        obj=evidence,
        action=AuditEntry.Action.CREATE,
        changes={"document": [None, str(evidence)]},
        agency=assessment.agency,
    )
    return evidence


def _require_evidence_open(assessment: Assessment, user: Any) -> None:
    """Evidence is added by the focal officer while self-assessing, or with an explanation before its deadline."""
    if assessment.state == State.DRAFT:
        if not Assessment.objects.restrict(user, "self_assess").filter(pk=assessment.pk).exists():
            raise PermissionDenied(_("Only the agency's focal officer adds evidence."))
        return
    if assessment.state == State.EXPLANATION:
        _check_deadline(assessment)
        return
    _require_state(assessment, State.DRAFT, State.EXPLANATION)


@transaction.atomic
def remove_evidence(user: Any, evidence_id: int) -> None:
    evidence = Evidence.objects.select_related("score").filter(pk=evidence_id).first()
    if evidence is None:
        raise PermissionDenied
    assessment, _score = score_for(user, evidence.score_id, "self_assess")
    _require_state(assessment, State.DRAFT)
    audit.record(
        user=user,
        obj=evidence,
        action=AuditEntry.Action.DELETE,
        changes={"evidence": [str(evidence), None]},
        agency=assessment.agency,
    )
    if evidence.file:
        evidence.file.delete(save=False)
    evidence.delete()


@dataclass
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress(assessment: Assessment) -> Progress:
    """Criteria the agency scores itself, and how many of them have a self-score (computed ones left out)."""
    own = [s for s in assessment.scores.select_related("criterion") if not is_computed(s.criterion)]
    return Progress(sum(s.self_score is not None for s in own), len(own))


@transaction.atomic
def submit(user: Any, assessment_id: int, version: int | None = None, today: date | None = None) -> Assessment:
    """The head submits the self-assessment; refused after the framework's deadline or while incomplete."""
    assessment = assessment_for(user, assessment_id, "submit")
    _require_state(assessment, State.DRAFT)
    _check_version(assessment, version)
    today = today or timezone.localdate()
    deadline = assessment.framework.submission_deadline
    if deadline and today > deadline:
        raise WorkflowError(
            _("The self-assessment deadline was %(deadline)s: it can no longer be submitted. Ask the coordinator.")
            % {"deadline": format_date(deadline)}
        )
    done = progress(assessment)
    if done.done < done.total:
        raise WorkflowError(_("%(n)s criteria have no self-score yet.") % {"n": done.total - done.done})
    # The computed criteria are read one last time: from now on their figures stay as submitted.
    computed.refresh([assessment], user)
    return _set_state(assessment, user, State.SUBMITTED, _("Submitted by the head"), submitted_at=timezone.now())


# Appraisal (assigned appraisers)


def may_appraise(user: Any, assessment: Assessment, criterion: Criterion) -> bool:
    """An appraiser acts on the agencies or criteria (and their sub-criteria) assigned to them."""
    if getattr(user, "is_superuser", False):
        return True
    if not Assessment.objects.restrict(user, "appraise").filter(pk=assessment.pk).exists():
        return False
    chain = _criterion_chain(criterion)
    assignments = AppraiserAssignment.objects.filter(appraiser=user, framework_id=assessment.framework_id)
    return any(
        (a.agency_id in (None, assessment.agency_id)) and (a.criterion_id is None or a.criterion_id in chain)
        for a in assignments
    )


def _criterion_chain(criterion: Criterion) -> set[int]:
    """The criterion and its ancestors."""
    chain, current = set(), criterion
    while current is not None:
        chain.add(current.pk)
        current = current.parent  # type: ignore[assignment]
    return chain


@transaction.atomic
def appraise(user: Any, score_id: int, value: Decimal, reason: str, version: int | None) -> Score:
    """The appraised score; any change from the self-score needs a reason."""
    assessment, score = score_for(user, score_id, "appraise")
    if not may_appraise(user, assessment, score.criterion):
        raise PermissionDenied(_("This agency or criterion is not assigned to you."))
    _require_state(assessment, State.SUBMITTED, State.APPRAISAL)
    _check_version(score, version)
    points = _check_points(value, score.criterion)
    reason = reason.strip()
    if points != score.self_score and not reason:
        raise WorkflowError(_("Give the reason for changing the self-score."))
    if assessment.state == State.SUBMITTED:
        _set_state(assessment, user, State.APPRAISAL, _("Appraisal started"))
    return _save_score(score, user, {"appraised_score": points, "appraisal_reason": reason}, reason, assessment)


@transaction.atomic
def open_explanation(user: Any, assessment_id: int, deadline: date, today: date | None = None) -> Assessment:
    """Send the appraisal to the agency: self-scores not changed stand as appraised."""
    assessment = assessment_for(user, assessment_id, "coordinate")
    _require_state(assessment, State.APPRAISAL, State.SUBMITTED)
    if deadline < (today or timezone.localdate()):
        raise WorkflowError(_("The explanation deadline must not be in the past."))
    for score in assessment.scores.select_for_update().filter(appraised_score__isnull=True):
        _save_score(score, user, {"appraised_score": score.self_score}, _("Self-score accepted"), assessment)
    return _set_state(assessment, user, State.EXPLANATION, _("Explanation round opened"), explanation_deadline=deadline)


def _check_deadline(assessment: Assessment, today: date | None = None) -> None:
    deadline = assessment.explanation_deadline
    if deadline and (today or timezone.localdate()) > deadline:
        raise WorkflowError(
            _("The explanation deadline was %(deadline)s: answers are closed.") % {"deadline": format_date(deadline)}
        )


@transaction.atomic
def explain(user: Any, score_id: int, text: str, version: int | None, today: date | None = None) -> Score:
    """The agency's answer to an adjustment, before the deadline."""
    assessment, score = score_for(user, score_id, "explain")
    _require_state(assessment, State.EXPLANATION)
    _check_deadline(assessment, today)
    _check_version(score, version)
    if not score.adjusted:
        raise WorkflowError(_("Only an adjusted score is explained."))
    if not text.strip():
        raise WorkflowError(_("The explanation is empty."))
    return _save_score(score, user, {"explanation": text.strip()}, _("Explanation"), assessment)


@transaction.atomic
def start_final_appraisal(user: Any, assessment_id: int) -> Assessment:
    assessment = assessment_for(user, assessment_id, "coordinate")
    _require_state(assessment, State.EXPLANATION)
    return _set_state(assessment, user, State.FINAL_APPRAISAL, _("Explanation round closed"))


@transaction.atomic
def final_appraise(user: Any, score_id: int, value: Decimal, reason: str, version: int | None) -> Score:
    assessment, score = score_for(user, score_id, "appraise")
    if not may_appraise(user, assessment, score.criterion):
        raise PermissionDenied(_("This agency or criterion is not assigned to you."))
    _require_state(assessment, State.FINAL_APPRAISAL)
    _check_version(score, version)
    points = _check_points(value, score.criterion)
    reason = reason.strip()
    if points != score.appraised_score and not reason:
        raise WorkflowError(_("Give the reason for changing the appraised score."))
    return _save_score(score, user, {"final_score": points, "final_reason": reason}, reason, assessment)


@transaction.atomic
def approve(user: Any, assessment_id: int) -> Assessment:
    """Council approval: appraised scores without a final one stand as final; the block is re-ranked and
    this assessment's results are frozen as they stand (the snapshot pages, API, report and public page show)."""
    assessment = assessment_for(user, assessment_id, "coordinate")
    _require_state(assessment, State.FINAL_APPRAISAL)
    for score in assessment.scores.select_for_update().filter(final_score__isnull=True):
        # The latest stage stands: the appraised score, or the self-score nobody appraised.
        standing = score.appraised_score if score.appraised_score is not None else score.self_score
        _save_score(score, user, {"final_score": standing}, _("Appraised score confirmed"), assessment)
    unscored = (
        assessment.scores.filter(final_score__isnull=True).select_related("criterion").order_by("criterion__position")
    )
    if unscored:
        raise WorkflowError(
            _("Criteria without points cannot be approved: %(codes)s. Record the figure or appraise them first.")
            % {"codes": ", ".join(s.criterion.code for s in unscored)}
        )
    _set_state(assessment, user, State.APPROVED, _("Approved by the appraisal council"))
    from cchc.scoring.results import rank

    reason = _("Approval of %(agency)s") % {"agency": assessment.agency.name}
    rank(assessment.year, assessment.framework.block, user=user, reason=reason)
    return _freeze(assessment, user)


def _freeze(assessment: Assessment, user: Any) -> Assessment:
    assessment.refresh_from_db()
    assessment.frozen_at = timezone.now()
    assessment.save(update_fields=["frozen_at"])
    audit.record(
        user=user,
        obj=assessment,
        action=AuditEntry.Action.UPDATE,
        changes={"frozen_at": [None, assessment.frozen_at.isoformat()]},
        reason=_("Results frozen at approval"),
        agency=assessment.agency,
    )
    return assessment


@transaction.atomic
def reopen(user: Any, assessment_id: int, reason: str) -> Assessment:
    """A coordinator reopens approved or published results (back to final appraisal), with a reason; the
    block is re-ranked. The only way a result the council approved changes."""
    assessment = assessment_for(user, assessment_id, "coordinate")
    _require_state(assessment, *LOCKED)
    reason = reason.strip()
    if not reason:
        raise WorkflowError(_("Give the reason for reopening approved results."))
    _set_state(assessment, user, State.FINAL_APPRAISAL, reason, frozen_at=None)
    from cchc.scoring.results import rank

    rank(assessment.year, assessment.framework.block, user=user, reason=reason)
    assessment.refresh_from_db()
    return assessment


@transaction.atomic
def rank_block(user: Any, block: Block, reason: str = "") -> Any:
    """The block's coordinator recomputes its preliminary results (approved ones stay frozen)."""
    require_coordinator(user, block)
    from cchc.scoring.results import rank

    return rank(block.year, block, user=user, reason=reason)


@transaction.atomic
def publish(user: Any, assessment_id: int) -> Assessment:
    assessment = assessment_for(user, assessment_id, "coordinate")
    _require_state(assessment, State.APPROVED)
    return _set_state(assessment, user, State.PUBLISHED, _("Published"))


@transaction.atomic
def publish_block(user: Any, block: Block) -> int:
    """Publish every approved assessment of the block the user coordinates; returns how many."""
    require_coordinator(user, block)
    ids = list(
        Assessment.objects.restrict(user, "coordinate")
        .filter(framework__block=block, state=State.APPROVED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        publish(user, pk)
    return len(ids)


@transaction.atomic
def record_rates(
    user: Any, assessment_id: int, late_rate: Decimal | None, satisfaction: Decimal | None, reason: str = ""
) -> Assessment:
    """Record the late-dossier rate and satisfaction (fractions) when no module gives them."""
    assessment = assessment_for(user, assessment_id, "coordinate")
    if assessment.state in LOCKED:
        raise WorkflowError(_("The results are approved: the rates they used can no longer change."))
    for value in (late_rate, satisfaction):
        if value is not None and not (0 <= value <= 1):
            raise WorkflowError(_("A rate is a fraction between 0 and 1."))
    before = audit.snapshot(assessment, ["late_rate", "satisfaction"])
    assessment.late_rate, assessment.satisfaction = late_rate, satisfaction
    assessment.version += 1
    assessment.save()
    audit.record(
        user=user,
        obj=assessment,
        action=AuditEntry.Action.UPDATE,
        changes=audit.diff(before, audit.snapshot(assessment, ["late_rate", "satisfaction"])),
        reason=reason,
        agency=assessment.agency,
    )
    return assessment


# Bulk load (cchc import_scores)

SCORE_COLUMNS = ("agency_code", "criterion_code", "self_score", "appraised_score", "final_score", "note")
SCORE_FIELDS = ("self_score", "appraised_score", "final_score")


@dataclass
class ScoreImport:
    created_assessments: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return _(
            "%(updated)s scores changed, %(unchanged)s unchanged, %(created_assessments)s assessments opened"
        ) % vars(self)


def import_scores_file(source: str | Path | IO[bytes], year: int, *, user: Any = None, name: str = "") -> ScoreImport:
    rows = read_rows(source, required=SCORE_COLUMNS[:2], optional=SCORE_COLUMNS, name=name)
    return import_scores(rows, year, user=user)


def import_scores(rows: Iterable[tuple[int, dict[str, str]]], year: int, *, user: Any = None) -> ScoreImport:
    """Criterion scores of many agencies for ``year``; every row is checked before anything is written."""
    frameworks = {
        m.agency_id: cast(Any, m.block).framework  # reverse one-to-one: the stubs do not see it
        for m in BlockMembership.objects.filter(year=year, block__framework__isnull=False).select_related(
            "block__framework"
        )
    }
    agencies = {a.code: a for a in Agency.objects.filter(pk__in=frameworks)}
    criteria = {(c.framework_id, c.code): c for c in Criterion.objects.filter(framework__year=year)}
    parsed = []
    seen: dict[tuple[str, str], int] = {}
    for number, values in rows:
        code, criterion_code = values.get("agency_code", "").strip(), values.get("criterion_code", "").strip()
        agency = agencies.get(code)
        if agency is None:
            raise InputError(
                _("agency “%(code)s” is in no block with a framework in %(year)s") % {"code": code, "year": year},
                number,
                "agency_code",
            )
        framework = frameworks[agency.pk]
        criterion = criteria.get((framework.pk, criterion_code))
        if criterion is None:
            raise InputError(
                _("no criterion “%(code)s” in the framework of %(block)s")
                % {"code": criterion_code, "block": framework.block},
                number,
                "criterion_code",
            )
        if not criterion.is_leaf:
            raise InputError(
                _("criterion “%(code)s” is not scored directly: its sub-criteria are") % {"code": criterion_code},
                number,
                "criterion_code",
            )
        if is_computed(criterion) and values.get("self_score", "").strip():
            raise InputError(
                _("criterion “%(code)s” is computed from the system's figures: leave self_score empty")
                % {"code": criterion_code},
                number,
                "self_score",
            )
        if (code, criterion_code) in seen:
            raise InputError(
                _("duplicate row (already on row %(first)s)") % {"first": seen[(code, criterion_code)]},
                number,
                "criterion_code",
            )
        seen[(code, criterion_code)] = number
        points = {}
        for column in SCORE_FIELDS:
            if column not in values:
                continue
            value = parse_decimal(values[column], number, column)
            if value is not None and (value < 0 or value > criterion.max_points):
                raise InputError(
                    _("%(value)s is outside 0–%(max)s, the points of criterion %(code)s")
                    % {
                        "value": format_number(value, 2),
                        "max": format_number(criterion.max_points, 2),
                        "code": criterion.code,
                    },
                    number,
                    column,
                )
            points[column] = None if value is None else value.quantize(Decimal("0.01"))
        note = values.get("note", "").strip()
        adjusted = any(
            points.get(later) is not None and points.get(earlier) is not None and points[later] != points[earlier]
            for earlier, later in (("self_score", "appraised_score"), ("appraised_score", "final_score"))
        )
        if adjusted and not note:
            raise InputError(_("an adjusted score needs its reason in “note”"), number, "note")
        parsed.append((number, agency, framework, criterion, points, note))
    if not parsed:
        raise InputError(_("the file has no score rows"))
    with transaction.atomic():
        return _write_scores(parsed, year, user)


def _write_scores(parsed: list[Any], year: int, user: Any) -> ScoreImport:
    summary = ScoreImport()
    assessments = {a.agency_id: a for a in Assessment.objects.filter(year=year)}
    for _number, agency, framework, _criterion, _points, _note in parsed:
        if agency.pk not in assessments:
            assessments[agency.pk] = ensure_assessment(agency, framework)
            summary.created_assessments += 1
    scores = {
        (s.assessment_id, s.criterion_id): s
        for s in Score.objects.filter(assessment__in=[a.pk for a in assessments.values()])
    }
    changed, entries = [], []
    for number, agency, _framework, criterion, points, note in parsed:
        assessment = assessments[agency.pk]
        score = scores[(assessment.pk, criterion.pk)]
        before = audit.snapshot(score, SCORE_FIELDS)
        for column, value in points.items():
            setattr(score, column, value)
        if note and score.appraised_score is not None and score.appraised_score != score.self_score:
            score.appraisal_reason = note
        elif note:
            score.self_note = note
        diff = audit.diff(before, audit.snapshot(score, SCORE_FIELDS))
        if not diff:
            summary.unchanged += 1
            continue
        if assessment.state in LOCKED:
            raise InputError(
                _("the assessment of %(agency)s is %(state)s: its scores can no longer change")
                % {"agency": agency.code, "state": assessment.get_state_display().lower()},
                number,
                "criterion_code",
            )
        score.version += 1
        changed.append(score)
        entries.append(
            audit.entry(user=user, obj=score, action=AuditEntry.Action.IMPORT, changes=diff, reason=note, agency=agency)
        )
        summary.updated += 1
    Score.objects.bulk_update(changed, [*SCORE_FIELDS, "appraisal_reason", "self_note", "version"], batch_size=1000)
    totals.refresh(s.assessment_id for s in changed)
    audit.record_many(entries)
    return summary


def assessments_in_scope(user: Any, action: str = "view") -> QuerySet[Assessment]:
    return Assessment.objects.restrict(user, action).select_related("agency", "framework__block")


BAND_FIELDS = ("good_min", "fair_min", "average_min", "late_rate_limit", "satisfaction_min", "officer_late_limit")


@transaction.atomic
def configure_bands(user: Any, block: Block, **values: Decimal) -> BandConfig:
    """Thresholds of the bands and rules for a block (its coordinator), then the block re-ranked.

    Refused once a result of the block is published: the public ranking does not change under it.
    """
    require_coordinator(user, block)
    if Assessment.objects.filter(framework__block=block, state=State.PUBLISHED).exists():
        raise WorkflowError(_("Results of this block are published: its bands can no longer change."))
    good, fair, average = values["good_min"], values["fair_min"], values["average_min"]
    if not (100 >= good > fair > average >= 0):
        raise WorkflowError(_("The thresholds must fall: 100 ≥ Good > Fair > Average ≥ 0."))
    rates = [values["late_rate_limit"], values["satisfaction_min"], values.get("officer_late_limit")]
    if not all(0 <= rate <= 1 for rate in rates if rate is not None):
        raise WorkflowError(_("A rate is a fraction between 0 and 1."))
    config = BandConfig.objects.select_for_update().filter(block=block).first() or BandConfig(block=block)
    before = audit.snapshot(config, BAND_FIELDS) if config.pk else {}
    for name in BAND_FIELDS:
        value = values.get(name)
        setattr(config, name, None if value is None else Decimal(value).quantize(Decimal("0.0001")))
    config.save()
    audit.record(
        user=user,
        obj=config,
        action=AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE,
        changes=audit.diff(before, audit.snapshot(config, BAND_FIELDS)),
        agency=block.owner,
    )
    if Framework.objects.filter(block=block).exists():
        from cchc.scoring.results import rank

        rank(block.year, block, user=user, reason=_("Bands and rules changed"))
    return config


@transaction.atomic
def assign_appraiser(
    user: Any, framework: Framework, appraiser: Any, agency: Agency | None = None, criterion: Criterion | None = None
) -> AppraiserAssignment:
    """The block's coordinator assigns an appraiser to an agency, a criterion (with its sub-criteria), or both."""
    block = framework.block
    require_coordinator(user, block)
    if appraiser is None or not appraisers_for(block).filter(pk=appraiser.pk).exists():
        # The same answer whether the account exists or not: nothing is disclosed about other users.
        raise WorkflowError(_("Choose an appraiser from the list."))
    if agency is not None and not BlockMembership.objects.filter(block=block, agency=agency).exists():
        raise WorkflowError(_("%(agency)s is not a member of this block.") % {"agency": agency})
    if criterion is not None and criterion.framework_id != framework.pk:
        raise WorkflowError(_("The criterion is not in this framework."))
    assignment, created = AppraiserAssignment.objects.get_or_create(
        appraiser=appraiser, framework=framework, agency=agency, criterion=criterion
    )
    if created:
        audit.record(
            user=user,
            obj=assignment,
            action=AuditEntry.Action.CREATE,
            changes={"assignment": [None, str(assignment)]},
            agency=agency or block.owner,
        )
    return assignment


@transaction.atomic
def unassign_appraiser(user: Any, assignment_id: int) -> None:
    assignment = AppraiserAssignment.objects.select_related("framework__block").filter(pk=assignment_id).first()
    if assignment is None:
        raise PermissionDenied
    block = assignment.framework.block
    require_coordinator(user, block)
    audit.record(
        user=user,
        obj=assignment,
        action=AuditEntry.Action.DELETE,
        changes={"assignment": [str(assignment), None]},
        agency=assignment.agency or block.owner,
    )
    assignment.delete()


def appraisers_for(block: Block) -> QuerySet[Any]:
    """The appraisers the block's coordinator may assign: active holders of an appraiser role that
    covers at least one member of the block (the province's council for a district's communes too)."""
    from cchc.accounts.models import RoleGrant, User

    paths = list(Agency.objects.filter(block_memberships__block=block).values_list("path", flat=True))
    covering = [
        g.user_id
        for g in RoleGrant.objects.filter(role="appraiser").select_related("agency")
        if any(p == g.agency.path or (g.include_descendants and p.startswith(g.agency.path)) for p in paths)
    ]
    return User.objects.filter(pk__in=covering, is_active=True)
