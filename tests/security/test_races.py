"""Simultaneous duplicates never answer 500 (issue 13, findings 5 and 6).

Threads fire identical requests at the app at once, each with its own client, against a
migrated database of their own (separate connections, as in production). A duplicate that
slipped past a service's look-up is refused by the database's unique index; the loser must get
the answer a sequential duplicate gets (422 for a taken email or organisation name, 409 for an
interest already recorded), never a 500, and the database holds one record.
"""

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from backend.accounts.models import Organisation, User
from backend.accounts.service import start_session
from backend.accounts.session_cookie import SESSION_COOKIE
from backend.db import get_session
from backend.main import app
from backend.pairings.models import Pairing
from backend.vocab import Role
from tests.databases import drop_database, migrated_engine, new_database_url
from tests.factories import PASSWORD, make_need, make_result, make_user

THREADS = 8


@pytest.fixture
def file_engine(tmp_path: Path) -> Iterator[Engine]:
    url = new_database_url(tmp_path, "race")
    engine = migrated_engine(url)

    def _session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.expunge_all()
                session.rollback()
                raise

    app.dependency_overrides[get_session] = _session
    yield engine
    app.dependency_overrides.pop(get_session, None)
    engine.dispose()
    drop_database(url)


def _at_once(call: Callable[[TestClient], Any], n: int = THREADS) -> list[int]:
    """Run `call` in n threads released together; the status codes they got."""
    barrier = threading.Barrier(n)
    codes: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
            try:
                barrier.wait(timeout=30)
                codes.append(call(client).status_code)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    return sorted(codes)


def _signup(email: str, org: str) -> dict[str, Any]:
    return {
        "email": email,
        "password": PASSWORD,
        "name": "张三",
        "role": "enterprise",
        "organisation_name": org,
        "organisation_kind": "enterprise",
        "region": "湖北省",
        "accept_terms": True,
    }


def _count(engine: Engine, stmt: Any) -> int:
    with Session(engine) as s:
        return int(s.exec(stmt).one())


def test_simultaneous_sign_ups_with_one_email(file_engine: Engine) -> None:
    counter = iter(range(1000))
    codes = _at_once(
        lambda c: c.post("/api/auth/signup", json=_signup("same@example.cn", f"并发单位{next(counter)}"))
    )
    assert 500 not in codes
    assert codes.count(201) == 1 and set(codes) <= {201, 422}
    users = select(func.count()).select_from(User).where(User.email == "same@example.cn")
    assert _count(file_engine, users) == 1


def test_simultaneous_sign_ups_with_one_organisation_name(file_engine: Engine) -> None:
    counter = iter(range(1000))
    # The same name, some with an invisible character or full-width letters: one organisation.
    names = [
        "华科精密有限公司",
        "华科精密有限公司\u200b",
        "华科精密 有限公司".replace(" ", ""),
        "\ufeff华科精密有限公司",
    ]

    def sign_up(client: TestClient) -> Any:
        n = next(counter)
        return client.post("/api/auth/signup", json=_signup(f"u{n}@example.cn", names[n % len(names)]))

    codes = _at_once(sign_up)
    assert 500 not in codes
    assert codes.count(201) == 1 and set(codes) <= {201, 422}
    orgs = select(func.count()).select_from(Organisation).where(Organisation.name_key == "华科精密有限公司")
    assert _count(file_engine, orgs) == 1


def test_simultaneous_identical_interests(file_engine: Engine) -> None:
    with Session(file_engine, expire_on_commit=False) as s:
        researcher = make_user(s, Role.researcher)
        need = make_need(s, make_user(s, Role.enterprise))
        result = make_result(s, researcher)
        token, _ = start_session(session=s, user=researcher, hours=1)
        s.commit()
        body = {"need_id": need.id, "result_id": result.id}

    def interest(client: TestClient) -> Any:
        client.cookies.set(SESSION_COOKIE, token)
        return client.post("/api/pairings/interest", json=body)

    codes = _at_once(interest, 5)
    assert 500 not in codes
    assert codes.count(200) == 1 and set(codes) <= {200, 409}
    pairs = select(func.count()).select_from(Pairing).where(Pairing.need_id == need.id)
    assert _count(file_engine, pairs) == 1
