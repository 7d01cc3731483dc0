"""PostgreSQL: leave a tenth of each page of the dossier table free.

A monthly import corrects stored dossiers (a pending dossier resolved: its status, result date and
outcome). None of those columns is indexed, so PostgreSQL can write the new version of the row on
the same page without touching the table's four indexes (a heap-only tuple, "HOT"), but only if the
page has room; a table filled by ``COPY`` at the default fill factor (100) has none, and every
correction then inserts an entry into each index. The setting applies to pages written from now
on (docs/dossiers.md says how to apply it to a table already filled). SQLite has no such setting.
"""

from django.db import migrations

FILLFACTOR = 90


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE dossiers_dossier SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE dossiers_dossier RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0008_month_detail_json")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
