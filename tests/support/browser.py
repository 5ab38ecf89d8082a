"""What the test modules that drive Chromium with Playwright share (their fixtures are in
tests/browser/conftest.py).

Without Chromium, or without axe-core for the accessibility tests (`npm ci` installs it),
those tests are skipped, unless REQUIRE_BROWSER=1 (set by CI), where whatever is missing
fails them instead.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from tests.support import make_user

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_CORE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct-horse-battery"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
SCHEMES = ["light", "dark"]

sync_api = pytest.importorskip("playwright.sync_api")


def settled(page) -> None:
    """Wait until htmx has no request or swap under way and has bound what it swapped in:
    new content answers to its triggers only once settled (keys pressed before are lost)."""
    sync_api.expect(
        page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    ).to_have_count(0)


def missing(what: str) -> None:
    """Skip the test for lack of `what`, or fail it when browser tests are required."""
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what}, and REQUIRE_BROWSER=1 requires it.", pytrace=False)
    pytest.skip(what)


def admin():
    user = get_user_model().objects.filter(username="ops").first()
    return user or make_user("ops", role="Admin", password=PASSWORD)


def signed_in_page(chromium, live_server, *, javascript: bool = True, **context_options):
    """A page signed in as an Admin; `context_options` go to Playwright's `new_context`."""
    admin()
    context = chromium.new_context(
        java_script_enabled=javascript, base_url=live_server.url, **context_options
    )
    if javascript:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/")
    page.get_by_label("User name").fill("ops")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/sandbox/applications/$"))
    return page


def signed_in_by_cookie(chromium, live_server, **context_options):
    """A page signed in as an Admin with a session made on the server: twice as quick as
    the sign-in form, for tests about other pages."""
    client = Client()
    client.force_login(admin())
    context = chromium.new_context(base_url=live_server.url, **context_options)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def axe_violations(page, axe_core) -> list[dict]:
    # Evaluated through the DevTools protocol, axe-core runs under the page's own strict
    # Content-Security-Policy, which a <script> tag added to the page would break.
    # Waited for with a locator: a string predicate that must be polled is evaluated with
    # eval() in the page, which its Content-Security-Policy refuses.
    settled(page)
    page.evaluate(axe_core.read_text())
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return results["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"  {target}")
            lines.extend(f"    {line.strip()}" for line in node["failureSummary"].splitlines())
    return "\n".join(lines)
