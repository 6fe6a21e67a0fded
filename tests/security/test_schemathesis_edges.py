"""Schemathesis, pointed at the edges issue 13 found: ids the database cannot hold and duplicates.

The generated cases of every operation (tests/security/test_schemathesis.py's schema) are bent
before they are sent: every integer in the path, the query and a JSON body becomes 2^63 (or 2^64,
10^30); and every write is sent twice, as a double click or a replayed request would. No answer
may be a server error. Simultaneous duplicates (sign-ups, interests, organisation names) are
tests/security/test_races.py's.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from backend.accounts.session_cookie import SESSION_COOKIE
from tests.security.test_schemathesis import HEADERS, schema
from tests.security.world import World

pytestmark = pytest.mark.slow

BEYOND = (2**63, 2**64, 10**30)
EXAMPLES = 6
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    derandomize=True,
)


def _bend(values: Any, big: int) -> int:
    """Replace every integer of a dict (one level: path, query, body fields) by `big`; how many."""
    if not isinstance(values, dict):
        return 0
    keys = [k for k, v in values.items() if isinstance(v, int) and not isinstance(v, bool)]
    for k in keys:
        values[k] = big
    return len(keys)


def _headers(world: World) -> dict[str, str]:
    return HEADERS | {"Cookie": f"{SESSION_COOKIE}={world.tokens['operator']}"}


@schema.parametrize()
@SETTINGS
def test_integers_beyond_the_database_are_refused_cleanly(
    case: Any, access_client: TestClient, world: World
) -> None:
    for big in BEYOND:
        bent = sum(_bend(part, big) for part in (case.path_parameters, case.query, case.body))
        if not bent:
            return
        response = case.call(headers=_headers(world))
        case.validate_response(response, checks=[not_a_server_error])
        if case.path_parameters and any(v == big for v in case.path_parameters.values()):
            assert response.status_code == 404, (case.path, response.status_code)  # names nothing


@schema.include(method=["POST", "PUT", "PATCH"]).parametrize()
@SETTINGS
def test_every_write_sent_twice_never_fails(case: Any, access_client: TestClient, world: World) -> None:
    for _ in range(2):
        case.call_and_validate(headers=_headers(world), checks=[not_a_server_error])
