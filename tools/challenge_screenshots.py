"""Screenshots of 揭榜挂帅 on the demo data: the 未满足需求 view, the challenge list, form, page (as the
enterprise reviewing proposals and as a researcher 揭榜), the invitation list and the dashboard's
challenge figures. `tools.screenshots` takes them with every other page; `python -m
tools.challenge_screenshots` takes only these (on a fresh demo server, or $KEMATCH_LIVE_URL)."""

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import sync_playwright

from tools.live_server import CHROMIUM, CHROMIUM_ARGS, existing_or_new_server

if TYPE_CHECKING:
    from tools.screenshots import Shooter


def _challenge_urls(s: "Shooter") -> dict[str, str]:
    """The demo challenges' pages by what they show (see backend/demo/challenges.py)."""
    page = s.page("researcher")  # the public list: the open challenge there has proposals
    page.goto("/challenges")
    urls: dict[str, str] = {}
    for card in page.locator("li.challenge-card").all():
        status = card.locator(".tags .tag").first.inner_text().strip()
        href = card.locator("h2 a").get_attribute("href") or ""
        urls.setdefault(status, href)
    page.context.close()
    return urls


def take_challenges(s: "Shooter") -> None:
    """Every 揭榜挂帅 page, as the role that uses it."""
    s.visit("operator", "/ops/unmet", "ops-unmet")
    s.visit("enterprise", "/challenges", "challenges-list")
    urls = _challenge_urls(s)
    if "揭榜中" in urls:
        s.visit("operator", urls["揭榜中"], "challenge-review")
        s.visit("researcher", urls["揭榜中"], "challenge-propose-researcher")
        s.visit("researcher", urls["揭榜中"], "challenge-propose-researcher-phone", phone=True)
        s.visit(
            "operator",
            urls["揭榜中"].replace("/challenges/", "/ops/challenges/") + "/invite",
            "challenge-invite",
        )
    if "已挂帅" in urls:
        s.visit("operator", urls["已挂帅"], "challenge-selected")
    form = s.page("operator")
    form.goto("/ops/unmet")
    start = form.locator("table.unmet-list a.button").first
    if start.count():
        start.click()
        s.shot(form, "challenge-form")
    dash = s.page("operator")
    dash.goto("/ops/dashboard")
    box = dash.locator("section.challenge-figures")
    box.scroll_into_view_if_needed()
    box.screenshot(path=str(s.out / "ops-dashboard-challenges.png"))
    s.written.append("ops-dashboard-challenges.png")


def main() -> int:
    from tools.screenshots import OUT, Shooter

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    server = existing_or_new_server()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            shooter = Shooter(browser, server.url, args.out)
            take_challenges(shooter)
            browser.close()
    finally:
        server.stop()
    print(f"{len(shooter.written)} screenshots")
    return 0


if __name__ == "__main__":
    sys.exit(main())
