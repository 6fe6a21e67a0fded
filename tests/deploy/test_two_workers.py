"""Two real uvicorn worker processes on one PostgreSQL database, as `KEMATCH_WORKERS=2` or two
machines run them: the login throttle counts across both, and a need posted through one is found
through the other within 2 seconds (each worker's index follows the database's change feed).
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from backend.accounts.login_limit import PER_ACCOUNT
from backend.vocab import Role
from tests.databases import BACKEND, drop_database, migrated_engine, new_database_url
from tests.factories import PASSWORD, make_user, need_data
from tools.live_server import free_port, server_env

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
FEED_DEADLINE_S = 2.0  # the promise: posted through A, found through B within this


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """One PostgreSQL database: on the run's server under `make test-pg`, else a throwaway server."""
    if BACKEND == "postgresql":
        url = new_database_url(tmp_path, "workers")
        yield url
        drop_database(url)
        return
    from tools import pg_server

    try:
        server = pg_server.start()
    except pg_server.PgServerError as exc:
        pytest.skip(f"no PostgreSQL server binaries here: {exc}")
    try:
        yield server.url()
    finally:
        server.stop()


def _start(url: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """One uvicorn worker process on `url`, with matching on (the real model), reviews off."""
    workdir.mkdir()
    env = server_env(workdir, url) | {"KEMATCH_REVIEW_POSTINGS": "false", "PYTHONPATH": str(ROOT)}
    port = free_port()
    log = (workdir / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "backend.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process, f"http://127.0.0.1:{port}"


def _wait_up(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"worker exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"worker not up:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def workers(database: str, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """Two worker processes on the same database; yields their addresses and the database URL."""
    migrated_engine(database).dispose()
    started = [_start(database, tmp_path / f"worker{n}") for n in (1, 2)]
    try:
        for n, (process, base) in enumerate(started, start=1):
            _wait_up(process, base, tmp_path / f"worker{n}" / "server.log")
        yield started[0][1], started[1][1], database
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def _user(url: str, role: Role) -> str:
    from backend.db import make_engine

    engine = make_engine(url)
    with Session(engine) as session:
        email = make_user(session, role).email
        session.commit()
    engine.dispose()
    return email


def _login(base: str, email: str, password: str) -> httpx.Response:
    return httpx.post(base + "/api/auth/login", json={"email": email, "password": password}, timeout=30)


def test_the_login_throttle_counts_across_two_worker_processes(workers: tuple[str, str, str]) -> None:
    one, two, url = workers
    email = _user(url, Role.researcher)
    for n in range(PER_ACCOUNT):  # alternately through each process: neither alone reaches the limit
        assert _login(one if n % 2 else two, email, "Wrong-pass1").status_code == 401
    for base in (one, two):
        blocked = _login(base, email, PASSWORD)
        assert blocked.status_code == 429 and "登录失败次数过多" in blocked.json()["error"]


def test_a_need_posted_through_one_worker_is_found_through_the_other_within_2_s(
    workers: tuple[str, str, str],
) -> None:
    one, two, url = workers
    email = _user(url, Role.enterprise)
    title = f"液氢储罐绝热层失效在线检测（{os.getpid()}）"
    with httpx.Client(base_url=one, timeout=60) as author:
        assert author.post("/api/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
        created = author.post("/api/needs", json=need_data(title=title))
        assert created.status_code == 201, created.text
        need_id = created.json()["id"]
        published = author.post(f"/api/needs/{need_id}/publish")
        assert published.status_code == 200, published.text
    posted_at = time.monotonic()
    found_after = None
    with httpx.Client(base_url=two, timeout=10) as reader:
        while time.monotonic() - posted_at <= FEED_DEADLINE_S:
            hits = reader.get("/api/search", params={"q": "液氢储罐绝热层", "side": "need"}).json()
            if any(hit["id"] == need_id for hit in hits):
                found_after = time.monotonic() - posted_at
                break
            time.sleep(0.05)
    assert found_after is not None, f"worker 2 did not find need {need_id} within {FEED_DEADLINE_S} s"
