"""What the embedded authorization server refuses, in both environments: a confidential
client without its secret, a public client without PKCE, malformed requests, a replayed code
or a reused refresh token (and what they got before), guesses of client secrets, and an ID
token at userinfo. Tokens are asked for by authlib's OAuth client over HTTP (WSGI, in
process); the browser's part of the sign-in is the Django test client's."""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
import pytest
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client

from dashboard.emulator import partition, store
from dashboard.emulator.authkit.models import ClientAuthFailure
from dashboard.emulator.models import Application
from dashboard.emulator.user_management import store as users

pytestmark = pytest.mark.django_db

REDIRECT = "https://portal.example.com/cb"
PASSWORD = "correct-horse-battery-staple"
SCOPE = "openid email offline_access documents:read"


@dataclass
class Environment:
    name: str
    path: str
    organization_id: str

    @property
    def issuer(self) -> str:
        return "https://testserver" + self.path

    def application(
        self, *, secret: bool, application_type: str = "oauth"
    ) -> "tuple[Application, str]":
        """An application of this environment; its secret's plaintext, or "" without one."""
        with partition.override(self.name):
            if application_type == "m2m":
                app = store.application_create(
                    application_type="m2m", name="Worker", organization_id=self.organization_id
                )
            else:
                app = store.application_create(
                    application_type="oauth",
                    name="Partner Portal",
                    is_first_party=False,
                    organization_id=self.organization_id,
                    uses_pkce=False,
                    scopes=["documents:read"],
                    redirect_uris=[{"uri": REDIRECT, "default": True}],
                )
            plaintext = store.client_secret_create(app)[1] if secret else ""
        return app, plaintext


def in_process(environ, start_response):
    """The site as a WSGI application that keeps the test's database connection open, as
    Django's test client does: its transaction holds what the test made."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = get_wsgi_application()(environ, start_response)
        body = b"".join(response)
        response.close()
        return [body]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(params=[partition.SANDBOX, partition.PRODUCTION])
def env(request, db) -> Environment:
    with partition.override(request.param):
        organization = store.organization_create(
            name="Acme", domains=[], metadata={}, external_id=None
        )
        users.user_create(
            email="alice@acme.example", password=PASSWORD, first_name="Alice", last_name=None,
            name=None, email_verified=True, external_id=None, metadata={},
        )  # fmt: skip
    path = "/emulator" if request.param == partition.SANDBOX else "/emulator/production"
    return Environment(request.param, path, organization.id)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(env: Environment, app: Application, **params) -> str:
    query = {"client_id": app.client_id, "redirect_uri": REDIRECT, "response_type": "code",
             "scope": SCOPE, "state": "s-1", **params}  # fmt: skip
    return f"{env.path}/oauth2/authorize?{urlencode(query)}"


def sign_in(env: Environment, app: Application, **params) -> dict:
    """Sign in and consent as a browser would; the query the application is sent back."""
    browser = Client()
    url = authorize_url(env, app, **params)
    first = browser.get(url)
    if first.status_code == 302:
        return parse_qs(urlsplit(first["Location"]).query)
    browser.post(url, {"action": "sign_in", "email": "alice@acme.example", "password": PASSWORD})
    allowed = browser.post(url, {"action": "allow", "organization_id": env.organization_id})
    assert allowed.status_code == 302, allowed.content[-600:]
    return parse_qs(urlsplit(allowed["Location"]).query)


def oauth_client(app: Application, secret: str, method: str) -> OAuth2Client:
    """authlib's OAuth client for `app`, authenticating with `method`."""
    return OAuth2Client(
        app.client_id,
        secret or None,
        token_endpoint_auth_method=method,
        redirect_uri=REDIRECT,
        transport=httpx2.WSGITransport(app=in_process),
    )


def code_with_verifier(env: Environment, app: Application) -> tuple[str, str]:
    verifier, challenge = pkce()
    answer = sign_in(env, app, code_challenge=challenge, code_challenge_method="S256")
    return answer["code"][0], verifier


def exchange(env: Environment, oauth: OAuth2Client, code: str, verifier: str) -> dict:
    return oauth.fetch_token(
        env.issuer + "/oauth2/token",
        grant_type="authorization_code",
        code=code,
        code_verifier=verifier,
    )


def refresh(env: Environment, oauth: OAuth2Client, refresh_token: str) -> dict:
    return oauth.refresh_token(env.issuer + "/oauth2/token", refresh_token=refresh_token)


def userinfo(env: Environment, token: str) -> httpx2.Response:
    with httpx2.Client(transport=httpx2.WSGITransport(app=in_process)) as http:
        return http.get(
            env.issuer + "/oauth2/userinfo", headers={"Authorization": f"Bearer {token}"}
        )


# --- A confidential client's secret; a public client's PKCE -------------------------------


def test_it_refuses_the_code_of_an_application_with_a_secret_exchanged_without_it(env):
    app, secret = env.application(secret=True)
    code, verifier = code_with_verifier(env, app)

    with pytest.raises(OAuthError) as refused:
        exchange(env, oauth_client(app, "", "none"), code, verifier)
    tokens = exchange(env, oauth_client(app, secret, "client_secret_post"), code, verifier)

    assert refused.value.error == "invalid_client"
    assert tokens["access_token"] and tokens["refresh_token"]


def test_it_refuses_a_refresh_without_the_secret_of_an_application_that_has_one(env):
    app, secret = env.application(secret=True)
    with_secret = oauth_client(app, secret, "client_secret_basic")
    tokens = exchange(env, with_secret, *code_with_verifier(env, app))

    with pytest.raises(OAuthError) as refused:
        refresh(env, oauth_client(app, "", "none"), tokens["refresh_token"])

    assert refused.value.error == "invalid_client"
    assert refresh(env, with_secret, tokens["refresh_token"])["access_token"]


def test_it_keeps_asking_for_a_secret_once_the_applications_secrets_are_revoked(env):
    app, secret = env.application(secret=True)
    with partition.override(env.name):
        for made in store.client_secret_list(app):
            store.client_secret_revoke(made.id)
    code, verifier = code_with_verifier(env, app)

    with pytest.raises(OAuthError) as without_secret:
        exchange(env, oauth_client(app, "", "none"), code, verifier)
    with pytest.raises(OAuthError) as revoked_secret:
        exchange(env, oauth_client(app, secret, "client_secret_post"), code, verifier)

    assert without_secret.value.error == revoked_secret.value.error == "invalid_client"


def test_a_public_client_exchanges_its_code_with_its_client_id_and_pkce(env):
    app, _ = env.application(secret=False)
    public = oauth_client(app, "", "none")

    tokens = exchange(env, public, *code_with_verifier(env, app))

    assert userinfo(env, tokens["access_token"]).json()["email"] == "alice@acme.example"
    assert refresh(env, public, tokens["refresh_token"])["access_token"]


@pytest.mark.parametrize(
    "pkce_params",
    [{}, {"code_challenge": "x" * 43, "code_challenge_method": "plain"}],
    ids=["no challenge", "plain"],
)
def test_a_public_client_is_refused_at_authorize_without_an_s256_challenge(env, pkce_params):
    app, _ = env.application(secret=False)

    answer = Client().get(authorize_url(env, app, **pkce_params))

    query = parse_qs(urlsplit(answer["Location"]).query)
    assert answer["Location"].startswith(REDIRECT)
    assert query["error"] == ["invalid_request"] and query["state"] == ["s-1"]
    assert "code" not in query


def test_the_discovery_document_still_offers_none_for_public_clients(env):
    metadata = Client().get(env.path + "/.well-known/openid-configuration").json()

    assert metadata["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic", "client_secret_post", "none",
    ]  # fmt: skip


# --- Malformed requests ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "redirect_uri", ['https://portal.example.com/c"b', "https://portal.example.com\\cb"]
)
def test_a_redirect_uri_with_a_quote_or_a_backslash_is_refused_on_the_page(env, redirect_uri):
    app, _ = env.application(secret=True)
    _, challenge = pkce()

    answer = Client().get(
        authorize_url(env, app, redirect_uri=redirect_uri, code_challenge=challenge,
                      code_challenge_method="S256")
    )  # fmt: skip

    assert answer.status_code == 400
    assert b"cannot be completed" in answer.content and b"invalid_request" in answer.content


ODD = ['a"b', "a\\b", "a\x01b"]


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize(
    "parameter",
    ["response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method",
     "prompt", "client_id"],
)  # fmt: skip
def test_odd_characters_in_any_authorize_parameter_are_an_rfc_6749_error(env, parameter, odd):
    app, _ = env.application(secret=True)
    _, challenge = pkce()
    params = {"code_challenge": challenge, "code_challenge_method": "S256", parameter: odd}

    answer = Client().get(authorize_url(env, app, **params))

    if answer.status_code == 302 and answer["Location"].startswith(REDIRECT):
        assert "error=" in answer["Location"] or "code=" in answer["Location"]
    else:
        assert answer.status_code in (200, 400), answer.status_code


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize(
    ("grant_type", "parameter"),
    [("client_credentials", "scope"), ("refresh_token", "scope"),
     ("refresh_token", "refresh_token"), ("authorization_code", "code"),
     ("authorization_code", "redirect_uri"), ("authorization_code", "code_verifier"),
     ("authorization_code", "scope"), ("client_credentials", "client_id"),
     ("client_credentials", "grant_type")],
)  # fmt: skip
def test_odd_characters_in_any_token_parameter_are_an_rfc_6749_error(
    env, grant_type, parameter, odd
):
    kind = "m2m" if grant_type == "client_credentials" else "oauth"
    app, secret = env.application(secret=True, application_type=kind)
    form = {"grant_type": grant_type, "client_id": app.client_id, "client_secret": secret,
            "code": "c", "redirect_uri": REDIRECT, "code_verifier": "v" * 43,
            "refresh_token": "r", parameter: odd}  # fmt: skip

    answer = Client().post(env.path + "/oauth2/token", form)

    assert answer.status_code in (400, 401)
    assert answer.json()["error"] in {
        "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
        "unsupported_grant_type", "invalid_scope",
    }  # fmt: skip


def test_a_scope_with_a_quote_at_the_token_endpoint_is_invalid_scope(env):
    app, secret = env.application(secret=True, application_type="m2m")

    answer = Client().post(
        env.path + "/oauth2/token",
        {"grant_type": "client_credentials", "client_id": app.client_id,
         "client_secret": secret, "scope": 'a"b'},
    )  # fmt: skip

    assert answer.status_code == 400 and answer.json()["error"] == "invalid_scope"


# --- A replayed code, a reused refresh token ------------------------------------------------


def test_replaying_a_code_revokes_the_tokens_its_first_exchange_issued(env):
    app, secret = env.application(secret=True)
    oauth = oauth_client(app, secret, "client_secret_post")
    code, verifier = code_with_verifier(env, app)
    tokens = exchange(env, oauth, code, verifier)
    assert userinfo(env, tokens["access_token"]).status_code == 200

    with pytest.raises(OAuthError) as replayed:
        exchange(env, oauth, code, verifier)
    with pytest.raises(OAuthError) as refreshed:
        refresh(env, oauth, tokens["refresh_token"])

    assert replayed.value.error == refreshed.value.error == "invalid_grant"
    assert userinfo(env, tokens["access_token"]).status_code == 401


def test_reusing_a_rotated_refresh_token_revokes_the_whole_chain(env):
    app, secret = env.application(secret=True)
    oauth = oauth_client(app, secret, "client_secret_basic")
    first = exchange(env, oauth, *code_with_verifier(env, app))
    second = refresh(env, oauth, first["refresh_token"])
    third = refresh(env, oauth, second["refresh_token"])

    with pytest.raises(OAuthError) as reused:
        refresh(env, oauth, first["refresh_token"])
    with pytest.raises(OAuthError) as latest:
        refresh(env, oauth, third["refresh_token"])

    assert reused.value.error == latest.value.error == "invalid_grant"
    assert userinfo(env, third["access_token"]).status_code == 401


def test_revoking_one_chain_leaves_the_users_other_sign_ins_alone(env):
    app, secret = env.application(secret=True)
    oauth = oauth_client(app, secret, "client_secret_post")
    stolen = exchange(env, oauth, *code_with_verifier(env, app))
    other = exchange(env, oauth, *code_with_verifier(env, app))
    refresh(env, oauth, stolen["refresh_token"])

    with pytest.raises(OAuthError):
        refresh(env, oauth, stolen["refresh_token"])

    assert refresh(env, oauth, other["refresh_token"])["access_token"]
    assert userinfo(env, other["access_token"]).status_code == 200


# --- Guessing client secrets ----------------------------------------------------------------


@pytest.fixture
def low_limits(settings):
    settings.WORKOS_EMULATOR_CLIENT_AUTH_WINDOW = 60
    settings.WORKOS_EMULATOR_CLIENT_AUTH_FAILURES_PER_ADDRESS = 3
    settings.WORKOS_EMULATOR_CLIENT_AUTH_FAILURES_PER_CLIENT = 5


def credentials(env: Environment, app: Application, secret: str, address: str = "203.0.113.7"):
    return Client(REMOTE_ADDR=address).post(
        env.path + "/oauth2/token",
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": secret},
    )


def test_wrong_secrets_from_one_address_are_slowed_down_with_retry_after(env, low_limits):
    app, secret = env.application(secret=True, application_type="m2m")

    wrong = [credentials(env, app, "wrong").status_code for _ in range(3)]
    throttled = credentials(env, app, secret)
    elsewhere = credentials(env, app, secret, address="198.51.100.2")

    assert wrong == [401, 401, 401]
    assert throttled.status_code == 429 and throttled.json()["error"] == "invalid_client"
    assert 1 <= int(throttled["Retry-After"]) <= 60
    assert elsewhere.status_code == 200


def test_wrong_secrets_for_one_client_id_from_many_addresses_are_slowed_down(env, low_limits):
    app, secret = env.application(secret=True, application_type="m2m")

    wrong = [credentials(env, app, "wrong", f"203.0.113.{n}").status_code for n in range(5)]
    throttled = credentials(env, app, secret, "198.51.100.2")

    assert wrong == [401] * 5
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) >= 1


def test_a_success_does_not_clear_the_failures_counted(env, low_limits):
    app, secret = env.application(secret=True, application_type="m2m")
    other, other_secret = env.application(secret=True, application_type="m2m")

    answers = [
        credentials(env, app, "wrong").status_code,
        credentials(env, app, secret).status_code,
        credentials(env, other, other_secret).status_code,
        credentials(env, app, "wrong").status_code,
        credentials(env, other, "wrong").status_code,
        credentials(env, app, secret).status_code,
    ]

    assert answers == [401, 200, 200, 401, 401, 429]


def test_the_slowdown_ends_with_the_window(env, low_limits):
    app, secret = env.application(secret=True, application_type="m2m")
    for _ in range(3):
        credentials(env, app, "wrong")
    assert credentials(env, app, secret).status_code == 429

    for failure in ClientAuthFailure.objects.all():
        ClientAuthFailure.objects.filter(id=failure.id).update(
            at=failure.at - timedelta(seconds=61)
        )

    assert credentials(env, app, secret).status_code == 200


# --- Userinfo takes access tokens only ------------------------------------------------------


def test_an_id_token_is_refused_at_userinfo(env):
    app, secret = env.application(secret=True)
    tokens = exchange(
        env, oauth_client(app, secret, "client_secret_post"), *code_with_verifier(env, app)
    )

    with_id_token = userinfo(env, tokens["id_token"])
    with_access_token = userinfo(env, tokens["access_token"])

    assert with_id_token.status_code == 401
    assert with_id_token.json() == {"error": "invalid_token"}
    assert with_access_token.status_code == 200
