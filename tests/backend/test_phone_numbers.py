"""Phone numbers: a mainland mobile or a landline with its area code, wherever a phone is typed."""

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.postings.need_model import Need
from backend.validation import PHONE_HELP, clean_phone
from backend.vocab import Role
from tests.factories import login, make_need, make_result, make_user, need_data, result_data


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13871234567", "13871234567"),
        ("138 7123 4567", "13871234567"),
        ("+86 138-7123-4567", "13871234567"),
        ("１３８７１２３４５６７", "13871234567"),  # full-width digits from a Chinese IME
        ("027-87654321", "027-87654321"),
        ("02787654321", "027-87654321"),
        ("(027)87654321", "027-87654321"),
        ("010-62751234", "010-62751234"),
        ("0755-1234567", "0755-1234567"),
        ("0717 6395321", "0717-6395321"),
        ("0531-88391234-802", "0531-88391234-802"),
        ("", ""),
    ],
)
def test_valid_numbers_are_stored_in_one_form(typed: str, stored: str) -> None:
    assert clean_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "abc",
        "12345",
        "12871234567",
        "1387123456",
        "138712345678",
        "87654321",
        "027-0765432",
        "0755-12345",
        "电话",
    ],
)
def test_other_text_is_refused_with_the_rule(typed: str) -> None:
    with pytest.raises(ValueError, match="11 位手机号"):
        clean_phone(typed)


def test_sign_up_refuses_abc(client: TestClient) -> None:
    body = {
        "email": "phone@example.cn",
        "password": "Secret123",
        "name": "张三",
        "phone": "abc",
        "role": "enterprise",
        "organisation_name": "电话校验有限公司",
        "organisation_kind": "enterprise",
        "region": "湖北省",
        "accept_terms": True,
    }
    api = client.post("/api/auth/signup", json=body)
    assert api.status_code == 422
    assert api.json()["detail"] == [{"field": "phone", "label": "手机号", "message": PHONE_HELP}]
    page = client.post("/signup", data=body | {"password_confirm": "Secret123"})
    assert page.status_code == 422
    error = BeautifulSoup(page.text, "html.parser").select_one("#phone-error")
    assert error is not None and error.get_text(strip=True) == PHONE_HELP


def _csrf(client: TestClient) -> str:
    field = BeautifulSoup(client.get("/account/password").text, "html.parser").select_one(
        "input[name=csrf_token]"
    )
    assert field is not None
    return str(field["value"])


def test_a_need_contact_phone_is_checked_on_the_form_and_the_api(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    session.commit()
    login(client, owner)
    api = client.post("/api/needs", json=need_data(contact_phone="abc"))
    assert api.status_code == 422 and api.json()["detail"][0]["field"] == "contact_phone"
    form: dict[str, Any] = need_data(title="电话不对的需求", contact_phone="abc", keywords="发酵")
    form.pop("budget_negotiable")
    page = client.post("/needs/new", data=form | {"csrf_token": _csrf(client), "action": "draft"})
    assert page.status_code == 422
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("#contact_phone-error").get_text(strip=True) == PHONE_HELP  # type: ignore[union-attr]
    assert soup.select_one("#f-contact_phone")["value"] == "abc"  # type: ignore[index]
    assert session.exec(select(Need).where(Need.title == "电话不对的需求")).first() is None
    made = client.post("/api/needs", json=need_data(contact_phone="0755 1234567"))
    assert made.status_code == 201 and made.json()["contact_phone"] == "0755-1234567"


def test_a_result_contact_phone_is_checked_on_create_and_edit(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    result = make_result(session, owner)
    session.commit()
    login(client, owner)
    assert client.post("/api/results", json=result_data(contact_phone="phone")).status_code == 422
    edit = client.patch(f"/api/results/{result.id}", json={"contact_phone": "abc"})
    assert edit.status_code == 422 and edit.json()["detail"][0]["message"] == PHONE_HELP
    session.refresh(result)
    assert result.contact_phone == "027-87541234"


def test_a_need_edit_with_a_bad_phone_changes_nothing(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)
    session.commit()
    login(client, owner)
    edit = client.patch(f"/api/needs/{need.id}", json={"title": "新的标题文字", "contact_phone": "abc"})
    assert edit.status_code == 422
    session.refresh(need)
    assert need.title != "新的标题文字" and need.contact_phone == "13871234567"
