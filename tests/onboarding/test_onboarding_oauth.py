"""The service layer's client of the authorization server (`dashboard.connect.oauth`): against
the embedded authorization server through the in-process transport, and against a faked
WorkOS AuthKit domain (respx)."""

import logging
import time
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from joserfc import jwt
from joserfc.jwk import RSAKey
from pydantic import SecretStr

from dashboard import connect
from dashboard.connect import errors
from dashboard.connect.oauth import (
    Endpoints,
    TokenInvalidError,
    TokenRefusedError,
    TokenResponse,
)
from dashboard.emulator import store

# --- Against the embedded authorization server -------------------------------------------------

# Any host the dashboard serves: the in-process transport carries it to the embedded API.
EMBEDDED_ISSUER = "http://testserver/emulator"


@pytest.fixture
def worker(organization):
    app = store.application_create(
        application_type="m2m",
        name="Billing worker",
        organization_id=organization.id,
        scopes=["billing:read", "billing:manage"],
    )
    secret, plaintext = store.client_secret_create(app)
    return app, secret, SecretStr(plaintext)


@pytest.mark.django_db
def test_an_m2m_application_gets_a_token_that_verifies_in_process(worker):
    app, secret, plaintext = worker

    token = connect.client_credentials_token(
        issuer=EMBEDDED_ISSUER, client_id=app.client_id, client_secret=plaintext
    )
    verified = connect.access_token_verify(
        issuer=EMBEDDED_ISSUER, token=token, client_id=app.client_id
    )

    claims = verified.claims
    assert claims["iss"] == EMBEDDED_ISSUER
    assert claims["sub"] == claims["client_id"] == app.client_id
    assert claims["org_id"] == app.organization_id
    assert claims["scope"] == "billing:read billing:manage" == token.scope
    assert claims["iat"] <= time.time() < claims["exp"]
    assert verified.key_id and token.expires_in == 300
    secret.refresh_from_db()
    assert secret.last_used_at is not None


@pytest.mark.django_db
def test_the_embedded_server_refusals_arrive_as_their_oauth_errors(worker):
    app, secret, plaintext = worker

    def refusal(**changes) -> TokenRefusedError:
        arguments = {
            "issuer": EMBEDDED_ISSUER,
            "client_id": app.client_id,
            "client_secret": plaintext,
        }
        with pytest.raises(TokenRefusedError) as refused:
            connect.client_credentials_token(**(arguments | changes))
        return refused.value

    wrong = refusal(client_secret=SecretStr("nope"))
    scope = refusal(scope="users:manage")
    store.client_secret_revoke(secret.id)
    revoked = refusal()

    assert (wrong.status, wrong.code) == (401, "invalid_client") == (revoked.status, revoked.code)
    assert (scope.status, scope.code) == (400, "invalid_scope")
    assert (
        scope.description
        == scope.message
        == "The application does not have the scope users:manage."
    )


@pytest.mark.django_db
def test_a_token_asked_for_fewer_scopes_has_only_those(worker):
    app, _, plaintext = worker

    token = connect.client_credentials_token(
        issuer=EMBEDDED_ISSUER,
        client_id=app.client_id,
        client_secret=plaintext,
        scope="billing:read",
    )

    claims = connect.access_token_verify(
        issuer=EMBEDDED_ISSUER, token=token, client_id=app.client_id
    )
    assert claims.claims["scope"] == "billing:read"


@pytest.mark.django_db
def test_a_token_is_checked_against_the_issuer_that_was_called(worker):
    app, _, plaintext = worker
    token = connect.client_credentials_token(
        issuer=EMBEDDED_ISSUER, client_id=app.client_id, client_secret=plaintext
    )

    # The same server under another name: its keys verify, its tokens do not name it.
    with pytest.raises(TokenInvalidError, match="not “http://localhost/emulator”"):
        connect.access_token_verify(
            issuer="http://localhost/emulator", token=token, client_id=app.client_id
        )
    with pytest.raises(TokenInvalidError, match="client_id"):
        connect.access_token_verify(issuer=EMBEDDED_ISSUER, token=token, client_id="client_other")


def test_the_endpoints_are_the_standard_paths_under_the_issuer():
    endpoints = Endpoints("https://acme.authkit.app")

    assert [
        endpoints.authorize,
        endpoints.token,
        endpoints.userinfo,
        endpoints.jwks,
        endpoints.openid_configuration,
        endpoints.oauth_metadata,
    ] == [
        "https://acme.authkit.app/oauth2/authorize",
        "https://acme.authkit.app/oauth2/token",
        "https://acme.authkit.app/oauth2/userinfo",
        "https://acme.authkit.app/oauth2/jwks",
        "https://acme.authkit.app/.well-known/openid-configuration",
        "https://acme.authkit.app/.well-known/oauth-authorization-server",
    ]


# --- Against a faked WorkOS --------------------------------------------------------------------

ISSUER = "https://acme.authkit.test"
CLIENT_ID = "client_01HXYZ123456789ABCDEFGHIJ"
SECRET = SecretStr("sekrit-0123456789abcdef")
KEY = RSAKey.generate_key(2048, parameters={"kid": "key_1", "alg": "RS256", "use": "sig"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "key_1", "alg": "RS256", "use": "sig"})


@pytest.fixture
def real_workos(settings):
    settings.WORKOS_API_KEY = "sk_test_faked_api_key"
    settings.WORKOS_BASE_URL = "https://api.workos.test"
    settings.WORKOS_AUTHKIT_DOMAIN = "acme.authkit.test"


@pytest.fixture
def authkit(real_workos):
    with respx.mock(base_url=ISSUER, assert_all_called=False) as mock:
        mock.get("/oauth2/jwks").mock(
            return_value=httpx.Response(200, json={"keys": [KEY.as_dict(private=False)]})
        )
        yield mock


def signed(key=KEY, **changes) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": "client_environment",
        "sub": CLIENT_ID,
        "client_id": CLIENT_ID,
        "org_id": "org_01",
        "scope": "billing:read",
        "jti": "01TOKEN",
        "iat": now,
        "exp": now + 300,
    } | changes
    return jwt.encode({"alg": "RS256", "kid": "key_1"}, claims, key)


def token_answer(access_token: str, status: int = 200) -> httpx.Response:
    body = {"access_token": access_token, "token_type": "Bearer", "expires_in": 300}
    return httpx.Response(status, json=body, headers={"X-Request-ID": "req_token"})


def fetch(**changes) -> TokenResponse:
    arguments = {"issuer": ISSUER, "client_id": CLIENT_ID, "client_secret": SECRET}
    return connect.client_credentials_token(**(arguments | changes))


def test_the_token_request_carries_the_client_credentials_and_never_the_api_key(authkit):
    route = authkit.post("/oauth2/token").mock(return_value=token_answer(signed()))

    token = fetch(scope="billing:read")

    request = route.calls.last.request
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT_ID],
        "client_secret": [SECRET.get_secret_value()],
        "scope": ["billing:read"],
    }
    assert "Authorization" not in request.headers
    assert b"sk_test_faked_api_key" not in request.content
    assert token.token_type == "Bearer" and token.expires_in == 300
    assert SECRET.get_secret_value() not in repr(token) + repr(route.calls.last.response)


def test_a_workos_token_verifies_against_the_authkit_jwks(authkit):
    authkit.post("/oauth2/token").mock(return_value=token_answer(signed()))

    verified = connect.access_token_verify(issuer=ISSUER, token=fetch(), client_id=CLIENT_ID)

    assert verified.claims["org_id"] == "org_01" and verified.key_id == "key_1"


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (signed(key=OTHER_KEY), "signature does not verify"),
        (signed(iss="https://other.authkit.test"), "“iss” is “https://other.authkit.test”, not"),
        (signed(client_id="client_other"), "“client_id” is “client_other”"),
        (signed(client_id=None), "no “client_id” claim"),
        (signed(exp=int(time.time()) - 60), "had expired"),
        ("not-a-jwt", "signature does not verify"),
    ],
    ids=["other-key", "other-issuer", "other-client", "no-client", "expired", "not-a-jwt"],
)
def test_a_token_that_does_not_verify_is_refused(authkit, token, message):
    authkit.post("/oauth2/token").mock(return_value=token_answer(token))

    with pytest.raises(TokenInvalidError, match=message) as refused:
        connect.access_token_verify(issuer=ISSUER, token=fetch(), client_id=CLIENT_ID)

    assert isinstance(refused.value, errors.InvalidResponseError)


def test_an_oauth_error_keeps_the_servers_exact_words(authkit):
    body = {"error": "invalid_client", "error_description": "Invalid client secret."}
    route = authkit.post("/oauth2/token").mock(
        return_value=httpx.Response(401, json=body, headers={"X-Request-ID": "req_401"})
    )

    with pytest.raises(TokenRefusedError) as refused:
        fetch()

    error = refused.value
    assert (error.status, error.code, error.message, error.request_id) == (
        401,
        "invalid_client",
        "Invalid client secret.",
        "req_401",
    )
    assert error.description == "Invalid client secret." and not error.retryable
    assert route.call_count == 1  # A check reports what happened the first time.


def test_an_oauth_error_without_a_description_is_named_by_its_code(authkit):
    authkit.post("/oauth2/token").mock(
        return_value=httpx.Response(400, json={"error": "unauthorized_client"})
    )

    with pytest.raises(TokenRefusedError) as refused:
        fetch()

    assert refused.value.message == "unauthorized_client" and refused.value.description is None


@pytest.mark.parametrize(
    ("answer", "error_class"),
    [
        (httpx.Response(503, json={"error": "temporarily_unavailable"}), errors.ServerError),
        (httpx.Response(500, text="<html>oops</html>"), errors.ServerError),
        (httpx.Response(400, text="Bad Request"), errors.BadRequestError),
        (httpx.Response(404, json={"message": "Not found"}), errors.NotFoundError),
        (httpx.Response(200, json={"token_type": "Bearer"}), errors.InvalidResponseError),
        (httpx.ConnectError("refused"), errors.ApiConnectionError),
        (httpx.ReadTimeout("slow"), errors.ApiTimeoutError),
    ],
    ids=["503", "500-html", "400-text", "404", "200-no-token", "unreachable", "timeout"],
)
def test_every_other_failure_is_its_service_error(authkit, answer, error_class):
    route = authkit.post("/oauth2/token")
    if isinstance(answer, Exception):
        route.mock(side_effect=answer)
    else:
        route.mock(return_value=answer)

    with pytest.raises(error_class):
        fetch()


def test_a_jwks_that_is_not_a_key_set_is_an_invalid_response(authkit):
    authkit.post("/oauth2/token").mock(return_value=token_answer(signed()))
    authkit.get("/oauth2/jwks").mock(return_value=httpx.Response(200, json={"keys": "none"}))

    with pytest.raises(errors.InvalidResponseError, match="not a key set"):
        connect.access_token_verify(issuer=ISSUER, token=fetch(), client_id=CLIENT_ID)


def test_the_secret_and_the_token_never_reach_a_log_line(authkit, caplog):
    caplog.set_level(logging.DEBUG)
    access_token = signed()
    authkit.post("/oauth2/token").mock(return_value=token_answer(access_token))

    connect.access_token_verify(issuer=ISSUER, token=fetch(), client_id=CLIENT_ID)

    assert f"POST {ISSUER}/oauth2/token -> 200" in caplog.text
    assert SECRET.get_secret_value() not in caplog.text
    assert access_token not in caplog.text
