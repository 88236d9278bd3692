"""Browser fixtures: Playwright's sync API driving Debian's Chromium (never a downloaded one).

Registered for the whole suite by ``pytest_plugins`` in ``tests/conftest.py``. Tests that use
``page`` need ``@pytest.mark.browser`` and ``@pytest.mark.django_db(transaction=True)``, and
reach the app through pytest-django's ``live_server``, and keep their pictures with the
``screenshots`` folder.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _uses_browser(item: pytest.Item) -> bool:
    return item.get_closest_marker("browser") is not None or "browser" in getattr(
        item, "fixturenames", ()
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last (after pytest-django's own ordering, otherwise kept).

    Once the session's browser is up, the test thread looks asynchronous to Django and
    ``DJANGO_ALLOW_ASYNC_UNSAFE`` must stay set until the session ends; no other test should
    run under it, least of all one that passes the environment to ``leadflow check --deploy``.
    """
    items.sort(key=_uses_browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the session. Without it the browser tests skip on a workstation, but
    fail under CI, where a skipped journey would pass unnoticed."""
    if not CHROMIUM.exists():
        message = (
            f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        # From here on Playwright's sync API keeps an event loop running in the test thread,
        # and Django refuses every ORM call from such a thread unless told it is safe.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the journeys' screenshots go to: a temporary one, so that a test run leaves
    the work tree as it found it, unless ``LEADFLOW_SCREENSHOTS`` names one (relative to the
    project; ``LEADFLOW_SCREENSHOTS=docs/screenshots`` refreshes the pictures of the docs)."""
    wanted = os.environ.get("LEADFLOW_SCREENSHOTS")
    if not wanted:
        return tmp_path_factory.mktemp("screenshots")
    folder = request.config.rootpath / wanted
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh context (no cookies, no storage) and page per test."""
    context = browser.new_context(viewport={"width": 800, "height": 1000}, locale="en-US")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """pytest-django's live server, started with the HTTPS redirect off.

    The live server speaks plain HTTP, and the settings turn ``SECURE_SSL_REDIRECT`` on whenever
    ``DEBUG`` is off, which would send the browser to an https:// address nobody serves. The
    security middleware reads the setting once, when the server builds its handler, so the
    override lasts only for the start and leaves every other test's settings alone.
    """
    address = (
        request.config.getvalue("liveserver")
        or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(SECURE_SSL_REDIRECT=False):
        server = LiveServer(address)
    yield server
    server.stop()
