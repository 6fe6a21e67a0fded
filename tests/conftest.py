"""Test set-up: one database built by `alembic upgrade head` per run; each test in a rolled-back transaction.

SQLite by default; KEMATCH_TEST_DATABASE=postgresql (`make test-pg`) runs the same tests on PostgreSQL.
"""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.databases import run_database_url

_TMP = Path(tempfile.mkdtemp(prefix="kematch-test-"))
os.environ["KEMATCH_DATABASE_URL"] = run_database_url(_TMP)
os.environ.setdefault("KEMATCH_ENVIRONMENT", "test")
os.environ.setdefault("KEMATCH_INDEX_DIR", str(_TMP / "index"))
os.environ.setdefault("KEMATCH_DATA_DIR", str(_TMP / "data"))
os.environ.setdefault("KEMATCH_FILES_DIR", str(_TMP / "files"))
os.environ.setdefault("KEMATCH_MATCHING_ENABLED", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest  # noqa: E402
from alembic.config import Config  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlmodel import Session  # noqa: E402

from alembic import command  # noqa: E402
from backend.db import get_engine, get_session  # noqa: E402
from backend.main import app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def alembic_config() -> Config:
    """Alembic configured for the test database."""
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["configure_logger"] = False
    return cfg


@pytest.fixture(scope="session", autouse=True)
def migrated_db() -> Iterator[None]:
    """The test database, migrated once to head."""
    command.upgrade(alembic_config(), "head")
    yield


@pytest.fixture
def session(migrated_db: None) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    connection = get_engine().connect()
    # pysqlite emits no BEGIN before a SAVEPOINT, so releasing the session's savepoint (each
    # request's commit) would write to disk for good. Open the outer transaction explicitly.
    # (psycopg begins the transaction itself.)
    sqlite = connection.dialect.name == "sqlite"
    driver = connection.connection.driver_connection
    if sqlite:
        driver.isolation_level = None  # type: ignore[union-attr]
    outer = connection.begin()
    if sqlite:
        connection.exec_driver_sql("BEGIN")
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        outer.rollback()
        if sqlite:
            driver.isolation_level = ""  # type: ignore[union-attr]  (back to pysqlite's default)
        connection.close()


@pytest.fixture
def client(session: Session) -> Iterator[TestClient]:
    """A test client whose requests share the test's session (so the rollback undoes them)."""

    def _override() -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    app.dependency_overrides[get_session] = _override
    with TestClient(app, base_url="http://testserver") as c:
        yield c
    app.dependency_overrides.clear()
