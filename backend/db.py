"""Database engine and the request-scoped session."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import Engine, MetaData, event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, create_engine

from backend.config import get_settings

# One naming convention so Alembic names constraints identically on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata
CONNECT_TIMEOUT_S = 5


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (SQLModel stores it as UTC on every database)."""
    return datetime.now(UTC)


def _json(value: object) -> str:
    # Keep Chinese readable in JSON columns, so LIKE filters on keywords work.
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, WAL and a busy timeout, PostgreSQL UTC sessions."""
    if url.startswith("postgresql"):
        # Datetime columns hold naive UTC (as SQLite does). PostgreSQL converts an aware value to
        # the session's time zone before dropping the zone, so the session must be UTC whatever
        # the server's zone (often Asia/Shanghai), or every stored time would be 8 hours off.
        # A write waits for another's lock as long as SQLite's busy timeout, then fails (a 503),
        # instead of PostgreSQL's default of waiting for ever.
        # A server that does not answer fails the connection after CONNECT_TIMEOUT_S (a 503,
        # or a clear message at start-up) instead of hanging; pool_pre_ping replaces connections
        # a restarted server dropped.
        options = "-c timezone=UTC -c lock_timeout=30s"
        return create_engine(
            url,
            pool_pre_ping=True,
            json_serializer=_json,
            connect_args={"options": options, "connect_timeout": CONNECT_TIMEOUT_S},
        )
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, json_serializer=_json)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, json_serializer=_json
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    return engine


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine(get_settings().database_url)


def get_session() -> Iterator[Session]:
    """One session per request: commit on success, roll back on any exception."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            # Detach first: a rollback would expire every loaded row, and the error page that
            # follows still reads the viewer's (then detached) user.
            session.expunge_all()
            session.rollback()
            raise


def connection_problem(url: str) -> str | None:
    """Why the database at `url` cannot be reached (the driver's words), or None when it can."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    finally:
        engine.dispose()
    return None
