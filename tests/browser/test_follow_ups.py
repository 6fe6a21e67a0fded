"""收藏, 订阅 and 对比 in the browser: a subscription fires when a matching result is published."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import approve_in_queue, fill_result_form, posting_id, submit, token

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OpenPage = Callable[..., Page]


def _subscribe(page: Page, query: str) -> None:
    page.goto("/workspace")
    page.locator("#subscriptions").get_by_role("link", name=re.compile("新建或管理")).click()
    page.get_by_role("button", name="保存订阅").click()  # nothing chosen: refused, nothing stored
    expect(page.locator(".form-errors")).to_contain_text("请至少选择技术领域、地区或填写关键词之一")
    page.select_option("#side", "result")
    page.select_option("#field", "biomedicine")
    page.fill("#query", query)
    page.select_option("#min_band", "weak")
    page.get_by_role("button", name="保存订阅").click()
    expect(page.locator(".flash")).to_contain_text("订阅已保存")


def _post_result(page: Page, title: str) -> int:
    page.goto("/results/new")
    fill_result_form(
        page,
        {
            "title": title,
            "summary": (
                "基于溶氧、pH、尾气 CO2 与活细胞电容等多参数在线传感，结合批次轨迹建模，对工业发酵过程进行"
                "实时状态估计，可在染菌发生后 2–4 小时内给出预警，并通过补料与温度的自适应控制降低批次间差异。"
            ),
            "field": "biomedicine",
            "keywords": "发酵过程控制、染菌预警",
            "team": "吴研究员团队",
            "form": "trade_secret",
            "ip_status": "none",
            "trl": 5,
            "modes": ["license_general"],
            "price_negotiable": True,
            "contact_name": "吴研究员",
            "contact_phone": "027-87650000",
        },
    )
    submit(page, "提交审核")
    return posting_id(page)


def test_subscription_fires_on_publication_then_bookmark_and_compare(open_page: OpenPage) -> None:
    t = token()
    title = f"发酵过程在线监测与染菌早期预警（订阅{t}）"
    ent = open_page("enterprise")
    _subscribe(ent, f"发酵过程在线监测 染菌早期预警 {t}")

    result_id = _post_result(open_page("researcher"), title)
    approve_in_queue(open_page("operator"), "result", result_id)

    ent.goto("/notifications")
    note = ent.locator("li.note", has_text=f"订阅提醒：新成果“{title}”")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("匹配度")
    note.locator("button.note-button").click()
    expect(ent).to_have_url(re.compile(rf"/results/{result_id}$"))

    ent.get_by_role("button", name="☆ 收藏").click()
    expect(ent.locator(".flash")).to_contain_text("已收藏")
    expect(ent.locator("header.detail-head button.bookmark-button")).to_have_text("★ 已收藏")

    ent.goto("/results")
    boxes = ent.locator("input[name=ids][form=compare-form]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    ent.get_by_role("button", name="对比所选成果").click()
    expect(ent.locator("h1")).to_have_text("成果对比（2 项）")
    expect(ent.locator("table.compare-table tbody")).to_contain_text("技术成熟度")
    expect(ent.locator("table.compare-table tbody th").first).to_contain_text(
        "的匹配度"
    )  # the demo need's score

    ent.goto("/workspace")
    expect(ent.locator("#bookmarks")).to_contain_text(title)
    mine = ent.locator("#subscriptions li", has_text=t)
    expect(mine).to_contain_text("已提醒 1 项")
    mine.get_by_role("button", name="删除").click()
    expect(ent.locator(".flash")).to_contain_text("订阅已删除")
    expect(ent.locator("#subscriptions li", has_text=t)).to_have_count(0)
