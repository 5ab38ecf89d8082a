"""The authorization server, built on authlib: clients are the embedded Connect API's
applications, client secrets are checked against their stored hashes, and access tokens
are RS256 JWTs with WorkOS's claims.
"""

import hashlib
import hmac
from dataclasses import dataclass, field

from authlib.common.security import generate_token
from authlib.integrations.django_oauth2 import AuthorizationServer as DjangoAuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
)
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode

from dashboard import uris
from dashboard.emulator.ids import new_id, now
from dashboard.emulator.models import Application, ClientSecret
from dashboard.emulator.store import hash_secret

from .keys import ALGORITHM, signing_key_id, signing_keys
from .models import AuthorizationCode, RefreshToken
from .users import EndUser

ACCESS_TOKEN_SECONDS = 300
CODE_SECONDS = 600
OPENID_SCOPES = {"openid", "profile", "email", "offline_access"}
SECRET_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


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
        if endpoint != "token":
            return False
        # An OAuth application may also be a public client (no secret), with PKCE.
        return method in SECRET_AUTH_METHODS or (
            method == "none" and self.app.application_type == Application.OAUTH
        )

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
            raise InvalidScopeError(
                f"The application does not have the scope {', '.join(sorted(missing))}."
            )


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [*SECRET_AUTH_METHODS, "none"]

    def validate_authorization_request(self):
        redirect_uri = super().validate_authorization_request()
        payload = self.request.payload.data
        if self.request.client.app.uses_pkce and not payload.get("code_challenge"):
            raise InvalidRequestError(
                "This application requires PKCE: send a code_challenge.", redirect_uri=redirect_uri
            )
        if payload.get("code_challenge") and payload.get("code_challenge_method") != "S256":
            raise InvalidRequestError(
                "The code_challenge_method must be S256.", redirect_uri=redirect_uri
            )
        asked = set(scope_to_list(payload.get("scope")) or [])
        missing = asked - set(self.request.client.app.scopes) - OPENID_SCOPES
        if missing:
            raise InvalidScopeError(
                f"The application does not have the scope {', '.join(sorted(missing))}.",
                redirect_uri=redirect_uri,
            )
        return redirect_uri

    def save_authorization_code(self, code: str, request) -> AuthorizationCode:
        payload = request.payload.data
        user: EndUser = request.user
        return AuthorizationCode.objects.create(
            code_sha256=_sha256(code),
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
        found = AuthorizationCode.objects.filter(
            code_sha256=_sha256(code), client_id=client.get_client_id()
        ).first()
        if found and (now() - found.created_at).total_seconds() <= CODE_SECONDS:
            return found
        return None

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Single use: a second exchange of the same code finds nothing.
        authorization_code.delete()

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
        return RefreshToken.objects.filter(
            token_sha256=_sha256(refresh_token), revoked=False
        ).first()

    def authenticate_user(self, refresh_token: RefreshToken) -> "EndUser | None":
        return EndUser.load(
            refresh_token.user_id, refresh_token.organization_id, refresh_token.consent_id
        )

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        RefreshToken.objects.filter(id=refresh_token.id).update(revoked=True)


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
    def __init__(self, issuer: str):
        super().__init__(client_model=None, token_model=None)
        self.issuer = issuer
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
                "Client authentication failed: unknown client ID, or a wrong or revoked secret."
            )
        return super().handle_error_response(request, error)

    def save_token(self, token: dict, request) -> None:
        """Access tokens are self-contained JWTs; a refresh token is kept as its hash."""
        if "refresh_token" in token and request.user is not None:
            RefreshToken.objects.create(
                token_sha256=_sha256(token["refresh_token"]),
                client_id=request.client.get_client_id(),
                user_id=request.user.id,
                organization_id=request.user.organization_id,
                consent_id=request.user.consent_id,
                scope=token.get("scope", ""),
            )
