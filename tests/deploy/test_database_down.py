"""The database unreachable: at start a clear message (Chinese and English) and exit code 2, no
traceback and no hang; during service a 503 in Chinese (page and /api), never a hang."""

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.db import get_session, make_engine
from backend.main import app
from backend.serve import EXIT_NO_DATABASE

ROOT = Path(__file__).resolve().parents[2]
# Port 1 on this machine: nothing listens, the connection is refused at once.
UNREACHABLE = "postgresql+psycopg://kematch:secret@127.0.0.1:1/kematch"


def test_start_without_the_database_says_so_and_exits_2() -> None:
    env = os.environ | {"KEMATCH_DATABASE_URL": UNREACHABLE, "KEMATCH_ENVIRONMENT": "development"}
    done = subprocess.run(
        [sys.executable, "-m", "backend.serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == EXIT_NO_DATABASE
    assert "无法连接数据库" in done.stderr and "Cannot connect to the database" in done.stderr
    assert "Traceback" not in done.stderr and "secret" not in done.stderr  # no wall, no password
    assert "已启动" not in done.stdout  # uvicorn never started (and the run's timeout: no hang)


def test_make_migrate_checks_first() -> None:
    env = os.environ | {"KEMATCH_DATABASE_URL": UNREACHABLE}
    done = subprocess.run(
        [sys.executable, "-m", "backend.serve", "--check-database"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == EXIT_NO_DATABASE and "无法连接数据库" in done.stderr


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A server that accepts the TCP connection and then never answers: a hung database host."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # connections wait in the backlog, never accepted, never answered
        yield f"postgresql+psycopg://kematch@127.0.0.1:{listener.getsockname()[1]}/kematch"


def test_a_database_that_never_answers_is_given_up_after_the_connect_timeout(silent_url: str) -> None:
    env = os.environ | {"KEMATCH_DATABASE_URL": silent_url}
    done = subprocess.run(
        [sys.executable, "-m", "backend.serve", "--check-database"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # without connect_timeout the check would wait here for ever
    )
    assert done.returncode == EXIT_NO_DATABASE
    assert "无法连接数据库" in done.stderr and "timeout" in done.stderr.lower()


def _client_on(url: str) -> Iterator[TestClient]:
    engine = make_engine(url)

    def _session() -> Iterator[Session]:
        with Session(engine) as session:
            yield session

    app.dependency_overrides[get_session] = _session
    yield TestClient(app, base_url="http://testserver", raise_server_exceptions=False)
    app.dependency_overrides.clear()
    engine.dispose()


@pytest.fixture
def down_client() -> Iterator[TestClient]:
    """The app, its requests' sessions on a database that refuses connections."""
    yield from _client_on(UNREACHABLE)


@pytest.fixture
def hung_client(silent_url: str) -> Iterator[TestClient]:
    """The app, its requests' sessions on a database host that never answers."""
    yield from _client_on(silent_url)


def test_a_page_answers_503_in_chinese(down_client: TestClient) -> None:
    response = down_client.get("/needs")
    assert response.status_code == 503
    assert "数据库暂时无法连接，请稍后重试" in response.text and "Traceback" not in response.text


def test_the_api_answers_a_503_json_error(down_client: TestClient) -> None:
    response = down_client.get("/api/needs")
    assert response.status_code == 503
    assert response.json() == {"error": "数据库暂时无法连接，请稍后重试", "detail": None}


def test_a_hung_database_answers_503_instead_of_hanging(hung_client: TestClient) -> None:
    response = hung_client.get("/api/needs")
    assert response.status_code == 503
    assert response.json()["error"] == "数据库暂时无法连接，请稍后重试"
