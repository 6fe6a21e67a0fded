"""The test databases: SQLite files by default; PostgreSQL with KEMATCH_TEST_DATABASE=postgresql.

On PostgreSQL the run's database lives on a throwaway server `tools.pg_server` starts (unless
KEMATCH_DATABASE_URL already names a PostgreSQL database), and a test that needs a database of its
own (migrations, races on separate connections, a fault site) gets a new database on that server.
"""

import atexit
import os
import uuid
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text

from alembic import command
from backend.db import make_engine

_GIVEN = os.environ.get("KEMATCH_DATABASE_URL", "")
BACKEND = os.environ.get("KEMATCH_TEST_DATABASE") or (
    "postgresql" if _GIVEN.startswith("postgresql") else "sqlite"
)
if BACKEND not in {"sqlite", "postgresql"}:
    raise RuntimeError(f"KEMATCH_TEST_DATABASE must be sqlite or postgresql, not {BACKEND!r}")


def run_database_url(tmp: Path) -> str:
    """The URL of the run's database, starting a PostgreSQL server for the run if one is needed."""
    given = os.environ.get("KEMATCH_DATABASE_URL")
    if BACKEND == "sqlite":
        return given or f"sqlite:///{tmp / 'test.db'}"
    if given and given.startswith("postgresql"):
        return given
    from tools import pg_server

    server = pg_server.start()
    atexit.register(server.stop)
    pg_server.watch(server, os.getpid())  # and if this run is killed, the server stops all the same
    return server.url()


def _admin_engine() -> Engine:
    """AUTOCOMMIT engine on the server's `postgres` database (CREATE/DROP DATABASE)."""
    url = make_url(os.environ["KEMATCH_DATABASE_URL"]).set(database="postgres")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def new_database_url(tmp_path: Path, name: str = "test") -> str:
    """An empty database of the test's own: a SQLite file under `tmp_path`, or a new PostgreSQL database."""
    if BACKEND == "sqlite":
        return f"sqlite:///{tmp_path / f'{name}.db'}"
    database = f"kematch_{name}_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    finally:
        admin.dispose()
    return make_url(os.environ["KEMATCH_DATABASE_URL"]).set(database=database).render_as_string(False)


def drop_database(url: str) -> None:
    """Remove a database `new_database_url` made (SQLite files go with tmp_path)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def migrated_engine(url: str) -> Engine:
    """An engine on `url`, migrated to head by Alembic."""
    from tests.conftest import alembic_config

    engine = make_engine(url)
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    return engine
