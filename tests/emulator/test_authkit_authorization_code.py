"""The embedded authorization server's sign-in: the authorization code flow with PKCE, ID
tokens, userinfo and refresh-token rotation, driven by authlib's OAuth client, and every
refusal RFC 6749 and the issue call for."""

import re
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from django.test import Client
from joserfc import jwt
from joserfc.jwk import KeySet

from dashboard.emulator import store
from dashboard.emulator.authkit.models import AuthorizationCode
from dashboard.emulator.user_management import store as users
from tests.support.authkit import PASSWORD, REDIRECT, claims_of, pkce, token

pytestmark = pytest.mark.django_db

ISSUER = "http://testserver/emulator"


@pytest.fixture
def user(db):
    return users.user_create(
        email="alice@acme.example",
        password=PASSWORD,
        first_name="Alice",
        last_name="Liddell",
        name=None,
        email_verified=False,
        external_id=None,
        metadata={},
    )


@pytest.fixture
def portal(organization):
    app = store.application_create(
        application_type="oauth",
        name="Partner Portal",
        is_first_party=False,
        organization_id=organization.id,
        uses_pkce=True,
        scopes=["documents:read"],
        redirect_uris=[{"uri": REDIRECT, "default": True}],
    )
    _, plaintext = store.client_secret_create(app)
    return app, plaintext


def authorize(browser: Client, app, *, organization_id: str, **params) -> dict:
    """Sign in and consent as a browser would; the query the application is sent back."""
    query = {
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid profile email offline_access documents:read",
        "state": "s-1",
        **params,
    }
    url = "/emulator/oauth2/authorize?" + "&".join(f"{k}={v}" for k, v in query.items())
    first = browser.get(url)
    if first.status_code == 302:
        return parse_qs(urlsplit(first["Location"]).query)
    assert b"Sign in to continue to" in first.content, first.content.decode()[-800:]
    signed_in = browser.post(
        url, {"action": "sign_in", "email": "alice@acme.example", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    consent = browser.get(url)
    if consent.status_code == 302:
        return parse_qs(urlsplit(consent["Location"]).query)
    assert b"to access your account?" in consent.content
    allowed = browser.post(url, {"action": "allow", "organization_id": organization_id})
    assert allowed.status_code == 302, allowed.content[:500]
    assert allowed["Location"].startswith(REDIRECT)
    return parse_qs(urlsplit(allowed["Location"]).query)


def test_the_code_flow_gives_verified_tokens_with_workos_claims(client, user, portal, organization):
    app, secret = portal
    verifier, challenge = pkce()

    answer = authorize(
        client,
        app,
        organization_id=organization.id,
        code_challenge=challenge,
        code_challenge_method="S256",
        nonce="n-42",
    )
    tokens = token(
        client,
        grant_type="authorization_code",
        code=answer["code"][0],
        redirect_uri=REDIRECT,
        client_id=app.client_id,
        client_secret=secret,
        code_verifier=verifier,
    ).json()

    access, identity = claims_of(tokens["access_token"]), claims_of(tokens["id_token"])
    assert answer["state"] == ["s-1"]
    assert access["iss"] == ISSUER and access["sub"] == user.id
    assert access["client_id"] == app.client_id and access["org_id"] == organization.id
    assert access["sid"].startswith("app_consent_") and access["jti"]
    assert access["scope"] == "openid profile email offline_access documents:read"
    assert identity["nonce"] == "n-42" and identity["aud"] == app.client_id
    assert identity["email"] == "alice@acme.example" and identity["given_name"] == "Alice"
    assert tokens["refresh_token"] and tokens["token_type"] == "Bearer"
    user.refresh_from_db()
    assert user.last_sign_in_at is not None

    info = client.get(
        "/emulator/oauth2/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json()
    assert info == {
        "sub": user.id,
        "name": "Alice Liddell",
        "given_name": "Alice",
        "family_name": "Liddell",
        "email": "alice@acme.example",
        "email_verified": False,
    }


def test_a_refresh_token_rotates_and_the_old_one_stops_working(client, user, portal, organization):
    app, secret = portal
    verifier, challenge = pkce()
    code = authorize(
        client, app, organization_id=organization.id, code_challenge=challenge,
        code_challenge_method="S256",
    )["code"][0]  # fmt: skip
    first = token(
        client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
        client_id=app.client_id, client_secret=secret, code_verifier=verifier,
    ).json()  # fmt: skip
    auth = {"client_id": app.client_id, "client_secret": secret}

    second = token(client, grant_type="refresh_token", refresh_token=first["refresh_token"], **auth)
    again = token(client, grant_type="refresh_token", refresh_token=first["refresh_token"], **auth)

    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert claims_of(second.json()["access_token"])["sub"] == user.id
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def exchange(client, app, secret, code, verifier, code_value=None, **overrides):
    form = {
        "grant_type": "authorization_code",
        "code": code_value or code,
        "redirect_uri": REDIRECT,
        "client_id": app.client_id,
        "client_secret": secret,
        "code_verifier": verifier,
    }
    return token(client, **(form | overrides))


@pytest.fixture
def code(client, user, portal, organization):
    app, secret = portal
    verifier, challenge = pkce()
    answer = authorize(
        client, app, organization_id=organization.id, code_challenge=challenge,
        code_challenge_method="S256",
    )  # fmt: skip
    return answer["code"][0], verifier


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"redirect_uri": "https://portal.example.com/other"}, "invalid_grant"),
        ({"code_verifier": "x" * 50}, "invalid_grant"),
        ({"code_verifier": ""}, "invalid_request"),
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"code_value": "not-a-code"}, "invalid_grant"),
    ],
)
def test_a_wrong_exchange_is_refused(client, portal, code, change, error):
    app, secret = portal

    response = exchange(client, app, secret, *code, **change)

    assert 400 <= response.status_code < 500 and response.json()["error"] == error


def test_a_code_is_used_once(client, portal, code):
    app, secret = portal

    first = exchange(client, app, secret, *code)
    second = exchange(client, app, secret, *code)

    assert first.status_code == 200
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"


def test_an_expired_code_is_refused(client, portal, code):
    app, secret = portal
    AuthorizationCode.objects.update(
        created_at=AuthorizationCode.objects.get().created_at - timedelta(minutes=11)
    )

    response = exchange(client, app, secret, *code)

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_refusals_at_the_authorize_endpoint(client, user, portal, organization):
    app, _ = portal
    worker = store.application_create(
        application_type="m2m", name="Worker", organization_id=organization.id
    )
    _, challenge = pkce()
    pkce_params = {"code_challenge": challenge, "code_challenge_method": "S256"}

    no_pkce = client.get(
        "/emulator/oauth2/authorize",
        {"client_id": app.client_id, "redirect_uri": REDIRECT, "response_type": "code"},
    )
    other_scope = client.get(
        "/emulator/oauth2/authorize",
        {"client_id": app.client_id, "redirect_uri": REDIRECT, "response_type": "code",
         "scope": "users:manage", **pkce_params},
    )  # fmt: skip
    wrong_redirect = client.get(
        "/emulator/oauth2/authorize",
        {"client_id": app.client_id, "redirect_uri": "https://evil.example/cb",
         "response_type": "code", **pkce_params},
    )  # fmt: skip
    m2m = client.get(
        "/emulator/oauth2/authorize",
        {"client_id": worker.client_id, "response_type": "code", **pkce_params},
    )

    assert "error=invalid_request" in no_pkce["Location"]
    assert "error=invalid_scope" in other_scope["Location"]
    # Never redirected to an address that is not registered.
    assert wrong_redirect.status_code == 400 and b"cannot be completed" in wrong_redirect.content
    assert m2m.status_code in (302, 400) and b"evil" not in m2m.content
    if m2m.status_code == 302:
        assert "error=unauthorized_client" in m2m["Location"]


def test_a_wrong_password_is_refused_on_the_page(client, user, portal):
    app, _ = portal
    _, challenge = pkce()
    url = (
        f"/emulator/oauth2/authorize?client_id={app.client_id}&redirect_uri={REDIRECT}"
        f"&response_type=code&code_challenge={challenge}&code_challenge_method=S256"
    )

    response = client.post(
        url, {"action": "sign_in", "email": "alice@acme.example", "password": "x"}
    )

    assert response.status_code == 401
    assert b"The email or the password is not right." in response.content


def test_denying_consent_sends_access_denied_back(client, user, portal, organization):
    app, _ = portal
    _, challenge = pkce()
    url = (
        f"/emulator/oauth2/authorize?client_id={app.client_id}&redirect_uri={REDIRECT}"
        f"&response_type=code&state=s-9&code_challenge={challenge}&code_challenge_method=S256"
    )
    client.post(url, {"action": "sign_in", "email": "alice@acme.example", "password": PASSWORD})

    denied = client.post(url, {"action": "deny"})

    query = parse_qs(urlsplit(denied["Location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["s-9"]


def test_the_openid_configuration_lists_every_endpoint(client):
    metadata = client.get("/emulator/.well-known/openid-configuration").json()

    assert metadata["issuer"] == ISSUER
    for name in ("authorization", "token", "userinfo"):
        assert metadata[f"{name}_endpoint"].startswith(ISSUER + "/oauth2/")
    assert metadata["code_challenge_methods_supported"] == ["S256"]


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


@pytest.mark.django_db(transaction=True)
def test_an_independent_client_library_completes_the_flow(live_server, user, portal, organization):
    """authlib's OAuth client builds the request, and exchanges and verifies over HTTP."""
    app, secret = portal
    issuer = live_server.url + "/emulator"
    oauth = OAuth2Client(
        app.client_id, secret, redirect_uri=REDIRECT, scope="openid email documents:read",
        code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic",
    )  # fmt: skip
    verifier = secrets.token_urlsafe(48)
    url, state = oauth.create_authorization_url(
        issuer + "/oauth2/authorize", code_verifier=verifier, nonce="n-1"
    )
    with httpx.Client(follow_redirects=False) as browser:
        page = browser.get(url)
        browser.post(url, data={"csrfmiddlewaretoken": csrf_token(page.text), "action": "sign_in",
                                "email": "alice@acme.example", "password": PASSWORD},
                     headers={"Referer": url})  # fmt: skip
        consent = browser.get(url)
        back = browser.post(url, data={"csrfmiddlewaretoken": csrf_token(consent.text),
                                       "action": "allow", "organization_id": organization.id},
                            headers={"Referer": url})  # fmt: skip

    tokens = oauth.fetch_token(
        issuer + "/oauth2/token",
        authorization_response=back.headers["Location"],
        code_verifier=verifier,
    )

    keys = KeySet.import_key_set(httpx.get(issuer + "/oauth2/jwks").json())
    identity = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"]).claims
    access = jwt.decode(tokens["access_token"], keys, algorithms=["RS256"]).claims
    assert identity["nonce"] == "n-1" and identity["iss"] == issuer
    assert identity["email"] == "alice@acme.example" and access["sub"] == user.id
    assert oauth.get(issuer + "/oauth2/userinfo").json()["email"] == "alice@acme.example"
