"""``dossier_facts``: a read-only SQL view of the dossiers for analysts and BI tools (docs/dossiers.md).

One row per dossier with its agency (code, name, kind, administrative level), its block of the year
it was received, its procedure (name, field, level), its outcome and its days late: for a dossier
resolved late, result day − due day; for a pending one past its due day, today − due day (today in
the province's time zone on PostgreSQL, the server's local day on SQLite); else 0.

PostgreSQL refuses to change the type of a column a view reads: a later migration that alters one
of these columns drops the view first and creates it again after (``drop`` and ``create`` here).
"""

from typing import Any

from django.conf import settings
from django.db import migrations

LEVEL = (
    "CASE a.kind WHEN 'district' THEN 'district' WHEN 'commune' THEN 'commune' "
    "WHEN 'vertical' THEN 'vertical' ELSE 'province' END"
)


def _select(year: str, today: str, days: str) -> str:
    return f"""
SELECT d.id, d.source, d.dossier_code,
  a.code AS agency_code, a.name AS agency_name, a.kind AS agency_kind, {LEVEL} AS agency_level,
  {year} AS year, b.code AS block_code, b.name AS block_name,
  d.procedure_code, p.name AS procedure_name, p.field AS procedure_field, p.level AS procedure_level,
  d.received_on, d.due_on, d.resolved_on, d.status, d.channel, d.online_level, d.online_eligible,
  d.paid_online, d.fee_amount, d.result_by_post, d.digitized, d.sms_count, d.handler, d.outcome,
  (d.outcome = 'late') AS late,
  CASE
    WHEN d.outcome = 'late' THEN {days.format(later="d.resolved_on", earlier="d.due_on")}
    WHEN d.status = 'pending' AND d.due_on < {today} THEN {days.format(later=today, earlier="d.due_on")}
    ELSE 0
  END AS days_late
FROM dossiers_dossier d
JOIN agencies_agency a ON a.id = d.agency_id
LEFT JOIN agencies_blockmembership m ON m.agency_id = d.agency_id AND m.year = {year}
LEFT JOIN agencies_block b ON b.id = m.block_id
LEFT JOIN dossiers_procedure p ON p.id = d.procedure_id"""


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        zone = settings.TIME_ZONE.replace("'", "")
        select = _select(
            "CAST(EXTRACT(YEAR FROM d.received_on) AS integer)",
            f"CAST(now() AT TIME ZONE '{zone}' AS date)",
            "({later} - {earlier})",
        )
    else:
        select = _select(
            "CAST(strftime('%Y', d.received_on) AS integer)",
            "date('now', 'localtime')",
            "CAST(julianday({later}) - julianday({earlier}) AS integer)",
        )
    schema_editor.execute(f"CREATE VIEW dossier_facts AS {select}", params=None)


def drop(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("DROP VIEW IF EXISTS dossier_facts")


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0006_dossier_rows"),
        ("agencies", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
