"""Every migration is reversible: the whole schema goes down to nothing and comes back."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db(transaction=True)
def test_all_migrations_reverse_and_reapply() -> None:
    for app in ("contenttypes", "agencies"):  # between them, every other app depends on these
        call_command("migrate", app, "zero", verbosity=0)
    executor = MigrationExecutor(connection)
    applied = {key for key in executor.loader.applied_migrations if key[0].startswith(("core", "agencies", "accounts"))}
    assert not applied, f"still applied after reversing: {sorted(applied)}"
    assert "agencies_agency" not in connection.introspection.table_names()
    call_command("migrate", verbosity=0)
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    assert "agencies_agency" in connection.introspection.table_names()


@pytest.mark.django_db(transaction=True)
def test_the_area_totals_are_filled_from_the_scores_already_stored() -> None:
    before, after = [("scoring", "0002_results_snapshot")], [("scoring", "0003_area_totals")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    agency = old.get_model("agencies", "Agency").objects.create(code="SA", name="Sở A", kind="department")
    block = old.get_model("agencies", "Block").objects.create(year=2025, code="K", name="Khối", owner=agency)
    framework = old.get_model("scoring", "Framework").objects.create(block=block, year=2025, name="Bộ")
    criterion = old.get_model("scoring", "Criterion")
    area = criterion.objects.create(framework=framework, code="1", name="LV", max_points=20, is_leaf=False)
    minus = criterion.objects.create(framework=framework, code="2", name="Trừ", max_points=5, method="deduction")
    minus.area = minus
    minus.save()
    area.area = area
    area.save()
    leaves = [
        criterion.objects.create(framework=framework, parent=area, area=area, code=f"1.{i}", name="TC", max_points=10)
        for i in (1, 2)
    ]
    assessment = old.get_model("scoring", "Assessment").objects.create(agency=agency, framework=framework, year=2025)
    score = old.get_model("scoring", "Score").objects
    score.create(assessment=assessment, criterion=leaves[0], self_score=8, appraised_score=6)
    score.create(assessment=assessment, criterion=leaves[1], self_score=Decimal("9.5"), final_score=Decimal("7.25"))
    score.create(assessment=assessment, criterion=minus, self_score=1)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    total = executor.loader.project_state(after).apps.get_model("scoring", "AreaTotal")
    rows = {(t.area_id, t.earned, t.deducted) for t in total.objects.filter(assessment_id=assessment.pk)}
    assert rows == {(area.pk, Decimal("13.25"), 0), (minus.pk, 0, 1)}  # 6 appraised + 7.25 final; 1 deducted
    call_command("migrate", verbosity=0)
