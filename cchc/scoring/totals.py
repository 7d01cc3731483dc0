"""Points per assessment and area (``AreaTotal``), maintained on every score write.

A ranking reads these rows (ten per agency in a framework of ten areas) instead of summing every
leaf score on each run. Whatever writes ``Score`` points calls ``refresh`` with the assessments it
touched, in the same transaction: the rows of those assessments are summed again from their scores,
one INSERT … SELECT … GROUP BY with an upsert, the same statement on SQLite and PostgreSQL, and
the assessments' ``totals_version`` is bumped, which tells a ranking whose results to recompute.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from cchc.scoring.models import AreaTotal, Assessment, Criterion, Method, Score

CHUNK = 500  # assessments per statement: a few thousand parameters at most


def refresh(assessment_ids: Iterable[int]) -> None:
    """Sum again the points per area of these assessments from their leaf scores."""
    ids = sorted(set(assessment_ids))
    if not ids:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            cursor.execute(_sql(len(part)), [Method.DEDUCTION, Method.DEDUCTION, *part, True])
            cursor.execute(_bump(len(part)), part)


def _bump(n: int) -> str:
    """The version of the totals of ``n`` assessments, one up: their stored results are to be recomputed."""
    quote = connection.ops.quote_name
    column = quote("totals_version")
    return (
        f"UPDATE {quote(Assessment._meta.db_table)} SET {column} = {column} + 1 WHERE id IN ({', '.join(['%s'] * n)})"
    )


def _sql(n: int) -> str:
    """The upsert of the totals of ``n`` assessments.

    An area's points are the latest stage of each leaf (final, else appraised, else self), summed
    apart for deductions; a leaf without points counts nothing. The WHERE clause also keeps SQLite's
    parser from reading ON CONFLICT as a join constraint.
    """
    quote = connection.ops.quote_name
    total, score, criterion = (quote(m._meta.db_table) for m in (AreaTotal, Score, Criterion))
    points = "COALESCE(s.final_score, s.appraised_score, s.self_score)"
    return (
        f"INSERT INTO {total} (assessment_id, area_id, earned, deducted) "
        "SELECT s.assessment_id, c.area_id, "
        f"COALESCE(ROUND(SUM(CASE WHEN c.method <> %s THEN {points} END), 2), 0), "
        f"COALESCE(ROUND(SUM(CASE WHEN c.method = %s THEN {points} END), 2), 0) "
        f"FROM {score} s JOIN {criterion} c ON c.id = s.criterion_id "
        f"WHERE s.assessment_id IN ({', '.join(['%s'] * n)}) AND c.is_leaf = %s "
        "GROUP BY s.assessment_id, c.area_id "
        "ON CONFLICT (assessment_id, area_id) DO UPDATE SET earned = excluded.earned, deducted = excluded.deducted"
    )
