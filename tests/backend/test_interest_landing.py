"""After 表达对接意向 the answer is where the user is: the redirect lands on the pair's box, which shows it."""

from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.pairings import service as pairings
from tests.backend.test_interest import interest, world
from tests.factories import login


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def suggested(session: Session, w: dict[str, Any]) -> int:
    """An operator's suggestion, so the pairing page offers the interest box (matching is off here)."""
    pairing = pairings.propose(
        session=session, need=w["need"], result=w["result"], by=w["operator"], score=70.0, explanation={}
    )
    session.commit()
    assert pairing.id is not None
    return pairing.id


def test_interest_lands_on_the_box_with_the_confirmation_in_it(client: TestClient, session: Session) -> None:
    w = world(session)
    pairing_id = suggested(session, w)
    box = f"pair-{w['need'].id}-{w['result'].id}"
    login(client, w["enterprise"])
    page_url = f"/pairings/{pairing_id}"
    assert soup(client.get(page_url)).select_one(f"#{box} .interest summary") is not None
    response = interest(client, w, back=page_url)
    assert response.status_code == 303 and response.headers["location"] == f"{page_url}#{box}"
    landed = soup(client.get(response.headers["location"]))
    shown = landed.select_one(f"#{box} .pair-flash")
    assert shown is not None and shown.get_text() == "已表达对接意向，对方和平台运营会收到通知"
    assert "flash-success" in (shown.get("class") or [])
    assert len(landed.select(".flash")) == 1  # said once, where the user is
    assert "意向已发送" in landed.select_one(f"#{box}").get_text()  # type: ignore[union-attr]
    again = soup(client.get(page_url))  # a one-time message: gone on the next visit
    assert again.select_one(".pair-flash") is None and again.select_one(".flash") is None


def test_a_refusal_is_shown_at_the_top_of_the_page(client: TestClient, session: Session) -> None:
    # The box it came from may be gone by then (another step was taken), so it is not relied on.
    w = world(session)
    pairing_id = suggested(session, w)
    page_url = f"/pairings/{pairing_id}"
    login(client, w["enterprise"])
    interest(client, w, back=page_url)
    again = interest(client, w, back=page_url)
    assert again.headers["location"] == page_url
    page = soup(client.get(page_url))
    shown = page.select("main > .flash")
    assert len(shown) == 1 and "flash-error" in shown[0]["class"] and "等待对方回应" in shown[0].get_text()
    assert page.select_one(".pair-flash") is None
