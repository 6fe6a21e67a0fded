"""Fixtures of the security tests."""

import pytest
from sqlmodel import Session

from tests.backend.conftest import match_engine, real_encoder  # noqa: F401  (the real engine, for slow tests)
from tests.security.world import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    """Every role with records of its own (see tests/security/world.py)."""
    return build_world(session)
