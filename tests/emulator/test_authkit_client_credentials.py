"""The embedded authorization server's client-credentials grant, driven by an independent
OAuth client (authlib's) over HTTP, with every token verified against the published JWKS."""

import time

import httpx
import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet

from dashboard.emulator import store
from dashboard.emulator.models import ClientSecret

pytestmark = pytest.mark.django_db(transaction=True)


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


def verified_claims(issuer: str, access_token: str) -> dict:
    keys = KeySet.import_key_set(httpx.get(f"{issuer}/oauth2/jwks").json())
    token = jwt.decode(access_token, keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer}, exp={"essential": True}
    ).validate(token.claims)
    return token.claims


@pytest.mark.parametrize("method", ["client_secret_post", "client_secret_basic"])
def test_an_m2m_application_gets_a_signed_token_with_workos_claims(issuer, worker, method):
    app, secret, plaintext = worker
    client = OAuth2Client(app.client_id, plaintext, token_endpoint_auth_method=method)

    token = client.fetch_token(f"{issuer}/oauth2/token", grant_type="client_credentials")

    claims = verified_claims(issuer, token["access_token"])
    assert token["token_type"] == "Bearer" and token["expires_in"] == 300
    assert claims["sub"] == app.client_id and claims["client_id"] == app.client_id
    assert claims["org_id"] == app.organization_id and claims["aud"] == app.client_id
    assert claims["scope"] == "billing:read billing:manage" == token["scope"]
    assert claims["jti"] and claims["iat"] <= time.time() < claims["exp"]
    secret.refresh_from_db()
    assert secret.last_used_at is not None


def test_a_token_can_ask_for_fewer_scopes_but_not_for_others(issuer, worker):
    app, _, plaintext = worker
    client = OAuth2Client(app.client_id, plaintext, token_endpoint_auth_method="client_secret_post")

    fewer = client.fetch_token(
        f"{issuer}/oauth2/token", grant_type="client_credentials", scope="billing:read"
    )
    with pytest.raises(OAuthError) as refused:
        client.fetch_token(
            f"{issuer}/oauth2/token", grant_type="client_credentials", scope="users:manage"
        )

    assert verified_claims(issuer, fewer["access_token"])["scope"] == "billing:read"
    assert refused.value.error == "invalid_scope"


def post_token(issuer: str, **form) -> httpx.Response:
    return httpx.post(f"{issuer}/oauth2/token", data=form)


def test_a_wrong_or_revoked_secret_is_invalid_client_and_changes_nothing(issuer, worker):
    app, secret, plaintext = worker

    wrong = post_token(
        issuer, grant_type="client_credentials", client_id=app.client_id, client_secret="nope"
    )
    store.client_secret_revoke(secret.id)
    revoked = post_token(
        issuer, grant_type="client_credentials", client_id=app.client_id, client_secret=plaintext
    )
    unknown = post_token(
        issuer, grant_type="client_credentials", client_id="client_nope", client_secret="x"
    )

    for response in (wrong, revoked, unknown):
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"
        assert response.json()["error_description"].startswith("Client authentication failed")
        assert "no-store" in response.headers["Cache-Control"]
    assert not ClientSecret.objects.filter(last_used_at__isnull=False).exists()


def test_an_oauth_application_may_not_use_client_credentials(issuer, organization):
    app = store.application_create(
        application_type="oauth",
        name="Portal",
        is_first_party=False,
        organization_id=organization.id,
        redirect_uris=[{"uri": "https://portal.example.com/cb", "default": True}],
    )
    _, plaintext = store.client_secret_create(app)

    response = post_token(
        issuer, grant_type="client_credentials", client_id=app.client_id, client_secret=plaintext
    )

    assert response.status_code == 400 and response.json()["error"] == "unauthorized_client"


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({}, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "client_id": "\x00"}, "invalid_client"),
    ],
)
def test_malformed_token_requests_get_oauth_errors_never_a_server_error(
    issuer, worker, form, error
):
    response = post_token(issuer, **form)

    assert 400 <= response.status_code < 500
    assert response.json()["error"] == error


def test_the_metadata_and_keys_describe_the_server(issuer, live_server):
    metadata = httpx.get(f"{issuer}/.well-known/oauth-authorization-server").json()
    keys = httpx.get(metadata["jwks_uri"]).json()["keys"]

    assert metadata["issuer"] == issuer
    assert metadata["token_endpoint"] == f"{issuer}/oauth2/token"
    assert "client_credentials" in metadata["grant_types_supported"]
    assert len(keys) == 1 and keys[0]["kid"] and keys[0]["alg"] == "RS256"
    assert "d" not in keys[0]  # never the private half
