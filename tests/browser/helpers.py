"""Steps the browser journeys share: logging in, filling the posting forms, operator review."""

import json
import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.factories import result_data
from tools.live_server import DEMO_PASSWORD, LiveServer

JSON = {"content-type": "application/json"}

# A need written the way an enterprise writes it: loose, no technical terms.
LOOSE_NEED = {
    "title": "发酵罐批次差异大，老是染菌",
    "problem": (
        "我们厂的发酵罐批次之间差异大，老是染菌，一染菌整罐料就废了。"
        "现在靠老师傅看经验控温、补料，换个人就不行。想找能把发酵过程管起来、提前发现染菌苗头的办法。"
    ),
    "indicators": "染菌率降到 1% 以下，批次间产量差异小于 5%",
    "keywords": "发酵、染菌、批次稳定",
}


def token() -> str:
    """A short unique suffix, so reruns against the same server never collide."""
    return uuid.uuid4().hex[:6]


def login(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form and wait for the redirect (pages have the server as base URL)."""
    page.goto("/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("form.stacked button[type=submit]")
    expect(page.locator("nav.site-nav .nav-user")).to_be_visible()


def fill_need_form(page: Page, values: dict[str, Any]) -> None:
    """Fill /needs/new; keys are field names, `modes` a list of values; a key left out stays as it is."""
    for name in ("title", "problem", "indicators", "basis", "keywords", "budget_min", "budget_max"):
        if name in values:
            page.fill(f"#f-{name}", values[name])
    for name in ("field", "region", "trl_wanted"):
        if name in values:
            page.select_option(f"#f-{name}", str(values[name]))
    for mode in values.get("modes", []):
        page.check(f"input[name=modes][value={mode}]")
    if values.get("budget_negotiable"):
        page.check("input[name=budget_negotiable]")
    for name in ("contact_name", "contact_phone", "contact_email"):
        if name in values:
            page.fill(f"#f-{name}", values[name])


def fill_result_form(page: Page, values: dict[str, Any]) -> None:
    """Fill /results/new, like `fill_need_form`."""
    for name in ("title", "summary", "advantages", "keywords", "team", "patent_numbers", "price"):
        if name in values:
            page.fill(f"#f-{name}", values[name])
    for name in ("field", "form", "ip_status", "trl", "region"):
        if name in values:
            page.select_option(f"#f-{name}", str(values[name]))
    for mode in values.get("modes", []):
        page.check(f"input[name=modes][value={mode}]")
    if values.get("price_negotiable"):
        page.check("input[name=price_negotiable]")
    for name in ("contact_name", "contact_phone", "contact_email"):
        if name in values:
            page.fill(f"#f-{name}", values[name])


def complete_need(title: str, **overrides: Any) -> dict[str, Any]:
    """A valid need form's values around `title`."""
    values: dict[str, Any] = {
        **LOOSE_NEED,
        "title": title,
        "field": "biomedicine",
        "trl_wanted": 6,
        "budget_min": "30",
        "budget_max": "80",
        "modes": ["joint_development", "commissioned"],
        "contact_name": "王厂长",
        "contact_phone": "027-88886666",
    }
    values.update(overrides)
    return values


def submit(page: Page, label: str) -> None:
    """Press a posting form's button by its visible label (保存草稿 / 提交审核 / 发布 / 预览匹配)."""
    page.locator("form.posting-form .form-actions button", has_text=label).click()
    page.wait_for_load_state("domcontentloaded")


def posting_id(page: Page) -> int:
    """The id in a /needs/{id} or /results/{id} URL."""
    found = re.search(r"/(?:needs|results)/(\d+)", page.url)
    assert found, page.url
    return int(found.group(1))


def approve_in_queue(page: Page, kind: str, item_id: int) -> None:
    """An operator approves one posting at /ops/reviews."""
    page.goto("/ops/reviews")
    row = page.locator(f"article.review-row[data-kind={kind}][data-id='{item_id}']")
    expect(row).to_be_visible()
    row.get_by_role("button", name="通过发布").click()
    expect(page.locator(".flash")).to_be_visible()
    expect(page.locator(f"article.review-row[data-kind={kind}][data-id='{item_id}']")).to_have_count(0)


def express_interest(card: Any, message: str) -> None:
    """Open a match card's 表达对接意向 box, write a message and submit."""
    card.locator("details.interest summary").click()
    card.locator("textarea[name=message]").fill(message)
    card.get_by_role("button", name="提交意向").click()


def emailed_link(live_server: LiveServer, email: str, path: str) -> str:
    """The path of the last `path/<token>` link the server wrote to its outbox (no SMTP) for `email`."""
    outbox = live_server.workdir / "outbox.jsonl"
    if live_server.keep and not outbox.exists():
        pytest.skip("KEMATCH_LIVE_URL: that server's outbox is not here")
    mails = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    pattern = re.compile(rf"https?://[^/\s]+({re.escape(path)}/[A-Za-z0-9_-]+)")
    links = [m.group(1) for mail in mails if mail["to"] == email for m in [pattern.search(mail["body"])] if m]
    assert links, f"no {path} link for {email} in {mails[-3:]}"
    return links[-1]


def listed_ids(page: Page, path: str) -> list[int]:
    """The ids of the postings a list page shows (its cards' title links)."""
    page.goto(path)
    hrefs = page.locator(".card-list h3 a").evaluate_all("a => a.map(x => x.getAttribute('href'))")
    return [int(h.rsplit("/", 1)[1]) for h in hrefs]


def post_json(page: Page, path: str, body: dict[str, Any]) -> Any:
    """POST `body` to the JSON API as the page's user; the answer's JSON (asserting a 2xx)."""
    response = page.request.post(path, data=json.dumps(body), headers=JSON)
    assert response.ok, response.text()
    return response.json()


def fresh_result(res: Page, op: Page) -> int:
    """A new published result of the demo researcher (submitted, then approved by the operator)."""
    made = post_json(res, "/api/results?publish=true", result_data(title=f"发酵过程在线监测技术 {token()}"))
    if made["status"] == "pending":
        post_json(op, f"/api/ops/reviews/result/{made['id']}/approve", {"version": made["version"]})
    return int(made["id"])


def pending_pairing(ent: Page, res: Page, op: Page) -> dict[str, Any]:
    """A fresh 待审核 pairing of the demo enterprise's need and a result of the demo researcher: the
    operator proposes it and both sides say they are interested. The demo data holds few such
    pairs, so once every one is taken (by an earlier test of the run) the researcher posts a new result."""
    need_ids = listed_ids(ent, "/needs?mine=1&status=published")
    pairs = [(n, r) for n in need_ids for r in listed_ids(res, "/results?mine=1&status=published")]
    pairs.append((need_ids[0], 0))  # 0: a new result, made only if every listed pair is taken
    for need_id, result_id in pairs:
        pair = {"need_id": need_id, "result_id": result_id or fresh_result(res, op)}
        made = op.request.post("/api/ops/pairings", data=json.dumps(pair), headers=JSON)
        if made.status == 201:
            post_json(ent, "/api/pairings/interest", pair | {"message": ""})
            return dict(post_json(res, "/api/pairings/interest", pair | {"message": ""}))
    raise AssertionError("the operator could not propose a pairing with a new result either")


def approve_pairing(op: Page, pending: dict[str, Any]) -> None:
    """The operator approves a pending pairing (contacts disclosed, the thread opens)."""
    body = {"to": "approved", "version": pending["version"]}
    post_json(op, f"/api/ops/pairings/{pending['id']}/decision", body)
