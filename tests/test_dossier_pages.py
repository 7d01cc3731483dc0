"""Dossier statistics pages and API: what each persona sees, uploads through a background task, exports."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from cchc.core.models import Task
from cchc.dossiers.models import Dossier, Target
from cchc.dossiers.services import import_dossiers_file, import_procedures_file
from conftest import client_for
from tests.test_dossier_import import HEADER, write_csv

PERIOD = "start=2022-01-01&end=2022-12-31"


@pytest.fixture
def dossiers(tmp_path: Path, province: Any) -> None:
    rows = [
        ["SA-1", "SA", "P1", "2022-02-01", "2022-02-10", "2022-02-05", "resolved", "online"],
        ["SA-2", "SA", "P1", "2022-02-01", "2022-02-10", "2022-02-15", "resolved", "direct"],
        ["SB-1", "SB", "P1", "2022-03-01", "2022-03-10", "2022-03-05", "resolved", "direct"],
        ["C1-1", "C1", "P2", "2022-03-01", "2022-03-10", "", "pending", "direct"],
    ]
    header = ["code", "name", "field", "level", "online_level"]
    import_procedures_file(
        write_csv(tmp_path / "p.csv", [["P1", "Lý lịch tư pháp", "Tư pháp", "province", "full"]], header)
    )
    import_dossiers_file(write_csv(tmp_path / "d.csv", rows))


def test_the_index_shows_the_scope_in_vietnamese_numbers(dossiers: None, personas: Any) -> None:
    response = client_for(personas.coordinator).get(f"/dossiers/?{PERIOD}&by=agency")
    assert response.status_code == 200
    keys = {g.key for g in response.context["groups"]}
    assert keys == {"SA", "SB", "C1"}
    html = response.content.decode()
    assert "50,00%" in html  # SA: one of two late
    assert 'href="/dossiers/agency/SA/"' in html
    assert 'id="dossier-chart-data"' in html and "<script>" not in html
    response = client_for(personas.officer_a).get(f"/dossiers/?{PERIOD}")
    assert {g.key for g in response.context["groups"]} == {"SA"}
    assert response.context["overall"].received == 2
    assert 'href="/dossiers/agency/SB/"' not in response.content.decode()


def test_the_index_sorts_and_breaks_down_by_block(dossiers: None, personas: Any) -> None:
    response = client_for(personas.coordinator).get(f"/dossiers/?{PERIOD}&by=agency&sort=-late_rate")
    assert next(g.key for g in response.context["groups"]) == "C1"  # pending overdue: 100%
    response = client_for(personas.coordinator).get(f"/dossiers/?{PERIOD}&by=agency&sort=received")
    assert [g.key for g in response.context["groups"]][-1] == "SA"
    response = client_for(personas.coordinator).get(f"/dossiers/?{PERIOD}&by=block")
    blocks = {g.key: g for g in response.context["groups"]}
    assert blocks["SBN"].received == 3 and blocks["SBN"].link.startswith("/dossiers/block/")
    block_page = client_for(personas.coordinator).get(blocks["SBN"].link + f"?{PERIOD}")
    assert {g.key for g in block_page.context["groups"]} == {"SA", "SB"}
    assert '<h1 class="h3">Sở, ban, ngành <small' in block_page.content.decode()


def test_the_index_reads_a_bounded_number_of_queries(
    dossiers: None, personas: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(personas.coordinator)
    with django_assert_max_num_queries(120):
        client.get("/dossiers/?start=2022-01-01&end=2022-12-31&by=agency")


def test_the_export_holds_only_the_scope(dossiers: None, personas: Any) -> None:
    response = client_for(personas.officer_b).get(f"/dossiers/export/?{PERIOD}&by=agency&format=xlsx")
    assert response["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["SB"]
    assert rows[1][rows[0].index("Tiếp nhận") if "Tiếp nhận" in rows[0] else 2] == 1


def test_the_agency_page_lists_its_dossiers(dossiers: None, personas: Any) -> None:
    response = client_for(personas.officer_a).get(f"/dossiers/agency/SA/?{PERIOD}")
    html = response.content.decode()
    assert "SA-1" in html and "SA-2" in html and "SB-1" not in html
    response = client_for(personas.officer_a).get("/dossiers/agency/SA/?late=true")
    assert [d.dossier_code for d in response.context["page_obj"]] == ["SA-2"]


def test_upload_runs_as_a_task_for_the_officers_own_agency(tmp_path: Path, province: Any, personas: Any) -> None:
    client = client_for(personas.officer_a)
    content = ",".join(HEADER) + "\nW1,SA,P1,2022-02-01,,2022-02-02,resolved,direct\n"
    response = client.post(
        "/dossiers/upload/",
        {"file": SimpleUploadedFile("mot-cua.csv", content.encode()), "profile": "canonical"},
    )
    task = Task.objects.get()
    assert response.status_code == 302 and response["Location"] == task.get_absolute_url()
    assert task.status == "done", task.message
    assert Dossier.objects.filter(dossier_code="W1").exists()
    page = client.get(task.get_absolute_url()).content.decode()
    assert "100%" in page
    # Another agency's dossier is refused with the row and column named; nothing is written.
    content = ",".join(HEADER) + "\nW2,SB,P1,2022-02-01,,2022-02-02,resolved,direct\n"
    client.post("/dossiers/upload/", {"file": SimpleUploadedFile("b.csv", content.encode()), "profile": "canonical"})
    failed = Task.objects.exclude(pk=task.pk).get()
    assert failed.status == "failed"
    assert failed.message.startswith("Dòng 2, cột “agency_code”")
    assert not Dossier.objects.filter(dossier_code="W2").exists()
    assert not list((Path(tmp_path).parent).glob("uploads/dossiers/*")), "the uploaded file is removed"


def test_upload_refuses_other_file_types(province: Any, personas: Any) -> None:
    response = client_for(personas.officer_a).post(
        "/dossiers/upload/", {"file": SimpleUploadedFile("x.exe", b"MZ"), "profile": "canonical"}
    )
    assert response.status_code == 200 and not Task.objects.exists()
    assert response.context["form"].errors["file"]


def test_api_lists_and_counts_only_the_scope(dossiers: None, personas: Any) -> None:
    client = client_for(personas.officer_a)
    codes = [d["dossier_code"] for d in client.get("/api/v1/dossiers/").json()["results"]]
    assert sorted(codes) == ["SA-1", "SA-2"]
    stats = client.get(f"/api/v1/dossier-stats/?{PERIOD}&by=agency").json()
    assert [g["key"] for g in stats["groups"]] == ["SA"]
    assert stats["groups"][0]["late_share"] == {"value": 0.5, "text": "50,00%"}
    coordinator = client_for(personas.coordinator).get(f"/api/v1/dossier-stats/?{PERIOD}").json()
    assert coordinator["groups"][0]["received"] == 4
    procedures = client.get("/api/v1/procedures/").json()["results"]
    assert [p["code"] for p in procedures] == ["P1"]


def test_procedure_catalogue_counts(dossiers: None, personas: Any) -> None:
    response = client_for(personas.viewer).get("/dossiers/procedures/")
    assert response.context["total"] == 1
    assert "Lý lịch tư pháp" in response.content.decode()


def test_targets_name_the_agencies_that_miss_them(dossiers: None, personas: Any) -> None:
    Target.objects.create(year=2022, kind="department", online_rate_min=50, late_rate_max=1)
    response = client_for(personas.coordinator).get("/dossiers/targets/?year=2022")
    (row,) = response.context["rows"]
    missing = {m["group"].key: (m["online"], m["late"]) for m in row["missing"]}
    assert missing == {"SA": (False, True), "SB": (True, False)}  # SA: late 50% > 1%; SB: online 0% < 50%
    assert {g.key for g in response.context["rule1"]} == {"SA", "C1"}
    response = client_for(personas.officer_b).get("/dossiers/targets/?year=2022")
    (row,) = response.context["rows"]
    assert {m["group"].key for m in row["missing"]} == {"SB"}  # online 0% < 50%


def test_service_index_computes_progress_and_names_what_cannot_be(dossiers: None, personas: Any) -> None:
    response = client_for(personas.coordinator).get(f"/dossiers/service-index/?{PERIOD}")
    parts = {p.maximum: p for p in response.context["parts"]}
    assert parts[20].points is not None and str(parts[20].points) == "13.33"  # 20 × 2 of 3 on time
    assert parts[18].points is None
    assert date(2022, 1, 1) == response.context["period"]["start"]


def test_late_share_per_officer_is_shown_to_the_head_not_the_officer(tmp_path: Path, personas: Any) -> None:
    header = [*HEADER, "handler"]
    rows = [
        [f"H{i}", "SA", "P1", "2022-02-01", "2022-02-10", "2022-02-05", "resolved", "direct", "an"] for i in range(9)
    ]
    rows.append(["H9", "SA", "P1", "2022-02-01", "2022-02-10", "2022-02-12", "resolved", "direct", "an"])
    rows.append(["H10", "SA", "P1", "2022-02-01", "2022-02-10", "2022-02-05", "resolved", "direct", "binh"])
    import_dossiers_file(write_csv(tmp_path / "h.csv", rows, header))
    response = client_for(personas.head).get(f"/dossiers/agency/SA/?{PERIOD}")
    handlers = {row["handler"]: row for row in response.context["handlers"]}
    assert (handlers["an"]["resolved"], handlers["an"]["late"], handlers["an"]["flagged"]) == (
        10,
        1,
        True,
    )  # 10 % in 2022
    assert handlers["binh"]["flagged"] is False
    assert "10,00%" in response.content.decode()
    assert client_for(personas.officer_a).get(f"/dossiers/agency/SA/?{PERIOD}").context["handlers"] == []
