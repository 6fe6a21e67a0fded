"""Screenshots of every page on the demo data: `python -m tools.screenshots` (`make screenshots`).

Starts a fresh demo server (or uses $KEMATCH_LIVE_URL), walks the pages as the right role, and
writes PNGs to docs/screenshots/: desktop 1280 wide, a few at 390 (phone). Along the way it takes
one pairing from 意向 to 已批准 so that the pairing page is shown before and after approval.
"""

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.helpers import LOOSE_NEED, complete_need, fill_need_form, login, submit
from tools.challenge_screenshots import take_challenges
from tools.live_server import CHROMIUM, CHROMIUM_ARGS, DEMO_LOGINS, LiveServer, existing_or_new_server

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
MAX_HEIGHT = 3200  # long match pages are cut here; the top is what a reader looks at


class Shooter:
    """Opens pages per role and writes their screenshots."""

    def __init__(self, browser: Browser, base_url: str, out: Path):
        self.browser, self.base_url, self.out = browser, base_url, out
        self.states: dict[str, Any] = {}
        self.written: list[str] = []

    def page(self, role: str | None = None, *, phone: bool = False) -> Page:
        if role and role not in self.states:
            context = self.browser.new_context(base_url=self.base_url, viewport=DESKTOP)
            login(context.new_page(), DEMO_LOGINS[role])
            self.states[role] = context.storage_state()
            context.close()
        context = self.browser.new_context(
            base_url=self.base_url,
            viewport=PHONE if phone else DESKTOP,
            locale="zh-CN",
            storage_state=self.states[role] if role else None,
        )
        context.set_default_timeout(30_000)
        context.set_default_navigation_timeout(60_000)
        return context.new_page()

    def shot(self, page: Page, name: str) -> None:
        page.evaluate("document.fonts.ready")
        width = page.viewport_size["width"] if page.viewport_size else DESKTOP["width"]
        height = page.evaluate("() => document.documentElement.scrollHeight")
        path = self.out / f"{name}.png"
        clip = {"x": 0, "y": 0, "width": width, "height": min(height, MAX_HEIGHT)}
        page.screenshot(path=str(path), full_page=True, clip=clip)
        self.written.append(path.name)
        print(f"  {path}", flush=True)

    def visit(self, role: str | None, path: str, name: str, *, phone: bool = False) -> Page:
        page = self.page(role, phone=phone)
        page.goto(path)
        self.shot(page, name)
        return page


def _first_link(page: Page, path: str) -> str:
    page.goto(path)
    href = page.locator(".card-list h3 a").first.get_attribute("href")
    assert href, path
    return href


def _pairing_before_and_after(s: Shooter) -> None:
    """The operator pairs a need of the demo enterprise with a result of the demo researcher."""
    op, ent, res = s.page("operator"), s.page("enterprise"), s.page("researcher")
    ent.goto("/needs?mine=1&status=published")
    needs = ent.locator(".card-list h3 a").evaluate_all("a => a.map(x => x.getAttribute('href'))")
    res.goto("/results?mine=1&status=published")
    results = res.locator(".card-list h3 a").evaluate_all("a => a.map(x => x.getAttribute('href'))")
    pairing_id = None
    for need in needs:
        for result in results:
            body = {"need_id": int(need.rsplit("/", 1)[1]), "result_id": int(result.rsplit("/", 1)[1])}
            resp = op.request.post(
                "/api/ops/pairings", data=json.dumps(body), headers={"content-type": "application/json"}
            )
            if resp.status == 201:
                pairing_id = resp.json()["id"]
                break
        if pairing_id:
            break
    if pairing_id is None:
        print("  (no unpaired need/result left: pairing screenshots skipped)")
        return
    url = f"/pairings/{pairing_id}"
    ent.goto(url)
    ent.locator(".pair-box details.interest summary").click()
    ent.locator(".pair-box textarea[name=message]").fill("我们关心中试规模和交付周期，希望进一步了解。")
    ent.get_by_role("button", name="提交意向").click()
    res.goto(url)
    res.locator(".pair-box textarea[name=message]").fill("可以，欢迎来实验室交流。")
    res.get_by_role("button", name="我也有意向").click()
    res.wait_for_load_state()
    ent.goto(url)
    s.shot(ent, "pairing-before-approval")
    op.goto("/ops/pairings")
    s.shot(op, "ops-pairings")
    op.locator(f"#pairing-{pairing_id}").get_by_role("button", name="批准对接").click()
    op.wait_for_load_state()
    ent.goto(url)
    s.shot(ent, "pairing-after-approval")
    s.visit("enterprise", url, "pairing-after-approval-phone", phone=True)
    s.visit("enterprise", "/notifications", "notifications")


def _phone_polish(s: Shooter) -> None:
    """The operator's menu folded and open, the dashboard, and 表达对接意向 answered on screen (390 px)."""
    ops = s.visit("operator", "/ops/reviews", "ops-menu-phone", phone=True)
    ops.get_by_role("button", name="菜单").click()
    s.shot(ops, "ops-menu-open-phone")
    s.visit("operator", "/ops/dashboard", "ops-dashboard-phone", phone=True)
    ent = s.page("enterprise", phone=True)
    ent.goto("/needs?mine=1&status=published")
    for url in ent.locator(".card-list h3 a").evaluate_all("a => a.map(x => x.getAttribute('href'))"):
        ent.goto(url)
        card = ent.locator(".match-card", has=ent.locator(".interest summary")).first
        if card.count():
            card.locator(".interest summary").click()
            card.locator("textarea[name=message]").fill("我们关心中试规模和交付周期，希望进一步了解。")
            card.get_by_role("button", name="提交意向").click()
            ent.locator(".pair-flash").wait_for()
            ent.screenshot(path=str(s.out / "need-interest-sent-phone.png"))  # the screen, as it lands
            s.written.append("need-interest-sent-phone.png")
            print(f"  {s.out / 'need-interest-sent-phone.png'}", flush=True)
            return
    print("  (every match is paired already: the interest screenshot is skipped)")


def take_all(s: Shooter) -> None:
    """Every page, as the role that uses it."""
    s.visit(None, "/", "home")
    s.visit(None, "/", "home-phone", phone=True)
    s.visit(None, "/needs?field=biomedicine", "needs-list-filtered")
    s.visit(None, "/results?q=发酵", "results-list-search")
    s.visit(None, "/results?q=细胞冻存", "results-list-search-phrase")
    s.visit(None, "/needs?q=机器人焊接", "needs-list-search")
    s.visit(None, "/results?q=乳房炎", "results-list-weak-match")
    s.visit(None, "/needs", "needs-list-phone", phone=True)
    ent = s.page("enterprise")
    need_url = _first_link(ent, "/needs?mine=1&status=published")
    ent.goto(need_url)
    s.shot(ent, "need-detail-matches")
    card = ent.locator("li.match-card").first
    card.screenshot(path=str(s.out / "match-card-strength.png"))
    s.written.append("match-card-strength.png")
    s.visit("enterprise", need_url, "need-detail-matches-phone", phone=True)
    res = s.page("researcher")
    result_url = _first_link(res, "/results?mine=1&status=published")
    res.goto(result_url)
    s.shot(res, "result-detail-matches")
    s.visit(None, result_url, "result-detail-public")

    form = s.page("enterprise")
    form.goto("/needs/new")
    values = complete_need("")
    del values["trl_wanted"]
    fill_need_form(form, values)
    submit(form, "提交审核")
    s.shot(form, "need-form-errors")
    form.goto("/needs/new")
    fill_need_form(form, complete_need(LOOSE_NEED["title"]))
    submit(form, "预览匹配")
    form.locator("#match-preview, .matches").first.scroll_into_view_if_needed()
    s.shot(form, "need-form-preview")
    form.goto("/needs/new")
    form.fill("#f-title", "发酵罐老是染菌")
    form.fill("#f-problem", "我们做氨基酸发酵，发酵罐批次之间差异大，夏天老是染菌，想提前发现杂菌。")
    form.locator("aside.assistant [data-term]").first.wait_for()
    form.locator("aside.assistant").scroll_into_view_if_needed()
    form.locator("aside.assistant").screenshot(path=str(s.out / "need-form-assistant.png"))
    s.written.append("need-form-assistant.png")
    s.visit("researcher", "/results/new", "result-form")

    s.visit("enterprise", "/workspace", "workspace-enterprise")
    s.visit("researcher", "/workspace", "workspace-researcher")
    s.visit("researcher", "/workspace", "workspace-researcher-phone", phone=True)
    _pairing_before_and_after(s)

    s.visit(None, "/login", "login")
    s.visit(None, "/login", "login-phone", phone=True)
    s.visit(None, "/signup", "signup")
    s.visit(None, "/password/forgot", "forgot-password")
    s.visit(None, "/terms", "terms")
    s.visit(None, "/privacy", "privacy-phone", phone=True)
    s.visit("operator", "/ops/reviews", "ops-reviews")
    s.visit("operator", "/ops/dashboard", "ops-dashboard")
    s.visit("operator", "/ops/import", "ops-import")
    s.visit("operator", "/ops/users/new", "ops-new-user")
    s.visit(None, "/no-such-page", "error-404")
    take_challenges(s)  # 未满足需求 and 揭榜挂帅
    _phone_polish(s)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print("starting a demo server (fresh database, real model)…", flush=True)
    server: LiveServer = existing_or_new_server()
    try:
        print(f"server ready at {server.url}; writing {args.out}/", flush=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            shooter = Shooter(browser, server.url, args.out)
            take_all(shooter)
            browser.close()
    finally:
        server.stop()
    print(f"{len(shooter.written)} screenshots in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
