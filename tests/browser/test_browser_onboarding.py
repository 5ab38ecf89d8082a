"""The hand-over and the credentials check in a real browser: copy buttons and downloads,
the sheet's authorization URL and code exchange working end to end, a check of a secret just
created (with "Last used" updating) and a refused one, and the check without JavaScript."""

import json
import os
import re
import subprocess
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from dashboard.audit.models import AuditEvent
from dashboard.emulator import store
from dashboard.emulator.models import ClientSecret
from dashboard.emulator.user_management import store as users
from tests.support.browser import signed_in_page, sync_api

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "https://portal.example.com/callback"


@pytest.fixture
def portal(org):
    return store.application_create(
        application_type="oauth",
        name="Partner Portal",
        is_first_party=True,
        uses_pkce=True,
        scopes=["openid", "email"],
        redirect_uris=[{"uri": CALLBACK, "default": True}],
    )


@pytest.fixture
def worker(org):
    return store.application_create(
        application_type="m2m",
        name="Billing worker",
        organization_id=org.id,
        scopes=["billing:read"],
    )


def clipboard(page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def test_the_sheet_copies_each_block_and_all_of_it_and_downloads_without_the_secret(page, portal):
    expect = sync_api.expect
    _, plaintext = store.client_secret_create(portal)
    page.goto(f"/sandbox/applications/{portal.id}/")
    page.get_by_role("link", name="Open the hand-over sheet").click()
    expect(page.get_by_role("heading", name="Integrate Partner Portal")).to_be_visible()

    page.get_by_role("button", name="Copy the .env block").click()
    env = clipboard(page)
    expect(page.get_by_role("button", name="Copy the .env block")).to_have_text("Copied")
    page.get_by_role("button", name="Copy the authorization URL").click()
    url = clipboard(page)
    page.get_by_role("button", name="Copy all of the hand-over sheet").click()
    everything = clipboard(page)
    with page.expect_download() as json_download:
        page.get_by_role("link", name="Download JSON").click()
    with page.expect_download() as env_download:
        page.get_by_role("link", name="Download .env").click()

    issuer = page.url.split("/sandbox/applications/")[0] + "/emulator"
    assert f"CONNECT_ISSUER={issuer}\n" in env
    assert url.startswith(f"{issuer}/oauth2/authorize?")
    # "Copy all" is the lasting hand-over: the page's one-time test values stay on the page.
    query = parse_qs(urlsplit(url).query)
    for one_time in (query["state"][0], query["nonce"][0], query["code_challenge"][0]):
        assert one_time not in everything
    assert "state=STATE&nonce=NONCE&code_challenge=CODE_CHALLENGE" in everything
    assert f"Redirect URI (default): {CALLBACK}\n" in everything
    assert env.rstrip("\n") in everything and "Node (openid-client)" in everything
    sheet = json.loads(json_download.value.path().read_text())
    assert sheet["client_secret"] == "REPLACE_WITH_THE_CLIENT_SECRET"
    assert sheet["endpoints"]["authorization"] == f"{issuer}/oauth2/authorize"
    assert env_download.value.suggested_filename == f"{portal.client_id}.env"
    assert env_download.value.path().read_text().rstrip("\n") == env
    for text in (env, everything, json.dumps(sheet)):
        assert plaintext not in text


def test_the_sheets_authorization_url_and_code_exchange_sign_a_user_in(page, portal):
    expect = sync_api.expect
    _, plaintext = store.client_secret_create(portal)
    users.user_create(
        email="alice@acme.example", password="correct-horse-battery-staple", first_name="Alice",
        last_name="Liddell", name=None, email_verified=True, external_id=None, metadata={},
    )  # fmt: skip
    page.goto(f"/sandbox/applications/{portal.id}/integrate")
    heading = page.get_by_role("heading", name="Authorization URL")
    url = page.locator(".snippet", has=heading).locator("pre").inner_text()
    nonce = page.locator("dt:has-text('nonce') + dd > code").inner_text()
    exchange = page.locator("#snippet-code-exchange pre").inner_text()
    arrived = []
    page.route(
        f"{CALLBACK}**",
        lambda route: (arrived.append(route.request.url), route.fulfill(body="signed in")),
    )

    page.goto(url)
    page.get_by_label("Email").fill("alice@acme.example")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(CALLBACK)))
    expect(page.get_by_text("signed in")).to_be_visible()

    answer = parse_qs(urlsplit(arrived[-1]).query)
    assert answer["state"] == parse_qs(urlsplit(url).query)["state"]
    command = exchange.replace("THE_CODE_FROM_THE_REDIRECT", answer["code"][0])
    tokens = json.loads(
        subprocess.run(
            ["sh", "-c", command + " --silent"],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ | {"CONNECT_CLIENT_SECRET": plaintext},
        ).stdout
    )
    issuer = url.split("/oauth2/")[0]
    keys = KeySet.import_key_set(httpx.get(f"{issuer}/oauth2/jwks").json())
    identity = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"]).claims
    assert identity["nonce"] == nonce and identity["email"] == "alice@acme.example"


def test_a_secret_just_created_is_checked_with_one_click_and_its_last_use_shows(page, worker):
    expect = sync_api.expect
    page.goto(f"/sandbox/applications/{worker.id}/")
    page.get_by_role("button", name="Create client secret").click()
    expect(page.get_by_label("New client secret")).to_be_visible()
    row = page.locator("#secrets tbody tr").first
    expect(row.locator("td").nth(2)).to_have_text("Never")

    page.get_by_role("button", name="Check these credentials").click()

    result = page.get_by_role("status").filter(has_text="The credentials work.")
    expect(result).to_be_focused()
    expect(result).to_contain_text("billing:read")
    expect(result).to_contain_text("Acme")
    expect(page.get_by_role("button", name="Check these credentials")).to_have_count(0)
    expect(page.get_by_label("New client secret")).to_be_visible()  # still there to copy
    expect(row.locator("td").nth(2)).not_to_have_text("Never")
    expect(page.locator("#history")).to_contain_text("Client credentials checked")
    assert ClientSecret.objects.get().last_used_at is not None


def test_a_pasted_wrong_secret_shows_the_refusal_and_is_not_kept_in_the_box(page, worker):
    expect = sync_api.expect
    store.client_secret_create(worker)
    page.goto(f"/sandbox/applications/{worker.id}/")
    box = page.get_by_label("Client secret", exact=True)

    box.fill("not-the-secret-abcd")
    box.press("Enter")

    alert = page.get_by_role("alert").filter(has_text="refused these credentials")
    expect(alert).to_be_focused()
    expect(alert).to_contain_text("invalid_client")
    expect(alert).to_contain_text("What it usually means")
    expect(alert).to_contain_text("ends in “…abcd”")
    expect(page.get_by_label("Client secret", exact=True)).to_have_value("")
    expect(page.locator("#history")).to_contain_text("Refused")
    assert AuditEvent.objects.get(action="credentials_checked").outcome == "refused"


def test_the_check_works_without_javascript(chromium, live_server, worker):
    expect = sync_api.expect
    _, plaintext = store.client_secret_create(worker)
    page = signed_in_page(chromium, live_server, javascript=False)
    try:
        page.goto(f"/sandbox/applications/{worker.id}/")
        page.get_by_label("Client secret", exact=True).fill(plaintext)
        page.get_by_role("button", name="Check credentials").click()

        expect(page.get_by_role("heading", name="Integrate Billing worker")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("The credentials work.")
        expect(page.get_by_label("Client secret", exact=True)).to_have_value("")
    finally:
        page.context.close()


@pytest.fixture
def partner_portal(org):
    users.user_create(
        email="alice@acme.example", password="correct-horse-battery-staple", first_name="Alice",
        last_name="Liddell", name=None, email_verified=True, external_id=None, metadata={},
    )  # fmt: skip
    return store.application_create(
        application_type="oauth",
        name="Partner Portal",
        is_first_party=False,
        organization_id=org.id,
        uses_pkce=True,
        scopes=["email", "profile"],
        redirect_uris=[{"uri": CALLBACK, "default": True}],
    )


def try_the_sign_in(page, app):
    page.goto(f"/sandbox/applications/{app.id}/integrate")
    page.get_by_role("button", name="Add the dashboard’s test callback as a redirect URI").click()
    page.get_by_role("button", name="Try the sign-in").click()
    page.get_by_label("Email").fill("alice@acme.example")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign in").click()
    sync_api.expect(page.get_by_role("heading", name="Allow Partner Portal")).to_be_visible()


def test_the_sign_in_is_tried_through_the_dashboards_callback_and_shows_the_claims(
    page, partner_portal, org
):
    expect = sync_api.expect
    try_the_sign_in(page, partner_portal)
    page.get_by_label("For the organization").select_option(org.id)
    page.get_by_role("button", name="Allow").click()

    expect(page.get_by_text("The sign-in works.")).to_be_visible()
    assert re.search(rf"/sandbox/applications/{partner_portal.id}/try-sign-in/callback\?", page.url)
    claims = page.locator("section", has=page.get_by_role("heading", name="ID token claims"))
    expect(claims).to_contain_text("alice@acme.example")
    expect(claims).to_contain_text(partner_portal.client_id)
    access = page.locator("section", has=page.get_by_role("heading", name="Access token"))
    expect(access).to_contain_text(org.id)
    expect(access).to_contain_text("openid email profile")
    uris = [entry["uri"] for entry in store.application_get(partner_portal.id).redirect_uris]
    assert uris[0] == CALLBACK and uris[1].endswith("/try-sign-in/callback")
    tried = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_TRIED)
    assert tried.outcome == "success"


def test_a_denied_consent_is_shown_as_access_denied_explained(page, partner_portal):
    expect = sync_api.expect
    try_the_sign_in(page, partner_portal)
    page.get_by_role("button", name="Deny").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("access_denied")
    expect(alert).to_contain_text("The user denied the request on the consent page")
    page.get_by_role("link", name="Back to the hand-over sheet").click()
    expect(page.get_by_role("button", name="Try the sign-in")).to_be_visible()


def test_the_test_callback_is_said_added_then_removed_from_the_application_page(
    page, partner_portal, org
):
    expect = sync_api.expect
    page.goto(f"/sandbox/applications/{partner_portal.id}/integrate")
    page.get_by_role("button", name="Add the dashboard’s test callback as a redirect URI").click()
    expect(page.locator("#messages")).to_contain_text("is now one of this application’s")

    page.get_by_role("link", name="the application’s page").click()
    notice = page.locator("#test-callback")
    expect(notice).to_contain_text("A test callback is registered.")
    notice.get_by_role("button", name="Remove the test callback").click()

    expect(page.locator("#messages")).to_contain_text("The dashboard’s test callback was removed.")
    expect(page.locator("#test-callback")).to_have_count(0)
    uris = [entry["uri"] for entry in store.application_get(partner_portal.id).redirect_uris]
    assert uris == [CALLBACK]


def test_someone_else_signs_in_after_not_you_on_the_consent_page(page, partner_portal, org):
    expect = sync_api.expect
    users.user_create(
        email="bob@acme.example", password="correct-horse-battery-staple", first_name="Bob",
        last_name=None, name=None, email_verified=True, external_id=None, metadata={},
    )  # fmt: skip
    try_the_sign_in(page, partner_portal)
    expect(page.get_by_text("Signed in as alice@acme.example")).to_be_visible()

    page.get_by_role("button", name="Sign in as someone else").click()
    page.get_by_label("Email").fill("bob@acme.example")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text("Signed in as bob@acme.example")).to_be_visible()
    page.get_by_label("For the organization").select_option(org.id)
    page.get_by_role("button", name="Allow").click()

    expect(page.get_by_text("The sign-in works.")).to_be_visible()
    claims = page.locator("section", has=page.get_by_role("heading", name="ID token claims"))
    expect(claims).to_contain_text("bob@acme.example")
