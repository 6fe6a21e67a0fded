"""Sessions and forms: CSRF on every state-changing request, cookie flags, expiry and revocation,
argon2 hashes and password strength, and login throttling.

Also proven in tests/backend/test_auth.py: test_login_via_page_sets_a_safe_cookie,
test_logout_via_page_revokes_the_server_side_session, test_logout_via_api_revokes_the_server_side_session,
test_expired_session_is_signed_out, test_change_password_via_api (other sessions revoked),
test_weak_password_is_refused, test_login_does_not_follow_an_offsite_next.
"""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.accounts.login_limit import PER_ACCOUNT, PER_ADDRESS, WINDOW_SECONDS, login_limiter
from backend.accounts.models import User, UserSession
from backend.accounts.security import token_digest
from backend.accounts.session_cookie import SESSION_COOKIE
from backend.config import get_settings
from backend.db import utcnow
from backend.main import app
from backend.postings.need_model import Need
from tests.factories import PASSWORD, make_user
from tests.security.routes import all_routes, state_changing
from tests.security.test_access_table import ACCESS, LOGIN, Case
from tests.security.world import ROLES, World

PAGE_POSTS = state_changing(app, api=False)
API_WRITES = state_changing(app, api=True)
FORGED = "forged-token-0000"


def _allowed_role(case: Case) -> str:
    """A signed-in role the table lets through (2xx/3xx), so a refusal can only be the CSRF check."""
    for role, expected in zip(ROLES, case.expect, strict=True):
        if role != "anonymous" and expected not in (LOGIN,) and isinstance(expected, int) and expected < 400:
            return role
    raise AssertionError(f"no signed-in role may use {case.path}")


# --- page forms: csrf_token -------------------------------------------------------------------


def test_the_page_forms_are_found_from_the_routes() -> None:
    paths = {k.path for k in PAGE_POSTS}
    assert {"/login", "/logout", "/needs/new", "/ops/import", "/pairings/interest"} <= paths
    assert len(PAGE_POSTS) >= 25


@pytest.mark.parametrize("token", [None, FORGED], ids=["missing", "wrong"])
@pytest.mark.parametrize("route", PAGE_POSTS, ids=str)
def test_every_page_form_refuses_a_missing_or_wrong_csrf_token(
    access_client: TestClient, world: World, route: Any, token: str | None
) -> None:
    case = ACCESS[str(route)][0]
    role = _allowed_role(case)
    world.sign_in(access_client, role)
    url = case.path.format(**world.ids())
    data = dict(case.form(world)) if case.form else {}
    if token:
        data["csrf_token"] = token
    files = case.files(world) if case.files else None
    before = _snapshot(world.session)
    response = access_client.post(url, data=data, files=files)
    assert response.status_code == 403, (route, response.status_code)
    assert "页面已过期或请求来源不明" in response.text
    assert _snapshot(world.session) == before


def _snapshot(session: Session) -> tuple[Any, ...]:
    """What a forged form could change: postings, users, sessions."""
    session.expire_all()
    needs = tuple((n.id, n.title, n.status) for n in session.exec(select(Need).order_by(Need.id)))
    users = tuple((u.id, u.password_hash) for u in session.exec(select(User).order_by(User.id)))
    live = tuple(s.id for s in session.exec(select(UserSession).where(UserSession.revoked_at == None)))  # noqa: E711
    return needs, users, live


@pytest.mark.parametrize("route", PAGE_POSTS, ids=str)
def test_every_page_form_refuses_a_cross_site_origin(
    access_client: TestClient, world: World, route: Any
) -> None:
    """Log-in and sign-up have no session to bind a token to: the browser's Origin guards them (and all others)."""
    case = ACCESS[str(route)][0]
    url = case.path.format(**world.ids())
    data = dict(case.form(world)) if case.form else {}
    world.sign_in(access_client, "anonymous")
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        response = access_client.post(url, data=data, headers=headers)
        assert response.status_code == 403, (route, headers)
        assert "请求来自其他网站" in response.text
        assert SESSION_COOKIE not in response.cookies


def test_same_site_origin_is_accepted(access_client: TestClient, world: World) -> None:
    user = world.users["enterprise"]
    response = access_client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, headers={"Origin": "http://testserver"}
    )
    assert response.status_code == 303 and SESSION_COOKIE in response.cookies


# --- the JSON API: only what a form cannot send -------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
@pytest.mark.parametrize("route", API_WRITES, ids=str)
def test_every_api_write_refuses_what_a_cross_site_form_can_send(
    client: TestClient, world: World, route: Any, content_type: str
) -> None:
    world.sign_in(client, "operator")  # allowed everything: a refusal can only be the CSRF rule
    url = ACCESS[str(route)][0].path.format(**world.ids())
    before = _snapshot(world.session)
    response = client.request(
        route.method, url, content=b'{"note": "x"}', headers={"Content-Type": content_type}
    )
    assert response.status_code == 403, (route, response.text)
    assert response.headers["content-type"].startswith("application/json")
    assert "请求来源无法验证" in response.json()["error"]
    assert _snapshot(world.session) == before


def test_a_form_post_cannot_close_a_need_through_the_api(client: TestClient, world: World) -> None:
    world.sign_in(client, "enterprise")
    url = f"/api/needs/{world.need_pub.id}/close"
    assert client.post(url, data={"note": "forged"}).status_code == 403
    assert client.post(url, content=b"", headers={"Content-Type": "text/plain"}).status_code == 403
    world.session.refresh(world.need_pub)
    assert world.need_pub.status == "published"
    assert client.post(url, json={"note": "真的要关"}).status_code == 200


def test_multipart_to_the_api_needs_a_custom_header_and_a_token_must_match(
    client: TestClient, world: World
) -> None:
    world.sign_in(client, "operator")
    files = {"file": ("needs.csv", b"x", "text/csv")}
    form = {"kind": "needs", "organisation_id": str(world.need_pub.organisation_id)}
    assert client.post("/api/ops/import", data=form, files=files).status_code == 403
    wrong = client.post("/api/ops/import", data=form, files=files, headers={"X-CSRF-Token": FORGED})
    assert wrong.status_code == 403 and "X-CSRF-Token" in wrong.json()["error"]
    right = client.post(
        "/api/ops/import", data=form, files=files, headers={"X-CSRF-Token": world.csrf["operator"]}
    )
    assert right.status_code == 422  # past the guard: the file itself is refused
    xhr = client.post(
        "/api/ops/import", data=form, files=files, headers={"X-Requested-With": "XMLHttpRequest"}
    )
    assert xhr.status_code == 422


def test_bodyless_api_writes_and_json_pass_the_guard(client: TestClient, world: World) -> None:
    world.sign_in(client, "enterprise")
    assert client.post(f"/api/needs/{world.need_draft.id}/publish").status_code == 200
    assert client.post("/api/notifications/read", json={}).status_code == 200
    body_without_type = client.post("/api/notifications/read", content=b"{}", headers={"Content-Type": ""})
    assert body_without_type.status_code == 403


def test_cross_site_api_write_is_refused_even_as_json(client: TestClient, world: World) -> None:
    world.sign_in(client, "enterprise")
    response = client.post(
        f"/api/needs/{world.need_pub.id}/close",
        json={"note": "x"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403 and response.json()["error"]


# --- the session cookie --------------------------------------------------------------------------


def _set_cookie(response: Any) -> str:
    return next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(SESSION_COOKIE)
    )


def test_session_cookie_is_httponly_lax_and_not_secure_over_http(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    cookie = _set_cookie(client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_when_configured(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "secure_cookies", True)
    user = make_user(session)
    page = client.post("/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False)
    assert "Secure" in _set_cookie(page) and "HttpOnly" in _set_cookie(page)


def test_session_cookie_is_secure_when_served_over_https(client: TestClient, session: Session) -> None:
    user = make_user(session)
    with TestClient(app, base_url="https://testserver") as https:
        api = https.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
        assert "Secure" in _set_cookie(api)
        https.cookies.clear()  # signed in, the page form would need the session's csrf_token
        page = https.post("/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False)
        assert "Secure" in _set_cookie(page)


def test_only_the_token_digest_is_stored(client: TestClient, world: World) -> None:
    token = world.tokens["enterprise"]
    rows = list(world.session.exec(select(UserSession).where(UserSession.token_hash == token_digest(token))))
    assert len(rows) == 1 and token not in rows[0].token_hash


def test_revoked_and_expired_sessions_cannot_write(client: TestClient, world: World) -> None:
    world.sign_in(client, "enterprise")
    assert client.post("/api/auth/logout").status_code == 204
    client.cookies.set(SESSION_COOKIE, world.tokens["enterprise"])  # replay the old cookie
    assert (
        client.patch(f"/api/needs/{world.need_pub.id}", json={"title": "被盗用的会话改的"}).status_code == 401
    )
    row = world.session.exec(
        select(UserSession).where(UserSession.token_hash == token_digest(world.tokens["researcher"]))
    ).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    world.session.add(row)
    world.session.commit()
    world.sign_in(client, "researcher")
    assert client.get("/api/auth/me").status_code == 401
    assert client.get("/workspace", follow_redirects=False).headers["location"].startswith("/login")


# --- passwords -----------------------------------------------------------------------------------


def _signup(**overrides: Any) -> dict[str, Any]:
    return {
        "email": "hash-check@example.cn",
        "password": "Strong-pass1",
        "name": "哈希",
        "role": "enterprise",
        "organisation_name": "哈希校验有限公司",
        "organisation_kind": "enterprise",
        "region": "湖北省",
        "accept_terms": True,
    } | overrides


def test_passwords_are_stored_as_argon2id(client: TestClient, session: Session) -> None:
    assert client.post("/api/auth/signup", json=_signup()).status_code == 201
    user = session.exec(select(User).where(User.email == "hash-check@example.cn")).one()
    assert user.password_hash.startswith("$argon2id$") and "Strong-pass1" not in user.password_hash


@pytest.mark.parametrize("password", ["short1!", "alllowercaseletters", "12345678901"])
def test_weak_passwords_are_refused_by_the_api(client: TestClient, session: Session, password: str) -> None:
    response = client.post("/api/auth/signup", json=_signup(password=password))
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "password"
    assert session.exec(select(User).where(User.email == "hash-check@example.cn")).first() is None


# --- login throttling ----------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(login_limiter, "clock", fake)
    return fake


def _committed_user(session: Session) -> User:
    """A user that survives the rollback a refused login makes."""
    user = make_user(session)
    session.commit()
    return user


def _login(client: TestClient, email: str, password: str) -> Any:
    return client.post("/api/auth/login", json={"email": email, "password": password})


def test_account_is_throttled_after_five_failures_then_released(
    client: TestClient, session: Session, clock: Clock
) -> None:
    user = _committed_user(session)
    for _ in range(PER_ACCOUNT):
        assert _login(client, user.email, "Wrong-pass1").status_code == 401
    blocked = _login(client, user.email, PASSWORD)  # even the right password: guessing must stop
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "登录失败次数过多，请 15 分钟后再试"
    assert _login(client, user.email.upper(), PASSWORD).status_code == 429  # same account, other spelling
    clock.now += 10 * 60
    assert "请 5 分钟后再试" in _login(client, user.email, PASSWORD).json()["error"]
    clock.now += 5 * 60 + 1
    assert _login(client, user.email, PASSWORD).status_code == 200


def test_success_resets_the_account_count(client: TestClient, session: Session, clock: Clock) -> None:
    user = _committed_user(session)
    for _ in range(PER_ACCOUNT - 1):
        assert _login(client, user.email, "Wrong-pass1").status_code == 401
    assert _login(client, user.email, PASSWORD).status_code == 200
    for _ in range(PER_ACCOUNT - 1):
        assert _login(client, user.email, "Wrong-pass1").status_code == 401
    assert _login(client, user.email, PASSWORD).status_code == 200


def test_address_is_throttled_across_accounts(client: TestClient, session: Session, clock: Clock) -> None:
    for n in range(PER_ADDRESS):
        assert _login(client, f"nobody{n}@example.cn", "Wrong-pass1").status_code == 401
    user = _committed_user(session)
    response = _login(client, user.email, PASSWORD)
    assert response.status_code == 429 and "登录失败次数过多" in response.json()["error"]
    clock.now += WINDOW_SECONDS + 1
    assert _login(client, user.email, PASSWORD).status_code == 200


def test_login_page_shows_the_throttle_message(client: TestClient, session: Session, clock: Clock) -> None:
    user = _committed_user(session)
    for _ in range(PER_ACCOUNT):
        client.post("/login", data={"email": user.email, "password": "Wrong-pass1"})
    page = client.post("/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False)
    assert page.status_code == 429 and "登录失败次数过多，请 15 分钟后再试" in page.text
    assert SESSION_COOKIE not in page.cookies


# --- security headers ----------------------------------------------------------------------------


def test_security_headers_on_pages_api_and_errors(client: TestClient, world: World) -> None:
    world.sign_in(client, "enterprise")
    answers = [
        client.get("/"),
        client.get(f"/needs/{world.need_pub.id}"),
        client.get("/api/needs"),
        client.get("/no-such-page"),
        client.post(
            "/api/needs", content=b"x", headers={"Content-Type": "text/plain"}
        ),  # refused by middleware
        client.get("/static/css/site.css"),
    ]
    for response in answers:
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        csp = headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp
            and "frame-ancestors 'none'" in csp
            and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        )


def test_pages_use_no_inline_script(access_client: TestClient, world: World) -> None:
    """What CSP script-src 'self' would block: inline <script> bodies, on* handlers, javascript: links."""
    import re

    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:", re.IGNORECASE)
    for role in ("operator", "enterprise", "researcher"):
        world.sign_in(access_client, role)
        for route in state_changing(app, api=False) + [r for r in all_routes(app) if r.method == "GET"]:
            if route.method != "GET" or route.path.startswith(("/api", "/docs", "/redoc", "/openapi")):
                continue
            for case in ACCESS[str(route)]:
                response = access_client.get(case.path.format(**world.ids()))
                if "text/html" in response.headers.get("content-type", ""):
                    assert not inline.search(response.text), (role, case.path, inline.search(response.text))
