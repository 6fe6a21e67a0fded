"""The access-control table: every route × every role, with the answer each must get.

`test_access` is parametrised over the routes the app *has* (walked from `app.routes`, nested
routers included) × the six roles, so a new route without a row in ACCESS fails here until
someone decides who may use it. Path parameters are real records owned by "enterprise" and
"researcher" (tests/security/world.py), so ownership, not just the role, is exercised.

Answers: a status code; LOGIN = 303 to /login?next=… (pages ask anonymous visitors to sign in);
API refusals must be JSON. 404 where existence itself is private (a secret need, a draft).
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from backend.accounts.models import AccountToken
from backend.accounts.security import token_digest
from backend.db import utcnow
from backend.follow import bookmarks
from backend.follow.models import Bookmark, Subscription
from backend.main import app
from backend.transfer import exporter
from tests.factories import PASSWORD, need_data, result_data
from tests.security.challenge_world import challenge_form, proposal_form
from tests.security.routes import RouteKey, all_routes
from tests.security.world import ROLES, World

LOGIN = "login"
Expect = int | str


@dataclass(frozen=True)
class Case:
    """One request to a route: concrete path (formatted with the world's ids), body, answers by role."""

    path: str
    expect: tuple[Expect, Expect, Expect, Expect, Expect, Expect]  # in ROLES order
    json: Callable[[World], Any] | None = None
    form: Callable[[World], dict[str, Any]] | None = None  # page forms get the role's csrf_token
    files: Callable[[World], dict[str, Any]] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def everyone(code: Expect) -> tuple[Expect, ...]:
    return (code,) * 6


OPS_API = (401, 403, 403, 403, 403)  # anonymous, enterprise, enterprise2, researcher, researcher2
OPS_PAGE = (LOGIN, 403, 403, 403, 403)
SIGNED_API = 401
SIGNED_PAGE = LOGIN


def _need_form(w: World) -> dict[str, Any]:
    data = need_data(title="表单提交的新需求：冷链温控")
    data["keywords"] = "、".join(data["keywords"])
    data.pop("budget_negotiable")
    return data


def _result_form(w: World) -> dict[str, Any]:
    data = result_data(title="表单提交的新成果：冷链温控算法")
    data["keywords"] = "、".join(data["keywords"])
    data["patent_numbers"] = "、".join(data["patent_numbers"])
    data.pop("price_negotiable")
    return data


def _signup(role: str = "enterprise") -> dict[str, Any]:
    return {
        "email": "new-account@example.cn",
        "password": "Newpass123!",
        "name": "新用户",
        "role": role,
        "organisation_name": "新注册单位有限公司",
        "organisation_kind": "enterprise" if role == "enterprise" else "platform",
        "region": "湖北省",
        "password_confirm": "Newpass123!",
        "accept_terms": True,
    }


def _import_files(w: World) -> dict[str, Any]:
    csv = exporter.template(kind="needs", fmt="csv")
    return {"file": ("needs.csv", io.BytesIO(csv), "text/csv")}


def _pdf(w: World) -> dict[str, Any]:
    return {"file": ("说明书.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "application/pdf")}


PW_CHANGE = {
    "current_password": PASSWORD,
    "new_password": "Another-Pass9",
    "new_password_confirm": "Another-Pass9",
}
RESET_TOKEN = "access-table-reset-link"  # made live for each request by _live_reset_link
DEAD_LINK = "not-a-live-link"


def _live_reset_link(w: World) -> dict[str, Any]:
    """Make RESET_TOKEN a live reset link of enterprise2's; the form that sets a new password."""
    digest = token_digest(RESET_TOKEN)
    row = w.session.exec(select(AccountToken).where(AccountToken.token_hash == digest)).first()
    if row is None:
        row = AccountToken(
            user_id=w.users["enterprise2"].id or 0,
            purpose="password_reset",
            token_hash=digest,
            expires_at=utcnow(),
        )
    row.used_at, row.expires_at = None, utcnow() + timedelta(hours=1)
    w.session.add(row)
    w.session.commit()
    return {"new_password": "Reset-pass9", "new_password_confirm": "Reset-pass9"}


def _expiring_need(w: World) -> dict[str, Any]:
    """The enterprise's public and secret needs end in 5 days (renewable); the renewal asked for."""
    for need in (w.need_pub, w.need_sec):
        need.valid_until = utcnow().date() + timedelta(days=5)
        w.session.add(need)
    w.session.commit()
    return {"days": 90}


SUBSCRIPTION_ID = 424242  # the enterprise's subscription, made by _enterprise_subscription


def _enterprise_subscription(w: World) -> None:
    """Give the enterprise a subscription with a known id (for the delete routes)."""
    if w.session.get(Subscription, SUBSCRIPTION_ID) is None:
        owner = w.users["enterprise"]
        w.session.add(
            Subscription(id=SUBSCRIPTION_ID, user_id=owner.id or 0, side="result", field="biomedicine")
        )
        w.session.commit()


def _everyone_bookmarked_the_result(w: World) -> dict[str, Any]:
    """Every signed-in role has bookmarked the published result; the form that removes it."""
    for user in w.users.values():
        if bookmarks.find(session=w.session, user=user, side="result", posting_id=w.result.id or 0) is None:
            w.session.add(Bookmark(user_id=user.id or 0, side="result", posting_id=w.result.id or 0))
    w.session.commit()
    return {"side": "result", "posting_id": w.result.id}


ACCESS: dict[str, list[Case]] = {
    # --- system
    "GET /openapi.json": [Case("/openapi.json", everyone(200))],
    "GET /docs": [Case("/docs", everyone(200))],
    "GET /docs/oauth2-redirect": [Case("/docs/oauth2-redirect", everyone(200))],
    "GET /redoc": [Case("/redoc", everyone(200))],
    "GET /healthz": [Case("/healthz", everyone(200))],
    "GET /favicon.ico": [Case("/favicon.ico", everyone(200))],
    "MOUNT /static": [
        Case("/static/css/site.css", everyone(200)),
        Case("/static/../backend/config.py", everyone(404)),
    ],
    # --- home, accounts
    "GET /": [Case("/", everyone(200))],
    "GET /search": [Case("/search?q=发酵", everyone(303))],
    "GET /login": [Case("/login", everyone(200))],
    "POST /login": [
        Case(
            "/login",
            everyone(303),
            form=lambda w: {"email": w.users["enterprise"].email, "password": PASSWORD},
        )
    ],
    "POST /logout": [Case("/logout", everyone(303), form=lambda w: {})],
    "GET /signup": [Case("/signup", everyone(200))],
    "POST /signup": [Case("/signup", everyone(303), form=lambda w: _signup())],
    "GET /account/password": [Case("/account/password", (LOGIN, 200, 200, 200, 200, 200))],
    "POST /account/password": [
        Case("/account/password", (LOGIN, 303, 303, 303, 303, 303), form=lambda w: PW_CHANGE)
    ],
    "GET /password/forgot": [Case("/password/forgot", everyone(200))],
    "POST /password/forgot": [
        Case("/password/forgot", everyone(200), form=lambda w: {"email": w.users["enterprise"].email})
    ],
    "GET /password/reset/{token}": [Case(f"/password/reset/{DEAD_LINK}", everyone(410))],
    "POST /password/reset/{token}": [
        Case(f"/password/reset/{RESET_TOKEN}", everyone(303), form=_live_reset_link),
        Case(f"/password/reset/{DEAD_LINK}", everyone(410), form=lambda w: {"new_password": "Reset-pass9"}),
    ],
    "GET /account/verify": [Case("/account/verify", (LOGIN, 200, 200, 200, 200, 200))],
    "POST /account/verify/resend": [
        Case("/account/verify/resend", (LOGIN, 303, 303, 303, 303, 303), form=lambda w: {})
    ],
    "GET /account/verify/{token}": [Case(f"/account/verify/{DEAD_LINK}", everyone(410))],
    "GET /terms": [Case("/terms", everyone(200))],
    "GET /privacy": [Case("/privacy", everyone(200))],
    "POST /api/auth/password/forgot": [
        Case(
            "/api/auth/password/forgot", everyone(202), json=lambda w: {"email": w.users["researcher"].email}
        )
    ],
    "POST /api/auth/password/reset": [
        Case(
            "/api/auth/password/reset",
            everyone(410),
            json=lambda w: {"token": DEAD_LINK, "new_password": "Reset-pass9"},
        )
    ],
    "POST /api/auth/verify": [Case("/api/auth/verify", everyone(410), json=lambda w: {"token": DEAD_LINK})],
    "POST /api/auth/verify/resend": [Case("/api/auth/verify/resend", (401, 409, 409, 409, 409, 409))],
    "GET /ops/users/new": [Case("/ops/users/new", (*OPS_PAGE, 200))],
    "POST /ops/users/new": [Case("/ops/users/new", (*OPS_PAGE, 303), form=lambda w: _signup("operator"))],
    "POST /api/auth/signup": [Case("/api/auth/signup", everyone(201), json=lambda w: _signup())],
    "POST /api/auth/users": [Case("/api/auth/users", (*OPS_API, 201), json=lambda w: _signup("operator"))],
    "POST /api/auth/login": [
        Case(
            "/api/auth/login",
            everyone(200),
            json=lambda w: {"email": w.users["researcher"].email, "password": PASSWORD},
        )
    ],
    "POST /api/auth/logout": [Case("/api/auth/logout", everyone(204))],
    "GET /api/auth/me": [Case("/api/auth/me", (401, 200, 200, 200, 200, 200))],
    "POST /api/auth/password": [
        Case("/api/auth/password", (401, 204, 204, 204, 204, 204), json=lambda w: PW_CHANGE)
    ],
    # --- needs (pages)
    "GET /needs": [Case("/needs", everyone(200)), Case("/needs?mine=1", (LOGIN, 200, 200, 200, 200, 200))],
    "GET /needs/new": [Case("/needs/new", (LOGIN, 200, 200, 403, 403, 200))],
    "POST /needs/new": [Case("/needs/new", (LOGIN, 303, 303, 403, 403, 303), form=_need_form)],
    "GET /needs/{need_id:int}": [
        Case("/needs/{need}", everyone(200)),
        Case("/needs/{need_sec}", (404, 200, 404, 404, 404, 200)),
        Case("/needs/{need_draft}", (404, 200, 404, 404, 404, 200)),
    ],
    "GET /needs/{need_id:int}/edit": [Case("/needs/{need}/edit", (LOGIN, 200, 403, 403, 403, 200))],
    "POST /needs/{need_id:int}/edit": [
        Case("/needs/{need}/edit", (LOGIN, 303, 403, 403, 403, 303), form=_need_form)
    ],
    "POST /needs/{need_id:int}/publish": [
        Case("/needs/{need_draft}/publish", (LOGIN, 303, 404, 404, 404, 303), form=lambda w: {})
    ],
    "POST /needs/{need_id:int}/close": [
        Case("/needs/{need}/close", (LOGIN, 303, 403, 403, 403, 303), form=lambda w: {})
    ],
    "POST /needs/{need_id:int}/renew": [
        Case("/needs/{need}/renew", (LOGIN, 303, 403, 403, 403, 403), form=_expiring_need),
        Case("/needs/{need_sec}/renew", (LOGIN, 303, 404, 404, 404, 403), form=_expiring_need),
    ],
    "POST /needs/{need_id:int}/delete": [
        Case("/needs/{need_draft}/delete", (LOGIN, 303, 404, 404, 404, 303), form=lambda w: {})
    ],
    # --- needs (API)
    "GET /api/needs": [Case("/api/needs", everyone(200))],
    "POST /api/needs": [Case("/api/needs", (401, 201, 201, 403, 403, 201), json=lambda w: need_data())],
    "GET /api/needs/{need_id}": [
        Case("/api/needs/{need_des}", everyone(200)),
        Case("/api/needs/{need_sec}", (404, 200, 404, 404, 404, 200)),
    ],
    "PATCH /api/needs/{need_id}": [
        Case(
            "/api/needs/{need}",
            (401, 200, 403, 403, 403, 200),
            json=lambda w: {"title": "改过的标题：发酵罐染菌"},
        ),
        Case("/api/needs/{need_sec}", (401, 200, 404, 404, 404, 200), json=lambda w: {"region": "湖南省"}),
    ],
    "POST /api/needs/{need_id}/publish": [
        Case("/api/needs/{need_draft}/publish", (401, 200, 404, 404, 404, 200))
    ],
    "POST /api/needs/{need_id}/close": [
        Case("/api/needs/{need}/close", (401, 200, 403, 403, 403, 200), json=lambda w: {"note": "已解决"})
    ],
    "POST /api/needs/{need_id}/renew": [
        Case("/api/needs/{need}/renew", (401, 200, 403, 403, 403, 403), json=_expiring_need),
        Case("/api/needs/{need_sec}/renew", (401, 200, 404, 404, 404, 403), json=_expiring_need),
    ],
    "GET /api/needs/{need_id}/duplicates": [
        Case("/api/needs/{need}/duplicates", (401, 200, 403, 403, 403, 200)),
        Case("/api/needs/{need_sec}/duplicates", (401, 200, 404, 404, 404, 200)),
    ],
    "GET /api/results/{result_id}/duplicates": [
        Case("/api/results/{result}/duplicates", (401, 403, 403, 200, 403, 200)),
        Case("/api/results/{result_draft}/duplicates", (401, 404, 404, 200, 404, 200)),
    ],
    "DELETE /api/needs/{need_id}": [Case("/api/needs/{need_draft}", (401, 204, 404, 404, 404, 204))],
    # --- results (pages)
    "GET /results": [Case("/results", everyone(200))],
    "GET /results/new": [Case("/results/new", (LOGIN, 403, 403, 200, 200, 200))],
    "POST /results/new": [Case("/results/new", (LOGIN, 403, 403, 303, 303, 303), form=_result_form)],
    "GET /results/{result_id:int}": [
        Case("/results/{result}", everyone(200)),
        Case("/results/{result_draft}", (404, 404, 404, 200, 404, 200)),
    ],
    "GET /results/{result_id:int}/edit": [Case("/results/{result}/edit", (LOGIN, 403, 403, 200, 403, 200))],
    "POST /results/{result_id:int}/edit": [
        Case("/results/{result}/edit", (LOGIN, 403, 403, 303, 403, 303), form=_result_form)
    ],
    "POST /results/{result_id:int}/publish": [
        Case("/results/{result_draft}/publish", (LOGIN, 404, 404, 303, 404, 303), form=lambda w: {})
    ],
    "POST /results/{result_id:int}/close": [
        Case("/results/{result}/close", (LOGIN, 403, 403, 303, 403, 303), form=lambda w: {})
    ],
    "POST /results/{result_id:int}/delete": [
        Case("/results/{result_draft}/delete", (LOGIN, 404, 404, 303, 404, 303), form=lambda w: {})
    ],
    # --- results (API)
    "GET /api/results": [Case("/api/results", everyone(200))],
    "POST /api/results": [Case("/api/results", (401, 403, 403, 201, 201, 201), json=lambda w: result_data())],
    "GET /api/results/{result_id}": [
        Case("/api/results/{result}", everyone(200)),
        Case("/api/results/{result_draft}", (404, 404, 404, 200, 404, 200)),
    ],
    "PATCH /api/results/{result_id}": [
        Case(
            "/api/results/{result}",
            (401, 403, 403, 200, 403, 200),
            json=lambda w: {"title": "改过的成果标题：发酵控制"},
        )
    ],
    "POST /api/results/{result_id}/publish": [
        Case("/api/results/{result_draft}/publish", (401, 404, 404, 200, 404, 200))
    ],
    "POST /api/results/{result_id}/close": [
        Case("/api/results/{result}/close", (401, 403, 403, 200, 403, 200), json=lambda w: {"note": "已转让"})
    ],
    "DELETE /api/results/{result_id}": [Case("/api/results/{result_draft}", (401, 404, 404, 204, 404, 204))],
    # --- matching (engine off in these tests: 409 once the posting is visible)
    "GET /api/needs/{need_id}/matches": [
        Case("/api/needs/{need_sec}/matches", (404, 409, 404, 404, 404, 409))
    ],
    "GET /api/results/{result_id}/matches": [
        Case("/api/results/{result_draft}/matches", (404, 404, 404, 409, 404, 409))
    ],
    "GET /api/search": [Case("/api/search?q=发酵&side=need", everyone(409))],
    # The writing assistant: any signed-in user (it only quotes postings the caller may see).
    "POST /api/assistant/{kind}": [
        Case("/api/assistant/need", (401, 200, 200, 200, 200, 200), json=lambda w: {"title": "发酵染菌"}),
        Case("/api/assistant/result", (401, 200, 200, 200, 200, 200), json=lambda w: {"title": "冻存保护剂"}),
    ],
    # --- pairings
    "POST /pairings/interest": [
        Case(
            "/pairings/interest",
            (LOGIN, 303, 403, 303, 403, 403),
            form=lambda w: {"need_id": w.need_pub.id, "result_id": w.result.id},
        )
    ],
    "GET /pairings": [Case("/pairings", (LOGIN, 303, 303, 303, 303, 303))],
    "GET /pairings/{pairing_id:int}": [
        Case("/pairings/{pairing}", (LOGIN, 200, 404, 200, 404, 200)),
        Case("/pairings/{pairing_secret}", (LOGIN, 200, 404, 404, 200, 200)),
    ],
    "POST /pairings/{pairing_id:int}/withdraw": [
        Case(
            "/pairings/{pairing}/withdraw",
            (LOGIN, 303, 404, 303, 404, 403),
            form=lambda w: {"note": "不再需要", "version": w.pairing.version},
        )
    ],
    "POST /pairings/{pairing_id:int}/negotiate": [
        Case(
            "/pairings/{pairing}/negotiate",
            (LOGIN, 303, 404, 303, 404, 403),
            form=lambda w: {"version": w.pairing.version},
        )
    ],
    "GET /workspace": [Case("/workspace", (LOGIN, 200, 200, 200, 200, 303))],
    "POST /api/pairings/interest": [
        Case(
            "/api/pairings/interest",
            (401, 409, 403, 200, 403, 403),
            json=lambda w: {"need_id": w.need_pub.id, "result_id": w.result.id},
        )
    ],
    "GET /api/pairings": [Case("/api/pairings", (401, 200, 200, 200, 200, 200))],
    "GET /api/pairings/{pairing_id}": [
        Case("/api/pairings/{pairing}", (401, 200, 404, 200, 404, 200)),
        Case("/api/pairings/{pairing_secret}", (401, 200, 404, 404, 200, 200)),
    ],
    # --- 在线洽谈: parties write only after approval (this pairing is at 意向), operators always
    "POST /pairings/{pairing_id:int}/messages": [
        Case(
            "/pairings/{pairing}/messages", (LOGIN, 403, 404, 403, 404, 303), form=lambda w: {"body": "你好"}
        )
    ],
    "GET /api/pairings/{pairing_id}/messages": [
        Case("/api/pairings/{pairing}/messages", (401, 200, 404, 200, 404, 200)),
        Case("/api/pairings/{pairing_secret}/messages", (401, 200, 404, 404, 200, 200)),
    ],
    "POST /api/pairings/{pairing_id}/messages": [
        Case(
            "/api/pairings/{pairing}/messages",
            (401, 403, 404, 403, 404, 201),
            json=lambda w: {"body": "你好"},
        )
    ],
    # --- 揭榜挂帅 (backend/challenges): a 保密 challenge is 404 to all but its managers
    "GET /challenges": [Case("/challenges", everyone(200))],
    "GET /challenges/{challenge_id:int}": [
        Case("/challenges/{challenge}", everyone(200)),
        Case("/challenges/{challenge_sec}", (404, 200, 404, 404, 404, 200)),
        Case("/challenges/{challenge_draft}", (404, 200, 404, 404, 404, 200)),
    ],
    "GET /challenges/new": [
        Case("/challenges/new?need_id={need}", (LOGIN, 200, 403, 403, 403, 200)),
        Case("/challenges/new?need_id={need_sec}", (LOGIN, 200, 404, 404, 404, 200)),
    ],
    "POST /challenges/new": [
        Case(
            "/challenges/new?need_id={need}",
            (LOGIN, 303, 403, 403, 403, 303),
            form=lambda w: challenge_form(),
        )
    ],
    "GET /challenges/{challenge_id:int}/edit": [
        Case("/challenges/{challenge_draft}/edit", (LOGIN, 200, 404, 404, 404, 200))
    ],
    "POST /challenges/{challenge_id:int}/edit": [
        Case(
            "/challenges/{challenge_draft}/edit",
            (LOGIN, 303, 404, 404, 404, 303),
            form=lambda w: challenge_form(),
        )
    ],
    "POST /challenges/{challenge_id:int}/publish": [
        Case("/challenges/{challenge_draft}/publish", (LOGIN, 303, 404, 404, 404, 303), form=lambda w: {})
    ],
    "POST /challenges/{challenge_id:int}/close": [
        Case(
            "/challenges/{challenge}/close",
            (LOGIN, 303, 403, 403, 403, 303),
            form=lambda w: {"note": "另有安排"},
        )
    ],
    "POST /challenges/{challenge_id:int}/proposals": [
        Case(
            "/challenges/{challenge}/proposals",
            (LOGIN, 403, 403, 303, 303, 403),
            form=lambda w: proposal_form(),
        ),
        Case(
            "/challenges/{challenge_sec}/proposals",
            (LOGIN, 403, 404, 404, 404, 403),
            form=lambda w: proposal_form(),
        ),
    ],
    "POST /challenges/{challenge_id:int}/proposals/{proposal_id:int}/result": [
        Case(
            "/challenges/{challenge}/proposals/{proposal}/result",
            (LOGIN, 403, 404, 404, 303, 403),
            form=lambda w: {"result_id": w.result2.id},
        )
    ],
    "POST /challenges/{challenge_id:int}/proposals/{proposal_id:int}/shortlist": [
        Case(
            "/challenges/{challenge}/proposals/{proposal}/shortlist",
            (LOGIN, 303, 403, 403, 403, 303),
            form=lambda w: {},
        )
    ],
    "POST /challenges/{challenge_id:int}/proposals/{proposal_id:int}/score": [
        Case(
            "/challenges/{challenge}/proposals/{proposal}/score",
            (LOGIN, 303, 403, 403, 403, 303),
            form=lambda w: {"score_0": "8", "score_1": "7", "comment": "可行"},
        )
    ],
    "POST /challenges/{challenge_id:int}/proposals/{proposal_id:int}/select": [
        Case(
            "/challenges/{challenge}/proposals/{proposal}/select",
            (LOGIN, 303, 403, 403, 403, 303),
            form=lambda w: {"note": "方案最完整"},
        )
    ],
    "GET /ops/unmet": [Case("/ops/unmet", (*OPS_PAGE, 200))],
    "GET /ops/challenges/{challenge_id:int}/invite": [
        Case("/ops/challenges/{challenge}/invite", (*OPS_PAGE, 200)),
        Case("/ops/challenges/{challenge_sec}/invite", (*OPS_PAGE, 200)),
    ],
    "POST /ops/challenges/{challenge_id:int}/invite": [
        Case(
            "/ops/challenges/{challenge_sec}/invite",
            (*OPS_PAGE, 303),
            form=lambda w: {"result_id": w.result.id},
        )
    ],
    # --- 向平台提问: anyone signed in asks about a posting not their own; operators answer
    "GET /questions/new": [
        Case("/questions/new?side=result&posting_id={result}", (LOGIN, 200, 200, 200, 200, 200)),
        Case("/questions/new?side=need&posting_id={need_sec}", (LOGIN, 200, 404, 404, 404, 200)),
    ],
    "POST /questions": [
        Case(
            "/questions",
            (LOGIN, 303, 303, 403, 303, 403),
            form=lambda w: {"side": "result", "posting_id": w.result.id, "question": "能提供样品吗？"},
        )
    ],
    "GET /questions": [Case("/questions", (LOGIN, 200, 200, 200, 200, 200))],
    "GET /ops/questions": [Case("/ops/questions", (*OPS_PAGE, 200))],
    "POST /ops/questions/{question_id:int}/answer": [
        Case("/ops/questions/{question}/answer", (*OPS_PAGE, 303), form=lambda w: {"answer": "可以"})
    ],
    "POST /api/questions": [
        Case(
            "/api/questions",
            (401, 201, 201, 403, 201, 403),
            json=lambda w: {"side": "result", "posting_id": w.result.id, "question": "能提供样品吗？"},
        )
    ],
    "GET /api/questions": [Case("/api/questions", (401, 200, 200, 200, 200, 200))],
    "GET /api/ops/questions": [Case("/api/ops/questions", (*OPS_API, 200))],
    "POST /api/ops/questions/{question_id}/answer": [
        Case("/api/ops/questions/{question}/answer", (*OPS_API, 200), json=lambda w: {"answer": "可以"})
    ],
    # --- 收藏, 订阅, 对比 (backend/follow)
    "GET /bookmarks": [Case("/bookmarks", (LOGIN, 200, 200, 200, 200, 200))],
    "POST /bookmarks": [
        Case(
            "/bookmarks",
            (LOGIN, 303, 303, 303, 303, 303),
            form=lambda w: {"side": "result", "posting_id": w.result.id},
        ),
        Case(
            "/bookmarks",
            (LOGIN, 303, 404, 404, 404, 303),
            form=lambda w: {"side": "need", "posting_id": w.need_sec.id},
        ),
    ],
    "POST /bookmarks/remove": [
        Case("/bookmarks/remove", (LOGIN, 303, 303, 303, 303, 303), form=_everyone_bookmarked_the_result)
    ],
    "POST /bookmarks/forget-hidden": [
        Case("/bookmarks/forget-hidden", (LOGIN, 303, 303, 303, 303, 303), form=lambda w: {})
    ],
    "GET /subscriptions": [Case("/subscriptions", (LOGIN, 200, 200, 200, 200, 200))],
    "POST /subscriptions": [
        Case(
            "/subscriptions",
            (LOGIN, 303, 303, 303, 303, 303),
            form=lambda w: {"field": "biomedicine", "min_band": "good"},
        )
    ],
    "POST /subscriptions/{subscription_id:int}/delete": [
        Case(
            f"/subscriptions/{SUBSCRIPTION_ID}/delete",
            (LOGIN, 303, 404, 404, 404, 404),
            form=lambda w: _enterprise_subscription(w) or {},
        )
    ],
    "GET /compare": [
        Case("/compare?ids={result},{result2}", everyone(200)),
        Case("/compare?ids={result},{result_draft}", (404, 404, 404, 200, 404, 200)),
        Case("/compare?ids={result}", everyone(422)),
    ],
    "GET /api/bookmarks": [Case("/api/bookmarks", (401, 200, 200, 200, 200, 200))],
    "POST /api/bookmarks": [
        Case(
            "/api/bookmarks",
            (401, 201, 201, 201, 201, 201),
            json=lambda w: {"side": "result", "posting_id": w.result.id},
        ),
        Case(
            "/api/bookmarks",
            (401, 201, 404, 404, 404, 201),
            json=lambda w: {"side": "need", "posting_id": w.need_sec.id},
        ),
    ],
    "DELETE /api/bookmarks/{side}/{posting_id}": [
        Case(
            "/api/bookmarks/result/{result}",
            (401, 204, 204, 204, 204, 204),
            json=_everyone_bookmarked_the_result,
        )
    ],
    "GET /api/subscriptions": [Case("/api/subscriptions", (401, 200, 200, 200, 200, 200))],
    "POST /api/subscriptions": [
        Case("/api/subscriptions", (401, 201, 201, 201, 201, 201), json=lambda w: {"region": "湖北省"}),
        Case("/api/subscriptions", (401, 422, 422, 422, 422, 422), json=lambda w: {"side": "need"}),
    ],
    "DELETE /api/subscriptions/{subscription_id}": [
        Case(
            f"/api/subscriptions/{SUBSCRIPTION_ID}",
            (401, 204, 404, 404, 404, 404),
            json=lambda w: _enterprise_subscription(w),
        )
    ],
    "GET /api/compare": [
        Case("/api/compare?ids={result},{result2}", everyone(200)),
        Case("/api/compare?ids={result},{result_draft}", (404, 404, 404, 200, 404, 200)),
    ],
    # --- attachments (附件 / 需求说明书): as the posting; 仅对接方可见 files as its contacts
    "GET /attachments/{attachment_id}": [
        Case("/attachments/{att_result}", everyone(200)),
        Case("/attachments/{att_parties}", (404, 404, 404, 200, 404, 200)),
        Case("/attachments/{att_sec}", (404, 200, 404, 404, 404, 200)),
        Case("/attachments/{att_des}", everyone(200)),
    ],
    "GET /api/{kind}/{posting_id}/attachments": [
        Case("/api/results/{result}/attachments", everyone(200)),
        Case("/api/results/{result_draft}/attachments", (404, 404, 404, 200, 404, 200)),
        Case("/api/needs/{need_sec}/attachments", (404, 200, 404, 404, 404, 200)),
    ],
    "POST /api/{kind}/{posting_id}/attachments": [
        Case(
            "/api/results/{result}/attachments",
            (401, 403, 403, 201, 403, 201),
            files=_pdf,
            headers={"X-Requested-With": "XMLHttpRequest"},
        ),
        Case(
            "/api/needs/{need_sec}/attachments",
            (401, 201, 404, 404, 404, 201),
            files=_pdf,
            headers={"X-Requested-With": "XMLHttpRequest"},
        ),
    ],
    "DELETE /api/attachments/{attachment_id}": [
        Case("/api/attachments/{att_result}", (401, 403, 403, 204, 403, 204)),
        Case("/api/attachments/{att_sec}", (401, 204, 404, 404, 404, 204)),
    ],
    "POST /{kind}/{posting_id}/attachments": [
        Case(
            "/results/{result}/attachments", (LOGIN, 403, 403, 303, 403, 303), form=lambda w: {}, files=_pdf
        ),
        Case(
            "/needs/{need_sec}/attachments", (LOGIN, 303, 404, 404, 404, 303), form=lambda w: {}, files=_pdf
        ),
    ],
    "POST /attachments/{attachment_id}/delete": [
        Case("/attachments/{att_result}/delete", (LOGIN, 403, 403, 303, 403, 303), form=lambda w: {}),
        Case("/attachments/{att_sec}/delete", (LOGIN, 303, 404, 404, 404, 303), form=lambda w: {}),
    ],
    # --- notifications
    "GET /notifications": [Case("/notifications", (LOGIN, 200, 200, 200, 200, 200))],
    "POST /notifications/read-all": [
        Case("/notifications/read-all", (LOGIN, 303, 303, 303, 303, 303), form=lambda w: {})
    ],
    "POST /notifications/{notification_id:int}/read": [
        Case("/notifications/{notification}/read", (LOGIN, 303, 404, 404, 404, 404), form=lambda w: {})
    ],
    "GET /api/notifications": [Case("/api/notifications", (401, 200, 200, 200, 200, 200))],
    "POST /api/notifications/read": [
        Case(
            "/api/notifications/read",
            (401, 200, 404, 404, 404, 404),
            json=lambda w: {"id": w.notification_id},
        )
    ],
    # --- operators: dashboard
    "GET /ops/dashboard": [Case("/ops/dashboard", (*OPS_PAGE, 200))],
    "GET /ops/dashboard/{figure}.csv": [Case("/ops/dashboard/headline.csv", (*OPS_PAGE, 200))],
    "GET /api/ops/dashboard": [Case("/api/ops/dashboard", (*OPS_API, 200))],
    # --- operators: posting review
    "GET /ops/reviews": [Case("/ops/reviews", (*OPS_PAGE, 200))],
    "POST /ops/reviews/{kind}/{item_id:int}/approve": [
        Case(
            "/ops/reviews/need/{need_pending}/approve",
            (*OPS_PAGE, 303),
            form=lambda w: {"version": w.need_pending.version},
        )
    ],
    "POST /ops/reviews/{kind}/{item_id:int}/return": [
        Case(
            "/ops/reviews/need/{need_pending}/return",
            (*OPS_PAGE, 303),
            form=lambda w: {"note": "请补充指标", "version": w.need_pending.version},
        )
    ],
    "POST /ops/reviews/{kind}/{item_id:int}/take-down": [
        Case("/ops/reviews/need/{need}/take-down", (*OPS_PAGE, 303), form=lambda w: {"note": "信息不实"})
    ],
    "POST /ops/reviews/{kind}/{item_id:int}/return-duplicate": [
        Case(
            "/ops/reviews/need/{need_pending}/return-duplicate",
            (*OPS_PAGE, 303),
            form=lambda w: {"version": w.need_pending.version, "other": w.need_pub.id},
        )
    ],
    "POST /ops/reviews/{kind}/{item_id:int}/merge": [
        Case(
            "/ops/reviews/need/{need_pending}/merge",
            (*OPS_PAGE, 303),
            form=lambda w: {"version": w.need_pending.version, "other": w.need_pub.id},
        )
    ],
    "GET /ops/stale": [Case("/ops/stale", (*OPS_PAGE, 200)), Case("/ops/stale?days=1", (*OPS_PAGE, 200))],
    "GET /api/ops/reviews": [Case("/api/ops/reviews", (*OPS_API, 200))],
    "POST /api/ops/reviews/{kind}/{item_id}/return-duplicate": [
        Case(
            "/api/ops/reviews/need/{need_pending}/return-duplicate",
            (*OPS_API, 200),
            json=lambda w: {"version": w.need_pending.version, "other_id": w.need_pub.id},
        )
    ],
    "POST /api/ops/reviews/{kind}/{item_id}/merge": [
        Case(
            "/api/ops/reviews/need/{need_pending}/merge",
            (*OPS_API, 200),
            json=lambda w: {"version": w.need_pending.version, "other_id": w.need_pub.id},
        )
    ],
    "POST /api/ops/reviews/{kind}/{item_id}/approve": [
        Case(
            "/api/ops/reviews/need/{need_pending}/approve",
            (*OPS_API, 200),
            json=lambda w: {"version": w.need_pending.version},
        )
    ],
    "POST /api/ops/reviews/{kind}/{item_id}/return": [
        Case(
            "/api/ops/reviews/need/{need_pending}/return",
            (*OPS_API, 200),
            json=lambda w: {"note": "请补充指标", "version": w.need_pending.version},
        )
    ],
    "POST /api/ops/reviews/{kind}/{item_id}/take-down": [
        Case("/api/ops/reviews/need/{need}/take-down", (*OPS_API, 200), json=lambda w: {"note": "信息不实"})
    ],
    # --- operators: pairing desk
    "GET /ops/pairings": [Case("/ops/pairings", (*OPS_PAGE, 200))],
    "POST /ops/pairings/batch": [
        Case(
            "/ops/pairings/batch",
            (*OPS_PAGE, 303),
            form=lambda w: {"to": "approved", "ids": f"{w.pairing.id}:{w.pairing.version}"},
        )
    ],
    "POST /ops/pairings/propose": [
        Case(
            "/ops/pairings/propose",
            (*OPS_PAGE, 303),
            form=lambda w: {"need_id": w.need_pub.id, "result_id": w.result2.id},
        )
    ],
    "POST /ops/pairings/{pairing_id:int}/{action}": [
        Case(
            "/ops/pairings/{pairing}/approve", (*OPS_PAGE, 303), form=lambda w: {"version": w.pairing.version}
        )
    ],
    "GET /api/ops/pairings": [Case("/api/ops/pairings", (*OPS_API, 200))],
    "POST /api/ops/pairings": [
        Case(
            "/api/ops/pairings",
            (*OPS_API, 201),
            json=lambda w: {"need_id": w.need_pub.id, "result_id": w.result2.id},
        )
    ],
    "POST /api/ops/pairings/batch": [
        Case(
            "/api/ops/pairings/batch",
            (*OPS_API, 200),
            json=lambda w: {"ids": [w.pairing.id], "to": "approved"},
        )
    ],
    "POST /api/ops/pairings/{pairing_id}/decision": [
        Case(
            "/api/ops/pairings/{pairing}/decision",
            (*OPS_API, 200),
            json=lambda w: {"to": "approved", "version": w.pairing.version},
        )
    ],
    # --- operators: import / export (the only exports there are)
    "GET /ops/import": [Case("/ops/import", (*OPS_PAGE, 200))],
    "POST /ops/import": [
        Case(
            "/ops/import",
            (*OPS_PAGE, 303),
            form=lambda w: {
                "kind": "needs",
                "organisation_name": "脱敏企业甲有限公司",
                "owner_email": w.users["enterprise"].email,
                "policy": "valid_only",
            },
            files=_import_files,
        )
    ],
    "GET /ops/import/template/{name}": [Case("/ops/import/template/needs.xlsx", (*OPS_PAGE, 200))],
    "GET /ops/import/{job_id}": [Case("/ops/import/{job}", (*OPS_PAGE, 200))],
    "GET /ops/export/{name}": [
        Case("/ops/export/needs.csv", (*OPS_PAGE, 200)),
        Case("/ops/export/pairings.xlsx", (*OPS_PAGE, 200)),
    ],
    "POST /api/ops/import": [
        Case(
            "/api/ops/import",
            (*OPS_API, 202),
            form=lambda w: {
                "kind": "needs",
                "organisation_id": w.need_pub.organisation_id,
                "policy": "valid_only",
            },
            files=_import_files,
            headers={"X-Requested-With": "XMLHttpRequest"},
        )
    ],
    "GET /api/ops/import/{job_id}": [Case("/api/ops/import/{job}", (*OPS_API, 200))],
}

ROUTES = all_routes(app)


def send(client: TestClient, world: World, role: str, method: str, case: Case) -> Any:
    """Make the case's request as `role`."""
    world.sign_in(client, role)
    url = case.path.format(**world.ids())
    kwargs: dict[str, Any] = {"headers": dict(case.headers)}
    if case.json is not None:
        kwargs["json"] = case.json(world)
    if case.form is not None:
        data = dict(case.form(world))
        if not url.startswith("/api") and role != "anonymous":
            data["csrf_token"] = world.csrf[role]
        kwargs["data"] = data
    if case.files is not None:
        kwargs["files"] = case.files(world)
    return client.request("GET" if method == "MOUNT" else method, url, **kwargs)


def check(response: Any, expected: Expect, *, api: bool) -> None:
    if expected == LOGIN:
        assert response.status_code == 303, response.text[:300]
        assert response.headers["location"].startswith("/login?next="), response.headers["location"]
        return
    assert response.status_code == expected, response.text[:300]
    if api and response.status_code >= 400:
        body = response.json()
        assert body["error"], body


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_access(access_client: TestClient, world: World, route: RouteKey, role: str) -> None:
    cases = ACCESS.get(str(route))
    if cases is None:
        pytest.fail(f"{route} has no row in tests/security/test_access_table.py::ACCESS: say who may use it")
    for case in cases:
        response = send(access_client, world, role, route.method, case)
        check(response, case.expect[ROLES.index(role)], api=route.path.startswith("/api"))


def test_table_names_only_routes_that_exist() -> None:
    assert set(ACCESS) == {str(r) for r in ROUTES}


def test_route_walk_sees_nested_routers() -> None:
    keys = {str(r) for r in ROUTES}
    # One route from each kind of inclusion: API prefix, page router, and the app's own.
    assert {
        "GET /api/needs/{need_id}/matches",
        "POST /ops/reviews/{kind}/{item_id:int}/approve",
        "GET /healthz",
    } <= keys
    assert len(ROUTES) >= 95
