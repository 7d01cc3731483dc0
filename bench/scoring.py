"""PAR index benchmark: scores and ranks of 3,500 agencies × 100 criteria recomputed (DESIGN §9: < 1 s).

Timed: the first ranking (every result written and audited); a recompute after one score changes
(the goal's case: the changed agency's points worked out again, every band, rule, rank and flag);
and a recompute with every agency's points worked out again from its area totals.

Reference measured in the same run: one plain SQL statement summing the same 350,000 score rows per
assessment (the floor any recomputation pays to read the scores).
"""

import random
import statistics
import time
from decimal import Decimal

from django.db import connection, transaction

from bench.agencies import timed
from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.scoring import totals
from cchc.scoring.frameworks import CriterionRow, check_tree, save_framework
from cchc.scoring.models import Assessment, Criterion, Score
from cchc.scoring.results import rank

AGENCIES = 3_500
BLOCKS = 10
AREAS, LEAVES = 10, 10  # 100 criteria
YEAR = 2030
REPEAT = 7  # recomputations timed, each after one score changes; the median is shown


def framework_rows() -> list[CriterionRow]:
    rows: list[CriterionRow] = []
    for a in range(1, AREAS + 1):
        rows.append(CriterionRow(len(rows) + 2, f"{a}", "", f"Lĩnh vực {a}", Decimal(10), "manual", "", []))
        for leaf in range(1, LEAVES + 1):
            rows.append(
                CriterionRow(len(rows) + 2, f"{a}.{leaf}", f"{a}", f"Tiêu chí {a}.{leaf}", Decimal(1), "manual", "", [])
            )
    return check_tree(rows)


def build() -> int:
    owner = Agency.objects.create(code="BENCH-PROV", name="Tỉnh benchmark", kind="province", path="/BENCH-PROV/")
    agencies = Agency.objects.bulk_create(
        [
            Agency(
                code=f"BA{i:05d}",
                name=f"Đơn vị {i:05d}",
                kind="commune",
                parent=owner,
                path=f"/BENCH-PROV/BA{i:05d}/",
                depth=1,
            )
            for i in range(AGENCIES)
        ],
        batch_size=1000,
    )
    agencies = list(Agency.objects.filter(code__startswith="BA").order_by("code"))
    rng = random.Random(4)
    assessments = []
    per_block = AGENCIES // BLOCKS
    for b in range(BLOCKS):
        block = Block.objects.create(year=YEAR, code=f"BB{b:02d}", name=f"Khối {b}", owner=owner)
        members = agencies[b * per_block : (b + 1) * per_block]
        BlockMembership.objects.bulk_create([BlockMembership(block=block, agency=a, year=YEAR) for a in members])
        framework = save_framework(framework_rows(), block, user=None)
        assessments += [
            Assessment(agency=a, framework=framework, year=YEAR, late_rate=Decimal(str(round(rng.uniform(0, 0.08), 4))))
            for a in members
        ]
    Assessment.objects.bulk_create(assessments, batch_size=1000)
    criteria: dict[int, list[int]] = {}
    for c in Criterion.objects.filter(framework__year=YEAR, is_leaf=True).values_list("pk", "framework_id"):
        criteria.setdefault(c[1], []).append(c[0])
    scores = []
    for assessment_id, framework_id in Assessment.objects.filter(year=YEAR).values_list("pk", "framework_id"):
        quality = rng.uniform(0.55, 1.0)
        for criterion_id in criteria[framework_id]:
            value = Decimal(str(round(min(1.0, quality + rng.uniform(-0.1, 0.1)), 2)))
            scores.append(
                Score(assessment_id=assessment_id, criterion_id=criterion_id, self_score=value, appraised_score=value)
            )
        if len(scores) >= 50_000:
            Score.objects.bulk_create(scores, batch_size=5000)
            scores = []
    Score.objects.bulk_create(scores, batch_size=5000)
    totals.refresh(Assessment.objects.filter(year=YEAR).values_list("pk", flat=True))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have by the time anyone ranks
    return Score.objects.filter(assessment__year=YEAR).count()


def sql_sum() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.assessment_id, SUM(COALESCE(s.final_score, s.appraised_score, s.self_score)) "
            "FROM scoring_score s JOIN scoring_assessment a ON a.id = s.assessment_id "
            "WHERE a.year = %s GROUP BY s.assessment_id",
            [YEAR],
        )
        cursor.fetchall()


def change_one_score(step: int) -> None:
    """An appraiser's change to one agency's score, as between two recomputations in real use."""
    score = Score.objects.filter(assessment__year=YEAR).order_by("pk")[step * 997]
    score.final_score = Decimal("0.00") if score.final_score is None else None
    with transaction.atomic():  # as services._save_score: the score and its area's total together
        score.save(update_fields=["final_score"])
        totals.refresh([score.assessment_id])


def run(workdir: str) -> None:
    start = time.perf_counter()
    rows = build()
    built = time.perf_counter() - start
    references = [timed(sql_sum) for _ in range(3)]
    first = timed(lambda: rank(YEAR))  # every agency's results written
    steps = iter(range(100))

    def change_and_rank() -> None:
        change_one_score(next(steps))
        rank(YEAR)

    # The recomputations and the reference alternate, so that both see the same moments of the machine.
    samples, cpu = [], []
    for _ in range(REPEAT):
        cpu_started = time.process_time()
        samples.append(timed(change_and_rank))
        cpu.append(time.process_time() - cpu_started)  # this process's CPU (the database server's not in it)
        references.append(timed(sql_sum))
    again, again_cpu, reference = statistics.median(samples), statistics.median(cpu), statistics.median(references)
    # Every assessment's points worked out again from its area totals, as when every total changed
    # (the results come out as stored: only the totals' versions are written).
    whole = []
    for _ in range(3):
        Assessment.objects.filter(year=YEAR).update(ranked_totals_version=None)
        whole.append(timed(lambda: rank(YEAR)))
    every_total = statistics.median(whole)
    compute_only = timed(lambda: rank(YEAR, save=False), repeat=3)
    ranked = sum(len(r.results) for r in rank(YEAR, save=False))
    print(
        f"PAR ranking, {ranked:,} agencies × {AREAS * LEAVES} criteria ({rows:,} scores, {BLOCKS} blocks; "
        f"built in {built:.1f} s): first ranking with all results written {first:.2f} s; "
        f"after one score changes {again:.2f} s (CPU {again_cpu:.2f} s a run); "
        f"every agency's points worked out again {every_total:.2f} s; computed only {compute_only:.2f} s; "
        f"plain SQL sum of the same rows {reference * 1000:.0f} ms (median of {len(references)}, measured between "
        f"the recomputations; ratios {first / reference:.1f}×, "
        f"{again / reference:.1f}×, {every_total / reference:.1f}×)"
    )
