"""Take the README's screenshots of a running dashboard with headless Chromium.

    DASHBOARD_URL=http://127.0.0.1:8000 DASHBOARD_ADMIN_PASSWORD=... python docs/screenshots.py

It signs in as `admin`, creates one client secret on the first M2M application to show the
secret-created page, checks it (one check that works, one with a wrong secret), and tries
the sign-in of an OAuth application as the demo user alice@acme.example (its page then says
the test callback is registered), who then consents to two third-party applications for the
organizations' pages. It copies one sandbox
application to production, then changes it in the sandbox, for the drift view.
The search and credential health pages need the index synced: quickstart's worker does it
within seconds of starting.
"""

import os
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = os.environ.get("DASHBOARD_URL", "http://127.0.0.1:8000")
PASSWORD = os.environ["DASHBOARD_ADMIN_PASSWORD"]
OUT = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def promotion(page) -> None:
    """A copy to production with what production refuses, then the drift view after a
    change in the sandbox."""
    page.goto("/sandbox/applications/?order=asc&limit=100")
    page.get_by_role("link", name="Mobile App (Android)").first.click()
    page.get_by_role("link", name="Copy to Production…").click()
    # Its loopback redirect URI is refused there; left empty, it is dropped.
    page.get_by_label("Replace it with instead of http://127.0.0.1:8080/callback").wait_for()
    page.screenshot(path=OUT / "promote-preview.png", full_page=True)
    page.get_by_role("button", name="Create in Production").click()
    page.get_by_role("link", name=re.compile("^Sandbox’s application")).click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Description").fill("Android app sign-in, with the new onboarding.")
    page.get_by_label("offline_access").check()
    page.get_by_role("button", name="Save changes").click()
    page.locator("#promotion table").wait_for()
    box = page.locator("#promotion").bounding_box()
    top = box["y"] + page.evaluate("window.scrollY")
    clip = {
        "x": box["x"] - 24,
        "y": top - 16,
        "width": box["width"] + 48,
        "height": box["height"] + 32,
    }
    page.screenshot(path=OUT / "drift.png", full_page=True, clip=clip)


def consent_as_alice(page, application: str) -> None:
    """Alice tries the sign-in of a third-party application and consents for Acme
    Corporation, through the dashboard's test callback."""
    page.goto("/sandbox/applications/?order=asc&limit=100")
    page.get_by_role("link", name=application).first.click()
    page.get_by_role("link", name="Open the hand-over sheet").click()
    add = page.get_by_role("button", name="Add the dashboard’s test callback as a redirect URI")
    if add.count():
        add.click()
    page.get_by_role("button", name="Try the sign-in").click()
    page.wait_for_load_state("networkidle")
    if page.get_by_label("Email").count():
        page.get_by_label("Email").fill("alice@acme.example")
        page.get_by_label("Password").fill("demo-password-2026")
        page.get_by_role("button", name="Sign in").click()
    page.get_by_label("For the organization").select_option(label="Acme Corporation")
    page.get_by_role("button", name="Allow").click()
    page.get_by_text("The sign-in works.").wait_for()


def organizations(page) -> None:
    """The organizations, and Acme Corporation's page with the consents Alice gave two of its
    third-party applications."""
    consent_as_alice(page, "Zapier Integration")
    consent_as_alice(page, "HubSpot Bridge")
    page.goto("/sandbox/organizations/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / "organizations.png")
    page.get_by_role("link", name="Acme Corporation").click()
    page.locator("#consents table").wait_for()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / "organization.png", full_page=True)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 860}, base_url=BASE)
        page.goto("/login/")
        page.screenshot(path=OUT / "sign-in.png")
        page.get_by_label("User name").fill("admin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "list.png")
        page.get_by_role("navigation", name="Environment").get_by_role("link").last.click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "production.png")

        page.goto("/sandbox/applications/?order=asc")
        page.get_by_role("link", name="Customer Portal").first.click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "detail.png", full_page=True)

        page.goto("/sandbox/applications/new")
        page.get_by_label("Name").fill("Partner Portal")
        page.get_by_label("Third-party").check()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "create.png", full_page=True)

        page.goto("/sandbox/applications/?limit=10")
        page.locator("tbody tr", has_text="M2M").first.get_by_role("link").click()
        page.wait_for_load_state("networkidle")
        page.get_by_role("button", name="Create client secret").click()
        page.get_by_label("New client secret").wait_for()
        page.screenshot(path=OUT / "secret-created.png", full_page=True)

        # The new secret, checked with one click; then a pasted secret that is refused.
        page.get_by_role("button", name="Check these credentials").click()
        page.get_by_text("The credentials work.").wait_for()
        page.locator("#secrets .tag", has_text="just created").wait_for(state="detached")
        page.screenshot(path=OUT / "check-success.png", full_page=True)
        page.get_by_label("Client secret", exact=True).fill("a-secret-of-another-app-x7Qm")
        page.get_by_role("button", name="Check credentials").click()
        page.get_by_text("refused these credentials").wait_for()
        box = page.locator("#integrate").bounding_box()  # where the window shows it
        top = box["y"] + page.evaluate("window.scrollY")
        margin = {"x": box["x"] - 24, "y": top - 16}
        size = {"width": box["width"] + 48, "height": box["height"] + 32}
        page.screenshot(path=OUT / "check-failure.png", full_page=True, clip=margin | size)

        page.get_by_role("link", name="Open the hand-over sheet").click()
        page.get_by_role("heading", name="Get a token (curl)").wait_for()
        page.set_viewport_size({"width": 1280, "height": 1500})
        page.screenshot(path=OUT / "integrate-m2m.png")
        page.set_viewport_size({"width": 1280, "height": 860})

        page.goto("/sandbox/applications/?order=asc")
        page.get_by_role("link", name="Customer Portal").first.click()
        page.get_by_role("link", name="Open the hand-over sheet").click()
        page.get_by_role("heading", name="Authorization URL").wait_for()
        page.set_viewport_size({"width": 1280, "height": 1500})
        page.screenshot(path=OUT / "integrate-oauth.png")
        page.set_viewport_size({"width": 1280, "height": 860})

        # Try the sign-in as a demo user, through the dashboard's test callback.
        add = page.get_by_role("button", name="Add the dashboard’s test callback as a redirect URI")
        if add.count():
            add.click()
        page.get_by_role("button", name="Try the sign-in").click()
        page.get_by_label("Email").fill("alice@acme.example")
        page.get_by_label("Password").fill("demo-password-2026")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        if page.get_by_role("button", name="Allow").count():
            page.get_by_role("button", name="Allow").click()
        page.get_by_text("The sign-in works.").wait_for()
        page.screenshot(path=OUT / "try-sign-in.png", full_page=True)
        # The application's page now says the test callback is registered, with its button.
        page.get_by_role("link", name="Customer Portal").first.click()
        page.locator("#test-callback").wait_for()
        page.wait_for_load_state("networkidle")
        box = page.locator("#test-callback").bounding_box()
        bottom = box["y"] + box["height"] + page.evaluate("window.scrollY") + 16
        clip = {"x": 0, "y": 0, "width": 1280, "height": bottom}
        page.screenshot(path=OUT / "test-callback.png", full_page=True, clip=clip)

        organizations(page)

        # Two people editing one application: the second save meets the conflict screen.
        page.goto("/sandbox/applications/?order=asc")
        page.get_by_role("link", name="Admin Console").first.click()
        page.get_by_role("link", name="Edit").click()
        page.get_by_label("Name").fill("Admin Console (new)")
        other = browser.new_page(viewport={"width": 1280, "height": 860}, base_url=BASE)
        other.context.add_cookies(page.context.cookies())
        other.goto(page.url)
        other.get_by_label("Description").fill("Changed by someone else meanwhile.")
        other.get_by_label("email").check()
        other.get_by_role("button", name="Save changes").click()
        other.wait_for_load_state("networkidle")
        page.get_by_role("button", name="Save changes").click()
        page.get_by_text("Someone else saved this application").wait_for()
        page.screenshot(path=OUT / "conflict.png", full_page=True)

        promotion(page)

        page.goto("/audit/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "audit.png")

        page.goto("/sandbox/applications/")
        page.get_by_label("Search").fill("acme")
        page.wait_for_url(re.compile(r"q=acme"))
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "search.png")
        page.goto("/sandbox/health/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "health.png")

        page.emulate_media(color_scheme="dark")
        page.goto("/sandbox/applications/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "list-dark.png")

        phone = browser.new_page(viewport={"width": 390, "height": 844}, base_url=BASE)
        phone.context.add_cookies(page.context.cookies())
        phone.goto("/sandbox/applications/")
        phone.screenshot(path=OUT / "list-phone.png")
        browser.close()


if __name__ == "__main__":
    main()
