"""Browser tests: one live server on the demo data for the whole session, Chromium through Playwright.

The server runs in a subprocess on a fresh database of the run's backend (`alembic upgrade head`, then the
demo loader, which builds the index with the real model). Set KEMATCH_LIVE_URL to drive a server
you already run instead (tests make unique names, so they can run again on the same data).
"""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.browser.helpers import login
from tests.databases import drop_database, new_database_url
from tools.live_server import CHROMIUM, CHROMIUM_ARGS, DEMO_LOGINS, LiveServer, existing_or_new_server

ROOT = Path(__file__).resolve().parents[2]
FAILURES = ROOT / "test-results" / "browser"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

expect.set_options(timeout=20_000)  # the real model shares two cores with everything else


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # On the run's backend: a SQLite file, or a database on the PostgreSQL server of `make test-pg`.
    database = new_database_url(tmp_path_factory.mktemp("live"), "live")
    server = existing_or_new_server(database)
    yield server
    server.stop()
    drop_database(database)


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def auth_state(browser: Browser, base_url: str) -> Callable[[str], Any]:
    """The cookies of a logged-in demo user, by role; each role logs in through the form once."""
    states: dict[str, Any] = {}

    def state(role: str) -> Any:
        if role not in states:
            context = browser.new_context(base_url=base_url, viewport=DESKTOP)
            login(context.new_page(), DEMO_LOGINS[role])
            states[role] = context.storage_state()
            context.close()
        return states[role]

    return state


@pytest.fixture
def open_page(
    browser: Browser, base_url: str, auth_state: Callable[[str], Any], request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """Open a page in a new browser context: anonymous, or logged in as a demo role; closed after the test."""
    contexts: list[BrowserContext] = []

    def _open(role: str | None = None, *, phone: bool = False) -> Page:
        context = browser.new_context(
            base_url=base_url,
            viewport=PHONE if phone else DESKTOP,
            locale="zh-CN",
            storage_state=auth_state(role) if role else None,
        )
        context.set_default_timeout(20_000)
        context.set_default_navigation_timeout(60_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.failed:  # keep what each page showed, for the report
        FAILURES.mkdir(parents=True, exist_ok=True)
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                page.screenshot(path=str(FAILURES / f"{request.node.name}-{i}-{j}.png"), full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    """An anonymous desktop page."""
    return open_page()
