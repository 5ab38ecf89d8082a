"""On a 390-pixel phone, light and dark: no page scrolls sideways, every consent's Revoke link
and every value of the promotion preview is in view, and the application list shows its first
rows on the first screen, its filters behind a disclosure that the keyboard opens."""

import pytest

from dashboard.emulator import store
from tests.support import consent
from tests.support.browser import SCHEMES, settled, signed_in_by_cookie, sync_api

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
SCOPES = ["openid", "profile", "email", "offline_access", "appointments:write"]


def on_a_phone(chromium, live_server, scheme: str, **options):
    return signed_in_by_cookie(
        chromium, live_server, viewport=PHONE, color_scheme=scheme, **options
    )


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def assert_in_view(locator) -> None:
    """Every element `locator` finds lies between the viewport's left and right edges."""
    assert locator.count()
    for box in (element.bounding_box() for element in locator.all()):
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


@pytest.fixture
def consented(portal, acme, alice):
    store.application_update(portal, {"scopes": SCOPES})
    consent(alice, portal, acme, SCOPES)
    return portal


def organization_page(page, app, organization) -> None:
    page.goto(f"/sandbox/organizations/{organization.id}/")


def application_page(page, app, organization) -> None:
    page.goto(f"/sandbox/applications/{app.id}/")


def application_consents_page(page, app, organization) -> None:
    page.goto(f"/sandbox/applications/{app.id}/consents")


CONSENT_PAGES = {
    "organization": organization_page,
    "application": application_page,
    "application-consents": application_consents_page,
}


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", CONSENT_PAGES)
def test_on_a_phone_a_consents_table_fits_and_its_revoke_links_are_in_view(
    name, scheme, chromium, live_server, consented, acme
):
    page = on_a_phone(chromium, live_server, scheme)
    try:
        CONSENT_PAGES[name](page, consented, acme)
        revoke = page.locator("#consents").get_by_role("link", name="Revoke…")
        sync_api.expect(revoke).to_be_visible()
        settled(page)
        assert page_width(page) <= PHONE["width"]
        assert_in_view(revoke)
        assert_in_view(page.locator("#consents").get_by_text("appointments:write"))
        # Still a table to a screen reader, its cells under their column's name.
        sync_api.expect(
            page.locator("#consents").get_by_role("columnheader", name="Scopes granted")
        ).to_have_count(1)
    finally:
        page.context.close()


@pytest.fixture
def northwind(db):
    organization = store.organization_create(
        name="Northwind Health", domains=[], metadata={}, external_id=None
    )
    return store.application_create(
        application_type="oauth",
        name="Northwind Health Portal",
        is_first_party=False,
        organization_id=organization.id,
        scopes=SCOPES,
        redirect_uris=[
            {"uri": "https://app.northwind-health.example/auth/callback", "default": True},
            {"uri": "http://localhost:3000/auth/callback", "default": False},
        ],
    )


@pytest.mark.parametrize("scheme", SCHEMES)
def test_on_a_phone_the_promotion_preview_shows_what_production_will_get(
    scheme, chromium, live_server, northwind
):
    page = on_a_phone(chromium, live_server, scheme)
    try:
        page.goto(f"/sandbox/applications/{northwind.id}/")
        page.get_by_role("link", name="Copy to Production…").click()
        create = page.get_by_role("button", name="Create in Production")
        sync_api.expect(create).to_be_visible()
        assert page_width(page) <= PHONE["width"]
        assert_in_view(page.locator("td[data-label='Production will get']"))
        assert_in_view(page.get_by_text("appointments:write"))
        assert_in_view(page.get_by_label("Organization in Production"))
        assert_in_view(page.get_by_role("textbox", name="Replace it with"))
        assert_in_view(create)
    finally:
        page.context.close()


@pytest.fixture
def listed(acme):
    for number in range(30):
        store.application_create(
            application_type="m2m", name=f"Worker {number:02}", organization_id=acme.id
        )


@pytest.mark.parametrize("scheme", SCHEMES)
def test_on_a_phone_the_list_shows_its_first_rows_on_the_first_screen(
    scheme, chromium, live_server, listed
):
    page = on_a_phone(chromium, live_server, scheme)
    try:
        page.goto("/sandbox/applications/")
        first = page.locator("#results tbody tr").first
        sync_api.expect(first).to_be_in_viewport()
        box = first.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"], box
        assert page.evaluate("window.scrollY") == 0
        assert page_width(page) <= PHONE["width"]
        sync_api.expect(page.get_by_label("Search")).to_be_visible()
        sync_api.expect(page.get_by_label("Type")).to_be_hidden()
    finally:
        page.context.close()


def test_on_a_phone_the_keyboard_opens_the_filters_and_they_filter_the_list(
    chromium, live_server, listed, portal
):
    page = on_a_phone(chromium, live_server, "light")
    try:
        page.goto("/sandbox/applications/")
        summary = page.locator("summary", has_text="Filters")
        summary.focus()
        page.keyboard.press("Enter")
        sync_api.expect(page.get_by_label("Type")).to_be_visible()
        page.get_by_label("Type").select_option(label="OAuth")
        sync_api.expect(page.locator("#results tbody tr")).to_have_count(1)
        sync_api.expect(page.get_by_role("link", name="Partner Portal")).to_be_visible()
        sync_api.expect(summary).to_contain_text("in use")
        assert page_width(page) <= PHONE["width"]
    finally:
        page.context.close()


def test_on_a_phone_without_javascript_the_filters_are_open_and_apply(
    chromium, live_server, listed, portal
):
    page = on_a_phone(chromium, live_server, "light", java_script_enabled=False)
    try:
        page.goto("/sandbox/applications/")
        page.get_by_label("Type").select_option(label="OAuth")
        page.get_by_role("button", name="Apply").click()
        sync_api.expect(page.get_by_role("link", name="Partner Portal")).to_be_visible()
        sync_api.expect(page.locator("#results tbody tr")).to_have_count(1)
    finally:
        page.context.close()


def test_on_a_wide_screen_the_filters_show_without_a_disclosure(chromium, live_server, listed):
    page = signed_in_by_cookie(chromium, live_server, viewport={"width": 1280, "height": 800})
    try:
        page.goto("/sandbox/applications/")
        sync_api.expect(page.get_by_label("Type")).to_be_visible()
        sync_api.expect(page.locator("summary", has_text="Filters")).to_be_hidden()
        page.set_viewport_size(PHONE)
        sync_api.expect(page.get_by_label("Type")).to_be_hidden()
        page.set_viewport_size({"width": 1280, "height": 800})
        sync_api.expect(page.get_by_label("Type")).to_be_visible()
    finally:
        page.context.close()
