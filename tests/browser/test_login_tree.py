"""What a person clicks: log in, open the agency tree, follow an agency, log out."""

from typing import Any

from conftest import PASSWORD


def login(page: Any, username: str) -> None:
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_coordinator_logs_in_opens_tree_and_logs_out(
    live_server: Any, page: Any, personas: Any, province: Any, tmp_path: Any
) -> None:
    login(page, personas.district_coordinator.username)
    page.get_by_role("link", name="Cây cơ quan").click()
    tree = page.locator("#agency-tree")
    tree.get_by_text(province.district.name).wait_for()
    assert tree.get_by_role("link", name=province.commune_1.name).is_visible()
    # Scope: another district's communes and the departments are not in this coordinator's tree.
    assert tree.get_by_text(province.other_commune.name).count() == 0
    assert tree.get_by_text(province.dept_a.name).count() == 0
    page.screenshot(path=str(tmp_path / "tree.png"), full_page=True)

    tree.get_by_role("link", name=province.commune_1.name).click()
    page.get_by_role("heading", name=province.commune_1.name).wait_for()
    assert province.commune_1.code in page.content()

    page.get_by_role("button", name=personas.district_coordinator.full_name).click()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/accounts/login/")
    page.goto(f"/agencies/{province.commune_1.code}/")
    assert "/accounts/login/" in page.url


def test_wrong_password_is_refused_with_a_message(live_server: Any, page: Any, personas: Any) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(personas.officer_a.username)
    page.get_by_label("Mật khẩu").fill("not-the-password-1")
    page.get_by_role("button", name="Đăng nhập").click()
    assert page.locator("#login-error").is_visible()
    assert "/accounts/login/" in page.url


def test_keyboard_reaches_content_through_skip_link(live_server: Any, page: Any, personas: Any) -> None:
    login(page, personas.officer_a.username)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
