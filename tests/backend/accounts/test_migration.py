"""The account-links migration: accounts that existed before it count as verified; it can be undone."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from alembic import command
from backend.db import make_engine
from tests.conftest import alembic_config
from tests.databases import drop_database, new_database_url

BEFORE = "11937d30b9c9"  # the revision before 5b7e0c2d4f61 (account links and consent)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = new_database_url(tmp_path, "accounts")  # the run's backend: SQLite, or PostgreSQL (make test-pg)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop_database(url)


def _migrate(engine: Engine, direction: str, target: str) -> None:
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        getattr(command, direction)(cfg, target)


def test_existing_accounts_count_as_verified(engine: Engine) -> None:
    _migrate(engine, "upgrade", BEFORE)
    with engine.begin() as db:
        db.execute(
            text(
                "INSERT INTO organisation (name, name_key, kind, region, created_at, updated_at)"
                " VALUES ('老单位', '老单位', 'enterprise', '湖北省', '2026-01-01 08:00:00', '2026-01-01 08:00:00')"
            )
        )
        db.execute(
            text(
                'INSERT INTO "user" (email, name, phone, role, organisation_id, password_hash, is_active,'
                " created_at, updated_at) VALUES ('old@example.cn', '老用户', '', 'enterprise', 1, 'x', TRUE,"
                " '2026-01-02 08:00:00', '2026-01-02 08:00:00')"
            )
        )
    _migrate(engine, "upgrade", "5b7e0c2d4f61")
    with engine.connect() as db:
        row = db.execute(text('SELECT email_verified_at, terms_version FROM "user"')).one()
    assert str(row.email_verified_at).startswith("2026-01-02 08:00:00") and row.terms_version is None
    assert "account_token" in inspect(engine).get_table_names()

    _migrate(engine, "downgrade", BEFORE)
    assert "account_token" not in inspect(engine).get_table_names()
    assert "email_verified_at" not in {c["name"] for c in inspect(engine).get_columns("user")}
