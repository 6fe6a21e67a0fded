"""Notifications: the page behind the bell, the JSON API, and email by SMTP or into the outbox."""

import email
import email.policy
import json
import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.config import get_settings
from backend.db import utcnow
from backend.notifications import mailer
from backend.notifications.models import Notification
from backend.notifications.pages import ago
from backend.notifications.service import notify
from backend.vocab import Role
from tests.factories import login, make_user


def _csrf(client: TestClient) -> str:
    html = client.get("/notifications").text
    token = BeautifulSoup(html, "html.parser").select_one("input[name=csrf_token]")
    assert token is not None
    return str(token["value"])


def _bell(html: str) -> str | None:
    count = BeautifulSoup(html, "html.parser").select_one(".bell .bell-count")
    return count.get_text(strip=True) if count else None


def _notes(session: Session, user: User, *titles: str) -> list[Notification]:
    out = []
    for title in titles:
        out.extend(notify(session=session, users=[user], kind="test", title=title, link="/needs"))
    return out


def test_list_shows_only_own_notifications_newest_first(client: TestClient, session: Session) -> None:
    me, other = make_user(session), make_user(session, Role.researcher)
    _notes(session, me, "第一条：需求已通过审核", "第二条：有新的对接意向")
    _notes(session, other, "别人的通知")
    login(client, me)
    soup = BeautifulSoup(client.get("/notifications").text, "html.parser")
    titles = [t.get_text(strip=True) for t in soup.select(".note-title")]
    assert titles == ["第二条：有新的对接意向", "第一条：需求已通过审核"]
    assert len(soup.select(".note-unread")) == 2
    assert soup.select_one(".note-time").get_text(strip=True) == "刚刚"
    assert "别人的通知" not in soup.get_text()


def test_page_needs_sign_in(client: TestClient) -> None:
    response = client.get("/notifications", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_reading_one_follows_its_link_and_lowers_the_bell(client: TestClient, session: Session) -> None:
    me = make_user(session)
    first, _second = _notes(session, me, "对接已批准", "需求被退回")
    first.link = "/needs?field=biomedicine"
    session.flush()
    login(client, me)
    token = _csrf(client)
    assert _bell(client.get("/notifications").text) == "2"
    response = client.post(
        f"/notifications/{first.id}/read", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/needs?field=biomedicine"
    html = client.get("/notifications").text
    assert _bell(html) == "1"
    soup = BeautifulSoup(html, "html.parser")
    assert [n.select_one(".note-title").get_text(strip=True) for n in soup.select(".note-unread")] == [
        "需求被退回"
    ]


def test_mark_all_read_clears_the_bell(client: TestClient, session: Session) -> None:
    me = make_user(session)
    _notes(session, me, "一", "二", "三")
    login(client, me)
    token = _csrf(client)
    response = client.post("/notifications/read-all", data={"csrf_token": token})
    assert response.status_code == 200
    assert _bell(response.text) is None
    assert "全部标为已读" not in response.text
    assert (
        session.exec(
            select(Notification).where(Notification.user_id == me.id, col(Notification.read_at).is_(None))
        ).all()
        == []
    )


def test_mark_read_needs_the_csrf_token(client: TestClient, session: Session) -> None:
    me = make_user(session)
    (note,) = _notes(session, me, "一")
    login(client, me)
    assert client.post(f"/notifications/{note.id}/read", data={}).status_code == 403
    assert client.post("/notifications/read-all", data={"csrf_token": "wrong"}).status_code == 403
    assert _bell(client.get("/notifications").text) == "1"


def test_someone_elses_notification_is_not_found(client: TestClient, session: Session) -> None:
    me, other = make_user(session), make_user(session)
    (theirs,) = _notes(session, other, "别人的")
    login(client, me)
    token = _csrf(client)
    assert client.post(f"/notifications/{theirs.id}/read", data={"csrf_token": token}).status_code == 404
    assert client.post("/api/notifications/read", json={"id": theirs.id}).status_code == 404
    session.refresh(theirs)
    assert theirs.read_at is None


def test_off_site_link_is_not_followed(client: TestClient, session: Session) -> None:
    me = make_user(session)
    (note,) = _notes(session, me, "钓鱼")
    note.link = "//evil.example/x"
    session.flush()
    login(client, me)
    response = client.post(
        f"/notifications/{note.id}/read", data={"csrf_token": _csrf(client)}, follow_redirects=False
    )
    assert response.headers["location"] == "/notifications"


def test_json_api_lists_and_marks_read(client: TestClient, session: Session) -> None:
    me, other = make_user(session), make_user(session)
    first, _ = _notes(session, me, "甲", "乙")
    _notes(session, other, "丙")
    login(client, me)
    body = client.get("/api/notifications").json()
    assert body["unread"] == 2
    assert [i["title"] for i in body["items"]] == ["乙", "甲"]
    assert client.post("/api/notifications/read", json={"id": first.id}).json() == {"changed": 1, "unread": 1}
    assert client.post("/api/notifications/read", json={}).json() == {"changed": 1, "unread": 0}
    assert all(i["read"] for i in client.get("/api/notifications").json()["items"])


def test_json_api_needs_sign_in(client: TestClient) -> None:
    assert client.get("/api/notifications").status_code == 401


def test_notify_reaches_listed_active_users_only(session: Session) -> None:
    a, b, outsider = make_user(session), make_user(session), make_user(session)
    gone = make_user(session, is_active=False)
    notify(session=session, users=[a, b, a, gone], kind="t", title="对接已签约")
    got = {n.user_id for n in session.exec(select(Notification).where(Notification.title == "对接已签约"))}
    assert got == {a.id, b.id}
    assert outsider.id not in got and gone.id not in got


def test_ago_in_words() -> None:
    now = utcnow()
    assert ago(now - timedelta(seconds=20), now) == "刚刚"
    assert ago(now - timedelta(minutes=3, seconds=5), now) == "3 分钟前"
    assert ago(now - timedelta(hours=5), now) == "5 小时前"
    assert ago(now - timedelta(days=2), now) == "2 天前"
    late = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)  # 04:30 on 12-02 in Beijing
    assert ago(late - timedelta(days=40), late) == "2026-10-23"  # the Beijing day, not UTC's 10-22


# ---- email ----------------------------------------------------------------------------------


class _SmtpStub(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greets, accepts every command, keeps each DATA block."""

    def handle(self) -> None:
        self.wfile.write(b"220 stub ESMTP\r\n")
        data: list[bytes] | None = None
        while line := self.rfile.readline():
            if data is not None:
                if line.rstrip(b"\r\n") == b".":
                    self.server.messages.append(b"".join(data))  # type: ignore[attr-defined]
                    data = None
                    self.wfile.write(b"250 queued\r\n")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.wfile.write(b"250-stub\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                data = []
                self.wfile.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """A local SMTP server on a free port, with the settings pointing at it."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpStub)
    server.daemon_threads = True
    server.messages = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings = get_settings()
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", server.server_address[1])
    monkeypatch.setattr(settings, "smtp_starttls", False)
    monkeypatch.setattr(settings, "smtp_user", "")
    try:
        yield server.messages  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def test_smtp_receives_the_email_after_commit(session: Session, smtp_stub: list[bytes]) -> None:
    user = make_user(session, email="qiye@example.cn")
    notify(
        session=session,
        users=[user],
        kind="pairing",
        title="您的需求有了新的对接意向",
        body="请登录查看。",
        link="/needs/1",
    )
    assert smtp_stub == []  # nothing leaves before the commit
    session.commit()
    assert len(smtp_stub) == 1
    msg = email.message_from_bytes(smtp_stub[0], policy=email.policy.default)
    assert msg["To"] == "qiye@example.cn"
    assert msg["Subject"] == "【科创撮合】您的需求有了新的对接意向"
    assert "请登录查看。" in msg.get_content()
    assert "/needs/1" in msg.get_content()


def test_without_smtp_the_outbox_gets_a_json_line(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "smtp_host", "")
    path = mailer.outbox_path()
    before = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    user = make_user(session, email="yanjiu@example.edu.cn")
    notify(session=session, users=[user], kind="review", title="成果已发布", body="您的成果已通过审核。")
    session.commit()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(before) + 1
    record = json.loads(lines[-1])
    assert record["to"] == "yanjiu@example.edu.cn"
    assert record["subject"] == "【科创撮合】成果已发布"
    assert "您的成果已通过审核。" in record["body"]


def test_a_rolled_back_request_sends_nothing(session: Session, smtp_stub: list[bytes]) -> None:
    user = make_user(session)
    notify(session=session, users=[user], kind="t", title="不会发出")
    session.rollback()
    session.commit()
    assert smtp_stub == []


# ---- issue 13, finding 7: a line break in a title, a failing mailer ------------------------------


def test_a_line_break_in_a_title_is_one_header_line(session: Session, smtp_stub: list[bytes]) -> None:
    users = [make_user(session), make_user(session)]
    notify(session=session, users=users, kind="t", title="需求标题\r\nBcc: evil@example.com\n第二行")
    session.commit()
    assert len(smtp_stub) == 2  # every email of the transaction is sent
    msg = email.message_from_bytes(smtp_stub[0], policy=email.policy.default)
    assert msg["Bcc"] is None
    assert "\n" not in msg["Subject"] and "Bcc: evil@example.com" in msg["Subject"]


def test_a_failing_mailer_neither_fails_nor_hides_the_committed_write(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from backend.pairings.models import Pairing
    from tests.factories import make_need, make_result

    def broken(*_: object, **__: object) -> None:
        raise ValueError("mail library refused the message")

    settings = get_settings()
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(mailer.smtplib, "SMTP", broken)
    operator = make_user(session, Role.operator)
    need = make_need(session, make_user(session))
    result = make_result(session, make_user(session, Role.researcher))
    login(client, operator)
    with caplog.at_level("ERROR", logger="kematch.mail"):
        made = client.post("/api/ops/pairings", json={"need_id": need.id, "result_id": result.id})
    assert made.status_code == 201, made.text  # the write stands and is reported as done
    assert session.get(Pairing, made.json()["id"]) is not None
    failed = {r.getMessage() for r in caplog.records if "could not send email" in r.getMessage()}
    assert len(failed) == 2  # both parties' emails were tried, and each failure logged
