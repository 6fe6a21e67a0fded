"""At phone width (390 px): the folding menu, a readable dashboard, interest answered where it was asked."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OpenPage = Callable[..., Page]
PHONE_WIDTH, PHONE_HEIGHT = 390, 844

# Rendered size of each chart text that is drawn: its font size times the chart's scale on screen.
CHART_TEXT_PX = """() => [...document.querySelectorAll('svg.chart text')]
  .filter(t => t.getClientRects().length > 0)
  .map(t => ({text: t.textContent, px: t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize)}))"""


def _in_view(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE_HEIGHT


def test_operator_menu_folds_into_one_button_and_opens(open_page: OpenPage) -> None:
    page = open_page("operator", phone=True)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto("/ops/reviews")
    toggle = page.get_by_role("button", name="菜单")
    dashboard = page.locator("#nav-menu").get_by_role("link", name="数据看板")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(dashboard).to_be_hidden()
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] < 80, header  # one row: brand, bell, 菜单
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    for name in ("发布审核", "对接审核", "数据看板", "导入导出", "开通账号", "修改密码"):
        expect(page.locator("#nav-menu").get_by_role("link", name=name)).to_be_visible()
    link = dashboard.bounding_box()
    assert link is not None and link["height"] >= 40  # a finger-sized target
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(dashboard).to_be_hidden()

    toggle.click()
    page.locator(".site-footer .wrap").click(position={"x": 5, "y": 5})  # a tap outside closes it
    expect(dashboard).to_be_hidden()
    page.evaluate("() => window.scrollTo(0, 0)")

    toggle.click()
    dashboard.click()
    expect(page).to_have_url(re.compile(r"/ops/dashboard$"))
    assert not [p for p in problems if "Content Security Policy" in p], problems


def test_desktop_shows_the_links_and_no_menu_button(open_page: OpenPage) -> None:
    page = open_page("operator")
    page.goto("/ops/reviews")
    expect(page.get_by_role("button", name="菜单")).to_be_hidden()
    expect(page.locator("#nav-menu").get_by_role("link", name="数据看板")).to_be_visible()


def test_phone_dashboard_text_is_readable(open_page: OpenPage) -> None:
    page = open_page("operator", phone=True)
    page.goto("/ops/dashboard?preset=all")
    expect(page.locator("svg.chart-narrow").first).to_be_visible()
    expect(page.locator("svg.chart-wide").first).to_be_hidden()
    texts = page.evaluate(CHART_TEXT_PX)
    assert len(texts) > 40, texts  # every chart drew its labels
    small = [t for t in texts if t["px"] < 11]
    assert not small, small
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_interest_confirmation_is_on_screen_after_the_redirect(open_page: OpenPage) -> None:
    page = open_page("enterprise", phone=True)
    page.goto("/needs?mine=1&status=published")
    needs = page.locator(".card-list h3 a").evaluate_all("a => a.map(x => x.getAttribute('href'))")
    for url in needs:
        page.goto(url)
        if page.locator(".match-card .interest summary").count():
            break
    else:
        pytest.skip("every match of the demo enterprise's needs is already paired")
    card = page.locator(".match-card", has=page.locator(".interest summary")).first
    card.locator(".interest summary").click()
    card.locator("textarea[name=message]").fill("我们想了解中试规模。")
    card.get_by_role("button", name="提交意向").click()
    notice = page.locator(".pair-flash")
    expect(notice).to_have_text("已表达对接意向，对方和平台运营会收到通知")
    assert _in_view(page, ".pair-flash"), page.locator(".pair-flash").bounding_box()
    box = page.locator(".pair-box", has=notice)
    expect(box).to_contain_text("意向已发送")
