"""The writing assistant on the need form: live hints, the other side's terms, the draft's strength."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_typing_a_need_shows_hints_terms_and_strength_and_a_term_click_adds_a_keyword(
    open_page: Callable[..., Page],
) -> None:
    page = open_page("enterprise")
    page.goto("/needs/new")
    panel = page.locator("aside.assistant")
    expect(panel.locator("[data-part=hints]")).to_contain_text("偏短")  # an empty form lacks everything
    page.fill("#f-title", "发酵罐老是染菌")
    page.fill("#f-problem", "我们做氨基酸发酵，发酵罐批次之间差异大，夏天老是染菌，想提前发现杂菌。")
    strength = panel.locator("[data-part=strength]")
    expect(strength).to_contain_text("当前写法的最佳匹配")
    expect(strength.locator("a")).to_contain_text("发酵")
    expect(strength.locator(".strength")).to_have_text(re.compile("强匹配|较好|弱相关|不相关"))
    term = panel.locator("[data-term]").first
    expect(term).to_be_visible()
    word = term.get_attribute("data-term")
    assert word
    term.click()
    expect(page.locator("#f-keywords")).to_have_value(re.compile(re.escape(word)))
    page.fill("#f-indicators", "染菌率低于 1%")
    expect(panel.locator("[data-part=hints]")).not_to_contain_text("可量化的数字")
