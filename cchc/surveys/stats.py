"""Satisfaction as DESIGN §5.5 defines it (issue 13 point 2), aggregated in SQL.

- An answer of 4 or 5 on the five-point scale is satisfied.
- An element's index = satisfied answers ÷ all answers to the element's questions, pooled over
  the forms of the group (an agency, a kind, a block, the province): a block's element index is
  not the mean of its agencies' indices.
- A group's satisfaction = the mean of its five element indices. An element nobody answered in the
  group has no index ("—") and is left out of the mean (the mean is of the elements answered); a
  group with no counted answer has no satisfaction.
- Only ``counted`` forms count. ``held`` forms (waiting for review) are counted apart (``held``)
  and left out; ``rejected`` forms never count.

The answers are grouped by agency and element in one query (``GROUP BY agency, element`` with a
conditional count of the satisfied ones), the forms by agency in another; the groups of
``by=kind|block|none`` add the agencies' counts up, which is exact since the indices are ratios of
sums. So the cost is two queries whatever the number of answers, plus one per agency grouping.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from cchc.agencies.models import AgencyKind, BlockMembership
from cchc.core.formatting import DASH, format_percent, ratio
from cchc.core.scope import agency_q
from cchc.surveys.models import SATISFIED_MIN, Answer, Element, Question, Questionnaire, Response, Status

GROUPINGS = ("none", "agency", "kind", "block")
ELEMENTS: tuple[str, ...] = tuple(Element.values)
NO_BLOCK = "-"


def rate(value: Decimal | None) -> dict[str, Any]:
    """A rate as the JSON gives it: {"value": 0.8277, "text": "82,77%"} (null and "—" when none)."""
    return {"value": None if value is None else round(float(value), 6), "text": format_percent(value)}


@dataclass
class Tally:
    answers: int = 0
    satisfied: int = 0

    @property
    def index(self) -> Decimal | None:
        return ratio(self.satisfied, self.answers)

    def add(self, answers: int, satisfied: int) -> None:
        self.answers += answers
        self.satisfied += satisfied


@dataclass
class Group:
    """The counted forms of a group (all, an agency, a kind, a block) and its answers per element."""

    key: str
    name: str
    forms: int = 0  # counted forms
    held: int = 0  # forms held for review: counted apart, left out of every rate
    elements: dict[str, Tally] = field(default_factory=lambda: {e: Tally() for e in ELEMENTS})
    path: str = ""
    target: Decimal | None = None

    @property
    def answers(self) -> int:
        return sum(t.answers for t in self.elements.values())

    @property
    def satisfaction(self) -> Decimal | None:
        """The mean of the element indices of the elements answered (None when none is)."""
        indices = [t.index for t in self.elements.values() if t.index is not None]
        if not indices:
            return None
        return sum(indices, Decimal(0)) / len(indices)

    @property
    def satisfaction_text(self) -> str:
        return format_percent(self.satisfaction)

    @property
    def meets_target(self) -> bool | None:
        value = self.satisfaction
        if value is None or self.target is None:
            return None
        return round(value, 6) >= self.target

    @property
    def verdict(self) -> str:
        """ "đạt" / "chưa đạt" against the target; "—" without a target or a figure."""
        met = self.meets_target
        return DASH if met is None else (_("met") if met else _("not met"))

    def element_rows(self) -> list[tuple[str, str, Tally]]:
        return [(code, str(Element(code).label), self.elements[code]) for code in ELEMENTS]

    def add(self, other: Group) -> None:
        self.forms += other.forms
        self.held += other.held
        for code, tally in other.elements.items():
            self.elements[code].add(tally.answers, tally.satisfied)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "forms": self.forms,
            "held": self.held,
            "answers": self.answers,
            "satisfaction": rate(self.satisfaction),
            "elements": {code: rate(t.index) for code, t in self.elements.items()},
            "element_answers": {
                code: {"answers": t.answers, "satisfied": t.satisfied} for code, t in self.elements.items()
            },
            "meets_target": self.meets_target,
        }


@dataclass
class QuestionRow:
    question: Question
    tally: Tally

    @property
    def index(self) -> Decimal | None:
        return self.tally.index


def questionnaire_of(year: int) -> Questionnaire | None:
    return Questionnaire.objects.filter(year=year).first()


def _scope(user: Any, prefix: str) -> Q | None:
    """The reader's scope on the forms' agency (None: everything, for SYSTEM and administrators)."""
    return agency_q(user, Response.scope_roles["view"], prefix)


def _forms(
    questionnaire: Questionnaire, user: Any, start: date | None, end: date | None, agencies: Any, prefix: str = ""
) -> Q:
    """The condition on forms (``prefix``: the path from the rows queried to the form)."""
    p = f"{prefix}__" if prefix else ""
    condition = Q(**{f"{p}questionnaire": questionnaire})
    scope = _scope(user, f"{p}agency")
    if scope is not None:
        condition &= scope
    if start:
        condition &= Q(**{f"{p}answered_on__gte": start})
    if end:
        condition &= Q(**{f"{p}answered_on__lte": end})
    if agencies is not None:
        condition &= Q(**{f"{p}agency__in": agencies})
    return condition


def agency_groups(
    questionnaire: Questionnaire,
    *,
    user: Any,
    start: date | None = None,
    end: date | None = None,
    agencies: Any = None,
) -> dict[int, Group]:
    """Agency id → its ``Group`` (forms, held, answers per element) for the forms the reader sees.

    ``agencies`` (ids or a queryset) narrows; it never widens the reader's scope. Two queries."""
    groups: dict[int, Group] = {}
    forms = Response.objects.filter(_forms(questionnaire, user, start, end, agencies))
    counted = Q(status=Status.COUNTED)
    rows = (
        forms.values("agency_id", "agency__code", "agency__name", "agency__path")
        .annotate(forms=Count("pk", filter=counted), held=Count("pk", filter=Q(status=Status.HELD)))
        .order_by()
    )
    for row in rows:
        groups[row["agency_id"]] = Group(
            row["agency__code"], row["agency__name"], row["forms"], row["held"], path=row["agency__path"]
        )
    answers = Answer.objects.filter(_forms(questionnaire, user, start, end, agencies, "response"))
    answers = answers.filter(response__status=Status.COUNTED)
    tallies = (
        answers.values("response__agency_id", "question__element")
        .annotate(answers=Count("pk"), satisfied=Count("pk", filter=Q(value__gte=SATISFIED_MIN)))
        .order_by()
    )
    for row in tallies:
        group = groups.get(row["response__agency_id"])
        if group is not None:
            group.elements[row["question__element"]].add(row["answers"], row["satisfied"])
    for group in groups.values():
        group.target = questionnaire.target
    return groups


def survey_stats(
    year: int,
    *,
    user: Any,
    start: date | None = None,
    end: date | None = None,
    by: str = "none",
    agencies: Any = None,
) -> list[Group]:
    """The year's satisfaction for the reader (a person, or ``SYSTEM``), one ``Group`` per group.

    ``by``: ``none`` (one group, key ``all``), ``agency`` (key its code, in the order of the tree),
    ``kind`` (key the agency kind), ``block`` (key the block code of the year; agencies of no block
    under key "-"). Groups with neither a counted nor a held form are left out, except ``all``.
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}")
    questionnaire = questionnaire_of(year)
    if questionnaire is None:
        return [Group("all", _("All agencies"))] if by == "none" else []
    per_agency = agency_groups(questionnaire, user=user, start=start, end=end, agencies=agencies)
    if by == "agency":
        return sorted(per_agency.values(), key=lambda g: g.path)
    return list(combine(per_agency, by, year, questionnaire.target).values())


def combine(per_agency: dict[int, Group], by: str, year: int, target: Decimal | None = None) -> dict[str, Group]:
    """The agencies' groups added up by ``by`` (``none``, ``kind`` or ``block``)."""
    out: dict[str, Group] = {}
    if by == "none":
        out["all"] = Group("all", _("All agencies"), target=target)
        for group in per_agency.values():
            out["all"].add(group)
        return out
    if by == "kind":
        kinds = dict(_kinds(per_agency))
        labels = dict(AgencyKind.choices)
        for kind in AgencyKind.values:
            for agency_id, group in per_agency.items():
                if kinds.get(agency_id) == kind:
                    out.setdefault(kind, Group(kind, str(labels[kind]), target=target)).add(group)
        return out
    memberships = (
        BlockMembership.objects.filter(year=year, agency_id__in=list(per_agency))
        .values_list("agency_id", "block__code", "block__name")
        .order_by("block__code")
    )
    blocks = {agency_id: (code, name) for agency_id, code, name in memberships}
    for code, name in sorted(set(blocks.values())):
        out[code] = Group(code, name, target=target)
    for agency_id, group in per_agency.items():
        code, name = blocks.get(agency_id, (NO_BLOCK, _("In no block")))
        out.setdefault(code, Group(code, name, target=target)).add(group)
    return out


def _kinds(per_agency: dict[int, Group]) -> Iterable[tuple[int, str]]:
    from cchc.agencies.models import Agency

    return Agency.objects.filter(pk__in=list(per_agency)).values_list("pk", "kind")


def question_stats(
    year: int, *, user: Any, start: date | None = None, end: date | None = None, agencies: Any = None
) -> list[QuestionRow]:
    """Each question of the year's questionnaire with its counted answers (one query)."""
    questionnaire = questionnaire_of(year)
    if questionnaire is None:
        return []
    answers = Answer.objects.filter(_forms(questionnaire, user, start, end, agencies, "response"))
    rows = (
        answers.filter(response__status=Status.COUNTED)
        .values("question_id")
        .annotate(answers=Count("pk"), satisfied=Count("pk", filter=Q(value__gte=SATISFIED_MIN)))
        .order_by()
    )
    tallies = {r["question_id"]: Tally(r["answers"], r["satisfied"]) for r in rows}
    return [QuestionRow(q, tallies.get(q.pk, Tally())) for q in questionnaire.questions.all()]


def satisfaction_of_agencies(year: int, agency_ids: Iterable[int], *, user: Any) -> dict[int, Group]:
    """Agency id → its ``Group`` of the year, for the agencies with counted forms (the PAR index's
    ``satisfaction`` source and the report prefill): two queries for thousands of agencies."""
    questionnaire = questionnaire_of(year)
    if questionnaire is None:
        return {}
    ids = agency_ids if hasattr(agency_ids, "query") else list(agency_ids)  # a queryset stays a subquery
    groups = agency_groups(questionnaire, user=user, agencies=ids)
    return {pk: g for pk, g in groups.items() if g.forms and g.satisfaction is not None}
