"""Email verification: a link at sign-up, a resend button; drafts before it, submissions after."""

from datetime import timedelta
from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session, select

from backend.accounts.models import AccountToken, User
from backend.accounts.security import token_digest
from backend.db import utcnow
from backend.postings.need_model import Need
from backend.vocab import PostingStatus, Role
from tests.backend.accounts.conftest import Mailbox
from tests.factories import login, make_need, make_user, need_data, result_data

SIGNUP = {
    "role": "enterprise",
    "name": "王芳",
    "email": "fang@example.cn",
    "phone": "13900001111",
    "password": "Secret123",
    "password_confirm": "Secret123",
    "organisation_name": "武汉验证测试有限公司",
    "organisation_kind": "enterprise",
    "region": "湖北省",
    "accept_terms": "1",
}


def _text(response: Response) -> str:
    return BeautifulSoup(response.text, "html.parser").get_text(" ", strip=True)


def _csrf(client: TestClient) -> str:
    field = BeautifulSoup(client.get("/account/verify").text, "html.parser").find(
        "input", {"name": "csrf_token"}
    )
    assert field is not None
    return str(field["value"])


def _need_form(csrf: str, action: str, **overrides: Any) -> dict[str, Any]:
    form = need_data(**overrides) | {"csrf_token": csrf, "action": action}
    form["keywords"] = "、".join(form["keywords"])
    form.pop("budget_negotiable")
    return form


def _user(session: Session, email: str) -> User:
    session.expire_all()
    return session.exec(select(User).where(User.email == email)).one()


def test_sign_up_sends_a_link_that_verifies_the_email(
    client: TestClient, session: Session, mailbox: Mailbox
) -> None:
    made = client.post("/signup", data=SIGNUP, follow_redirects=False)
    assert made.status_code == 303
    [(_, subject, body)] = mailbox.to("fang@example.cn")
    assert subject == "【科创撮合】请验证您的邮箱" and "3 天内" in body
    assert _user(session, "fang@example.cn").email_verified_at is None
    home = client.get("/")
    assert "您的邮箱尚未验证" in _text(home)

    link = mailbox.link("fang@example.cn", "/account/verify")
    done = client.get(link, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/account/verify"
    assert _user(session, "fang@example.cn").email_verified_at is not None
    assert "已验证" in _text(client.get("/account/verify"))
    assert "您的邮箱尚未验证" not in _text(client.get("/"))

    again = client.get(link)
    assert again.status_code == 410 and "该验证链接已失效" in _text(again)


def test_an_expired_verification_link_is_refused(
    client: TestClient, session: Session, mailbox: Mailbox
) -> None:
    client.post("/signup", data=SIGNUP, follow_redirects=False)
    link = mailbox.link("fang@example.cn", "/account/verify")
    row = session.exec(
        select(AccountToken).where(AccountToken.token_hash == token_digest(link.rsplit("/", 1)[1]))
    ).one()
    assert timedelta(days=2, hours=23) < row.expires_at - utcnow() <= timedelta(days=3)
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    page = client.get(link)
    assert page.status_code == 410 and "已过期（有效期 3 天）" in _text(page)
    assert _user(session, "fang@example.cn").email_verified_at is None


def test_resend_sends_a_new_link_and_retires_the_old(
    client: TestClient, session: Session, mailbox: Mailbox
) -> None:
    client.post("/signup", data=SIGNUP, follow_redirects=False)
    first = mailbox.link("fang@example.cn", "/account/verify")
    page = client.get("/account/verify")
    assert "重新发送验证邮件" in _text(page)
    sent = client.post("/account/verify/resend", data={"csrf_token": _csrf(client)}, follow_redirects=False)
    assert sent.status_code == 303
    second = mailbox.link("fang@example.cn", "/account/verify")
    assert second != first
    assert client.get(first).status_code == 410
    assert client.get(second, follow_redirects=False).status_code == 303
    assert _user(session, "fang@example.cn").email_verified_at is not None

    verified = client.post(
        "/account/verify/resend", data={"csrf_token": _csrf(client)}, follow_redirects=False
    )
    assert verified.status_code == 303 and len(mailbox.to("fang@example.cn")) == 2
    assert client.post("/api/auth/verify/resend").status_code == 409


def test_resend_is_throttled(client: TestClient, session: Session, mailbox: Mailbox) -> None:
    client.post("/signup", data=SIGNUP, follow_redirects=False)
    for _ in range(3):
        assert client.post("/api/auth/verify/resend").status_code == 202
    over = client.post("/api/auth/verify/resend")
    assert over.status_code == 429 and "验证邮件发送过于频繁" in over.json()["error"]
    assert len(mailbox.to("fang@example.cn")) == 4  # the sign-up's and three resends


def test_verify_through_the_api(client: TestClient, session: Session, mailbox: Mailbox) -> None:
    client.post("/api/auth/signup", json=SIGNUP | {"accept_terms": True})
    assert client.get("/api/auth/me").json()["email_verified_at"] is None
    token = mailbox.link("fang@example.cn", "/account/verify").rsplit("/", 1)[1]
    done = client.post("/api/auth/verify", json={"token": token})
    assert done.status_code == 200 and done.json()["email_verified_at"] is not None
    again = client.post("/api/auth/verify", json={"token": token})
    assert again.status_code == 410 and "已失效" in again.json()["error"]


def test_unverified_user_drafts_but_cannot_submit_on_the_pages(client: TestClient, session: Session) -> None:
    user = make_user(session, Role.enterprise, email_verified_at=None)
    session.commit()
    login(client, user)
    csrf = _csrf(client)

    refused = client.post("/needs/new", data=_need_form(csrf, "publish", title="未验证邮箱提交的需求"))
    assert refused.status_code == 422
    text = _text(refused)
    assert "您的邮箱尚未验证，暂不能提交审核" in text and "/account/verify" in text
    soup = BeautifulSoup(refused.text, "html.parser")
    assert soup.select_one("#f-title")["value"] == "未验证邮箱提交的需求"  # type: ignore[index]
    assert soup.select_one("a[href='/account/verify']") is not None
    assert session.exec(select(Need).where(Need.title == "未验证邮箱提交的需求")).first() is None

    saved = client.post(
        "/needs/new", data=_need_form(csrf, "draft", title="未验证邮箱的草稿"), follow_redirects=False
    )
    assert saved.status_code == 303
    draft = session.exec(select(Need).where(Need.title == "未验证邮箱的草稿")).one()
    assert draft.status == PostingStatus.draft

    edit = _need_form(csrf, "publish", title="草稿改了标题再提交")
    refused_edit = client.post(f"/needs/{draft.id}/edit", data=edit)
    assert refused_edit.status_code == 422 and "邮箱尚未验证" in _text(refused_edit)
    session.refresh(draft)
    assert (draft.title, draft.status) == (
        "未验证邮箱的草稿",
        PostingStatus.draft,
    )  # the edit was not written

    button = client.post(f"/needs/{draft.id}/publish", data={"csrf_token": csrf}, follow_redirects=False)
    assert button.status_code == 303
    session.refresh(draft)
    assert draft.status == PostingStatus.draft


def test_unverified_user_cannot_submit_through_the_api(client: TestClient, session: Session) -> None:
    researcher = make_user(session, Role.researcher, email_verified_at=None)
    session.commit()
    login(client, researcher)
    refused = client.post("/api/results?publish=true", json=result_data())
    assert refused.status_code == 422
    assert "邮箱尚未验证" in refused.json()["error"] and "/account/verify" in refused.json()["error"]
    draft = client.post("/api/results", json=result_data())
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    publish = client.post(f"/api/results/{draft.json()['id']}/publish")
    assert publish.status_code == 422 and "邮箱尚未验证" in publish.json()["error"]


def test_an_unverified_colleague_cannot_resubmit_a_listing_by_editing_it(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)
    colleague = make_user(
        session, Role.enterprise, organisation_id=owner.organisation_id, email_verified_at=None
    )
    session.commit()
    login(client, colleague)
    refused = client.patch(f"/api/needs/{need.id}", json={"title": "同事改过的标题"})
    assert refused.status_code == 422 and "邮箱尚未验证" in refused.json()["error"]
    session.refresh(need)
    assert need.title != "同事改过的标题" and need.status == PostingStatus.published


def test_operator_created_accounts_get_a_link_too(
    client: TestClient, session: Session, mailbox: Mailbox
) -> None:
    operator = make_user(session, Role.operator)
    session.commit()
    login(client, operator)
    body = SIGNUP | {"email": "colleague@example.cn", "organisation_name": "运营开通测试有限公司"}
    body.pop("accept_terms")
    assert client.post("/api/auth/users", json=body).status_code == 201
    assert mailbox.link("colleague@example.cn", "/account/verify")
    made = _user(session, "colleague@example.cn")
    assert made.email_verified_at is None and made.terms_version is None  # no consent was given by the person
