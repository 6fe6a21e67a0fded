"""Ids the database cannot hold, and 500s: never a bare 500, always the security headers
(issue 13, finding 4)."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.main import app
from backend.needs import api as needs_api
from tests.security.routes import all_routes
from tests.security.world import World

HUGE = 2**63  # one beyond SQLite's INTEGER
HEADERS = ("x-content-type-options", "x-frame-options", "content-security-policy", "referrer-policy")
_PARAM = re.compile(r"\{([a-z_]*id)(:int)?\}")


def _has_security_headers(response: Any) -> bool:
    return all(name in response.headers for name in HEADERS)


def _id_routes() -> list[tuple[str, str]]:
    return [
        (key.method, _PARAM.sub(str(HUGE), key.path))
        for key in all_routes(app)
        if key.method != "MOUNT" and _PARAM.search(key.path)
    ]


@pytest.mark.parametrize("number", [HUGE, 2**64, 10**30])
def test_every_id_route_answers_404_for_an_id_beyond_the_database(
    access_client: TestClient, world: World, number: int
) -> None:
    routes = _id_routes()
    assert len(routes) > 30
    world.sign_in(access_client, "operator")
    access_client.headers["X-CSRF-Token"] = world.csrf["operator"]
    wrong: list[str] = []
    for method, path in routes:
        path = path.replace(str(HUGE), str(number))
        # Any leftover placeholder ({kind}, {figure}) gets a plausible value.
        path = path.replace("{kind}", "need").replace("{figure}", "needs").replace("{name}", "needs.csv")
        response = access_client.request(method, path, data={"csrf_token": world.csrf["operator"]})
        if response.status_code != 404 or not _has_security_headers(response):
            wrong.append(f"{method} {path}: {response.status_code}")
    assert wrong == []


def test_an_id_beyond_the_database_in_a_json_body_is_422(access_client: TestClient, world: World) -> None:
    world.sign_in(access_client, "researcher")
    answer = access_client.post(
        "/api/pairings/interest", json={"need_id": HUGE, "result_id": world.result.id}
    )
    assert answer.status_code == 422, answer.text
    assert _has_security_headers(answer)
    world.sign_in(access_client, "operator")
    for body in (
        {"need_id": HUGE, "result_id": world.result.id},
        {"need_id": world.need_pub.id, "result_id": -HUGE - 1},
    ):
        answer = access_client.post("/api/ops/pairings", json=body)
        assert answer.status_code in (404, 422), answer.text
        assert answer.status_code != 500


def test_a_huge_version_in_a_page_form_is_not_a_500(access_client: TestClient, world: World) -> None:
    world.sign_in(access_client, "enterprise")
    answer = access_client.post(
        f"/pairings/{world.pairing.id}/withdraw",
        data={"note": "x", "version": str(HUGE), "csrf_token": world.csrf["enterprise"]},
    )
    assert answer.status_code < 500


def test_an_unexpected_error_is_a_500_with_the_security_headers(
    access_client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(**_: Any) -> Any:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(needs_api, "list_postings", boom)
    api = access_client.get("/api/needs")
    assert api.status_code == 500 and _has_security_headers(api)
    assert api.json()["error"].startswith("系统遇到意外错误")
    assert "Traceback" not in api.text and "RuntimeError" not in api.text


def test_interest_in_a_hidden_need_answers_as_a_missing_one(access_client: TestClient, world: World) -> None:
    """Finding 9: 403 for a hidden need and 404 for a missing one told outsiders which ids exist."""
    for role in ("enterprise2", "researcher", "researcher2"):
        world.sign_in(access_client, role)
        hidden = access_client.post(
            "/api/pairings/interest", json={"need_id": world.need_sec.id, "result_id": world.result.id}
        )
        missing = access_client.post(
            "/api/pairings/interest", json={"need_id": 10**9, "result_id": world.result.id}
        )
        assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json()), role
        assert hidden.status_code == 404
