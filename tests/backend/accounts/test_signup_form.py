"""The sign-up and password forms: 确认密码, consent recorded, every field error shown at once."""

from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session, func, select

from backend.accounts.models import Organisation, User
from backend.accounts.terms import TERMS_VERSION
from backend.db import utcnow
from backend.vocab import Role
from tests.factories import PASSWORD, login, make_org, make_user


def _form(**overrides: Any) -> dict[str, Any]:
    return {
        "role": "enterprise",
        "name": "王芳",
        "email": "fang@example.cn",
        "phone": "027-87654321",
        "password": "Secret123",
        "password_confirm": "Secret123",
        "organisation_name": "武汉表单测试有限公司",
        "organisation_kind": "enterprise",
        "region": "湖北省",
        "accept_terms": "1",
    } | overrides


def _errors(response: Response) -> dict[str, str]:
    """Field → the message shown beside it."""
    soup = BeautifulSoup(response.text, "html.parser")
    return {str(p["id"]).removesuffix("-error"): p.get_text(strip=True) for p in soup.select(".field-error")}


def _value(response: Response, name: str) -> str:
    field = BeautifulSoup(response.text, "html.parser").select_one(f"#f-{name}")
    assert field is not None
    return str(field.get("value", ""))


def _users(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(User)).one())


def test_consent_is_recorded_with_the_terms_version(client: TestClient, session: Session) -> None:
    before = utcnow()
    assert client.post("/signup", data=_form(), follow_redirects=False).status_code == 303
    user = session.exec(select(User).where(User.email == "fang@example.cn")).one()
    assert user.terms_version == TERMS_VERSION
    assert user.terms_accepted_at is not None and user.terms_accepted_at >= before
    assert user.phone == "027-87654321"


def test_signup_page_links_the_terms_and_requires_consent(client: TestClient, session: Session) -> None:
    soup = BeautifulSoup(client.get("/signup").text, "html.parser")
    box = soup.select_one("input[name=accept_terms]")
    assert box is not None and box.has_attr("required")
    assert {a["href"] for a in soup.select("form a")} >= {"/terms", "/privacy"}

    form = _form()
    form.pop("accept_terms")
    refused = client.post("/signup", data=form)
    assert refused.status_code == 422
    assert _errors(refused) == {"accept_terms": "请阅读并同意《用户协议》和《隐私政策》"}
    assert client.post("/api/auth/signup", json=form).status_code == 422
    assert session.exec(select(User).where(User.email == "fang@example.cn")).first() is None


def test_every_field_error_is_shown_at_once_and_what_was_typed_is_kept(
    client: TestClient, session: Session
) -> None:
    make_user(session, email="taken@example.cn")
    make_org(session, name="已注册的单位有限公司")
    session.commit()
    before = _users(session)
    form = _form(
        email="taken@example.cn",
        name="",
        phone="abc",
        password="weak",
        password_confirm="weaker",
        organisation_name="已注册的单位有限公司",
        region="火星",
    )
    form.pop("accept_terms")
    page = client.post("/signup", data=form)
    assert page.status_code == 422
    assert _errors(page) == {
        "name": "此项为必填项",
        "phone": "请填写 11 位手机号（如 13871234567）或带区号的固定电话（如 027-87654321）",
        "password": "密码至少 8 位",
        "region": "请选择省级行政区，如“湖北省”",
        "password_confirm": "两次输入的密码不一致",
        "accept_terms": "请阅读并同意《用户协议》和《隐私政策》",
        "email": "该邮箱已注册",
        "organisation_name": "该单位已在平台注册，请联系平台运营为您开通账号",
    }
    summary = BeautifulSoup(page.text, "html.parser").select(".form-errors li")
    assert len(summary) == 8
    assert _value(page, "email") == "taken@example.cn" and _value(page, "phone") == "abc"
    assert _value(page, "organisation_name") == "已注册的单位有限公司"
    assert _value(page, "password") == "" and _value(page, "password_confirm") == ""
    assert _users(session) == before
    assert session.exec(select(Organisation).where(Organisation.name == "已注册的单位有限公司")).one()


def test_a_mismatched_confirmation_alone(client: TestClient, session: Session) -> None:
    page = client.post("/signup", data=_form(password_confirm="Secret124"))
    assert page.status_code == 422 and _errors(page) == {"password_confirm": "两次输入的密码不一致"}
    api = client.post("/api/auth/signup", json=_form(password_confirm="Secret124", accept_terms=True))
    assert api.status_code == 422
    assert api.json()["detail"] == [
        {"field": "password_confirm", "label": "确认密码", "message": "两次输入的密码不一致"}
    ]
    assert session.exec(select(User).where(User.email == "fang@example.cn")).first() is None


def test_role_and_organisation_kind_are_checked_with_the_other_fields(client: TestClient) -> None:
    page = client.post("/signup", data=_form(role="researcher", phone="123"))
    assert page.status_code == 422
    assert set(_errors(page)) == {"organisation_kind", "phone"}


def test_operator_form_confirms_the_password_too(client: TestClient, session: Session) -> None:
    operator = make_user(session, Role.operator)
    session.commit()
    login(client, operator)
    soup = BeautifulSoup(client.get("/ops/users/new").text, "html.parser")
    csrf = soup.select_one("input[name=csrf_token]")["value"]  # type: ignore[index]
    assert soup.select_one("#f-password_confirm") is not None
    assert soup.select_one("input[name=accept_terms]") is None  # an operator cannot consent for someone else
    form = _form(
        role="operator", organisation_kind="platform", organisation_name="运营中心", password_confirm="x"
    )
    form.pop("accept_terms")
    page = client.post("/ops/users/new", data=form | {"csrf_token": csrf})
    assert page.status_code == 422 and _errors(page) == {"password_confirm": "两次输入的密码不一致"}


def _password_page(client: TestClient) -> str:
    field = BeautifulSoup(client.get("/account/password").text, "html.parser").select_one(
        "input[name=csrf_token]"
    )
    assert field is not None
    return str(field["value"])


def test_password_change_shows_every_problem_at_once(client: TestClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    login(client, user)
    csrf = _password_page(client)
    form = {
        "csrf_token": csrf,
        "current_password": "Wrong-pass1",
        "new_password": "weak",
        "new_password_confirm": "w",
    }
    page = client.post("/account/password", data=form)
    assert page.status_code == 422
    assert _errors(page) == {
        "new_password": "密码至少 8 位",
        "current_password": "当前密码不正确",
        "new_password_confirm": "两次输入的密码不一致",
    }
    same = {
        "csrf_token": csrf,
        "current_password": PASSWORD,
        "new_password": PASSWORD,
        "new_password_confirm": "",
    }
    page = client.post("/account/password", data=same)
    assert _errors(page) == {
        "new_password": "新密码不能与当前密码相同",
        "new_password_confirm": "两次输入的密码不一致",
    }
    assert client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}).status_code == 200


def test_password_change_api_compares_a_confirmation_when_sent(client: TestClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    login(client, user)
    body = {"current_password": PASSWORD, "new_password": "NewPass456", "new_password_confirm": "NewPass457"}
    refused = client.post("/api/auth/password", json=body)
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "new_password_confirm"
    assert (
        client.post("/api/auth/password", json=body | {"new_password_confirm": "NewPass456"}).status_code
        == 204
    )
