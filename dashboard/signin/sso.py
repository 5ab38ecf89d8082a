"""Single sign-on for the dashboard's staff: OpenID Connect's authorization code flow with
PKCE, `state` and `nonce`, as a relying party.

authlib makes the authorization URL with its S256 challenge and the token request (its
RFC 6749 and 7636 parts, over the dashboard's own httpx client, so that the embedded server
is reached in process); joserfc verifies the ID token: its signature against the provider's
JWKS, its issuer, audience, expiry and nonce. Nothing here parses a token by hand.

The provider is the one configured (DASHBOARD_OIDC_ISSUER and its client), or, with none
and the embedded API served, the embedded authorization server with the client that
`quickstart` registered there, reached through the in-process transport as the rest of
the dashboard reaches the embedded API.
"""

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet

from dashboard import environments
from dashboard.connect.transport import transport
from dashboard.environments import Environment

logger = logging.getLogger("dashboard.sso")

PENDING = "sso:pending"
# Asymmetric algorithms only: never "none", never a shared-secret HMAC a client could forge.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
# A sign-in left at the provider for longer than this is started again.
PENDING_SECONDS = 10 * 60
METADATA_SECONDS = 5 * 60
LEEWAY_SECONDS = 60


class SignOnRefused(Exception):
    """The sign-in cannot be completed; the message says why, in the user's words."""


# The issuer the dashboard's role mappings (SignOnRole) name for the embedded authorization
# server: its URL is whatever host the dashboard is reached at; its staff client, the sandbox's.
EMBEDDED_ISSUER = "embedded:sandbox"


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    name: str
    embedded: bool
    # Whether its role claim gives roles here, besides the dashboard's own mappings: not
    # when whoever holds an API key of the environment that issues its identities could
    # write that claim (the trust model, in signon.py).
    role_claim_trusted: bool = False
    # Whether a sandbox issues its identities: they get a role in production only from a
    # mapping that names production.
    sandbox: bool = False

    @property
    def roles_issuer(self) -> str:
        """The issuer its identities' role mappings name."""
        return EMBEDDED_ISSUER if self.embedded else self.issuer

    def http(self) -> httpx.Client:
        return httpx.Client(
            transport=transport(embedded=self.embedded),
            timeout=httpx.Timeout(settings.WORKOS_TIMEOUT, connect=settings.WORKOS_CONNECT_TIMEOUT),
            headers={"Accept": "application/json", "User-Agent": "connect-dashboard/0.1"},
        )


def provider(request: HttpRequest) -> Provider | None:
    """The identity provider staff sign in with, or None when there is none."""
    if settings.DASHBOARD_OIDC_ISSUER:
        managed = _managed_authkit(settings.DASHBOARD_OIDC_ISSUER)
        return Provider(
            issuer=settings.DASHBOARD_OIDC_ISSUER,
            client_id=settings.DASHBOARD_OIDC_CLIENT_ID,
            client_secret=settings.DASHBOARD_OIDC_CLIENT_SECRET,
            scopes=settings.DASHBOARD_OIDC_SCOPES,
            name=settings.DASHBOARD_OIDC_NAME,
            embedded=False,
            role_claim_trusted=managed is None and settings.DASHBOARD_OIDC_TRUST_ROLE_CLAIM,
            sandbox=managed is not None and not managed.production,
        )
    from dashboard.emulator.http import emulator_enabled
    from dashboard.kernel.models import EmbeddedSignOn

    registered = EmbeddedSignOn.objects.first() if emulator_enabled() else None
    if registered is None:
        return None
    return Provider(
        # The embedded sandbox's authorization server, as this request reached the dashboard.
        issuer=request.build_absolute_uri(reverse("emulator:authkit-jwks")).removesuffix(
            "/oauth2/jwks"
        ),
        client_id=registered.client_id,
        client_secret="",
        scopes="openid profile email",
        name="SSO",
        embedded=True,
        # Anyone with the embedded sandbox's API key writes its users' metadata, whence
        # their `roles` claim.
        role_claim_trusted=False,
        sandbox=True,
    )


def _managed_authkit(issuer: str) -> Environment | None:
    """The managed environment whose AuthKit `issuer` is, if any: its users and their
    organization memberships (the `role` claim) are written with that environment's key."""
    host = httpx.URL(issuer).host
    return next(
        (
            environment
            for environment in environments.all()
            if environment.authkit_domain and environment.authkit_domain.lower() == host
        ),
        None,
    )


_metadata: dict[str, tuple[float, dict]] = {}
_metadata_lock = threading.Lock()


def metadata(provider: Provider) -> dict[str, Any]:
    """The provider's OpenID configuration (discovery), kept a few minutes."""
    with _metadata_lock:
        cached = _metadata.get(provider.issuer)
    if cached and time.monotonic() - cached[0] < METADATA_SECONDS:
        return cached[1]
    url = f"{provider.issuer}/.well-known/openid-configuration"
    try:
        with provider.http() as http:
            response = http.get(url, headers=_forwarded(provider, url))
            response.raise_for_status()
            document = response.json()
    except (httpx.HTTPError, ValueError) as error:
        logger.warning("OpenID discovery at %s failed: %s", url, error)
        raise SignOnRefused(
            f"{provider.name} could not be reached just now ({url}). Try again in a moment."
        ) from error
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(document, dict) or not all(
        isinstance(document.get(key), str) for key in needed
    ):
        raise SignOnRefused(f"{provider.name}'s OpenID configuration is incomplete.")
    if document["issuer"].rstrip("/") != provider.issuer:
        # OpenID Connect Discovery 4.3: the document must name the issuer it was asked for.
        raise SignOnRefused(
            f"{provider.name}'s OpenID configuration names another issuer "
            f"({document['issuer']}); check DASHBOARD_OIDC_ISSUER."
        )
    with _metadata_lock:
        _metadata[provider.issuer] = (time.monotonic(), document)
    return document


def _forwarded(provider: Provider, url: str) -> dict[str, str]:
    # In process there is no proxy to say how the dashboard was reached; the embedded server
    # names itself (its issuer) from the scheme of the URL it is asked at.
    return {"X-Forwarded-Proto": httpx.URL(url).scheme} if provider.embedded else {}


def callback_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("sso-callback"))


def safe_next(request: HttpRequest, url: str | None) -> str:
    """`url` when it stays on this site, else the home page: no open redirect."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("home")


def begin(request: HttpRequest, provider: Provider, next_url: str | None) -> str:
    """Remember a new sign-in in the session; answer the provider's authorization URL."""
    endpoints = metadata(provider)
    state = secrets.token_urlsafe(24)
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(24)
    redirect_uri = callback_url(request)
    url = prepare_grant_uri(
        endpoints["authorization_endpoint"],
        provider.client_id,
        "code",
        redirect_uri=redirect_uri,
        scope=provider.scopes,
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )
    request.session[PENDING] = {
        "state": state,
        "verifier": verifier,
        "nonce": nonce,
        "issuer": provider.issuer,
        "redirect_uri": redirect_uri,
        "next": safe_next(request, next_url),
        "started": time.time(),
    }
    return url


@dataclass(frozen=True)
class Completed:
    claims: dict[str, Any]
    next_url: str
    end_session_endpoint: str | None


def complete(request: HttpRequest, provider: Provider) -> Completed:
    """The verified ID token's claims of the sign-in this callback completes."""
    pending = request.session.pop(PENDING, None)
    if not isinstance(pending, dict) or pending.get("issuer") != provider.issuer:
        raise SignOnRefused("This sign-in was not started here, or was already used.")
    if time.time() - pending["started"] > PENDING_SECONDS:
        raise SignOnRefused("This sign-in took too long. Start it again.")
    if not constant_time_compare(request.GET.get("state", ""), pending["state"]):
        raise SignOnRefused(
            "The answer from the identity provider does not belong to this sign-in "
            "(its state differs). Start again."
        )
    if request.GET.get("error"):
        said = request.GET.get("error_description") or request.GET["error"]
        raise SignOnRefused(f"{provider.name} did not sign you in: {said}")
    code = request.GET.get("code", "")
    if not code:
        raise SignOnRefused(f"{provider.name} answered without an authorization code.")
    endpoints = metadata(provider)
    token = _exchange(provider, endpoints, code, pending)
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SignOnRefused(f"{provider.name} answered without an ID token.")
    claims = verify_id_token(provider, endpoints, id_token, pending["nonce"])
    return Completed(claims, pending["next"], endpoints.get("end_session_endpoint"))


def _auth_method(provider: Provider, endpoints: dict) -> str:
    """How the client proves itself at the token endpoint: not at all for a public client
    (PKCE does), else HTTP Basic, which every provider must take (RFC 6749 2.3.1), unless
    its configuration lists only the secret in the body."""
    if not provider.client_secret:
        return "none"
    supported = endpoints.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return "client_secret_basic" if "client_secret_basic" in supported else "client_secret_post"


def _exchange(provider: Provider, endpoints: dict, code: str, pending: dict) -> dict:
    """The token endpoint's answer to the code, with the PKCE verifier."""
    token_url = endpoints["token_endpoint"]
    body = prepare_token_request(
        "authorization_code",
        code=code,
        redirect_uri=pending["redirect_uri"],
        code_verifier=pending["verifier"],
    )
    auth = ClientAuth(provider.client_id, provider.client_secret, _auth_method(provider, endpoints))
    token_url, headers, body = auth.prepare("POST", token_url, {}, body)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        with provider.http() as http:
            response = http.post(
                token_url, content=body, headers=headers | _forwarded(provider, token_url)
            )
            answer = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise SignOnRefused(f"{provider.name}'s token endpoint failed: {error}") from error
    if not isinstance(answer, dict):
        raise SignOnRefused(f"{provider.name}'s token endpoint answered something else.")
    if response.status_code != 200 or "error" in answer:
        said = answer.get("error_description") or answer.get("error") or response.status_code
        raise SignOnRefused(f"{provider.name} refused the sign-in's code: {said}")
    return answer


def verify_id_token(provider: Provider, endpoints: dict, id_token: str, nonce: str) -> dict:
    jwks_url = endpoints["jwks_uri"]
    try:
        with provider.http() as http:
            response = http.get(jwks_url, headers=_forwarded(provider, jwks_url))
            response.raise_for_status()
            keys = KeySet.import_key_set(response.json())
    except (httpx.HTTPError, ValueError, TypeError, KeyError, JoseError) as error:
        raise SignOnRefused(f"{provider.name}'s signing keys could not be read.") from error
    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
    except (JoseError, ValueError) as error:
        raise SignOnRefused(
            "The ID token's signature does not verify with the provider's keys."
        ) from error
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        sub={"essential": True},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(token.claims)
    except ExpiredTokenError as error:
        raise SignOnRefused("The ID token has expired. Sign in again.") from error
    except (InvalidClaimError, MissingClaimError) as error:
        claim = getattr(error, "claim", "")
        words = {
            "iss": "was issued by another provider",
            "aud": "was issued to another application",
            "nonce": "does not belong to this sign-in (its nonce differs)",
        }
        raise SignOnRefused(
            f"The ID token {words.get(claim, f'has a wrong or missing {claim} claim')}."
        ) from error
    except JoseError as error:
        raise SignOnRefused(f"The ID token is not valid: {error.description}") from error
    return dict(token.claims)
