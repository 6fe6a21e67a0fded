"""The home page (科创大厅): counts, field entries, newest cards, search box."""

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.vocab import Role
from tests.factories import make_need, make_result, make_user


def test_home_shows_listed_counts_and_newest_cards(client: TestClient, session: Session) -> None:
    enterprise = make_user(session, Role.enterprise)
    researcher = make_user(session, Role.researcher)
    for i in range(7):
        make_need(session, enterprise, title=f"公开需求{i}", field="new_energy")
    make_need(session, enterprise, title="保密需求", confidentiality="secret")
    make_need(session, enterprise, title="草稿需求", publish=False)
    make_need(session, enterprise, title="脱敏需求", confidentiality="desensitized")
    for i in range(3):
        make_result(session, researcher, title=f"成果{i}", trl=4)
    make_result(session, researcher, title="草稿成果", publish=False)

    page = BeautifulSoup(client.get("/").text, "html.parser")
    assert page.title is not None and "科创大厅" in page.title.get_text()
    assert page.select_one("#need-count").get_text() == "8"  # 7 public + 1 脱敏; not secret, not draft
    assert page.select_one("#result-count").get_text() == "3"

    need_cards = page.select("section[aria-labelledby=newest-needs] .posting-card")
    assert len(need_cards) == 6
    card_titles = [c.select_one("h3").get_text(strip=True) for c in need_cards]
    assert "保密需求" not in card_titles and "草稿需求" not in card_titles
    assert card_titles[0] == "脱敏需求"  # newest first
    assert "企业信息已脱敏" in need_cards[0].get_text()
    assert "TRL 6 · 中试 / 系统样机" in need_cards[1].get_text()
    assert "50–100 万元" in need_cards[1].get_text()

    result_cards = page.select("section[aria-labelledby=newest-results] .posting-card")
    assert [c.select_one("h3").get_text(strip=True) for c in result_cards] == ["成果2", "成果1", "成果0"]
    assert "TRL 4 · 原理样机" in result_cards[0].get_text()

    entries = page.select(".field-entry")
    assert len(entries) == 9
    energy = next(e for e in entries if "新能源与节能" in e.get_text())
    link = energy.select_one("a[href='/needs?field=new_energy']")
    assert link is not None and link.strong is not None and link.strong.get_text() == "7"


def test_search_box_sends_words_to_the_chosen_list(client: TestClient) -> None:
    response = client.get("/search", params={"q": " 发酵 染菌 ", "side": "needs"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/needs?q=%E5%8F%91%E9%85%B5+%E6%9F%93%E8%8F%8C"
    response = client.get("/search", params={"q": "隔膜"}, follow_redirects=False)
    assert response.headers["location"].startswith("/results?q=")
