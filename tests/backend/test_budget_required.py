"""The budget (需求) and the price (成果) are marked required on the forms, as the validators require them."""

from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.vocab import Role
from tests.backend.test_need_pages import csrf, form_post
from tests.factories import login, make_user


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def group_of(page: BeautifulSoup, control: str) -> Tag:
    """The fieldset around a control, which must carry the required mark."""
    box = page.select_one(f"#f-{control}")
    assert box is not None
    group = box.find_parent("fieldset", class_="budget-group")
    assert isinstance(group, Tag), control
    return group


@pytest.mark.parametrize(
    ("path", "role", "legend", "controls"),
    [
        ("/needs/new", Role.enterprise, "预算", ("budget_min", "budget_max")),
        ("/results/new", Role.researcher, "报价", ("price",)),
    ],
)
def test_budget_group_is_marked_required_with_its_rule(
    client: TestClient, session: Session, path: str, role: Role, legend: str, controls: tuple[str, ...]
) -> None:
    login(client, make_user(session, role))
    page = soup(client.get(path))
    group = group_of(page, controls[0])
    mark = group.find("legend")
    assert isinstance(mark, Tag) and mark.get_text() == legend and "required" in (mark.get("class") or [])
    help_id = str(group["aria-describedby"])
    rule = page.select_one(f"#{help_id}")
    assert rule is not None and "必填" in rule.get_text() and "面议" in rule.get_text()
    for name in controls:
        assert group_of(page, name) is group
    negotiable = group.select_one("input[type=checkbox]")
    assert negotiable is not None and str(negotiable["name"]).endswith("_negotiable")


def test_need_without_budget_or_negotiable_is_refused_at_the_group(
    client: TestClient, session: Session
) -> None:
    session.commit()  # a refused request rolls the shared session back
    login(client, make_user(session, Role.enterprise))
    data = form_post(budget_min=None, budget_max=None)
    data = {k: v for k, v in data.items() if v is not None}
    response = client.post("/needs/new", data=data | {"csrf_token": csrf(client), "action": "publish"})
    assert response.status_code == 422
    error = group_of(soup(response), "budget_max").select_one("#budget_max-error")
    assert error is not None and "面议" in error.get_text()


def test_negotiable_need_without_amounts_is_accepted(client: TestClient, session: Session) -> None:
    login(client, make_user(session, Role.enterprise))
    data = {k: v for k, v in form_post(budget_min=None, budget_max=None).items() if v is not None}
    data |= {"budget_negotiable": "1", "csrf_token": csrf(client), "action": "publish"}
    response = client.post("/needs/new", data=data, follow_redirects=False)
    assert response.status_code == 303
