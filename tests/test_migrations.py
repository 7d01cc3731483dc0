"""Every migration is reversible: the whole schema goes down to nothing and comes back."""

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
