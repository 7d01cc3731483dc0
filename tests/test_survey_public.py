"""The public survey form: one-time codes, counters, the checks against abuse, idempotent retries,
the held answers' review and what the page weighs (issue 13 points 3 and 4)."""

from __future__ import annotations

import gzip
import re
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from cchc.core.models import AuditEntry
from cchc.notifications.models import Notification
from cchc.surveys import checks, codes
from cchc.surveys.models import Channel, CheckCount, Counter, Response, Status, Trust
from conftest import client_for
from tests.survey_public_helpers import CODES, answers, code_url, counter_url, make_questionnaire, post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _long_windows(settings: Any) -> None:
    """Windows far longer than a test, so that none starts anew in the middle of one (they are fixed)."""
    for name in ("RATE", "DUPLICATE", "BURST", "PATTERN"):
        setattr(settings, f"CCHC_SURVEY_{name}_WINDOW", 10**9)


@pytest.fixture
def questionnaire(province: Any) -> Any:
    return make_questionnaire()


@pytest.fixture
def counter(province: Any, questionnaire: Any) -> Counter:
    return Counter.objects.create(agency=province.dept_a, name="Quầy số 1")


# One-time codes


def test_a_code_carries_the_agency_the_procedure_and_the_dossiers_digest(settings: Any) -> None:
    code = codes.make_code(agency_code="SA", dossier_code="000.00.12.H01-260101-0001", procedure_code="1.001")
    claim = codes.read_code(code, "SA")
    assert (claim.agency_code, claim.procedure_code) == ("SA", "1.001")
    assert claim.digest == codes.dossier_digest("000.00.12.H01-260101-0001")
    assert "000.00.12" not in code, "the code does not show the dossier code"
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", code), "URL-safe"
    # The digest depends on the source system and the dossier code only.
    assert codes.dossier_digest("X-1", "motcua") != codes.dossier_digest("X-1", "other")
    assert codes.make_code(agency_code="SA", dossier_code="X-1") != codes.make_code(
        agency_code="SA", dossier_code="X-2"
    )


@pytest.mark.parametrize("where", ["signature", "payload", "agency", "truncated"])
def test_a_changed_code_is_refused(where: str) -> None:
    code = codes.make_code(agency_code="SA", dossier_code="HS-1", procedure_code="1.001")
    encoded, signature = code.split(".")
    import base64

    if where == "signature":
        code = f"{encoded}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    elif where == "payload":
        forged = base64.urlsafe_b64encode(b"SA|9.999|" + codes.dossier_digest("HS-1").encode()).rstrip(b"=")
        code = f"{forged.decode()}.{signature}"
    elif where == "truncated":
        code = code[:-1]
    with pytest.raises(codes.InvalidCode):
        codes.read_code(code, "SB" if where == "agency" else "SA")


def test_a_code_made_with_another_secret_is_refused(settings: Any) -> None:
    code = codes.make_code(agency_code="SA", dossier_code="HS-1")
    settings.SECRET_KEY = "another-secret-" + "x" * 40
    with pytest.raises(codes.InvalidCode):
        codes.read_code(code, "SA")


def test_a_code_gives_one_answer_per_dossier(province: Any, questionnaire: Any) -> None:
    url = code_url("SA", "HS-2026-0001")
    page = Client().get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<fieldset") == len(CODES) and html.count("<legend>") == len(CODES)
    assert 'type="radio"' in html and "Rất hài lòng" in html
    sent = post(url, {**answers(5, 4, 4, 5, 3), "comment": "Nhanh gọn"})
    assert sent.status_code == 200 and "Cảm ơn" in sent.content.decode()
    form = Response.objects.get()
    assert (form.channel, form.trust, form.status) == (Channel.CODE, Trust.NORMAL, Status.COUNTED)
    assert form.agency == province.dept_a and form.dossier_digest == codes.dossier_digest("HS-2026-0001")
    assert form.comment == "Nhanh gọn" and form.dossier_code == ""
    assert sorted(form.answers.values_list("question__code", "value")) == sorted(
        zip(CODES, (5, 4, 4, 5, 3), strict=True)
    )
    assert len(form.client_hash) == 64 and "203.0.113.7" not in form.client_hash
    # A second answer with the same code, from anywhere: a polite refusal, nothing stored.
    again = post(url, answers(1, 1, 1, 1, 1), address="198.51.100.9")
    assert again.status_code == 409
    assert "Hồ sơ này đã được đánh giá" in again.content.decode()
    assert Client().get(url).status_code == 409, "the form is not offered again"
    assert Response.objects.count() == 1
    # Another dossier of the same agency is answered.
    assert post(code_url("SA", "HS-2026-0002"), answers(4)).status_code == 200
    assert Response.objects.count() == 2


def test_the_code_keeps_its_procedure(province: Any, questionnaire: Any) -> None:
    from cchc.dossiers.models import Procedure

    procedure = Procedure.objects.create(code="1.001", name="Cấp phiếu lý lịch tư pháp")
    assert post(code_url("SA", "HS-9", "1.001"), answers(5)).status_code == 200
    assert Response.objects.get().procedure == procedure


@pytest.mark.parametrize("url", ["tampered", "other_agency", "garbage"])
def test_a_bad_code_is_refused_and_nothing_stored(province: Any, questionnaire: Any, url: str) -> None:
    good = code_url("SB", "HS-1")
    target = {
        "tampered": good[:-2] + ("xx" if not good.endswith("xx") else "yy"),
        "other_agency": good.replace("/khao-sat/SB/", "/khao-sat/SA/"),
        "garbage": "/khao-sat/SA/?c=abc.def",
    }[url]
    assert Client().get(target).status_code == 400
    response = post(target, answers(5, 5))
    assert response.status_code == 400
    assert "Mã khảo sát không hợp lệ" in response.content.decode()
    assert not Response.objects.exists()


def test_without_a_code_the_page_says_where_to_find_one_and_an_unknown_agency_is_404(
    province: Any, questionnaire: Any
) -> None:
    page = Client().get("/khao-sat/SA/")
    assert page.status_code == 200 and "quét mã QR" in page.content.decode()
    assert 'type="radio"' not in page.content.decode()
    assert Client().get("/khao-sat/NO-SUCH/").status_code == 404
    assert post("/khao-sat/SA/", answers(5)).status_code == 200 and not Response.objects.exists()


# Counters


def test_a_counter_answer_is_lower_trust(counter: Counter) -> None:
    assert Client().get(counter_url(counter)).status_code == 200
    assert post(counter_url(counter), answers(4, 4, 4, 4, 4)).status_code == 200
    form = Response.objects.get()
    assert (form.channel, form.trust, form.counter, form.agency) == (
        Channel.COUNTER,
        Trust.LOW,
        counter,
        counter.agency,
    )
    assert form.dossier_digest is None


def test_a_counter_turned_off_or_unknown_takes_no_answer(counter: Counter) -> None:
    counter.active = False
    counter.save()
    assert Client().get(counter_url(counter)).status_code == 404
    assert post(counter_url(counter), answers(5)).status_code == 404
    assert Client().get("/khao-sat/q/no-such-token/").status_code == 404
    assert not Response.objects.exists()


# Bad input


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (answers(7), "Chọn một câu trả lời từ 1 đến 5"),
        (answers(0, 3), "Chọn một câu trả lời từ 1 đến 5"),
        ({}, "Vui lòng trả lời ít nhất một câu hỏi"),
        ({**answers(5), "comment": "x" * 2001}, "Góp ý quá dài"),
    ],
)
def test_bad_answers_are_explained_on_the_page_and_nothing_is_stored(
    counter: Counter, data: dict[str, str], message: str
) -> None:
    response = post(counter_url(counter), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'role="alert"' in html
    assert not Response.objects.exists()
    as_json = post(counter_url(counter), data, js=True)
    assert as_json.status_code == 400 and as_json.json()["status"] == "invalid"


# A retry is counted once


def test_the_same_answer_sent_twice_is_counted_once(counter: Counter) -> None:
    data = {**answers(5, 4, 3), "client_token": str(uuid.uuid4())}
    first = post(counter_url(counter), data, js=True)
    second = post(counter_url(counter), data, js=True, address="198.51.100.1")
    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == second.json()["status"] == "sent"
    assert Response.objects.count() == 1
    assert Response.objects.get().client_token == data["client_token"]
    # Without a script: the page carries its own token, so a doubled click is counted once too.
    html = Client().get(counter_url(counter)).content.decode()
    token = re.search(r'name="client_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    for _ in range(2):
        assert post(counter_url(counter), {**answers(2), "client_token": token}).status_code == 200
    assert Response.objects.count() == 2


# Checks


@override_settings(CCHC_SURVEY_RATE_HOLD=2, CCHC_SURVEY_RATE_LIMIT=3)
def test_a_client_over_the_rate_is_held_then_refused_with_429(counter: Counter) -> None:
    statuses = [post(counter_url(counter), answers(v, 3)).status_code for v in (1, 2, 3)]
    assert statuses == [200, 200, 200]
    refused = post(counter_url(counter), answers(4, 3))
    assert refused.status_code == 429
    assert "Đã có quá nhiều phiếu được gửi từ thiết bị này" in refused.content.decode()
    assert post(counter_url(counter), answers(5, 3), js=True).status_code == 429
    forms = list(Response.objects.order_by("pk"))
    assert [f.status for f in forms] == [Status.COUNTED, Status.COUNTED, Status.HELD]
    assert forms[2].held_reasons == [checks.RATE_LIMIT]
    # Another client is not limited.
    assert post(counter_url(counter), answers(4, 3), address="198.51.100.2").status_code == 200


def test_the_same_answers_again_from_one_client_are_held_as_duplicate(counter: Counter) -> None:
    for _ in range(2):
        assert post(counter_url(counter), answers(5, 4, 3, 2, 1)).status_code == 200
    post(counter_url(counter), answers(5, 4, 3, 2, 1), address="198.51.100.3")  # someone else: not a duplicate
    forms = list(Response.objects.order_by("pk"))
    assert [(f.status, f.held_reasons) for f in forms] == [
        (Status.COUNTED, []),
        (Status.HELD, [checks.DUPLICATE]),
        (Status.COUNTED, []),
    ]


@override_settings(CCHC_SURVEY_BURST_LIMIT=3)
def test_many_answers_through_one_counter_within_minutes_are_held_as_burst(counter: Counter, province: Any) -> None:
    other = Counter.objects.create(agency=province.dept_a, name="Quầy số 2")
    for i in range(5):
        post(counter_url(counter), answers(1 + i % 5, 2 + i % 4), address=f"198.51.100.{10 + i}")
    post(counter_url(other), answers(3), address="198.51.100.99")
    held = Response.objects.filter(status=Status.HELD)
    assert held.count() == 2 and all(f.held_reasons == [checks.BURST] for f in held)
    assert Response.objects.get(counter=other).status == Status.COUNTED


@override_settings(CCHC_SURVEY_PATTERN_LIMIT=2)
def test_one_identical_pattern_many_times_is_held(counter: Counter, province: Any) -> None:
    for i in range(3):
        post(counter_url(counter), answers(5, 5, 5, 5, 5), address=f"198.51.100.{20 + i}")
    post(counter_url(counter), answers(5, 5, 5, 5, 4), address="198.51.100.30")
    statuses = list(Response.objects.order_by("pk").values_list("status", "held_reasons"))
    assert statuses == [
        (Status.COUNTED, []),
        (Status.COUNTED, []),
        (Status.HELD, [checks.PATTERN]),
        (Status.COUNTED, []),
    ]
    # Through an agency's one-time codes: the agency's pattern.
    for i in range(3):
        post(code_url("SB", f"HS-P{i}"), answers(1, 1, 1, 1, 1), address=f"198.51.100.{40 + i}")
    assert list(Response.objects.filter(agency=province.dept_b).order_by("pk").values_list("status", flat=True)) == [
        Status.COUNTED,
        Status.COUNTED,
        Status.HELD,
    ]


def test_the_client_hash_is_salted_and_never_the_address(settings: Any) -> None:
    first = checks.client_hash("203.0.113.7")
    assert re.fullmatch(r"[0-9a-f]{64}", first) and first == checks.client_hash("203.0.113.7")
    settings.CCHC_SURVEY_CLIENT_SALT = "muoi-cua-tinh"
    assert checks.client_hash("203.0.113.7") not in (first, "203.0.113.7")


def test_old_client_hashes_are_purged(counter: Counter, settings: Any) -> None:
    settings.CCHC_SURVEY_HASH_DAYS = 30
    post(counter_url(counter), answers(5))
    post(counter_url(counter), answers(4), address="198.51.100.4")
    old, recent = Response.objects.order_by("pk")
    Response.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=31))
    call_command("purge_survey_hashes")
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.client_hash == "" and len(recent.client_hash) == 64
    assert checks.purge_client_hashes() == 0, "a repeated run clears nothing more"


def test_the_counts_are_per_window_and_ended_windows_are_purged(counter: Counter, settings: Any) -> None:
    settings.CCHC_SURVEY_DUPLICATE_WINDOW = 1
    post(counter_url(counter), answers(3, 3, 1))
    assert CheckCount.objects.count() == 4  # rate, duplicate, burst, pattern
    time.sleep(1.1)  # the one-second duplicate window ends: the same answers again are not a duplicate
    post(counter_url(counter), answers(3, 3, 1))
    assert list(Response.objects.values_list("status", flat=True)) == [Status.COUNTED, Status.COUNTED]
    checks.purge_client_hashes(timezone.now() + timedelta(seconds=2))
    assert CheckCount.objects.count() == 3, "the ended duplicate windows are removed, the others kept"


# Review


def held_form(counter: Counter, address: str = "198.51.100.50") -> Response:
    for _ in range(2):
        post(counter_url(counter), answers(2, 2, 2), address=address)
    return Response.objects.filter(status=Status.HELD).latest("pk")


def test_a_coordinator_counts_a_held_answer_and_the_agency_is_told(
    counter: Counter, personas: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    personas.officer_a.email = "officer_a@hoaan.gov.vn"
    personas.officer_a.save()
    form = held_form(counter)
    page = client_for(personas.coordinator).get("/surveys/public/review/")
    assert page.status_code == 200
    assert [row["form"] for row in page.context["rows"]] == [form]
    assert "các câu trả lời giống hệt từ một thiết bị" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client_for(personas.coordinator).post(
            "/surveys/public/review/", {"form": [form.pk], "decision": "counted", "note": "Hai người dùng chung máy"}
        )
    assert done.status_code == 302
    form.refresh_from_db()
    assert (form.status, form.reviewed_by, form.review_note) == (
        Status.COUNTED,
        personas.coordinator,
        "Hai người dùng chung máy",
    )
    told = Notification.objects.filter(recipient=personas.officer_a)
    assert told.count() == 1 and "Hai người dùng chung máy" in told.get().text
    assert smtp.to("officer_a@hoaan.gov.vn")
    assert not Notification.objects.filter(recipient=personas.officer_b).exists()
    # The agency's officers see it on their page; another agency's officer does not.
    seen = client_for(personas.officer_a).get("/surveys/public/held/")
    assert [(c["agency__code"], c["held"], c["reviewed"], c["counted"]) for c in seen.context["counts"]] == [
        ("SA", 0, 1, 1)
    ]
    assert [row["form"] for row in seen.context["rows"]] == [form]
    other = client_for(personas.officer_b).get("/surveys/public/held/")
    assert list(other.context["counts"]) == [] and other.context["rows"] == []


def test_held_answers_are_rejected_in_bulk_and_filtered_by_reason(
    counter: Counter, personas: Any, province: Any
) -> None:
    first = held_form(counter)
    second = held_form(Counter.objects.create(agency=province.dept_b, name="Quầy Sở Y tế"), address="198.51.100.60")
    coordinator = client_for(personas.coordinator)
    by_agency = coordinator.get("/surveys/public/review/?agency=SB").context["rows"]
    assert [row["form"] for row in by_agency] == [second]
    assert coordinator.get("/surveys/public/review/?reason=burst").context["count"] == 0
    assert coordinator.get("/surveys/public/review/?reason=duplicate").context["count"] == 2
    coordinator.post("/surveys/public/review/", {"form": [first.pk, second.pk], "decision": "rejected"})
    assert set(Response.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        Status.REJECTED
    }


def test_a_bulk_review_tells_each_agency_once(
    counter: Counter, personas: Any, province: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Forms decided together are one notification (and one mail) per agency officer, naming them all."""
    personas.officer_a.email = "officer_a@hoaan.gov.vn"
    personas.officer_a.save()
    forms = [held_form(counter, address=f"198.51.100.{70 + i}") for i in range(3)]
    other = held_form(Counter.objects.create(agency=province.dept_b, name="Quầy Sở Y tế"), address="198.51.100.90")
    with django_capture_on_commit_callbacks(execute=True):
        done = client_for(personas.coordinator).post(
            "/surveys/public/review/",
            {"form": [f.pk for f in [*forms, other]], "decision": "counted", "note": "Cùng một máy ở quầy"},
        )
    assert done.status_code == 302
    assert set(Response.objects.filter(pk__in=[f.pk for f in forms]).values_list("status", flat=True)) == {
        Status.COUNTED
    }
    told = Notification.objects.get(recipient=personas.officer_a)
    assert told.text.startswith("3 phiếu khảo sát chờ xem xét đã được xem xét: được tính.\n- ")
    assert all(str(f) in told.text for f in forms) and str(other) not in told.text
    assert "Cùng một máy ở quầy" in told.text
    assert len(smtp.to("officer_a@hoaan.gov.vn")) == 1
    assert AuditEntry.objects.filter(content_type__model="response", action="update").count() == 4


def test_only_the_agencys_coordinators_review(counter: Counter, personas: Any) -> None:
    form = held_form(counter)
    for persona in ("officer_a", "head", "viewer", "appraiser"):
        user = personas.all()[persona]
        assert client_for(user).get("/surveys/public/review/").status_code == 403, persona
        assert (
            client_for(user).post("/surveys/public/review/", {"form": [form.pk], "decision": "counted"}).status_code
            == 403
        )
    # A district's coordinator does not see or decide on a department's answer.
    district = client_for(personas.district_coordinator)
    assert district.get("/surveys/public/review/").context["rows"] == []
    district.post("/surveys/public/review/", {"form": [form.pk], "decision": "counted"})
    form.refresh_from_db()
    assert form.status == Status.HELD and form.reviewed_by is None


# Counters and receipt QR codes for officers


def test_officers_add_counters_of_their_agency_and_download_their_qr(personas: Any, province: Any) -> None:
    officer = client_for(personas.officer_a)
    assert officer.post("/surveys/public/counters/", {"agency": "SA", "name": "Quầy 3"}).status_code == 302
    counter = Counter.objects.get()
    assert counter.agency == province.dept_a and counter.active and len(counter.token) >= 16
    officer.post("/surveys/public/counters/", {"agency": "SB", "name": "Quầy lạ"})
    assert Counter.objects.count() == 1, "not for another agency"
    png = officer.get(f"/surveys/public/counters/{counter.pk}/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG") and png["Content-Type"] == "image/png"
    svg = officer.get(f"/surveys/public/counters/{counter.pk}/qr.svg")
    assert svg.status_code == 200 and b"<svg" in svg.content
    assert client_for(personas.officer_b).get(f"/surveys/public/counters/{counter.pk}/qr.png").status_code == 404
    client_for(personas.officer_b).post("/surveys/public/counters/", {"action": "toggle", "counter": counter.pk})
    counter.refresh_from_db()
    assert counter.active
    officer.post("/surveys/public/counters/", {"action": "toggle", "counter": counter.pk})
    counter.refresh_from_db()
    assert not counter.active
    assert client_for(personas.viewer).get("/surveys/public/counters/").status_code == 403


def test_an_officer_gets_the_receipt_qr_of_a_dossier(personas: Any, province: Any, questionnaire: Any) -> None:
    officer = client_for(personas.officer_a)
    page = officer.get("/surveys/public/receipt-qr/", {"agency": "SA", "dossier": "HS-77", "procedure": "1.001"})
    assert page.status_code == 200
    code = page.context["code"]
    assert codes.read_code(code, "SA").digest == codes.dossier_digest("HS-77")
    assert page.context["url"].endswith(f"/khao-sat/SA/?c={code}")
    png = officer.get("/surveys/public/receipt-qr/", {"agency": "SA", "dossier": "HS-77", "format": "png"})
    assert png.content.startswith(b"\x89PNG") and "attachment" in png["Content-Disposition"]
    assert post(f"/khao-sat/SA/?c={code}", answers(5)).status_code == 200
    refused = client_for(personas.officer_b).get("/surveys/public/receipt-qr/", {"agency": "SA", "dossier": "HS-77"})
    assert refused.status_code == 400 and refused.context["code"] == ""


# What the page weighs


def test_the_whole_form_page_is_under_50_kb_compressed(counter: Counter) -> None:
    html = Client().get(counter_url(counter)).content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+)"', html)
    assert {a.rsplit(b".", 1)[-1] for a in assets} == {b"css", b"js"}, "its own stylesheet and script only"
    total = len(gzip.compress(html))
    for asset in assets:
        path = finders.find(asset.decode())
        assert path, asset
        with open(path, "rb") as f:
            total += len(gzip.compress(f.read()))
    assert not re.search(rb"<(?:img|iframe|link)[^>]+https?://", html), "nothing from elsewhere"
    assert total < 50 * 1024, f"{total} bytes compressed"
    assert total < 12 * 1024, f"{total} bytes: far below the limit, keep it so"


def test_the_demo_gives_the_departments_counters_and_attaches_their_counter_forms(
    province: Any, questionnaire: Any
) -> None:
    from cchc.surveys import public_demo
    from cchc.surveys.services import record_response

    form = record_response(questionnaire, province.dept_a, {"TC1": 4}, channel=Channel.COUNTER, trust=Trust.LOW)
    assert public_demo.extend() == {"survey counters": 4}
    assert set(Counter.objects.values_list("agency__code", flat=True)) == {"SA", "SB"}
    form.refresh_from_db()
    assert form.counter is not None and form.counter.agency == province.dept_a
    assert public_demo.extend() == {"survey counters": 0}, "run again, it adds nothing"


def test_the_workers_run_the_purge_as_a_periodic_job(counter: Counter, settings: Any) -> None:
    from cchc.core import periodic

    post(counter_url(counter), answers(5))
    Response.objects.update(submitted_at=timezone.now() - timedelta(days=settings.CCHC_SURVEY_HASH_DAYS + 1))
    periodic.jobs()["surveys.purge_hashes"]()  # queued, and run inline by the tests' immediate backend
    assert Response.objects.get().client_hash == ""
