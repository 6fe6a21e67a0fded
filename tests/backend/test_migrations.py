"""The migrations build exactly the schema the models describe, and can be undone."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

import backend.models  # noqa: F401  (registers every table)
from alembic import command
from backend.db import make_engine
from tests.conftest import alembic_config
from tests.databases import drop_database, new_database_url

EXPECTED_TABLES = {
    "attachment",
    "organisation",
    "user",
    "user_session",
    "need",
    "result",
    "pairing",
    "pairing_event",
    "pairing_message",
    "pairing_read",
    "posting_question",
    "audit_entry",
    "notification",
    "import_job",
    "import_row",
    "account_token",
    "bookmark",
    "subscription",
    "subscription_hit",
    "challenge",
    "challenge_proposal",
    "proposal_score",
    "challenge_invitation",
    "challenge_event",
    "duplicate_candidate",
    "expiry_reminder",
    "throttle_hit",
    "posting_vector",
    "index_change",
}


@pytest.fixture
def fresh_engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine on a new, empty database (a SQLite file, or a PostgreSQL database with `make test-pg`)."""
    url = new_database_url(tmp_path, "fresh")
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop_database(url)


def _migrate(engine: Engine, direction: str, target: str) -> None:
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        getattr(command, direction)(cfg, target)


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _diff(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
        return compare_metadata(context, SQLModel.metadata)


def test_metadata_holds_every_domain_table() -> None:
    assert set(SQLModel.metadata.tables) == EXPECTED_TABLES


def test_upgrade_creates_every_table_and_downgrade_removes_them(fresh_engine: Engine) -> None:
    assert _tables(fresh_engine) == set()

    _migrate(fresh_engine, "upgrade", "head")
    assert _tables(fresh_engine) == EXPECTED_TABLES

    _migrate(fresh_engine, "downgrade", "base")
    assert _tables(fresh_engine) == set()

    _migrate(fresh_engine, "upgrade", "head")
    assert _tables(fresh_engine) == EXPECTED_TABLES


def test_migrated_schema_matches_the_models(fresh_engine: Engine) -> None:
    _migrate(fresh_engine, "upgrade", "head")
    assert _diff(fresh_engine) == []


def test_drift_would_be_detected(fresh_engine: Engine) -> None:
    # Guards the check above: a schema missing a table must show up as a difference.
    _migrate(fresh_engine, "upgrade", "head")
    with fresh_engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE pairing_event")
    diff = _diff(fresh_engine)
    assert any(d[0] == "add_table" and d[1].name == "pairing_event" for d in diff)


def test_pairing_unique_constraint_is_in_the_migrated_schema(fresh_engine: Engine) -> None:
    _migrate(fresh_engine, "upgrade", "head")
    uniques = inspect(fresh_engine).get_unique_constraints("pairing")
    assert any(sorted(u["column_names"]) == ["need_id", "result_id"] for u in uniques)
