"""忘记密码: request a link by email, set a new password through it once, log in with it."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session, select

from backend.accounts.models import AccountToken, User, UserSession
from backend.accounts.security import token_digest
from backend.config import get_settings
from backend.db import utcnow
from tests.backend.accounts.conftest import Mailbox
from tests.factories import PASSWORD, login, make_user

NEW = "Brand-new9"


def _text(response: Response) -> str:
    return BeautifulSoup(response.text, "html.parser").get_text(" ", strip=True)


def _ask(client: TestClient, email: str) -> Response:
    return client.post("/password/forgot", data={"email": email})


def _reset(client: TestClient, link: str, password: str = NEW, confirm: str | None = None) -> Response:
    form = {"new_password": password, "new_password_confirm": password if confirm is None else confirm}
    return client.post(link, data=form, follow_redirects=False)


def _token_row(session: Session, link: str) -> AccountToken:
    session.expire_all()
    digest = token_digest(link.rsplit("/", 1)[1])
    return session.exec(select(AccountToken).where(AccountToken.token_hash == digest)).one()


def test_forgot_reset_login_through_the_pages(client: TestClient, session: Session, mailbox: Mailbox) -> None:
    user = make_user(session, email="wang@example.cn")
    session.commit()
    assert "忘记密码" in _text(client.get("/login"))

    asked = _ask(client, "Wang@Example.cn")
    assert asked.status_code == 200 and "如果该邮箱已在科创撮合注册" in _text(asked)
    [(_, subject, body)] = mailbox.to("wang@example.cn")
    assert subject == "【科创撮合】重置密码" and "1 小时内" in body
    link = mailbox.link("wang@example.cn", "/password/reset")
    assert body.count(get_settings().site_url + link) == 1  # absolute, on the configured site address

    form = client.get(link)
    assert form.status_code == 200 and "wang@example.cn" in _text(form)
    assert form.headers["cache-control"] == "no-store" and form.headers["referrer-policy"] == "same-origin"

    done = _reset(client, link)
    assert done.status_code == 303 and done.headers["location"] == "/login"
    bad = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert bad.status_code == 401
    assert client.post("/api/auth/login", json={"email": user.email, "password": NEW}).status_code == 200
    assert _token_row(session, link).used_at is not None


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(
    client: TestClient, session: Session, mailbox: Mailbox
) -> None:
    make_user(session, email="known@example.cn")
    session.commit()
    known, unknown = _ask(client, "known@example.cn"), _ask(client, "nobody@example.cn")
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    api_known = client.post("/api/auth/password/forgot", json={"email": "known@example.cn"})
    api_unknown = client.post("/api/auth/password/forgot", json={"email": "nobody@example.cn"})
    assert api_known.status_code == api_unknown.status_code == 202
    assert api_known.json() == api_unknown.json()
    assert [m[0] for m in mailbox.sent] == ["known@example.cn", "known@example.cn"]


def test_a_link_works_once(client: TestClient, session: Session, mailbox: Mailbox) -> None:
    make_user(session, email="once@example.cn")
    session.commit()
    _ask(client, "once@example.cn")
    link = mailbox.link("once@example.cn", "/password/reset")
    assert _reset(client, link).status_code == 303

    again = _reset(client, link, password="Other-pass7")
    assert again.status_code == 410
    assert "该重置链接已失效（已使用过" in _text(again) and "重新申请" in _text(again)
    assert client.get(link).status_code == 410
    assert (
        client.post("/api/auth/login", json={"email": "once@example.cn", "password": NEW}).status_code == 200
    )


def test_an_expired_link_is_refused_and_changes_nothing(
    client: TestClient, session: Session, mailbox: Mailbox
) -> None:
    user = make_user(session, email="late@example.cn")
    session.commit()
    _ask(client, "late@example.cn")
    link = mailbox.link("late@example.cn", "/password/reset")
    row = _token_row(session, link)
    assert timedelta(minutes=59) < row.expires_at - utcnow() <= timedelta(hours=1)
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    before = user.password_hash

    page = client.get(link)
    assert page.status_code == 410 and "已过期（有效期 1 小时）" in _text(page)
    assert _reset(client, link).status_code == 410
    api = client.post("/api/auth/password/reset", json={"token": link.rsplit("/", 1)[1], "new_password": NEW})
    assert api.status_code == 410 and "已过期" in api.json()["error"]
    session.refresh(user)
    assert user.password_hash == before


def test_an_unknown_link_is_refused(client: TestClient) -> None:
    page = client.get("/password/reset/made-up-token")
    assert page.status_code == 410 and "重置链接无效" in _text(page)


def test_a_newer_request_retires_the_older_link(
    client: TestClient, session: Session, mailbox: Mailbox
) -> None:
    make_user(session, email="twice@example.cn")
    session.commit()
    _ask(client, "twice@example.cn")
    first = mailbox.link("twice@example.cn", "/password/reset")
    _ask(client, "twice@example.cn")
    second = mailbox.link("twice@example.cn", "/password/reset")
    assert first != second
    assert _reset(client, first).status_code == 410
    assert _reset(client, second).status_code == 303


def test_a_reset_ends_every_session_and_verifies_the_email(
    client: TestClient, session: Session, mailbox: Mailbox
) -> None:
    user = make_user(session, email="everywhere@example.cn", email_verified_at=None)
    session.commit()
    login(client, user)
    client.cookies.clear()
    _ask(client, "everywhere@example.cn")
    assert _reset(client, mailbox.link("everywhere@example.cn", "/password/reset")).status_code == 303
    session.expire_all()
    live = session.exec(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at == None)  # noqa: E711
    ).all()
    assert live == []
    assert session.get(User, user.id).email_verified_at is not None  # type: ignore[union-attr]


def test_every_problem_of_the_new_password_at_once_and_the_link_still_works(
    client: TestClient, session: Session, mailbox: Mailbox
) -> None:
    make_user(session, email="typo@example.cn")
    session.commit()
    _ask(client, "typo@example.cn")
    link = mailbox.link("typo@example.cn", "/password/reset")
    page = _reset(client, link, password="short", confirm="shorter")
    assert page.status_code == 422
    soup = BeautifulSoup(page.text, "html.parser")
    errors = {p["id"]: p.get_text() for p in soup.select(".field-error")}
    assert errors == {
        "new_password-error": "密码至少 8 位",
        "new_password_confirm-error": "两次输入的密码不一致",
    }
    assert soup.select_one("#f-new_password")["value"] == ""  # passwords are never echoed  # type: ignore[index]
    assert _token_row(session, link).used_at is None
    assert _reset(client, link).status_code == 303


def test_reset_through_the_api(client: TestClient, session: Session, mailbox: Mailbox) -> None:
    make_user(session, email="api@example.cn")
    session.commit()
    client.post("/api/auth/password/forgot", json={"email": "api@example.cn"})
    token = mailbox.link("api@example.cn", "/password/reset").rsplit("/", 1)[1]
    mismatch = {"token": token, "new_password": NEW, "new_password_confirm": "Other-pass7"}
    refused = client.post("/api/auth/password/reset", json=mismatch)
    assert refused.status_code == 422
    assert refused.json()["detail"] == [
        {"field": "new_password_confirm", "label": "确认新密码", "message": "两次输入的密码不一致"}
    ]
    assert (
        client.post("/api/auth/password/reset", json={"token": token, "new_password": NEW}).status_code == 204
    )
    again = client.post("/api/auth/password/reset", json={"token": token, "new_password": "Other-pass7"})
    assert again.status_code == 410 and again.json()["error"]
    assert (
        client.post("/api/auth/login", json={"email": "api@example.cn", "password": NEW}).status_code == 200
    )


@pytest.mark.parametrize("email", ["throttled@example.cn", "nobody-here@example.cn"])
def test_requests_are_throttled_per_email_whether_or_not_it_exists(
    client: TestClient, session: Session, mailbox: Mailbox, email: str
) -> None:
    make_user(session, email="throttled@example.cn")
    session.commit()
    for _ in range(3):
        assert _ask(client, email).status_code == 200
    fourth = _ask(client, email)
    assert fourth.status_code == 429 and "重置密码的申请过于频繁" in _text(fourth)
    api = client.post("/api/auth/password/forgot", json={"email": email})
    assert api.status_code == 429 and "过于频繁" in api.json()["error"]
    assert len(mailbox.sent) == (3 if email == "throttled@example.cn" else 0)


def test_a_bad_email_is_a_field_error_with_what_was_typed_kept(client: TestClient) -> None:
    page = _ask(client, "not-an-email")
    assert page.status_code == 422
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("#email-error") is not None
    assert soup.select_one("#f-email")["value"] == "not-an-email"  # type: ignore[index]
