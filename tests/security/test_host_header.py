"""The Host header is the client's: a forged one never comes back in a page, an API answer or a redirect.

Starlette's `url_for` built absolute URLs from it (every page's stylesheet and script links), and
its trailing-slash redirect still does (`backend/security/host.py` rewrites that one to a path).
"""

import pytest
from fastapi.testclient import TestClient

from backend.main import app
from backend.security.host import relative
from tests.security.routes import all_routes
from tests.security.test_access_table import ACCESS
from tests.security.world import World

FORGED = "forged-host.example"


def _get_paths(world: World) -> list[str]:
    ids = world.ids()
    paths = {"/needs/", "/api/needs/", "/static/css/site.css", "/no-such-page"}
    for route in all_routes(app):
        if route.method in ("GET", "MOUNT"):
            paths |= {case.path.format(**ids) for case in ACCESS[str(route)]}
    return sorted(paths)


@pytest.mark.parametrize("role", ["anonymous", "operator", "enterprise", "researcher"])
def test_a_forged_host_never_appears_in_an_answer(access_client: TestClient, world: World, role: str) -> None:
    world.sign_in(access_client, role)
    seen = []
    for path in _get_paths(world):
        r = access_client.get(path, headers={"Host": FORGED})
        assert r.status_code < 500, path
        if FORGED in r.text or any(FORGED in v for v in r.headers.values()):
            seen.append(path)
    assert seen == []


def test_pages_link_their_static_files_by_path(access_client: TestClient) -> None:
    r = access_client.get("/login", headers={"Host": FORGED})
    assert 'href="/static/css/site.css"' in r.text and 'src="/static/js/site.js"' in r.text


def test_the_trailing_slash_redirect_stays_on_this_site(access_client: TestClient) -> None:
    r = access_client.get("/needs/?field=biomedicine", headers={"Host": FORGED})
    assert r.status_code == 307 and r.headers["location"] == "/needs?field=biomedicine"


def test_only_the_requests_own_host_is_made_relative() -> None:
    assert relative("http://a.example:8000/x?y=1", "a.example:8000") == "/x?y=1"
    assert relative("https://elsewhere.example/x", "a.example") == "https://elsewhere.example/x"
    assert relative("/already/relative", "a.example") == "/already/relative"
