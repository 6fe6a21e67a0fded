"""Another connection holds the database's write lock: the app waits, or answers a clear 503.

SQLite: the other connection holds the file's write lock (BEGIN IMMEDIATE); the app waits up to its
busy timeout. PostgreSQL: it holds EXCLUSIVE locks on the tables a save writes (reads go on); the
app waits up to its lock timeout. Both then give up with the same 503.
"""

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from backend.db import get_engine, make_engine
from tests.factories import PASSWORD, login, need_data
from tests.faults.conftest import Server, Site
from tests.faults.corpus import seed

BUSY = "系统繁忙，请稍后重试"


@contextmanager
def write_lock(site: Site, seconds: float) -> Iterator[threading.Thread]:
    """Another connection of its own takes the write lock for `seconds`."""
    taken = threading.Event()
    url = site.env["KEMATCH_DATABASE_URL"]

    def hold() -> None:
        if url.startswith("sqlite"):
            conn = sqlite3.connect(site.db_path, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE organisation SET name = name")  # a pending write of its own
            taken.set()
            time.sleep(seconds)
            conn.execute("ROLLBACK")
            conn.close()
            return
        engine = make_engine(url)
        with engine.connect() as conn:
            tables = ", ".join(f'"{t}"' for t in TABLES)
            conn.execute(text(f"LOCK TABLE {tables} IN EXCLUSIVE MODE"))
            taken.set()
            time.sleep(seconds)
            conn.rollback()
        engine.dispose()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert taken.wait(10)
    try:
        yield holder
    finally:
        holder.join(seconds + 10)


def short_busy_timeout(ms: int) -> None:
    """Make the app give up waiting for the lock after `ms` (new connections only, so reset the pool)."""
    engine = get_engine()
    setting = f"PRAGMA busy_timeout={ms}" if engine.dialect.name == "sqlite" else f"SET lock_timeout = {ms}"

    @event.listens_for(engine, "connect")
    def _short(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(setting)
        if engine.dialect.name != "sqlite":
            dbapi_conn.commit()  # psycopg opened a transaction for the SET

    engine.dispose()


def counts(*tables: str) -> dict[str, int]:
    with get_engine().connect() as conn:
        return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}


TABLES = ("need", "audit_entry", "user_session", "organisation")


def _enterprise_client(client: TestClient, site: Site) -> int:
    with site.session() as db:
        s = seed(db)
        from backend.accounts.models import User

        user = db.get(User, s.enterprise_id)
        assert user is not None
    login(client, user)
    return s.enterprise_id


def test_app_waits_for_a_short_lock_and_succeeds(site: Site, server: Server) -> None:
    with server() as client:
        _enterprise_client(client, site)
        before = counts(*TABLES)
        with write_lock(site, seconds=1.5):
            assert client.get("/api/needs").status_code == 200  # readers are not blocked (WAL)
            started = time.monotonic()
            response = client.post("/api/needs", json=need_data(title="锁释放后保存的需求"))
            waited = time.monotonic() - started
        assert response.status_code == 201, response.text
        assert waited >= 1.0  # it waited for the other writer instead of failing
        after = counts(*TABLES)
        assert after["need"] == before["need"] + 1
        assert client.get(f"/api/needs/{response.json()['id']}").json()["title"] == "锁释放后保存的需求"


def test_lock_past_the_busy_timeout_gives_a_clear_503_and_writes_nothing(site: Site, server: Server) -> None:
    with server() as client:
        _enterprise_client(client, site)
        short_busy_timeout(300)
        email = client.get("/api/auth/me").json()["email"]
        before = counts(*TABLES)
        with write_lock(site, seconds=3):
            api = client.post("/api/needs", json=need_data(title="锁超时的需求"))
            cookies = dict(client.cookies)
            client.cookies.clear()  # the log-in form of a signed-out visitor: it writes a login session
            page = client.post("/login", data={"email": email, "password": PASSWORD}, follow_redirects=False)
            client.cookies.update(cookies)
            assert client.get("/api/needs").status_code == 200  # reading still works meanwhile
        assert api.status_code == 503
        assert api.json()["error"] == BUSY
        assert page.status_code == 503
        assert page.headers["content-type"].startswith("text/html")
        shown = BeautifulSoup(page.text, "html.parser").get_text()
        assert BUSY in shown and "Traceback" not in shown
        assert counts(*TABLES) == before  # nothing half-written: no need, no audit entry, no login

        retry = client.post("/api/needs", json=need_data(title="锁超时的需求"))
        assert retry.status_code == 201
        assert counts("need")["need"] == before["need"] + 1


@pytest.mark.parametrize("kind", ["api", "page"])
def test_failed_commit_is_not_reported_as_success(
    site: Site, server: Server, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """The request's commit fails (lock, full disk): the user must not see success for a lost write."""
    from sqlalchemy.exc import OperationalError
    from sqlmodel import Session

    with server() as client:
        _enterprise_client(client, site)
        need_id = client.get("/api/needs").json()["items"][0]["id"]
        token = BeautifulSoup(client.get(f"/needs/{need_id}").text, "html.parser").select_one(
            "input[name=csrf_token]"
        )
        assert token is not None

        def failing_commit(self: Session) -> None:
            raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))

        monkeypatch.setattr(Session, "commit", failing_commit)
        if kind == "api":
            response = client.post(f"/api/needs/{need_id}/close", json={})
            assert response.status_code == 503 and response.json()["error"] == BUSY
        else:
            data = {"csrf_token": str(token["value"])}
            response = client.post(f"/needs/{need_id}/close", data=data, follow_redirects=False)
            assert response.status_code == 503 and BUSY in response.text
        monkeypatch.undo()
        assert client.get(f"/api/needs/{need_id}").json()["status"] == "published"
