"""A text query in the lists is ranked by the engine (semantic + keyword), not only word matches."""

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.vocab import Role
from embeddings.engine import MatchEngine
from tests.factories import make_result, make_user

pytestmark = pytest.mark.slow

SOLVER = {
    "title": "碱稳定型重组蛋白A配基及高载量亲和层析介质",
    "summary": "通过定点突变获得耐碱的重组Protein A配基，偶联于高交联琼脂糖微球，动态载量达 60 mg/mL，"
    "可用于单克隆抗体的亲和捕获。",
    "keywords": ["Protein A", "亲和层析"],
}
OTHER = {
    "title": "高比能钠离子电池正极材料",
    "summary": "层状氧化物正极材料，比容量 160 mAh/g，循环 2000 次容量保持率 85%，适用于储能电站。",
    "field": "new_energy",
    "keywords": ["钠离子电池"],
}
LITERAL = {
    "title": "抗体填料再生清洗服务",
    "summary": "提供层析柱与填料的在位清洗、再生与性能检测服务，覆盖多种规格，响应及时。",
    "keywords": ["填料", "清洗"],
}


def _titles(client: TestClient, url: str) -> list[str]:
    soup = BeautifulSoup(client.get(url).text, "html.parser")
    return [a.get_text(strip=True) for a in soup.select("article h3 a, .card h3 a")]


def _strength_labels(client: TestClient, url: str) -> list[str]:
    soup = BeautifulSoup(client.get(url).text, "html.parser")
    return [tag.get_text(strip=True) for tag in soup.select("article .search-score .strength")]


def test_text_search_ranks_by_meaning_and_keeps_keyword_hits(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    researcher = make_user(session, Role.researcher)
    for data in (SOLVER, OTHER, LITERAL):
        make_result(session, researcher, **data)
    session.commit()
    # No result contains this phrase literally: the word-by-word filter alone finds nothing.
    assert _titles(client, "/results?q=抗体亲和纯化介质国产替代&order=newest") == []
    titles = _titles(client, "/results?q=抗体亲和纯化介质国产替代")
    assert titles[0] == SOLVER["title"]
    # A threshold never empties the list: the weaker results are listed below it, each labelled.
    labels = _strength_labels(client, "/results?q=抗体亲和纯化介质国产替代")
    assert len(labels) == len(titles) == 3
    assert labels[titles.index(OTHER["title"])] in ("弱相关", "不相关")
    assert "相关度" in client.get("/results?q=抗体亲和纯化介质国产替代").text
    # Both relevant results above the unrelated one (the two are a close call for the int8 encoder).
    ranked = _titles(client, "/results?q=耐碱的抗体捕获填料")
    assert set(ranked[:2]) == {SOLVER["title"], LITERAL["title"]} and ranked[2:] == [OTHER["title"]]
    # A literal keyword hit is always listed, even when the engine ranks it low.
    assert LITERAL["title"] in _titles(client, "/results?q=填料")
    # Another order can still be chosen for the same query.
    assert client.get("/results?q=填料&order=newest").status_code == 200


def test_without_the_engine_the_word_filter_still_works(client: TestClient, session: Session) -> None:
    researcher = make_user(session, Role.researcher)
    for data in (SOLVER, LITERAL):
        make_result(session, researcher, **data)
    session.commit()
    assert _titles(client, "/results?q=填料") == [LITERAL["title"]]
