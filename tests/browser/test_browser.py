"""What only a browser shows: HTMX swaps, focus, copy buttons, and the no-JavaScript path.

Playwright drives the system's Chromium against a live server on the embedded API.
Without Chromium these tests are skipped, unless REQUIRE_BROWSER=1 (set by CI), where a
missing browser is a failure.
"""

import re

import pytest

from dashboard.emulator import store
from dashboard.emulator.models import Application, ClientSecret
from tests.support.browser import signed_in_page, sync_api

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_lands_on_the_list(page):
    expect = sync_api.expect
    expect(page.get_by_role("heading", name="Applications")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_contain_text("ops")
    expect(page.get_by_role("navigation", name="Environment")).to_contain_text("Sandbox")


def test_create_edit_and_delete_an_oauth_app(page, org):
    expect = sync_api.expect
    page.get_by_role("link", name="New application").first.click()
    page.get_by_label("Name").fill("Customer Portal")
    rows = page.locator("input[name=redirect_uri]")
    rows.nth(0).fill("https://portal.example.com/callback")
    page.get_by_role("button", name="Add a redirect URI").click()
    expect(rows).to_have_count(2)
    rows.nth(1).fill("https://staging.example.com/callback")
    page.get_by_role("button", name="Add a redirect URI").click()
    expect(rows).to_have_count(3)
    rows.nth(2).fill("https://to-remove.example.com/callback")
    page.get_by_role("button", name="Remove redirect URI 3").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_have_value("https://staging.example.com/callback")
    page.locator("input[name=redirect_default][value='1']").check()
    page.get_by_label("openid").check()
    page.get_by_role("button", name="Create application").click()

    page.wait_for_url(re.compile(r"/sandbox/applications/conn_app_\w+/$"))
    expect(page.get_by_text("Created “Customer Portal”.")).to_be_visible()
    app = Application.objects.get(name="Customer Portal")
    assert app.redirect_uris == [
        {"uri": "https://portal.example.com/callback", "default": False},
        {"uri": "https://staging.example.com/callback", "default": True},
    ]

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("email").check()
    page.get_by_label("Other scopes").fill("reports:read")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/sandbox/applications/conn_app_\w+/$"))
    expect(page.get_by_text("Saved “Customer Portal”.")).to_be_visible()
    app.refresh_from_db()
    assert app.scopes == ["openid", "email", "reports:read"]

    page.get_by_role("link", name="Delete…").click()
    page.get_by_label("to confirm").fill("Customer Portal")
    page.get_by_role("button", name="Delete this application").click()
    page.wait_for_url(re.compile(r"/sandbox/applications/$"))
    expect(page.get_by_text("Deleted “Customer Portal”.")).to_be_visible()
    assert not Application.objects.filter(name="Customer Portal").exists()


def test_invalid_input_is_shown_inline_and_focus_moves_to_the_summary(page):
    expect = sync_api.expect
    page.goto("/sandbox/applications/new")
    page.locator("input[name=redirect_uri]").first.fill("javascript:alert(1)")
    page.get_by_role("button", name="Create application").click()

    expect(page.locator("[role=alert]", has_text="Some fields need attention")).to_be_focused()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    expect(page.get_by_text("scheme can run code")).to_be_visible()
    expect(page.locator("input[name=redirect_uri]").first).to_have_value("javascript:alert(1)")
    assert not Application.objects.exists()


def test_create_an_m2m_app_with_the_form_adapting(page, org):
    expect = sync_api.expect
    page.goto("/sandbox/applications/new")
    page.get_by_label("Name").fill("Billing export")
    page.get_by_label("Machine-to-machine (M2M)").check()
    expect(page.get_by_text("Redirect URIs")).to_have_count(0)
    expect(page.get_by_label("Name")).to_have_value("Billing export")
    page.get_by_label("Organization").fill(org.id)
    page.get_by_role("button", name="Create application").click()

    page.wait_for_url(re.compile(r"/sandbox/applications/conn_app_\w+/$"))
    expect(page.get_by_text("M2M", exact=True)).to_be_visible()
    expect(page.get_by_text("Acme")).to_be_visible()


def test_page_through_and_filter_the_list(page, org):
    expect = sync_api.expect
    other = store.organization_create(name="Globex", domains=[], metadata={}, external_id=None)
    for index in range(12):
        store.application_create(
            application_type="m2m",
            name=f"Worker {index:02d}",
            organization_id=(org if index % 2 else other).id,
        )
    page.goto("/sandbox/applications/?limit=10")
    expect(page.get_by_role("link", name="Worker 11")).to_be_visible()

    page.get_by_role("link", name="Next →").click()
    expect(page.get_by_role("link", name="Worker 01")).to_be_visible()
    expect(page.get_by_role("link", name="Worker 11")).to_have_count(0)
    assert "after=" in page.url

    page.get_by_role("link", name="← Previous").click()
    expect(page.get_by_role("link", name="Worker 11")).to_be_visible()
    assert "before=" in page.url

    page.go_back()
    expect(page.get_by_role("link", name="Worker 01")).to_be_visible()

    page.get_by_label("Organization").fill(other.id)
    page.get_by_label("Organization").press("Enter")
    expect(page.get_by_role("link", name="Worker 01")).to_have_count(0)
    expect(page.get_by_role("link", name="Worker 00")).to_be_visible()
    assert f"organization={other.id}" in page.url

    page.reload()
    expect(page.get_by_role("link", name="Worker 03")).to_have_count(0)


def test_a_secret_is_shown_once_copied_and_revoked(page, org):
    expect = sync_api.expect
    app = store.application_create(application_type="m2m", name="Worker", organization_id=org.id)
    page.goto(f"/sandbox/applications/{app.id}/")
    expect(page.get_by_text("No client secrets")).to_be_visible()

    page.get_by_role("button", name="Create client secret").click()
    secret_field = page.get_by_label("New client secret")
    expect(secret_field).to_be_visible()
    plaintext = secret_field.input_value()
    assert ClientSecret.objects.get().secret_hint == plaintext[-4:]
    page.get_by_role("button", name="Copy secret").click()
    assert page.evaluate("navigator.clipboard.readText()") == plaintext

    page.reload()
    expect(page.get_by_text(f"…{plaintext[-4:]}")).to_be_visible()
    expect(page.get_by_label("New client secret")).to_have_count(0)
    assert plaintext not in page.content()

    page.get_by_role("link", name="Revoke…").click()
    page.get_by_role("button", name="Revoke secret").click()
    expect(page.get_by_text("Revoked the secret")).to_be_visible()
    assert not ClientSecret.objects.exists()


def test_the_create_flow_works_without_javascript(chromium, live_server, org):
    expect = sync_api.expect
    page = signed_in_page(chromium, live_server, javascript=False)
    try:
        page.goto("/sandbox/applications/new")
        page.get_by_label("Name").fill("No-JS Portal")
        page.locator("input[name=redirect_uri]").first.fill("https://nojs.example.com/one")
        page.get_by_role("button", name="Add a redirect URI").click()
        page.locator("input[name=redirect_uri]").nth(1).fill("https://nojs.example.com/two")
        page.locator("input[name=redirect_default][value='1']").check()
        page.get_by_label("Third-party").check()
        page.get_by_role("button", name="Update the form for this type").click()
        expect(page.get_by_label("Name")).to_have_value("No-JS Portal")
        page.get_by_label("Organization").fill(org.id)
        page.get_by_role("button", name="Create application").click()

        page.wait_for_url(re.compile(r"/sandbox/applications/conn_app_\w+/$"))
        expect(page.get_by_text("Created “No-JS Portal”.")).to_be_visible()
        app = Application.objects.get(name="No-JS Portal")
        assert app.organization_id == org.id and not app.is_first_party
        assert app.redirect_uris[1] == {"uri": "https://nojs.example.com/two", "default": True}
    finally:
        page.context.close()


def test_leaving_a_form_with_unsaved_changes_asks_first(page, org):
    app = store.application_create(application_type="m2m", name="Worker", organization_id=org.id)
    page.goto(f"/sandbox/applications/{app.id}/edit")
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.get_by_label("Name").fill("Unsaved name")
    page.get_by_role("link", name="Cancel").click(no_wait_after=True)

    sync_api.expect(page.get_by_label("Name")).to_have_value("Unsaved name")
    assert dialogs == ["beforeunload"]

    page.remove_listener("dialog", answer)
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/sandbox/applications/conn_app_\w+/$"))
    app.refresh_from_db()
    assert app.name == "Unsaved name"


def test_a_redirect_uri_can_be_tested_on_the_application_page(page):
    expect = sync_api.expect
    app = store.application_create(
        application_type="oauth",
        name="Portal",
        is_first_party=True,
        redirect_uris=[
            {"uri": "https://*.preview.example.com/cb", "default": False},
            {"uri": "https://portal.example.com/cb", "default": True},
        ],
    )
    page.goto(f"/sandbox/applications/{app.id}/")
    page.get_by_label("Redirect URI to test").fill("https://pr-7.preview.example.com/cb")
    page.get_by_role("button", name="Test").click()

    expect(page.get_by_text("matches the registered wildcard")).to_be_visible()
    assert page.url.endswith(f"/sandbox/applications/{app.id}/")  # swapped in place
