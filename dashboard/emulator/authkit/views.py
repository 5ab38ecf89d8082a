"""Endpoints of the embedded authorization server: discovery, keys, tokens, the sign-in
and consent pages of the authorize endpoint (or, in Standalone Connect, the way to and
back from the application's Login URI), and userinfo."""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc6749.util import scope_to_list
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.csp import CSP
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from joserfc import jwt
from joserfc.errors import JoseError

from dashboard.addresses import client_address
from dashboard.emulator import partition
from dashboard.emulator.http import emulator_enabled
from dashboard.emulator.models import Application, Organization
from dashboard.emulator.user_management import store as users

from . import consents, standalone
from .keys import ALGORITHM, public_jwks, signing_keys
from .server import OPENID_SCOPES, SECRET_AUTH_METHODS, AuthorizationServer, access_token_live
from .users import EndUser

# RFC 9068 section 2.1: `at+jwt`, or the media type in full.
ACCESS_TOKEN_TYPES = {"at+jwt", "application/at+jwt"}


def _signed_in_key() -> str:
    """Where the end user signed in at this environment's authorize endpoint is kept, in
    this browser's session: a sign-in to one environment is not one to the other."""
    return f"authkit:{partition.current()}:user"


def issuer(request: HttpRequest) -> str:
    """The embedded API's base URL as the client reached it, with `/production` for the
    production environment's server: the issuer of its tokens."""
    base = request.build_absolute_uri(reverse("emulator:authkit-jwks"))
    base = base.removesuffix("/oauth2/jwks")
    return f"{base}/production" if partition.production() else base


def served(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve `view` while the embedded API is on, in the environment its URL names."""

    @wraps(view)
    def in_environment(
        request: HttpRequest, *args: Any, environment: str = partition.SANDBOX, **kwargs: Any
    ) -> HttpResponse:
        if not emulator_enabled():
            raise Http404("The embedded API is off: WORKOS_API_KEY is set.")
        with partition.override(environment):
            return view(request, *args, **kwargs)

    return in_environment


@served
@require_GET
def metadata(request: HttpRequest) -> JsonResponse:
    """RFC 8414 authorization server metadata."""
    return JsonResponse(_metadata(request))


def _metadata(request: HttpRequest) -> dict:
    base = issuer(request)
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth2/authorize",
        "token_endpoint": f"{base}/oauth2/token",
        "userinfo_endpoint": f"{base}/oauth2/userinfo",
        "jwks_uri": f"{base}/oauth2/jwks",
        "scopes_supported": sorted(OPENID_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": [*SECRET_AUTH_METHODS, "none"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce",
            "name", "given_name", "family_name", "email", "email_verified",
        ],
    }  # fmt: skip


@served
@require_GET
def openid_configuration(request: HttpRequest) -> JsonResponse:
    """OpenID Connect discovery: the same metadata."""
    return JsonResponse(_metadata(request))


@served
@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse(public_jwks())


@served
@csrf_exempt
@require_POST
@never_cache
def token(request: HttpRequest) -> HttpResponse:
    """The token endpoint: RFC 6749 answers and errors, for the grants the server has."""
    server = AuthorizationServer(issuer(request), client_address=client_address(request))
    return server.create_token_response(request)


@served
@require_http_methods(["GET", "POST"])
@never_cache
def authorize(request: HttpRequest) -> HttpResponse:
    """Sign the user in, ask a third-party application's consent, then redirect with a code.

    A request that names no known client or no registered redirect URI is answered here,
    never redirected; any other refusal goes back to the application, as RFC 6749 says.
    """
    server = AuthorizationServer(issuer(request))
    try:
        grant = server.get_consent_grant(request)
    except OAuth2Error as error:
        if error.redirect_uri:
            return server.handle_error_response(request, error)
        return _error_page(request, error)
    app = grant.client.app
    action = request.POST.get("action")
    if standalone.login_uri():
        user = _signed_in_by_the_application(request)
        if user is None:
            return _send_to_the_login_uri(request)
    else:
        if action == "switch_user":
            _sign_out(request)
            return redirect(request.get_full_path())
        user = EndUser.load(request.session.get(_signed_in_key(), ""))
        if user is None or action == "sign_in":
            return _sign_in(request, app, signed_in=user)
        if _login_prompted(grant) and not _signed_in_for_this_request(request):
            return _sign_in(request, app, signed_in=user)
        user.auth_time = request.session.get(_signed_in_key() + ":at", 0)
    if action == "deny":
        return _answer(request, server, grant, None)
    scopes = scope_to_list(grant.client.get_allowed_scope(grant.request.payload.scope)) or []
    if app.is_first_party:
        # No consent screen, yet a grant all the same, recorded as a third party's is.
        user.consent_id = consents.consent_record(
            user_id=user.id, app=app, organization_id=None, scopes=scopes
        ).id
        return _answer(request, server, grant, user)
    organizations = Organization.objects.order_by("name")
    chosen = request.POST.get("organization_id", "")
    if action == "allow" and organizations.filter(id=chosen).exists():
        user.organization_id = chosen
        user.consent_id = consents.consent_record(
            user_id=user.id, app=app, organization_id=chosen, scopes=scopes
        ).id
        return _answer(request, server, grant, user)
    context = {
        "app": app,
        "user": user,
        "scopes": (grant.request.payload.scope or " ".join(app.scopes)).split(),
        "organizations": organizations,
        "error": "Choose the organization this access is for." if action == "allow" else None,
    }
    response = render(request, "authkit/consent.html", context, status=422 if action else 200)
    return _may_redirect_to(response, app)


def _error_page(request: HttpRequest, error: OAuth2Error, explanation: str = "") -> HttpResponse:
    """A refusal that is not sent back to the application: its redirect URI is not trusted.
    The error's code and words are handed over as text: the error object is callable, which
    a template would call."""
    context = {
        "code": error.error,
        "description": error.get_error_description(),
        "explanation": explanation,
    }
    return render(request, "authkit/error.html", context, status=400)


def _answer(request: HttpRequest, server, grant, user: EndUser | None) -> HttpResponse:
    """Redirect with a code for `user`, or with access_denied when there is none; a sign-in
    lent by the application, or one made fresh for `prompt=login`, serves this one
    authorization request."""
    request.session.pop(_lent_sign_in_key(), None)
    request.session.pop(_fresh_sign_in_key(), None)
    return server.create_authorization_response(request, grant_user=user, grant=grant)


def _fresh_sign_in_key() -> str:
    """The authorization request the user last signed in at, on this browser: what
    `prompt=login` asks for is a sign-in at that very request."""
    return f"authkit:{partition.current()}:fresh_sign_in"


def _login_prompted(grant) -> bool:
    """Whether the request says `prompt=login`: sign the user in again, even if signed in."""
    return "login" in (grant.request.payload.data.get("prompt") or "").split()


def _signed_in_for_this_request(request: HttpRequest) -> bool:
    return request.session.get(_fresh_sign_in_key()) == request.get_full_path()


def _sign_out(request: HttpRequest) -> None:
    for key in (_signed_in_key(), _signed_in_key() + ":at", _fresh_sign_in_key()):
        request.session.pop(key, None)
    request.session.cycle_key()


def _sign_in(
    request: HttpRequest, app: Application, signed_in: EndUser | None = None
) -> HttpResponse:
    """The sign-in page; `signed_in` is who is signed in already when the application asks
    for a fresh sign-in (`prompt=login`)."""
    email = request.POST.get("email", signed_in.email if signed_in else "")
    context = {"app": app, "email": email, "error": None, "signed_in": signed_in}
    if request.method == "POST" and request.POST.get("action") == "sign_in":
        user = EndUser.sign_in(context["email"].strip(), request.POST.get("password", ""))
        if user is not None:
            request.session.cycle_key()
            request.session[_signed_in_key()] = user.id
            request.session[_signed_in_key() + ":at"] = user.auth_time
            request.session[_fresh_sign_in_key()] = request.get_full_path()
            # Back to the same authorization request, now signed in: a reload posts nothing.
            return redirect(request.get_full_path())
        context["error"] = "The email or the password is not right."
    status = 401 if context["error"] else 200
    response = render(request, "authkit/sign_in.html", context, status=status)
    return _may_redirect_to(response, app)


def _may_redirect_to(response: HttpResponse, app: Application) -> HttpResponse:
    """Let the page's forms end at the application's redirect URIs.

    A browser applies the Content-Security-Policy's form-action to every redirect that
    follows a form's submission, and the sign-in ends at the application's callback.
    """
    sources = set()
    for entry in app.redirect_uris:
        parts = urlsplit(entry["uri"])
        sources.add(f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:")
    response._csp_config = settings.SECURE_CSP | {"form-action": [CSP.SELF, *sorted(sources)]}
    return response


def _external_auth_key() -> str:
    """The external auth this browser was sent to the Login URI with, in its session."""
    return f"authkit:{partition.current()}:external_auth"


def _lent_sign_in_key() -> str:
    """A sign-in the application lent (Standalone Connect): the user and the authorization
    request it is for."""
    return f"authkit:{partition.current()}:lent_sign_in"


def _send_to_the_login_uri(request: HttpRequest) -> HttpResponse:
    """Standalone Connect: the application signs the user in, on its Login URI."""
    external_auth_id, location = standalone.external_auth_begin(
        issuer=issuer(request), authorize_path=request.get_full_path()
    )
    request.session[_external_auth_key()] = external_auth_id
    return redirect(location)


def _signed_in_by_the_application(request: HttpRequest) -> EndUser | None:
    """The user the application signed in for this very authorization request, if any:
    every other request goes to the Login URI, where the application decides again."""
    lent = request.session.get(_lent_sign_in_key())
    if not lent or lent["request"] != request.get_full_path():
        return None
    user = EndUser.load(lent["user_id"])
    if user is not None:
        user.auth_time = lent["at"]
    return user


@served
@require_GET
@never_cache
def authorize_complete(request: HttpRequest) -> HttpResponse:
    """Back from the application's Login URI, with the state of the external auth it
    completed: on to the authorization request, signed in as the user it named."""
    completed = standalone.external_auth_finish(
        request.GET.get("state", ""), request.session.get(_external_auth_key())
    )
    if completed is None:
        return _error_page(
            request,
            InvalidRequestError("the sign-in is over or belongs to another browser."),
            explanation="Start again from the application: a sign-in through its own page "
            "is used once, within ten minutes, in the browser that began it.",
        )
    users.user_record_sign_in(completed.user)
    request.session.cycle_key()
    request.session.pop(_external_auth_key(), None)
    request.session[_lent_sign_in_key()] = {
        "user_id": completed.user.id,
        "request": completed.authorize_path,
        "at": int(time.time()),
    }
    return redirect(completed.authorize_path)


@served
@csrf_exempt
@require_http_methods(["GET", "POST"])
@never_cache
def userinfo(request: HttpRequest) -> JsonResponse:
    """The claims of the user an access token was issued for, as its scopes allow: an access
    token (`typ` `at+jwt`, RFC 9068), never an ID token, of a grant not revoked since."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    claims = None
    if scheme.lower() == "bearer" and token:
        try:
            decoded = jwt.decode(token, signing_keys(), algorithms=[ALGORITHM])
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": issuer(request)}, exp={"essential": True}
            ).validate(decoded.claims)
            if str(decoded.header.get("typ", "")).lower() in ACCESS_TOKEN_TYPES:
                claims = decoded.claims
        except (JoseError, ValueError):
            claims = None
    if claims and not access_token_live(token):
        claims = None
    user = EndUser.load(claims["sub"]) if claims else None
    if user is None:
        response = JsonResponse({"error": "invalid_token"}, status=401)
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    return JsonResponse(dict(user.info(claims.get("scope", ""))))
