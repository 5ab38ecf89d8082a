"""The Integrate section and page, the hand-over files and the credentials check, against
the embedded API; and once against a faked WorkOS (respx) with an AuthKit domain."""

import json
import logging
import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from joserfc import jwt
from joserfc.jwk import RSAKey

from dashboard.audit.models import AuditEvent
from dashboard.emulator import store
from dashboard.emulator.models import ClientSecret
from tests.support import EMPTY_PAGE, load_settings, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
ISSUER = "http://testserver/emulator"


@pytest.fixture
def worker(organization):
    app = store.application_create(
        application_type="m2m",
        name="Billing worker",
        organization_id=organization.id,
        scopes=["billing:read", "billing:manage"],
    )
    secret, plaintext = store.client_secret_create(app)
    return app, secret, plaintext


@pytest.fixture
def portal(organization):
    return store.application_create(
        application_type="oauth",
        name="Customer Portal",
        is_first_party=False,
        organization_id=organization.id,
        uses_pkce=True,
        scopes=["openid", "email"],
        redirect_uris=[{"uri": "https://portal.example.com/cb", "default": True}],
    )


def check(browser, app, secret: str, *, htmx=True, environment="sandbox", **fields):
    """Post a check of `app` (an application, or its ID)."""
    data = {"client_secret": secret, "page": "application"} | fields
    application_id = getattr(app, "id", app)
    url = f"/{environment}/applications/{application_id}/check"
    return browser.post(url, data, headers=HTMX if htmx else {})


# --- Integrate ------------------------------------------------------------------------------------


def test_every_application_page_names_the_issuer_and_links_the_sheet(browser, worker, portal):
    for app in (worker[0], portal):
        html = browser.get(f"/sandbox/applications/{app.id}/").content.decode()

        assert 'id="integrate"' in html
        assert f"<code>{ISSUER}</code>" in html
        assert f"{ISSUER}/.well-known/openid-configuration" in html
        assert f'href="/sandbox/applications/{app.id}/integrate"' in html
        assert f'href="/sandbox/applications/{app.id}/integrate.json" download' in html


def test_the_sheet_of_an_oauth_app_has_a_fresh_authorization_url_with_pkce(browser, portal):
    pages = [browser.get(f"/sandbox/applications/{portal.id}/integrate") for _ in range(2)]

    assert all(page.status_code == 200 for page in pages)
    assert "no-cache" in pages[0]["Cache-Control"]
    found = []
    for page in pages:
        html = page.content.decode()
        url = re.search(r"<pre><code>(http://testserver/emulator/oauth2/authorize\?[^<]+)", html)
        query = parse_qs(urlsplit(url.group(1).replace("&amp;", "&")).query)
        verifier = re.search(r"PKCE code verifier</dt><dd><code>([^<]+)", html).group(1)
        assert query["code_challenge"] == [create_s256_code_challenge(verifier)]
        assert query["redirect_uri"] == ["https://portal.example.com/cb"]
        assert query["scope"] == ["openid email"] and query["client_id"] == [portal.client_id]
        assert f"code_verifier={verifier}" in html  # in the code exchange
        found.append((query["state"][0], query["nonce"][0], verifier))
        for endpoint in ("authorize", "token", "userinfo", "jwks"):
            assert f"<code>{ISSUER}/oauth2/{endpoint}</code>" in html
        assert "<code>client_secret_post</code>" in html and "<code>none</code>" in html
        assert "Python (authlib)" in html and "Node (openid-client)" in html
        assert "Embedded API, sandbox (local development)" in html
    assert found[0][0] != found[1][0] and found[0][1] != found[1][1] and found[0][2] != found[1][2]


def test_the_sheet_of_an_m2m_app_has_the_client_credentials_request_and_the_check(browser, worker):
    app, _, plaintext = worker

    html = browser.get(f"/sandbox/applications/{app.id}/integrate").content.decode()

    assert "Get a token (curl)" in html and "grant_type=client_credentials" in html
    assert "oauth2/authorize" not in html
    assert 'id="credentials-check"' in html and 'type="password"' in html
    assert plaintext not in html


def test_a_viewer_sees_the_sheet_but_not_the_check(client, worker):
    client.force_login(make_user("viewer", role="Viewer"))
    app, _, plaintext = worker

    detail = client.get(f"/sandbox/applications/{app.id}/").content.decode()
    sheet = client.get(f"/sandbox/applications/{app.id}/integrate").content.decode()

    assert "Open the hand-over sheet" in detail and "Get a token (curl)" in sheet
    assert "credentials-check" not in detail + sheet
    assert check(client, app, plaintext).status_code == 403


@pytest.mark.parametrize("extension", ["json", "env"])
def test_the_downloads_are_the_sheet_without_any_secret(browser, worker, extension):
    app, _, plaintext = worker
    other = store.client_secret_create(app)[1]

    response = browser.get(f"/sandbox/applications/{app.id}/integrate.{extension}")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{app.client_id}.{extension}"'
    body = response.content.decode()
    assert plaintext not in body and other not in body
    assert "REPLACE_WITH_THE_CLIENT_SECRET" in body
    if extension == "json":
        data = json.loads(body)
        assert data["issuer"] == ISSUER and data["environment"] == "sandbox"
        assert data["endpoints"]["token"] == f"{ISSUER}/oauth2/token"
    else:
        assert (
            f"CONNECT_ISSUER={ISSUER}\n" in body and f"CONNECT_CLIENT_ID={app.client_id}\n" in body
        )


def test_another_download_format_is_not_a_page(browser, worker):
    assert browser.get(f"/sandbox/applications/{worker[0].id}/integrate.txt").status_code == 404
    assert browser.get("/sandbox/applications/conn_app_nope/integrate").status_code == 404


# --- Real WorkOS: the issuer comes from WORKOS_AUTHKIT_DOMAIN ------------------------------------

API = "https://api.workos.test"
AUTHKIT = "https://acme.authkit.test"
WORKOS_APP = {
    "object": "connect_application",
    "id": "conn_app_01HXYZ",
    "client_id": "client_01HXYZ",
    "name": "Billing worker",
    "application_type": "m2m",
    "organization_id": "org_01HXYZ",
    "scopes": ["billing:read"],
    "created_at": "2026-01-15T12:00:00.000Z",
    "updated_at": "2026-01-15T12:00:00.000Z",
}


@pytest.fixture
def workos(settings):
    settings.WORKOS_API_KEY = "sk_live_real_key"
    settings.WORKOS_BASE_URL = API
    settings.WORKOS_AUTHKIT_DOMAIN = ""
    with respx.mock(assert_all_called=False) as mock:
        mock.get(f"{API}/connect/applications/conn_app_01HXYZ").mock(
            return_value=httpx.Response(200, json=WORKOS_APP)
        )
        mock.get(f"{API}/organizations/org_01HXYZ").mock(
            return_value=httpx.Response(404, json={"message": "Not found"})
        )
        mock.get(f"{API}/organizations").mock(return_value=httpx.Response(200, json=EMPTY_PAGE))
        yield mock


def test_without_an_authkit_domain_the_section_says_how_to_set_it(browser, workos):
    detail = browser.get("/production/applications/conn_app_01HXYZ/").content.decode()
    sheet = browser.get("/production/applications/conn_app_01HXYZ/integrate").content.decode()
    download = browser.get("/production/applications/conn_app_01HXYZ/integrate.env")
    refused = check(browser, "conn_app_01HXYZ", "secret", environment="production")

    for html in (detail, sheet):
        assert "<code>WORKOS_AUTHKIT_DOMAIN</code>" in html and "yourcompany.authkit.app" in html
        assert "Open the hand-over sheet" not in html and "credentials-check" not in html
    assert download.status_code == 404
    assert refused.status_code == 422 and b"WORKOS_AUTHKIT_DOMAIN" in refused.content
    assert not AuditEvent.objects.filter(action="credentials_checked").exists()


def test_with_an_authkit_domain_the_check_asks_workos_and_verifies_the_token(
    browser, workos, settings
):
    settings.WORKOS_AUTHKIT_DOMAIN = "acme.authkit.test"
    key = RSAKey.generate_key(2048, parameters={"kid": "key_workos", "alg": "RS256"})
    now = int(time.time())
    claims = {
        "iss": AUTHKIT,
        "aud": "client_environment",
        "sub": "client_01HXYZ",
        "client_id": "client_01HXYZ",
        "org_id": "org_01HXYZ",
        "scope": "billing:read",
        "jti": "01JTOKEN",
        "iat": now,
        "exp": now + 300,
    }
    token = jwt.encode({"alg": "RS256", "kid": "key_workos"}, claims, key)
    route = workos.post(f"{AUTHKIT}/oauth2/token").mock(
        return_value=httpx.Response(200, json={"access_token": token, "token_type": "Bearer"})
    )
    workos.get(f"{AUTHKIT}/oauth2/jwks").mock(
        return_value=httpx.Response(200, json={"keys": [key.as_dict(private=False)]})
    )

    sheet = browser.get("/production/applications/conn_app_01HXYZ/integrate").content.decode()
    response = check(browser, "conn_app_01HXYZ", "the-real-secret", environment="production")

    assert f"<code>{AUTHKIT}</code>" in sheet and "WorkOS production" in sheet
    assert "<code>client_secret_basic</code>" not in sheet
    assert response.status_code == 200
    html = response.content.decode()
    assert "The credentials work." in html and "key_workos" in html and "01JTOKEN" in html
    assert b"client_secret=the-real-secret" in route.calls.last.request.content
    assert "Authorization" not in route.calls.last.request.headers
    event = AuditEvent.objects.get(action="credentials_checked")
    assert event.outcome == "success" and event.client_id == "client_01HXYZ"
    assert AUTHKIT in event.detail and "the-real-secret" not in event.detail


@pytest.mark.parametrize(
    ("value", "domain"),
    [("acme.authkit.app", "acme.authkit.app"), ("https://auth.example.com/", "auth.example.com")],
)
def test_the_authkit_domain_setting_takes_a_host_name(monkeypatch, value, domain):
    monkeypatch.setenv("WORKOS_AUTHKIT_DOMAIN", value)

    assert load_settings()["WORKOS_AUTHKIT_DOMAIN"] == domain


@pytest.mark.parametrize("value", ["https://acme.authkit.app/path", "acme authkit", "user@host"])
def test_an_authkit_domain_that_is_not_a_host_name_stops_the_settings(monkeypatch, value):
    monkeypatch.setenv("WORKOS_AUTHKIT_DOMAIN", value)

    with pytest.raises(ImproperlyConfigured, match="WORKOS_AUTHKIT_DOMAIN must be a host name"):
        load_settings()


# --- The check ----------------------------------------------------------------------------------


def test_a_pasted_secret_that_works_shows_the_verified_claims(browser, worker, organization):
    app, secret, plaintext = worker

    response = check(browser, app, plaintext)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="credentials-check"')  # the block, not a page
    assert "The credentials work." in html and 'role="status"' in html
    assert f"Acme <code>{organization.id}</code>" in html
    assert '<li class="tag">billing:read</li><li class="tag">billing:manage</li>' in html
    assert f"<code>{ISSUER}</code>" in html and "data-focus-on-swap" in html
    assert 'type="password"' in html and plaintext not in html  # the box is empty again
    # The secrets table reloads, for its "Last used"; the history has the check.
    assert 'hx-select="#secrets .table-wrap"' in html
    assert '<section id="history"' in html and 'hx-swap-oob="true"' in html
    secret.refresh_from_db()
    assert secret.last_used_at is not None
    event = AuditEvent.objects.get(action="credentials_checked")
    assert (event.outcome, event.application_id, event.username) == ("success", app.id, "ops")
    assert event.detail.startswith("Client credentials with a pasted secret at")
    assert organization.id in event.detail


def test_the_secret_is_never_kept_logged_or_recorded(browser, worker, caplog):
    caplog.set_level(logging.DEBUG)
    app, _, plaintext = worker

    check(browser, app, plaintext)
    check(browser, app, plaintext[:-1] + "!")

    assert plaintext not in caplog.text and plaintext[:-1] not in caplog.text
    for event in AuditEvent.objects.all():
        assert plaintext[:-4] not in f"{event.detail} {event.changes} {event.snapshot}"
    session = browser.session
    assert plaintext[:-4] not in str(dict(session.items()))
    assert not cache.get(plaintext) and not cache.get(plaintext[:-1] + "!")


def test_a_wrong_secret_shows_the_servers_error_and_what_it_usually_means(browser, worker):
    app, _, plaintext = worker

    response = check(browser, app, "x" * 40 + "abcd")

    html = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' in html
    assert "It answered 401 <code>invalid_client</code>" in html
    assert "the secret is wrong" in html and "or it has been revoked" in html
    assert "None of this application’s 1 active secret ends in “…abcd”" in html
    event = AuditEvent.objects.get(action="credentials_checked")
    assert event.outcome == "refused" and "invalid_client" in event.detail
    assert "abcd" not in event.detail


def test_a_mistyped_secret_is_told_apart_by_its_ending(browser, worker):
    app, _, plaintext = worker

    html = check(browser, app, "X" + plaintext[1:]).content.decode()

    assert f"It ends like the active secret “…{plaintext[-4:]}” but does not match it" in html


def test_a_secret_revoked_here_is_named_as_revoked(browser, worker):
    app, secret, plaintext = worker
    browser.post(f"/sandbox/applications/{app.id}/secrets/{secret.id}/revoke")

    html = check(browser, app, plaintext).content.decode()

    assert "invalid_client" in html
    assert f"It ends like the secret “…{plaintext[-4:]}” that was revoked on" in html
    assert "by ops: revoked secrets no longer work." in html


def test_a_scope_the_application_lacks_is_invalid_scope(browser, worker):
    app, _, plaintext = worker

    html = check(browser, app, plaintext, scopes="billing:read  users:manage").content.decode()

    assert "It answered 400 <code>invalid_scope</code>" in html
    assert "The application does not have the scope users:manage." in html
    assert "is not one of the application’s scopes" in html
    assert 'value="billing:read  users:manage"' in html  # as typed, to correct
    event = AuditEvent.objects.get(action="credentials_checked")
    assert "asking for “billing:read users:manage”" in event.detail


def test_fewer_scopes_can_be_asked_for(browser, worker):
    app, _, plaintext = worker

    html = check(browser, app, plaintext, scopes="billing:read").content.decode()

    assert "The credentials work." in html
    assert '<li class="tag">billing:read</li></ul>' in html


def test_an_oauth_application_cannot_use_client_credentials(browser, portal):
    _, plaintext = store.client_secret_create(portal)

    html = check(browser, portal, plaintext).content.decode()

    assert "<code>unauthorized_client</code>" in html
    assert "only machine-to-machine (M2M) applications can" in html


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"client_secret": "  "}, "check-secret", "Paste a client secret of this application"),
        ({"client_secret": "x" * 513}, "check-secret", "at most 512 characters"),
        ({"scopes": "Billing Read"}, "check-scopes", "“Billing”: A scope is a permission slug"),
    ],
)
def test_a_check_that_cannot_be_sent_says_why_next_to_the_field(
    browser, worker, fields, field, message
):
    app, _, plaintext = worker

    response = check(browser, app, plaintext, **fields)

    html = response.content.decode()
    assert response.status_code == 422 and message in html
    assert f'aria-describedby="{field}' in html or f'{field}-help {field}-error"' in html
    assert f'id="{field}-error"' in html and "autofocus" in html
    assert not AuditEvent.objects.filter(action="credentials_checked").exists()


def test_without_javascript_the_check_answers_with_the_sheet_and_its_outcome(browser, worker):
    app, _, plaintext = worker

    response = check(browser, app, plaintext, htmx=False)

    html = response.content.decode()
    assert response.status_code == 200 and "<title>Integrate Billing worker" in html
    assert "The credentials work." in html and "Get a token (curl)" in html
    assert "hx-swap-oob" not in html
    assert browser.get(f"/sandbox/applications/{app.id}/check").status_code == 302


def test_the_button_beside_a_new_secret_checks_it_and_takes_its_place(browser, worker):
    app, _, _ = worker

    created = browser.post(
        f"/sandbox/applications/{app.id}/secrets/new", {"token": "t-1"}, headers=HTMX
    ).content.decode()
    plaintext = re.search(r'id="new-secret-value" readonly value="([^"]+)"', created).group(1)
    assert '<div id="new-secret-check"' in created and "Check these credentials" in created
    assert f'name="client_secret" value="{plaintext}"' in created

    response = check(browser, app, plaintext, new_secret="on")

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="new-secret-check"')
    assert "The credentials work." in html and "Check these credentials" not in html
    assert plaintext not in html
    assert ClientSecret.objects.get(secret_hint=plaintext[-4:]).last_used_at is not None
    event = AuditEvent.objects.get(action="credentials_checked")
    assert "with the secret just created" in event.detail


def test_an_oauth_applications_new_secret_has_no_check_button(browser, portal):
    created = browser.post(
        f"/sandbox/applications/{portal.id}/secrets/new", {"token": "t-2"}, headers=HTMX
    )

    assert b"Copy this secret now" in created.content
    assert b"new-secret-check" not in created.content


def test_an_authorization_server_out_of_reach_is_a_failed_check_worth_retrying(
    browser, workos, settings
):
    settings.WORKOS_AUTHKIT_DOMAIN = "acme.authkit.test"
    workos.post(f"{AUTHKIT}/oauth2/token").mock(side_effect=httpx.ConnectError("refused"))

    html = check(browser, "conn_app_01HXYZ", "secret", environment="production").content.decode()

    assert "The check failed." in html and "could not be reached" in html
    assert "Check the authorization server’s address (WORKOS_AUTHKIT_DOMAIN)" in html
    assert AuditEvent.objects.get(action="credentials_checked").outcome == "failed"


@pytest.mark.parametrize(
    "value", ["\x00", "%zz", "a" * 5000, " ", "\u202e", "<script>", "org_\x00"]
)
def test_odd_input_never_answers_a_server_error(browser, worker, value):
    app, _, plaintext = worker

    for fields in ({"client_secret": value}, {"scopes": value}, {"page": value}):
        assert check(browser, app, plaintext, **fields).status_code < 500, fields
        assert check(browser, app, plaintext, htmx=False, **fields).status_code < 500, fields
    assert check(browser, value, plaintext).status_code < 500
    for path in ("integrate", "integrate.json", "integrate.env"):
        assert browser.get(f"/sandbox/applications/{value}/{path}").status_code < 500
