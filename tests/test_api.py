"""The REST API as a client program uses it: a token, the caller, the schema, filters, scope."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.cache import cache
from django.test import Client
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token

from cchc.agencies.models import Block, BlockMembership
from cchc.dossiers.services import import_dossiers_file
from conftest import PASSWORD, client_for, make_user
from tests.test_dossier_import import write_csv

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    """The token endpoint is rate-limited per address; every test starts with a clean count."""
    cache.clear()


def token_client(key: str) -> Client:
    """A client with no session: it is known only by its ``Authorization`` header."""
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


# Token authentication


def test_a_user_name_and_password_give_a_token_that_authenticates(personas: Any, province: Any) -> None:
    response = Client().post(TOKEN_URL, {"username": "officer_a", "password": PASSWORD})
    assert response.status_code == 200
    key = response.json()["token"]
    assert key == Token.objects.get(user=personas.officer_a).key

    client = token_client(key)
    assert client.get("/api/v1/me/").json()["username"] == "officer_a"
    assert codes(client.get("/api/v1/agencies/")) == ["SA"]
    assert client.get("/api/v1/agencies/SB/").status_code == 404


def test_the_token_endpoint_takes_json_and_returns_the_same_token_again(personas: Any, province: Any) -> None:
    body = json.dumps({"username": "coordinator", "password": PASSWORD})
    first = Client().post(TOKEN_URL, body, content_type="application/json")
    second = Client().post(TOKEN_URL, body, content_type="application/json")
    assert first.status_code == second.status_code == 200
    assert first.json()["token"] == second.json()["token"]


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "officer_a", "password": "wrong-password-1"},
        {"username": "nobody", "password": PASSWORD},
        {"username": "officer_a"},
        {},
    ],
    ids=["wrong-password", "unknown-user", "no-password", "nothing"],
)
def test_wrong_credentials_get_400_and_no_token(credentials: dict[str, str], personas: Any, province: Any) -> None:
    response = Client().post(TOKEN_URL, credentials)
    assert response.status_code == 400
    assert "token" not in response.json()
    assert not Token.objects.exists()


def test_an_inactive_user_gets_no_token_and_loses_the_one_it_had(personas: Any, province: Any) -> None:
    key = Token.objects.create(user=personas.officer_a).key
    personas.officer_a.is_active = False
    personas.officer_a.save()
    assert Client().post(TOKEN_URL, {"username": "officer_a", "password": PASSWORD}).status_code == 400
    assert token_client(key).get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize("header", ["Token not-a-real-token", "Token ", "Bearer abc", "Basic b2ZmaWNlcl9hOng="])
def test_a_bad_authorization_header_gets_401(header: str, personas: Any, province: Any) -> None:
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/agencies/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_the_token_endpoint_accepts_only_post(personas: Any, province: Any) -> None:
    assert Client().get(TOKEN_URL).status_code == 405


def test_a_token_does_not_open_the_pages(personas: Any, province: Any) -> None:
    """Pages use the session (with its CSRF protection); a token is for the API only."""
    key = Token.objects.create(user=personas.coordinator).key
    response = token_client(key).get("/agencies/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# The caller


def test_me_describes_the_caller_and_its_grants(personas: Any, province: Any) -> None:
    data = client_for(personas.officer_a).get("/api/v1/me/").json()
    assert data == {
        "username": "officer_a",
        "full_name": "Officer_A",
        "is_system_admin": False,
        "grants": [{"role": "focal", "agency_code": "SA", "include_descendants": False}],
    }
    data = client_for(personas.district_coordinator).get("/api/v1/me/").json()
    assert data["grants"] == [{"role": "coordinator", "agency_code": "D1", "include_descendants": True}]


def test_me_tells_a_system_administrator(personas: Any, province: Any) -> None:
    data = client_for(personas.admin).get("/api/v1/me/").json()
    assert data["is_system_admin"] is True
    assert data["grants"] == []


def test_me_refuses_a_visitor(personas: Any, province: Any) -> None:
    assert Client().get("/api/v1/me/").status_code == 401


# The OpenAPI schema and its documentation

API_PATHS = {"/api/v1/agencies/", "/api/v1/agencies/{code}/", "/api/v1/blocks/", "/api/v1/blocks/{id}/"}


def test_the_schema_is_valid_openapi_in_yaml(personas: Any, province: Any) -> None:
    response = client_for(personas.viewer).get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    schema = yaml.safe_load(response.content)
    validate_schema(schema)  # against the OpenAPI 3 JSON Schema; raises when invalid
    assert schema["openapi"].startswith("3.")
    assert API_PATHS | {"/api/v1/me/", TOKEN_URL} <= set(schema["paths"])
    assert "/api/schema/" not in schema["paths"]


def test_the_schema_in_json_lists_the_agency_paths_and_fields(personas: Any, province: Any) -> None:
    response = client_for(personas.viewer).get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)
    assert set(schema["paths"]) >= API_PATHS
    agencies = schema["paths"]["/api/v1/agencies/"]["get"]
    assert {"kind", "q", "parent", "limit", "offset"} <= {p["name"] for p in agencies["parameters"]}
    agency = schema["components"]["schemas"]["Agency"]["properties"]
    assert {"code", "name", "kind", "parent_code", "successor_codes"} <= set(agency)
    assert "tokenAuth" in schema["components"]["securitySchemes"]


DOSSIER_FIELDS = {
    "source",
    "online_eligible",
    "outcome",
    "dossier_code",
    "agency_code",
    "procedure_code",
    "received_on",
    "due_on",
    "resolved_on",
    "status",
    "timeliness",
    "channel",
    "online_level",
    "paid_online",
    "fee_amount",
    "result_by_post",
    "digitized",
    "sms_count",
    "handler",
}


def test_the_schema_describes_the_dossier_listing(personas: Any, province: Any) -> None:
    schema = json.loads(client_for(personas.viewer).get("/api/schema/?format=json").content)
    validate_schema(schema)
    listing = schema["paths"]["/api/v1/dossiers/"]["get"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert set(parameters) == {
        "q",
        "agency",
        "status",
        "channel",
        "received_from",
        "received_to",
        "late",
        "outcome",
        "handler",
        "field",
        "procedure",
        "limit",
        "offset",
    }
    assert sorted(parameters["status"]["schema"]["enum"]) == ["pending", "resolved", "returned", "withdrawn"]
    assert sorted(parameters["channel"]["schema"]["enum"]) == ["direct", "online", "postal"]
    assert parameters["received_from"]["schema"]["format"] == "date"
    assert parameters["late"]["schema"]["type"] == "boolean"
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert page == "#/components/schemas/PaginatedDossierList"
    assert set(schema["components"]["schemas"]["Dossier"]["properties"]) == DOSSIER_FIELDS


def test_the_docs_page_serves_swagger_ui_from_this_site(personas: Any, province: Any) -> None:
    client = client_for(personas.officer_a)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html, "assets served locally, not from a CDN"
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()


# Filters: the API applies the same filter class as the page

FILTERS = [
    ("coordinator", "kind=commune", ["C1", "C2", "C3"]),
    ("coordinator", "kind=department", ["SA", "SB"]),
    ("coordinator", "q=huyện", ["D1", "D2"]),
    ("coordinator", "q=c3", ["C3"]),
    ("coordinator", "parent=D1", ["C1", "C2"]),
    ("coordinator", "kind=commune&q=Hai", ["C2"]),
    ("district_coordinator", "kind=commune", ["C1", "C2"]),
    ("district_coordinator", "q=huyện", ["D1"]),
    ("district_coordinator", "parent=D2", []),
    ("officer_a", "kind=department", ["SA"]),
    ("officer_a", "kind=commune", []),
    ("officer_b", "q=Sở", ["SB"]),
    ("viewer", "q=xã", ["C1", "C2", "C3"]),
    ("viewer", "block=SBN&year=2025", ["SA", "SB"]),
    ("district_coordinator", "block=SBN", []),
]


@pytest.mark.parametrize(("persona", "query", "expected"), FILTERS)
def test_the_api_filters_like_the_page(
    persona: str, query: str, expected: list[str], personas: Any, province: Any
) -> None:
    client = client_for(personas.all()[persona])
    page = client.get(f"/agencies/?{query}")
    assert page.status_code == 200
    page_codes = [a.code for a in page.context["object_list"]]
    api_codes = codes(client.get(f"/api/v1/agencies/?{query}"))
    assert sorted(page_codes) == sorted(api_codes) == sorted(expected)


def test_the_api_rejects_an_unknown_kind(personas: Any, province: Any) -> None:
    response = client_for(personas.coordinator).get("/api/v1/agencies/?kind=ministry")
    assert response.status_code == 400
    assert "kind" in response.json()


def test_the_api_paginates_with_limit_and_offset(personas: Any, province: Any) -> None:
    client = client_for(personas.coordinator)
    everything = codes(client.get("/api/v1/agencies/"))
    data = client.get("/api/v1/agencies/?limit=3&offset=3").json()
    assert data["count"] == len(everything) == 8
    assert [row["code"] for row in data["results"]] == everything[3:6]
    assert data["next"] and data["previous"]


# Dossiers: an agency's officer never sees another agency's dossiers


@pytest.fixture
def dossiers(tmp_path: Path, province: Any) -> None:
    rows = [
        ["SA-1", "SA", "P1", "2022-02-01", "2022-02-10", "2022-02-05", "resolved", "online"],
        ["SA-2", "SA", "P1", "2022-02-03", "2022-02-10", "2022-02-15", "resolved", "direct"],
        ["SB-1", "SB", "P1", "2022-02-01", "2022-02-10", "2022-02-15", "resolved", "direct"],
        ["SB-SA-2", "SB", "P1", "2022-02-03", "2022-02-10", "", "pending", "online"],
        ["C1-1", "C1", "P2", "2022-03-01", "2022-03-10", "", "pending", "direct"],
    ]
    import_dossiers_file(write_csv(tmp_path / "d.csv", rows))


DOSSIER_QUERIES = [
    "",
    "agency=SB",
    "agency=C1",
    "q=SB",
    "q=SA",
    "late=true",
    "late=false",
    "status=pending",
    "channel=online",
    "received_from=2022-02-01&received_to=2022-02-03",
    "limit=1&offset=1",
    "limit=1000",
]


@pytest.mark.parametrize("query", DOSSIER_QUERIES)
def test_an_officer_never_sees_another_agencys_dossiers(query: str, dossiers: None, personas: Any) -> None:
    client = token_client(Token.objects.create(user=personas.officer_a).key)
    response = client.get(f"/api/v1/dossiers/?{query}")
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert {row["agency_code"] for row in rows} <= {"SA"}
    assert not any(row["dossier_code"].startswith(("SB", "C1")) for row in rows)
    assert response.json()["count"] <= 2


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("officer_a", ["SA-2", "SA-1"]),
        ("officer_b", ["SB-SA-2", "SB-1"]),
        ("head", ["SA-2", "SA-1"]),
        ("district_coordinator", ["C1-1"]),
        ("coordinator", ["C1-1", "SA-2", "SB-SA-2", "SA-1", "SB-1"]),
        ("viewer", ["C1-1", "SA-2", "SB-SA-2", "SA-1", "SB-1"]),
        ("admin", ["C1-1", "SA-2", "SB-SA-2", "SA-1", "SB-1"]),
    ],
)
def test_the_dossier_api_lists_the_scope(persona: str, expected: list[str], dossiers: None, personas: Any) -> None:
    data = client_for(personas.all()[persona]).get("/api/v1/dossiers/").json()
    assert [row["dossier_code"] for row in data["results"]] == expected
    assert data["count"] == len(expected)


def test_the_dossier_api_refuses_a_visitor_and_a_bad_filter(dossiers: None, personas: Any) -> None:
    assert Client().get("/api/v1/dossiers/").status_code == 401
    response = client_for(personas.officer_a).get("/api/v1/dossiers/?late=true&received_from=1-2-3")
    assert response.status_code == 400
    assert list(response.json()) == ["received_from"]


# Blocks


BLOCKS = {
    "officer_a": [],
    "officer_b": [],
    "head": [],
    "coordinator": ["SBN", "XA-D1"],
    "district_coordinator": ["XA-D1"],
    "appraiser": ["SBN", "XA-D1"],
    "inspector": ["SBN", "XA-D1"],
    "viewer": ["SBN", "XA-D1"],
    "admin": ["SBN", "XA-D1"],
}


@pytest.mark.parametrize(("persona", "expected"), BLOCKS.items())
def test_blocks_api_lists_the_blocks_in_scope(persona: str, expected: list[str], personas: Any, province: Any) -> None:
    response = client_for(personas.all()[persona]).get("/api/v1/blocks/")
    assert response.status_code == 200
    data = response.json()
    assert [b["code"] for b in data["results"]] == expected
    assert data["count"] == len(expected)


def test_a_block_lists_its_members(personas: Any, province: Any) -> None:
    client = client_for(personas.district_coordinator)
    block = client.get(f"/api/v1/blocks/{province.block_communes.pk}/").json()
    assert block == {
        "id": province.block_communes.pk,
        "year": 2025,
        "code": "XA-D1",
        "name": "UBND cấp xã thuộc huyện Một",
        "owner_code": "D1",
        "member_codes": ["C1", "C2"],
    }


def test_a_block_shows_only_the_members_in_scope_like_its_page(personas: Any, province: Any) -> None:
    """A member outside the caller's scope (here D2's commune in D1's block) is not named."""
    BlockMembership.objects.create(block=province.block_communes, agency=province.other_commune)
    client = client_for(personas.district_coordinator)
    page = client.get(f"/agencies/blocks/{province.block_communes.pk}/")
    assert [a.code for a in page.context["the_block"].visible_members] == ["C2", "C1"]  # by name: Hai, Một
    block = client.get(f"/api/v1/blocks/{province.block_communes.pk}/").json()
    assert sorted(block["member_codes"]) == ["C1", "C2"]
    listed = client.get("/api/v1/blocks/").json()["results"]
    assert sorted(listed[0]["member_codes"]) == ["C1", "C2"]
    # The province's coordinator sees the whole block.
    whole = client_for(personas.coordinator).get(f"/api/v1/blocks/{province.block_communes.pk}/").json()
    assert sorted(whole["member_codes"]) == ["C1", "C2", "C3"]


def test_an_agency_names_only_the_successors_in_scope_like_its_page(personas: Any, province: Any) -> None:
    """SA merged into SB: SA's officer is not told about SB; the province's coordinator is."""
    province.dept_a.successors.add(province.dept_b)
    officer = client_for(personas.officer_a)
    assert officer.get("/api/v1/agencies/SA/").json()["successor_codes"] == []
    assert list(officer.get("/agencies/SA/").context["successors"]) == []
    coordinator = client_for(personas.coordinator)
    assert coordinator.get("/api/v1/agencies/SA/").json()["successor_codes"] == ["SB"]
    assert [a.code for a in coordinator.get("/agencies/SA/").context["successors"]] == ["SB"]


@pytest.mark.parametrize(
    ("query", "expected"), [("year=2025", ["SBN", "XA-D1"]), ("year=2024", []), ("q=xa", ["XA-D1"])]
)
def test_blocks_filter_like_their_page(query: str, expected: list[str], personas: Any, province: Any) -> None:
    client = client_for(personas.viewer)
    page = client.get(f"/agencies/blocks/?{query}")
    assert [b.code for b in page.context["object_list"]] == expected
    assert [b["code"] for b in client.get(f"/api/v1/blocks/?{query}").json()["results"]] == expected


def test_blocks_page_and_api_list_the_newest_year_first(personas: Any, province: Any) -> None:
    Block.objects.create(year=2026, code="SBN", name="Sở, ban, ngành", owner=province.province)
    Block.objects.create(year=2024, code="AAA", name="Khối cũ", owner=province.province)
    expected = [(2026, "SBN"), (2025, "SBN"), (2025, "XA-D1"), (2024, "AAA")]
    client = client_for(personas.viewer)
    page = client.get("/agencies/blocks/")
    assert [(b.year, b.code) for b in page.context["object_list"]] == expected
    assert [(b["year"], b["code"]) for b in client.get("/api/v1/blocks/").json()["results"]] == expected


def test_a_user_with_a_block_role_on_a_department_sees_no_block_of_the_province(province: Any) -> None:
    viewer_of_sa = make_user("viewer_sa", "viewer", province.dept_a)
    assert client_for(viewer_of_sa).get("/api/v1/blocks/").json()["results"] == []
    assert client_for(viewer_of_sa).get("/agencies/blocks/").context["object_list"].count() == 0
