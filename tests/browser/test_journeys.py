"""The journeys end to end against the real app and model: post, review, match, interest, approval."""

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    approve_in_queue,
    complete_need,
    emailed_link,
    express_interest,
    fill_need_form,
    fill_result_form,
    posting_id,
    submit,
    token,
)
from tools.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OpenPage = Callable[..., Page]


def _sign_up_enterprise(page: Page, t: str, live_server: LiveServer) -> str:
    page.goto("/")
    page.locator("nav.site-nav").get_by_role("link", name="免费注册").click()
    page.check("input[name=role][value=enterprise]")
    page.fill("#f-name", "陈厂长")
    page.fill("#f-email", f"chen-{t}@example.com")
    page.fill("#f-phone", "13800001111")
    page.fill("#f-password", "Ferment@2026")
    page.fill("#f-password_confirm", "Ferment@2026")
    page.fill("#f-organisation_name", f"荆楚酿造有限公司{t}")
    page.select_option("#f-organisation_kind", "enterprise")
    page.select_option("#f-region", "湖北省")
    page.check("#f-accept_terms")
    page.get_by_role("button", name="注册并登录").click()
    expect(page.locator(".flash")).to_contain_text("注册成功")
    expect(page.locator("nav.site-nav .nav-user")).to_contain_text("陈厂长")
    # Submitting for review needs a verified email: open the link the sign-up sent.
    page.goto(emailed_link(live_server, f"chen-{t}@example.com", "/account/verify"))
    expect(page.locator(".flash")).to_contain_text("邮箱验证成功")
    return f"荆楚酿造有限公司{t}"


def test_enterprise_signs_up_posts_a_loose_need_and_expresses_interest(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    t = token()
    ent = open_page()
    _sign_up_enterprise(ent, t, live_server)

    ent.locator("nav.site-nav").get_by_role("link", name="发布需求").click()
    title = f"发酵罐批次差异大，老是染菌（{t}）"
    fill_need_form(ent, complete_need(title))
    submit(ent, "提交审核")
    expect(ent.locator("h1")).to_have_text(title)
    expect(ent.locator(".review-banner.review-pending")).to_contain_text("等待平台运营审核")
    need_id = posting_id(ent)
    assert open_page().goto(f"/needs/{need_id}").status == 404  # not listed before review

    approve_in_queue(open_page("operator"), "need", need_id)

    ent.goto(f"/needs/{need_id}")
    cards = ent.locator("ol.match-list > li.match-card")
    expect(cards.first).to_be_visible()
    assert cards.count() >= 5
    scores = [int(s) for s in cards.locator(".match-score strong").all_inner_texts()]
    assert scores == sorted(scores, reverse=True), scores
    top_three = " ".join(cards.locator("h3").all_inner_texts()[:3])
    assert re.search("发酵|染菌|菌", top_three), top_three  # the loose words found the right results
    expect(cards.locator("blockquote mark").first).to_be_visible()
    marks = cards.locator(".reasons .mark").all_inner_texts()
    assert "✓" in marks and "✗" in marks, marks  # reasons for and against, not just a score
    expect(cards.first.locator(".score-parts li").first).to_be_visible()

    first = cards.first
    card_id = first.get_attribute("id")
    express_interest(first, "我们关心中试规模和交付周期，希望进一步了解。")
    expect(ent.locator(".flash")).to_contain_text("已表达对接意向")
    card = ent.locator(f"#{card_id}")
    expect(card.locator(".pair-note .tag")).to_have_text("意向")
    card.get_by_role("link", name="查看对接").click()
    expect(ent).to_have_url(re.compile(r"/pairings/\d+$"))
    expect(ent.locator(".detail-head .tags .tag").first).to_have_text("意向")
    expect(ent.locator("#need-title")).to_contain_text(title)
    expect(ent.locator(".timeline")).to_contain_text("陈厂长")


def test_researcher_posts_a_result_and_expresses_interest_from_the_workspace(open_page: OpenPage) -> None:
    t = token()
    res = open_page("researcher")
    res.goto("/")
    res.locator("nav.site-nav").get_by_role("link", name="发布成果").click()
    title = f"发酵过程多参数在线监测与染菌早期预警技术（{t}）"
    fill_result_form(
        res,
        {
            "title": title,
            "summary": (
                "基于溶氧、pH、尾气 CO2 与活细胞电容等多参数在线传感，结合批次轨迹建模，"
                "对工业发酵过程进行实时状态估计，可在染菌发生后 2–4 小时内给出预警，"
                "并通过补料与温度的自适应控制降低批次间差异。已在 5 吨发酵罐完成验证。"
            ),
            "advantages": "染菌检出时间提前 6 小时以上；批次间产量变异系数由 12% 降至 4%。",
            "field": "biomedicine",
            "keywords": "发酵过程控制、染菌预警、软测量",
            "team": "吴研究员团队",
            "form": "trade_secret",
            "ip_status": "none",
            "trl": 5,
            "modes": ["license_general", "joint_development"],
            "price_negotiable": True,
            "contact_name": "吴研究员",
            "contact_phone": "027-87650000",
        },
    )
    submit(res, "提交审核")
    expect(res.locator(".review-banner.review-pending")).to_be_visible()
    result_id = posting_id(res)

    approve_in_queue(open_page("operator"), "result", result_id)

    res.locator("nav.site-nav").get_by_role("link", name="我的工作台").click()
    posting = res.locator("li.ws-posting", has=res.locator(f"h3 a[href='/results/{result_id}']"))
    expect(posting.locator(".tag-status")).to_have_text("已发布")
    top = posting.locator("ol.ws-matches > li")
    expect(top.first).to_be_visible()
    need_title = top.first.locator("a").inner_text()
    posting.get_by_role("link", name=re.compile("查看全部匹配和理由")).click()
    expect(res).to_have_url(re.compile(rf"/results/{result_id}#matches-title$"))

    card = res.locator("ol.match-list > li.match-card").first
    expect(card.locator("h3")).to_have_text(need_title)
    card_id = card.get_attribute("id")
    express_interest(card, "我们的技术已在 5 吨罐验证，可来现场看。")
    expect(res.locator(".flash")).to_contain_text("已表达对接意向")
    expect(res.locator(f"#{card_id} .pair-note .tag")).to_have_text("意向")
    res.goto("/workspace")
    expect(res.locator("#pairings")).to_contain_text(need_title)


def _contact(page: Page, path: str) -> tuple[str, str]:
    """The contact name and phone an owner sees on their own posting's page."""
    page.goto(path)
    facts = page.locator("section.contact dl.facts dd")
    return facts.nth(0).inner_text(), facts.nth(1).inner_text()


def _own_ids(page: Page, path: str) -> list[int]:
    page.goto(path)
    hrefs = page.locator(".card-list h3 a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [int(h.rsplit("/", 1)[1]) for h in hrefs]


def test_operator_approval_discloses_both_contacts(open_page: OpenPage) -> None:
    op, ent, res = open_page("operator"), open_page("enterprise"), open_page("researcher")
    needs = _own_ids(ent, "/needs?mine=1&status=published")
    results = _own_ids(res, "/results?mine=1&status=published")
    pairing_id = None
    for need_id in needs:  # an operator pairs one of qiye's needs with one of keyan's results
        for result_id in results:
            resp = op.request.post(
                "/api/ops/pairings",
                data=json.dumps({"need_id": need_id, "result_id": result_id}),
                headers={"content-type": "application/json"},
            )
            if resp.status == 201:
                pairing_id = resp.json()["id"]
                break
            assert resp.status == 409, resp.text()  # that pair exists already: try the next
        if pairing_id:
            break
    assert pairing_id, "no unpaired need/result left between the demo enterprise and researcher"
    need_contact = _contact(ent, f"/needs/{need_id}")
    result_contact = _contact(res, f"/results/{result_id}")
    url = f"/pairings/{pairing_id}"

    ent.goto(url)
    expect(ent.locator("section.contact")).to_contain_text("联系方式在平台批准对接后向双方披露")
    express_interest(ent.locator(".pair-box"), "请介绍一下成果的中试情况。")
    expect(ent.locator(".detail-head .tags .tag").first).to_have_text("意向")

    res.goto(url)
    res.locator(".pair-box textarea[name=message]").fill("可以，欢迎来实验室交流。")
    res.get_by_role("button", name="我也有意向").click()
    expect(res.locator(".flash")).to_contain_text("等待平台审核")
    expect(res.locator(".detail-head .tags .tag").first).to_have_text("待审核")
    expect(res.locator("section.contact")).not_to_contain_text(need_contact[1])

    op.goto("/ops/pairings")
    item = op.locator(f"#pairing-{pairing_id}")
    expect(item).to_have_attribute("data-status", "pending_review")
    item.get_by_role("button", name="批准对接").click()
    expect(op.locator(".flash")).to_contain_text(f"对接 #{pairing_id} 已变更为“已批准”")

    for page, other in ((ent, result_contact), (res, need_contact)):
        page.goto(url)
        expect(page.locator(".detail-head .tags .tag").first).to_have_text("已批准")
        contact = page.locator("section.contact")
        expect(contact).to_contain_text(other[0])
        expect(contact).to_contain_text(other[1])
    expect(ent.locator("section.contact")).to_contain_text(need_contact[1])  # both sides listed
