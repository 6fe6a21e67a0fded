"""The throttles count in the database: two app instances, each with its own engine and
connections (as two uvicorn workers have), share every count.

A database of the test's own: the apps' requests commit for real, as they do in production.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from backend.accounts.login_limit import PER_ACCOUNT, PER_ADDRESS
from backend.accounts.models import ThrottleHit, User
from backend.db import get_session
from backend.main import create_app
from tests.databases import drop_database, migrated_engine, new_database_url
from tests.factories import PASSWORD, make_user

WRONG = "Wrong-pass1"


@pytest.fixture
def shared_url(tmp_path: Path) -> Iterator[str]:
    url = new_database_url(tmp_path, "throttle")
    migrated_engine(url).dispose()
    yield url
    drop_database(url)


def _worker(url: str) -> tuple[TestClient, Engine]:
    """An app instance with an engine of its own on `url`: a worker as uvicorn --workers starts it."""
    from backend.db import make_engine

    engine = make_engine(url)
    app: FastAPI = create_app()

    def _session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    app.dependency_overrides[get_session] = _session
    return TestClient(app, base_url="http://testserver"), engine


@pytest.fixture
def workers(shared_url: str) -> Iterator[tuple[TestClient, TestClient, Engine]]:
    (one, engine_one), (two, engine_two) = _worker(shared_url), _worker(shared_url)
    yield one, two, engine_one
    engine_one.dispose()
    engine_two.dispose()


def _user(engine: Engine) -> User:
    with Session(engine, expire_on_commit=False) as session:
        user = make_user(session)
        session.commit()
        return user


def _login(client: TestClient, email: str, password: str) -> int:
    return client.post("/api/auth/login", json={"email": email, "password": password}).status_code


def test_failed_logins_through_two_workers_add_up(workers: tuple[TestClient, TestClient, Engine]) -> None:
    one, two, engine = workers
    user = _user(engine)
    for n in range(PER_ACCOUNT):  # alternately through each worker: neither alone reaches the limit
        assert _login(one if n % 2 else two, user.email, WRONG) == 401
    assert _login(one, user.email, PASSWORD) == 429
    assert _login(two, user.email, PASSWORD) == 429
    with Session(engine) as session:  # the refused logins were committed, not rolled back
        hits = session.exec(select(ThrottleHit).where(ThrottleHit.key == f"account:{user.email}")).all()
        assert len(hits) == PER_ACCOUNT


def test_a_success_through_one_worker_clears_the_account_for_the_other(
    workers: tuple[TestClient, TestClient, Engine],
) -> None:
    one, two, engine = workers
    user = _user(engine)
    for _ in range(PER_ACCOUNT - 1):
        assert _login(one, user.email, WRONG) == 401
    assert _login(two, user.email, PASSWORD) == 200
    for _ in range(PER_ACCOUNT - 1):
        assert _login(one, user.email, WRONG) == 401
    assert _login(one, user.email, PASSWORD) == 200  # would be the 9th failure-free try: not blocked


def test_the_address_count_is_shared_across_workers_and_accounts(
    workers: tuple[TestClient, TestClient, Engine],
) -> None:
    one, two, engine = workers
    for n in range(PER_ADDRESS):
        assert _login(one if n % 2 else two, f"nobody{n}@example.cn", WRONG) == 401
    user = _user(engine)
    response = two.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429 and "登录失败次数过多" in response.json()["error"]


def test_reset_emails_are_counted_across_workers(workers: tuple[TestClient, TestClient, Engine]) -> None:
    one, two, _ = workers
    statuses = [
        (one if n % 2 else two).post("/api/auth/password/forgot", json={"email": "x@example.cn"}).status_code
        for n in range(4)
    ]
    assert statuses[:3] == [statuses[0]] * 3 and statuses[0] < 400
    assert statuses[3] == 429
