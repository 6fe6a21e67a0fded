"""Property-based fuzzing of the JSON API from its own /openapi.json (schemathesis, in-process ASGI).

Every operation is called with generated parameters and bodies, once as an operator (who may
reach every handler) and once anonymously, and must never answer with a server error. Bounded
for CI: a few examples per operation, no deadline. Each operation runs in the test's rolled-back
transaction over tests/security/world.py, so ids in paths often hit real records.
"""

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from backend.accounts.session_cookie import SESSION_COOKIE
from backend.main import app
from tests.security.world import World

pytestmark = pytest.mark.slow

# The schema /openapi.json serves, read without starting the app (its start-up touches the
# database, which the session fixtures migrate later); calls still go to the app in-process.
schema = schemathesis.openapi.from_dict(app.openapi())
schema.app = app
EXAMPLES = 8
# Multipart needs the API's CSRF proof header; JSON and bodyless calls pass without it.
HEADERS = {"X-Requested-With": "schemathesis"}


def _run(case: Any, world: World, role: str) -> None:
    headers = dict(HEADERS)
    if role != "anonymous":
        headers["Cookie"] = f"{SESSION_COOKIE}={world.tokens[role]}"
    case.call_and_validate(headers=headers, checks=[not_a_server_error])


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    derandomize=True,
)
def test_api_as_operator(case: Any, access_client: TestClient, world: World) -> None:
    _run(case, world, "operator")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    derandomize=True,
)
def test_api_anonymous(case: Any, access_client: TestClient, world: World) -> None:
    _run(case, world, "anonymous")
