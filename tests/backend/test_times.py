"""Every time people read is Beijing time: one stored UTC instant, shown the same on every surface."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.follow import bookmarks
from backend.notifications.service import notify
from backend.pairings.models import Pairing, PairingEvent
from backend.timefmt import iso_time, show_date, show_time
from backend.transfer.exporter import posting_rows
from backend.vocab import Role
from tests.factories import login, make_need, make_result, make_user

# 17:05 UTC on 1 March is 01:05 on 2 March in Beijing: the day changes too.
STORED = datetime(2026, 3, 1, 17, 5, tzinfo=UTC)
UTC_TEXT, BEIJING_TEXT, BEIJING_DAY = "2026-03-01 17:05", "2026-03-02 01:05", "2026-03-02"


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def test_formatter_reads_naive_and_aware_times_as_the_same_instant() -> None:
    naive = STORED.replace(tzinfo=None)  # as SQLite hands stored times back
    new_york = STORED.astimezone(timezone(timedelta(hours=-5)))
    for moment in (naive, STORED, new_york):
        assert (show_time(moment), show_date(moment)) == (BEIJING_TEXT, BEIJING_DAY)
    assert iso_time(STORED) == "2026-03-02T01:05+08:00"
    assert show_time(None) == show_date(None) == iso_time(None) == ""


def _pairing(client: TestClient, session: Session) -> tuple[Any, Pairing]:
    enterprise, researcher = make_user(session, Role.enterprise), make_user(session, Role.researcher)
    need, result = make_need(session, enterprise), make_result(session, researcher)
    session.commit()
    login(client, enterprise)
    token = soup(client.get("/needs")).select_one("input[name=csrf_token]")
    assert token is not None
    form = {"need_id": need.id, "result_id": result.id, "back": "/workspace", "csrf_token": token["value"]}
    assert client.post("/pairings/interest", data=form, follow_redirects=False).status_code == 303
    pairing = session.exec(select(Pairing)).one()
    pairing.created_at = pairing.updated_at = STORED
    for event in session.exec(select(PairingEvent).where(PairingEvent.pairing_id == pairing.id)):
        event.created_at = STORED
    enterprise.workspace_seen_at = STORED
    need.published_at = need.created_at = STORED
    session.commit()
    return enterprise, pairing


def test_pairing_page_shows_beijing_time(client: TestClient, session: Session) -> None:
    _, pairing = _pairing(client, session)
    page = soup(client.get(f"/pairings/{pairing.id}"))
    meta = page.select_one(".detail-head .meta")
    assert (
        meta is not None and meta.get_text() == f"创建于 {BEIJING_TEXT} · 最近更新 {BEIJING_TEXT}（北京时间）"
    )
    stamp = page.select_one("time")
    assert stamp is not None
    assert (stamp.get_text(), stamp["datetime"]) == (BEIJING_TEXT, "2026-03-02T01:05+08:00")
    assert UTC_TEXT not in page.get_text()


def test_workspace_shows_beijing_time(client: TestClient, session: Session) -> None:
    _, pairing = _pairing(client, session)
    page = soup(client.get("/workspace"))
    assert f"上次访问：{BEIJING_TEXT}" in page.get_text()
    row = page.select_one(f'.ws-row a[href="/pairings/{pairing.id}"] + .meta')
    assert row is not None and BEIJING_DAY in row.get_text()
    assert UTC_TEXT not in page.get_text() and "2026-03-01" not in page.get_text()


def test_need_page_shows_the_beijing_publication_day(client: TestClient, session: Session) -> None:
    _, pairing = _pairing(client, session)
    assert f"发布于 {BEIJING_DAY}" in soup(client.get(f"/needs/{pairing.need_id}")).get_text()


def test_notification_time_and_export_are_beijing_time(client: TestClient, session: Session) -> None:
    user, pairing = _pairing(client, session)
    (note,) = notify(session=session, users=[user], kind="test", title="一条通知")
    note.created_at = STORED
    session.commit()
    stamp = soup(client.get("/notifications")).select_one(".note-time")
    assert stamp is not None and stamp["title"] == f"{BEIJING_TEXT}（北京时间）"
    header, rows = posting_rows(session=session, kind="needs")
    (row,) = [r for r in rows if r[header.index("编号")] == pairing.need_id]
    assert row[header.index("创建时间")] == BEIJING_TEXT


def test_bookmarks_show_the_beijing_day_they_were_saved(client: TestClient, session: Session) -> None:
    _, pairing = _pairing(client, session)
    researcher = make_user(session, Role.researcher)
    login(client, researcher)
    saved = bookmarks.add(session=session, user=researcher, side="need", posting_id=pairing.need_id)
    saved.created_at = STORED
    session.commit()
    listed = soup(client.get("/bookmarks")).select_one(".bookmark-list")
    assert listed is not None and f"收藏于 {BEIJING_DAY}" in listed.get_text()
