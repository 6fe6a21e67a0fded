"""The demo data loads through the services into an empty database, and only into an empty one."""

import subprocess
import sys

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from backend.demo.load import DEMO_LOGINS, DEMO_PASSWORD, is_empty, load
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import Confidentiality, PostingStatus
from tests.conftest import ROOT
from tests.databases import drop_database, new_database_url


def _count(session: Session, model: type, **where: object) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return int(session.exec(stmt).one())


def test_demo_data_loads_reviewed_postings_and_working_logins(client: TestClient, session: Session) -> None:
    assert is_empty(session)
    loaded = load(session)
    session.commit()
    assert _count(session, Need) >= 40 and _count(session, Result) >= 120
    # Most postings passed review; a few wait in the operator's queue.
    assert 0 < _count(session, Need, status=PostingStatus.pending) < _count(session, Need) / 5
    assert _count(session, Result, status=PostingStatus.pending) > 0
    assert _count(session, Need, confidentiality=Confidentiality.secret) >= 2
    assert loaded.solves  # results written to solve needs, for demo pairings
    for login in DEMO_LOGINS:
        response = client.post("/api/auth/login", json={"email": login["email"], "password": DEMO_PASSWORD})
        assert response.status_code == 200, login
        assert response.json()["role"] == login["role"]
    assert not is_empty(session)


def test_loader_refuses_a_database_that_holds_data(tmp_path) -> None:
    url = new_database_url(tmp_path, "k")
    env = {
        "KEMATCH_DATABASE_URL": url,
        "KEMATCH_MATCHING_ENABLED": "false",
        "KEMATCH_DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)

    assert run("-m", "alembic", "upgrade", "head").returncode == 0
    first = run("-m", "backend.demo.load", "--if-empty")
    assert first.returncode == 0 and "已加载演示数据" in first.stdout
    again = run("-m", "backend.demo.load", "--if-empty")
    assert again.returncode == 0 and "未加载" in again.stdout
    refused = run("-m", "backend.demo.load")
    assert refused.returncode == 1 and "拒绝" in refused.stdout
    drop_database(url)
