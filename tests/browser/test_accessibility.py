"""Accessibility: axe-core finds no violation on any page, in light mode and in dark mode.

Each page is loaded as a user sees it, signed in as an Admin (or signed out for the sign-in
page), with data that fills every part of it. axe-core comes from npm (`npm ci`) and runs
with the WCAG 2.x A and AA rules plus axe's best practices; any violation fails the test
with its rule, impact, elements and what is wrong with them. Then what axe cannot judge:
errors tied to their fields, which fields are marked red, the list on a phone.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from dashboard.audit.models import AuditEvent
from dashboard.emulator import store
from dashboard.emulator.models import Application
from tests.support.browser import (
    PASSWORD,
    SCHEMES,
    axe_violations,
    describe,
    signed_in_by_cookie,
    sync_api,
)

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Data:
    portal: object
    secret: object
    update_event: AuditEvent


@pytest.fixture
def data(db) -> Data:
    """Applications of every kind, client secrets and audit events to show on the pages."""
    acme = store.organization_create(name="Acme", domains=[], metadata={}, external_id=None)
    globex = store.organization_create(name="Globex", domains=[], metadata={}, external_id=None)
    portal = store.application_create(
        application_type="oauth",
        name="Customer Portal",
        description="Where customers manage their account.",
        is_first_party=True,
        uses_pkce=True,
        scopes=["openid", "email"],
        redirect_uris=[
            {"uri": "https://portal.example.com/callback", "default": True},
            {"uri": "https://*.preview.example.com/callback", "default": False},
        ],
        cors_origins=["https://portal.example.com"],
    )
    store.application_create(
        application_type="oauth",
        name="Partner Analytics",
        is_first_party=False,
        organization_id=acme.id,
        redirect_uris=[{"uri": "https://analytics.example.net/oauth", "default": True}],
        scopes=["openid"],
    )
    store.application_create(
        application_type="oauth",
        name="Registered CLI",
        is_first_party=False,
        organization_id=globex.id,
        was_dynamically_registered=True,
        redirect_uris=[{"uri": "http://127.0.0.1:8765/callback", "default": True}],
    )
    store.application_create(application_type="m2m", name="Billing export", organization_id=acme.id)
    secret, _ = store.client_secret_create(portal)
    store.client_secret_create(portal)
    update_event = AuditEvent.objects.create(
        username="ops",
        ip="127.0.0.1",
        action=AuditEvent.Action.UPDATE,
        application_id=portal.id,
        application_name=portal.name,
        changes={"name": {"before": "Portal", "after": "Customer Portal"}},
        outcome=AuditEvent.Outcome.SUCCESS,
    )
    AuditEvent.objects.create(
        username="viewer",
        ip="127.0.0.1",
        action=AuditEvent.Action.PERMISSION_REFUSED,
        outcome=AuditEvent.Outcome.REFUSED,
        detail="Deleting applications needs the Admin role.",
    )
    return Data(portal=portal, secret=secret, update_event=update_event)


@dataclass(frozen=True)
class View:
    """How to bring a page into the state to check."""

    visit: Callable
    signed_in: bool = True


def _list(page, data):
    page.goto("/sandbox/applications/")
    sync_api.expect(page.get_by_role("link", name="Partner Analytics")).to_be_visible()


def _detail(page, data):
    page.goto(f"/sandbox/applications/{data.portal.id}/")
    sync_api.expect(page.get_by_role("link", name="Revoke…")).to_have_count(2)


def _detail_with_a_new_secret(page, data):
    _detail(page, data)
    page.get_by_role("button", name="Create client secret").click()
    sync_api.expect(page.get_by_label("New client secret")).to_be_visible()


def _create_oauth(page, data):
    page.goto("/sandbox/applications/new")
    sync_api.expect(page.get_by_label("Name")).to_be_visible()


def _create_m2m(page, data):
    page.goto("/sandbox/applications/new?type=m2m")
    sync_api.expect(page.get_by_label("Organization")).to_be_visible()


def _create_with_errors(page, data):
    page.goto("/sandbox/applications/new")
    page.locator("input[name=redirect_uri]").first.fill("javascript:alert(1)")
    page.get_by_role("button", name="Add a redirect URI").click()
    page.locator("input[name=redirect_uri]").nth(1).fill("https://portal.example.com/callback")
    page.get_by_role("button", name="Create application").click()
    sync_api.expect(page.get_by_text("Some fields need attention")).to_be_visible()


def _edit(page, data):
    page.goto(f"/sandbox/applications/{data.portal.id}/edit")
    sync_api.expect(page.get_by_role("button", name="Save changes")).to_be_visible()


def _delete(page, data):
    page.goto(f"/sandbox/applications/{data.portal.id}/delete")
    sync_api.expect(page.get_by_role("button", name="Delete this application")).to_be_visible()


def _revoke_secret(page, data):
    page.goto(f"/sandbox/applications/{data.portal.id}/secrets/{data.secret.id}/revoke")
    sync_api.expect(page.get_by_role("button", name="Revoke secret")).to_be_visible()


def _audit_trail(page, data):
    page.goto("/audit/")
    sync_api.expect(page.get_by_role("cell", name="Permission refused")).to_be_visible()


def _audit_event(page, data):
    page.goto(f"/audit/{data.update_event.id}/")
    sync_api.expect(page.get_by_role("heading", name="Changes")).to_be_visible()


def _sign_in(page, data):
    page.goto("/sandbox/applications/")
    sync_api.expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def _sign_in_failed(page, data):
    _sign_in(page, data)
    page.get_by_label("User name").fill("ops")
    page.get_by_label("Password").fill("not-" + PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    sync_api.expect(page.get_by_role("alert")).to_be_visible()


def _settled(page):
    """No HTMX request or swap under way: waited for with a locator, which the page's CSP
    allows, where a polled function would be refused as eval."""
    sync_api.expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def _integrate_oauth(page, data):
    page.goto(f"/sandbox/applications/{data.portal.id}/integrate")
    sync_api.expect(page.get_by_role("heading", name="Authorization URL")).to_be_visible()


def _billing_export():
    return Application.objects.get(name="Billing export")


def _integrate_m2m(page, data):
    page.goto(f"/sandbox/applications/{_billing_export().id}/integrate")
    sync_api.expect(page.get_by_role("heading", name="Get a token (curl)")).to_be_visible()


def _new_secret_checked(page, data):
    page.goto(f"/sandbox/applications/{_billing_export().id}/")
    page.get_by_role("button", name="Create client secret").click()
    page.get_by_role("button", name="Check these credentials").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("The credentials work.")
    # The secrets table reloads for its "Last used", without its "just created" tag.
    sync_api.expect(page.locator("#secrets .tag", has_text="just created")).to_have_count(0)
    _settled(page)


def _check_refused(page, data):
    store.client_secret_create(_billing_export())
    page.goto(f"/sandbox/applications/{_billing_export().id}/")
    page.get_by_label("Client secret", exact=True).fill("not-the-secret")
    page.get_by_role("button", name="Check credentials").click()
    sync_api.expect(page.get_by_role("alert")).to_contain_text("invalid_client")
    _settled(page)


CONFIGURATION = """\
version: 1
applications:
  customer-portal:
    name: Customer Portal
    application_type: oauth
    is_first_party: true
    description: Where customers sign in.
    uses_pkce: true
    redirect_uris:
      - uri: https://portal.example.com/callback
    scopes: [openid, email]
  reports:
    name: Reports
    application_type: m2m
    organization: Acme
    scopes: [Reports]
"""


def _configuration(page, data):
    page.goto("/sandbox/configuration/")
    sync_api.expect(page.get_by_role("button", name="Show the plan")).to_be_visible()


def _configuration_plan(page, data, text=None):
    _configuration(page, data)
    page.get_by_label("Or paste it").fill(text or CONFIGURATION.replace("[Reports]", "[]"))
    page.get_by_label("Delete the applications that the file does not list").check()
    page.get_by_role("button", name="Show the plan").click()
    _settled(page)


def _configuration_planned(page, data):
    _configuration_plan(page, data)
    sync_api.expect(page.get_by_role("button", name="Apply 4 changes")).to_be_visible()


def _configuration_refused(page, data):
    _configuration_plan(page, data, CONFIGURATION)
    sync_api.expect(page.get_by_role("alert")).to_contain_text("scopes[0]")


VIEWS = {
    "application-list": View(_list),
    "application-detail": View(_detail),
    "application-detail-new-secret": View(_detail_with_a_new_secret),
    "create-oauth": View(_create_oauth),
    "create-m2m": View(_create_m2m),
    "create-with-errors": View(_create_with_errors),
    "edit": View(_edit),
    "delete": View(_delete),
    "revoke-secret": View(_revoke_secret),
    "integrate-oauth": View(_integrate_oauth),
    "integrate-m2m": View(_integrate_m2m),
    "new-secret-checked": View(_new_secret_checked),
    "check-refused": View(_check_refused),
    "configuration": View(_configuration),
    "configuration-planned": View(_configuration_planned),
    "configuration-refused": View(_configuration_refused),
    "audit-trail": View(_audit_trail),
    "audit-event": View(_audit_event),
    "sign-in": View(_sign_in, signed_in=False),
    "sign-in-failed": View(_sign_in_failed, signed_in=False),
}


def open_page(chromium, live_server, *, signed_in: bool = True, **context_options):
    if signed_in:
        return signed_in_by_cookie(chromium, live_server, **context_options)
    page = chromium.new_context(base_url=live_server.url, **context_options).new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", VIEWS)
def test_axe_finds_no_violation(name, scheme, chromium, live_server, axe_core, data):
    view = VIEWS[name]
    page = open_page(chromium, live_server, signed_in=view.signed_in, color_scheme=scheme)
    try:
        view.visit(page, data)
        violations = axe_violations(page, axe_core)
    finally:
        page.context.close()
    assert not violations, f"axe-core on {name} ({scheme}):\n{describe(violations)}"


# What axe cannot judge.


def test_a_refused_sign_in_is_an_alert_that_both_fields_point_to(chromium, live_server, data):
    expect = sync_api.expect
    page = open_page(chromium, live_server, signed_in=False)
    try:
        _sign_in_failed(page, data)
        banner = page.locator(".banner.banner-error[role=alert]")
        expect(banner).to_contain_text("correct username and password")
        fields = [page.get_by_label("User name"), page.get_by_label("Password")]
        for field in fields:
            expect(field).to_have_attribute("aria-invalid", "true")
            expect(field).to_have_accessible_description(banner.inner_text().strip())
        assert fields[0].bounding_box()["width"] == fields[1].bounding_box()["width"]
    finally:
        page.context.close()


def test_an_empty_sign_in_names_the_missing_fields(chromium, live_server):
    expect = sync_api.expect
    page = open_page(chromium, live_server, signed_in=False)
    try:
        _sign_in(page, None)
        page.get_by_role("button", name="Sign in").click()
        for label in ("User name", "Password"):
            expect(page.get_by_label(label)).to_have_attribute("aria-invalid", "true")
            expect(page.get_by_label(label)).to_have_accessible_description(
                "This field is required."
            )
    finally:
        page.context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_only_the_redirect_uri_row_in_error_turns_red(scheme, chromium, live_server, data):
    page = open_page(chromium, live_server, color_scheme=scheme)
    try:
        _create_with_errors(page, data)
        border = "element => getComputedStyle(element).borderTopColor"
        danger = page.evaluate(
            "getComputedStyle(document.documentElement).getPropertyValue('--danger')"
        )
        # Whether or not the template marks the fieldset too, its other rows stay as they are.
        page.locator("fieldset.redirects").evaluate("element => element.classList.add('has-error')")
        wrong, right = page.locator("input[name=redirect_uri]").all()
        assert wrong.evaluate(border) == rgb(danger)
        assert right.evaluate(border) != rgb(danger)
        assert page.get_by_label("Description").evaluate(border) != rgb(danger)
    finally:
        page.context.close()


def test_on_a_phone_the_application_list_does_not_scroll_sideways(chromium, live_server, data):
    page = open_page(chromium, live_server, viewport={"width": 390, "height": 844})
    try:
        _list(page, data)
        table = page.locator(".table-wrap")
        assert table.evaluate("element => element.scrollWidth <= element.clientWidth")
        headers = [text.strip() for text in page.locator("thead th:visible").all_inner_texts()]
        assert headers == ["Name", "Organization"]
    finally:
        page.context.close()


def rgb(hex_color: str) -> str:
    red, green, blue = bytes.fromhex(hex_color.strip().removeprefix("#"))
    return f"rgb({red}, {green}, {blue})"
