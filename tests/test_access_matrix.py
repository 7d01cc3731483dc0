"""Who may open what: every page and API route, tried by every persona (DESIGN §4).

The matrix below is the specification. A route that takes an agency or a block is requested for
objects the persona may see and for objects it may not; another agency's object answers 404, as if
it did not exist (NetBox's ``RestrictedQuerySet``). ``ACTIONS`` does the same for every POST route and
each of its actions: an accepted POST changes the data, a refused one changes nothing.
``test_every_route_is_in_the_matrix`` fails when a route is added without a row here (NetBox's
``test_model_test_coverage``), ``test_every_route_taking_a_post_has_post_rows`` when a route that acts
has no POST row, and ``test_a_row_tells_the_personas_apart`` when a row gives every signed-in persona
the same answer (it would test nothing about roles) without a reason in ``SAME_FOR_EVERY_ROLE``.

A row's key is the route's name, or "name#variant" for a route's second row (its POST, say).
"""

from __future__ import annotations

import csv
import importlib
import inspect
import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django.utils import timezone

from cchc.accounts.models import RoleGrant
from cchc.accounts.roles import Role
from cchc.agencies.models import Agency, Block
from cchc.core.models import AuditEntry, Task
from cchc.reports.models import Report, ReportingPeriod
from cchc.scoring import totals
from cchc.scoring.frameworks import import_framework
from cchc.scoring.models import AppraiserAssignment, Assessment, Evidence, Framework, Score
from conftest import PASSWORD, client_for, make_user
from tests.report_helpers import open_period, small_form
from tests.scoring_helpers import assessment_for, assign, fill_self_scores, write_framework
from tests.scoring_helpers import score as score_of

State = Assessment.State

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


@dataclass(frozen=True)
class Changes:
    """The POST is accepted: it answers ``answer`` and changes the data (any other answer to a POST
    is a refusal, after which nothing has changed)."""

    answer: Expect


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


def new_password(persona: str) -> dict[str, str]:
    """Each persona changes its own password (the visitor has none to change)."""
    new = "Hoa-An-mat-khau-moi-2026"
    return {"old_password": PASSWORD, "new_password1": new, "new_password2": new}


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
# Only its own user starts a task again, once it has failed (the matrix's tasks are still queued).
TASK_RESTART: dict[str, dict[str, Expect]] = {
    **{p: {"officer_a": 404, MISSING: 404} for p in PERSONAS},
    "anonymous": {"officer_a": LOGIN, MISSING: LOGIN},
}
# The ranking report is the coordinators' and the leadership's document.
REPORT_PAGE = {**BLOCK_PAGE, "appraiser": {"SBN": 403, MISSING: 403}, "inspector": {"SBN": 403, MISSING: 403}}

# Periodic reports of the province's period, opened for SBN (SA and SB): the agency's own, its readers'.
REPORT_OBJECTS: dict[str, dict[str, Expect]] = {
    "officer_a": {"SA": 200, "SB": 404, MISSING: 404},
    "officer_b": {"SB": 200, "SA": 404},
    "head": {"SA": 200, "SB": 404},
    "coordinator": {"SA": 200, "SB": 200, MISSING: 404},
    "district_coordinator": {"SA": 404, "SB": 404},
    "appraiser": {"SA": 200, MISSING: 404},
    "inspector": {"SA": 200, MISSING: 404},
    "viewer": {"SA": 200, "SB": 200, MISSING: 404},
    "admin": {"SA": 200, MISSING: 404},
}
REPORT_OBJECTS_PAGE = {**REPORT_OBJECTS, "anonymous": {"SA": LOGIN, MISSING: LOGIN}}
REPORT_OBJECTS_API = {**REPORT_OBJECTS, "anonymous": {"SA": 401, MISSING: 401}}
OWED = Redirect("/reports/r/*/")
# The calendar is open to every signed-in person (the reports in a period are scoped).
PERIOD_OBJECTS_PAGE = {**{p: {"HA": 200, MISSING: 404} for p in PERSONAS}, "anonymous": {"HA": LOGIN, MISSING: LOGIN}}
PERIOD_OBJECTS_API = {**{p: {"HA": 200, MISSING: 404} for p in PERSONAS}, "anonymous": {"HA": 401, MISSING: 401}}
# Plans: HA's plan of 2026 with one task led by SA: the province's readers and SA's see it, no one else.
PLAN_OBJECTS: dict[str, dict[str, Expect]] = {
    **{p: {"HA": 200, MISSING: 404} for p in ("officer_a", "head", "coordinator", "appraiser", "inspector")},
    **{p: {"HA": 200, MISSING: 404} for p in ("viewer", "admin")},
    "officer_b": {"HA": 404, MISSING: 404},
    "district_coordinator": {"HA": 404, MISSING: 404},
}
PLAN_PAGE = {**PLAN_OBJECTS, "anonymous": {"HA": LOGIN, MISSING: LOGIN}}
PLAN_LOOKUPS = ("plan", "plan_task", "plan_file", "plan_update")
PLAN_API = {**PLAN_OBJECTS, "anonymous": {"HA": 401, MISSING: 401}}


INDEX_EDITORS = everyone(403, coordinator=Redirect("/indices/"), admin=Redirect("/indices/"), anonymous=LOGIN)
INDEX_API = {**{p: {"HA": 200, MISSING: 404} for p in PERSONAS}, "anonymous": {"HA": 401, MISSING: 401}}


def make_index(province: Any) -> None:
    from cchc.indices.models import IndexKind, ProvincialIndex

    kind = IndexKind.objects.get(code="PAR_INDEX")
    ProvincialIndex.objects.create(province=province.province, kind=kind, year=2024, score=88, rank=14, out_of=63)


def index_file(world: Any, target: str) -> dict[str, Any]:
    content = b"index_code,year,score,rank,out_of,note\nPCI,2025,69.02,8,34,\n"
    return {"file": SimpleUploadedFile("indices.csv", content, content_type="text/csv")}


def make_plan(province: Any) -> None:
    from cchc.plans.models import Plan, TaskUpdate
    from cchc.plans.models import Task as PlanTask

    plan = Plan.objects.create(year=2026, agency=province.province, title="Kế hoạch CCHC năm 2026")
    task = PlanTask.objects.create(
        plan=plan, task_code="1", title="t", area="direction", lead_agency=province.dept_a, deadline="2026-06-30"
    )
    TaskUpdate.objects.create(task=task, kind="progress", agency=province.dept_a, text="Đã triển khai")


def make_task_file(media: Path) -> None:
    """An evidence file of the update of ``make_plan``'s task, stored under ``media``."""
    from django.core.files.base import ContentFile

    from cchc.plans.models import TaskFile, TaskUpdate

    stored = TaskFile(update=TaskUpdate.objects.get(), original_name="Biên bản.pdf", size=8)
    with override_settings(MEDIA_ROOT=media):
        stored.file.save("a.pdf", ContentFile(b"%PDF-1.4"), save=True)


# Surveys: the questionnaire of 2025 (no agency's data: every signed-in person reads it; the province's
# coordinators edit it) and a paper batch of SA and one of SB, each typed twice and ready to save.
SURVEY_YEAR_PAGE = {**{p: {"2025": 200, "1999": 404} for p in PERSONAS}, "anonymous": {"2025": LOGIN, "1999": LOGIN}}
SURVEY_YEAR_API = {**{p: {"2025": 200, "1999": 404} for p in PERSONAS}, "anonymous": {"2025": 401, "1999": 401}}
QUESTIONNAIRE_PAGE = Redirect("/surveys/questionnaires/2025/")
BUILDERS_ONLY = everyone(
    403,
    coordinator=Changes(Redirect("/surveys/questionnaires/2027/")),
    admin=Changes(Redirect("/surveys/questionnaires/2027/")),
    anonymous=LOGIN,
)
BUILDER_ACTION = {
    **{p: {"2025": 403, "1999": 403} for p in PERSONAS},
    "coordinator": {"2025": Changes(QUESTIONNAIRE_PAGE), "1999": 404},
    "admin": {"2025": Changes(QUESTIONNAIRE_PAGE), "1999": 404},
    "anonymous": {"2025": LOGIN, "1999": LOGIN},
}
ENTRY_PAGE = everyone(200, appraiser=403, inspector=403, viewer=403, anonymous=LOGIN)
BATCH_OBJECTS: dict[str, dict[str, Any]] = {
    **{p: {"SA": 404, "SB": 404, MISSING: 404} for p in PERSONAS},
    "officer_a": {"SA": 200, "SB": 404, MISSING: 404},
    "officer_b": {"SB": 200, "SA": 404, MISSING: 404},
    "head": {"SA": 200, "SB": 404, MISSING: 404},
    "coordinator": {"SA": 200, "SB": 200, MISSING: 404},
    "admin": {"SA": 200, "SB": 200, MISSING: 404},
    "anonymous": {"SA": LOGIN, "SB": LOGIN, MISSING: LOGIN},
}
BATCH_SAVED = Changes(Redirect("/surveys/paper/*/"))
BATCH_ACTION = {
    persona: {obj: (BATCH_SAVED if answer == 200 else answer) for obj, answer in objects.items()}
    for persona, objects in BATCH_OBJECTS.items()
}
NEW_BATCH = Changes(Redirect("/surveys/paper/*/entry/1/"))
# Entry 1 typed again: by whoever may, except the official who typed entry 2 (SA's head, SB's coordinator).
RETYPE = {
    persona: {obj: (BATCH_SAVED if answer == 200 else answer) for obj, answer in objects.items()}
    for persona, objects in BATCH_OBJECTS.items()
}
RETYPE["head"] = {"SA": 400, "SB": 404, MISSING: 404}
RETYPE["coordinator"] = {"SA": BATCH_SAVED, "SB": 400, MISSING: 404}


def grid_row(persona: str) -> dict[str, str]:
    return {"rows": "1", "r1-serial": "X-1", "r1-answered_on": "2025-03-02", "r1-A1": "4"}


def make_survey(province: Any, personas: Any) -> None:
    from cchc.surveys.models import PaperBatch, PaperEntry
    from tests.survey_helpers import questionnaire

    q = questionnaire(2025)
    for agency, first, second in (
        (province.dept_a, personas.officer_a, personas.head),
        (province.dept_b, personas.officer_b, personas.coordinator),
    ):
        batch = PaperBatch.objects.create(questionnaire=q, agency=agency, double_entry=True, created_by=first)
        for entry, user in ((1, first), (2, second)):
            PaperEntry.objects.create(
                batch=batch,
                entry=entry,
                serial=f"{agency.code}-1",
                answered_on="2025-03-01",
                values={"A1": 5},
                entered_by=user,
            )


def new_batch(persona: str) -> dict[str, str]:
    return {"agency": str(Agency.objects.get(code="SA").pk), "year": "2025", "name": "Lô"}


TEMPLATE_MANAGERS = everyone(403, coordinator=200, admin=200, anonymous=LOGIN)
TEMPLATES_PAGE = Redirect("/documents/templates/")


def default_template() -> SimpleUploadedFile:
    from cchc.documents import kinds

    return SimpleUploadedFile("mau.docx", kinds.get("ranking").default_path.read_bytes())


# Inspections: HA's inspection plan with one inspection (and finding) of SA and one of SB; HA's conclusion
# notice with a directive addressed to SA. An agency sees its own; the province's readers all; the
# appraisers (no reader's role here) and another agency nothing.
INSPECTION_OBJECTS: dict[str, dict[str, Expect]] = {
    "officer_a": {"SA": 200, "SB": 404, MISSING: 404},
    "officer_b": {"SB": 200, "SA": 404},
    "head": {"SA": 200, "SB": 404},
    "coordinator": {"SA": 200, "SB": 200, MISSING: 404},
    "district_coordinator": {"SA": 404, "SB": 404},
    "appraiser": {"SA": 404, "SB": 404},
    "inspector": {"SA": 200, MISSING: 404},
    "viewer": {"SA": 200, "SB": 200, MISSING: 404},
    "admin": {"SA": 200, MISSING: 404},
}
INSPECTION_PAGE = {**INSPECTION_OBJECTS, "anonymous": {"SA": LOGIN, MISSING: LOGIN}}
INSPECTION_API = {**INSPECTION_OBJECTS, "anonymous": {"SA": 401, MISSING: 401}}
INSPECTION_PLAN_API: dict[str, dict[str, Expect]] = {
    **{p: {"HA": 200, MISSING: 404} for p in ("officer_a", "officer_b", "head", "coordinator", "inspector")},
    **{p: {"HA": 200, MISSING: 404} for p in ("viewer", "admin")},
    "district_coordinator": {"HA": 404, MISSING: 404},
    "appraiser": {"HA": 404, MISSING: 404},
    "anonymous": {"HA": 401, MISSING: 401},
}
CONCLUSION_OBJECTS: dict[str, dict[str, Expect]] = {
    **{p: {"HA": 200, MISSING: 404} for p in ("officer_a", "head", "coordinator", "appraiser", "inspector")},
    **{p: {"HA": 200, MISSING: 404} for p in ("viewer", "admin")},
    "officer_b": {"HA": 404, MISSING: 404},
    "district_coordinator": {"HA": 404, MISSING: 404},
}
CONCLUSION_PAGE = {**CONCLUSION_OBJECTS, "anonymous": {"HA": LOGIN, MISSING: LOGIN}}
CONCLUSION_API = {**CONCLUSION_OBJECTS, "anonymous": {"HA": 401, MISSING: 401}}
INSPECTION_LOOKUPS = ("inspection", "finding", "conclusion", "inspection_plan")


def make_inspections(personas: Any, province: Any) -> None:
    from tests.inspection_helpers import conclusion_with_directive, finding_of

    finding_of(personas, province)
    finding_of(personas, province, agency=province.dept_b)
    conclusion_with_directive(personas, province)


SURVEY_MANAGERS = everyone(
    403, officer_a=200, officer_b=200, head=200, coordinator=200, district_coordinator=200, admin=200, anonymous=LOGIN
)
SURVEY_REVIEWERS = everyone(403, coordinator=200, district_coordinator=200, admin=200, anonymous=LOGIN)
COUNTERS_PAGE = Redirect("/surveys/public/counters/")
# A counter of SA and one of SB: their QR codes for the agencies' own officers and coordinators.
COUNTER_QR: dict[str, dict[str, Expect]] = {
    "officer_a": {"SA": 200, "SB": 404},
    "officer_b": {"SB": 200, "SA": 404},
    "head": {"SA": 200, "SB": 404},
    "coordinator": {"SA": 200, "SB": 200, MISSING: 404},
    "district_coordinator": {"SA": 404, MISSING: 404},
    **{p: {"SA": 403, MISSING: 403} for p in ("appraiser", "inspector", "viewer")},
    "admin": {"SA": 200, MISSING: 404},
    "anonymous": {"SA": LOGIN, MISSING: LOGIN},
}


def make_public_survey(province: Any) -> None:
    """The public form's: this year's questionnaire of one question, a counter of SA and one of SB."""
    from cchc.surveys.models import Counter, Questionnaire

    questionnaire = Questionnaire.objects.create(year=timezone.localdate().year, title="Phiếu khảo sát")
    questionnaire.questions.create(code="TC1", element="access", text="Nơi chờ đủ chỗ ngồi")
    Counter.objects.create(agency=province.dept_a, name="Quầy SA")
    Counter.objects.create(agency=province.dept_b, name="Quầy SB")


MATRIX: dict[str, Route] = {
    # Pages
    "core:home": Route(SIGNED_IN_PAGE),
    "core:task": Route(TASK_OBJECTS, lookup="task"),
    "core:task_progress": Route(TASK_OBJECTS, lookup="task"),
    "core:task_restart": Route(TASK_RESTART, lookup="task", method="post"),
    "core:audit": Route(everyone(403, coordinator=200, district_coordinator=200, admin=200, anonymous=LOGIN)),
    "core:audit_export": Route(everyone(403, coordinator=200, district_coordinator=200, admin=200, anonymous=LOGIN)),
    "accounts:login": Route(everyone(Redirect("/"), anonymous=200)),
    # Signed in, one is sent home; the visitor's wrong password is refused on the page.
    "accounts:login#post": Route(everyone(Redirect("/"), anonymous=200), method="post", data=credentials),
    "accounts:logout": Route(everyone(Redirect("/accounts/login/"), anonymous=LOGIN), method="post"),
    "accounts:password_change": Route(SIGNED_IN_PAGE),
    "accounts:password_change#post": Route(
        everyone(Changes(Redirect("/accounts/password/done/")), anonymous=LOGIN), method="post", data=new_password
    ),
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
    "plans:list": Route(SIGNED_IN_PAGE),
    "surveys:index": Route(SIGNED_IN_PAGE),
    "surveys:export": Route(SIGNED_IN_PAGE),
    "surveys:questionnaires": Route(SIGNED_IN_PAGE),
    "surveys:questionnaire_create": Route(BUILDERS_ONLY, method="post", data=lambda persona: {"year": "2027"}),
    "surveys:questionnaire": Route(SURVEY_YEAR_PAGE, lookup="survey_year"),
    "surveys:questionnaire_export": Route(SURVEY_YEAR_PAGE, lookup="survey_year"),
    "surveys:questionnaire_action": Route(
        BUILDER_ACTION,
        lookup="survey_year",
        method="post",
        data=lambda persona: {"action": "settings", "title": "Phiếu mới", "target": "85"},
    ),
    "surveys:batches": Route(ENTRY_PAGE),
    "surveys:batch_create": Route(
        everyone(
            403,
            officer_a=NEW_BATCH,
            head=NEW_BATCH,
            coordinator=NEW_BATCH,
            admin=NEW_BATCH,
            officer_b=404,
            district_coordinator=404,
            anonymous=LOGIN,
        ),
        method="post",
        data=new_batch,
    ),
    "surveys:batch": Route(BATCH_OBJECTS, lookup="batch"),
    "surveys:batch_entry": Route(BATCH_OBJECTS, lookup="batch_entry"),
    "surveys:batch_entry#post": Route(RETYPE, lookup="batch_entry", method="post", data=grid_row),
    "surveys:batch_action": Route(BATCH_ACTION, lookup="batch", method="post", data=lambda persona: {"action": "save"}),
    "api:questionnaire-list": Route(SIGNED_IN_API),
    "api:questionnaire-detail": Route(SURVEY_YEAR_API, lookup="survey_year"),
    "api:survey-stats": Route(SIGNED_IN_API),
    "plans:detail": Route(PLAN_PAGE, lookup="plan"),
    "plans:export": Route(PLAN_PAGE, lookup="plan"),
    "plans:appendix1": Route(SIGNED_IN_PAGE),
    "api:plan-list": Route(SIGNED_IN_API),
    "api:plan-detail": Route(PLAN_API, lookup="plan"),
    "api:task-list": Route(SIGNED_IN_API),
    "api:task-detail": Route(PLAN_API, lookup="plan_task"),
    "api:task-stats": Route(SIGNED_IN_API),
    # The province's indices: read by every signed-in person; changed by the province's coordinators only
    # (a district's coordinator is refused). A post without a file goes back to the page with its message.
    "indices:index": Route(SIGNED_IN_PAGE),
    "indices:export": Route(SIGNED_IN_PAGE),
    "indices:import": Route(INDEX_EDITORS, method="post"),
    "indices:save": Route(INDEX_EDITORS, method="post"),
    "api:provincial-index-list": Route(SIGNED_IN_API),
    "api:provincial-index-detail": Route(INDEX_API, lookup="index"),
    "plans:task": Route(PLAN_PAGE, lookup="plan_task"),
    "plans:file": Route(PLAN_PAGE, lookup="plan_file"),
    "plans:my_tasks": Route(everyone(200, anonymous=LOGIN)),
    "api:task-update-list": Route(SIGNED_IN_API),
    "api:task-update-detail": Route(PLAN_API, lookup="plan_update"),
    "dossiers:index": Route(SIGNED_IN_PAGE),
    "dossiers:export": Route(SIGNED_IN_PAGE),
    "dossiers:procedures": Route(SIGNED_IN_PAGE),
    "dossiers:upload": Route(
        everyone(
            403, officer_a=200, officer_b=200, coordinator=200, district_coordinator=200, admin=200, anonymous=LOGIN
        )
    ),
    "dossiers:upload_template": Route(
        everyone(
            403, officer_a=200, officer_b=200, coordinator=200, district_coordinator=200, admin=200, anonymous=LOGIN
        )
    ),
    "dossiers:targets": Route(SIGNED_IN_PAGE),
    "dossiers:service_index": Route(SIGNED_IN_PAGE),
    # Without a code found in the scope, back to the index (tests/test_dossier_pages.py finds one).
    "dossiers:lookup": Route(everyone(Redirect("/dossiers/"), anonymous=LOGIN)),
    "dossiers:agency": Route(AGENCY_PAGE, lookup="code"),
    # The agency's listing as a file: the same scope as its page.
    "dossiers:agency_dossiers": Route(AGENCY_PAGE, lookup="code"),
    "dossiers:block": Route(BLOCK_PAGE, lookup="pk"),
    # A signed-in user's choice is kept in the profile; a visitor's in a cookie.
    "set_language": Route(
        everyone(Changes(Redirect("/agencies/")), anonymous=Redirect("/agencies/")),
        method="post",
        data=lambda persona: {"language": "en", "next": "/agencies/"},
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
    "reports:index": Route(SIGNED_IN_PAGE),
    "reports:new_period": Route(everyone(403, coordinator=200, district_coordinator=200, admin=200, anonymous=LOGIN)),
    "reports:period": Route(PERIOD_OBJECTS_PAGE, lookup="period"),
    "reports:report": Route(REPORT_OBJECTS_PAGE, lookup="report"),
    "reports:document": Route(REPORT_OBJECTS_PAGE, lookup="report"),
    # The province's report: its coordinators and the leadership.
    "reports:province_document": Route(
        {
            **{p: {"HA": 403, MISSING: 404} for p in PERSONAS},
            "coordinator": {"HA": 200, MISSING: 404},
            "viewer": {"HA": 200, MISSING: 404},
            "admin": {"HA": 200, MISSING: 404},
            "anonymous": {"HA": LOGIN, MISSING: LOGIN},
        },
        lookup="period",
    ),
    # The home page's link to what an agency owes: on to its report, for those who see it.
    "reports:owed": Route(
        {
            **{p: {"SA": OWED, MISSING: 404} for p in PERSONAS},
            "officer_b": {"SB": OWED, "SA": 404},
            "district_coordinator": {"SA": 404, "SB": 404},
            "anonymous": {"SA": LOGIN, MISSING: LOGIN},
        },
        lookup="owed",
    ),
    # Templates serve the whole province: its coordinator and administrators, not a district's coordinator.
    "documents:templates": Route(TEMPLATE_MANAGERS),
    "documents:templates#post": Route(
        everyone(403, coordinator=Changes(TEMPLATES_PAGE), admin=Changes(TEMPLATES_PAGE), anonymous=LOGIN),
        method="post",
        data=lambda persona: {"action": "upload", "kind": "ranking", "year": "2026", "file": default_template()},
    ),
    # Without ?kind= (tests/test_documents.py downloads one).
    "documents:template_download": Route(everyone(403, coordinator=404, admin=404, anonymous=LOGIN)),
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
    "api:reporting-period-list": Route(SIGNED_IN_API),
    "api:reporting-period-detail": Route(PERIOD_OBJECTS_API, lookup="period"),
    "api:report-list": Route(SIGNED_IN_API),
    "api:report-detail": Route(REPORT_OBJECTS_API, lookup="report"),
    "api:report-action": Route(everyone(400, anonymous=401), method="post"),  # an empty step is refused
    # Periodic reports: completeness and timeliness (the coordinator's pages, and the readers')
    "reports:completeness": Route(BLOCK_ROLES_ONLY),
    "reports:matrix": Route(BLOCK_ROLES_ONLY),
    # Without ?period= there is nothing to drill into; the scope of a period is tried in test_report_completeness.
    "reports:completeness_agencies": Route(everyone(404, officer_a=403, officer_b=403, head=403, anonymous=LOGIN)),
    "api:report-completeness": Route(everyone(400, officer_a=403, officer_b=403, head=403, anonymous=401)),
    # The public survey form: no login, for everyone; an answer through a counter is accepted from anyone.
    "survey_form:agency": Route({p: {"SA": 200, MISSING: 404} for p in PERSONAS}, lookup="code"),
    # Without a one-time code the form takes nothing (the page says where to find one).
    "survey_form:agency#post": Route({p: {"SA": 200, MISSING: 404} for p in PERSONAS}, method="post", lookup="code"),
    "survey_form:counter": Route({p: {"SA": 200, MISSING: 404} for p in PERSONAS}, lookup="survey_counter"),
    "survey_form:counter#post": Route(
        {p: {"SA": Changes(200), MISSING: 404} for p in PERSONAS},
        method="post",
        lookup="survey_counter",
        data=lambda persona: {"q_TC1": "5"},
    ),
    # The counters and receipt codes of one's agencies: its officers, heads and coordinators.
    "survey_public:counters": Route(SURVEY_MANAGERS),
    "survey_public:counters#post": Route(
        {
            **SURVEY_MANAGERS,
            **{p: Changes(COUNTERS_PAGE) for p in ("officer_a", "head", "coordinator", "admin")},
            **{p: COUNTERS_PAGE for p in ("officer_b", "district_coordinator")},  # SA is not theirs
        },
        method="post",
        data=lambda persona: {"agency": "SA", "name": "Quầy số 9"},
    ),
    "survey_public:counter_qr": Route(COUNTER_QR, lookup="survey_counter_pk"),
    "survey_public:receipt_qr": Route(SURVEY_MANAGERS),
    # Held answers are reviewed by the coordinators (an empty decision goes back to the page).
    "survey_public:review": Route(SURVEY_REVIEWERS),
    "survey_public:review#post": Route(
        {
            **SURVEY_REVIEWERS,
            **{p: Redirect("/surveys/public/review/") for p in ("coordinator", "district_coordinator", "admin")},
        },
        method="post",
    ),
    "survey_public:held": Route(SIGNED_IN_PAGE),
    # One's own notifications
    "notifications:list": Route(SIGNED_IN_PAGE),
    "notifications:read": Route(everyone(Redirect("/notifications/"), anonymous=LOGIN), method="post"),
    # Conclusions and inspections (their POST steps are in ACTIONS)
    "inspections:index": Route(SIGNED_IN_PAGE),
    "inspections:inspection": Route(INSPECTION_PAGE, lookup="inspection"),
    "inspections:finding": Route(INSPECTION_PAGE, lookup="finding"),
    "inspections:evidence": Route(everyone(404, anonymous=LOGIN)),  # no such file; scope in test_inspections
    "inspections:conclusions": Route(SIGNED_IN_PAGE),
    "inspections:conclusion": Route(CONCLUSION_PAGE, lookup="conclusion"),
    "api:inspection-plan-list": Route(SIGNED_IN_API),
    "api:inspection-plan-detail": Route(INSPECTION_PLAN_API, lookup="inspection_plan"),
    "api:inspection-list": Route(SIGNED_IN_API),
    "api:inspection-detail": Route(INSPECTION_API, lookup="inspection"),
    "api:finding-list": Route(SIGNED_IN_API),
    "api:finding-detail": Route(INSPECTION_API, lookup="finding"),
    "api:conclusion-list": Route(SIGNED_IN_API),
    "api:conclusion-detail": Route(CONCLUSION_API, lookup="conclusion"),
    "api:inspection-stats": Route(SIGNED_IN_API),
    "api:inspection-action": Route(everyone(400, anonymous=401), method="post"),  # an empty step is refused
    "api:directive-tasks": Route(everyone(400, anonymous=401), method="post"),  # an empty step is refused
}


def url_name(key: str) -> str:
    """The route a MATRIX key stands for ("accounts:login#post" is a row of "accounts:login")."""
    return key.partition("#")[0]


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
    if route.lookup == "report":
        pk = Report.objects.filter(agency__code=obj).values_list("pk", flat=True).first()
        return {"pk": pk or 999_999}
    if route.lookup == "period":
        pk = ReportingPeriod.objects.filter(owner__code=obj).values_list("pk", flat=True).first()
        return {"pk": pk or 999_999}
    if route.lookup == "index":
        from cchc.indices.models import ProvincialIndex

        pk = ProvincialIndex.objects.filter(province__code=obj).values_list("pk", flat=True).first()
        return {"pk": pk or 999_999}
    if route.lookup in ("plan", "plan_task"):
        from cchc.plans.models import Plan
    if route.lookup in PLAN_LOOKUPS:
        from cchc.plans.models import Plan, TaskFile, TaskUpdate
        from cchc.plans.models import Task as PlanTask

        model: Any = {"plan": Plan, "plan_task": PlanTask, "plan_file": TaskFile, "plan_update": TaskUpdate}[
            route.lookup
        ]
        field = {
            "plan": "agency__code",
            "plan_task": "plan__agency__code",
            "plan_file": "update__task__plan__agency__code",
            "plan_update": "task__plan__agency__code",
        }[route.lookup]
        pk = model.objects.filter(**{field: obj}).values_list("pk", flat=True).first()
        return {"pk": pk or 999_999}
    if route.lookup in INSPECTION_LOOKUPS:
        from cchc.inspections.models import Conclusion, Finding, Inspection, InspectionPlan

        found: Any = {
            "inspection": Inspection.objects.filter(agency__code=obj),
            "finding": Finding.objects.filter(inspection__agency__code=obj),
            "conclusion": Conclusion.objects.filter(agency__code=obj),
            "inspection_plan": InspectionPlan.objects.filter(agency__code=obj),
        }[route.lookup]
        return {"pk": found.values_list("pk", flat=True).first() or 999_999}
    if route.lookup in ("survey_counter", "survey_counter_pk"):
        from cchc.surveys.models import Counter

        counter = Counter.objects.filter(agency__code=obj).first()
        if route.lookup == "survey_counter":
            return {"token": counter.token if counter else "no-such-counter"}
        return {"pk": counter.pk if counter else 999_999, "kind": "png"}
    if route.lookup == "owed":
        return {"pk": ReportingPeriod.objects.values_list("pk", flat=True).get(), "code": obj}
    if route.lookup == "survey_year":
        return {"year": int(obj or 0)}
    if route.lookup in ("batch", "batch_entry"):
        from cchc.surveys.models import PaperBatch

        pk = PaperBatch.objects.filter(agency__code=obj).values_list("pk", flat=True).first()
        return {"pk": pk or 999_999, **({"entry": 1} if route.lookup == "batch_entry" else {})}
    return {}


def assert_answer(response: Any, expected: Expect, url: str, context: dict[str, Any] | None = None) -> None:
    """``expected``'s status; a redirect's path may hold ``{names}`` of ``context`` and ``*`` wildcards."""
    if isinstance(expected, int):
        assert response.status_code == expected, f"{url}: {response.status_code}, expected {expected}"
        return
    assert response.status_code == 302, f"{url}: {response.status_code}, expected a redirect to {expected.path}"
    location = urlsplit(response["Location"])
    wanted = expected.path.format(**(context or {}))
    assert fnmatch(location.path, wanted), f"{url} redirects to {response['Location']}, expected {wanted}"
    assert parse_qs(location.query).get("next") == ([url] if expected.back else None), response["Location"]


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    """The token endpoint is rate-limited per address; every test starts with a clean count."""
    cache.clear()


@pytest.mark.parametrize(("route_name", "persona", "obj"), list(_cases()))
def test_access(route_name: str, persona: str, obj: str | None, personas: Any, province: Any, tmp_path: Path) -> None:
    route = MATRIX[route_name]
    expected = route.expect[persona] if obj is None else route.expect[persona][obj]
    if route.lookup == "task":
        for owner in TASK_OWNERS:
            Task.objects.create(kind="tests.noop", label="import", user=getattr(personas, owner))
    if route.lookup in ("report", "period", "owed"):
        open_period(personas, province)
    if route.lookup in PLAN_LOOKUPS:
        make_plan(province)
    if route.lookup == "index":
        make_index(province)
    if route.lookup == "plan_file":
        make_task_file(tmp_path / "media")
    if route.lookup in INSPECTION_LOOKUPS:
        make_inspections(personas, province)
    if route_name.startswith(("surveys:", "api:questionnaire", "api:survey")):
        make_survey(province, personas)
    if url_name(route_name).startswith(("survey_form:", "survey_public:")):
        make_public_survey(province)
    url = reverse(url_name(route_name), kwargs=_kwargs(route, obj))
    client = client_for(personas.all()[persona])
    before = watched() if route.method == "post" else None
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        response = getattr(client, route.method)(url, route.data(persona))
    assert_answer(response, expected.answer if isinstance(expected, Changes) else expected, url)
    if before is not None:
        assert (watched() != before) == isinstance(expected, Changes), f"{route_name} by {persona}: changed or not"


# The matrix itself


def _is_format_suffix(pattern: str) -> bool:
    """DRF's ``.json``/``.api`` duplicates of a route (same view, same name)."""
    return "(?P<format>" in pattern or ":format>" in pattern


def _is_static(pattern: str) -> bool:
    prefixes = [p.strip("/") for p in (settings.STATIC_URL, settings.MEDIA_URL) if p]
    return any(pattern.lstrip("^/").startswith(p) for p in prefixes)


def routes(
    patterns: list[Any] | None = None, namespace: str = "", prefix: str = ""
) -> Iterator[tuple[str, str, Callable[..., Any]]]:
    """(namespaced name, full pattern, view) of every URL pattern, walking included URLconfs.

    An unnamed pattern keeps its namespace ("admin:"), so that it is excluded or reported with it.
    """
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or ''}", prefix + str(entry.pattern), entry.callback


def routes_to_cover() -> list[tuple[str, str, Callable[..., Any]]]:
    wanted = []
    for name, pattern, view in routes():
        if name.startswith("admin:") and name != "admin:index":
            continue  # Django's own admin: its index stands for it
        if _is_format_suffix(pattern) or _is_static(pattern):
            continue
        wanted.append((name, pattern, view))
    return wanted


def test_the_route_walk_finds_pages_api_and_admin() -> None:
    found = {name: pattern for name, pattern, _view in routes_to_cover()}
    assert {"core:home", "agencies:detail", "api:agency-detail", "admin:index", "api:token"} <= set(found)
    assert found["api:agency-detail"] == "api/v1/^agencies/(?P<code>[^/]+)/$"
    assert not any(name.startswith("admin:") and name != "admin:index" for name in found)
    assert not any(_is_format_suffix(pattern) for pattern in found.values())


def uncovered() -> tuple[list[str], list[str], list[str]]:
    """(unnamed patterns, route names missing from MATRIX, MATRIX rows matching no route)."""
    found = routes_to_cover()
    unnamed = sorted(pattern for name, pattern, _view in found if not name or name.endswith(":"))
    names = {name for name, _pattern, _view in found if name and not name.endswith(":")}
    rows = {url_name(key) for key in MATRIX} | {action.route for action in ACTIONS.values()}
    return unnamed, sorted(names - rows), sorted(rows - names)


def takes_post(view: Callable[..., Any]) -> bool:
    """Whether a view acts on a POST: a class view (or API view, viewset route) with a ``post``
    handler, or a function view that reads ``request.POST``/``FILES`` or asks for the method."""
    actions = getattr(view, "actions", None)  # a DRF viewset's route: the methods it maps
    if actions is not None:
        return "post" in actions
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    if view_class is not None:
        return callable(getattr(view_class, "post", None))
    source = inspect.getsource(inspect.unwrap(view))
    return any(sign in source for sign in ("request.POST", "request.FILES", '"POST"'))


def posts_without_rows() -> list[str]:
    posted = {url_name(k) for k, r in MATRIX.items() if r.method == "post"} | {a.route for a in ACTIONS.values()}
    return sorted({name for name, _pattern, view in routes_to_cover() if takes_post(view)} - posted)


def test_every_route_is_in_the_matrix() -> None:
    unnamed, missing, stale = uncovered()
    assert not unnamed, f"give these routes a name and a row in MATRIX: {unnamed}"
    assert not missing, f"routes without a row in tests/test_access_matrix.py MATRIX: {missing}"
    assert not stale, f"MATRIX rows for routes that no longer exist: {stale}"


def test_every_route_taking_a_post_has_post_rows() -> None:
    assert not posts_without_rows(), "routes that act on a POST without a POST row in MATRIX or ACTIONS"


def test_the_post_check_finds_the_routes_that_act_and_only_those() -> None:
    acting = {name for name, _pattern, view in routes_to_cover() if takes_post(view)}
    known = {"scoring:assessment", "scoring:block", "scoring:framework", "dossiers:upload", "api:scoring-action"}
    assert (
        known | {"api:token", "accounts:login", "accounts:logout", "accounts:password_change", "set_language"} <= acting
    )
    assert not {"dossiers:index", "agencies:list", "api:agency-list", "api:dossier-list", "scoring:public"} & acting


def _new_page(request: Any) -> HttpResponse:
    return HttpResponse("new")


def _new_form(request: Any) -> HttpResponse:
    if request.method == "POST":
        return HttpResponse(status=204)
    return HttpResponse("form")


urlpatterns = [
    *get_resolver(settings.ROOT_URLCONF).url_patterns,
    path("newthings/", include(([path("<int:pk>/", _new_page, name="detail")], "newthings"))),
    path("plans/", include(([path("new/", _new_form, name="new")], "plans"))),
    path("unnamed/", _new_page),
]


@override_settings(ROOT_URLCONF=__name__)
def test_the_coverage_check_catches_a_route_added_without_a_row() -> None:
    unnamed, missing, stale = uncovered()
    assert unnamed == ["unnamed/"]
    assert missing == ["newthings:detail", "plans:new"]
    assert stale == []


@override_settings(ROOT_URLCONF=__name__)
def test_the_post_check_catches_a_form_whose_page_has_a_row_but_not_its_post(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(MATRIX, "plans:new", Route(SIGNED_IN_PAGE))
    assert posts_without_rows() == ["plans:new"]
    monkeypatch.setitem(MATRIX, "plans:new#post", Route(everyone(204, anonymous=LOGIN), method="post"))
    assert posts_without_rows() == []


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


# POST routes: every action, tried by every persona on its own agency's objects and on others'.
#
# An object is an agency code (the assessment's agency, or the agency of the uploaded file's rows) or
# a block code; "SA>SB" is a forged post through SA's page with SB's score or evidence. A ``Changes``
# answer is an accepted POST, which must change what it acts on; any other answer is a refusal, after
# which nothing at all has changed (``watched``).


ON_PAGE = Changes(Redirect("/scoring/agencies/{agency}/assessment/"))
ON_BLOCK = Changes(Redirect("/scoring/blocks/{pk}/"))
ON_FRAMEWORK = Changes(Redirect("/scoring/blocks/{pk}/framework/"))
TASK_PAGE = Redirect("/tasks/*/")  # a refused import is a task that failed and says why
DONE = Changes(200)

# Page actions on a score of the agency's own assessment, by its focal officer (DRAFT).
FOCAL_ACTION: dict[str, dict[str, Any]] = {
    "officer_a": {"SA": ON_PAGE, "SB": 404, "SA>SB": 403},
    "officer_b": {"SB": ON_PAGE, "SA": 404, "SB>SA": 403},
    "head": {"SA": 403, "SB": 404},
    "coordinator": {"SA": 403, "C1": 403, MISSING: 404},
    "district_coordinator": {"C1": 403, "SA": 404},
    "appraiser": {"SA": 403, "C1": 403},
    "inspector": {"SA": 403, "C1": 403},
    "viewer": {"SA": 403, "C1": 403},
    "admin": {"SA": ON_PAGE, "C1": ON_PAGE},
    "anonymous": {"SA": LOGIN},
}
# The head submits (DRAFT, every criterion self-scored).
HEAD_ACTION = {
    **FOCAL_ACTION,
    "officer_a": {"SA": 403, "SB": 404},
    "officer_b": {"SB": 403, "SA": 404},
    "head": {"SA": ON_PAGE, "SB": 404},
}
# The focal officer or the head explains an adjusted score (EXPLANATION, before the deadline).
EXPLAIN_ACTION = {**FOCAL_ACTION, "head": {"SA": ON_PAGE, "SB": 404, "SA>SB": 403}}
# The appraiser appraises what is assigned to it: the departments' block (SBN), not the communes'.
APPRAISER_ACTION = {
    **FOCAL_ACTION,
    "officer_a": {"SA": 403, "SB": 404},
    "officer_b": {"SB": 403, "SA": 404},
    "appraiser": {"SA": ON_PAGE, "SB": ON_PAGE, "C1": 403},
}
# The coordinators of the agency (the province's, the district's for its communes) run the workflow.
COORDINATOR_ACTION = {
    **HEAD_ACTION,
    "head": {"SA": 403, "SB": 404},
    "coordinator": {"SA": ON_PAGE, "C1": ON_PAGE, MISSING: 404},
    "district_coordinator": {"C1": ON_PAGE, "SA": 404},
}
# A block's actions (its pages are for block roles; a POST is for the owner's coordinators).
BLOCK_ACTION: dict[str, dict[str, Any]] = {
    **{p: {"SBN": 403, "XA-D1": 403} for p in NO_BLOCK_ROLE},
    "coordinator": {"SBN": ON_BLOCK, "XA-D1": ON_BLOCK, MISSING: 404},
    "district_coordinator": {"XA-D1": ON_BLOCK, "SBN": 404, MISSING: 404},
    "appraiser": {"SBN": 403, "XA-D1": 403, MISSING: 404},
    "inspector": {"SBN": 403, MISSING: 404},
    "viewer": {"SBN": 403, "XA-D1": 403},
    "admin": {"SBN": ON_BLOCK, "XA-D1": ON_BLOCK},
    "anonymous": {"SBN": LOGIN, MISSING: LOGIN},
}


def on_framework(table: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {p: {o: ON_FRAMEWORK if a is ON_BLOCK else a for o, a in objs.items()} for p, objs in table.items()}


FRAMEWORK_ACTION = on_framework(BLOCK_ACTION)
# Unassigning through one's own block's page an assignment of another block's framework.
UNASSIGN_ACTION = {
    **FRAMEWORK_ACTION,
    "district_coordinator": {**FRAMEWORK_ACTION["district_coordinator"], "XA-D1>SBN": 403},
}


def through_api(table: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The same step through the API: no agency in the URL, so any refusal is a 403 (401 signed out)."""
    answers: dict[str, dict[str, Any]] = {}
    for persona, objects in table.items():
        answers[persona] = {
            obj: DONE if isinstance(a, Changes) else 401 if a == LOGIN else 403
            for obj, a in objects.items()
            if ">" not in obj and obj != MISSING
        }
    return answers


@dataclass
class World:
    """The PAR index of 2025: SA and SB (block SBN), C1 (block XA-D1) assessed on a small framework,
    every criterion self-scored; the appraiser assigned to SBN's framework."""

    province: Any
    personas: Any
    tmp_path: Path
    assessments: dict[str, Assessment]

    def block(self, code: str) -> Block:
        return Block.objects.get(code=code, year=2025)

    def score(self, code: str) -> Score:
        return score_of(self.assessments[code], "1.2")

    def evidence(self, code: str) -> Evidence:
        return Evidence.objects.get(score=self.score(code))

    def in_state(self, state: str, **fields: Any) -> None:
        Assessment.objects.update(state=state, **fields)


# Scored by hand only: nothing the dossier statistics would compute.
MANUAL_FRAMEWORK = """code,parent_code,name,max_points
1,,Công tác chỉ đạo điều hành,40
1.1,1,Kế hoạch CCHC,20
1.2,1,Tuyên truyền CCHC,20
2,,Cải cách thủ tục hành chính,60
"""


@pytest.fixture
def world(province: Any, personas: Any, tmp_path: Path, settings: Any) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    deadline = timezone.localdate() + timedelta(days=30)
    assessments = {}
    for block, agencies in ((province.block_departments, ("SA", "SB")), (province.block_communes, ("C1",))):
        framework = import_framework(write_framework(tmp_path, MANUAL_FRAMEWORK, f"{block.code}.csv"), block)
        Framework.objects.filter(pk=framework.pk).update(submission_deadline=deadline)
        for code in agencies:
            assessments[code] = assessment_for(Agency.objects.get(code=code), framework)
            fill_self_scores(assessments[code])
    assign(personas.appraiser, Framework.objects.get(block=province.block_departments))
    return World(province, personas, tmp_path, assessments)


def appraised(world: World) -> None:
    """Every 1.2 appraised at 10 of the self-scored 20, then the explanation round open."""
    Score.objects.filter(criterion__code="1.2").update(appraised_score=10, appraisal_reason="Thiếu minh chứng")
    totals.refresh(Score.objects.values_list("assessment_id", flat=True))
    world.in_state(State.EXPLANATION, explanation_deadline=timezone.localdate() + timedelta(days=5))


def with_evidence(world: World) -> None:
    for code in world.assessments:
        Evidence.objects.create(score=world.score(code), doc_number="01/KH", doc_issuer="UBND", title="Kế hoạch")


def unopened(world: World) -> None:
    Assessment.objects.all().delete()


def last_year(world: World) -> None:
    """The blocks of 2024 with their frameworks, to copy from; this year's not yet used."""
    unopened(world)
    for code, owner in (("SBN", world.province.province), ("XA-D1", world.province.district)):
        block = Block.objects.create(year=2024, code=code, name=code, owner=owner)
        import_framework(write_framework(world.tmp_path, MANUAL_FRAMEWORK, f"{code}-2024.csv"), block)


def each_assignment(world: World) -> None:
    for block in (world.province.block_departments, world.province.block_communes):
        assign(world.personas.appraiser, Framework.objects.get(block=block), criterion_code="1.1")


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("Kế hoạch.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")


def dossier_file(code: str) -> SimpleUploadedFile:
    content = f"dossier_code,agency_code,received_at,status\nX-{code},{code},2025-02-01,pending\n"
    return SimpleUploadedFile("hoso.csv", content.encode(), content_type="text/csv")


def framework_csv() -> SimpleUploadedFile:
    return SimpleUploadedFile("tieuchi.csv", b"code,parent_code,name,max_points\n1,,A,10\n1.1,1,B,10\n")


BANDS = {"good_min": "90", "fair_min": "80", "average_min": "70", "late_rate_limit": "5", "satisfaction_min": "80"}
FUTURE = (timezone.localdate() + timedelta(days=10)).isoformat()


@dataclass(frozen=True)
class Action:
    """A POST route taking one action: who gets what (``expect``: persona → {object → answer}), the
    state in which the action is possible (``prepare``) and the form for an object (``data``)."""

    route: str
    expect: dict[str, dict[str, Any]]
    data: Callable[[World, str], dict[str, Any]]
    prepare: Callable[[World], None] = field(default=lambda world: None)
    json: bool = False


def step(action: str, **extra: Any) -> Callable[[World, str], dict[str, Any]]:
    """The assessment page's form: ``action``, with ``score`` (or ``evidence``) of the target agency."""

    def data(world: World, target: str) -> dict[str, Any]:
        form = {"action": action}
        for name, value in extra.items():
            form[name] = value(world, target) if callable(value) else value
        return form

    return data


def score_id(world: World, target: str) -> int:
    return world.score(target).pk


def api_step(action: str, on: str = "score", **extra: Any) -> Callable[[World, str], dict[str, Any]]:
    def data(world: World, target: str) -> dict[str, Any]:
        ids = {"score": world.score(target).pk, "assessment": world.assessments[target].pk}
        return {"action": action, on: ids[on], **extra}

    return data


def block_step(action: str, **extra: Any) -> Callable[[World, str], dict[str, Any]]:
    def data(world: World, target: str) -> dict[str, Any]:
        return {"action": action, **{k: v(world, target) if callable(v) else v for k, v in extra.items()}}

    return data


def member_of(world: World, block: str) -> str:
    return "SA" if block == "SBN" else "C1"


def assignment_of(world: World, block: str) -> int:
    return AppraiserAssignment.objects.filter(framework__block=world.block(block), criterion__code="1.1").get().pk


# Periodic reports: the province's period opened for SBN (SA, SB); "SA" is SA's report.
ON_REPORT = Changes(Redirect("/reports/r/{pk}/"))
REPORT_EDIT: dict[str, dict[str, Any]] = {
    "officer_a": {"SA": ON_REPORT, "SB": 404},
    "officer_b": {"SB": ON_REPORT, "SA": 404},
    "head": {"SA": ON_REPORT, "SB": 404},
    "coordinator": {"SA": 403, MISSING: 404},
    "district_coordinator": {"SA": 404, "SB": 404},
    "appraiser": {"SA": 403, MISSING: 404},
    "inspector": {"SA": 403},
    "viewer": {"SA": 403, "SB": 403},
    "admin": {"SA": ON_REPORT, "SB": ON_REPORT},
    "anonymous": {"SA": LOGIN},
}
REPORT_SUBMIT = {
    **REPORT_EDIT,
    "officer_a": {"SA": 403, "SB": 404},
    "officer_b": {"SB": 403, "SA": 404},
}
REPORT_COORDINATE = {
    **REPORT_SUBMIT,
    "head": {"SA": 403, "SB": 404},
    "coordinator": {"SA": ON_REPORT, "SB": ON_REPORT, MISSING: 404},
}
AUTOSAVE = {p: {o: DONE if isinstance(a, Changes) else a for o, a in objs.items()} for p, objs in REPORT_EDIT.items()}
ON_PERIOD = Changes(Redirect("/reports/periods/{pk}/"))
PERIOD_ACCEPT: dict[str, dict[str, Any]] = {
    **{p: {"HA": 403, MISSING: 404} for p in PERSONAS},
    "coordinator": {"HA": ON_PERIOD, MISSING: 404},
    "admin": {"HA": ON_PERIOD},
    "anonymous": {"HA": LOGIN},
}
NEW_PERIOD: dict[str, dict[str, Any]] = {
    **{p: {"HA": 403, "D1": 403} for p in PERSONAS},
    "coordinator": {"HA": Changes(Redirect("/reports/periods/*/")), "D1": Changes(Redirect("/reports/periods/*/"))},
    "district_coordinator": {
        "D1": Changes(Redirect("/reports/periods/*/")),
        "HA": 200,
    },  # not its agency: the form says why
    "admin": {"HA": Changes(Redirect("/reports/periods/*/"))},
    "anonymous": {"HA": LOGIN},
}


def report_period(world: World) -> None:
    open_period(world.personas, world.province)


def report_filled(world: World) -> None:
    report_period(world)
    Report.objects.update(values={"direction": "Đã ban hành kế hoạch CCHC"})


def report_in(state: str) -> Callable[[World], None]:
    def prepare(world: World) -> None:
        report_filled(world)
        now = timezone.now()
        Report.objects.update(state=state, first_submitted_at=now, submitted_at=now)

    return prepare


def report_step(action: str, **extra: Any) -> Callable[[World, str], dict[str, Any]]:
    def data(world: World, target: str) -> dict[str, Any]:
        report = Report.objects.get(agency__code=target)
        return {"action": action, "version": str(report.version), **extra}

    return data


def report_api_step(action: str, **extra: Any) -> Callable[[World, str], dict[str, Any]]:
    def data(world: World, target: str) -> dict[str, Any]:
        return {"action": action, "report": Report.objects.get(agency__code=target).pk, **extra}

    return data


def new_period_form(world: World, owner: str) -> dict[str, Any]:
    block = {"HA": world.province.block_departments, "D1": world.province.block_communes}[owner]
    form = small_form()
    return {
        "action": "create",
        "year": "2025",
        "owner": str(Agency.objects.get(code=owner).pk),
        "form": str(form.pk),
        "kind": "Q1",
        "blocks": [str(block.pk)],
    }


# Plan tasks: HA's plan of 2026 with the task "SA" (led by SA, SB co-operating) and the task "C1" (led by C1).
ON_TASK = Changes(Redirect("/plans/tasks/{pk}/"))
TASK_PROGRESS: dict[str, dict[str, Any]] = {
    "officer_a": {"SA": ON_TASK, "C1": 404},
    "officer_b": {"SA": 403, "C1": 404},  # a co-operating agency adds its part, not the progress
    "head": {"SA": ON_TASK, "C1": 404},
    "coordinator": {"SA": ON_TASK, "C1": ON_TASK, MISSING: 404},
    "district_coordinator": {"C1": ON_TASK, "SA": 404},
    "appraiser": {"SA": 403, "C1": 403},
    "inspector": {"SA": 403, "C1": 403},
    "viewer": {"SA": 403, "C1": 403},
    "admin": {"SA": ON_TASK, "C1": ON_TASK},
    "anonymous": {"SA": LOGIN},
}
TASK_PART: dict[str, dict[str, Any]] = {
    **TASK_PROGRESS,
    "officer_a": {"SA": 403, "C1": 404},  # the lead agency is not a co-operating agency
    "officer_b": {"SA": ON_TASK, "C1": 404},
    "head": {"SA": 403, "C1": 404},
    "coordinator": {"SA": ON_TASK, "C1": 403, MISSING: 404},  # C1's task has no co-operating agency
    "district_coordinator": {"C1": 403, "SA": 404},
    "admin": {"SA": ON_TASK, "C1": 403},
}
TASK_REPEAT: dict[str, dict[str, Any]] = {
    **TASK_PROGRESS,
    "officer_a": {"SA": 403, "C1": 404},
    "head": {"SA": 403, "C1": 404},
    "district_coordinator": {"C1": 403, "SA": 404},  # the plan is the province's
}


def task_api(table: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The same post through the API: 201 when accepted, 401 signed out; the task in the body, not the URL."""
    return {
        persona: {
            obj: Changes(201) if isinstance(a, Changes) else 401 if a == LOGIN else a
            for obj, a in objects.items()
            if obj != MISSING
        }
        for persona, objects in table.items()
    }


def plan_tasks(world: World) -> None:
    from cchc.plans.models import Plan
    from cchc.plans.models import Task as PlanTask

    province = world.province
    plan = Plan.objects.create(year=2026, agency=province.province, title="Kế hoạch CCHC năm 2026")
    for lead in (province.dept_a, province.commune_1):
        task = PlanTask.objects.create(
            plan=plan, task_code=lead.code, title="t", area="direction", lead_agency=lead, deadline="2026-06-30"
        )
        if lead == province.dept_a:
            task.co_agencies.set([province.dept_b])


def task_post(action: str, api: bool = False, **extra: Any) -> Callable[[World, str], dict[str, Any]]:
    def data(world: World, target: str) -> dict[str, Any]:
        from cchc.plans.models import Task as PlanTask

        form: dict[str, Any] = {"action": action, "text": "Đã thực hiện", **extra}
        if api:
            form = {"kind": action, "text": "Đã thực hiện", "task": PlanTask.objects.get(task_code=target).pk, **extra}
        elif action != "recurrence":
            form["files"] = [pdf()]
        return form

    return data


# Inspections: HA's plan; its inspections of SA and SB, each with a finding ("SA" is SA's).
ON_INSPECTION = Changes(Redirect("/inspections/{pk}/"))
ON_FINDING = Changes(Redirect("/inspections/findings/{pk}/"))
ON_CONCLUSION = Changes(Redirect("/inspections/conclusions/{pk}/"))
NEW_INSPECTION_PLAN: dict[str, dict[str, Any]] = {
    **{p: {"HA": 403} for p in PERSONAS},
    "coordinator": {"HA": Changes(Redirect("/inspections/")), "D1": Changes(Redirect("/inspections/"))},
    "district_coordinator": {"D1": Changes(Redirect("/inspections/")), "HA": 403},
    "inspector": {"HA": Changes(Redirect("/inspections/"))},
    "admin": {"HA": Changes(Redirect("/inspections/"))},
    "anonymous": {"HA": LOGIN},
}
# Scheduling in HA's plan: its inspectors and coordinators (a district's coordinator does not hold it).
SCHEDULE: dict[str, dict[str, Any]] = {
    **{p: {"SA": 403} for p in PERSONAS},
    "coordinator": {"SA": Changes(Redirect("/inspections/*/")), "C1": Changes(Redirect("/inspections/*/"))},
    "district_coordinator": {"C1": 403},
    "inspector": {"SA": Changes(Redirect("/inspections/*/"))},
    "admin": {"SA": Changes(Redirect("/inspections/*/"))},
    "anonymous": {"SA": LOGIN},
}
# Recording a finding: the province's inspectors and coordinators; the agency itself cannot.
INSPECT_ACTION: dict[str, dict[str, Any]] = {
    "officer_a": {"SA": 403, "SB": 404},
    "officer_b": {"SB": 403, "SA": 404},
    "head": {"SA": 403, "SB": 404},
    "coordinator": {"SA": ON_INSPECTION, "SB": ON_INSPECTION, MISSING: 404},
    "district_coordinator": {"SA": 404, "SB": 404},
    "appraiser": {"SA": 404, "SB": 404},
    "inspector": {"SA": ON_INSPECTION, MISSING: 404},
    "viewer": {"SA": 403, "SB": 403},
    "admin": {"SA": ON_INSPECTION},
    "anonymous": {"SA": LOGIN},
}
# Reporting the remediation: the inspected agency's focal officer and head only.
REMEDY_ACTION: dict[str, dict[str, Any]] = {
    "officer_a": {"SA": ON_FINDING, "SB": 404},
    "officer_b": {"SB": ON_FINDING, "SA": 404},
    "head": {"SA": ON_FINDING, "SB": 404},
    "coordinator": {"SA": 403, MISSING: 404},
    "district_coordinator": {"SA": 404, "SB": 404},
    "appraiser": {"SA": 404},
    "inspector": {"SA": 403, "SB": 403},
    "viewer": {"SA": 403},
    "admin": {"SA": ON_FINDING},
    "anonymous": {"SA": LOGIN},
}
# Verifying or sending back: the inspectors and coordinators, never the agency that reported.
VERIFY_ACTION = {
    p: {o: ON_FINDING if a is ON_INSPECTION else a for o, a in objs.items()} for p, objs in INSPECT_ACTION.items()
}
NEW_CONCLUSION: dict[str, dict[str, Any]] = {
    **{p: {"HA": 403} for p in PERSONAS},
    "coordinator": {"HA": Changes(Redirect("/inspections/conclusions/*/"))},
    "district_coordinator": {"D1": Changes(Redirect("/inspections/conclusions/*/")), "HA": 403},
    "admin": {"HA": Changes(Redirect("/inspections/conclusions/*/"))},
    "anonymous": {"HA": LOGIN},
}
# HA's conclusion, its directive addressed to SA: the issuer's coordinators act; its readers only read.
DIRECTIVE_ACTION: dict[str, dict[str, Any]] = {
    **{p: {"HA": 403} for p in ("officer_a", "head", "appraiser", "inspector", "viewer")},
    "officer_b": {"HA": 404},
    "district_coordinator": {"HA": 404},
    "coordinator": {"HA": ON_CONCLUSION, MISSING: 404},
    "admin": {"HA": ON_CONCLUSION},
    "anonymous": {"HA": LOGIN},
}


def inspection_planned(world: World) -> None:
    from tests.inspection_helpers import inspection_plan

    inspection_plan(world.personas, world.province)


def inspected(world: World) -> None:
    from tests.inspection_helpers import finding_of

    finding_of(world.personas, world.province)
    finding_of(world.personas, world.province, agency=world.province.dept_b)


def remediation_reported(world: World) -> None:
    from cchc.inspections import services
    from cchc.inspections.models import Finding

    inspected(world)
    for finding in Finding.objects.select_related("inspection__agency"):
        officer = world.personas.officer_a if finding.inspection.agency.code == "SA" else world.personas.officer_b
        services.report_remediation(officer, finding.pk, text="Đã khắc phục", done_on=timezone.localdate())


def concluded(world: World) -> None:
    from tests.inspection_helpers import conclusion_with_directive, year_plan

    conclusion_with_directive(world.personas, world.province)
    year_plan(world.province)


def agency_form(action: str, **extra: Any) -> Callable[[World, str], dict[str, Any]]:
    def data(world: World, target: str) -> dict[str, Any]:
        agency = Agency.objects.filter(code=target).values_list("pk", flat=True).first()
        return {"action": action, "agency": str(agency), "year": str(timezone.localdate().year), **extra}

    return data


def schedule_form(world: World, target: str) -> dict[str, Any]:
    from cchc.inspections.models import InspectionPlan

    day = timezone.localdate().isoformat()
    plan = InspectionPlan.objects.get().pk
    return {
        "action": "new_inspection",
        "plan": plan,
        "agency": target,
        "scope": "comprehensive",
        "starts_on": day,
        "ends_on": day,
    }


def finding_form(world: World, target: str) -> dict[str, Any]:
    deadline = f"{timezone.localdate().year}-12-31"
    return {
        "action": "add_finding",
        "text": "Chưa niêm yết TTHC",
        "category": "procedures",
        "severity": "low",
        "deadline": deadline,
    }


def remedy_form(action: str, **extra: Any) -> Callable[[World, str], dict[str, Any]]:
    def data(world: World, target: str) -> dict[str, Any]:
        return {"action": action, "text": "Đã khắc phục", "done_on": timezone.localdate().isoformat(), **extra}

    return data


def api_inspection(action: str, **extra: Any) -> Callable[[World, str], dict[str, Any]]:
    def data(world: World, target: str) -> dict[str, Any]:
        from cchc.inspections.models import Finding, Inspection

        step = {**finding_form(world, target), **extra, "action": action}
        if action == "record_finding":
            step["inspection"] = Inspection.objects.get(agency__code=target).pk
        else:
            step["finding"] = Finding.objects.get(inspection__agency__code=target).pk
            step["done_on"] = timezone.localdate().isoformat()
        return step

    return data


def directive_form(world: World, target: str) -> dict[str, Any]:
    return {"action": "add_directive", "text": "Tăng cường kiểm tra CCHC", "addressees": "SB", "area": "direction"}


def directive_file(world: World, target: str) -> dict[str, Any]:
    content = "number,text,addressee_codes,deadline,area\n1,Rà soát kết quả CCHC,SA,,direction\n"
    return {"action": "import", "file": SimpleUploadedFile("chi-dao.csv", content.encode(), content_type="text/csv")}


def _directive_step(world: World) -> dict[str, Any]:
    from cchc.inspections.models import Directive
    from cchc.plans.models import Plan

    return {
        "directive": Directive.objects.get().pk,
        "plan": Plan.objects.get(number="45/KH-UBND").pk,
        "deadline": f"{timezone.localdate().year}-12-31",
        "area": "procedures",
    }


def make_tasks_form(world: World, target: str) -> dict[str, Any]:
    return {"action": "make_tasks", "leads": "SA", **_directive_step(world)}


def make_tasks_api(world: World, target: str) -> dict[str, Any]:
    return {"lead_agency_codes": ["SA"], **_directive_step(world)}


ACTIONS: dict[str, Action] = {
    # The assessment page
    "self_score": Action("scoring:assessment", FOCAL_ACTION, step("self_score", score=score_id, value="15", note="x")),
    "evidence_file": Action(
        "scoring:assessment", FOCAL_ACTION, step("evidence_file", score=score_id, file=lambda w, t: pdf())
    ),
    "evidence_reference": Action(
        "scoring:assessment",
        FOCAL_ACTION,
        step("evidence_reference", score=score_id, number="12/KH", date="2025-01-15", issuer="UBND", title="Kế hoạch"),
    ),
    "remove_evidence": Action(
        "scoring:assessment",
        FOCAL_ACTION,
        step("remove_evidence", evidence=lambda w, t: w.evidence(t).pk),
        prepare=with_evidence,
    ),
    "submit": Action("scoring:assessment", HEAD_ACTION, step("submit")),
    "appraise": Action(
        "scoring:assessment",
        APPRAISER_ACTION,
        step("appraise", score=score_id, value="10", reason="Thiếu minh chứng"),
        prepare=lambda w: w.in_state(State.SUBMITTED),
    ),
    "open_explanation": Action(
        "scoring:assessment",
        COORDINATOR_ACTION,
        step("open_explanation", deadline=FUTURE),
        prepare=lambda w: w.in_state(State.SUBMITTED),
    ),
    "explain": Action(
        "scoring:assessment", EXPLAIN_ACTION, step("explain", score=score_id, text="Đã bổ sung"), appraised
    ),
    "final_appraisal": Action("scoring:assessment", COORDINATOR_ACTION, step("final_appraisal"), appraised),
    "final": Action(
        "scoring:assessment",
        APPRAISER_ACTION,
        step("final", score=score_id, value="15", reason="Sau giải trình"),
        prepare=lambda w: w.in_state(State.FINAL_APPRAISAL),
    ),
    "approve": Action(
        "scoring:assessment", COORDINATOR_ACTION, step("approve"), lambda w: w.in_state(State.FINAL_APPRAISAL)
    ),
    "publish": Action("scoring:assessment", COORDINATOR_ACTION, step("publish"), lambda w: w.in_state(State.APPROVED)),
    "reopen": Action(
        "scoring:assessment",
        COORDINATOR_ACTION,
        step("reopen", reason="Số liệu một cửa được điều chỉnh"),
        lambda w: w.in_state(State.PUBLISHED, frozen_at=timezone.now()),
    ),
    "rates": Action(
        "scoring:assessment", COORDINATOR_ACTION, step("rates", late_rate="3", satisfaction="85", reason="Số liệu")
    ),
    # The same steps through the API
    "api self_assess": Action(
        "api:scoring-action", through_api(FOCAL_ACTION), api_step("self_assess", value="15", text="x"), json=True
    ),
    "api submit": Action("api:scoring-action", through_api(HEAD_ACTION), api_step("submit", "assessment"), json=True),
    "api appraise": Action(
        "api:scoring-action",
        through_api(APPRAISER_ACTION),
        api_step("appraise", value="10", text="Thiếu minh chứng"),
        lambda w: w.in_state(State.SUBMITTED),
        json=True,
    ),
    "api open_explanation": Action(
        "api:scoring-action",
        through_api(COORDINATOR_ACTION),
        api_step("open_explanation", "assessment", deadline=FUTURE),
        lambda w: w.in_state(State.SUBMITTED),
        json=True,
    ),
    "api explain": Action(
        "api:scoring-action", through_api(EXPLAIN_ACTION), api_step("explain", text="Đã bổ sung"), appraised, json=True
    ),
    "api start_final_appraisal": Action(
        "api:scoring-action",
        through_api(COORDINATOR_ACTION),
        api_step("start_final_appraisal", "assessment"),
        appraised,
        json=True,
    ),
    "api final_appraise": Action(
        "api:scoring-action",
        through_api(APPRAISER_ACTION),
        api_step("final_appraise", value="15", text="Sau giải trình"),
        lambda w: w.in_state(State.FINAL_APPRAISAL),
        json=True,
    ),
    "api approve": Action(
        "api:scoring-action",
        through_api(COORDINATOR_ACTION),
        api_step("approve", "assessment"),
        lambda w: w.in_state(State.FINAL_APPRAISAL),
        json=True,
    ),
    "api publish": Action(
        "api:scoring-action",
        through_api(COORDINATOR_ACTION),
        api_step("publish", "assessment"),
        lambda w: w.in_state(State.APPROVED),
        json=True,
    ),
    "api reopen": Action(
        "api:scoring-action",
        through_api(COORDINATOR_ACTION),
        api_step("reopen", "assessment", text="Số liệu một cửa được điều chỉnh"),
        lambda w: w.in_state(State.APPROVED, frozen_at=timezone.now()),
        json=True,
    ),
    # A block's page and its framework's
    "block open": Action("scoring:block", BLOCK_ACTION, block_step("open"), unopened),
    "block rank": Action("scoring:block", BLOCK_ACTION, block_step("rank")),
    "block publish": Action("scoring:block", BLOCK_ACTION, block_step("publish"), lambda w: w.in_state(State.APPROVED)),
    "framework assign": Action(
        "scoring:framework",
        FRAMEWORK_ACTION,
        block_step("assign", appraiser=lambda w, b: w.personas.appraiser.pk, agency=member_of, criterion="1.2"),
    ),
    "framework unassign": Action(
        "scoring:framework", UNASSIGN_ACTION, block_step("unassign", assignment=assignment_of), each_assignment
    ),
    "framework bands": Action("scoring:framework", FRAMEWORK_ACTION, block_step("bands", **BANDS)),
    "framework copy": Action("scoring:framework", FRAMEWORK_ACTION, block_step("copy"), last_year),
    "framework import": Action(
        "scoring:framework", FRAMEWORK_ACTION, block_step("import", file=lambda w, b: framework_csv()), unopened
    ),
    # Periodic reports: the report page's steps, the autosave, the period's bulk acceptance, a new period
    "report save": Action("reports:report", REPORT_EDIT, report_step("save", plans="12"), report_period),
    "report submit": Action("reports:report", REPORT_SUBMIT, report_step("submit"), report_filled),
    "report return": Action(
        "reports:report", REPORT_COORDINATE, report_step("return", **{"why:I": "Bổ sung"}), report_in("submitted")
    ),
    "report accept": Action("reports:report", REPORT_COORDINATE, report_step("accept"), report_in("submitted")),
    "report reopen": Action(
        "reports:report", REPORT_COORDINATE, report_step("reopen", reason="Điều chỉnh"), report_in("accepted")
    ),
    "report autosave": Action(
        "reports:autosave", AUTOSAVE, lambda w, t: {"version": 0, "changes": {"plans": "3"}}, report_period, json=True
    ),
    "period accept": Action(
        "reports:period",
        PERIOD_ACCEPT,
        lambda w, t: {"report": [str(r.pk) for r in Report.objects.all()]},
        report_in("submitted"),
    ),
    "period new": Action("reports:new_period", NEW_PERIOD, new_period_form),
    "api report save": Action(
        "api:report-action",
        through_api(REPORT_EDIT),
        report_api_step("save", version=0, values={"plans": "4"}),
        report_period,
        json=True,
    ),
    "api report submit": Action(
        "api:report-action", through_api(REPORT_SUBMIT), report_api_step("submit"), report_filled, json=True
    ),
    "api report return": Action(
        "api:report-action",
        through_api(REPORT_COORDINATE),
        report_api_step("return", notes=[{"target": "direction", "reason": "Bổ sung"}]),
        report_in("submitted"),
        json=True,
    ),
    "api report accept": Action(
        "api:report-action",
        through_api(REPORT_COORDINATE),
        lambda w, t: {"action": "accept", "reports": [Report.objects.get(agency__code=t).pk]},
        report_in("submitted"),
        json=True,
    ),
    "api report reopen": Action(
        "api:report-action",
        through_api(REPORT_COORDINATE),
        report_api_step("reopen", reason="Điều chỉnh"),
        report_in("accepted"),
        json=True,
    ),
    # The province's indices from a file: its coordinators and the administrator only
    "indices import": Action(
        "indices:import",
        {
            **{p: {"HA": 403} for p in PERSONAS},
            "coordinator": {"HA": Changes(Redirect("/indices/"))},
            "admin": {"HA": Changes(Redirect("/indices/"))},
            "anonymous": {"HA": LOGIN},
        },
        index_file,
    ),
    "indices entry": Action(
        "indices:save",
        {
            **{p: {"HA": 403} for p in PERSONAS},
            "coordinator": {"HA": Changes(Redirect("/indices/"))},
            "admin": {"HA": Changes(Redirect("/indices/"))},
            "anonymous": {"HA": LOGIN},
        },
        lambda w, t: {"index_code": "SIPAS", "year": "2025", "score": "88,4", "rank": "7", "out_of": "34"},
    ),
    # A dossier export uploaded (and imported at once: tasks run eagerly in the tests)
    "dossier upload": Action(
        "dossiers:upload",
        {
            "officer_a": {"SA": Changes(TASK_PAGE), "SB": TASK_PAGE},
            "officer_b": {"SB": Changes(TASK_PAGE), "SA": TASK_PAGE},
            "head": {"SA": 403, "SB": 403},
            "coordinator": {"SA": Changes(TASK_PAGE), "C1": Changes(TASK_PAGE), MISSING: TASK_PAGE},
            "district_coordinator": {"C1": Changes(TASK_PAGE), "SA": TASK_PAGE},
            "appraiser": {"SA": 403, "C1": 403},
            "inspector": {"SA": 403, "C1": 403},
            "viewer": {"SA": 403, "C1": 403},
            "admin": {"SA": Changes(TASK_PAGE), MISSING: TASK_PAGE},
            "anonymous": {"SA": LOGIN},
        },
        lambda w, code: {"file": dossier_file(code), "profile": "canonical"},
    ),
    # A plan task's page: progress (may complete it), a co-operating agency's part, making it recurring
    "task progress": Action("plans:task", TASK_PROGRESS, task_post("progress", done="1"), plan_tasks),
    "task part": Action("plans:task", TASK_PART, task_post("part"), plan_tasks),
    "task recurrence": Action("plans:task", TASK_REPEAT, task_post("recurrence", recurrence="quarterly"), plan_tasks),
    "api task progress": Action(
        "api:task-update-list", task_api(TASK_PROGRESS), task_post("progress", api=True), plan_tasks, json=True
    ),
    "api task part": Action(
        "api:task-update-list", task_api(TASK_PART), task_post("part", api=True), plan_tasks, json=True
    ),
    # Conclusions and inspections: the pages' steps and the same through the API
    "inspection plan new": Action("inspections:index", NEW_INSPECTION_PLAN, agency_form("new_plan", title="Kế hoạch")),
    "inspection schedule": Action("inspections:index", SCHEDULE, schedule_form, inspection_planned),
    "finding record": Action("inspections:inspection", INSPECT_ACTION, finding_form, inspected),
    "remediation report": Action("inspections:finding", REMEDY_ACTION, remedy_form("report"), inspected),
    "remediation verify": Action("inspections:finding", VERIFY_ACTION, remedy_form("verify"), remediation_reported),
    "remediation return": Action(
        "inspections:finding", VERIFY_ACTION, remedy_form("return", reason="Thiếu minh chứng"), remediation_reported
    ),
    "api record_finding": Action(
        "api:inspection-action", through_api(INSPECT_ACTION), api_inspection("record_finding"), inspected, json=True
    ),
    "api report": Action(
        "api:inspection-action", through_api(REMEDY_ACTION), api_inspection("report"), inspected, json=True
    ),
    "api verify": Action(
        "api:inspection-action", through_api(VERIFY_ACTION), api_inspection("verify"), remediation_reported, json=True
    ),
    "api return": Action(
        "api:inspection-action",
        through_api(VERIFY_ACTION),
        api_inspection("return", reason="Thiếu minh chứng"),
        remediation_reported,
        json=True,
    ),
    "conclusion new": Action(
        "inspections:conclusions",
        NEW_CONCLUSION,
        agency_form("create", number="68/TB-UBND", issued_on="2026-03-02", title="Kết luận"),
    ),
    "directive add": Action("inspections:conclusion", DIRECTIVE_ACTION, directive_form, concluded),
    "directive import": Action("inspections:conclusion", DIRECTIVE_ACTION, directive_file, concluded),
    "directive make_tasks": Action("inspections:conclusion", DIRECTIVE_ACTION, make_tasks_form, concluded),
    "api make_tasks": Action(
        "api:directive-tasks", through_api(DIRECTIVE_ACTION), make_tasks_api, concluded, json=True
    ),
}


def _action_cases() -> Iterator[Any]:
    for name, action in ACTIONS.items():
        for persona in PERSONAS:
            for obj in action.expect[persona]:
                yield pytest.param(name, persona, obj, id=f"{name}-{persona}-{obj}")


def action_url(action: Action, world: World, obj: str) -> tuple[str, dict[str, Any]]:
    """The URL of the POST and what its expected redirect is formatted with."""
    through = obj.split(">")[0]
    if action.route == "scoring:assessment":
        return reverse(action.route, kwargs={"code": through}), {"agency": through}
    if action.route in ("scoring:block", "scoring:framework"):
        pk = Block.objects.filter(code=through, year=2025).values_list("pk", flat=True).first() or 999_999
        return reverse(action.route, kwargs={"pk": pk}), {"pk": pk}
    if action.route in ("reports:report", "reports:autosave"):
        pk = Report.objects.filter(agency__code=through).values_list("pk", flat=True).first() or 999_999
        return reverse(action.route, kwargs={"pk": pk}), {"pk": pk}
    if action.route == "plans:task":
        from cchc.plans.models import Task as PlanTask

        pk = PlanTask.objects.filter(task_code=through).values_list("pk", flat=True).first() or 999_999
        return reverse(action.route, kwargs={"pk": pk}), {"pk": pk}
    if action.route in ("inspections:inspection", "inspections:finding", "inspections:conclusion"):
        from cchc.inspections.models import Conclusion, Finding, Inspection

        model: Any = {"inspection": Inspection, "finding": Finding, "conclusion": Conclusion}[action.route[12:]]
        field = {"inspection": "agency", "finding": "inspection__agency", "conclusion": "agency"}[action.route[12:]]
        pk = model.objects.filter(**{f"{field}__code": through}).values_list("pk", flat=True).first() or 999_999
        return reverse(action.route, kwargs={"pk": pk}), {"pk": pk}
    if action.route == "reports:period":
        pk = ReportingPeriod.objects.filter(owner__code=through).values_list("pk", flat=True).first() or 999_999
        return reverse(action.route, kwargs={"pk": pk}), {"pk": pk}
    return reverse(action.route), {}


def target_of(action: Action, obj: str) -> str:
    """Whose ids the form carries: the object's (after ">" for a forged post); a missing object's
    URL carries the ids of a real one, so that only the URL is missing."""
    target = obj.split(">")[-1]
    if target != MISSING or action.route in ("dossiers:upload", "reports:new_period"):
        return target
    return "SBN" if action.route in ("scoring:block", "scoring:framework") else "SA"


def watched() -> dict[str, list[Any]]:
    """Every row of the data a POST could change (not the tasks, sessions or login attempts)."""
    models = [m for m in django_apps.get_models(include_auto_created=True) if m._meta.app_label in WATCHED_APPS]
    return {
        m._meta.label: list(m.objects.order_by("pk").values_list())  # type: ignore[attr-defined]
        for m in [*models, AuditEntry]
    }


WATCHED_APPS = (
    "accounts",
    "agencies",
    "dossiers",
    "scoring",
    "reports",
    "documents",
    "plans",
    "indices",
    "inspections",
    "surveys",
)


@pytest.mark.parametrize(("name", "persona", "obj"), list(_action_cases()))
def test_action(name: str, persona: str, obj: str, world: World) -> None:
    action = ACTIONS[name]
    action.prepare(world)
    expected = action.expect[persona][obj]
    data = action.data(world, target_of(action, obj))
    url, context = action_url(action, world, obj)
    client = client_for(world.personas.all()[persona])
    before = watched()
    kind = {"content_type": "application/json"} if action.json else {}
    response = client.post(url, data, **kind)
    accepted = isinstance(expected, Changes)
    assert_answer(response, expected.answer if accepted else expected, url, context)
    if accepted:
        assert watched() != before, f"{name} by {persona} on {obj} was accepted but changed nothing"
    else:
        assert watched() == before, f"{name} by {persona} on {obj} was refused but changed the data"


# Rows every signed-in persona answers alike (only the visitor differs, if anyone). Such a row tests
# nothing about roles, so each says why it is right: a public or self-service route, or a route whose
# status is the same for everyone signed in while what it shows is the scope, checked per persona by
# the test named ("module::test"; test_a_row_tells_the_personas_apart checks that the test exists).
SAME_FOR_EVERY_ROLE: dict[str, str] = {
    # Public, or one's own account
    "accounts:login": "public: the sign-in page",
    "accounts:login#post": "public: signing in, with one's own password",
    "accounts:logout": "one's own session",
    "accounts:password_change": "one's own password",
    "accounts:password_change#post": "one's own password",
    "accounts:password_change_done": "one's own password",
    "accounts:profile": "one's own roles",
    "api:me": "tests/test_api.py::test_me_describes_the_caller_and_its_grants",
    "api:token": "public: a token for one's own user name and password",
    "set_language": "public: the language switch (one's own profile when signed in)",
    "core:task_restart": "tests/test_tasks.py::test_only_its_user_starts_a_failed_task_again",
    "notifications:list": "tests/test_report_reminders.py::test_the_header_counts_unread_and_the_list_marks_them_read",
    "notifications:read": "tests/test_report_reminders.py::test_the_header_counts_unread_and_the_list_marks_them_read",
    "scoring:public": "public: the published rankings (tests/test_scoring_pages.py)",
    # No agency's data: the catalogue of procedures and the API's own description
    "dossiers:procedures": "the procedure catalogue holds no agency's data",
    "api:procedure-list": "the procedure catalogue holds no agency's data",
    "api:api-root": "the API's list of routes",
    "api:schema": "the API's description",
    "api:docs": "the API's description",
    # What they show is the scope
    "core:home": "tests/test_access_matrix.py::test_the_home_page_counts_the_scope",
    "agencies:list": "tests/test_access_matrix.py::test_agency_list_page_shows_only_the_scope",
    "agencies:tree": "tests/test_access_matrix.py::test_agency_tree_shows_only_the_scope",
    "agencies:export": "tests/test_access_matrix.py::test_agency_export_holds_only_the_scope",
    "api:agency-list": "tests/test_access_matrix.py::test_agency_api_lists_only_the_scope",
    "api:block-list": "tests/test_api.py::test_blocks_api_lists_the_blocks_in_scope",
    "dossiers:index": "tests/test_scope.py::test_the_dossier_figures_follow_each_aggregate_tables_own_scope",
    "dossiers:targets": "tests/test_scope.py::test_the_dossier_figures_follow_each_aggregate_tables_own_scope",
    "dossiers:service_index": "tests/test_scope.py::test_the_dossier_figures_follow_each_aggregate_tables_own_scope",
    "api:dossier-stats": "tests/test_scope.py::test_the_dossier_figures_follow_each_aggregate_tables_own_scope",
    "dossiers:export": "tests/test_dossier_pages.py::test_the_export_holds_only_the_scope",
    "dossiers:lookup": "tests/test_dossier_pages.py::test_api_lists_and_counts_only_the_scope",
    "api:dossier-list": "tests/test_api.py::test_the_dossier_api_lists_the_scope",
    "scoring:index": "tests/test_access_matrix.py::test_the_scoring_index_shows_the_blocks_and_assessments_in_scope",
    "api:assessment-list": "tests/test_scoring_pages.py::test_the_api_lists_assessments_in_scope",
    "api:score-list": "tests/test_scoring_pages.py::test_the_api_lists_assessments_in_scope",
    "scoring:evidence": "tests/test_scoring_pages.py::test_evidence_is_downloaded_as_an_attachment_by_those_in_scope_only",
    "api:scoring-action": "an empty step; every step's row is in ACTIONS",
    "api:report-action": "an empty step; every step's row is in ACTIONS",
    "reports:index": "tests/test_report_pages.py::test_the_reports_index_lists_the_calendar_and_only_ones_own_reports",
    "reports:period": "tests/test_report_pages.py::test_the_period_page_lists_only_the_reports_in_scope",
    "api:reporting-period-list": "the calendar holds no agency's data",
    "api:reporting-period-detail": "the calendar holds no agency's data",
    "plans:list": "tests/test_plans.py::test_the_pages_list_the_plans_and_tasks_in_scope",
    "api:plan-list": "tests/test_plans.py::test_the_api_lists_plans_tasks_and_statistics_in_scope",
    "api:task-list": "tests/test_plans.py::test_the_api_lists_plans_tasks_and_statistics_in_scope",
    "api:task-stats": "tests/test_plans.py::test_the_api_lists_plans_tasks_and_statistics_in_scope",
    "plans:my_tasks": "tests/test_my_tasks.py::test_an_officer_sees_what_its_agency_leads_and_co_operates_on_by_deadline",
    "api:task-update-list": "tests/test_task_updates.py::test_the_api_posts_through_the_service_and_reads_in_scope",
    "api:report-list": "tests/test_report_pages.py::test_the_api_lists_only_the_reports_in_scope",
    "plans:appendix1": "tests/test_plan_charts.py::test_appendix_1_downloads_as_the_reports_write_it",
    # The province's published results in the national indices: no agency's own data
    "indices:index": "tests/test_indices.py::test_every_signed_in_person_reads_the_table_and_the_chart",
    "indices:export": "tests/test_indices.py::test_the_export_holds_the_page_s_selection",
    "api:provincial-index-list": "tests/test_indices.py::test_the_api_lists_the_results_with_their_change",
    "api:provincial-index-detail": "tests/test_indices.py::test_the_api_lists_the_results_with_their_change",
    "inspections:index": "tests/test_inspections.py::test_the_index_shows_the_figures_and_the_inspections_in_scope",
    "inspections:evidence": "tests/test_inspections.py::test_another_agency_sees_nothing_by_url_or_api",
    "inspections:conclusions": "tests/test_inspections.py::test_the_conclusion_list_shows_the_notices_in_scope",
    "api:inspection-plan-list": "tests/test_inspections.py::test_the_api_lists_inspections_and_plans_in_scope",
    "api:inspection-list": "tests/test_inspections.py::test_the_api_lists_inspections_and_plans_in_scope",
    "api:finding-list": "tests/test_inspections.py::test_another_agency_sees_nothing_by_url_or_api",
    "api:conclusion-list": "tests/test_inspections.py::test_the_api_makes_tasks_of_a_directive",
    "api:inspection-stats": "tests/test_inspections.py::test_the_figures_follow_the_readers_scope",
    "api:inspection-action": "an empty step; every step's row is in ACTIONS",
    "api:directive-tasks": "an empty step; every step's row is in ACTIONS",
    "survey_form:agency": "public: the survey form, for anyone with a dossier's code (tests/test_survey_public.py)",
    "survey_form:agency#post": "public: the survey form, for anyone with a dossier's code (tests/test_survey_public.py)",
    "survey_form:counter": "public: a counter's survey form (tests/test_survey_public.py)",
    "survey_form:counter#post": "public: a counter's survey form (tests/test_survey_public.py)",
    "survey_public:held": "tests/test_survey_public.py::test_a_coordinator_counts_a_held_answer_and_the_agency_is_told",
    "surveys:index": "tests/test_surveys_pages.py::test_the_results_page_shows_the_scope",
    "surveys:export": "tests/test_surveys_pages.py::test_the_xlsx_export_holds_the_pages_figures_in_scope",
    "surveys:questionnaires": "the questionnaires hold no agency's data",
    "surveys:questionnaire": "the questionnaires hold no agency's data",
    "surveys:questionnaire_export": "the questionnaires hold no agency's data",
    "api:questionnaire-list": "the questionnaires hold no agency's data",
    "api:questionnaire-detail": "the questionnaires hold no agency's data",
    "api:survey-stats": "tests/test_surveys_pages.py::test_the_api_gives_the_figures_in_scope",
}


def signed_in_answers(expect: dict[str, Any]) -> set[str]:
    return {repr(answer) for persona, answer in expect.items() if persona != "anonymous"}


def _test_exists(reference: str) -> bool:
    module, _sep, name = reference.partition("::")
    return callable(getattr(importlib.import_module(module.removesuffix(".py").replace("/", ".")), name, None))


@pytest.mark.parametrize("key", [*MATRIX, *ACTIONS])
def test_a_row_tells_the_personas_apart(key: str) -> None:
    expect = MATRIX[key].expect if key in MATRIX else ACTIONS[key].expect
    alike = len(signed_in_answers(expect)) == 1
    reason = SAME_FOR_EVERY_ROLE.get(key)
    if reason is None:
        assert not alike, f"{key}: every signed-in persona gets the same answer, which tests nothing about roles"
        return
    assert alike, f"{key} tells the personas apart: it needs no place in SAME_FOR_EVERY_ROLE"
    if reason.startswith("tests/"):
        assert _test_exists(reason), f"{key}: {reason} does not exist"


def test_the_same_answer_check_catches_a_row_without_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(MATRIX, "plans:new", Route(SIGNED_IN_PAGE))
    with pytest.raises(AssertionError, match="tests nothing about roles"):
        test_a_row_tells_the_personas_apart("plans:new")
    monkeypatch.setitem(SAME_FOR_EVERY_ROLE, "plans:new", "tests/test_access_matrix.py::test_no_such_test")
    with pytest.raises(AssertionError, match="does not exist"):
        test_a_row_tells_the_personas_apart("plans:new")


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


def test_the_users_of_an_agency_are_shown_to_its_own_coordinators_not_to_a_coordinator_elsewhere(
    personas: Any, province: Any
) -> None:
    make_user("can_bo_xa", Role.FOCAL, province.commune_1)
    # Coordinator of the district (and its communes), and leadership viewer of the whole province.
    both = make_user("both", Role.COORDINATOR, province.district, descendants=True)
    RoleGrant.objects.create(user=both, role=Role.VIEWER, agency=province.province, include_descendants=True)
    client = client_for(both)
    department = client.get("/agencies/SA/")
    assert department.status_code == 200
    html = department.content.decode()
    assert 'id="users-heading"' not in html and "Officer_A" not in html, "a coordinator of elsewhere sees SA's users"
    html = client.get("/agencies/C1/").content.decode()
    assert 'id="users-heading"' in html and "Can_Bo_Xa" in html
    # A coordinator of the district alone (no descendants) does not coordinate its communes.
    district_only = make_user("district_only", Role.COORDINATOR, province.district)
    RoleGrant.objects.create(user=district_only, role=Role.VIEWER, agency=province.district, include_descendants=True)
    html = client_for(district_only).get("/agencies/C1/").content.decode()
    assert 'id="users-heading"' not in html and "Can_Bo_Xa" not in html
    assert 'id="users-heading"' in client_for(district_only).get("/agencies/D1/").content.decode()
    for persona in ("coordinator", "admin"):
        assert "Can_Bo_Xa" in client_for(personas.all()[persona]).get("/agencies/C1/").content.decode(), persona


@pytest.mark.parametrize("persona", list(SCOPE))
def test_the_home_page_counts_the_scope(persona: str, personas: Any, province: Any) -> None:
    response = client_for(personas.all()[persona]).get("/")
    assert response.context["agency_count"] == len(SCOPE[persona])


SCORING_INDEX = {
    "officer_a": (set(), {"SA"}),
    "officer_b": (set(), {"SB"}),
    "head": (set(), {"SA"}),
    "coordinator": ({"SBN", "XA-D1"}, set()),
    "district_coordinator": ({"XA-D1"}, set()),
    "appraiser": ({"SBN", "XA-D1"}, set()),
    "inspector": ({"SBN", "XA-D1"}, set()),
    "viewer": ({"SBN", "XA-D1"}, set()),
    "admin": ({"SBN", "XA-D1"}, set()),  # an administrator holds no agency of its own
}


@pytest.mark.parametrize("persona", list(SCORING_INDEX))
def test_the_scoring_index_shows_the_blocks_and_assessments_in_scope(persona: str, world: World) -> None:
    """(blocks of the year, the agency's own assessments): blocks for the block roles, one's own for the agency's."""
    context = client_for(world.personas.all()[persona]).get("/scoring/?year=2025").context
    blocks = {summary["framework"].block.code for summary in context["blocks"]}
    assert (blocks, {a.agency.code for a in context["own"]}) == SCORING_INDEX[persona]
