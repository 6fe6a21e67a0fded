"""One score per pair: every surface that shows a need × result score shows the same number.

The need page, the result page (the other side asking), both match APIs, the workspace, the
pairing's snapshot, the operator's queue: each is compared with `engine.score_pair` as shown
(`display_score`). After an edit the snapshot keeps its number and the change is shown.
"""

import re
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.vocab import Role
from embeddings.engine import MatchEngine
from embeddings.strength import display_score
from tests.factories import login, make_need, make_result, make_user

pytestmark = pytest.mark.slow

NEEDS = [
    ("抗体纯化成本太高", "单抗生产中亲和层析填料依赖进口，价格高，希望找到耐碱、载量高的国产亲和介质替代。"),
    ("退役电池怎么处理", "每年产生大量退役锂电池，希望找到安全的拆解回收和梯次利用技术，回收锂钴镍等金属。"),
    ("陶瓷窑炉能耗高", "陶瓷厂辊道窑燃气消耗大，排烟温度高，希望回收余热、降低能耗，改造不能停产太久。"),
]
RESULTS = [
    (
        "碱稳定型重组蛋白A亲和层析介质",
        "定点突变获得耐碱的重组Protein A配基，偶联于琼脂糖微球，用于单抗亲和捕获。",
    ),
    (
        "退役动力电池梯次利用与回收",
        "退役锂离子动力电池的快速分选、健康评估与梯次利用，正极材料中锂钴镍湿法回收。",
    ),
    (
        "工业窑炉余热回收节能系统",
        "陶瓷辊道窑烟气余热回收，换热后预热助燃空气，综合节能 15% 以上，投资回收期短。",
    ),
    (
        "高比能钠离子电池正极材料",
        "层状氧化物正极材料，比容量 160 mAh/g，循环 2000 次容量保持率 85%，用于储能电站。",
    ),
]


def _soup(client: TestClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.text, "html.parser")


def _num(tag: Any) -> int:
    assert tag is not None
    return int(re.sub(r"\D", "", tag.get_text()))


def _cards(client: TestClient, url: str, side: str) -> dict[int, int]:
    """{posting id: shown score} of the match cards on a detail page."""
    page = _soup(client, url)
    return {
        int(card["id"].rsplit("-", 1)[1]): _num(card.select_one(".match-score strong"))
        for card in page.select(f"li.match-card[id^=match-{side}-]")
    }


@pytest.fixture
def world(session: Session, match_engine: MatchEngine) -> dict[str, Any]:
    enterprise = make_user(session, Role.enterprise)
    researcher = make_user(session, Role.researcher)
    operator = make_user(session, Role.operator)
    needs = [make_need(session, enterprise, title=t, problem=p) for t, p in NEEDS]
    results = [make_result(session, researcher, title=t, summary=s) for t, s in RESULTS]
    session.commit()
    return {
        "enterprise": enterprise,
        "researcher": researcher,
        "operator": operator,
        "needs": needs,
        "results": results,
    }


def test_every_surface_shows_the_pair_score_of_the_engine(
    client: TestClient, match_engine: MatchEngine, world: dict[str, Any]
) -> None:
    needs, results = world["needs"], world["results"]
    expected = {
        (n.id, r.id): display_score(match_engine.score_pair(need=n.id, result=r.id).score)
        for n in needs
        for r in results
    }
    seen: dict[str, int] = {}

    login(client, world["enterprise"])
    for n in needs:
        cards = _cards(client, f"/needs/{n.id}", "result")
        api = {
            m["result"]["id"]: display_score(m["score"])
            for m in client.get(f"/api/needs/{n.id}/matches").json()
        }
        assert cards == {r: expected[(n.id, r)] for r in cards} and api == {
            r: expected[(n.id, r)] for r in api
        }
        seen["need page"] = seen.get("need page", 0) + len(cards)
    workspace = _soup(client, "/workspace")
    for li in workspace.select(".ws-matches li"):
        result_id = int(li.select_one("a")["href"].rsplit("/", 1)[1])
        need_id = int(li.find_parent("li", class_="ws-posting").select_one("h3 a")["href"].rsplit("/", 1)[1])
        assert _num(li.select_one(".mini-score")) == expected[(need_id, result_id)]
        seen["workspace"] = seen.get("workspace", 0) + 1

    login(client, world["researcher"])  # the other side asks: the same numbers
    for r in results:
        cards = _cards(client, f"/results/{r.id}", "need")
        api = {
            m["need"]["id"]: display_score(m["score"])
            for m in client.get(f"/api/results/{r.id}/matches").json()
        }
        assert cards == {n: expected[(n, r.id)] for n in cards} and api == {
            n: expected[(n, r.id)] for n in api
        }
        seen["result page"] = seen.get("result page", 0) + len(cards)
    assert all(seen.get(s, 0) >= 3 for s in ("need page", "result page", "workspace")), seen

    # The interest's snapshot takes the score shown on the card, and every later view shows it.
    need, result = needs[2], results[2]
    card_score = _cards(client, f"/results/{result.id}", "need")[need.id]
    created = client.post(
        "/api/pairings/interest", json={"need_id": need.id, "result_id": result.id, "message": ""}
    )
    assert created.status_code == 200, created.text
    pairing_id = created.json()["id"]
    detail = _soup(client, f"/pairings/{pairing_id}")
    assert _num(detail.select_one(".snap-score .score-num")) == card_score == expected[(need.id, result.id)]
    assert detail.select_one(".score-change") is None  # live score equals the snapshot
    ws_pair = _soup(client, "/workspace").select_one(f"a[href='/pairings/{pairing_id}']").find_parent()
    assert _num(ws_pair.select_one(".score-num")) == card_score

    login(client, world["operator"])
    queue = _soup(client, "/ops/pairings")
    assert _num(queue.select_one(f"#pairing-{pairing_id} .ops-score .score-num")) == card_score

    # An edit changes the live score; the snapshot keeps its number and the change is spelled out.
    edited = client.patch(
        f"/api/needs/{need.id}", json={"problem": "陶瓷厂希望引进数字化排产软件，优化订单交期。"}
    )
    assert edited.status_code == 200, edited.text
    now = display_score(match_engine.score_pair(need=need.id, result=result.id).score)
    assert now != card_score
    change = _soup(client, f"/pairings/{pairing_id}").select_one(".score-change")
    assert change is not None and f"发起时 {card_score} → 现在 {now}" in change.get_text()
