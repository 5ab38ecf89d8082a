"""A consent end to end: a user authorizes a third-party application in Chromium at the
embedded authorization server, the application's page in the dashboard lists the consent,
an Admin revokes it there, and the refresh token the authorization gave stops working."""

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from dashboard.emulator import store
from dashboard.emulator.user_management import store as users
from tests.support.authkit import CALLBACK, PASSWORD
from tests.support.browser import signed_in_by_cookie, sync_api

pytestmark = pytest.mark.django_db(transaction=True)

SCOPES = "openid profile email offline_access documents:read"


@pytest.fixture
def portal(db):
    initech = store.organization_create(name="Initech", domains=[], metadata={}, external_id=None)
    app = store.application_create(
        application_type="oauth",
        name="Partner Portal",
        is_first_party=False,
        organization_id=initech.id,
        uses_pkce=True,
        scopes=["documents:read"],
        redirect_uris=[{"uri": CALLBACK, "default": True}],
    )
    _, secret = store.client_secret_create(app)
    users.user_create(
        email="alice@acme.example", password=PASSWORD, first_name="Alice", last_name="Liddell",
        name=None, email_verified=True, external_id=None, metadata={},
    )  # fmt: skip
    return app, secret


def authorize_in_the_browser(chromium, issuer: str, app) -> tuple[str, str]:
    """Alice signs in and allows the application for Initech: the code and the verifier."""
    from tests.support.authkit import authorization_url

    url, verifier = authorization_url(issuer, app)
    url = url.replace("scope=openid+profile+email+documents%3Aread", f"scope={SCOPES}")
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    arrived = []
    page.route(
        f"{CALLBACK}**",
        lambda route: (arrived.append(route.request.url), route.fulfill(body="signed in")),
    )
    try:
        page.goto(url)
        page.get_by_label("Email").fill("alice@acme.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        sync_api.expect(page.get_by_text("offline_access")).to_be_visible()
        page.get_by_label("For the organization").select_option(label="Initech")
        page.get_by_role("button", name="Allow").click()
        page.wait_for_url(re.compile(re.escape(CALLBACK)))
    finally:
        context.close()
    return parse_qs(urlsplit(arrived[-1]).query)["code"][0], verifier


def test_a_consent_given_in_the_browser_is_listed_and_revoking_it_ends_its_refresh_token(
    chromium, live_server, portal
):
    app, secret = portal
    issuer = live_server.url + "/emulator"
    code, verifier = authorize_in_the_browser(chromium, issuer, app)
    tokens = httpx.post(
        f"{issuer}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },  # fmt: skip
        auth=(app.client_id, secret),
    ).json()
    assert tokens["refresh_token"]

    def refresh(token: str) -> httpx.Response:
        return httpx.post(
            f"{issuer}/oauth2/token",
            data={"grant_type": "refresh_token", "refresh_token": token},
            auth=(app.client_id, secret),
        )

    refreshed = refresh(tokens["refresh_token"])
    assert refreshed.status_code == 200  # Rotated: the new one is the live one.

    expect, page = sync_api.expect, signed_in_by_cookie(chromium, live_server)
    try:
        page.goto(f"/sandbox/applications/{app.id}/")
        consents = page.locator("#consents")
        expect(consents).to_contain_text("alice@acme.example")
        expect(consents).to_contain_text("Initech")
        expect(consents).to_contain_text("documents:read")

        consents.get_by_role("link", name="Revoke…").click()
        page.get_by_role("button", name="Revoke consent").click()
        expect(page.get_by_role("status").first).to_contain_text("Revoked alice@acme.example")
        expect(page.locator("#consents")).not_to_contain_text("alice@acme.example")
    finally:
        page.context.close()

    refused = refresh(refreshed.json()["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
