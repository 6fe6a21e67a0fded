"""在线洽谈 in a browser: after approval the enterprise, the researcher and the operator talk in the
pairing's thread; each hears of a new message (bell, workspace badge) and reads the whole history."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import approve_pairing, pending_pairing

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _approved_pairing(ent: Page, res: Page, op: Page) -> int:
    """A fresh pairing of the demo enterprise's need and the demo researcher's result, approved."""
    pending = pending_pairing(ent, res, op)
    approve_pairing(op, pending)
    return int(pending["id"])


def _write(page: Page, text: str) -> None:
    page.fill("#thread-body", text)
    page.get_by_role("button", name="发送").click()
    expect(page.locator(".flash, [role=status]").first).to_contain_text("消息已发送")


def test_both_parties_and_the_operator_talk_in_the_thread(open_page: Callable[..., Page]) -> None:
    ent, res, op = open_page("enterprise"), open_page("researcher"), open_page("operator")
    pairing = _approved_pairing(ent, res, op)
    url = f"/pairings/{pairing}"

    ent.goto(url)
    _write(ent, "下周二上午能否到贵实验室看中试装置？")
    res.goto("/workspace")
    badge = res.locator(f"a.badge[href='{url}#thread']")
    expect(badge).to_have_text("1 条新消息")
    expect(res.locator(".bell-count, [data-unread]").first).to_be_visible()
    badge.click()
    expect(res.locator("#thread .message").first).to_contain_text("下周二上午")
    _write(res, "可以，十点在实验楼一楼见。")
    res.goto("/workspace")
    expect(res.locator(f"a.badge[href='{url}#thread']")).to_have_count(0)  # read now

    op.goto(url)
    _write(op, "平台可协助起草技术许可合同，需要时告诉我。")
    ent.goto(url)
    messages = ent.locator("#thread .message")
    expect(messages).to_have_count(3)
    expect(messages.nth(1)).to_contain_text("（成果方）")
    expect(messages.nth(2)).to_contain_text("（平台运营）")
    expect(ent.locator("#thread .message-mine")).to_have_count(1)
