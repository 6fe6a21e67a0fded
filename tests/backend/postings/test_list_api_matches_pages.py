"""The JSON lists answer exactly as the list pages do: same query and filters, same ids, same order."""

import re

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.vocab import Role
from embeddings.engine import MatchEngine
from tests.factories import make_need, make_result, make_user

pytestmark = pytest.mark.slow

RESULTS = [
    (
        "碱稳定型重组蛋白A亲和层析介质",
        "定点突变获得耐碱的重组Protein A配基，偶联于琼脂糖微球，用于单克隆抗体的亲和捕获纯化。",
    ),
    (
        "抗体填料再生清洗服务",
        "提供层析柱与填料的在位清洗、再生与性能检测服务，覆盖多种规格，响应及时，适合抗体药企。",
    ),
    (
        "高比能钠离子电池正极材料",
        "层状氧化物正极材料，比容量 160 mAh/g，循环 2000 次容量保持率 85%，适用于储能电站。",
    ),
    (
        "退役动力电池梯次利用与回收",
        "退役锂离子动力电池的快速分选、健康评估与梯次利用，以及正极材料中锂钴镍的湿法回收。",
    ),
    (
        "工业窑炉余热回收节能系统",
        "陶瓷辊道窑烟气余热回收，换热后预热助燃空气，综合节能 15% 以上，投资回收期短。",
    ),
]
NEEDS = [
    ("抗体纯化成本太高", "单抗生产中亲和层析填料依赖进口，价格高，希望找到耐碱、载量高的国产亲和介质替代。"),
    (
        "退役电池怎么处理",
        "我们每年产生大量退役锂电池，希望找到安全的拆解回收和梯次利用技术，回收锂钴镍等金属。",
    ),
    ("陶瓷窑炉能耗高", "陶瓷厂辊道窑燃气消耗大，排烟温度高，希望回收余热、降低能耗，改造不能停产太久。"),
]


def _page_ids(client: TestClient, url: str) -> list[int]:
    soup = BeautifulSoup(client.get(url).text, "html.parser")
    links = [a["href"] for a in soup.select("article h3 a, .card h3 a")]
    return [int(m.group(1)) for href in links if (m := re.search(r"/(?:needs|results)/(\d+)$", str(href)))]


def _page_scores(client: TestClient, url: str) -> list[tuple[int, str]]:
    """(score, strength) of each scored card, in page order."""
    soup = BeautifulSoup(client.get(url).text, "html.parser")
    return [
        (int(p.select_one(".score-num").get_text()), p.select_one(".strength").get_text(strip=True))
        for p in soup.select("article .search-score")
        if p.select_one(".score-num")
    ]


def _api_scores(client: TestClient, url: str) -> list[tuple[int, str]]:
    ranking = client.get(url).json()["ranking"] or []
    return [(hit["score"], hit["strength"]) for hit in ranking]


def _api_ids(client: TestClient, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("results", "q=抗体亲和纯化介质"),
        ("results", "q=电池回收"),
        ("results", "q=窑炉节能&field=new_energy"),
        ("results", "q=填料&order=newest"),
        ("results", "field=biomedicine"),
        ("needs", "q=余热回收"),
        ("needs", "q=锂电池梯次利用"),
        ("needs", "q=亲和层析&order=updated"),
    ],
)
def test_api_and_page_give_the_same_ids_in_the_same_order(
    client: TestClient, session: Session, match_engine: MatchEngine, path: str, query: str
) -> None:
    researcher = make_user(session, Role.researcher)
    enterprise = make_user(session, Role.enterprise)
    for i, (title, summary) in enumerate(RESULTS):
        make_result(
            session, researcher, title=title, summary=summary, field="new_energy" if i > 1 else "biomedicine"
        )
    for title, problem in NEEDS:
        make_need(session, enterprise, title=title, problem=problem)
    session.commit()
    page = _page_ids(client, f"/{path}?{query}")
    api = _api_ids(client, f"/api/{path}?{query}")
    assert page, "the query should find something on the page"
    assert api == page
    # The same score and strength words for each posting, page and API alike.
    assert _api_scores(client, f"/api/{path}?{query}") == _page_scores(client, f"/{path}?{query}")
    if "q=" in query and "order=" not in query:
        assert _page_scores(client, f"/{path}?{query}"), "a ranked query shows each hit's score"


def test_api_ranks_a_text_query_by_relevance(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    researcher = make_user(session, Role.researcher)
    made = [make_result(session, researcher, title=t, summary=s) for t, s in RESULTS]
    session.commit()
    battery = next(r for r in made if r.title.startswith("退役"))
    # Newest-first would put the kiln result (made last) first; relevance puts the battery first.
    assert _api_ids(client, "/api/results?q=退役锂电池回收")[0] == battery.id
    assert _api_ids(client, "/api/results?q=退役锂电池回收&order=relevance")[0] == battery.id
