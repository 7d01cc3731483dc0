"""Results: index, component indices, bands with the rules of DESIGN §7, rank within the block,
change against the previous year following merged agencies' lineage.

``rank(year, block=None)`` recomputes the results of every assessment not yet approved from its
area totals and figures and stores them (preliminary: "tạm tính"), with an audit entry for the run and
for each result that changed. Points, index and area indices are worked out again from the area
totals where those changed since the results were stored (``Assessment.totals_version``, bumped by
every score write); elsewhere they are the stored ones, which the same totals gave. Bands, rules,
ranks and flags are worked out again for every assessment on every run. An approved or published assessment keeps the snapshot taken
at approval (``Assessment.frozen_at``): no ranking run, re-import or rule change rewrites it; a
coordinator reopens it, with a reason, to have it recomputed (``services.reopen``). Pages, the API,
the report and the public page read the stored results through ``stored``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency, Block
from cchc.core import audit
from cchc.core.batch import collector_paused
from cchc.core.formatting import format_change, format_number, format_percent, format_share
from cchc.core.models import AuditEntry
from cchc.scoring import computed
from cchc.scoring.models import BAND_ORDER, AreaTotal, Assessment, Band, Criterion, FigureSource, Framework, Method
from cchc.scoring.rules import Rules, apply_rules, rules_of_blocks
from cchc.scoring.sources import figures, officer_late_rates

HUNDRED = Decimal(100)
INDEX_PLACES = Decimal("0.0001")


def percent(value: Decimal | None, places: int = 2) -> str:
    """An index already in % (83.3333) as a person reads it: "83,33%"."""
    return "—" if value is None else f"{format_number(value, places)}%"


def _label(choices: Any, value: str) -> str:
    """The label of a choice as a person reads it; "" for no value."""
    return str(choices(value).label) if value else ""


@dataclass
class AgencyResult:
    assessment: Assessment
    points: Decimal
    max_points: Decimal
    index: Decimal
    # Area code → index in %; None for a result whose area totals did not change since its results were
    # stored: they are the stored ones (``area_indices``), read only when asked for.
    areas: dict[str, float] | None
    band_before: str
    band: str
    reasons: list[str]
    flags: list[str] = field(default_factory=list)
    rank: int = 0
    previous_index: Decimal | None = None
    previous_rank: int | None = None
    previous_note: str = ""
    late_rate: Decimal | None = None
    late_rate_source: str = ""
    satisfaction: Decimal | None = None
    satisfaction_source: str = ""
    ranked_in: int = 0
    # The agency's id, code and name, which the ranking reads for every result (from the row when the
    # assessment was read as one, so that no Agency instance is made for it).
    agency_id: int = 0
    agency_code: str = ""
    agency_name: str = ""
    # The version of the area totals the points, index and area indices were worked out from (stored with
    # them, so that the next run knows whether to work them out again); None for a frozen result.
    totals_version: int | None = None

    def __post_init__(self) -> None:
        a = self.assessment
        if isinstance(a, _Row):
            self.agency_id, self.agency_code, self.agency_name = a.agency_id, a.agency_code, a.agency_name
        else:
            self.agency_id, self.agency_code, self.agency_name = a.agency_id, a.agency.code, a.agency.name

    @property
    def agency(self) -> Agency:
        return self.assessment.agency

    @property
    def area_indices(self) -> dict[str, float]:
        return self.assessment.area_indices if self.areas is None else self.areas

    @property
    def final(self) -> bool:
        """The council approved it: the snapshot, not a preliminary figure ("tạm tính")."""
        return self.assessment.is_final

    @property
    def stage(self) -> str:
        return str(self.assessment.get_state_display())

    @property
    def late_rate_source_label(self) -> str:
        return _label(FigureSource, self.late_rate_source)

    @property
    def satisfaction_source_label(self) -> str:
        return _label(FigureSource, self.satisfaction_source)

    @property
    def index_change(self) -> Decimal | None:
        return None if self.previous_index is None else self.index - self.previous_index

    @property
    def band_label(self) -> str:
        return _label(Band, self.band)

    @property
    def band_before_label(self) -> str:
        return _label(Band, self.band_before)

    @property
    def change_text(self) -> str:
        """Against last year, in percentage points: "tăng 3,51%"."""
        if self.previous_index is None:
            return "—"
        return format_change(self.previous_index / HUNDRED, self.index / HUNDRED)

    @property
    def rank_change(self) -> int | None:
        """Places gained (positive) or lost since last year."""
        return None if self.previous_rank is None else self.previous_rank - self.rank

    def as_json(self) -> dict[str, Any]:
        return {
            "agency_code": self.agency_code,
            "agency_name": self.agency_name,
            "points": float(self.points),
            "max_points": float(self.max_points),
            "index": float(self.index),
            "area_indices": self.area_indices,
            "band_before_rules": self.band_before,
            "band": self.band,
            "reasons": self.reasons,
            "flags": self.flags,
            "rank": self.rank,
            "ranked_in": self.ranked_in,
            "stage": self.assessment.state,
            "final": self.final,
            "frozen_at": self.assessment.frozen_at.isoformat() if self.assessment.frozen_at else None,
            "late_rate": None if self.late_rate is None else float(self.late_rate),
            "late_rate_source": self.late_rate_source,
            "satisfaction": None if self.satisfaction is None else float(self.satisfaction),
            "satisfaction_source": self.satisfaction_source,
            "previous_index": None if self.previous_index is None else float(self.previous_index),
            "previous_rank": self.previous_rank,
        }


@dataclass
class BlockRanking:
    block: Block
    framework: Framework
    results: list[AgencyResult]
    previous_counts: dict[str, int] | None = None  # last year's bands of the block with the same code
    rules: Rules | None = None
    members: int = 0  # assessments of the block, whether shown here or not
    approved_only: bool = False
    unranked: int = 0  # assessments of the block with no results yet (not ranked since they were opened)

    @property
    def preliminary(self) -> list[AgencyResult]:
        return [r for r in self.results if not r.final]

    @property
    def left_out(self) -> int:
        """Assessments of the block with results not among these (not yet approved, when only those are shown)."""
        return max(0, self.members - self.unranked - len(self.results))

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(r.band for r in self.results)
        return {band: counted.get(band, 0) for band in BAND_ORDER}

    def share(self, band: str) -> str:
        return format_share(self.counts[band], len(self.results))

    @property
    def distribution(self) -> list[dict[str, Any]]:
        n = len(self.results)
        return [
            {"band": band, "label": Band(band).label, "count": count, "share": format_share(count, n)}
            for band, count in self.counts.items()
        ]

    @property
    def mean_index(self) -> Decimal | None:
        if not self.results:
            return None
        return sum((r.index for r in self.results), Decimal(0)) / len(self.results)

    def as_json(self) -> dict[str, Any]:
        n = len(self.results)
        return {
            "block": self.block.code,
            "name": self.block.name,
            "year": self.block.year,
            "ranked": n,
            "members": self.members,
            "unranked": self.unranked,
            "approved_only": self.approved_only,
            "preliminary": len(self.preliminary),
            "bands": {
                band: {"count": count, "share": float(count / n) if n else None, "text": format_share(count, n)}
                for band, count in self.counts.items()
            },
            "agencies": [r.as_json() for r in self.results],
        }


class _Instances:
    """The model instances of a ranking run's assessments (with their agencies), made only when asked for.

    A recompute reads 3,500 assessments; making an instance of each (and of its agency) cost more than
    the rest of the arithmetic. The run reads rows, and makes instances for the results it writes, the
    frozen ones it shows as they are, and anything else that asks a row for what it does not hold.
    """

    def __init__(self, framework_ids: list[int]) -> None:
        self.framework_ids = framework_ids
        self.found: dict[int, Assessment] = {}
        self.whole = False  # every assessment of the run is in ``found``

    def get(self, pk: int) -> Assessment:
        if pk not in self.found:
            self.load(None)
        return self.found[pk]

    def load(self, pks: Iterable[int] | None) -> None:
        """Make the instances of ``pks`` not made yet (of every assessment of the run for None), in one query."""
        if self.whole:
            return
        missing = None if pks is None else [pk for pk in pks if pk not in self.found]
        if missing is not None and not missing:
            return
        chosen = _chosen(self.framework_ids, missing)
        for a in Assessment.objects.filter(**chosen).select_related("agency"):
            self.found.setdefault(a.pk, a)
        self.whole = "framework_id__in" in chosen


FEW_IDS = 500


def _chosen(framework_ids: list[int], pks: Collection[int] | None) -> dict[str, Any]:
    """The filter reading the assessments ``pks`` of a run: by id if few, else the run's frameworks whole
    (long ``IN`` lists cost more than reading the run whole); None: the run whole."""
    if pks is not None and len(pks) <= FEW_IDS:
        return {"pk__in": pks}
    return {"framework_id__in": framework_ids}


# What a ranking run reads of each assessment: who it is, what the figures need, the versions of its
# area totals, and the stored results (but the area indices, read only where they are compared).
ROW = (
    "pk",
    "agency_id",
    "framework_id",
    "year",
    "state",
    "frozen_at",
    "late_rate",
    "satisfaction",
    "totals_version",
    "ranked_totals_version",
)
AGENCY = ("agency__code", "agency__name")


class _Row:
    """An assessment of a ranking run, read as a row: what the ranking reads (identity, state, the
    recorded figures, the totals' versions, the stored results but the area indices as ``before``); any
    other attribute comes from its model instance, made for the whole run in one query the first time
    one is asked for.

    It stands in for an ``Assessment`` where the ranking hands assessments on (``computed.refresh``,
    ``sources.figures``) and in the results of ``rank``; what ``rank`` writes goes through instances.
    """

    __slots__ = (
        "_instances",
        "agency_code",
        "agency_id",
        "agency_name",
        "before",
        "framework_id",
        "frozen_at",
        "late_rate",
        "pk",
        "ranked_totals_version",
        "satisfaction",
        "state",
        "totals_version",
        "year",
    )

    def __init__(self, values: tuple[Any, ...], instances: _Instances) -> None:
        (
            self.pk,
            self.agency_id,
            self.framework_id,
            self.year,
            self.state,
            self.frozen_at,
            self.late_rate,
            self.satisfaction,
            self.totals_version,
            self.ranked_totals_version,
            self.agency_code,
            self.agency_name,
        ) = values[:12]
        self.before = list(values[12:])  # the READ fields as stored, in their order
        self._instances = instances

    @property
    def id(self) -> int:
        return self.pk

    @property
    def is_final(self) -> bool:
        return self.frozen_at is not None

    @property
    def totals_changed(self) -> bool:
        """The area totals changed since the stored results were worked out (or there are none)."""
        return self.ranked_totals_version != self.totals_version or self.before[READ_INDEX] is None

    def instance(self) -> Assessment:
        return self._instances.get(self.pk)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_instances":
            raise AttributeError(name)
        return getattr(self.instance(), name)

    def __repr__(self) -> str:
        return f"<assessment row {self.pk} of {self.agency_code}>"


def _rows(framework_ids: list[int]) -> list[_Row]:
    """Every assessment of the frameworks as a row (one query, no model instance).

    In no order: ``_order`` sorts each block's results by index and name, and a database sort of the
    names by their collation would only cost the server time.
    """
    instances = _Instances(framework_ids)
    values = Assessment.objects.filter(framework_id__in=framework_ids).order_by().values_list(*ROW, *AGENCY, *READ)
    return [_Row(v, instances) for v in values]


def rank(
    year: int, block: Block | None = None, *, save: bool = True, user: Any = None, reason: str = ""
) -> list[BlockRanking]:
    """Recompute the year's (or one block's) preliminary results; store and audit them unless ``save`` is False.

    Approved and published results stay as frozen at approval: they take part in the order (their
    stored index) but keep their rank, band and figures.
    """
    with collector_paused():
        return _rank(year, block, save=save, user=user, reason=reason)


def _rank(year: int, block: Block | None, *, save: bool, user: Any, reason: str) -> list[BlockRanking]:
    chosen = Framework.objects.filter(year=year).select_related("block", "block__owner")
    if block is not None:
        chosen = chosen.filter(block=block)
    frameworks = list(chosen.order_by("block__code"))
    framework_ids = [f.pk for f in frameworks]
    # Rows, not model instances: instances are made for the frozen results (shown as stored) and, in
    # _store, for the results that changed.
    assessments = _rows(framework_ids)
    live = [a for a in assessments if a.frozen_at is None]
    frozen = [a.pk for a in assessments if a.frozen_at is not None]
    if frozen and assessments:
        assessments[0]._instances.load(frozen)
    changed = computed.refreshed(live, user, frameworks=framework_ids) if save else set()  # type: ignore[arg-type]
    # Where the area totals changed (a score written, a computed criterion refreshed just now), points,
    # index and area indices are worked out again; elsewhere the stored ones stand.
    maxima = {f.pk: f.max_points for f in frameworks}
    recompute = {a.pk for a in live if a.totals_changed or a.before[READ_MAX] != maxima[a.framework_id]} | changed
    totals = _totals(framework_ids, recompute)
    areas = _area_maxima(framework_ids)
    rules_by_block = rules_of_blocks(f.block for f in frameworks)
    history = _history(year, [a.agency_id for a in assessments])
    late, satisfaction = figures("late_rate", live), figures("satisfaction", live)
    officers = officer_late_rates([a.agency_id for a in live], year)
    by_framework: dict[int, list[_Row]] = defaultdict(list)
    for a in assessments:
        by_framework[a.framework_id].append(a)
    language = get_language()
    sentences = _sentences(language)
    rankings = []
    for framework in frameworks:
        rules = rules_by_block[framework.block_id]
        members = by_framework[framework.pk]
        results = [
            _snapshot(a.instance())
            if a.frozen_at is not None
            else _result(
                a, framework, totals.get(a.pk, {}), areas[framework.pk], rules, late[a.pk], satisfaction[a.pk], language
            )
            if a.pk in recompute
            else _kept(a, framework, rules, late[a.pk], satisfaction[a.pk], language)
            for a in members
        ]
        _order(results)
        for r in results:
            _compare(r, history)
            if not r.final:
                r.flags = flags(r, history, rules, officers.get(r.agency_code, []), sentences=sentences)
        rankings.append(BlockRanking(framework.block, framework, results, rules=rules, members=len(members)))
    if save:
        _store(rankings, user, reason)
    return rankings


def _snapshot(a: Assessment) -> AgencyResult:
    """The results stored on ``a`` (for an approved one, the snapshot taken at approval)."""
    return AgencyResult(
        a,
        a.points or Decimal(0),
        a.max_points or Decimal(0),
        a.index or Decimal(0),
        a.area_indices,
        a.band_before,
        a.band,
        [reason for reason in a.band_reason.split("; ") if reason],
        list(a.flags),
        a.rank or 0,
        late_rate=a.ranked_late_rate,
        late_rate_source=a.ranked_late_rate_source,
        satisfaction=a.ranked_satisfaction,
        satisfaction_source=a.ranked_satisfaction_source,
        ranked_in=a.ranked_in or 0,
    )


def _totals(framework_ids: list[int], wanted: set[int]) -> dict[int, dict[int, tuple[int, int]]]:
    """assessment → area → (points earned, points deducted) in cents, of the ``wanted`` assessments.

    Read from the totals maintained on every score write (``cchc.scoring.totals``): one row per
    assessment and area, not every leaf score. Plain SQL through a cursor, in whole cents from the
    database: the ORM's per-value converters and a Decimal per row cost more than the query itself.
    A few assessments are read by id; many (a first ranking) through their frameworks.
    """
    if not framework_ids or not wanted:
        return {}
    quote = connection.ops.quote_name
    total, assessment = (quote(m._meta.db_table) for m in (AreaTotal, Assessment))
    select = (
        "SELECT t.assessment_id, t.area_id, CAST(ROUND(t.earned * 100) AS INTEGER), "
        f"CAST(ROUND(t.deducted * 100) AS INTEGER) FROM {total} t "
    )
    if len(wanted) <= FEW_IDS:
        ids = sorted(wanted)
        sql, params = select + f"WHERE t.assessment_id IN ({', '.join(['%s'] * len(ids))})", ids
    else:
        sql = select + (
            f"JOIN {assessment} a ON a.id = t.assessment_id "
            f"WHERE a.framework_id IN ({', '.join(['%s'] * len(framework_ids))}) AND a.frozen_at IS NULL"
        )
        params = framework_ids
    totals: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for assessment_id, area_id, earned, deducted in cursor.fetchall():
            if assessment_id in wanted:
                totals[assessment_id][area_id] = (earned, deducted)
    return totals


# An area of a framework: its id, code, maximum points (a float) and, for the run, the component
# index already worked out for a number of cents earned.
Area = tuple[int, str, float, dict[int, float]]


def _area_maxima(framework_ids: list[int]) -> dict[int, list[Area]]:
    """framework → its areas (id, code, maximum points, the run's indices by cents), deductions left out.

    The maxima as floats, once per run: the component indices are floats (JSON), and converting a
    Decimal for every agency and area cost more than the rest of the arithmetic. An area's index is a
    function of the cents earned, which take a few hundred values across thousands of agencies: each
    is divided and rounded once per run.
    """
    found: dict[int, list[Area]] = defaultdict(list)
    for c in Criterion.objects.filter(framework_id__in=framework_ids, parent__isnull=True).exclude(
        method=Method.DEDUCTION
    ):
        found[c.framework_id].append((c.pk, c.code, float(c.max_points), {}))
    return found


def _area_indices(totals: dict[int, tuple[int, int]], areas: list[Area]) -> dict[str, float]:
    """Area code → cents earned over maximum points: the area's index in % (no total row: nothing earned)."""
    found = totals.get
    indices = {}
    for pk, code, area_max, known in areas:
        t = found(pk)
        if t is None or not area_max:
            indices[code] = 0.0
            continue
        cents = t[0]
        value = known.get(cents)
        if value is None:
            value = known[cents] = round(cents / area_max, 4)
        indices[code] = value
    return indices


def _result(
    a: _Row,
    framework: Framework,
    totals: dict[int, tuple[int, int]],
    areas: list[Area],
    rules: Rules,
    late_rate: Any,
    satisfaction: Any,
    language: str | None = None,
) -> AgencyResult:
    earned = deducted = 0
    for area_earned, area_deducted in totals.values():
        earned += area_earned
        deducted += area_deducted
    maximum = framework.max_points
    points = Decimal(max(0, earned - deducted)).scaleb(-2)
    index = (points / maximum * HUNDRED).quantize(INDEX_PLACES) if maximum else Decimal(0)
    area_indices = _area_indices(totals, areas)
    return _banded(a, points, maximum, index, area_indices, rules, late_rate, satisfaction, language)


def _kept(
    a: _Row, framework: Framework, rules: Rules, late_rate: Any, satisfaction: Any, language: str | None
) -> AgencyResult:
    """The result of an assessment whose area totals did not change since its results were stored:
    the stored points and index (the same totals gave them), the band and rules worked out again."""
    points, index = a.before[READ_POINTS], a.before[READ_INDEX]
    return _banded(a, points, framework.max_points, index, None, rules, late_rate, satisfaction, language)


def _banded(
    a: _Row,
    points: Decimal,
    maximum: Decimal,
    index: Decimal,
    areas: dict[str, float] | None,
    rules: Rules,
    late_rate: Any,
    satisfaction: Any,
    language: str | None,
) -> AgencyResult:
    """The result of ``a`` for its points and index: the band before and after rules 1 and 2."""
    band_before = rules.band(index)
    band, reasons = apply_rules(band_before, late_rate.value, satisfaction.value, rules, language=language)
    return AgencyResult(
        a,  # type: ignore[arg-type]
        points,
        maximum,
        index,
        areas,
        band_before,
        band,
        reasons,
        late_rate=late_rate.value,
        late_rate_source=late_rate.source,
        satisfaction=satisfaction.value,
        satisfaction_source=satisfaction.source,
        totals_version=a.totals_version,
    )


def _order(results: list[AgencyResult]) -> None:
    """Rank by index, highest first; equal indices share a rank (1, 2, 2, 4).

    A frozen result counts in the order with its approved index but keeps the rank it was approved with.
    """
    results.sort(key=lambda r: (-r.index, r.agency_name))
    previous_rank = 0
    for position, r in enumerate(results, start=1):
        tied = position > 1 and r.index == results[position - 2].index
        current = previous_rank if tied else position
        previous_rank = current
        if not r.final:
            r.rank, r.ranked_in = current, len(results)
    results.sort(key=lambda r: (r.rank, -r.index, r.agency_name))


@dataclass
class History:
    """Last year's stored results of the agencies ranked this year and of their predecessors."""

    previous: dict[int, list[Assessment]]  # agency id → last year's assessments standing for it
    two_years_ago: dict[int, list[Assessment]]


def _previous(year: int, agencies: Iterable[Agency]) -> History:
    return _history(year, [a.pk for a in agencies])


def _history(year: int, ids: list[int]) -> History:
    return History(_lineage(ids, year - 1), _lineage(ids, year - 2))


def _lineage(agency_ids: list[int], year: int) -> dict[int, list[Assessment]]:
    """agency → that year's assessments of itself, or else of the agencies it succeeded (merged into it).

    The successor links and the year's results are read whole: a province has a few thousand of each,
    and long ``IN (…)`` lists cost more to build than the rows cost to read.
    """
    back: dict[int, set[int]] = defaultdict(set)
    for to_id, from_id in Agency.successors.through.objects.values_list("to_agency_id", "from_agency_id"):
        back[to_id].add(from_id)
    ids_of_year = dict(Assessment.objects.filter(year=year, index__isnull=False).values_list("agency_id", "pk"))
    wanted: dict[int, list[int]] = {}
    for agency_id in agency_ids:
        if agency_id in ids_of_year:
            wanted[agency_id] = [agency_id]
            continue
        if agency_id not in back:
            continue  # most agencies succeeded no one
        predecessors, frontier = set(), {agency_id}
        for _step in range(3):  # a commune merged twice is still followed; deeper chains are not expected
            frontier = {p for x in frontier for p in back.get(x, ())}
            predecessors |= frontier
        found = sorted(p for p in predecessors if p in ids_of_year)
        if found:
            wanted[agency_id] = found
    needed = {ids_of_year[p] for group in wanted.values() for p in group}
    stored = (
        {a.agency_id: a for a in Assessment.objects.filter(pk__in=needed).select_related("agency")} if needed else {}
    )
    return {agency_id: [stored[p] for p in group] for agency_id, group in wanted.items()}


def _compare(r: AgencyResult, history: History) -> None:
    before = history.previous.get(r.agency_id, [])
    if not before:
        return
    indices = [a.index for a in before if a.index is not None]
    r.previous_index = (sum(indices, Decimal(0)) / len(indices)).quantize(INDEX_PLACES) if indices else None
    if len(before) == 1:
        r.previous_rank = before[0].rank
        if before[0].agency_id != r.agency_id:
            r.previous_note = _("last year as %(name)s") % {"name": before[0].agency.name}
    else:
        r.previous_note = _("last year: mean of the %(n)s merged agencies") % {"n": len(before)}


@lru_cache(maxsize=16)
def _sentences(language: str | None) -> dict[str, str]:
    """The fixed sentences of the flags, translated once per language (a ranking writes thousands)."""
    return {
        "rule4": _("Rule 4: the head cannot be rated “hoàn thành tốt nhiệm vụ” (agency ranked %(band)s)."),
        "rule4_weak": _("Rule 4: ranked Weak — the head is flagged for accountability."),
        "rule4_twice": _("Rule 4: Average two years running — the head is flagged for accountability."),
        "rule5": _("Rule 5: the party organisation cannot be rated “hoàn thành xuất sắc nhiệm vụ”."),
        **{f"band_{band}": str(Band(band).label) for band in BAND_ORDER},
    }


def flags(
    r: AgencyResult,
    history: History,
    rules: Rules,
    officers: Iterable[tuple[str, Decimal]] = (),
    *,
    sentences: dict[str, str] | None = None,
) -> list[str]:
    """Rules 3–5 of DESIGN §7, reported, never applied to people by the system.

    ``sentences``: the fixed sentences in the current language, when the caller (a ranking run) took
    them once for all its results.
    """
    found = []
    fixed = sentences if sentences is not None else _sentences(get_language())
    if r.band in (Band.AVERAGE, Band.WEAK):
        found.append(fixed["rule4"] % {"band": fixed[f"band_{r.band}"]})
        last = history.previous.get(r.agency_id, [])
        if r.band == Band.WEAK:
            found.append(fixed["rule4_weak"])
        elif len(last) == 1 and last[0].band == Band.AVERAGE:
            found.append(fixed["rule4_twice"])
    if r.band != Band.GOOD:
        found.append(fixed["rule5"])
    for officer, rate in sorted(officers):
        if rate >= rules.officer_late_limit:
            found.append(
                _("Rule 3: officer %(officer)s has %(rate)s late dossiers (limit %(limit)s).")
                % {"officer": officer, "rate": format_percent(rate), "limit": rules.officer_late_text}
            )
    return found


STORED = (
    "points",
    "max_points",
    "index",
    "area_indices",
    "band_before",
    "band",
    "band_reason",
    "flags",
    "rank",
    "ranked_in",
    "ranked_late_rate",
    "ranked_late_rate_source",
    "ranked_satisfaction",
    "ranked_satisfaction_source",
)
# What a run reads of the stored results of each assessment: all but the area indices, which are
# compared (and so parsed) only where they were worked out again.
READ = tuple(name for name in STORED if name != "area_indices")
READ_POINTS, READ_MAX, READ_INDEX = READ.index("points"), READ.index("max_points"), READ.index("index")


def _values(r: AgencyResult) -> list[Any]:
    """The STORED fields of ``r``, in their order, as ``_apply`` sets them on the assessment."""
    values = _read_values(r)
    values.insert(STORED.index("area_indices"), r.area_indices)
    return values


def _read_values(r: AgencyResult) -> list[Any]:
    """The READ fields of ``r``, in their order (what a row holds as ``before``)."""
    return [
        r.points,
        r.max_points,
        r.index,
        r.band_before,
        r.band,
        "; ".join(r.reasons),
        r.flags,
        r.rank,
        r.ranked_in,
        _fraction(r.late_rate),
        r.late_rate_source,
        _fraction(r.satisfaction),
        r.satisfaction_source,
    ]


def _apply(r: AgencyResult) -> None:
    a = r.assessment
    for name, value in zip(STORED, _values(r), strict=True):
        setattr(a, name, value)
    a.ranked_totals_version = r.totals_version


def _fraction(value: Decimal | None) -> Decimal | None:
    """At the stored precision, so that an unchanged figure compares equal to what was stored."""
    return None if value is None else value.quantize(Decimal("0.000001"))


@transaction.atomic
def _store(rankings: list[BlockRanking], user: Any, reason: str) -> None:
    """Write the preliminary results that changed, with an audit entry for each and one for the run.

    One prepared UPDATE run for every changed assessment (bulk_update's CASE chains grow quadratic in
    SQLite); a row frozen since it was read (approved meanwhile) is never written. A result worked out
    again from changed totals that came out as stored has only the version of its totals written.
    """
    now = timezone.now()
    why = reason or _("Ranking recomputed")
    changed, entries = [], []
    pending = _preliminary(rankings)
    # The results read as rows whose values differ from those stored get their model instance (one
    # query for all of them); the others are left as they are, nothing made for them. The area indices
    # worked out again are compared with the stored ones, read for the results otherwise equal alone.
    equal = {id(r) for r in pending if isinstance(r.assessment, _Row) and r.assessment.before == _read_values(r)}
    areas = _stored_areas(
        [r.framework.pk for r in rankings],
        {r.assessment.pk for r in pending if id(r) in equal and r.areas is not None},
    )
    differing = [
        r for r in pending if id(r) not in equal or (r.areas is not None and r.areas != areas[r.assessment.pk])
    ]
    differ = {id(r) for r in differing}
    same = [r for r in pending if id(r) not in differ and r.assessment.ranked_totals_version != r.totals_version]
    rows = [r.assessment for r in differing if isinstance(r.assessment, _Row)]
    if rows:
        rows[0]._instances.load(row.pk for row in rows)
    for r in differing:
        if isinstance(r.assessment, _Row):
            r.assessment = r.assessment.instance()
    for ranking in rankings:
        moved = 0
        for r in ranking.results:
            if r.final or id(r) not in differ:
                continue
            a = r.assessment
            if a.frozen_at is not None:
                continue  # approved since it was read: its snapshot stays, and _write would skip it too
            before = [getattr(a, name) for name in STORED]
            _apply(r)
            after = [getattr(a, name) for name in STORED]
            if before != after:
                diff = audit.changes(
                    STORED, before, after
                )  # only what changed is written: one approval moves a few ranks, not all
                moved += 1
                changed.append(r)
                entries.append(
                    audit.entry(
                        user=user, obj=a, action=AuditEntry.Action.UPDATE, changes=diff, reason=why, agency=a.agency
                    )
                )
        framework = ranking.framework
        entries.append(
            audit.entry(
                user=user,
                obj=framework,
                action=AuditEntry.Action.UPDATE,
                changes={
                    "ranked_at": [audit.snapshot(framework, ["ranked_at"])["ranked_at"], now.isoformat()],
                    "results_changed": [None, moved],
                    "results_frozen": [None, len(ranking.results) - len(ranking.preliminary)],
                },
                reason=why,
                agency=ranking.block.owner,
            )
        )
    Framework.objects.filter(pk__in=[r.framework.pk for r in rankings]).update(ranked_at=now)
    audit.record_many(entries)
    if changed:
        _write(WRITTEN, [[*_values(r), r.totals_version, r.assessment.pk] for r in changed])
    if same:
        _write(("ranked_totals_version",), [[r.totals_version, r.assessment.pk] for r in same])


def _stored_areas(framework_ids: list[int], wanted: set[int]) -> dict[int, Any]:
    """assessment → its stored area indices, of the ``wanted`` assessments (by id if few, else through
    their frameworks), without making a model instance of each."""
    if not wanted:
        return {}
    query = Assessment.objects.filter(**_chosen(framework_ids, wanted)).order_by()
    return {pk: areas for pk, areas in query.values_list("pk", "area_indices") if pk in wanted}


def _preliminary(rankings: list[BlockRanking]) -> list[AgencyResult]:
    return [r for ranking in rankings for r in ranking.results if not r.final]


# What a ranking writes of a changed result: the results, and the version of the totals they come from.
WRITTEN = (*STORED, "ranked_totals_version")


def _write(names: tuple[str, ...], rows: list[list[Any]]) -> None:
    """Set ``names`` of the assessments, each row their values and the assessment's id, where not frozen."""
    fields: list[Any] = [Assessment._meta.get_field(name) for name in names]
    columns = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    table = connection.ops.quote_name(Assessment._meta.db_table)
    # Only JSON needs preparing; numbers and text go to the driver as they are.
    json_fields = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    for row in rows:
        for i in json_fields:
            row[i] = fields[i].get_db_prep_save(row[i], connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _update_from_values(cursor, table, fields, rows)
        else:
            cursor.executemany(f"UPDATE {table} SET {columns} WHERE id = %s AND frozen_at IS NULL", rows)


def _update_from_values(cursor: Any, table: str, fields: list[Any], rows: list[list[Any]], chunk: int = 1000) -> None:
    """PostgreSQL: one UPDATE … FROM (VALUES …) per thousand rows instead of a round trip per row."""
    quote = connection.ops.quote_name
    names = [f"c{i}" for i in range(len(fields))]
    assignments = ", ".join(
        f"{quote(f.column)} = v.{n}::{f.db_type(connection)}" for f, n in zip(fields, names, strict=True)
    )
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        values = ", ".join(["(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"] * len(part))
        sql = (
            f"UPDATE {table} AS t SET {assignments} FROM (VALUES {values}) AS v({', '.join([*names, 'id'])}) "
            "WHERE t.id = v.id::bigint AND t.frozen_at IS NULL"
        )
        cursor.execute(sql, [value for row in part for value in row])


def stored(framework: Framework, assessments: Iterable[Assessment], *, approved_only: bool = False) -> BlockRanking:
    """The results last stored (what pages, the API, the report and ``cchc rank`` show), with last year's.

    ``assessments`` are those of ``framework`` the reader may see; with ``approved_only`` the results
    not yet approved are left out (and counted in ``left_out``), otherwise they come marked preliminary.
    Assessments with no results yet (not ranked since they were opened) are counted in ``unranked``.
    """
    members = list(assessments)
    ranked = [a for a in members if a.index is not None and (a.is_final or not approved_only)]
    history = _previous(framework.year, [a.agency for a in ranked])
    results = []
    for a in sorted(ranked, key=lambda a: (a.rank or 0, a.agency.name)):
        r = _snapshot(a)
        _compare(r, history)
        results.append(r)
    return BlockRanking(
        framework.block,
        framework,
        results,
        previous_band_counts(framework.block),
        rules=rules_of_blocks([framework.block])[framework.block_id],
        members=len(members),
        approved_only=approved_only,
        unranked=sum(a.index is None for a in members),
    )


def previous_band_counts(block: Block) -> dict[str, int] | None:
    """Last year's count per band of the block with the same code, or None when there was none."""
    rows = (
        Assessment.objects.filter(year=block.year - 1, framework__block__code=block.code)
        .exclude(band="")
        .values_list("band")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = dict(rows)
    return {band: found.get(band, 0) for band in BAND_ORDER} if found else None


def previous_assessments(agency: Agency, year: int) -> list[Assessment]:
    """Last year's assessments standing for ``agency`` (itself, or those merged into it)."""
    return _lineage([agency.pk], year - 1).get(agency.pk, [])
