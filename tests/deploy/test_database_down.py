"""The database unreachable: at start a clear message (Chinese and English) and exit code 2, no
traceback and no hang; during service a 503 in Chinese (page and /api), never a hang."""

import os
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
def down_client() -> Iterator[TestClient]:
    """The app, its requests' sessions on a database that cannot be reached."""
    engine = make_engine(UNREACHABLE)

    def _session() -> Iterator[Session]:
        with Session(engine) as session:
            yield session

    app.dependency_overrides[get_session] = _session
    yield TestClient(app, base_url="http://testserver", raise_server_exceptions=False)
    app.dependency_overrides.clear()
    engine.dispose()


def test_a_page_answers_503_in_chinese(down_client: TestClient) -> None:
    response = down_client.get("/needs")
    assert response.status_code == 503
    assert "数据库暂时无法连接，请稍后重试" in response.text and "Traceback" not in response.text


def test_the_api_answers_a_503_json_error(down_client: TestClient) -> None:
    response = down_client.get("/api/needs")
    assert response.status_code == 503
    assert response.json() == {"error": "数据库暂时无法连接，请稍后重试", "detail": None}
