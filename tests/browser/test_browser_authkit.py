"""The embedded authorization server in a real browser: a user signs in, picks the
organization on the consent page, and the application's callback gets a code that the
token endpoint exchanges (PKCE S256); both pages pass axe in light and dark mode."""

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from dashboard.emulator import store
from dashboard.emulator.user_management import store as users
from tests.support.authkit import CALLBACK, PASSWORD, authorization_url
from tests.support.browser import axe_violations, describe, sync_api

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(db):
    org = store.organization_create(name="Initech", domains=[], metadata={}, external_id=None)
    store.organization_create(name="Globex", domains=[], metadata={}, external_id=None)
    app = store.application_create(
        application_type="oauth",
        name="Partner Portal",
        is_first_party=False,
        organization_id=org.id,
        uses_pkce=True,
        scopes=["documents:read"],
        redirect_uris=[{"uri": CALLBACK, "default": True}],
    )
    _, secret = store.client_secret_create(app)
    user = users.user_create(
        email="alice@acme.example", password=PASSWORD, first_name="Alice", last_name="Liddell",
        name=None, email_verified=True, external_id=None, metadata={},
    )  # fmt: skip
    return app, secret, user, org


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_user_signs_in_and_consents_in_the_browser(
    chromium, axe_core, live_server, setup, scheme
):
    app, secret, user, org = setup
    issuer = live_server.url + "/emulator"
    url, verifier = authorization_url(issuer, app)
    context = chromium.new_context(color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(10_000)
    arrived = []
    page.route(
        f"{CALLBACK}**",
        lambda route: (arrived.append(route.request.url), route.fulfill(body="signed in")),
    )
    try:
        page.goto(url)
        sync_api.expect(page.get_by_role("heading")).to_contain_text("Partner Portal")
        assert axe_violations(page, axe_core) == [], describe(axe_violations(page, axe_core))
        page.get_by_label("Email").fill("alice@acme.example")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        sync_api.expect(page.get_by_role("alert")).to_contain_text("not right")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        sync_api.expect(page.get_by_role("heading")).to_contain_text("Allow Partner Portal")
        sync_api.expect(page.get_by_text("documents:read")).to_be_visible()
        assert axe_violations(page, axe_core) == [], describe(axe_violations(page, axe_core))
        page.get_by_label("For the organization").select_option(label="Initech")
        page.get_by_role("button", name="Allow").click()
        page.wait_for_url(re.compile(re.escape(CALLBACK)))
    finally:
        context.close()

    answer = parse_qs(urlsplit(arrived[-1]).query)
    assert answer["state"] == ["st-1"]
    tokens = httpx.post(
        f"{issuer}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": answer["code"][0],
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
        auth=(app.client_id, secret),
    ).json()
    keys = KeySet.import_key_set(httpx.get(f"{issuer}/oauth2/jwks").json())
    access = jwt.decode(tokens["access_token"], keys, algorithms=["RS256"]).claims
    identity = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"]).claims
    assert access["sub"] == user.id and access["org_id"] == org.id
    assert identity["nonce"] == "no-1" and identity["email"] == "alice@acme.example"
