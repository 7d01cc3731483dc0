"""The public survey form in a real browser: accessible (axe-core, WCAG 2.1 AA), quick on a slow 3G
network, and an answer kept through a lost connection is sent once when it is back."""

from __future__ import annotations

import time
from typing import Any

import pytest

from cchc.surveys.models import Counter, Response
from tests.browser.test_accessibility import violations
from tests.survey_public_helpers import CODES, code_url, counter_url, make_questionnaire

# Chromium's "Slow 3G"-like profile: about 400 kbit/s each way and a 400 ms round trip.
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400 * 1024 / 8, "uploadThroughput": 400 * 1024 / 8}


@pytest.fixture
def counter(province: Any) -> Counter:
    make_questionnaire()
    return Counter.objects.create(agency=province.dept_a, name="Quầy số 1")


def choose(page: Any, values: tuple[int, ...]) -> None:
    for code, value in zip(CODES, values, strict=False):
        page.locator(f"#q-{code}-{value}").check()


def test_the_form_meets_wcag_aa_on_a_phone(live_server: Any, page: Any, counter: Counter) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(counter_url(counter))
    assert violations(page) == []
    # Each question is a group named by its text, each answer a labelled radio button.
    group = page.get_by_role("group", name="Công chức có thái độ lịch sự khi tiếp đón")
    group.get_by_role("radio", name="5 Rất hài lòng").check()
    # A form sent with a bad comment shows its errors, announced and linked, and still meets AA.
    page.evaluate("document.getElementById('comment').removeAttribute('maxlength')")
    page.locator("#comment").fill("x" * 2001)
    page.get_by_role("button", name="Gửi phiếu").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Góp ý quá dài" in alert.inner_text()
    assert page.evaluate("document.activeElement.id") == "form-errors"
    assert violations(page) == []
    assert Response.objects.count() == 0


def test_the_code_pages_meet_wcag_aa(live_server: Any, page: Any, counter: Counter) -> None:
    for path in (code_url("SA", "HS-1"), "/khao-sat/SA/", "/khao-sat/SA/?c=bad.code"):
        page.goto(path)
        assert violations(page) == [], path


def test_the_form_is_usable_within_3_seconds_on_slow_3g(live_server: Any, page: Any, counter: Counter) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    started = time.monotonic()
    page.goto(counter_url(counter), wait_until="load")
    page.locator(f"#q-{CODES[0]}-5").check()  # interactive: a tap chooses an answer
    elapsed = time.monotonic() - started
    timing = page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0].toJSON())")
    print(f"survey form on slow 3G: usable after {elapsed:.2f} s")
    assert elapsed < 3.0, f"{elapsed:.2f} s on slow 3G ({timing})"


def test_an_answer_is_kept_offline_and_sent_once_when_the_network_is_back(
    live_server: Any, page: Any, counter: Counter
) -> None:
    page.goto(counter_url(counter))
    choose(page, (5, 4, 4, 3, 5))
    page.context.set_offline(True)
    page.get_by_role("button", name="Gửi phiếu").click()
    status = page.locator("#survey-status")
    status.get_by_text("Đã lưu trên máy, sẽ gửi khi có mạng").wait_for()
    assert Response.objects.count() == 0
    assert "client_token" in page.evaluate("localStorage.getItem('cchc-survey-pending')")
    page.context.set_offline(False)
    page.get_by_text("Cảm ơn ông/bà! Phiếu đã được ghi nhận.").wait_for()
    assert page.evaluate("localStorage.getItem('cchc-survey-pending')") == "[]"
    page.reload()
    page.wait_for_load_state("networkidle")
    assert Response.objects.count() == 1
    assert sorted(Response.objects.get().answers.values_list("value", flat=True)) == [3, 4, 4, 5, 5]


def test_an_answer_that_failed_is_sent_on_the_next_visit(live_server: Any, page: Any, counter: Counter) -> None:
    page.goto(counter_url(counter))
    choose(page, (2, 2))
    # The server cannot be reached for the POST (a dropped connection), though the browser thinks it is online.
    page.route("**/khao-sat/**", lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    page.get_by_role("button", name="Gửi phiếu").click()
    page.locator("#survey-status").get_by_text("Đã lưu trên máy").wait_for()
    page.unroute("**/khao-sat/**")
    page.goto(counter_url(counter))  # the next visit sends what was kept
    page.locator("#survey-status").get_by_text("đã được gửi").wait_for()
    page.reload()
    page.wait_for_load_state("networkidle")
    assert Response.objects.count() == 1


def test_the_form_works_without_javascript(browser: Any, live_server: Any, counter: Counter) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="vi-VN")
    page = context.new_page()
    page.goto(counter_url(counter))
    page.locator(f"#q-{CODES[0]}-4").check()
    page.get_by_role("button", name="Gửi phiếu").click()
    page.get_by_text("Cảm ơn ông/bà! Phiếu đã được ghi nhận.").wait_for()
    context.close()
    assert Response.objects.count() == 1
