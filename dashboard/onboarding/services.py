"""Onboarding's actions: where the environment's authorization server is, and the check
that an application's client ID and secret get a token that verifies, recorded in the
audit trail with its outcome and never with the secret.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from pydantic import SecretStr

from dashboard import connect
from dashboard.audit.models import AuditEvent
from dashboard.audit.record import Actor, record
from dashboard.connect import errors
from dashboard.connect.oauth import Endpoints, TokenInvalidError, TokenRefusedError

from .sheet import AuthorizationServer

Action = AuditEvent.Action

# What an error of the token endpoint usually means, for someone checking credentials.
MEANINGS = {
    "invalid_client": (
        "The client ID and secret do not match: the secret is wrong (mistyped, cut short, or "
        "a secret of another application or environment), or it has been revoked."
    ),
    "invalid_scope": (
        "A scope that was asked for is not one of the application’s scopes. Ask for fewer, "
        "or add the scope to the application."
    ),
    "unauthorized_client": (
        "This application may not use the client-credentials grant: only machine-to-machine "
        "(M2M) applications can. An OAuth application gets tokens by signing a user in."
    ),
    "unsupported_grant_type": (
        "The authorization server does not offer the client-credentials grant."
    ),
    "invalid_request": "The authorization server could not read the token request.",
}


def authorization_server(request: HttpRequest) -> AuthorizationServer | None:
    """The environment's authorization server, or None when the dashboard does not know it.

    Embedded: the embedded API's base URL as the browser reaches this dashboard, which is
    the issuer that server names itself by. WorkOS: the AuthKit domain, from
    WORKOS_AUTHKIT_DOMAIN.
    """
    current = connect.backend()
    if current.embedded:
        jwks = request.build_absolute_uri(reverse("emulator:authkit-jwks"))
        issuer = jwks.removesuffix("/oauth2/jwks")
    elif settings.WORKOS_AUTHKIT_DOMAIN:
        issuer = f"https://{settings.WORKOS_AUTHKIT_DOMAIN}"
    else:
        return None
    return AuthorizationServer(Endpoints(issuer), current.environment, current.embedded)


@dataclass(frozen=True)
class CheckOutcome:
    """How a credentials check ended: a verified token's claims, or what went wrong."""

    issuer: str
    claims: dict[str, Any] = field(default_factory=dict)
    key_id: str | None = None
    error: errors.ApiError | None = None
    # What the failure usually means, and what the secret's ending tells about it.
    meaning: str = ""
    diagnosis: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def refused(self) -> bool:
        """The authorization server answered with an OAuth error."""
        return isinstance(self.error, TokenRefusedError)

    @property
    def scopes(self) -> list[str]:
        return str(self.claims.get("scope") or "").split()

    @property
    def expires_at(self) -> datetime | None:
        exp = self.claims.get("exp")
        return datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None


def _meaning(error: errors.ApiError) -> str:
    if isinstance(error, TokenRefusedError):
        return MEANINGS.get(error.code or "", "")
    if isinstance(error, TokenInvalidError):
        return (
            "A token was issued, but a client verifying it would refuse it. Check that the "
            "issuer is this environment’s authorization server (WORKOS_AUTHKIT_DOMAIN)."
        )
    if isinstance(error, errors.ApiTimeoutError):
        return "The authorization server is slow or overloaded; trying again may work."
    if isinstance(error, errors.ApiConnectionError):
        return (
            "Check the authorization server’s address (WORKOS_AUTHKIT_DOMAIN) and the "
            "network; then try again."
        )
    if error.retryable:
        return "The authorization server failed; trying again later may work."
    return ""


def _revoked_here(app: Any, ending: str) -> AuditEvent | None:
    """The revocation of a secret of `app` with this ending, made through this dashboard."""
    return (
        AuditEvent.objects.filter(
            application_id=app.id,
            action=Action.SECRET_REVOKED,
            outcome=AuditEvent.Outcome.SUCCESS,
            # As applications.services words it: "Secret <id> ending in <hint>".
            detail__endswith=f" ending in {ending}",
        )
        .order_by("-at")
        .first()
    )


def _diagnosis(app: Any, client_secret: SecretStr) -> str:
    """What the end of a refused secret tells: a mistyped active secret, a revoked one, or
    none of this application's. The ending is four characters, as WorkOS's hints show."""
    ending = client_secret.get_secret_value()[-4:]
    try:
        active = connect.client_secret_list(application_id=app.id)
    except errors.ApiError:
        return ""
    alike = next((secret for secret in active if secret.secret_hint == ending), None)
    if alike is not None:
        return (
            f"It ends like the active secret “…{alike.secret_hint}” but does not match it: "
            "part of it is probably mistyped or missing."
        )
    revoked = _revoked_here(app, ending)
    if revoked is not None:
        by = f" by {revoked.username}" if revoked.username else ""
        return (
            f"It ends like the secret “…{ending}” that was revoked on "
            f"{revoked.at:%Y-%m-%d at %H:%M} UTC{by}: revoked secrets no longer work."
        )
    count = len(active)
    return (
        f"None of this application’s {count} active secret{'s' if count != 1 else ''} "
        f"ends in “…{ending}”: it is not one of them."
    )


def credentials_check(
    *,
    actor: Actor,
    app: Any,
    server: AuthorizationServer,
    client_secret: SecretStr,
    scope: str = "",
    new_secret: bool = False,
) -> CheckOutcome:
    """Get a token with the application's client ID and this secret, verify it, and record
    the check. The secret is used for this one token request and kept nowhere."""
    issuer = server.issuer
    which = "the secret just created" if new_secret else "a pasted secret"
    asked = f", asking for “{scope}”" if scope else ""
    try:
        token = connect.client_credentials_token(
            issuer=issuer, client_id=app.client_id, client_secret=client_secret, scope=scope
        )
        verified = connect.access_token_verify(issuer=issuer, token=token, client_id=app.client_id)
    except errors.ApiError as error:
        diagnosis = _diagnosis(app, client_secret) if error.code == "invalid_client" else ""
        outcome = CheckOutcome(issuer, error=error, meaning=_meaning(error), diagnosis=diagnosis)
        code = f"{error.code}: " if error.code else ""
        record(
            actor,
            Action.CREDENTIALS_CHECKED,
            app=app,
            error=error,
            detail=f"Client credentials with {which}{asked} at {issuer}: {code}{error.message}",
        )
        return outcome
    outcome = CheckOutcome(issuer, claims=verified.claims, key_id=verified.key_id)
    record(
        actor,
        Action.CREDENTIALS_CHECKED,
        app=app,
        detail=(
            f"Client credentials with {which}{asked} at {issuer}: a token for "
            f"{outcome.claims.get('org_id') or 'no organization'} with scopes "
            f"“{' '.join(outcome.scopes)}”, signature verified"
        ),
    )
    return outcome
