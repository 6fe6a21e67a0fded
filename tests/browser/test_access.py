"""Keyboard reach and phone width."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OpenPage = Callable[..., Page]


def _tab_through(page: Page, presses: int) -> list[str]:
    """Texts (or aria-labels) of the elements Tab reaches, in order."""
    reached = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "() => { const e = document.activeElement;"
                " return (e.getAttribute('aria-label') || e.innerText || '').trim(); }"
            )
        )
    return reached


def test_skip_link_comes_first_and_jumps_to_main(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0  # shown on screen once focused
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.keyboard.press("Tab")  # the next stop is inside the main content, past the header
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")


def test_main_nav_is_reachable_with_tab(open_page: OpenPage) -> None:
    anon = open_page()
    anon.goto("/")
    reached = _tab_through(anon, 8)
    for label in ("技术需求", "科技成果", "登录", "免费注册"):
        assert label in reached, reached
    assert reached.index("技术需求") < reached.index("科技成果") < reached.index("登录")

    ent = open_page("enterprise")
    ent.goto("/")
    reached = _tab_through(ent, 10)
    for label in ("技术需求", "科技成果", "我的工作台", "发布需求"):
        assert label in reached, reached
    assert any(r.startswith("通知") for r in reached), reached
    expect(ent.locator("a.bell svg")).to_be_visible()  # drawn, not an emoji headless fonts lack
    outline = ent.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible


def test_phone_width_has_no_horizontal_scroll(open_page: OpenPage) -> None:
    anon = open_page(phone=True)
    anon.goto("/needs")
    need_url = anon.locator(".card-list h3 a").first.get_attribute("href")
    ent = open_page("enterprise", phone=True)
    ent.goto("/needs?mine=1&status=published")
    own_need_url = ent.locator(".card-list h3 a").first.get_attribute("href")
    for page, path in ((anon, "/"), (anon, "/needs"), (anon, need_url), (ent, own_need_url), (ent, "/")):
        page.goto(path)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide at 390"
