"""Fixtures of the test modules that drive Chromium with Playwright: one browser per
module, axe-core, a page signed in as an Admin."""

import os
import shutil
from pathlib import Path

import pytest

from dashboard.emulator import store
from tests.support.browser import AXE_CORE, CHROMIUM, missing, signed_in_page, sync_api


@pytest.fixture(scope="module")
def chromium():
    if not shutil.which(CHROMIUM):
        missing(f"Chromium not found at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_core() -> Path:
    """axe-core's browser script, installed from npm by `npm ci`."""
    if not AXE_CORE.is_file():
        missing(f"axe-core not found at {AXE_CORE} (run `npm ci`)")
    return AXE_CORE


@pytest.fixture
def org(db):
    return store.organization_create(name="Acme", domains=[], metadata={}, external_id=None)


@pytest.fixture
def page(chromium, live_server):
    page = signed_in_page(chromium, live_server)
    yield page
    page.context.close()
