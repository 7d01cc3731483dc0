"""Computed and survey criteria: their points come from the system's figures, not from a person.

While an assessment is in self-assessment its figures are refreshed (on its page, at every ranking
run, and one last time at submission); from submission on they stay as they were, and approval
freezes them with the rest of the results. Each refresh that changes a score is audited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.core import audit
from cchc.core.models import AuditEntry
from cchc.scoring import totals
from cchc.scoring.models import Assessment, Criterion, Method, Score
from cchc.scoring.sources import figures, is_computed, mapped_points, source_of

TRACKED = ("self_score", "figure", "figure_target", "figure_source")


def refresh(assessments: Iterable[Assessment], user: Any = None, frameworks: list[int] | None = None) -> int:
    """Re-read the figures of the computed criteria of the assessments still in self-assessment.

    Returns how many scores changed. The assessments need their ``agency`` (kind) loaded; when they
    are every assessment of ``frameworks`` (a ranking run), the scores are found through those.
    """
    return len(_refresh(assessments, user, frameworks))


def refreshed(assessments: Iterable[Assessment], user: Any = None, frameworks: list[int] | None = None) -> set[int]:
    """As ``refresh``; returns the ids of the assessments whose scores changed (a ranking recomputes them)."""
    return {s.assessment_id for s in _refresh(assessments, user, frameworks)}


def _refresh(assessments: Iterable[Assessment], user: Any, frameworks: list[int] | None) -> list[Score]:
    drafts = {a.pk: a for a in assessments if a.state == Assessment.State.DRAFT}
    if not drafts:
        return []
    criteria = Criterion.objects.filter(is_leaf=True, method__in=[Method.COMPUTED, Method.SURVEY])
    if frameworks is not None:
        criteria = criteria.filter(framework_id__in=frameworks)
    else:
        criteria = criteria.filter(framework_id__in={a.framework_id for a in drafts.values()})
    chosen = [c.pk for c in criteria if is_computed(c)]
    if not chosen:
        return []  # through the criterion index: a framework without computed criteria costs one small query
    query = Score.objects.filter(criterion_id__in=chosen)
    if frameworks is None:
        query = query.filter(assessment_id__in=list(drafts))
    scores = [s for s in query.select_related("criterion") if s.assessment_id in drafts]
    by_source: dict[str, list[Score]] = defaultdict(list)
    for s in scores:
        if is_computed(s.criterion):
            by_source[source_of(s.criterion)].append(s)
    now = timezone.now()
    changed, entries = [], []
    for source, group in by_source.items():
        found = figures(source, list({s.assessment_id: drafts[s.assessment_id] for s in group}.values()))
        for s in group:
            f = found[s.assessment_id]
            before = audit.snapshot(s, TRACKED)
            # At the stored precision, so that an unchanged figure compares equal to what was stored.
            s.figure, s.figure_target, s.figure_source = _stored(f.shown), _stored(f.target), f.source
            points = mapped_points(s.criterion.mapping, f.value, s.criterion.max_points)
            s.self_score = None if points is None else points.quantize(Decimal("0.01"))
            diff = audit.diff(before, audit.snapshot(s, TRACKED))
            if not diff:
                continue
            s.figure_at, s.version = now, s.version + 1
            s.assessment = _instance(drafts[s.assessment_id])  # its agency loaded: the audit names it unqueried
            changed.append(s)
            entries.append(
                audit.entry(
                    user=user,
                    obj=s,
                    action=AuditEntry.Action.UPDATE,
                    changes=diff,
                    reason=_("Computed from the system's figures"),
                    agency=drafts[s.assessment_id].agency,
                )
            )
    with transaction.atomic():
        _save(changed, now)
        totals.refresh(s.assessment_id for s in changed)
        audit.record_many(entries)
    return changed


def _save(changed: list[Score], now: Any) -> None:
    """One UPDATE per distinct (points, figure, target, source): a ranking's thousands of scores share a
    few dozen, and Django's ``bulk_update`` (a CASE per row and column) took 40 s for 7,000 of them."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for s in changed:
        groups[tuple(getattr(s, name) for name in TRACKED)].append(s.pk)
    for values, pks in groups.items():
        for start in range(0, len(pks), 900):  # under SQLite's 999 parameters
            Score.objects.filter(pk__in=pks[start : start + 900]).update(
                **dict(zip(TRACKED, values, strict=True)), figure_at=now, version=F("version") + 1
            )


def _instance(assessment: Any) -> Assessment:
    """The model instance of an assessment, or of a ranking run's row standing in for one."""
    return assessment if isinstance(assessment, Assessment) else assessment.instance()


def _stored(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.000001"))
