"""Fixtures of the security tests."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.main import app
from backend.transfer.worker import job_runner
from tests.backend.conftest import match_engine, real_encoder  # noqa: F401  (the real engine, for slow tests)
from tests.security.world import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    """Every role with records of its own (see tests/security/world.py)."""
    return build_world(session)


@pytest.fixture
def access_client(client: TestClient) -> Iterator[TestClient]:
    """The test client, with import jobs queued but not run (they would need their own commits)."""
    app.dependency_overrides[job_runner] = lambda: lambda job_id: None
    client.follow_redirects = False
    yield client
    app.dependency_overrides.pop(job_runner, None)
