"""Dossiers as rows (issue 10): the migration from the chunk storage, the database's constraints,
sources, the procedure link, the one column declaration and the listing export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from cchc.agencies.models import Agency
from cchc.core.scope import SYSTEM
from cchc.dossiers.columns import DECLARED, DERIVED
from cchc.dossiers.models import Dossier, HandlerMonthlyCount, MonthDetail, MonthlyCount
from cchc.dossiers.services import import_dossiers_file, import_procedures_file
from conftest import client_for, every_dossier, find_dossier
from tests.test_dossier_import import HEADER, write_csv

# Every column of DESIGN §8.2, in the order the file tests write them.
FULL_HEADER = [*HEADER, "paid_online", "fee_amount", "result_by_post", "digitized", "sms_count", "handler"]

FIXTURE = Path(__file__).parent / "fixtures" / "chunks_v1.json"
BEFORE = [("dossiers", "0005_procedure_stocks")]
AFTER = [("dossiers", "0006_dossier_rows")]
AGGREGATES = ("MonthlyCount", "MonthDetail", "HandlerMonthlyCount")


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _expected_rows(fixture: dict[str, Any], ids: dict[str, int]) -> set[tuple[Any, ...]]:
    """The dossiers the fixture's two imports left stored, as (code, agency id, received, status, fee, handler)."""
    column = {name: i for i, name in enumerate(fixture["header"])}
    return {
        (
            r[column["dossier_code"]],
            ids[r[column["agency_code"]]],
            r[column["received_at"]],
            r[column["status"]],
            int(r[column["fee_amount"]]),
            r[column["handler"]],
        )
        for r in fixture["rows"]
    }


@pytest.mark.django_db(transaction=True)
def test_the_migration_reads_the_chunks_into_rows_and_back(tmp_path: Path) -> None:
    """Chunks, buckets and aggregates written by the chunk engine (commit 794b4d2, tests/fixtures) become
    a Dossier row each with their aggregates untouched; a re-import of the same file then changes
    nothing, and going back writes the same chunks again."""
    fixture = json.loads(FIXTURE.read_text(encoding="utf-8"))
    old = _migrate(BEFORE)
    agency = old.get_model("agencies", "Agency")
    for code, pk in fixture["agencies"].items():
        agency.objects.create(pk=pk, code=code, name=code, kind="department", path=f"{pk:06d}")
    old.get_model("dossiers", "Procedure").objects.create(
        code="1.001", name="Cấp phiếu lý lịch tư pháp", field="Lý lịch tư pháp", level="province", online_level="full"
    )
    for name, rows in fixture["tables"].items():
        model = old.get_model("dossiers", name)
        model.objects.bulk_create([model(**row) for row in rows])
    assert "dossiers_dossierchunk" in connection.introspection.table_names()

    _migrate(AFTER)
    tables = connection.introspection.table_names()
    assert "dossiers_dossierchunk" not in tables and "dossiers_dossiercodebucket" not in tables
    stored = Dossier.objects.all()
    got = {(d.dossier_code, d.agency_id, d.received_on.isoformat(), d.status, d.fee_amount, d.handler) for d in stored}
    assert got == _expected_rows(fixture, fixture["agencies"]) and len(got) == 240
    assert {d.source for d in stored} == {"motcua"}
    linked = stored.filter(procedure_code="1.001")
    assert linked.exists() and not linked.filter(procedure__isnull=True).exists()
    assert not stored.exclude(procedure_code="1.001").filter(procedure__isnull=False).exists()
    moved = find_dossier("HS-0000")
    assert moved is not None and moved.received_on == date(2025, 4, 2) and moved.resolved_on == date(2025, 4, 5)
    assert moved.outcome in ("early", "on_time", "late")
    for name, model in (("MonthlyCount", MonthlyCount), ("MonthDetail", MonthDetail)):
        assert len(fixture["tables"][name]) == model.objects.count()
    assert len(fixture["tables"]["HandlerMonthlyCount"]) == HandlerMonthlyCount.objects.count()
    sums = {
        m: sum(r[m] for r in fixture["tables"]["MonthlyCount"]) for m in ("received", "closed", "late", "fee_amount")
    }
    assert {m: sum(MonthlyCount.objects.values_list(m, flat=True)) for m in sums} == sums

    # The rows and the aggregates agree: the same file again is all unchanged and moves no count.
    path = tmp_path / "again.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fixture["header"])
        writer.writerows(fixture["rows"])
    summary = import_dossiers_file(path)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 240)
    assert {m: sum(MonthlyCount.objects.values_list(m, flat=True)) for m in sums} == sums

    back = _migrate(BEFORE)
    chunks = back.get_model("dossiers", "DossierChunk").objects.order_by("agency_id", "month")
    written = {(c.agency_id, c.month.isoformat()): set(c.data.split("\n")) for c in chunks}
    original = {(c["agency_id"], c["month"]): set(c["data"].split("\n")) for c in fixture["tables"]["DossierChunk"]}
    assert written == original
    buckets = back.get_model("dossiers", "DossierCodeBucket").objects.all()
    assert {b.bucket: set(b.data.split("\n")) for b in buckets} == {
        b["bucket"]: set(b["data"].split("\n")) for b in fixture["tables"]["DossierCodeBucket"]
    }
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # the whole schema back for the tests after this one


def _dossier(agency: Agency, **values: Any) -> Dossier:
    fields = {
        "source": "motcua",
        "dossier_code": "X1",
        "agency": agency,
        "received_on": date(2025, 3, 3),
        "due_on": date(2025, 3, 10),
        "resolved_on": date(2025, 3, 5),
        "status": "resolved",
        "outcome": "early",
        **values,
    }
    return Dossier(**fields)


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"status": "lost", "outcome": "lost"}, "dossier_status"),
        ({"channel": "fax"}, "dossier_channel"),
        ({"online_level": "none"}, "dossier_online_level"),
        ({"resolved_on": date(2025, 3, 1), "outcome": "early"}, "dossier_resolved_after_receipt"),
        ({"resolved_on": None, "outcome": "on_time"}, "dossier_resolved_has_date"),
        ({"status": "pending", "outcome": "pending"}, "dossier_pending_has_no_date"),
        ({"outcome": "late"}, "dossier_outcome"),  # resolved on 5/3, due 10/3: early, not late
        ({"due_on": None, "outcome": "early"}, "dossier_outcome"),  # no due date counts as on time
        ({"status": "returned", "outcome": "early"}, "dossier_outcome"),
    ],
)
def test_the_database_refuses_what_must_not_be_stored(province: Any, values: dict[str, Any], constraint: str) -> None:
    _dossier(province.dept_a).save()  # a good one passes
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        _dossier(province.dept_a, dossier_code="X2", **values).save()
    assert constraint in str(error.value) or connection.vendor == "sqlite"  # SQLite names only CHECK failures
    assert not Dossier.objects.filter(dossier_code="X2").exists()


def test_a_code_is_unique_within_its_source_only(tmp_path: Path, province: Any) -> None:
    rows = [["HS-1", "SA", "P1", "2022-02-01", "", "2022-02-03", "resolved", "direct"]]
    assert import_dossiers_file(write_csv(tmp_path / "a.csv", rows)).created == 1
    other = [["HS-1", "SB", "P1", "2022-03-01", "", "", "pending", "online"]]
    assert import_dossiers_file(write_csv(tmp_path / "b.csv", other), source_system="igate").created == 1
    stored = {d.source: (d.agency.code, d.status) for d in every_dossier().select_related("agency")}
    assert stored == {"motcua": ("SA", "resolved"), "igate": ("SB", "pending")}
    # Each source's re-import finds its own version only.
    assert import_dossiers_file(write_csv(tmp_path / "a.csv", rows)).unchanged == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        _dossier(province.dept_a, dossier_code="HS-1").save()


def test_dossiers_point_to_their_procedure_when_it_reaches_the_catalogue(
    tmp_path: Path, province: Any, personas: Any
) -> None:
    rows = [["HS-1", "SA", "9.999", "2022-02-01", "", "2022-02-03", "resolved", "direct"]]
    import_dossiers_file(write_csv(tmp_path / "a.csv", rows))
    assert find_dossier("HS-1").procedure is None
    catalogue = [["9.999", "Thủ tục mới", "Hộ tịch", "province", "none"]]
    import_procedures_file(write_csv(tmp_path / "p.csv", catalogue, ["code", "name", "field", "level", "online_level"]))
    linked = find_dossier("HS-1")
    assert linked.procedure is not None and linked.procedure.field == "Hộ tịch"
    # Now the question by field finds it.
    found = client_for(personas.coordinator).get("/api/v1/dossiers/?field=Hộ tịch").json()
    assert [d["dossier_code"] for d in found["results"]] == ["HS-1"]


def test_one_declaration_names_every_stored_column() -> None:
    """Every Dossier field is a declared column, a worked-out one, the source or the key; the profiles,
    the serializer and the export read the declaration."""
    from cchc.dossiers.api import DossierSerializer
    from cchc.dossiers.profiles import PROFILES
    from cchc.dossiers.tables import DOSSIER_COLUMNS

    fields = {f.name for f in Dossier._meta.concrete_fields}
    named = {c.field for c in DECLARED} | {f for _alias, f in DERIVED} | {"id", "source"}
    assert fields == named
    assert [c.key for c in DOSSIER_COLUMNS] == [c.name for c in DECLARED]
    serialized = set(DossierSerializer.Meta.fields)
    assert {c.field for c in DECLARED if c.field != "agency"} <= serialized and "agency_code" in serialized
    for profile in PROFILES.values():
        assert set(profile.columns.values()) <= {c.name for c in DECLARED}


def test_the_listing_exports_a_file_that_imports_back_unchanged(tmp_path: Path, province: Any, personas: Any) -> None:
    header = FULL_HEADER
    rows = [
        [
            "E1",
            "SA",
            "P1",
            "2022-02-01",
            "2022-02-10",
            "2022-02-15",
            "resolved",
            "online",
            "1",
            "50000",
            "0",
            "1",
            "2",
            "An",
        ],
        ["E2", "SA", "P2", "2022-02-03", "", "", "pending", "postal", "0", "0", "1", "0", "0", ""],
        ["E3", "SB", "P1", "2022-02-03", "", "", "pending", "direct", "0", "0", "0", "0", "0", ""],
    ]
    import_dossiers_file(write_csv(tmp_path / "d.csv", rows, header))
    client = client_for(personas.officer_a)
    response = client.get("/dossiers/agency/SA/dossiers/?start=2022-01-01&end=2022-12-31&format=csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    exported = list(csv.DictReader(io.StringIO(text)))
    assert [r["dossier_code"] for r in exported] == ["E2", "E1"]  # newest first, SA's only
    assert exported[1]["fee_amount"] == "50000" and exported[1]["handler"] == "An"
    path = tmp_path / "back.csv"
    path.write_text(text, encoding="utf-8")
    summary = import_dossiers_file(path)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 2)
    # The officer's filter reaches the export too; another agency's page is not theirs.
    filtered = client.get("/dossiers/agency/SA/dossiers/?start=2022-01-01&end=2022-12-31&format=csv&handler=An")
    assert [r["dossier_code"] for r in csv.DictReader(io.StringIO(filtered.content.decode("utf-8-sig")))] == ["E1"]
    assert client.get("/dossiers/agency/SB/dossiers/?format=csv").status_code == 404
    workbook = client.get("/dossiers/agency/SA/dossiers/?start=2022-01-01&end=2022-12-31&format=xlsx")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    assert Dossier.objects.restrict(SYSTEM).count() == 3


def test_dossier_facts_reads_each_dossier_with_its_agency_block_procedure_and_lateness(
    tmp_path: Path, province: Any
) -> None:
    from cchc.agencies.models import Block, BlockMembership

    block = Block.objects.create(year=2022, code="SO", name="Khối sở", owner=province.province)
    BlockMembership.objects.create(block=block, agency=province.dept_a, year=2022)
    import_procedures_file(
        write_csv(
            tmp_path / "p.csv",
            [["P1", "Cấp phiếu lý lịch tư pháp", "Lý lịch tư pháp", "province", "full"]],
            ["code", "name", "field", "level", "online_level"],
        )
    )
    rows = [
        ["F1", "SA", "P1", "2022-02-01", "2022-02-10", "2022-02-15", "resolved", "direct", "An"],
        ["F2", "SA", "P9", "2022-02-01", "2022-02-10", "2022-02-08", "resolved", "online", "An"],
        ["F3", "SB", "P1", "2022-02-01", "2022-02-10", "", "pending", "direct", ""],
    ]
    import_dossiers_file(write_csv(tmp_path / "d.csv", rows, [*HEADER, "handler"]))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT dossier_code, agency_code, agency_level, year, block_code, procedure_field, outcome, late, "
            "days_late, handler FROM dossier_facts ORDER BY dossier_code"
        )
        facts = cursor.fetchall()
    today = date.today()
    assert [(*f[:7], bool(f[7]), *f[8:]) for f in facts] == [
        ("F1", "SA", "province", 2022, "SO", "Lý lịch tư pháp", "late", True, 5, "An"),
        ("F2", "SA", "province", 2022, "SO", None, "early", False, 0, "An"),
        ("F3", "SB", "province", 2022, None, "Lý lịch tư pháp", "pending", False, (today - date(2022, 2, 10)).days, ""),
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's")
def test_an_analyst_role_reads_the_view_and_writes_nothing(tmp_path: Path, province: Any) -> None:
    """The statements of docs/dossiers.md, run as they are written there (role name and password aside)."""
    import re

    import psycopg

    docs = (Path(__file__).parent.parent / "docs" / "dossiers.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- analyst-role -->\n```sql\n(.*?)```", docs, re.S)
    assert block is not None
    role = f"cchc_analyst_test_{abs(hash(str(tmp_path))) % 10**8}"
    database = connection.settings_dict["NAME"]
    statements = block.group(1).replace("cchc_analyst", role).replace("DATABASE cchc", f"DATABASE {database}")
    rows = [["A1", "SA", "P1", "2022-02-01", "2022-02-10", "2022-02-15", "resolved", "direct"]]
    import_dossiers_file(write_csv(tmp_path / "d.csv", rows))
    settings = connection.settings_dict
    dsn = f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} dbname={database}"
    with psycopg.connect(f"{dsn} user={settings['USER']}", autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        for statement in filter(None, (s.strip() for s in statements.split(";"))):
            admin.execute(statement)
        try:
            with psycopg.connect(f"{dsn} user={role} password=change-me", autocommit=True) as analyst:
                assert analyst.execute("SELECT count(*) FROM dossier_facts").fetchone() is not None
                for write in (
                    "DELETE FROM dossier_facts",
                    "UPDATE dossiers_dossier SET status = 'pending'",
                    "SELECT count(*) FROM dossiers_dossier",
                    "CREATE TABLE analyst_notes (x int)",
                ):
                    with pytest.raises(psycopg.Error):
                        analyst.execute(write)
        finally:
            admin.execute(f"REVOKE ALL ON dossier_facts FROM {role}")
            admin.execute(f"REVOKE ALL ON SCHEMA public FROM {role}")
            admin.execute(f"REVOKE ALL ON DATABASE {database} FROM {role}")
            admin.execute(f"DROP ROLE {role}")


def test_the_month_detail_is_json_a_query_can_read(tmp_path: Path, province: Any) -> None:
    """The per-day and per-procedure vectors are JSON columns: the database answers on their keys."""
    rows = [
        ["J1", "SA", "P1", "2022-02-01", "", "2022-02-03", "resolved", "direct"],
        ["J2", "SA", "P2", "2022-02-05", "", "", "pending", "direct"],
    ]
    import_dossiers_file(write_csv(tmp_path / "d.csv", rows))
    detail = MonthDetail.objects.filter(agency=province.dept_a, month=date(2022, 2, 1))
    assert detail.filter(procedures__has_key="P2").exists() and not detail.filter(procedures__has_key="P9").exists()
    assert detail.filter(days__has_keys=["1", "3", "5"]).exists()
    received = detail.values_list("procedures__P1", flat=True).get()
    assert isinstance(received, list) and received[0] == 1  # MEASURES[0] is "received"
    assert detail.get().procedure_stocks == {"P2": [1, 0]}


def test_corrections_in_place_and_moved_dossiers_in_one_file_store_every_column(tmp_path: Path, province: Any) -> None:
    """The import writes a stored dossier in one of two ways (``write_dossiers``): in place when no
    indexed column changes (a pending dossier resolved), whole when one does (another officer, agency,
    procedure or receipt date). One file with both, and new dossiers, stores exactly what it says."""
    header = FULL_HEADER
    first = [
        ["C1", "SA", "P1", "2022-03-01", "2022-03-10", "", "pending", "direct", "0", "0", "0", "0", "0", "An"],
        ["C2", "SA", "P1", "2022-03-02", "2022-03-10", "", "pending", "direct", "0", "0", "0", "0", "0", "An"],
        ["C3", "SA", "P2", "2022-03-03", "2022-03-10", "", "pending", "online", "0", "0", "0", "0", "0", "Bình"],
        ["C4", "SA", "P1", "2022-03-04", "2022-03-10", "", "pending", "direct", "0", "0", "0", "0", "0", "An"],
    ]
    import_dossiers_file(write_csv(tmp_path / "a.csv", first, header))
    second = [
        # in place: resolved late, paid online, a fee, by post, digitised, two messages
        [
            "C1",
            "SA",
            "P1",
            "2022-03-01",
            "2022-03-10",
            "2022-03-12",
            "resolved",
            "direct",
            "1",
            "1.500.000",
            "1",
            "1",
            "2",
            "An",
        ],
        # moved: another officer, and resolved
        [
            "C2",
            "SA",
            "P1",
            "2022-03-02",
            "2022-03-10",
            "2022-03-05",
            "resolved",
            "direct",
            "0",
            "0",
            "0",
            "0",
            "1",
            "Chi",
        ],
        # moved: another agency and procedure, receipt date corrected
        ["C3", "SB", "P1", "2022-03-04", "2022-03-10", "", "pending", "online", "0", "20000", "0", "0", "0", "Bình"],
        ["C4", "SA", "P1", "2022-03-04", "2022-03-10", "", "pending", "direct", "0", "0", "0", "0", "0", "An"],
        ["C5", "SB", "P2", "2022-03-05", "", "2022-03-06", "resolved", "postal", "0", "0", "0", "0", "0", ""],
    ]
    summary = import_dossiers_file(write_csv(tmp_path / "b.csv", second, header))
    assert (summary.created, summary.updated, summary.unchanged) == (1, 3, 1)
    agencies = dict(Agency.objects.values_list("pk", "code"))
    stored = {
        d.dossier_code: [
            d.dossier_code,
            agencies[d.agency_id],
            d.procedure_code,
            d.received_on.isoformat(),
            d.due_on.isoformat() if d.due_on else "",
            d.resolved_on.isoformat() if d.resolved_on else "",
            d.status,
            d.channel,
            str(int(d.paid_online)),
            d.fee_amount,
            str(int(d.result_by_post)),
            str(int(d.digitized)),
            str(d.sms_count),
            d.handler,
        ]
        for d in Dossier.objects.all()
    }
    for row in second:
        expected = [*row[:9], int(row[9].replace(".", "")), *row[10:]]
        assert stored[row[0]] == expected, row[0]
    assert find_dossier("C1").outcome == "late" and find_dossier("C2").outcome == "early"  # type: ignore[union-attr]
    per_agency = {g.key: (g.received, g.resolved, g.late) for g in _year_2022_by_agency()}
    assert per_agency == {"SA": (3, 2, 1), "SB": (2, 1, 0)}


def _year_2022_by_agency() -> Any:
    from cchc.dossiers.stats import indicators

    return indicators(date(2022, 1, 1), date(2022, 12, 31), user=SYSTEM, by="agency")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL storage setting")
def test_the_dossier_table_leaves_room_for_corrections_in_place(db: Any) -> None:
    """PostgreSQL writes a correction that changes no indexed column on the row's own page (a
    heap-only tuple, no index touched) only if the page has room: the table's fill factor is 90."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [Dossier._meta.db_table])
        (options,) = cursor.fetchone()
    assert "fillfactor=90" in (options or [])
