"""A text query in the lists is ranked by the engine (semantic + keyword), not only word matches."""

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.vocab import Role
from embeddings.engine import MatchEngine
from tests.factories import login, make_result, make_user

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


def test_a_query_with_no_good_match_says_so_and_offers_ways_on(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    researcher = make_user(session, Role.researcher)
    for data in (SOLVER, OTHER, LITERAL):
        make_result(session, researcher, **data)
    session.commit()
    page = BeautifulSoup(client.get("/results?q=奶牛乳房炎快速检测").text, "html.parser")
    notice = page.select_one(".weak-notice")
    assert notice is not None and "没有找到与“奶牛乳房炎快速检测”匹配度较高的科技成果" in notice.get_text()
    links = {a.get_text(strip=True): a["href"] for a in notice.select("a")}
    assert any("field=" in href and "q=" not in href for href in links.values())  # nearest fields
    assert "亲和层析" in links or "钠离子电池" in links or "填料" in links  # related searches
    assert links["发布技术需求"] == "/needs/new"
    assert len(page.select("article .search-score .strength")) == 3  # still listed, each labelled
    # A phrase with a good match: no notice, and the card's excerpt marks the shared words.
    page = BeautifulSoup(client.get("/results?q=耐碱重组蛋白A亲和层析介质").text, "html.parser")
    assert page.select_one(".weak-notice") is None
    first = page.select_one("article")
    assert first is not None and first.select_one("h3").get_text(strip=True) == SOLVER["title"]
    assert "耐碱" in [m.get_text() for m in first.select(".excerpt mark")]
    assert "亲和层析介质" in [m.get_text() for m in first.select("h3 mark")]


def test_list_totals_say_what_they_count(client: TestClient, session: Session) -> None:
    researcher = make_user(session, Role.researcher)
    make_result(session, researcher, **SOLVER)
    session.commit()
    assert (
        "（公开挂牌）"
        in BeautifulSoup(client.get("/results").text, "html.parser").select_one("#list-count").text
    )
    login(client, make_user(session, Role.operator))
    count = BeautifulSoup(client.get("/needs").text, "html.parser").select_one("#list-count").text
    assert "全部状态，含保密与待审核" in count
