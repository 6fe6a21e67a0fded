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


def test_signed_in_header_folds_its_links_behind_a_menu_button(client: TestClient, session: Session) -> None:
    login(client, make_user(session, Role.operator))
    page = soup(client.get("/ops/reviews"))
    nav = page.select_one("nav.site-nav")
    assert nav is not None
    toggle = nav.select_one("button.nav-toggle")
    assert toggle is not None and toggle.get_text(strip=True) == "菜单"
    assert (toggle["type"], toggle["aria-expanded"], toggle["aria-controls"]) == (
        "button",
        "false",
        "nav-menu",
    )
    menu = page.select_one(f"#{toggle['aria-controls']}")
    assert menu is not None and menu.parent is nav
    assert toggle.find_next_sibling() is menu  # the CSS opens the menu right after an expanded button
    links = [a.get_text(strip=True) for a in menu.select("a")]
    wanted = ["技术需求", "科技成果", "发布审核", "对接审核", "数据看板", "导入导出", "开通账号", "修改密码"]
    assert [name for name in links if name in wanted] == wanted  # all inside, in order (others may join)
    assert menu.select_one(".nav-user") is not None and menu.select_one("form[action='/logout']") is not None
    bell = nav.select_one("a.bell")
    assert bell is not None and bell.find_parent(id="nav-menu") is None  # the bell stays in sight


def test_anonymous_header_is_short_and_has_no_menu_button(client: TestClient) -> None:
    page = soup(client.get("/"))
    assert page.select_one("button.nav-toggle") is None
    links = [a.get_text(strip=True) for a in page.select("#nav-menu a")]
    assert links[:2] == ["技术需求", "科技成果"] and links[-2:] == ["登录", "免费注册"]
    assert len(links) <= 6  # short enough to stay unfolded on a phone


def test_menu_works_by_script_file_only_and_unfolds_without_scripts(client: TestClient) -> None:
    page = soup(client.get("/"))
    scripts = page.select("script")
    assert scripts and all(
        s.get("src") and not s.get_text(strip=True) for s in scripts
    )  # CSP: script-src 'self'
    fallback = page.select_one("noscript link[rel=stylesheet]")
    assert fallback is not None
    css = client.get(str(fallback["href"]))
    assert css.status_code == 200 and ".nav-toggle" in css.text
    js = client.get(str(scripts[0]["src"])).text
    assert "data-nav-toggle" in js and "aria-expanded" in js
