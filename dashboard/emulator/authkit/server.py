"""The authorization server, built on authlib: clients are the embedded Connect API's
applications, client secrets are checked against their stored hashes, and access tokens
are RS256 JWTs with WorkOS's claims.
"""

import hmac
from dataclasses import dataclass, field

from authlib.integrations.django_oauth2 import AuthorizationServer as DjangoAuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidClientError, InvalidScopeError
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator

from dashboard.emulator.ids import new_id, now
from dashboard.emulator.models import Application, ClientSecret
from dashboard.emulator.store import hash_secret

from .keys import ALGORITHM, signing_keys

ACCESS_TOKEN_SECONDS = 300
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
        """The scopes granted: those asked for, or all of the application's when none are."""
        if not scope:
            return " ".join(self.app.scopes)
        return " ".join(s for s in scope_to_list(scope) if s in self.app.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return any(entry["uri"] == redirect_uri for entry in self.app.redirect_uris)

    def check_client_secret(self, client_secret: str) -> bool:
        digest = hash_secret(client_secret)
        for secret in self.app.client_secrets.all():
            if hmac.compare_digest(secret.secret_hash, digest):
                self.secret = secret
                ClientSecret.objects.filter(id=secret.id).update(last_used_at=now())
                return True
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in SECRET_AUTH_METHODS

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


class AccessTokens(JWTBearerTokenGenerator):
    """RS256 JWT access tokens with the claims WorkOS puts in Connect tokens."""

    def get_jwks(self):
        return signing_keys()

    def get_audiences(self, client: Client, user, scope) -> str:
        return client.get_client_id()

    def get_extra_claims(self, client: Client, grant_type: str, user, scope) -> dict:
        claims = {}
        if client.app.organization_id:
            claims["org_id"] = client.app.organization_id
        return claims

    def get_jti(self, client, grant_type, user, scope) -> str:
        return new_id("")[0]


class AuthorizationServer(DjangoAuthorizationServer):
    def __init__(self, issuer: str):
        super().__init__(client_model=None, token_model=None)
        self.issuer = issuer
        self.register_token_generator(
            "default",
            AccessTokens(issuer=issuer, alg=ALGORITHM, expires_generator=ACCESS_TOKEN_SECONDS),
        )
        self.register_grant(ClientCredentialsGrant)

    def query_client(self, client_id: str) -> Client | None:
        if not client_id or len(client_id) > 200 or "\x00" in client_id:
            return None
        app = Application.objects.filter(client_id=client_id).first()
        return Client(app) if app else None

    def handle_error_response(self, request, error):
        if isinstance(error, InvalidClientError):
            # WorkOS answers every failed client authentication with 401, as RFC 6749 allows.
            error.status_code = 401
        return super().handle_error_response(request, error)

    def save_token(self, token: dict, request) -> None:
        """Access tokens are self-contained JWTs: nothing to keep."""
