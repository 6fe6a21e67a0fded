"""/workspace: the organisation's postings with matches and new-match badges, pairings, incoming interest."""

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.postings import needs as needs
from backend.vocab import Role
from embeddings.engine import MatchEngine
from tests.backend.affinity import make_affinity_need, make_solver
from tests.factories import login, make_need, make_result, make_user

SECOND = {
    "title": "耐碱亲和层析填料规模化制备工艺",
    "summary": "以高交联琼脂糖微球为基质偶联突变型Protein A配基，形成单抗亲和层析填料的公斤级制备工艺，"
    "载量和耐碱性能与进口填料相当。",
    "keywords": ["亲和层析", "填料"],
    "field": "biomedicine",
}


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def test_operators_go_to_reviews_and_strangers_to_log_in(client: TestClient, session: Session) -> None:
    response = client.get("/workspace", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    login(client, make_user(session, Role.operator))
    response = client.get("/workspace", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/ops/reviews"


def test_enterprise_sees_all_its_needs_with_status_and_review_notes(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    operator = make_user(session, Role.operator)
    make_need(session, owner, title="已发布的需求")
    make_need(session, owner, publish=False, title="还是草稿的需求")
    returned = make_need(session, owner, publish=False, title="被退回的需求")
    needs.publish(session=session, need=returned, user=owner)
    needs.send_back(session=session, need=returned, operator=operator, note="请补充技术指标")
    make_need(session, make_user(session, Role.enterprise), title="别家的需求")
    login(client, owner)
    page = soup(client.get("/workspace"))
    rows = {r.select_one("h3").get_text(strip=True): r for r in page.select(".ws-posting")}
    assert set(rows) == {"已发布的需求", "还是草稿的需求", "被退回的需求"}
    assert rows["还是草稿的需求"].select_one(".tag-status").get_text() == "草稿"
    assert "请补充技术指标" in rows["被退回的需求"].get_text()
    assert page.title is not None and "我的工作台" in page.title.get_text()


def test_researcher_answers_incoming_interest_from_the_workspace(
    client: TestClient, session: Session
) -> None:
    enterprise, researcher = make_user(session, Role.enterprise), make_user(session, Role.researcher)
    need, result = make_need(session, enterprise), make_result(session, researcher)
    session.commit()
    login(client, enterprise)
    token = soup(client.get("/needs")).select_one("input[name=csrf_token]")["value"]
    client.post("/pairings/interest", data={"need_id": need.id, "result_id": result.id, "csrf_token": token})
    login(client, researcher)
    page = soup(client.get("/workspace"))
    incoming = page.select_one("[aria-labelledby=incoming-title]")
    assert incoming is not None and need.title in incoming.get_text()
    assert incoming.select_one("button").get_text(strip=True) == "我也有意向"
    groups = [h.get_text(" ", strip=True) for h in page.select("#pairings .group-head")]
    assert groups == ["意向 1 项"]
    login(client, enterprise)  # the asker waits: nothing to answer, the pairing listed under 意向
    page = soup(client.get("/workspace"))
    assert page.select_one("[aria-labelledby=incoming-title]") is None
    assert page.select_one("#pairings a")["href"].startswith("/pairings/")


@pytest.mark.slow
def test_matches_and_the_new_match_badge(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    enterprise, researcher = make_user(session, Role.enterprise), make_user(session, Role.researcher)
    need = make_affinity_need(session, enterprise)
    solver = make_solver(session, researcher)
    session.commit()
    login(client, enterprise)
    first = soup(client.get("/workspace")).select_one(".ws-posting")
    assert first.select_one(".ws-matches a")["href"] == f"/results/{solver.id}"
    assert first.select_one(".badge-new") is None  # nothing is new on a first visit
    second = make_result(session, researcher, **SECOND)
    session.commit()
    again = soup(client.get("/workspace")).select_one(".ws-posting")
    assert again.select_one(".badge-new").get_text(strip=True) == "1 个新匹配"
    assert [a["href"] for a in again.select(".ws-matches a")][:2].count(f"/results/{second.id}") == 1
    third = soup(client.get("/workspace")).select_one(".ws-posting")
    assert third.select_one(".badge-new") is None  # seen now
    # a researcher browses the needs that match each of its results, never a 保密 one
    secret = make_affinity_need(session, enterprise, confidentiality="secret", title="保密：填料国产化")
    session.commit()
    login(client, researcher)
    links = [a["href"] for a in soup(client.get("/workspace")).select(".ws-posting .ws-matches a")]
    assert f"/needs/{need.id}" in links and f"/needs/{secret.id}" not in links
