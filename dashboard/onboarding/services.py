"""Onboarding's actions: where the environment's authorization server is, the check that
an application's client ID and secret get a token that verifies, and a try of the sign-in
through the dashboard's test callback; each recorded in the audit trail with its outcome,
never with a secret, a code or a token.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from pydantic import SecretStr

from dashboard import connect, uris
from dashboard.applications.services import application_update
from dashboard.audit import selectors as audit
from dashboard.audit.record import Action, Actor, Outcome, record
from dashboard.connect import errors, oauth
from dashboard.connect.models import ApplicationUpdate, RedirectUriInput
from dashboard.connect.oauth import Endpoints, TokenInvalidError, TokenRefusedError
from dashboard.kernel import footprint

from .sheet import AuthorizationRequest, AuthorizationServer, Sheet

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
    the issuer that server names itself by (production's below it). WorkOS: the
    environment's AuthKit domain, from WORKOS_AUTHKIT_DOMAIN (or WORKOS_AUTHKIT_DOMAIN_<NAME>).
    """
    current = connect.backend()
    if current.embedded:
        jwks = request.build_absolute_uri(reverse("emulator:authkit-jwks"))
        issuer = jwks.removesuffix("/oauth2/jwks")
        if current.production:
            issuer += "/production"
    elif current.authkit_domain:
        issuer = f"https://{current.authkit_domain}"
    else:
        return None
    return AuthorizationServer(Endpoints(issuer), current.kind, current.embedded)


def sign_in_try_callbacks(app: Any) -> frozenset[str]:
    """The application's redirect URIs that are the dashboard's test callback, at whichever
    address the dashboard was reached when it was added (as exports and promotion tell
    them)."""
    return frozenset(
        entry.uri
        for entry in getattr(app, "redirect_uris", None) or []
        if footprint.is_test_callback(entry.uri)
    )


def confidential(app: Any) -> bool:
    """Whether the application has or had a client secret. Secrets made and revoked outside
    this dashboard leave no trace here; an answer the API cannot give counts as yes, so that
    the sheet never offers a confidential client the public client's `none`."""
    if app.application_type != "oauth":
        return True
    if audit.had_secrets_here(app.id):
        return True
    try:
        return bool(connect.client_secret_list(application_id=app.id))
    except errors.ApiError:
        return True


def hand_over_sheet(app: Any, server: AuthorizationServer) -> Sheet:
    return Sheet.build(
        app, server, confidential=confidential(app), test_callbacks=sign_in_try_callbacks(app)
    )


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


def _revoked_here(app: Any, ending: str):
    """The revocation of a secret of `app` with this ending, made through this dashboard."""
    return audit.secret_revoked_here(app.id, ending)


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


# --- Try the sign-in ---------------------------------------------------------------------

# What an error of the authorization or token endpoint means, for someone trying the sign-in.
SIGN_IN_MEANINGS = {
    "access_denied": (
        "The user denied the request on the consent page: the authorization server issued no "
        "code, and the application gets no token. Nothing is wrong with its configuration."
    ),
    "invalid_grant": (
        "The token endpoint refused the code: it was used already, it expired (codes last a "
        "few minutes), it was issued for another redirect URI or client, or the PKCE verifier "
        "does not match the challenge sent with the authorization request."
    ),
    "invalid_scope": (
        "A scope that was asked for is not one of the application’s scopes. Add it to the "
        "application, or remove it from the request."
    ),
    "invalid_client": (
        "The token endpoint did not accept the application’s authentication. An application "
        "that has or had a client secret is a confidential client: it exchanges a code only "
        "with an active secret. One that never had a secret is a public client: its client "
        "ID and PKCE, no secret."
    ),
    "unauthorized_client": (
        "This application may not use the authorization code grant: only OAuth applications "
        "sign users in."
    ),
    "invalid_request": (
        "The authorization server could not read the request: a parameter is missing or "
        "wrong (for example the PKCE challenge, required for this application)."
    ),
    "server_error": "The authorization server failed; trying again may work.",
    "temporarily_unavailable": "The authorization server is overloaded; try again later.",
}


MAX_DESCRIPTION = 300
MAX_ERROR = 64


@dataclass(frozen=True)
class SignInAttempt:
    """One try of the sign-in, kept in the admin's session between the redirect to the
    authorization server and its answer at the test callback, then dropped."""

    application_id: str
    redirect_uri: str
    state: str
    nonce: str
    code_verifier: str

    def as_session(self) -> dict[str, str]:
        return dict(self.__dict__)

    @classmethod
    def from_session(cls, value: Any) -> "SignInAttempt | None":
        try:
            return cls(**value)
        except TypeError:
            return None


@dataclass(frozen=True)
class SignInReadiness:
    """Whether the sign-in can be tried from this dashboard, and if not, why."""

    callback: str
    registered: bool
    # Why the dashboard's own address cannot be a redirect URI, if it cannot.
    rejection: str = ""
    production: bool = False

    @property
    def may_add(self) -> bool:
        return not (self.registered or self.rejection or self.production)


def sign_in_readiness(app: Any, server: AuthorizationServer, callback: str) -> SignInReadiness:
    production = server.environment == "production"
    try:
        uris.validate_redirect_uri(callback, production=production)
        rejection = ""
    except uris.UriRejected as rejected:
        rejection = rejected.message
    registered = callback in [entry.uri for entry in app.redirect_uris]
    return SignInReadiness(callback, registered, rejection, production)


def sign_in_callback_add(*, actor: Actor, app: Any, callback: str) -> Any:
    """Add the dashboard's test callback to the application's redirect URIs, keeping the
    others and which one is the default."""
    kept = [RedirectUriInput(uri=entry.uri, default=entry.default) for entry in app.redirect_uris]
    changes = ApplicationUpdate(redirect_uris=[*kept, RedirectUriInput(uri=callback)])
    # Of the version read: a save meanwhile raises EditConflict rather than being undone.
    version = app.updated_at.isoformat()
    return application_update(
        actor=actor,
        app=app,
        changes=changes,
        version=version,
        detail="Added the dashboard’s test callback, to try the sign-in",
    )


def sign_in_callback_remove(*, actor: Actor, app: Any) -> Any:
    """Remove the dashboard's test callbacks from the application's redirect URIs, keeping
    the others and which one is the default."""
    callbacks = sign_in_try_callbacks(app)
    kept = [
        RedirectUriInput(uri=entry.uri, default=entry.default)
        for entry in app.redirect_uris
        if entry.uri not in callbacks
    ]
    if kept and not any(entry.default for entry in kept):
        # The test callback had been made the default: the first one left takes its place.
        kept[0] = RedirectUriInput(uri=kept[0].uri, default=True)
    changes = ApplicationUpdate(redirect_uris=kept)
    version = app.updated_at.isoformat()
    return application_update(
        actor=actor,
        app=app,
        changes=changes,
        version=version,
        detail="Removed the dashboard’s test callback",
    )


def sign_in_try_start(
    *, app: Any, server: AuthorizationServer, callback: str, fresh_sign_in: bool = False
) -> tuple[AuthorizationRequest, SignInAttempt]:
    """A fresh authorization request to the test callback, and what to keep for its answer;
    with `fresh_sign_in`, the authorization server signs the user in again (`prompt=login`)
    even if someone is signed in there, so that someone else can."""
    scopes = Sheet.scope_of(app).split()
    # The try shows an ID token, which only `openid` asks for.
    scope = " ".join(scopes if "openid" in scopes else ["openid", *scopes])
    request = AuthorizationRequest.fresh(
        server.endpoints,
        client_id=app.client_id,
        redirect_uri=callback,
        scope=scope,
        prompt="login" if fresh_sign_in else "",
    )
    attempt = SignInAttempt(app.id, callback, request.state, request.nonce, request.pkce.verifier)
    return request, attempt


@dataclass(frozen=True)
class SignInOutcome:
    """How a try of the sign-in ended: the verified tokens' claims, or the error."""

    issuer: str
    id_claims: dict[str, Any] = field(default_factory=dict)
    access_claims: dict[str, Any] = field(default_factory=dict)
    key_id: str | None = None
    # The OAuth error code (`access_denied`, `invalid_grant`, ...) or the failure's kind.
    error: str = ""
    description: str = ""
    meaning: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def _try_recorded(actor: Actor, app: Any, outcome: SignInOutcome, **event: Any) -> SignInOutcome:
    where = f"Sign-in tried at {outcome.issuer}"
    if outcome.ok:
        who = outcome.id_claims.get("email") or outcome.access_claims.get("sub")
        detail = f"{where}: signed in as {who}, ID token verified"
    else:
        detail = f"{where}: {outcome.error}: {outcome.description}"
        if "error" not in event:
            event["outcome"] = Outcome.REFUSED
    record(actor, Action.SIGN_IN_TRIED, app=app, detail=detail, **event)
    return outcome


def sign_in_try_refused(*, actor: Actor, app: Any, server: AuthorizationServer) -> SignInOutcome:
    """The test callback was reached without the `state` of this admin's attempt."""
    outcome = SignInOutcome(
        server.issuer,
        error="state_mismatch",
        description="The answer’s state is not the one this attempt sent.",
        meaning=(
            "The dashboard refused the answer without exchanging its code: it belongs to "
            "another attempt (an older tab, a reload after it ended) or was forged. Try the "
            "sign-in again."
        ),
    )
    return _try_recorded(actor, app, outcome)


def sign_in_try_finish(
    *,
    actor: Actor,
    app: Any,
    server: AuthorizationServer,
    attempt: SignInAttempt,
    code: str,
    error: str = "",
    description: str = "",
    client_secret: SecretStr | None = None,
) -> SignInOutcome:
    """Handle the authorization server's answer: its error, or a code to exchange with the
    PKCE verifier (and the client secret a confidential client authenticates with, used for
    this one request), then verify the ID token and the access token."""
    issuer = server.issuer
    if error or not code:
        # As the redirect's query said them: anyone can write there, so both kept short.
        error = error[:MAX_ERROR] or "invalid_request"
        outcome = SignInOutcome(
            issuer,
            error=error,
            description=description[:MAX_DESCRIPTION]
            or ("" if code else "The answer carries no code."),
            meaning=SIGN_IN_MEANINGS.get(error, ""),
        )
        return _try_recorded(actor, app, outcome)
    try:
        tokens = oauth.authorization_code_token(
            issuer=issuer,
            client_id=app.client_id,
            code=code,
            redirect_uri=attempt.redirect_uri,
            code_verifier=attempt.code_verifier,
            client_secret=client_secret,
        )
        if tokens.id_token is None:
            raise TokenInvalidError("The token endpoint answered no ID token.")
        identity = oauth.id_token_verify(
            issuer=issuer,
            id_token=tokens.id_token.get_secret_value(),
            client_id=app.client_id,
            nonce=attempt.nonce,
        )
        access = connect.access_token_verify(issuer=issuer, token=tokens, client_id=app.client_id)
    except errors.ApiError as failure:
        outcome = SignInOutcome(
            issuer,
            error=failure.code or type(failure).__name__,
            description=failure.message,
            meaning=SIGN_IN_MEANINGS.get(failure.code or "", "") or _meaning(failure),
        )
        return _try_recorded(actor, app, outcome, error=failure)
    outcome = SignInOutcome(
        issuer, id_claims=identity.claims, access_claims=access.claims, key_id=identity.key_id
    )
    return _try_recorded(actor, app, outcome)
