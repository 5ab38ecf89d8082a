"""The authorization server, built on authlib: clients are the embedded Connect API's
applications, client secrets are checked against their stored hashes, and access tokens
are RS256 JWTs with WorkOS's claims.

An application that has or had a client secret is a confidential client: it authenticates
with its secret, in the body or with HTTP Basic. One that never had a secret is a public
client: its client ID alone, and an S256 PKCE challenge at the authorize endpoint.

Every token issued from one authorization belongs to one grant; a code or a rotated refresh
token that comes back revokes the grant: its refresh tokens, and its access tokens at
userinfo.
"""

import hashlib
import hmac
import math
from dataclasses import dataclass, field
from datetime import timedelta

from authlib.common.security import generate_token
from authlib.integrations.django_oauth2 import AuthorizationServer as DjangoAuthorizationServer
from authlib.oauth2.base import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    UnsupportedResponseTypeError,
)
from authlib.oauth2.rfc6749.util import extract_basic_authorization, scope_to_list
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from django.conf import settings
from django.db import transaction

from dashboard import uris
from dashboard.emulator.ids import new_id, now
from dashboard.emulator.models import Application, ClientSecret
from dashboard.emulator.store import hash_secret

from .keys import ALGORITHM, signing_key_id, signing_keys
from .models import AccessToken, AuthorizationCode, ClientAuthFailure, Grant, RefreshToken
from .users import EndUser

ACCESS_TOKEN_SECONDS = 300
CODE_SECONDS = 600
OPENID_SCOPES = {"openid", "profile", "email", "offline_access"}
SECRET_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
GRANT_ID_PREFIX = "grant_"
# Seconds an access token's record outlives the token: verifiers may allow for clock skew.
ACCESS_TOKEN_RECORD_LEEWAY = 60


def _describable(text: str) -> str:
    """`text` as an RFC 6749 error description may say it: printable ASCII without `"` or
    `\\`. What a request sent can hold anything; authlib refuses the rest outright."""
    return "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in text)


def _named(scopes: set[str]) -> str:
    return _describable(", ".join(sorted(scopes)))


def public_client(app: Application) -> bool:
    """An OAuth application that never had a client secret."""
    return app.application_type == Application.OAUTH and not app.had_client_secret


@dataclass
class Client(ClientMixin):
    """An application of the embedded API, as authlib sees an OAuth client."""

    app: Application
    # The secret that authenticated this request, once one has.
    secret: ClientSecret | None = field(default=None, repr=False)

    def get_client_id(self) -> str:
        return self.app.client_id

    def get_default_redirect_uri(self) -> str | None:
        return next((entry["uri"] for entry in self.app.redirect_uris if entry["default"]), None)

    def get_allowed_scope(self, scope: str | None) -> str:
        """The scopes granted: those asked for, or all of the application's when none are.
        An OAuth application may also ask for the OpenID scopes."""
        if not scope:
            return " ".join(self.app.scopes)
        allowed = set(self.app.scopes)
        if self.app.application_type == Application.OAUTH:
            allowed |= OPENID_SCOPES
        return " ".join(s for s in scope_to_list(scope) if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """Exact match or a registered wildcard, by the rules the dashboard states."""
        registered = [entry["uri"] for entry in self.app.redirect_uris]
        return uris.match_redirect_uri(redirect_uri, registered) is not None

    def check_client_secret(self, client_secret: str) -> bool:
        digest = hash_secret(client_secret)
        for secret in self.app.client_secrets.all():
            if hmac.compare_digest(secret.secret_hash, digest):
                self.secret = secret
                ClientSecret.objects.filter(id=secret.id).update(last_used_at=now())
                return True
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        """The methods the registration implies: a secret for a confidential client, the
        client ID alone (`none`) for a public one."""
        if endpoint != "token":
            return False
        if method == "none":
            return public_client(self.app)
        return method in SECRET_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return self.app.application_type == Application.OAUTH and response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        if self.app.application_type == Application.M2M:
            return grant_type == "client_credentials"
        return grant_type in ("authorization_code", "refresh_token")


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_AUTH_METHODS

    def validate_requested_scope(self) -> None:
        """A scope the application does not have is refused, not silently dropped."""
        asked = set(scope_to_list(self.request.payload.scope) or [])
        missing = asked - set(self.request.client.app.scopes)
        if missing:
            raise InvalidScopeError(f"The application does not have the scope {_named(missing)}.")


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def grant_revoke(grant_id: str | None) -> None:
    """Revoke a grant: its refresh tokens stop working, and so do its access tokens at
    userinfo (they are JWTs, which verify by themselves until they expire)."""
    if grant_id is None:
        return
    with transaction.atomic():
        Grant.objects.filter(id=grant_id, revoked_at__isnull=True).update(revoked_at=now())
        RefreshToken.objects.filter(grant_id=grant_id).update(revoked=True)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [*SECRET_AUTH_METHODS, "none"]

    @staticmethod
    def validate_authorization_redirect_uri(request, client: Client) -> str:
        """authlib's check, saying so without repeating the address: what a request sent
        may hold characters an error description cannot."""
        if request.payload.redirect_uri and not client.check_redirect_uri(
            request.payload.redirect_uri
        ):
            raise InvalidRequestError("The redirect_uri is not a redirect URI of the application.")
        return grants.AuthorizationCodeGrant.validate_authorization_redirect_uri(request, client)

    def validate_authorization_request(self):
        redirect_uri = super().validate_authorization_request()
        payload = self.request.payload.data
        app = self.request.client.app
        if not payload.get("code_challenge"):
            if public_client(app):
                raise InvalidRequestError(
                    "This application is a public client (it has no client secret): send a "
                    "PKCE code_challenge, with code_challenge_method S256.",
                    redirect_uri=redirect_uri,
                )
            if app.uses_pkce:
                raise InvalidRequestError(
                    "This application requires PKCE: send a code_challenge.",
                    redirect_uri=redirect_uri,
                )
        if payload.get("code_challenge") and payload.get("code_challenge_method") != "S256":
            raise InvalidRequestError(
                "The code_challenge_method must be S256.", redirect_uri=redirect_uri
            )
        asked = set(scope_to_list(payload.get("scope")) or [])
        missing = asked - set(self.request.client.app.scopes) - OPENID_SCOPES
        if missing:
            raise InvalidScopeError(
                f"The application does not have the scope {_named(missing)}.",
                redirect_uri=redirect_uri,
            )
        return redirect_uri

    def save_authorization_code(self, code: str, request) -> AuthorizationCode:
        payload = request.payload.data
        user: EndUser = request.user
        grant_id, created = new_id(GRANT_ID_PREFIX)
        grant = Grant.objects.create(
            id=grant_id, client_id=request.client.get_client_id(), created_at=created
        )
        return AuthorizationCode.objects.create(
            code_sha256=_sha256(code),
            grant=grant,
            client_id=request.client.get_client_id(),
            redirect_uri=request.payload.redirect_uri or request.client.get_default_redirect_uri(),
            scope=request.client.get_allowed_scope(request.payload.scope),
            user_id=user.id,
            organization_id=user.organization_id,
            consent_id=user.consent_id,
            nonce=payload.get("nonce"),
            code_challenge=payload.get("code_challenge"),
            code_challenge_method=payload.get("code_challenge_method"),
            auth_time=user.auth_time,
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        """The code, used by this very exchange; a code used already revokes what its first
        exchange got (RFC 6749 section 4.1.2)."""
        found = AuthorizationCode.objects.filter(
            code_sha256=_sha256(code), client_id=client.get_client_id()
        ).first()
        if found is None:
            return None
        if found.used_at is None and (now() - found.created_at).total_seconds() > CODE_SECONDS:
            return None
        # Marked used before anything is issued: of two exchanges at once, one wins.
        claimed = AuthorizationCode.objects.filter(id=found.id, used_at__isnull=True).update(
            used_at=now()
        )
        if not claimed:
            grant_revoke(found.grant_id)
            return None
        return found

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing: the code was marked used when the exchange found it, and its row stays to
        recognise a second exchange."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> "EndUser | None":
        return EndUser.load(
            authorization_code.user_id,
            authorization_code.organization_id,
            authorization_code.consent_id,
        )


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [*SECRET_AUTH_METHODS, "none"]
    # Each use answers a new refresh token and revokes the one used.
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        """The client's refresh token, if it is still the current one of a live grant. One
        that was rotated already is back in two hands, the client's and someone else's:
        its whole grant is revoked (RFC 9700 section 4.14)."""
        found = (
            RefreshToken.objects.filter(
                token_sha256=_sha256(refresh_token),
                client_id=self.request.client.get_client_id(),
            )
            .select_related("grant")
            .first()
        )
        if found is None:
            return None
        if found.revoked:
            grant_revoke(found.grant_id)
            return None
        if found.grant is not None and found.grant.revoked_at is not None:
            return None
        return found

    def authenticate_user(self, refresh_token: RefreshToken) -> "EndUser | None":
        return EndUser.load(
            refresh_token.user_id, refresh_token.organization_id, refresh_token.consent_id
        )

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        rotated = RefreshToken.objects.filter(id=refresh_token.id, revoked=False).update(
            revoked=True
        )
        if not rotated:
            # Used twice at once: both answers, this one's included, are of a reused token.
            grant_revoke(refresh_token.grant_id)


class IdTokens(OpenIDCode):
    """ID tokens, with `nonce` and the profile and email claims the scopes ask for."""

    def __init__(self, issuer: str):
        super().__init__(require_nonce=False)
        self.issuer = issuer

    def resolve_client_private_key(self, client):
        return signing_keys()

    def get_client_algorithm(self, client) -> str:
        return ALGORITHM

    def get_encode_header(self, client) -> dict:
        return {"alg": ALGORITHM, "kid": signing_key_id()}

    def get_client_claims(self, client) -> dict:
        return {"iss": self.issuer, "aud": client.get_client_id()}

    def exists_nonce(self, nonce: str, request) -> bool:
        return AuthorizationCode.objects.filter(
            client_id=request.payload.client_id, nonce=nonce
        ).exists()

    def generate_user_info(self, user: "EndUser", scope: str) -> UserInfo:
        return user.info(scope)


class AccessTokens(JWTBearerTokenGenerator):
    """RS256 JWT access tokens with the claims WorkOS puts in Connect tokens."""

    def get_jwks(self):
        return signing_keys()

    def get_audiences(self, client: Client, user, scope) -> str:
        return client.get_client_id()

    def get_extra_claims(self, client: Client, grant_type: str, user, scope) -> dict:
        if user is None:  # An M2M token: the application's organization.
            return {"org_id": client.app.organization_id} if client.app.organization_id else {}
        claims = {"sid": user.consent_id} if user.consent_id else {}
        if user.organization_id:
            claims["org_id"] = user.organization_id
        return claims

    def get_jti(self, client, grant_type, user, scope) -> str:
        return new_id("")[0]

    def generate(self, grant_type, client, user=None, scope=None, *args, **kwargs) -> dict:
        token = super().generate(grant_type, client, user, scope, *args, **kwargs)
        # A refresh token only for `offline_access`, as WorkOS does.
        if "offline_access" not in (scope_to_list(token.get("scope")) or []):
            token.pop("refresh_token", None)
        return token


class AuthorizationServer(DjangoAuthorizationServer):
    def __init__(self, issuer: str, client_address: str | None = None):
        super().__init__(client_model=None, token_model=None)
        self.issuer = issuer
        self.client_address = client_address or "unknown"
        self.register_token_generator(
            "default",
            AccessTokens(
                issuer=issuer,
                alg=ALGORITHM,
                expires_generator=ACCESS_TOKEN_SECONDS,
                refresh_token_generator=lambda **kwargs: generate_token(48),
            ),
        )
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(
            AuthorizationCodeGrant, [CodeChallenge(required=True), IdTokens(issuer)]
        )
        self.register_grant(RefreshTokenGrant)

    def get_authorization_grant(self, request):
        """authlib's, but a response type that an error description cannot repeat is refused
        in words of the server's own, back to the redirect URI when it is a trusted one."""
        response_type = request.payload.response_type or ""
        if _describable(response_type) == response_type:
            return super().get_authorization_grant(request)
        client = self.query_client(request.payload.client_id or "")
        redirect_uri = None
        if client is not None:
            asked = request.payload.redirect_uri
            if not asked:
                redirect_uri = client.get_default_redirect_uri()
            elif client.check_redirect_uri(asked):
                redirect_uri = asked
        raise UnsupportedResponseTypeError(
            _describable(response_type),
            "The response type is not supported by the server.",
            redirect_uri=redirect_uri,
        )

    def authenticate_client(self, request, methods, endpoint="token") -> Client:
        """authlib's client authentication, refused outright for a while to an address, or
        for a client ID, that failed too often; each failure counts for both."""
        client_id = request.payload.client_id or extract_basic_authorization(request.headers)[0]
        keys = [f"address:{self.client_address}"]
        # Only an ID a client could have (query_client's rule) is counted under its name.
        if client_id and len(client_id) <= 200 and "\x00" not in client_id:
            keys.append(f"client:{client_id}")
        retry_after = _client_auth_retry_after(keys)
        if retry_after:
            raise ClientAuthThrottledError(retry_after)
        try:
            return super().authenticate_client(request, methods, endpoint)
        except InvalidClientError:
            _client_auth_failed(keys)
            raise

    def query_client(self, client_id: str) -> Client | None:
        if not client_id or len(client_id) > 200 or "\x00" in client_id:
            return None
        app = Application.objects.filter(client_id=client_id).first()
        return Client(app) if app else None

    def handle_error_response(self, request, error):
        if isinstance(error, InvalidClientError):
            # WorkOS answers every failed client authentication with 401, as RFC 6749 allows,
            # and says so in words rather than authlib's list of methods.
            error.status_code = 401
            error.description = (
                "Client authentication failed: unknown client ID, a wrong or revoked secret, "
                "or no secret from an application that has or had one."
            )
        return super().handle_error_response(request, error)

    def save_token(self, token: dict, request) -> None:
        """A user's tokens are kept as their hashes, with the grant they belong to: the one
        of the code, or of the refresh token used. An M2M token is a self-contained JWT."""
        if request.user is None:
            return
        source = request.authorization_code or request.refresh_token
        grant_id = source.grant_id if source is not None else None
        if grant_id is None:
            # A refresh token issued before grants were recorded starts one.
            grant_id, created = new_id(GRANT_ID_PREFIX)
            Grant.objects.create(
                id=grant_id, client_id=request.client.get_client_id(), created_at=created
            )
        at = now()
        AccessToken.objects.filter(
            expires_at__lt=at - timedelta(seconds=ACCESS_TOKEN_RECORD_LEEWAY)
        ).delete()
        AccessToken.objects.create(
            token_sha256=_sha256(token["access_token"]),
            grant_id=grant_id,
            expires_at=at + timedelta(seconds=token.get("expires_in", ACCESS_TOKEN_SECONDS)),
        )
        if "refresh_token" in token:
            RefreshToken.objects.create(
                token_sha256=_sha256(token["refresh_token"]),
                grant_id=grant_id,
                client_id=request.client.get_client_id(),
                user_id=request.user.id,
                organization_id=request.user.organization_id,
                consent_id=request.user.consent_id,
                scope=token.get("scope", ""),
            )


def access_token_live(token: str) -> bool:
    """Whether this access token was issued to a user and its grant is not revoked."""
    return AccessToken.objects.filter(
        token_sha256=_sha256(token), grant__revoked_at__isnull=True
    ).exists()


# --- Slowing down guesses of client secrets ----------------------------------------------


class ClientAuthThrottledError(OAuth2Error):
    """Too many failed client authentications: 429, with the seconds to wait."""

    error = "invalid_client"
    status_code = 429

    def __init__(self, retry_after: int):
        super().__init__(
            f"Too many failed client authentications: try again in {retry_after} seconds."
        )
        self.retry_after = retry_after

    def get_headers(self):
        return [*super().get_headers(), ("Retry-After", str(self.retry_after))]


def _client_auth_limits() -> dict[str, int]:
    return {
        "address": settings.WORKOS_EMULATOR_CLIENT_AUTH_FAILURES_PER_ADDRESS,
        "client": settings.WORKOS_EMULATOR_CLIENT_AUTH_FAILURES_PER_CLIENT,
    }


def _client_auth_retry_after(keys: list[str]) -> int:
    """Seconds until every key is under its limit again; 0 when they all are."""
    window = settings.WORKOS_EMULATOR_CLIENT_AUTH_WINDOW
    at = now()
    since = at - timedelta(seconds=window)
    limits = _client_auth_limits()
    wait = 0.0
    for key in keys:
        limit = limits[key.partition(":")[0]]
        failures = list(
            ClientAuthFailure.objects.filter(key=key, at__gt=since)
            .order_by("-at")
            .values_list("at", flat=True)[:limit]
        )
        if len(failures) >= limit:
            # Under the limit again once the oldest of the last `limit` failures is out.
            wait = max(wait, window - (at - failures[-1]).total_seconds())
    return math.ceil(wait) if wait > 0 else 0


def _client_auth_failed(keys: list[str]) -> None:
    at = now()
    ClientAuthFailure.objects.filter(
        at__lt=at - timedelta(seconds=settings.WORKOS_EMULATOR_CLIENT_AUTH_WINDOW)
    ).delete()
    ClientAuthFailure.objects.bulk_create([ClientAuthFailure(key=key, at=at) for key in keys])
