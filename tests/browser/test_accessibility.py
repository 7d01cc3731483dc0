"""WCAG 2.1 AA checks with axe-core (from the npm registry) on the pages a person uses."""

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_login_tree import login

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page: Any) -> list[str]:
    # Evaluated through the DevTools protocol: the page's Content-Security-Policy stays in force.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})" for v in result["violations"]]


def test_the_login_page_meets_wcag_aa(live_server: Any, page: Any) -> None:
    page.goto("/accounts/login/")
    assert violations(page) == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/agencies/",
        "/agencies/tree/",
        "/agencies/C1/",
        "/agencies/blocks/",
        "/audit/",
        "/accounts/password/",
        "/accounts/profile/",
        "/no/such/page/",  # the 404 page in the layout
    ],
)
def test_coordinator_pages_meet_wcag_aa(live_server: Any, page: Any, personas: Any, province: Any, path: str) -> None:
    login(page, personas.coordinator.username)
    page.goto(path)
    assert violations(page) == []


def test_the_narrow_screen_layout_meets_wcag_aa(live_server: Any, page: Any, personas: Any) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, personas.officer_a.username)
    page.goto("/agencies/")
    assert violations(page) == []
    # The navigation is one tap away on a phone.
    page.get_by_role("button", name="Mở danh mục chức năng").click()
    page.get_by_role("link", name="Cơ quan, đơn vị").first.wait_for()
