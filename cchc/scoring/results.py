"""Results: index, component indices, bands with the rules of DESIGN §7, rank within the block,
change against the previous year following merged agencies' lineage.

``rank(year, block=None)`` recomputes everything from the scores in one aggregate query and stores
the results on the assessments, which pages, the API and the report read.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency, Block
from cchc.core.formatting import format_change, format_number, format_percent, format_share, round_half_up
from cchc.scoring.models import BAND_ORDER, Assessment, Band, BandConfig, Criterion, Framework, Method, Score
from cchc.scoring.sources import figures, officer_late_rates

HUNDRED = Decimal(100)
INDEX_PLACES = Decimal("0.0001")


def percent(value: Decimal | None, places: int = 2) -> str:
    """An index already in % (83.3333) as a person reads it: "83,33%"."""
    return "—" if value is None else f"{format_number(value, places)}%"


@dataclass
class Rules:
    """Thresholds of one block and year (defaults when the block has no configuration)."""

    good_min: Decimal = Decimal(80)
    fair_min: Decimal = Decimal(70)
    average_min: Decimal = Decimal(50)
    late_rate_limit: Decimal = Decimal("0.05")
    satisfaction_min: Decimal = Decimal("0.80")

    @classmethod
    def of(cls, config: BandConfig | None) -> Rules:
        if config is None:
            return cls()
        return cls(
            config.good_min, config.fair_min, config.average_min, config.late_rate_limit, config.satisfaction_min
        )

    def band(self, index: Decimal) -> str:
        shown = round_half_up(index, 2)  # the band follows the index as printed
        if shown >= self.good_min:
            return Band.GOOD
        if shown >= self.fair_min:
            return Band.FAIR
        if shown >= self.average_min:
            return Band.AVERAGE
        return Band.WEAK


def down_one(band: str) -> str:
    position = BAND_ORDER.index(Band(band))
    return BAND_ORDER[min(position + 1, len(BAND_ORDER) - 1)]


def apply_rules(
    band: str, late_rate: Decimal | None, satisfaction: Decimal | None, rules: Rules
) -> tuple[str, list[str]]:
    """Rules 1 and 2 of DESIGN §7: the band after them and why (one sentence per rule applied)."""
    reasons = []
    if band == Band.GOOD and late_rate is not None and late_rate >= rules.late_rate_limit:
        band = Band.FAIR
        reasons.append(
            _("late-dossier rate %(rate)s ≥ %(limit)s: cannot be ranked Good")
            % {"rate": format_percent(late_rate), "limit": format_percent(rules.late_rate_limit)}
        )
    if satisfaction is not None and satisfaction < rules.satisfaction_min:
        lower = down_one(band)
        if lower != band:
            reasons.append(
                _("satisfaction %(value)s below %(floor)s: moved down one band, from %(before)s to %(after)s")
                % {
                    "value": format_percent(satisfaction),
                    "floor": format_percent(rules.satisfaction_min),
                    "before": Band(band).label,
                    "after": Band(lower).label,
                }
            )
        band = lower
    return band, reasons


@dataclass
class AgencyResult:
    assessment: Assessment
    points: Decimal
    max_points: Decimal
    index: Decimal
    area_indices: dict[str, float]
    band_before: str
    band: str
    reasons: list[str]
    flags: list[str] = field(default_factory=list)
    rank: int = 0
    previous_index: Decimal | None = None
    previous_rank: int | None = None
    previous_note: str = ""

    @property
    def agency(self) -> Agency:
        return self.assessment.agency

    @property
    def index_change(self) -> Decimal | None:
        return None if self.previous_index is None else self.index - self.previous_index

    @property
    def band_label(self) -> str:
        return str(Band(self.band).label) if self.band else ""

    @property
    def band_before_label(self) -> str:
        return str(Band(self.band_before).label) if self.band_before else ""

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
            "agency_code": self.agency.code,
            "agency_name": self.agency.name,
            "points": float(self.points),
            "max_points": float(self.max_points),
            "index": float(self.index),
            "area_indices": self.area_indices,
            "band_before_rules": self.band_before,
            "band": self.band,
            "reasons": self.reasons,
            "flags": self.flags,
            "rank": self.rank,
            "previous_index": None if self.previous_index is None else float(self.previous_index),
            "previous_rank": self.previous_rank,
        }


@dataclass
class BlockRanking:
    block: Block
    framework: Framework
    results: list[AgencyResult]
    previous_counts: dict[str, int] | None = None  # last year's bands of the block with the same code

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
            "bands": {
                band: {"count": count, "share": float(count / n) if n else None, "text": format_share(count, n)}
                for band, count in self.counts.items()
            },
            "agencies": [r.as_json() for r in self.results],
        }


READ = ("id", "agency_id", "framework_id", "year", "state", "late_rate", "satisfaction")


def rank(year: int, block: Block | None = None, *, save: bool = True) -> list[BlockRanking]:
    """Recompute the year's (or one block's) results from the scores; store them unless ``save`` is False."""
    frameworks = Framework.objects.filter(year=year).select_related("block", "block__owner")
    if block is not None:
        frameworks = frameworks.filter(block=block)
    frameworks = frameworks.order_by("block__code")
    framework_ids = [f.pk for f in frameworks]
    assessments = list(
        Assessment.objects.filter(framework_id__in=framework_ids)
        .select_related("agency")
        .only(*READ, *STORED, "agency__code", "agency__name")
        .order_by("agency__name")
    )
    totals = _totals(framework_ids)
    areas = _area_maxima(framework_ids)
    configs = {c.block_id: c for c in BandConfig.objects.filter(block__in=[f.block_id for f in frameworks])}
    history = _previous(year, [a.agency for a in assessments])
    late, satisfaction = figures("late_rate", assessments), figures("satisfaction", assessments)
    officers = officer_late_rates([a.agency_id for a in assessments], year)
    by_framework: dict[int, list[Assessment]] = defaultdict(list)
    for a in assessments:
        by_framework[a.framework_id].append(a)
    rankings = []
    for framework in frameworks:
        rules = Rules.of(configs.get(framework.block_id))
        results = [
            _result(a, framework, totals.get(a.pk, {}), areas, rules, late[a.pk], satisfaction[a.pk])
            for a in by_framework[framework.pk]
        ]
        _order(results)
        for r in results:
            _compare(r, history)
            r.flags = flags(r, history, officers.get(r.agency.code, []))
        rankings.append(BlockRanking(framework.block, framework, results))
    if save:
        _store([r for ranking in rankings for r in ranking.results])
    return rankings


def _totals(framework_ids: list[int]) -> dict[int, dict[tuple[int, str], Decimal]]:
    """assessment → (area, method) → points, one GROUP BY over every leaf score.

    Read through a plain cursor: the ORM's per-value converters cost more than the query itself.
    """
    query = (
        Score.objects.filter(assessment__framework_id__in=framework_ids, criterion__is_leaf=True)
        .values_list("assessment_id", "criterion__area_id", "criterion__method")
        .annotate(total=Sum(Coalesce("final_score", "appraised_score", "self_score")))
        .order_by()
    )
    sql, params = query.query.sql_with_params()
    totals: dict[int, dict[tuple[int, str], Decimal]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for assessment_id, area_id, method, total in cursor.fetchall():
            # SQLite sums decimals as floats: back to cents, as they were entered.
            points = Decimal(0) if total is None else Decimal(str(round(total, 2)))
            totals[assessment_id][(area_id, method)] = points
    return totals


def _area_maxima(framework_ids: list[int]) -> dict[int, dict[int, tuple[str, Decimal]]]:
    """framework → area id → (area code, maximum points), areas of deductions left out."""
    found: dict[int, dict[int, tuple[str, Decimal]]] = defaultdict(dict)
    for c in Criterion.objects.filter(framework_id__in=framework_ids, parent__isnull=True).exclude(
        method=Method.DEDUCTION
    ):
        found[c.framework_id][c.pk] = (c.code, c.max_points)
    return found


def _result(
    a: Assessment,
    framework: Framework,
    totals: dict[tuple[int, str], Decimal],
    areas: dict[int, dict[int, tuple[str, Decimal]]],
    rules: Rules,
    late_rate: Decimal | None,
    satisfaction: Decimal | None,
) -> AgencyResult:
    earned: dict[int, Decimal] = defaultdict(Decimal)
    deducted = Decimal(0)
    for (area_id, method), total in totals.items():
        if method == Method.DEDUCTION:
            deducted += total
        else:
            earned[area_id] += total
    maximum = framework.max_points
    points = max(Decimal(0), sum(earned.values(), Decimal(0)) - deducted)
    index = (points / maximum * HUNDRED).quantize(INDEX_PLACES) if maximum else Decimal(0)
    area_indices = {
        code: round(float(earned[pk]) / float(area_max) * 100, 4) if area_max else 0.0
        for pk, (code, area_max) in areas.get(framework.pk, {}).items()
    }
    band_before = rules.band(index)
    band, reasons = apply_rules(band_before, late_rate, satisfaction, rules)
    return AgencyResult(a, points, maximum, index, area_indices, band_before, band, reasons)


def _order(results: list[AgencyResult]) -> None:
    """Rank by index, highest first; equal indices share a rank (1, 2, 2, 4)."""
    results.sort(key=lambda r: (-r.index, r.agency.name))
    for position, r in enumerate(results, start=1):
        tied = position > 1 and r.index == results[position - 2].index
        r.rank = results[position - 2].rank if tied else position


@dataclass
class History:
    """Last year's stored results of the agencies ranked this year and of their predecessors."""

    previous: dict[int, list[Assessment]]  # agency id → last year's assessments standing for it
    two_years_ago: dict[int, list[Assessment]]


def _previous(year: int, agencies: Iterable[Agency]) -> History:
    ids = [a.pk for a in agencies]
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
    before = history.previous.get(r.agency.pk, [])
    if not before:
        return
    indices = [a.index for a in before if a.index is not None]
    r.previous_index = (sum(indices, Decimal(0)) / len(indices)).quantize(INDEX_PLACES) if indices else None
    if len(before) == 1:
        r.previous_rank = before[0].rank
        if before[0].agency_id != r.agency.pk:
            r.previous_note = _("last year as %(name)s") % {"name": before[0].agency.name}
    else:
        r.previous_note = _("last year: mean of the %(n)s merged agencies") % {"n": len(before)}


def flags(r: AgencyResult, history: History, officers: Iterable[tuple[str, Decimal]] = ()) -> list[str]:
    """Rules 3–5 of DESIGN §7, reported, never applied to people by the system."""
    found = []
    year = r.assessment.year
    if r.band in (Band.AVERAGE, Band.WEAK):
        found.append(
            _("Rule 4: the head cannot be rated “hoàn thành tốt nhiệm vụ” (agency ranked %(band)s).")
            % {"band": Band(r.band).label}
        )
        last = history.previous.get(r.agency.pk, [])
        if r.band == Band.WEAK:
            found.append(_("Rule 4: ranked Weak — the head is flagged for accountability."))
        elif len(last) == 1 and last[0].band == Band.AVERAGE:
            found.append(_("Rule 4: Average two years running — the head is flagged for accountability."))
    if r.band != Band.GOOD:
        found.append(_("Rule 5: the party organisation cannot be rated “hoàn thành xuất sắc nhiệm vụ”."))
    limit = Decimal("0.05") if year >= 2025 else Decimal("0.10")
    for officer, rate in sorted(officers):
        if rate >= limit:
            found.append(
                _("Rule 3: officer %(officer)s has %(rate)s late dossiers (limit %(limit)s).")
                % {"officer": officer, "rate": format_percent(rate), "limit": format_percent(limit)}
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
)


@transaction.atomic
def _store(results: list[AgencyResult]) -> None:
    """One prepared UPDATE run for every assessment (bulk_update's CASE chains grow quadratic in SQLite)."""
    ranked_in = Counter(r.assessment.framework_id for r in results)
    changed = []
    for r in results:
        a = r.assessment
        before = [getattr(a, name) for name in STORED]
        a.points, a.max_points, a.index = r.points, r.max_points, r.index
        a.area_indices, a.band_before, a.band = r.area_indices, r.band_before, r.band
        a.band_reason, a.flags = "; ".join(r.reasons), r.flags
        a.rank, a.ranked_in = r.rank, ranked_in[a.framework_id]
        if [getattr(a, name) for name in STORED] != before:
            changed.append(r)  # only what changed is written: one approval moves a few ranks, not all
    results = changed
    if not results:
        return
    fields: list[Any] = [Assessment._meta.get_field(name) for name in STORED]
    columns = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    table = connection.ops.quote_name(Assessment._meta.db_table)
    # Only JSON needs preparing; numbers and text go to the driver as they are.
    prepare = [
        (lambda v, f=f: f.get_db_prep_save(v, connection)) if isinstance(f, models.JSONField) else None for f in fields
    ]
    rows = [
        [
            p(getattr(r.assessment, f.attname)) if p else getattr(r.assessment, f.attname)
            for f, p in zip(fields, prepare, strict=True)
        ]
        + [r.assessment.pk]
        for r in results
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _update_from_values(cursor, table, fields, rows)
        else:
            cursor.executemany(f"UPDATE {table} SET {columns} WHERE id = %s", rows)


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
            "WHERE t.id = v.id::bigint"
        )
        cursor.execute(sql, [value for row in part for value in row])


def published_q() -> Q:
    return Q(state=Assessment.State.PUBLISHED)


def stored(framework: Framework, assessments: Iterable[Assessment]) -> BlockRanking:
    """The results last stored by ``rank`` (what pages, the API and the report read), with last year's."""
    ranked = [a for a in assessments if a.index is not None]
    history = _previous(framework.year, [a.agency for a in ranked])
    results = []
    for a in sorted(ranked, key=lambda a: (a.rank or 0, a.agency.name)):
        r = AgencyResult(
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
        )
        _compare(r, history)
        results.append(r)
    return BlockRanking(framework.block, framework, results, previous_band_counts(framework.block))


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
