"""Lists narrow with filters and search; a form with errors keeps what was typed; typed HTML stays text."""

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import LOOSE_NEED, complete_need, fill_need_form, posting_id, submit, token

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OpenPage = Callable[..., Page]


def _count(page: Page) -> int:
    text = page.locator("#list-count").inner_text()
    found = re.match(r"共 (\d+) 条", text)
    assert found, text
    return int(found.group(1))


def test_field_filter_narrows_the_list_and_lives_in_the_url(page: Page) -> None:
    page.goto("/needs")
    everything = _count(page)
    page.select_option("#flt-field", "biomedicine")
    page.locator(".filter-actions").get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"/needs\?.*field=biomedicine"))
    narrowed = _count(page)
    assert 0 < narrowed < everything
    fields = page.locator(".card-list .posting-card .tag-field").all_inner_texts()
    assert fields and set(fields) == {"生物与新医药"}
    expect(page.locator("#flt-field")).to_have_value("biomedicine")

    page.reload()  # the filter is the URL: a reload or a shared link shows the same list
    assert _count(page) == narrowed
    page.get_by_role("link", name="清除条件").click()
    assert _count(page) == everything


def test_search_box_on_home_leads_to_a_narrowed_list(page: Page) -> None:
    page.goto("/")
    listed = int(page.locator("#result-count").inner_text())
    page.select_option("#search-side", "results")
    page.fill("#search-q", "发酵")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/results\?q="))
    assert parse_qs(urlparse(page.url).query)["q"] == ["发酵"]
    expect(page.locator("#flt-q")).to_have_value("发酵")
    found = _count(page)
    assert 0 < found < listed
    expect(page.locator(".card-list").first).to_contain_text("发酵")


def test_need_form_with_errors_keeps_what_was_typed(open_page: OpenPage) -> None:
    ent = open_page("enterprise")
    ent.goto("/needs/new")
    values = complete_need("")
    del values["trl_wanted"]
    fill_need_form(ent, values)
    submit(ent, "提交审核")

    expect(ent.locator(".form-errors")).to_contain_text("提交未成功")
    expect(ent).to_have_url(re.compile(r"/needs/new$"))  # nothing was saved
    for name in ("title", "trl_wanted"):
        row = ent.locator(".form-row", has=ent.locator(f"#f-{name}"))
        expect(row).to_have_class(re.compile(r"\bhas-error\b"))
        expect(row.locator(f"#{name}-error")).to_be_visible()
        expect(ent.locator(f"#f-{name}")).to_have_attribute("aria-invalid", "true")
    expect(ent.locator("#f-problem")).to_have_value(LOOSE_NEED["problem"])
    expect(ent.locator("#f-indicators")).to_have_value(LOOSE_NEED["indicators"])
    expect(ent.locator("#f-keywords")).to_have_value(LOOSE_NEED["keywords"])
    expect(ent.locator("#f-field")).to_have_value("biomedicine")
    expect(ent.locator("#f-budget_min")).to_have_value("30")
    expect(ent.locator("#f-contact_name")).to_have_value("王厂长")
    expect(ent.locator("input[name=modes][value=joint_development]")).to_be_checked()
    expect(ent.locator("input[name=modes][value=transfer]")).not_to_be_checked()


XSS_TITLE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def test_html_typed_into_a_need_is_shown_as_text(open_page: OpenPage) -> None:
    op = open_page("operator")  # operators publish at once, so the need is listed right away
    op.goto("/needs/new")
    problem = f"{LOOSE_NEED['problem']}<script>window.__xss=3</script>{token()}"
    fill_need_form(op, complete_need(XSS_TITLE, problem=problem))
    submit(op, "发布")
    need_id = posting_id(op)

    expect(op.locator("h1")).to_have_text(XSS_TITLE)
    expect(op.locator(".detail-main .prose").first).to_contain_text("<script>window.__xss=3</script>")
    assert op.evaluate("window.__xss") is None
    assert op.locator("article.detail img, article.detail script").count() == 0

    for path in ("/needs", "/"):
        op.goto(path)
        card = op.locator(f".posting-card:has(a[href='/needs/{need_id}'])").first
        expect(card.locator("h3")).to_have_text(XSS_TITLE)
        assert op.evaluate("window.__xss") is None, path
        assert card.locator("img").count() == 0
