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
from cchc.dossiers.models import Target
from cchc.dossiers.services import import_dossiers_file, import_procedures_file
from conftest import client_for, every_dossier, find_dossier
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
    # Drill-down links keep the period (as_of defaults to the end).
    assert 'href="/dossiers/agency/SA/?start=2022-01-01&amp;end=2022-12-31&amp;as_of=2022-12-31"' in html
    assert 'id="dossier-chart-data"' in html and "<script>" not in html
    response = client_for(personas.officer_a).get(f"/dossiers/?{PERIOD}")
    assert {g.key for g in response.context["groups"]} == {"SA"}
    assert response.context["overall"].received == 2
    assert 'href="/dossiers/agency/SB/' not in response.content.decode()


def test_a_dossier_is_looked_up_by_its_whole_code_whatever_its_period(dossiers: None, personas: Any) -> None:
    client = client_for(personas.coordinator)
    response = client.get("/dossiers/lookup/?q=SA-2")
    assert response.status_code == 302 and response["Location"] == "/dossiers/agency/SA/?q=SA-2#dossiers-heading"
    page = client.get("/dossiers/agency/SA/?q=SA-2")  # the page's own period is this year; SA-2 is of 2022
    assert [d.dossier_code for d in page.context["page_obj"]] == ["SA-2"]
    assert [d.dossier_code for d in client.get("/dossiers/agency/SA/?q=SA-").context["page_obj"]] == []
    # A part of a code, or a code outside the scope, is not found, and the index says so.
    for who, code in ((personas.coordinator, "SA-"), (personas.officer_b, "SA-2"), (personas.officer_b, "")):
        response = client_for(who).get(f"/dossiers/lookup/?q={code}", follow=True)
        assert response.redirect_chain[-1][0] == "/dossiers/"
        text = response.content.decode()
        assert (f"Không tìm thấy hồ sơ mã “{code}”" in text) == bool(code)
    found = client_for(personas.officer_b).get("/dossiers/lookup/?q=SB-1")
    assert found["Location"].startswith("/dossiers/agency/SB/")
    # The API answers a whole code the same way; an explicit receipt range still applies.
    listed = client.get("/api/v1/dossiers/?q=SA-2").json()
    assert (listed["count"], [d["dossier_code"] for d in listed["results"]]) == (1, ["SA-2"])
    assert client.get("/api/v1/dossiers/?q=SA-2&received_from=2023-01-01").json()["count"] == 0
    assert client_for(personas.officer_b).get("/api/v1/dossiers/?q=SA-2").json()["count"] == 0


def test_the_api_lists_dossiers_by_filter_within_scope(dossiers: None, personas: Any) -> None:
    client = client_for(personas.coordinator)
    assert client.get("/api/v1/dossiers/").json()["count"] == 4
    assert client.get("/api/v1/dossiers/?status=resolved").json()["count"] == 3
    assert client.get("/api/v1/dossiers/?status=resolved&received_from=2022-01-01").json()["count"] == 3
    assert client.get("/api/v1/dossiers/?q=SA-2").json()["count"] == 1
    assert client_for(personas.officer_a).get("/api/v1/dossiers/?status=resolved").json()["count"] == 2
    response = client.get("/api/v1/dossiers/?received_from=2022-13-01")
    assert response.status_code == 400 and "received_from" in response.json()


def test_the_date_fields_show_the_period_in_force(dossiers: None, personas: Any) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    form = client_for(personas.coordinator).get("/dossiers/").context["form"]
    assert (form["start"].value(), form["end"].value(), form["as_of"].value()) == (
        f"{today.year}-01-01",
        today.isoformat(),
        today.isoformat(),
    )
    form = client_for(personas.coordinator).get("/dossiers/?start=2022-01-01&end=2022-13-01").context["form"]
    assert list(form.errors) == ["end"] and form["as_of"].value() in ("", None)  # the bad end is not copied


def test_the_index_sorts_and_breaks_down_by_block(dossiers: None, personas: Any) -> None:
    response = client_for(personas.coordinator).get(f"/dossiers/?{PERIOD}&by=agency&sort=-late_rate")
    assert next(g.key for g in response.context["groups"]) == "C1"  # pending overdue: 100%
    response = client_for(personas.coordinator).get(f"/dossiers/?{PERIOD}&by=agency&sort=received")
    assert [g.key for g in response.context["groups"]][-1] == "SA"
    response = client_for(personas.coordinator).get(f"/dossiers/?{PERIOD}&by=block")
    blocks = {g.key: g for g in response.context["groups"]}
    assert blocks["SBN"].received == 3 and blocks["SBN"].link.startswith("/dossiers/block/")
    block_page = client_for(personas.coordinator).get(blocks["SBN"].link)  # the link carries the period
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
    title, header, *rows = list(sheet.iter_rows(values_only=True))  # tests/test_exports.py checks the layout
    assert title[0].endswith("— Sở Y tế")
    assert [r[0] for r in rows] == ["SB"]
    assert rows[0][header.index("Tiếp nhận")] == 1


def test_the_agency_page_lists_its_dossiers(dossiers: None, personas: Any) -> None:
    response = client_for(personas.officer_a).get(f"/dossiers/agency/SA/?{PERIOD}")
    html = response.content.decode()
    assert "SA-1" in html and "SA-2" in html and "SB-1" not in html
    response = client_for(personas.officer_a).get(f"/dossiers/agency/SA/?{PERIOD}&late=true")
    assert [d.dossier_code for d in response.context["page_obj"]] == ["SA-2"]


@pytest.fixture
def listing(tmp_path: Path, province: Any) -> None:
    """Dossiers of SA on several days, with every status, channel and timeliness; one of SB."""
    rows = [
        ["SA-10", "SA", "P1", "2022-01-15", "2022-01-25", "2022-01-20", "resolved", "online"],  # early
        ["SA-11", "SA", "P1", "2022-02-01", "2022-02-10", "2022-02-15", "resolved", "direct"],  # late
        ["SA-12", "SA", "P2", "2022-02-01", "2022-02-10", "", "pending", "postal"],
        ["Hs-Ab13", "SA", "P1", "2022-02-20", "2022-02-25", "2022-02-28", "resolved", "online"],  # late
        ["SA-14", "SA", "P1", "2022-03-10", "2022-03-20", "2022-03-20", "resolved", "online"],  # on time
        ["SA-15", "SA", "P1", "2022-03-31", "", "2022-04-02", "returned", "direct"],
        ["SB-10", "SB", "P1", "2022-02-01", "2022-02-10", "2022-02-15", "resolved", "direct"],  # late
    ]
    header = ["code", "name", "field", "level", "online_level"]
    import_procedures_file(
        write_csv(tmp_path / "p.csv", [["P1", "Lý lịch tư pháp", "Tư pháp", "province", "full"]], header)
    )
    import_dossiers_file(write_csv(tmp_path / "d.csv", rows))


LISTING = [
    ("", ["SA-15", "SA-14", "Hs-Ab13", "SA-11", "SA-12", "SA-10"]),  # newest first, a day's by code
    ("status=pending", ["SA-12"]),
    ("status=resolved", ["SA-14", "Hs-Ab13", "SA-11", "SA-10"]),
    ("channel=online", ["SA-14", "Hs-Ab13", "SA-10"]),
    ("late=true", ["Hs-Ab13", "SA-11"]),
    ("late=false", ["SA-15", "SA-14", "SA-12", "SA-10"]),
    ("late=unknown", ["SA-15", "SA-14", "Hs-Ab13", "SA-11", "SA-12", "SA-10"]),
    ("q=hs-ab", ["Hs-Ab13"]),
    ("q=AB1", ["Hs-Ab13"]),
    ("q=sa-1", ["SA-15", "SA-14", "SA-11", "SA-12", "SA-10"]),
    ("q=SB", []),
    ("received_from=2022-02-01", ["SA-15", "SA-14", "Hs-Ab13", "SA-11", "SA-12"]),
    ("received_to=2022-02-01", ["SA-11", "SA-12", "SA-10"]),
    ("received_from=2022-02-02&received_to=2022-03-10", ["SA-14", "Hs-Ab13"]),
    ("received_from=2022-03-31&received_to=2022-03-31", ["SA-15"]),
    ("received_from=2022-04-01", []),
    ("received_from=2022-03-01&received_to=2022-02-01", []),
    ("status=resolved&late=false&received_from=2022-03-01", ["SA-14"]),
    ("agency=SA&status=pending", ["SA-12"]),
    ("agency=SB", []),  # another agency's code lists nothing on SA's page
]


@pytest.mark.parametrize(("query", "expected"), LISTING)
def test_the_agency_page_filters_its_dossiers(query: str, expected: list[str], listing: None, personas: Any) -> None:
    response = client_for(personas.officer_a).get(f"/dossiers/agency/SA/?{PERIOD}&{query}")
    assert response.status_code == 200
    assert [d.dossier_code for d in response.context["page_obj"]] == expected
    assert [row["dossier"].dossier_code for row in response.context["rows"]] == expected
    assert response.context["paginator"].count == len(expected)
    html = response.content.decode()
    assert "SB-10" not in html


def test_the_agency_page_shows_procedure_names_and_labels(listing: None, personas: Any) -> None:
    response = client_for(personas.officer_a).get("/dossiers/agency/SA/?received_to=2022-02-01")
    rows = {row["dossier"].dossier_code: row for row in response.context["rows"]}
    assert rows["SA-11"]["procedure"].name == "Lý lịch tư pháp"
    assert rows["SA-12"]["procedure"] is None  # P2 is not in the catalogue: its code is shown
    assert (rows["SA-12"]["status"], rows["SA-12"]["channel"]) == ("Đang giải quyết", "Bưu chính công ích")
    html = response.content.decode()
    assert "Lý lịch tư pháp" in html and "<td>P2</td>" in html
    assert "Đang giải quyết" in html and "Bưu chính công ích" in html
    assert 'class="badge text-bg-danger"' in html and 'class="badge text-bg-success"' in html  # SA-11, SA-10
    form = response.context["filter"].form
    assert list(form.fields) == [
        "q",
        "agency",
        "status",
        "channel",
        "outcome",
        "late",
        "handler",
        "field",
        "procedure",
        "received_from",
        "received_to",
    ]
    assert 'name="status" class="form-select form-select-sm"' in html
    assert 'type="date" name="received_to" value="2022-02-01" class="form-control form-control-sm"' in html


def test_the_agency_page_ignores_and_names_a_bad_filter_value(listing: None, personas: Any) -> None:
    response = client_for(personas.officer_a).get("/dossiers/agency/SA/?status=lost&received_from=2022-03-01")
    assert response.status_code == 200
    assert response.context["filter"].errors["status"]
    assert [d.dossier_code for d in response.context["page_obj"]] == ["SA-15", "SA-14"]


def test_the_agency_page_pages_by_fifty(tmp_path: Path, province: Any, personas: Any) -> None:
    rows = [[f"P-{i:03}", "SA", "P1", "2022-02-01", "", "2022-02-02", "resolved", "direct"] for i in range(120)]
    import_dossiers_file(write_csv(tmp_path / "many.csv", rows))
    client = client_for(personas.officer_a)
    first = client.get(f"/dossiers/agency/SA/?{PERIOD}&q=P-")
    assert first.context["paginator"].count == 120 and first.context["is_paginated"]
    assert [d.dossier_code for d in first.context["page_obj"]] == [f"P-{i:03}" for i in range(50)]
    assert len(first.context["rows"]) == 50
    assert "page=2" in first.content.decode() and "q=P-" in first.context["querystring"]
    last = client.get(f"/dossiers/agency/SA/?{PERIOD}&q=P-&page=3")
    assert [d.dossier_code for d in last.context["page_obj"]] == [f"P-{i:03}" for i in range(100, 120)]


def test_an_agency_page_out_of_scope_lists_nothing(listing: None, personas: Any) -> None:
    assert client_for(personas.officer_a).get("/dossiers/agency/SB/").status_code == 404
    response = client_for(personas.officer_b).get(f"/dossiers/agency/SB/?{PERIOD}")
    assert [d.dossier_code for d in response.context["page_obj"]] == ["SB-10"]
    response = client_for(personas.officer_b).get(f"/dossiers/agency/SB/?{PERIOD}&agency=SA")
    assert list(response.context["page_obj"]) == []


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
    stored = find_dossier("W1")
    assert stored is not None and stored.agency_id == personas.officer_a.grants.get().agency_id
    page = client.get(task.get_absolute_url()).content.decode()
    assert "100%" in page
    # Another agency's dossier is refused with the row and column named; nothing is written.
    content = ",".join(HEADER) + "\nW2,SB,P1,2022-02-01,,2022-02-02,resolved,direct\n"
    client.post("/dossiers/upload/", {"file": SimpleUploadedFile("b.csv", content.encode()), "profile": "canonical"})
    failed = Task.objects.exclude(pk=task.pk).get()
    assert failed.status == "failed"
    assert failed.message.startswith("Dòng 2, cột “agency_code”")
    assert find_dossier("W2") is None
    assert every_dossier().count() == 1
    assert not list((Path(tmp_path).parent).glob("uploads/dossiers/*")), "the uploaded file is removed"


def test_an_upload_that_skips_bad_rows_lists_them(province: Any, personas: Any) -> None:
    client = client_for(personas.officer_a)
    content = (
        ",".join(HEADER) + "\nW1,SA,P1,2022-02-01,,2022-02-02,resolved,direct\nW2,SA,P1,2022-02-30,,,pending,direct\n"
    )
    client.post(
        "/dossiers/upload/",
        {"file": SimpleUploadedFile("d.csv", content.encode()), "profile": "canonical", "skip_bad_rows": "on"},
    )
    task = Task.objects.get()
    assert task.status == "done" and task.result["skipped"] == 1
    page = client.get(task.get_absolute_url()).content.decode()
    assert "Dòng 3, cột “received_at”" in page


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


API_LISTING = [
    ("officer_a", "", ["SA-15", "SA-14", "Hs-Ab13", "SA-11", "SA-12", "SA-10"]),
    ("officer_a", "status=pending", ["SA-12"]),
    ("officer_a", "channel=postal", ["SA-12"]),
    ("officer_a", "late=true", ["Hs-Ab13", "SA-11"]),
    ("officer_a", "late=false&status=resolved", ["SA-14", "SA-10"]),
    ("officer_a", "q=hS-aB", ["Hs-Ab13"]),
    ("officer_a", "received_from=2022-02-02&received_to=2022-03-10", ["SA-14", "Hs-Ab13"]),
    ("officer_a", "agency=SA&received_to=2022-01-31", ["SA-10"]),
    ("officer_a", "agency=SB", []),  # outside the scope: nothing, as if it did not exist
    ("officer_a", "q=SB", []),
    ("officer_b", "", ["SB-10"]),
    ("officer_b", "late=true", ["SB-10"]),
    ("officer_b", "agency=SA", []),
    ("head", "late=true", ["Hs-Ab13", "SA-11"]),
    ("district_coordinator", "", []),
    ("coordinator", "late=true", ["Hs-Ab13", "SA-11", "SB-10"]),
    ("coordinator", "late=true&agency=SB", ["SB-10"]),
    ("viewer", "received_from=2022-02-01&received_to=2022-02-01", ["SA-11", "SA-12", "SB-10"]),
    ("admin", "status=returned", ["SA-15"]),
]


@pytest.mark.parametrize(("persona", "query", "expected"), API_LISTING)
def test_the_dossier_api_filters_like_the_page_within_the_scope(
    persona: str, query: str, expected: list[str], listing: None, personas: Any
) -> None:
    response = client_for(personas.all()[persona]).get(f"/api/v1/dossiers/?{query}")
    assert response.status_code == 200, response.content
    data = response.json()
    assert [d["dossier_code"] for d in data["results"]] == expected
    assert data["count"] == len(expected)


def test_the_dossier_api_and_the_page_list_the_same(listing: None, personas: Any) -> None:
    client = client_for(personas.officer_a)
    for query, _expected in LISTING:
        page = [d.dossier_code for d in client.get(f"/dossiers/agency/SA/?{PERIOD}&{query}").context["page_obj"]]
        api = [d["dossier_code"] for d in client.get(f"/api/v1/dossiers/?agency=SA&{query}").json()["results"]]
        assert page == api, query


def test_the_dossier_api_describes_each_dossier(listing: None, personas: Any) -> None:
    data = client_for(personas.officer_a).get("/api/v1/dossiers/?q=SA-1&received_to=2022-02-01").json()
    rows = {d["dossier_code"]: d for d in data["results"]}
    assert set(rows) == {"SA-10", "SA-11", "SA-12"}
    assert rows["SA-11"] == {
        "source": "motcua",
        "dossier_code": "SA-11",
        "agency_code": "SA",
        "procedure_code": "P1",
        "received_on": "2022-02-01",
        "due_on": "2022-02-10",
        "resolved_on": "2022-02-15",
        "status": "resolved",
        "channel": "direct",
        "online_level": rows["SA-11"]["online_level"],
        "paid_online": False,
        "fee_amount": 0,
        "result_by_post": False,
        "digitized": False,
        "sms_count": 0,
        "handler": "",
        "online_eligible": rows["SA-11"]["online_eligible"],
        "outcome": "late",
        "timeliness": "late",
    }
    assert (rows["SA-10"]["timeliness"], rows["SA-12"]["timeliness"]) == ("early", "")
    assert (rows["SA-12"]["due_on"], rows["SA-12"]["resolved_on"]) == ("2022-02-10", None)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("channel=fax", "channel"),
        ("received_from=2022-13-01", "received_from"),
        ("received_to=yesterday", "received_to"),
    ],
)
def test_the_dossier_api_rejects_a_bad_filter_value(query: str, field: str, listing: None, personas: Any) -> None:
    response = client_for(personas.coordinator).get(f"/api/v1/dossiers/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field]


def test_the_dossier_api_paginates_with_limit_and_offset(listing: None, personas: Any) -> None:
    client = client_for(personas.coordinator)
    everything = [d["dossier_code"] for d in client.get("/api/v1/dossiers/").json()["results"]]
    assert len(everything) == 7
    data = client.get("/api/v1/dossiers/?limit=2&offset=2").json()
    assert data["count"] == 7
    assert [d["dossier_code"] for d in data["results"]] == everything[2:4]
    assert data["next"] and data["previous"]
    assert {d["agency_code"] for d in client.get("/api/v1/dossiers/?agency=SB").json()["results"]} == {"SB"}


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
    assert {item["group"].key for item in response.context["rule1"]} == {"SA", "C1"}
    response = client_for(personas.officer_b).get("/dossiers/targets/?year=2022")
    (row,) = response.context["rows"]
    assert {m["group"].key for m in row["missing"]} == {"SB"}  # online 0% < 50%


def test_service_index_computes_progress_and_names_what_cannot_be(dossiers: None, personas: Any) -> None:
    response = client_for(personas.coordinator).get(f"/dossiers/service-index/?{PERIOD}")
    parts = {p.maximum: p for p in response.context["parts"]}
    assert parts[20].points is not None and str(parts[20].points) == "13.33"  # 20 × 2 of 3 on time
    assert parts[18].points is None
    assert date(2022, 1, 1) == response.context["period"]["start"]
    # Per agency: progress, online, digitisation, payment (no fee anywhere: no points), best first.
    response = client_for(personas.coordinator).get(f"/dossiers/service-index/?{PERIOD}&by=agency")
    rows = [
        (r["group"].key, [None if p is None else str(p) for p in r["points"]], str(r["total"]))
        for r in response.context["rows"]
    ]
    assert rows == [
        ("SB", ["20.00", "0.00", "0.00", None], "20.00"),  # on time, not online
        ("SA", ["10.00", "6.00", "0.00", None], "16.00"),  # one of two late, one of two online
        ("C1", [None, None, "0.00", None], "0.00"),  # pending only, not of a procedure published online
    ]
    html = response.content.decode()
    assert (
        'href="/dossiers/agency/SB/?start=2022-01-01' in html and "Các thành phần tính được, chia theo: Cơ quan" in html
    )


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


def test_the_agency_page_lists_the_dossiers_of_its_period_unless_asked_otherwise(listing: None, personas: Any) -> None:
    client = client_for(personas.officer_a)
    in_2022 = client.get(f"/dossiers/agency/SA/?{PERIOD}").context["paginator"].count
    assert in_2022 > 0
    assert client.get("/dossiers/agency/SA/?start=2023-01-01&end=2023-12-31").context["paginator"].count == 0
    # A receipt range of the dossier filter wins over the page's period.
    wide = client.get("/dossiers/agency/SA/?start=2023-01-01&end=2023-12-31&received_from=2022-01-01")
    assert wide.context["paginator"].count == in_2022
