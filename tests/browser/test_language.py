"""A person with an English browser still reads Vietnamese, picks English in the header, and finds it
again on another device after logging in; the error pages speak their language too."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.test_login_tree import login


def test_the_language_switch_follows_the_person_to_another_device(
    live_server: Any, browser: Any, personas: Any, province: Any
) -> None:
    first = browser.new_context(base_url=live_server.url, locale="en-US")
    page = first.new_page()
    login(page, personas.officer_a.username)  # the login page is Vietnamese for an English browser
    page.get_by_label("Ngôn ngữ").select_option("en")  # the header's switch submits itself
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out", include_hidden=True)).to_have_count(1)
    first.close()

    other = browser.new_context(base_url=live_server.url, locale="vi-VN")
    page = other.new_page()
    login(page, personas.officer_a.username)
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto("/no/such/page/")
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    page.get_by_role("link", name="Back to the overview").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto("/accounts/profile/")
    page.get_by_label("Interface language").select_option("vi")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Tài khoản và vai trò của tôi").wait_for()
    other.close()
