"""What every page carries: the header (also on error pages), the menu button, the favicon."""

from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.vocab import Role
from tests.factories import login, make_user


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def test_unknown_address_keeps_the_signed_in_header(client: TestClient, session: Session) -> None:
    user = make_user(session, Role.operator, name="运营小王")
    session.commit()
    login(client, user)
    for path in ("/no-such-page", "/needs/999999999", "/static/nope.css"):
        response = client.get(path)
        assert response.status_code == 404, path
        page = soup(response)
        assert page.select_one(".error-code") is not None, path
        who = page.select_one("nav.site-nav .nav-user")
        assert who is not None and "运营小王" in who.get_text(), path
        assert page.select_one('nav.site-nav a[href="/ops/dashboard"]') is not None, path
        assert page.select_one('nav.site-nav a[href="/login"]') is None, path


def test_unknown_address_while_anonymous_offers_sign_in(client: TestClient) -> None:
    page = soup(client.get("/no-such-page"))
    assert page.select_one('nav.site-nav a[href="/login"]') is not None
    assert page.select_one("nav.site-nav .nav-user") is None


def test_stale_session_cookie_on_unknown_address_is_anonymous(client: TestClient) -> None:
    client.cookies.set("kematch_session", "not-a-live-session")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert soup(response).select_one('nav.site-nav a[href="/login"]') is not None


def test_api_404_stays_json(client: TestClient, session: Session) -> None:
    login(client, make_user(session))
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404 and response.json()["error"]


def test_pages_link_the_svg_favicon_and_favicon_ico_answers(client: TestClient) -> None:
    icon = soup(client.get("/")).select_one('link[rel="icon"]')
    assert icon is not None and icon["type"] == "image/svg+xml"
    svg = client.get(str(icon["href"]))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200 and ico.headers["content-type"] == "image/x-icon"
    assert ico.content[:4] == b"\x00\x00\x01\x00"  # an ICO header, not a page
