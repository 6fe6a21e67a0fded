"""Fault tests: each test runs the app as a fresh server on its own database and index directory."""

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from alembic import command
from backend.config import get_settings
from backend.db import get_engine
from backend.main import app
from backend.matching import lifecycle
from embeddings.encoder import Encoder, load_encoder
from tests.conftest import alembic_config
from tests.databases import drop_database, new_database_url
from tests.embeddings.kit import FakeEncoder, model_dir

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Site:
    """One installation: its database (`db_path` is the file when it is SQLite), index directory and
    the environment a child process needs."""

    root: Path
    db_path: Path
    index_dir: Path
    env: dict[str, str]

    def session(self) -> Session:
        """A session of the site's own (commit it yourself)."""
        return Session(get_engine(), expire_on_commit=False)

    def child_env(self) -> dict[str, str]:
        """The environment of a child process that works on this site."""
        return os.environ | self.env | {"PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="session")
def real_encoder() -> Encoder:
    """The project's model, loaded once per run."""
    return load_encoder(model_dir())


def _point_at(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def site_url(tmp_path: Path) -> Iterator[str]:
    """The site's empty database on the run's backend (a SQLite file, or PostgreSQL under `make test-pg`)."""
    url = new_database_url(tmp_path, "kematch")
    yield url
    drop_database(url)


@pytest.fixture
def site(tmp_path: Path, site_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """A migrated database and an empty index directory; the app's settings point at them."""
    env = {
        "KEMATCH_DATABASE_URL": site_url,
        "KEMATCH_INDEX_DIR": str(tmp_path / "index"),
        "KEMATCH_DATA_DIR": str(tmp_path),
        "KEMATCH_MATCHING_ENABLED": "false",
        "KEMATCH_ENVIRONMENT": "test",
        "HF_HUB_OFFLINE": "1",
    }
    _point_at(env, monkeypatch)
    command.upgrade(alembic_config(), "head")
    lifecycle.use_engine(None)
    yield Site(root=tmp_path, db_path=tmp_path / "kematch.db", index_dir=tmp_path / "index", env=env)
    lifecycle.use_engine(None)
    get_engine().dispose()
    get_settings.cache_clear()  # monkeypatch restores the environment right after this
    get_engine.cache_clear()


Server = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture
def server(site: Site, monkeypatch: pytest.MonkeyPatch) -> Server:
    """`with server(encoder) as client:` starts the app (lifespan and all) on the site; leaving stops it.

    With an encoder, matching is on: the start-up loads the index files and syncs them with the
    database, exactly as `make run` does (the encoder stands in for loading the model from disk).
    """

    @contextmanager
    def start(encoder: Any = None) -> Iterator[TestClient]:
        monkeypatch.setenv("KEMATCH_MATCHING_ENABLED", "true" if encoder is not None else "false")
        get_settings.cache_clear()
        monkeypatch.setattr(lifecycle, "load_encoder", lambda _path: encoder)
        lifecycle.use_engine(None)
        try:
            with TestClient(app, base_url="http://testserver") as client:
                yield client
        finally:
            lifecycle.use_engine(None)

    return start


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


PYTHON = sys.executable
