"""The authorization server of Connect, as its clients see it: where its endpoints are, a
client-credentials token request, a public client's code exchange, and the verification of
the tokens it answers.

WorkOS serves the authorization server on the environment's AuthKit domain
(`https://<subdomain>.authkit.app`), not on the API's base URL, and a client authenticates
there with its own client ID and secret, never with the dashboard's API key. So this module
has its own `httpx.Client`, without the API key; in embedded mode it reaches the embedded
authorization server through the same in-process transport as the rest of the service layer.

A client secret passes through here as a `SecretStr` and goes nowhere but the token request's
body: it is never logged, kept or put in an error.
"""

import logging
import threading
from dataclasses import dataclass
from time import monotonic
from typing import Any

import httpx
import pydantic
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import KeySet
from pydantic import SecretStr

from . import errors
from .client import backend, error_from_response
from .transport import transport

logger = logging.getLogger("dashboard.connect")

ALGORITHMS = ["RS256"]

_client: httpx.Client | None = None
_client_lock = threading.Lock()


@dataclass(frozen=True)
class Endpoints:
    """The standard paths of a Connect authorization server under its issuer."""

    issuer: str

    @property
    def openid_configuration(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def oauth_metadata(self) -> str:
        """RFC 8414 authorization server metadata."""
        return f"{self.issuer}/.well-known/oauth-authorization-server"

    @property
    def authorize(self) -> str:
        return f"{self.issuer}/oauth2/authorize"

    @property
    def token(self) -> str:
        return f"{self.issuer}/oauth2/token"

    @property
    def userinfo(self) -> str:
        return f"{self.issuer}/oauth2/userinfo"

    @property
    def jwks(self) -> str:
        return f"{self.issuer}/oauth2/jwks"


class TokenRefusedError(errors.ApiError):
    """The token endpoint refused the request with an RFC 6749 error.

    `code` is the OAuth `error` (`invalid_client`, `invalid_scope`, ...), `message` its
    `error_description`, or the code itself when the server gave none.
    """

    @property
    def description(self) -> str | None:
        body = self.body if isinstance(self.body, dict) else {}
        value = body.get("error_description")
        return value if isinstance(value, str) and value else None


class TokenInvalidError(errors.InvalidResponseError):
    """The token endpoint answered a token that does not verify: bad signature, another
    issuer or client, expired, or not a JWT at all."""


class TokenResponse(pydantic.BaseModel):
    """A token endpoint's successful answer (RFC 6749 section 5.1)."""

    model_config = pydantic.ConfigDict(extra="allow", frozen=True)

    # A bearer credential: kept out of repr(), logs and tracebacks.
    access_token: SecretStr
    token_type: str
    expires_in: int | None = None
    scope: str | None = None
    # Present when the request asked for the `openid` scope.
    id_token: SecretStr | None = None


@dataclass(frozen=True)
class VerifiedToken:
    """An access token whose signature, issuer, client and expiry were checked."""

    claims: dict[str, Any]
    # The ID of the JWKS key that signed it.
    key_id: str | None


def _build_client() -> httpx.Client:
    limits = httpx.Limits(max_connections=10, max_keepalive_connections=5)
    return httpx.Client(
        transport=transport(embedded=backend().embedded, limits=limits),
        headers={"Accept": "application/json", "User-Agent": "connect-dashboard/0.1"},
        timeout=httpx.Timeout(settings.WORKOS_TIMEOUT, connect=settings.WORKOS_CONNECT_TIMEOUT),
    )


def _get_client() -> httpx.Client:
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                _client = _build_client()
    return _client


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    global _client
    if setting.startswith("WORKOS_"):
        with _client_lock:
            if _client is not None:
                _client.close()
            _client = None


def _send(method: str, url: str, **options: Any) -> httpx.Response:
    """One request, no retries: a check reports what happened the first time."""
    headers = options.pop("headers", {})
    scheme = httpx.URL(url).scheme
    if backend().embedded:
        # In process there is no proxy to say the dashboard was reached over HTTPS; a
        # deployment that trusts X-Forwarded-Proto would otherwise see plain HTTP, and the
        # embedded server would name itself by an http:// issuer.
        headers["X-Forwarded-Proto"] = scheme
    started = monotonic()
    try:
        response = _get_client().request(method, url, headers=headers, **options)
    except httpx.TimeoutException as exc:
        raise errors.ApiTimeoutError(
            f"The authorization server did not answer within {settings.WORKOS_TIMEOUT:g} seconds."
        ) from exc
    except httpx.TransportError as exc:
        raise errors.ApiConnectionError(
            f"The authorization server could not be reached: {exc}."
        ) from exc
    logger.info(
        "%s %s -> %s in %.0f ms [%s]",
        method,
        url,
        response.status_code,
        (monotonic() - started) * 1000,
        response.headers.get("X-Request-ID", "-"),
    )
    return response


def _refusal(response: httpx.Response) -> errors.ApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    code = body.get("error") if isinstance(body, dict) else None
    if not isinstance(code, str) or not code or response.status_code >= 500:
        return error_from_response(response)
    description = body.get("error_description")
    return TokenRefusedError(
        description if isinstance(description, str) and description else code,
        status=response.status_code,
        request_id=response.headers.get("X-Request-ID"),
        code=code,
        body=body,
    )


def _token_request(issuer: str, form: dict[str, str]) -> TokenResponse:
    """POST `form` to the issuer's token endpoint: its token, or its refusal raised."""
    response = _send("POST", Endpoints(issuer).token, data=form)
    if response.status_code != 200:
        raise _refusal(response)
    try:
        return TokenResponse.model_validate_json(response.content)
    except pydantic.ValidationError as exc:
        raise errors.InvalidResponseError(
            "The token endpoint answered 200 without a token.",
            status=response.status_code,
            request_id=response.headers.get("X-Request-ID"),
        ) from exc


def client_credentials_token(
    *, issuer: str, client_id: str, client_secret: SecretStr, scope: str | None = None
) -> TokenResponse:
    """Ask the token endpoint for a token with the client-credentials grant, the client
    authenticating with its ID and secret in the body (`client_secret_post`), as WorkOS
    documents. `scope` empty or None asks for all of the application's scopes."""
    form = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret.get_secret_value(),
    }
    if scope:
        form["scope"] = scope
    return _token_request(issuer, form)


def jwks(*, issuer: str) -> KeySet:
    """The keys the authorization server signs tokens with."""
    response = _send("GET", Endpoints(issuer).jwks)
    if response.status_code != 200:
        raise error_from_response(response)
    try:
        return KeySet.import_key_set(response.json())
    except (ValueError, TypeError, KeyError, JoseError) as exc:
        raise errors.InvalidResponseError(
            "The JWKS endpoint answered something that is not a key set.",
            status=response.status_code,
            request_id=response.headers.get("X-Request-ID"),
        ) from exc


def access_token_verify(*, issuer: str, token: TokenResponse, client_id: str) -> VerifiedToken:
    """Check the token's RS256 signature against the issuer's JWKS, and that it was issued
    by `issuer` to `client_id` and has not expired."""
    return _verify(
        issuer=issuer,
        token=token.access_token.get_secret_value(),
        expected={"iss": issuer, "client_id": client_id},
        what="token",
    )


def _verify(*, issuer: str, token: str, expected: dict[str, str], what: str) -> VerifiedToken:
    keys = jwks(issuer=issuer)
    try:
        decoded = jwt.decode(token, keys, algorithms=ALGORITHMS)
    except (JoseError, ValueError) as exc:
        raise TokenInvalidError(
            f"The {what}’s signature does not verify against the keys at "
            f"{Endpoints(issuer).jwks} ({exc.__class__.__name__})."
        ) from exc
    registry = jwt.JWTClaimsRegistry(
        exp={"essential": True},
        **{name: {"essential": True, "value": value} for name, value in expected.items()},
    )
    try:
        registry.validate(decoded.claims)
    except ExpiredTokenError as exc:
        raise TokenInvalidError(f"The {what} had expired when it arrived.") from exc
    except ClaimError as exc:
        name = getattr(exc, "claim", "")
        found = decoded.claims.get(name)
        if name in expected and found is not None:
            message = f"The {what}’s “{name}” is “{found}”, not “{expected[name]}”."
        elif found is None:
            message = f"The {what} has no “{name}” claim."
        else:
            message = f"The {what}’s “{name}” claim is not valid."
        raise TokenInvalidError(message) from exc
    return VerifiedToken(claims=dict(decoded.claims), key_id=decoded.header.get("kid"))


def authorization_code_token(
    *,
    issuer: str,
    client_id: str,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    client_secret: SecretStr | None = None,
) -> TokenResponse:
    """Exchange an authorization code, with the PKCE verifier proving the client asked for
    it: as a confidential client with its secret in the body (`client_secret_post`), or
    without one as a public client (`token_endpoint_auth_method=none`)."""
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    if client_secret is not None:
        form["client_secret"] = client_secret.get_secret_value()
    return _token_request(issuer, form)


def id_token_verify(*, issuer: str, id_token: str, client_id: str, nonce: str) -> VerifiedToken:
    """Check an ID token as OpenID Connect Core 3.1.3.7 asks: its RS256 signature against the
    issuer's JWKS, `iss`, `aud` (the client ID), the `nonce` sent, and expiry."""
    return _verify(
        issuer=issuer,
        token=id_token,
        expected={"iss": issuer, "aud": client_id, "nonce": nonce},
        what="ID token",
    )
