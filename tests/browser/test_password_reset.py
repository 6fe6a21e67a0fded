"""忘记密码 in the browser: sign up, forget the password, take the link from the outbox, set a new one, log in."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import emailed_link, token
from tools.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OpenPage = Callable[..., Page]
FIRST, SECOND = "First-pass1", "Second-pass2"


def _sign_up(page: Page, email: str) -> None:
    page.goto("/signup")
    page.check("input[name=role][value=enterprise]")
    page.fill("#f-name", "赵工")
    page.fill("#f-email", email)
    page.fill("#f-phone", "027-87654321")
    page.fill("#f-password", FIRST)
    page.fill("#f-password_confirm", FIRST)
    page.fill("#f-organisation_name", f"重置密码测试{token()}有限公司")
    page.select_option("#f-organisation_kind", "enterprise")
    page.select_option("#f-region", "湖北省")
    page.check("#f-accept_terms")
    page.click("form.stacked button[type=submit]")
    expect(page.locator("nav.site-nav .nav-user")).to_be_visible()
    expect(page.locator(".verify-banner")).to_be_visible()  # the sign-up sent a verification email


def test_forgot_password_email_new_password_login(open_page: OpenPage, live_server: LiveServer) -> None:
    page = open_page()
    email = f"reset-{token()}@example.cn"
    _sign_up(page, email)
    page.get_by_role("button", name="退出").click()
    expect(page.locator("nav.site-nav .nav-user")).to_have_count(0)

    page.goto("/login")
    page.get_by_role("link", name="忘记密码？").click()
    page.fill("#f-email", email)
    page.get_by_role("button", name="发送重置链接").click()
    expect(page.locator(".notice")).to_contain_text("如果该邮箱已在科创撮合注册")

    link = emailed_link(live_server, email, "/password/reset")
    page.goto(link)
    expect(page.locator("h1")).to_have_text("设置新密码")
    page.fill("#f-new_password", SECOND)
    page.fill("#f-new_password_confirm", "Second-pass3")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.locator("#new_password_confirm-error")).to_have_text("两次输入的密码不一致")
    page.fill("#f-new_password", SECOND)
    page.fill("#f-new_password_confirm", SECOND)
    page.get_by_role("button", name="保存新密码").click()
    expect(page.locator(".flash")).to_contain_text("密码已重置")
    assert page.url.endswith("/login")

    page.fill("#f-email", email)
    page.fill("#f-password", FIRST)
    page.click("form.stacked button[type=submit]")
    expect(page.locator("#password-error")).to_contain_text("邮箱或密码不正确")
    page.fill("#f-password", SECOND)
    page.click("form.stacked button[type=submit]")
    expect(page.locator("nav.site-nav .nav-user")).to_contain_text("赵工")

    page.goto(link)  # the link worked once
    expect(page.locator("h1")).to_have_text("链接已失效")
    expect(page.locator("main")).to_contain_text("已使用过")
