"""揭榜挂帅 in the browser: an operator turns an unmet need into a published challenge from the
未满足需求 view, a researcher 揭榜 with a proposal built on a result, and the enterprise selects it
into a pairing that waits for the platform's review."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import approve_in_queue, complete_need, fill_need_form, posting_id, submit, token

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OpenPage = Callable[..., Page]
# A need nothing on the demo platform answers (its best match scores about 12: 不相关).
TERMITES = {
    "problem": "我们是做老宅民宿的，木结构老房子的梁柱被白蚁蛀空，喷药只能管一阵子，想找能根治又不伤木头的办法。",
    "indicators": "白蚁复发率低于 5%，三年内不再蛀蚀",
    "keywords": "白蚁、木结构、防治",
}


def test_unmet_need_becomes_a_challenge_a_researcher_answers_and_the_enterprise_selects(
    open_page: OpenPage,
) -> None:
    t = token()
    ent, op, res = open_page("enterprise"), open_page("operator"), open_page("researcher")
    title = f"老宅木梁白蚁蛀空，想找根治办法（{t}）"
    ent.goto("/needs/new")
    fill_need_form(ent, complete_need(title, **TERMITES))
    submit(ent, "提交审核")
    need_id = posting_id(ent)
    approve_in_queue(op, "need", need_id)

    # The operator finds it among the unmet needs, weakest match first, and drafts a challenge.
    op.locator("nav.site-nav").get_by_role("link", name="未满足需求").click()
    row = op.locator(f"#unmet-{need_id}")
    expect(row).to_contain_text(title)
    expect(row).to_contain_text("不相关")
    expect(op.locator("svg.unmet-map")).to_be_visible()
    row.get_by_role("link", name="发榜").click()
    expect(op.locator("#f-description")).to_have_value(re.compile("白蚁蛀空"))  # the need's text, prefilled
    op.fill("#f-title", f"揭榜挂帅：老宅白蚁根治（{t}）")
    op.fill("#f-reward_amount", "45")
    op.fill("#f-criteria", "根治效果与复发率\n对木结构无损\n团队相关经验")
    op.get_by_role("button", name="发布榜单").click()
    expect(op.locator(".flash")).to_contain_text("榜单已发布")
    expect(op.locator(".detail-head .tags .tag").first).to_have_text("揭榜中")
    expect(op.locator(".facts")).to_contain_text("45 万元")
    challenge_url = op.url

    # A researcher finds it in the list and 揭榜 with one of the team's results.
    res.goto("/challenges")
    res.get_by_role("link", name=f"揭榜挂帅：老宅白蚁根治（{t}）").click()
    expect(res).to_have_url(challenge_url)
    res.fill("#f-summary", "用诱杀饵剂系统配合木材微波处理根除白蚁群体，木构件无损，三年复发率低于 5%。")
    res.fill("#f-team", "吴研究员团队，昆虫学与木材保护方向")
    res.fill("#f-plan", "第一个月勘察布设诱杀站，第二到四个月监测清除，之后三年每季度回访。")
    res.select_option("#f-result_id", index=1)
    res.get_by_role("button", name="提交揭榜方案").click()
    expect(res.locator(".flash")).to_contain_text("揭榜方案已提交")
    expect(res.locator("#mine")).to_contain_text("已提交")

    # The enterprise reads the proposal, and selects the team: the proposal becomes a pairing.
    ent.goto(challenge_url)
    proposal = ent.locator("#proposals article.proposal").first
    expect(proposal).to_contain_text("吴研究员")
    proposal.get_by_role("button", name="选定为挂帅团队并转入对接").click()
    expect(ent).to_have_url(re.compile(r"/pairings/\d+$"))
    expect(ent.locator(".flash")).to_contain_text("已选定挂帅团队")
    expect(ent.locator(".detail-head .tags .tag").first).to_have_text("待审核")
    expect(ent.locator("#need-title")).to_contain_text(title)
    expect(ent.locator(".timeline")).to_contain_text("揭榜挂帅")

    # The researcher hears of it, and the challenge now reads 已挂帅.
    res.goto("/notifications")
    expect(res.locator("main")).to_contain_text(f"您的团队被选为挂帅团队：揭榜挂帅：老宅白蚁根治（{t}）")
    res.goto(challenge_url)
    expect(res.locator(".detail-head .tags .tag").first).to_have_text("已挂帅")
    expect(res.locator("#mine")).to_contain_text("挂帅")
