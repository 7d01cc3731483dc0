"""Error pages a person reads: in the site's layout, in Vietnamese whatever the browser asks, with a
way back; JSON for an API client; and `make run` shows them rather than Django's debug pages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import path

from cchc.core.errors import server_error
from cchc.urls import urlpatterns as site_urlpatterns
from conftest import PASSWORD, client_for
from tests.test_i18n import compiled_catalogue  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("compiled_catalogue")
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en"}
LAYOUT = ('class="navbar-brand', '<main id="main"', "cchc/cchc.css")


def assert_layout(page: str) -> None:
    for mark in LAYOUT:
        assert mark in page, f"{mark!r} missing: not the site's layout"
    assert 'lang="vi"' in page


def test_a_missing_page_is_vietnamese_in_the_layout_with_a_way_back(personas):
    client = client_for(personas.officer_a)
    response = client.get("/no/such/page/", **ENGLISH_BROWSER)
    assert response.status_code == 404
    page = response.content.decode()
    assert_layout(page)
    assert "Không tìm thấy trang" in page and "Lỗi 404" in page
    assert '<a class="btn btn-primary" href="/">' in page and "Về trang tổng quan" in page
    assert "Not Found" not in page and "Using the URLconf" not in page
    assert 'id="sidebar"' in page  # the signed-in navigation is there too


def test_a_missing_page_for_a_visitor_leads_to_the_login(db):
    page = Client().get("/no/such/page/", **ENGLISH_BROWSER).content.decode()
    assert_layout(page)
    assert 'href="/accounts/login/"' in page and "Đến trang đăng nhập" in page


def test_another_agencys_object_is_the_same_404_page(personas):
    response = client_for(personas.officer_a).get("/agencies/SB/", **ENGLISH_BROWSER)
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_a_refused_page_is_vietnamese_in_the_layout_with_a_way_back(personas):
    response = client_for(personas.officer_a).get("/audit/", **ENGLISH_BROWSER)
    assert response.status_code == 403
    page = response.content.decode()
    assert_layout(page)
    assert "Bạn không được mở trang này" in page and "Lỗi 403" in page
    assert 'href="/"' in page and 'href="/accounts/profile/"' in page
    assert "403 Forbidden" not in page


def test_an_expired_form_is_vietnamese_in_the_layout(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"}, **ENGLISH_BROWSER)
    assert response.status_code == 403
    page = response.content.decode()
    assert_layout(page)
    assert "Biểu mẫu đã hết hạn" in page
    assert "CSRF verification failed" not in page


def test_the_lock_out_page_is_vietnamese_in_the_layout_with_a_way_back(personas):
    client = Client(**ENGLISH_BROWSER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "officer_a", "password": "wrong-Password-1"})
    response = client.post("/accounts/login/", {"username": "officer_a", "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert_layout(page)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"Hãy thử lại sau {minutes} phút" in page
    assert 'href="/accounts/login/"' in page and "Quay lại trang đăng nhập" in page


# A page that crashes, to see the 500 page as Django serves it.


def _crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


urlpatterns = [*site_urlpatterns, path("crash/", _crash), path("api/v1/crash/", _crash)]
handler500 = "cchc.core.errors.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_is_the_vietnamese_500_page(personas):
    client = client_for(personas.officer_a)
    client.raise_request_exception = False
    response = client.get("/crash/", **ENGLISH_BROWSER)
    assert response.status_code == 500
    page = response.content.decode()
    assert_layout(page)
    assert "Hệ thống gặp sự cố" in page and 'href="/"' in page
    assert "boom" not in page and "Traceback" not in page
    api = client.get("/api/v1/crash/", **ENGLISH_BROWSER)
    assert api.status_code == 500
    assert api.json() == {"detail": "Máy chủ gặp lỗi; yêu cầu chưa được thực hiện."}


def test_the_500_page_needs_no_request_context_and_no_database(db, django_assert_num_queries):
    """What failed may be the database or the session: the 500 page reads neither."""
    request = RequestFactory().get("/somewhere/")
    with django_assert_num_queries(0):
        response = server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert_layout(page)
    assert "Hệ thống gặp sự cố" in page
    assert "set_language" not in page and "/i18n/setlang/" not in page  # no form it could not post


# `make run` (development settings): the real pages, not Django's technical ones.

PROBE = """
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(SERVER_NAME="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
missing = client.get("/no/such/page/")
print(settings.DEBUG, missing.status_code, "Using the URLconf" in missing.content.decode(),
      "Không tìm thấy trang" in missing.content.decode(), client.get("/static/cchc/cchc.css").status_code)
"""


@pytest.mark.parametrize(("debug", "expected"), [(None, "False 404 False True 200"), ("1", "True 404 True False 200")])
def test_make_run_shows_the_real_404_page_unless_debug_is_asked_for(tmp_path: Path, debug: str | None, expected: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCHC_", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="cchc.settings.development", CCHC_DATA_DIR=str(tmp_path))
    if debug:
        env["CCHC_DEBUG"] = debug
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == expected, result.stdout + result.stderr
