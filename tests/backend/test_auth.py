"""Sign-up, log-in, log-out, session expiry and password change, through pages and the API."""

from datetime import timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session, func, select

from backend.accounts.models import Organisation, User, UserSession
from backend.accounts.security import token_digest
from backend.accounts.session_cookie import SESSION_COOKIE
from backend.db import utcnow
from backend.main import app
from backend.vocab import Role
from tests.factories import PASSWORD, login, make_org, make_user


def _signup_form(**overrides: Any) -> dict[str, Any]:
    form = {
        "role": "enterprise",
        "name": "王芳",
        "email": "wangfang@example.cn",
        "phone": "13900001111",
        "password": "Secret123",
        "organisation_name": "武汉光谷新材料有限公司",
        "organisation_kind": "enterprise",
        "region": "湖北省",
        "accept_terms": True,
    } | overrides
    return {"password_confirm": form["password"]} | form


def _researcher_form(**overrides: Any) -> dict[str, Any]:
    return (
        _signup_form(
            role="researcher",
            name="李明",
            email="liming@example.edu.cn",
            organisation_name="华中科技大学",
            organisation_kind="university",
        )
        | overrides
    )


def _user_count(session: Session, email: str) -> int:
    return session.exec(select(func.count()).select_from(User).where(User.email == email)).one()


def _session_cookie(response: Response) -> str | None:
    """The Set-Cookie header that sets the session cookie, if any."""
    headers = response.headers.get_list("set-cookie")
    return next((h for h in headers if h.startswith(f"{SESSION_COOKIE}=") and "Max-Age=0" not in h), None)


def _token(response: Response) -> str:
    header = _session_cookie(response)
    assert header is not None
    return header.split(";", 1)[0].split("=", 1)[1].strip('"')


def _client_with(token: str) -> TestClient:
    """Another browser presenting `token` as its session cookie."""
    other = TestClient(app, base_url="http://testserver")
    other.cookies.set(SESSION_COOKIE, token)
    return other


def _csrf(client: TestClient) -> str:
    """The CSRF token the signed-in user's pages carry (the log-out form has it)."""
    page = client.get("/account/password")
    assert page.status_code == 200
    field = BeautifulSoup(page.text, "html.parser").find("input", attrs={"name": "csrf_token"})
    assert field is not None
    return str(field["value"])


def _page_errors(response: Response) -> str:
    return BeautifulSoup(response.text, "html.parser").get_text(" ", strip=True)


# --- sign-up ------------------------------------------------------------------------------------


def test_signup_via_page_creates_account_and_signs_in(client: TestClient, session: Session) -> None:
    r = client.post("/signup", data=_signup_form(), follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    assert _session_cookie(r) is not None

    me = client.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["email"] == "wangfang@example.cn" and me.json()["role"] == "enterprise"
    user = session.exec(select(User).where(User.email == "wangfang@example.cn")).one()
    org = session.get(Organisation, user.organisation_id)
    assert org is not None and org.name == "武汉光谷新材料有限公司" and org.region == "湖北省"


def test_signup_via_api_creates_account_and_signs_in(client: TestClient, session: Session) -> None:
    r = client.post("/api/auth/signup", json=_researcher_form())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["role"] == "researcher" and body["email"] == "liming@example.edu.cn"
    assert "password" not in body and "password_hash" not in body
    assert client.get("/api/auth/me").json()["id"] == body["id"]


def test_duplicate_email_is_refused(client: TestClient, session: Session) -> None:
    make_user(session, email="taken@example.cn")
    session.commit()
    r = client.post("/api/auth/signup", json=_signup_form(email="Taken@Example.cn"))
    assert r.status_code == 422
    assert r.json()["detail"][0] == {"field": "email", "label": "邮箱", "message": "该邮箱已注册"}

    page = client.post("/signup", data=_signup_form(email="taken@example.cn"), follow_redirects=False)
    assert page.status_code == 422
    assert "该邮箱已注册" in _page_errors(page)
    assert _session_cookie(page) is None
    assert _user_count(session, "taken@example.cn") == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [("short1A", "密码至少 8 位"), ("alllowercase", "密码需包含字母、数字、符号中的至少两类")],
)
def test_weak_password_is_refused(client: TestClient, session: Session, password: str, message: str) -> None:
    r = client.post("/api/auth/signup", json=_signup_form(password=password))
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "password"
    assert r.json()["detail"][0]["message"] == message
    page = client.post("/signup", data=_signup_form(password=password), follow_redirects=False)
    assert page.status_code == 422 and message in _page_errors(page)
    assert _user_count(session, "wangfang@example.cn") == 0


def test_researcher_with_enterprise_organisation_is_refused(client: TestClient, session: Session) -> None:
    r = client.post("/api/auth/signup", json=_researcher_form(organisation_kind="enterprise"))
    assert r.status_code == 422
    assert r.json()["detail"][0]["message"] == "账号类型与单位类型不符"
    page = client.post(
        "/signup", data=_researcher_form(organisation_kind="enterprise"), follow_redirects=False
    )
    assert page.status_code == 422 and "账号类型与单位类型不符" in _page_errors(page)
    assert _user_count(session, "liming@example.edu.cn") == 0


def test_signup_into_registered_organisation_is_refused(client: TestClient, session: Session) -> None:
    make_org(session, name="武汉光谷新材料有限公司")
    session.commit()
    r = client.post("/api/auth/signup", json=_signup_form())
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "organisation_name"
    assert "平台运营" in r.json()["detail"][0]["message"]
    page = client.post("/signup", data=_signup_form(), follow_redirects=False)
    assert page.status_code == 422 and "平台运营" in _page_errors(page)
    assert _user_count(session, "wangfang@example.cn") == 0


@pytest.mark.parametrize("kind", ["platform", "enterprise"])
def test_operator_cannot_self_register(client: TestClient, session: Session, kind: str) -> None:
    form = _signup_form(role="operator", organisation_kind=kind, organisation_name="某平台运营中心")
    r = client.post("/api/auth/signup", json=form)
    assert r.status_code in (403, 422)
    assert r.json()["error"]
    page = client.post("/signup", data=form, follow_redirects=False)
    assert page.status_code == 422
    assert _session_cookie(r) is None and _session_cookie(page) is None
    assert _user_count(session, "wangfang@example.cn") == 0


def _operator_form() -> dict[str, Any]:
    return _signup_form(
        role="operator", email="ops2@example.cn", name="赵运营", organisation_kind="platform",
        organisation_name="科创撮合运营中心",
    )  # fmt: skip


def test_operator_creates_operator_via_api(client: TestClient, session: Session) -> None:
    operator = make_user(session, Role.operator)
    session.commit()
    login(client, operator)
    r = client.post("/api/auth/users", json=_operator_form())
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "operator"
    created = session.exec(select(User).where(User.email == "ops2@example.cn")).one()
    assert created.role == Role.operator
    # The new operator can sign in.
    assert client.post(
        "/api/auth/login", json={"email": "ops2@example.cn", "password": "Secret123"}
    ).is_success


@pytest.mark.parametrize("role", [Role.enterprise, Role.researcher])
def test_non_operators_cannot_create_accounts(client: TestClient, session: Session, role: Role) -> None:
    login(client, make_user(session, role))
    assert client.post("/api/auth/users", json=_operator_form()).status_code == 403
    assert client.get("/ops/users/new").status_code == 403
    r = client.post("/ops/users/new", data=_operator_form() | {"csrf_token": _csrf(client)})
    assert r.status_code == 403
    assert _user_count(session, "ops2@example.cn") == 0


def test_anonymous_cannot_create_accounts(client: TestClient, session: Session) -> None:
    assert client.post("/api/auth/users", json=_operator_form()).status_code == 401
    r = client.get("/ops/users/new", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_operator_creates_operator_via_page(client: TestClient, session: Session) -> None:
    operator = make_user(session, Role.operator)
    session.commit()
    login(client, operator)
    form_page = client.get("/ops/users/new")
    assert form_page.status_code == 200
    roles = {i["value"] for i in BeautifulSoup(form_page.text, "html.parser").select("input[name=role]")}
    assert "operator" in roles

    r = client.post(
        "/ops/users/new", data=_operator_form() | {"csrf_token": _csrf(client)}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/ops/users/new"
    created = session.exec(select(User).where(User.email == "ops2@example.cn")).one()
    assert created.role == Role.operator

    # Without the CSRF token the same post is refused.
    again = client.post("/ops/users/new", data=_operator_form() | {"email": "ops3@example.cn"})
    assert again.status_code == 403
    assert _user_count(session, "ops3@example.cn") == 0


# --- log-in -------------------------------------------------------------------------------------


def _assert_secure_cookie(response: Response) -> None:
    header = _session_cookie(response)
    assert header is not None
    attributes = {part.strip().lower() for part in header.split(";")}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_login_via_page_sets_a_safe_cookie(client: TestClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    r = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "/account/password"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    assert r.headers["location"] == "/account/password"
    _assert_secure_cookie(r)
    assert client.get("/api/auth/me").json()["id"] == user.id


def test_login_via_api_sets_a_safe_cookie(client: TestClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    r = client.post("/api/auth/login", json={"email": user.email.upper(), "password": PASSWORD})
    assert r.status_code == 200
    assert r.json()["id"] == user.id
    _assert_secure_cookie(r)


def test_wrong_password_is_refused_without_a_cookie(client: TestClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    r = client.post("/api/auth/login", json={"email": user.email, "password": "Wrong-pass1"})
    assert r.status_code == 401
    assert r.json()["error"] == "邮箱或密码不正确"
    assert _session_cookie(r) is None

    unknown = client.post("/api/auth/login", json={"email": "nobody@example.cn", "password": PASSWORD})
    assert unknown.status_code == 401 and unknown.json()["error"] == "邮箱或密码不正确"

    page = client.post(
        "/login", data={"email": user.email, "password": "Wrong-pass1"}, follow_redirects=False
    )
    assert page.status_code == 401
    assert "邮箱或密码不正确" in _page_errors(page)
    assert _session_cookie(page) is None
    email_input = BeautifulSoup(page.text, "html.parser").find("input", attrs={"name": "email"})
    assert email_input is not None and email_input["value"] == user.email
    assert client.get("/api/auth/me").status_code == 401


def test_inactive_user_cannot_log_in(client: TestClient, session: Session) -> None:
    user = make_user(session, is_active=False)
    session.commit()
    r = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert r.status_code == 401


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "http://evil.example/login"])
def test_login_does_not_follow_an_offsite_next(client: TestClient, session: Session, target: str) -> None:
    user = make_user(session)
    session.commit()
    form = client.get("/login", params={"next": target})
    hidden = BeautifulSoup(form.text, "html.parser").find("input", attrs={"name": "next"})
    assert hidden is not None and hidden["value"] == "/"

    r = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    assert "evil" not in r.headers["location"]


# --- log-out and expiry -------------------------------------------------------------------------


def test_logout_via_page_revokes_the_server_side_session(client: TestClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    token = _token(client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}))
    csrf = _csrf(client)

    refused = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/api/auth/me").status_code == 200  # still signed in

    r = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/auth/me").status_code == 401
    row = session.exec(select(UserSession).where(UserSession.token_hash == token_digest(token))).one()
    assert row.revoked_at is not None
    # Presenting the old cookie again does not bring the session back.
    assert _client_with(token).get("/api/auth/me").status_code == 401


def test_logout_via_api_revokes_the_server_side_session(client: TestClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    token = _token(client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}))
    assert _client_with(token).get("/api/auth/me").status_code == 200

    assert client.post("/api/auth/logout").status_code == 204
    assert client.get("/api/auth/me").status_code == 401
    replay = _client_with(token).get("/api/auth/me")
    assert replay.status_code == 401 and replay.json()["error"] == "请先登录"


def test_expired_session_is_signed_out(client: TestClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    token = _token(client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}))
    assert client.get("/api/auth/me").status_code == 200

    row = session.exec(select(UserSession).where(UserSession.token_hash == token_digest(token))).one()
    row.expires_at = utcnow() - timedelta(minutes=1)
    session.add(row)
    session.commit()

    me = client.get("/api/auth/me")
    assert me.status_code == 401 and me.json()["error"] == "请先登录"
    page = client.get("/account/password", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/account/password"


# --- password change ----------------------------------------------------------------------------


def test_change_password_via_api(client: TestClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    elsewhere = TestClient(app, base_url="http://testserver")
    login(elsewhere, user)  # another device
    login(client, user)

    wrong = client.post(
        "/api/auth/password", json={"current_password": "Wrong-pass1", "new_password": "NewPass456"}
    )
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0] == {
        "field": "current_password",
        "label": "当前密码",
        "message": "当前密码不正确",
    }
    weak = client.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": "weak"})
    assert weak.status_code == 422 and weak.json()["detail"][0]["field"] == "new_password"
    assert elsewhere.get("/api/auth/me").status_code == 200  # refusals revoke nothing

    ok = client.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": "NewPass456"})
    assert ok.status_code == 204
    assert client.get("/api/auth/me").status_code == 200  # this session survives
    assert elsewhere.get("/api/auth/me").status_code == 401  # the other one is revoked

    old = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert old.status_code == 401
    assert (
        client.post("/api/auth/login", json={"email": user.email, "password": "NewPass456"}).status_code
        == 200
    )


def test_change_password_via_page(client: TestClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    elsewhere = TestClient(app, base_url="http://testserver")
    login(elsewhere, user)
    login(client, user)
    csrf = _csrf(client)

    wrong = client.post(
        "/account/password",
        data={"csrf_token": csrf, "current_password": "Wrong-pass1", "new_password": "NewPass456"},
    )
    assert wrong.status_code == 422 and "当前密码不正确" in _page_errors(wrong)

    r = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": "NewPass456",
            "new_password_confirm": "NewPass456",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get("/api/auth/me").status_code == 200
    assert elsewhere.get("/api/auth/me").status_code == 401
    assert client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}).status_code == 401
    assert (
        client.post("/api/auth/login", json={"email": user.email, "password": "NewPass456"}).status_code
        == 200
    )
