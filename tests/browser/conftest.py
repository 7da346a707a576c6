"""Browser end-to-end tests: Playwright's sync API driving Debian's Chromium against pytest-django's live server.

Every test in this folder gets the ``browser`` marker (``pytest -m "not browser"`` skips them). Without
/usr/bin/chromium they are skipped with the reason, except in CI (``CI=true``), where that is a failure.
Never run ``playwright install``: the browser is the system one. A failing test leaves a full-page screenshot
in ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "browser-test-pw-2026"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between page actions
# are still synchronous, so Django's async-safety guard must not refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The live server listens on the loopback address only.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (browser tests are required in CI)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium per test process."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: install Debian's chromium (`make browser-deps`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """``new_page(locale="en-US", viewport=DESKTOP)`` opens a page in a fresh context (own cookies).

    JavaScript errors on the page fail the test; a failing test saves a screenshot of every page it opened.
    """
    pages: list[Any] = []
    errors: list[str] = []

    def open_page(*, locale: str = "en-US", viewport: dict[str, int] | None = None) -> Any:
        context = chromium.new_context(locale=locale, viewport=viewport or DESKTOP, base_url=live_server.url)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "response",
            lambda response: (
                errors.append(f"{response.status} {response.url}")
                if response.status >= 400 and "/static/" in response.url
                else None
            ),
        )
        pages.append(page)
        return page

    yield open_page

    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for index, page in enumerate(pages):
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}-{index}.png"), full_page=True)
            except Exception:  # noqa: S112 - a screenshot is best effort; the test has already failed
                continue
    for page in pages:
        page.context.close()
    assert not errors, f"JavaScript errors or missing static files on the page: {errors}"


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A desktop-sized page that asks for English."""
    return new_page()


@pytest.fixture
def make_user(transactional_db: None) -> Callable[..., Any]:
    """Create a login with the browser-test password: ``make_user("rita", role="rep")``."""
    from attain.accounts.models import User

    def create(username: str, *, role: str, **extra: Any) -> User:
        return User.objects.create_user(username=username, password=PASSWORD, role=role, **extra)

    return create


def log_in(page: Any, username: str, password: str = PASSWORD) -> None:
    """Fill in and submit the login form."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


DEMO_SEED = 2026


@dataclass(frozen=True)
class DemoWorld:
    """The loaded demo: its summary, and the showcase logins by kind (admin, director, team_manager, …)."""

    summary: Any
    logins: dict[str, Any]
    password: str


@pytest.fixture
def demo_world(transactional_db: None) -> DemoWorld:
    """The small demo company (fixed seed, as of today), loaded through the demo loader.

    It loads in well under a second, so every test gets a fresh one instead of sharing state between tests.
    """
    from attain.demo.services import demo_load

    summary = demo_load(size="small", seed=DEMO_SEED)
    return DemoWorld(summary=summary, logins={login.kind: login for login in summary.logins}, password=summary.password)
