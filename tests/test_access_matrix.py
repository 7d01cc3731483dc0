"""Who may open what: every page and API route, tried by every persona (DESIGN §4).

The matrix below is the specification. A route that takes an agency or a block is requested for
objects the persona may see and for objects it may not; another agency's object answers 404, as if
it did not exist (NetBox's ``RestrictedQuerySet``). ``test_every_route_is_in_the_matrix`` fails when
a route is added without a row here (NetBox's ``test_model_test_coverage``).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse

from cchc.agencies.models import Block
from cchc.core.models import Task
from conftest import PASSWORD, client_for

PERSONAS = (
    "officer_a",
    "officer_b",
    "head",
    "coordinator",
    "district_coordinator",
    "appraiser",
    "inspector",
    "viewer",
    "admin",
    "anonymous",
)
MISSING = "NO-SUCH"  # an object code that exists nowhere: must look exactly like another agency's


@dataclass(frozen=True)
class Redirect:
    """A 302 to ``path``; ``back`` when the login page is told to send the user back afterwards."""

    path: str
    back: bool = False


Expect = int | Redirect
LOGIN = Redirect("/accounts/login/", back=True)
ADMIN_LOGIN = Redirect("/admin/login/", back=True)


def everyone(default: Any, **overrides: Any) -> dict[str, Any]:
    """One expectation per persona: ``default`` unless overridden by name."""
    unknown = set(overrides) - set(PERSONAS)
    assert not unknown, f"not personas: {unknown}"
    return {persona: overrides.get(persona, default) for persona in PERSONAS}


@dataclass(frozen=True)
class Route:
    """How to request a route and what each persona gets.

    ``expect`` maps persona → status; for a route on an object (``lookup``), persona → {object
    code → status}: agency codes for ``code``, block codes for ``pk``.
    """

    expect: dict[str, Any]
    method: str = "get"
    lookup: str | None = None
    data: Callable[[str], dict[str, str]] = field(default=lambda persona: {})


def credentials(persona: str) -> dict[str, str]:
    """Each persona posts its own user name and password; the visitor posts a wrong password."""
    if persona == "anonymous":
        return {"username": "officer_a", "password": "not-the-password"}
    return {"username": persona, "password": PASSWORD}


SIGNED_IN_PAGE = everyone(200, anonymous=LOGIN)
SIGNED_IN_API = everyone(200, anonymous=401)
BLOCK_ROLES_ONLY = everyone(200, officer_a=403, officer_b=403, head=403, anonymous=LOGIN)

# Agency objects seen through the page and the API alike.
AGENCY_OBJECTS: dict[str, dict[str, Expect]] = {
    "officer_a": {"SA": 200, "SB": 404, "HA": 404, "C1": 404, MISSING: 404},
    "officer_b": {"SB": 200, "SA": 404, "HA": 404, MISSING: 404},
    "head": {"SA": 200, "SB": 404, "D1": 404, MISSING: 404},
    "coordinator": {"HA": 200, "SB": 200, "C3": 200, MISSING: 404},
    "district_coordinator": {"D1": 200, "C1": 200, "C2": 200, "SA": 404, "HA": 404, "D2": 404, "C3": 404, MISSING: 404},
    "appraiser": {"HA": 200, "SB": 200, "C3": 200, MISSING: 404},
    "inspector": {"HA": 200, "C2": 200, MISSING: 404},
    "viewer": {"HA": 200, "SA": 200, "C1": 200, MISSING: 404},
    "admin": {"HA": 200, "C3": 200, MISSING: 404},
}
AGENCY_PAGE = {**AGENCY_OBJECTS, "anonymous": {"SA": LOGIN, MISSING: LOGIN}}
AGENCY_API = {**AGENCY_OBJECTS, "anonymous": {"SA": 401, MISSING: 401}}

# Blocks: SBN is the province's (owner HA), XA-D1 the district's (owner D1).
BLOCK_OBJECTS: dict[str, dict[str, Expect]] = {
    "coordinator": {"SBN": 200, "XA-D1": 200, MISSING: 404},
    "district_coordinator": {"XA-D1": 200, "SBN": 404, MISSING: 404},
    "appraiser": {"SBN": 200, "XA-D1": 200, MISSING: 404},
    "inspector": {"SBN": 200, MISSING: 404},
    "viewer": {"SBN": 200, "XA-D1": 200, MISSING: 404},
    "admin": {"SBN": 200, "XA-D1": 200, MISSING: 404},
}
NO_BLOCK_ROLE = ("officer_a", "officer_b", "head")
# The page refuses a user without a block role outright; the API finds nothing in their scope.
BLOCK_PAGE = {
    **BLOCK_OBJECTS,
    **{p: {"SBN": 403, "XA-D1": 403} for p in NO_BLOCK_ROLE},
    "anonymous": {"SBN": LOGIN, MISSING: LOGIN},
}
BLOCK_API = {
    **BLOCK_OBJECTS,
    **{p: {"SBN": 404, "XA-D1": 404} for p in NO_BLOCK_ROLE},
    "anonymous": {"SBN": 401, MISSING: 401},
}

# Background tasks: seen by the person who started them (and administrators) only.
TASK_OWNERS = ("officer_a", "coordinator")
TASK_OBJECTS: dict[str, dict[str, Expect]] = {
    **{p: {"officer_a": 404, "coordinator": 404, MISSING: 404} for p in PERSONAS},
    "officer_a": {"officer_a": 200, "coordinator": 404, MISSING: 404},
    "coordinator": {"coordinator": 200, "officer_a": 404, MISSING: 404},
    "admin": {"officer_a": 200, "coordinator": 200, MISSING: 404},
    "anonymous": {"officer_a": LOGIN, MISSING: LOGIN},
}
# The ranking report is the coordinators' and the leadership's document.
REPORT_PAGE = {**BLOCK_PAGE, "appraiser": {"SBN": 403, MISSING: 403}, "inspector": {"SBN": 403, MISSING: 403}}

MATRIX: dict[str, Route] = {
    # Pages
    "core:home": Route(SIGNED_IN_PAGE),
    "core:task": Route(TASK_OBJECTS, lookup="task"),
    "core:task_progress": Route(TASK_OBJECTS, lookup="task"),
    "core:audit": Route(everyone(403, coordinator=200, district_coordinator=200, admin=200, anonymous=LOGIN)),
    "accounts:login": Route(everyone(Redirect("/"), anonymous=200)),
    "accounts:logout": Route(everyone(Redirect("/accounts/login/"), anonymous=LOGIN), method="post"),
    "accounts:password_change": Route(SIGNED_IN_PAGE),
    "accounts:password_change_done": Route(SIGNED_IN_PAGE),
    "accounts:profile": Route(SIGNED_IN_PAGE),
    "agencies:list": Route(SIGNED_IN_PAGE),
    "agencies:tree": Route(SIGNED_IN_PAGE),
    "agencies:export": Route(SIGNED_IN_PAGE),
    "agencies:blocks": Route(BLOCK_ROLES_ONLY),
    "agencies:block": Route(BLOCK_PAGE, lookup="pk"),
    "agencies:block_export": Route(BLOCK_ROLES_ONLY),
    # Coordinators only; a post without a file goes back to the blocks page with the form's message.
    "agencies:block_import": Route(
        everyone(
            403,
            coordinator=Redirect("/agencies/blocks/"),
            district_coordinator=Redirect("/agencies/blocks/"),
            admin=Redirect("/agencies/blocks/"),
            anonymous=LOGIN,
        ),
        method="post",
    ),
    "agencies:detail": Route(AGENCY_PAGE, lookup="code"),
    "dossiers:index": Route(SIGNED_IN_PAGE),
    "dossiers:export": Route(SIGNED_IN_PAGE),
    "dossiers:procedures": Route(SIGNED_IN_PAGE),
    "dossiers:upload": Route(
        everyone(
            403, officer_a=200, officer_b=200, coordinator=200, district_coordinator=200, admin=200, anonymous=LOGIN
        )
    ),
    "dossiers:targets": Route(SIGNED_IN_PAGE),
    "dossiers:service_index": Route(SIGNED_IN_PAGE),
    # Without a code found in the scope, back to the index (tests/test_dossier_pages.py finds one).
    "dossiers:lookup": Route(everyone(Redirect("/dossiers/"), anonymous=LOGIN)),
    "dossiers:agency": Route(AGENCY_PAGE, lookup="code"),
    "dossiers:block": Route(BLOCK_PAGE, lookup="pk"),
    "set_language": Route(
        everyone(Redirect("/agencies/")), method="post", data=lambda persona: {"language": "en", "next": "/agencies/"}
    ),
    "admin:index": Route(everyone(ADMIN_LOGIN, admin=200)),
    "scoring:index": Route(SIGNED_IN_PAGE),
    "scoring:public": Route(everyone(200)),
    "scoring:block": Route(BLOCK_PAGE, lookup="pk"),
    "scoring:framework": Route(BLOCK_PAGE, lookup="pk"),
    "scoring:report": Route(REPORT_PAGE, lookup="pk"),
    "scoring:agency": Route(AGENCY_PAGE, lookup="code"),
    "scoring:assessment": Route(AGENCY_PAGE, lookup="code"),
    "scoring:evidence": Route(everyone(404, anonymous=LOGIN)),  # without ?id=; scope tried in test_scoring_pages
    # API
    "api:api-root": Route(SIGNED_IN_API),
    "api:agency-list": Route(SIGNED_IN_API),
    "api:agency-detail": Route(AGENCY_API, lookup="code"),
    "api:block-list": Route(SIGNED_IN_API),
    "api:block-detail": Route(BLOCK_API, lookup="pk"),
    "api:assessment-list": Route(SIGNED_IN_API),
    "api:score-list": Route(SIGNED_IN_API),
    "api:scoring-action": Route(everyone(400, anonymous=401), method="post"),  # an empty step is refused
    "api:token": Route(everyone(200, anonymous=400), method="post", data=credentials),
    "api:me": Route(SIGNED_IN_API),
    "api:schema": Route(SIGNED_IN_API),
    "api:docs": Route(SIGNED_IN_PAGE),
    "api:procedure-list": Route(SIGNED_IN_API),
    "api:dossier-list": Route(SIGNED_IN_API),
    "api:dossier-stats": Route(SIGNED_IN_API),
}


def _cases() -> Iterator[Any]:
    for name, route in MATRIX.items():
        for persona in PERSONAS:
            if route.lookup is None:
                yield pytest.param(name, persona, None, id=f"{name}-{persona}")
            else:
                for obj in route.expect[persona]:
                    yield pytest.param(name, persona, obj, id=f"{name}-{persona}-{obj}")


def _kwargs(route: Route, obj: str | None) -> dict[str, Any]:
    if route.lookup == "code":
        return {"code": obj}
    if route.lookup == "task":
        task_id = Task.objects.filter(user__username=obj).values_list("pk", flat=True).first()
        return {"pk": task_id or uuid.uuid4()}
    if route.lookup == "pk":
        pk = Block.objects.filter(code=obj).values_list("pk", flat=True).first()
        return {"pk": pk or 999_999}
    return {}


def assert_answer(response: Any, expected: Expect, url: str) -> None:
    if isinstance(expected, int):
        assert response.status_code == expected, f"{url}: {response.status_code}, expected {expected}"
        return
    assert response.status_code == 302, f"{url}: {response.status_code}, expected a redirect to {expected.path}"
    location = urlsplit(response["Location"])
    assert location.path == expected.path, f"{url} redirects to {response['Location']}"
    assert parse_qs(location.query).get("next") == ([url] if expected.back else None), response["Location"]


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    """The token endpoint is rate-limited per address; every test starts with a clean count."""
    cache.clear()


@pytest.mark.parametrize(("route_name", "persona", "obj"), list(_cases()))
def test_access(route_name: str, persona: str, obj: str | None, personas: Any, province: Any) -> None:
    route = MATRIX[route_name]
    expected = route.expect[persona] if obj is None else route.expect[persona][obj]
    if route.lookup == "task":
        for owner in TASK_OWNERS:
            Task.objects.create(kind="tests.noop", label="import", user=getattr(personas, owner))
    url = reverse(route_name, kwargs=_kwargs(route, obj))
    client = client_for(personas.all()[persona])
    response = getattr(client, route.method)(url, route.data(persona))
    assert_answer(response, expected, url)


# The matrix itself


def _is_format_suffix(pattern: str) -> bool:
    """DRF's ``.json``/``.api`` duplicates of a route (same view, same name)."""
    return "(?P<format>" in pattern or ":format>" in pattern


def _is_static(pattern: str) -> bool:
    prefixes = [p.strip("/") for p in (settings.STATIC_URL, settings.MEDIA_URL) if p]
    return any(pattern.lstrip("^/").startswith(p) for p in prefixes)


def routes(patterns: list[Any] | None = None, namespace: str = "", prefix: str = "") -> Iterator[tuple[str, str]]:
    """(namespaced name, full pattern) of every URL pattern, walking included URLconfs.

    An unnamed pattern keeps its namespace ("admin:"), so that it is excluded or reported with it.
    """
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or ''}", prefix + str(entry.pattern)


def routes_to_cover() -> list[tuple[str, str]]:
    wanted = []
    for name, pattern in routes():
        if name.startswith("admin:") and name != "admin:index":
            continue  # Django's own admin: its index stands for it
        if _is_format_suffix(pattern) or _is_static(pattern):
            continue
        wanted.append((name, pattern))
    return wanted


def test_the_route_walk_finds_pages_api_and_admin() -> None:
    found = dict(routes_to_cover())
    assert {"core:home", "agencies:detail", "api:agency-detail", "admin:index", "api:token"} <= set(found)
    assert found["api:agency-detail"] == "api/v1/^agencies/(?P<code>[^/]+)/$"
    assert not any(name.startswith("admin:") and name != "admin:index" for name in found)
    assert not any(_is_format_suffix(pattern) for pattern in found.values())


def uncovered() -> tuple[list[str], list[str], list[str]]:
    """(unnamed patterns, route names missing from MATRIX, MATRIX rows matching no route)."""
    found = routes_to_cover()
    unnamed = sorted(pattern for name, pattern in found if not name or name.endswith(":"))
    names = {name for name, _ in found if name and not name.endswith(":")}
    return unnamed, sorted(names - set(MATRIX)), sorted(set(MATRIX) - names)


def test_every_route_is_in_the_matrix() -> None:
    unnamed, missing, stale = uncovered()
    assert not unnamed, f"give these routes a name and a row in MATRIX: {unnamed}"
    assert not missing, f"routes without a row in tests/test_access_matrix.py MATRIX: {missing}"
    assert not stale, f"MATRIX rows for routes that no longer exist: {stale}"


def _new_page(request: Any) -> HttpResponse:
    return HttpResponse("new")


urlpatterns = [
    *get_resolver(settings.ROOT_URLCONF).url_patterns,
    path("reports/", include(([path("<int:pk>/", _new_page, name="detail")], "reports"))),
    path("unnamed/", _new_page),
]


@override_settings(ROOT_URLCONF=__name__)
def test_the_coverage_check_catches_a_route_added_without_a_row() -> None:
    unnamed, missing, stale = uncovered()
    assert unnamed == ["unnamed/"]
    assert missing == ["reports:detail"]
    assert stale == []


@pytest.mark.parametrize("route_name", list(MATRIX))
def test_each_row_names_every_persona_and_both_sides_of_scope(route_name: str) -> None:
    route = MATRIX[route_name]
    assert set(route.expect) == set(PERSONAS)
    if route.lookup is None:
        return
    for persona, objects in route.expect.items():
        assert len(objects) >= 2, f"{route_name}: {persona} must try an object it may see and one it may not"
        assert any(status != 200 for status in objects.values()), f"{route_name}: {persona} is never refused"
        if persona in AGENCY_OBJECTS and route.lookup == "code":
            assert 200 in objects.values(), f"{route_name}: {persona} never sees its own agency"


# Listings show only what is in scope

SCOPE = {
    "officer_a": {"SA"},
    "officer_b": {"SB"},
    "head": {"SA"},
    "coordinator": {"HA", "SA", "SB", "D1", "C1", "C2", "D2", "C3"},
    "district_coordinator": {"D1", "C1", "C2"},
    "appraiser": {"HA", "SA", "SB", "D1", "C1", "C2", "D2", "C3"},
    "inspector": {"HA", "SA", "SB", "D1", "C1", "C2", "D2", "C3"},
    "viewer": {"HA", "SA", "SB", "D1", "C1", "C2", "D2", "C3"},
    "admin": {"HA", "SA", "SB", "D1", "C1", "C2", "D2", "C3"},
}
NAMES = {
    "HA": "UBND tỉnh Hòa An",
    "SA": "Sở Tư pháp",
    "SB": "Sở Y tế",
    "D1": "UBND huyện Một",
    "C1": "UBND xã Một",
    "C2": "UBND xã Hai",
    "D2": "UBND huyện Hai",
    "C3": "UBND xã Ba",
}


def api_codes(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [row["code"] for row in response.json()["results"]]


@pytest.mark.parametrize("persona", list(SCOPE))
def test_agency_list_page_shows_only_the_scope(persona: str, personas: Any, province: Any) -> None:
    response = client_for(personas.all()[persona]).get("/agencies/")
    assert response.status_code == 200
    assert {a.code for a in response.context["object_list"]} == SCOPE[persona]
    assert response.context["paginator"].count == len(SCOPE[persona])
    html = response.content.decode()
    for code, name in NAMES.items():
        # A list row links to the agency; an agency outside the scope must not be linked.
        assert (f'href="/agencies/{code}/"' in html) == (code in SCOPE[persona]), code
        if code in SCOPE[persona]:
            assert name in html


@pytest.mark.parametrize("persona", list(SCOPE))
def test_agency_api_lists_only_the_scope(persona: str, personas: Any, province: Any) -> None:
    codes = api_codes(client_for(personas.all()[persona]), "/api/v1/agencies/")
    assert sorted(codes) == sorted(SCOPE[persona])
    assert len(codes) == len(set(codes)), "an agency reached through several grants is listed once"


@pytest.mark.parametrize("persona", list(SCOPE))
def test_agency_tree_shows_only_the_scope(persona: str, personas: Any, province: Any) -> None:
    response = client_for(personas.all()[persona]).get("/agencies/tree/")
    assert response.context["count"] == len(SCOPE[persona])
    html = response.content.decode()
    for code in NAMES:
        assert (f'href="/agencies/{code}/"' in html) == (code in SCOPE[persona]), code


@pytest.mark.parametrize("persona", list(SCOPE))
def test_agency_export_holds_only_the_scope(persona: str, personas: Any, province: Any) -> None:
    province.dept_a.successors.add(province.dept_b)  # SA merged into SB
    province.commune_1.successors.add(province.other_commune)  # C1 merged into D2's C3
    response = client_for(personas.all()[persona]).get("/agencies/export/?format=csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = {row[0]: row for row in list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]}
    assert set(rows) == SCOPE[persona]
    successors = {code: row[6] for code, row in rows.items() if row[6]}
    expected = {"SA": "SB", "C1": "C3"}
    # A successor is named only when it is in scope too, as on the agency's page.
    assert successors == {a: s for a, s in expected.items() if {a, s} <= SCOPE[persona]}
    # A parent is named by code (the organisation chart), even the province above a district.
    assert {row[3] for row in rows.values() if row[3]} - SCOPE[persona] <= {"HA"}


def test_agency_detail_links_only_to_agencies_in_scope(personas: Any, province: Any) -> None:
    html = client_for(personas.district_coordinator).get("/agencies/D1/").content.decode()
    assert 'href="/agencies/C1/"' in html
    assert 'href="/agencies/C2/"' in html
    assert 'href="/agencies/HA/"' not in html, "the province is outside a district coordinator's scope"
    html = client_for(personas.officer_a).get("/agencies/SA/").content.decode()
    other_agency = re.compile(r'href="/agencies/(?!SA/|tree/|blocks/|export/)[^"/]+/"')
    assert not other_agency.search(html), "an officer sees links to other agencies"


def test_the_users_of_an_agency_are_shown_to_a_coordinator_only(personas: Any, province: Any) -> None:
    html = client_for(personas.coordinator).get("/agencies/SA/").content.decode()
    assert 'id="users-heading"' in html
    assert "Officer_A" in html and "Head" in html
    for persona in ("officer_a", "head", "viewer", "appraiser"):
        html = client_for(personas.all()[persona]).get("/agencies/SA/").content.decode()
        assert 'id="users-heading"' not in html, persona
