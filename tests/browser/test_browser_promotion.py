"""Promotion in a real browser: a copy to production from the application's page, the
preview refusing a localhost redirect URI with production's rule, a replacement refused
then accepted, the result; the link on both pages, the drift view after a change in the
sandbox, the differences applied to production; axe-core on each page, light and dark; and
the copy without JavaScript."""

import re

import pytest

from dashboard.emulator import partition, store
from dashboard.emulator.models import Application
from tests.support.browser import (
    SCHEMES,
    axe_violations,
    describe,
    settled,
    signed_in_by_cookie,
    sync_api,
)

pytestmark = pytest.mark.django_db(transaction=True)

LOCALHOST = "http://localhost:3000/callback"
PORTAL = "https://portal.example.com/callback"
STAGING = "https://staging.portal.example.com/callback"
RULE = "Production environments accept only https redirect URIs and no localhost."


@pytest.fixture
def portal(db):
    return store.application_create(
        application_type="oauth",
        name="Customer Portal",
        description="Sign-in for customers.",
        is_first_party=True,
        scopes=["openid", "email"],
        redirect_uris=[{"uri": LOCALHOST, "default": True}, {"uri": PORTAL, "default": False}],
        cors_origins=["http://localhost:3000", "https://portal.example.com"],
    )


def production_apps() -> list[Application]:
    with partition.override("production"):
        return list(Application.objects.all())


def open_preview(page, portal) -> None:
    page.goto(f"/sandbox/applications/{portal.id}/")
    page.get_by_role("link", name="Copy to Production…").click()
    sync_api.expect(page.get_by_role("button", name="Create in Production")).to_be_visible()


def replacement_box(page, value: str):
    return page.get_by_label(f"Replace it with instead of {value}")


def copy_with_a_replacement(page, portal) -> None:
    open_preview(page, portal)
    replacement_box(page, LOCALHOST).fill(STAGING)
    page.get_by_role("button", name="Create in Production").click()
    sync_api.expect(
        page.get_by_role("heading", name=re.compile("is now in Production"))
    ).to_be_visible()


def change_in_the_sandbox(page, portal) -> None:
    page.goto(f"/sandbox/applications/{portal.id}/edit")
    page.get_by_label("Description").fill("Changed in the sandbox.")
    page.get_by_label("profile").check()
    page.get_by_role("button", name="Save changes").click()
    sync_api.expect(page.locator("#promotion")).to_contain_text("Drifted apart")


def test_a_whole_promotion_with_the_refusal_preview_and_the_drift_view(page, portal):
    expect = sync_api.expect
    open_preview(page, portal)

    expect(page).to_have_title(re.compile(r"^PRODUCTION · Copy Customer Portal to Production"))
    expect(page.get_by_text("Production refuses 2 values that Sandbox accepts.")).to_be_visible()
    box = replacement_box(page, LOCALHOST)
    expect(box).to_have_accessible_description(RULE)
    box.fill("http://127.0.0.1:9000/callback")
    page.get_by_role("button", name="Create in Production").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nothing was sent to Production")
    expect(alert).to_be_focused()
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_value("http://127.0.0.1:9000/callback")
    assert production_apps() == []

    # Replace the redirect URI; the http origin is left empty, so it is dropped.
    box.fill(STAGING)
    page.get_by_role("button", name="Create in Production").click()
    expect(
        page.get_by_role("heading", name="“Customer Portal” is now in Production")
    ).to_be_visible()
    expect(page.get_by_text("http://localhost:3000 was dropped")).to_be_visible()
    (created,) = production_apps()
    assert created.redirect_uris[0] == {"uri": STAGING, "default": True}
    assert created.cors_origins == ["https://portal.example.com"]

    page.get_by_role("button", name="Create its client secret in Production").click()
    expect(page.get_by_text("Copy this secret now.")).to_be_visible()
    with partition.override("production"):
        assert Application.objects.get(id=created.id).client_secrets.count() == 1
    section = page.locator("#promotion")
    expect(section).to_contain_text("Promoted from Sandbox, where it is")
    expect(section).to_contain_text("In step")
    section.get_by_role("link", name="Customer Portal").click()
    expect(page).to_have_url(re.compile(rf"/sandbox/applications/{portal.id}/$"))

    change_in_the_sandbox(page, portal)
    section = page.locator("#promotion")
    expect(section).to_contain_text("Drifted apart: 2 fields differ.")
    differs = section.locator("tr.drifted th")
    expect(differs).to_have_text(["Description", "Scopes"])
    expect(section.get_by_role("row", name=re.compile("^CORS origins"))).to_contain_text("Expected")
    section.get_by_role("link", name="Apply these differences to Production…").click()

    expect(
        page.get_by_role("heading", name="Apply Sandbox’s values to “Customer Portal”")
    ).to_be_visible()
    expect(page.get_by_text(f"{LOCALHOST} becomes {STAGING}")).to_be_visible()
    page.get_by_role("button", name="Apply to Production").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Applied Sandbox’s values to “Customer Portal”: Description, Scopes."
    )
    expect(page.locator("#promotion")).to_contain_text("In step")
    with partition.override("production"):
        created.refresh_from_db()
    assert created.description == "Changed in the sandbox."
    assert created.redirect_uris[0] == {"uri": STAGING, "default": True}


def test_the_copy_works_without_javascript(chromium, live_server, portal):
    expect = sync_api.expect
    page = signed_in_by_cookie(chromium, live_server, java_script_enabled=False)
    try:
        open_preview(page, portal)
        replacement_box(page, LOCALHOST).fill("javascript:alert(1)")
        page.get_by_role("button", name="Create in Production").click()
        expect(page.get_by_role("alert")).to_contain_text("Nothing was sent to Production")
        replacement_box(page, LOCALHOST).fill("")
        page.get_by_role("button", name="Create in Production").click()
        expect(page.get_by_role("heading", name=re.compile("is now in Production"))).to_be_visible()
        page.goto(f"/sandbox/applications/{portal.id}/")
        page.get_by_role("link", name="Compare with the copy").click()
        expect(
            page.get_by_role("heading", name="Copies of Customer Portal in other environments")
        ).to_be_visible()
        expect(page.get_by_text("In step")).to_be_visible()
    finally:
        page.context.close()


def _preview_with_an_error(page, portal):
    open_preview(page, portal)
    replacement_box(page, LOCALHOST).fill("http://127.0.0.1:9000/callback")
    page.get_by_role("button", name="Create in Production").click()
    sync_api.expect(page.get_by_role("alert")).to_be_visible()
    settled(page)


def _drift(page, portal):
    copy_with_a_replacement(page, portal)
    change_in_the_sandbox(page, portal)
    settled(page)


def _apply_preview(page, portal):
    _drift(page, portal)
    page.get_by_role("link", name="Apply these differences to Production…").click()
    sync_api.expect(page.get_by_role("button", name="Apply to Production")).to_be_visible()


VIEWS = {
    "preview": open_preview,
    "preview-with-an-error": _preview_with_an_error,
    "result": copy_with_a_replacement,
    "drift": _drift,
    "apply-preview": _apply_preview,
}


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", VIEWS)
def test_axe_finds_no_violation(name, scheme, chromium, live_server, axe_core, portal):
    page = signed_in_by_cookie(chromium, live_server, color_scheme=scheme)
    try:
        VIEWS[name](page, portal)
        violations = axe_violations(page, axe_core)
    finally:
        page.context.close()
    assert not violations, f"axe-core on {name} ({scheme}):\n{describe(violations)}"
