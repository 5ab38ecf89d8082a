"""The Integrate page, the hand-over files, and the credentials check.

The check posts a client secret once; it goes to the token endpoint and nowhere else: not
to the session, the cache, a log line, the audit trail or an error report. A try of the
sign-in keeps its state, nonce and PKCE verifier in the session until its callback, and
never shows them; for a confidential client, the code waits there too until the admin pastes
a client secret, which goes to that one exchange like the check's.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods

from dashboard import connect
from dashboard.applications.services import EditConflict
from dashboard.audit import selectors as audit
from dashboard.audit.record import Actor
from dashboard.kernel.access import requires
from dashboard.kernel.problems import api_errors_as_pages
from dashboard.kernel.responses import (
    HtmxHttpRequest,
    HttpResponseSeeOther,
    render_page,
    swapping,
)
from dashboard.kernel.roles import CHANGE, SECRETS, VIEW

from . import services
from .forms import CredentialsCheckForm, TrySignInSecretForm

NOT_CONFIGURED = (
    "The dashboard does not know this environment's authorization server: set "
    "WORKOS_AUTHKIT_DOMAIN to its AuthKit domain."
)


# The admin's one try of the sign-in in progress: state, nonce and PKCE verifier.
SIGN_IN_ATTEMPT = "onboarding:sign-in-attempt"
# A confidential client's code waiting for a client secret, with its attempt.
SIGN_IN_CODE = "onboarding:sign-in-code"

INTEGRATE = "onboarding/integrate.html"


def _test_callback(request: HtmxHttpRequest, application_id: str) -> str:
    return request.build_absolute_uri(reverse("onboarding:try-callback", args=[application_id]))


def _integrate_page(request: HtmxHttpRequest, app, status: int = 200, **extra) -> HttpResponse:
    server = services.authorization_server(request)
    context = {
        "app": app,
        "server": server,
        "sheet": services.hand_over_sheet(app, server) if server else None,
        "check_form": CredentialsCheckForm(),
    }
    if server and app.application_type == "oauth":
        callback = _test_callback(request, app.id)
        context["sign_in"] = services.sign_in_readiness(app, server, callback)
    return render(request, INTEGRATE, context | extra, status=status)


@require_GET
@requires(VIEW)
@never_cache
@api_errors_as_pages
def integrate(request: HtmxHttpRequest, application_id: str) -> HttpResponse:
    """The hand-over sheet; its authorization request is fresh on every view."""
    app = connect.application_get(application_id=application_id)
    return _integrate_page(request, app)


@require_GET
@requires(VIEW)
@api_errors_as_pages
def handover(request: HtmxHttpRequest, application_id: str, extension: str) -> HttpResponse:
    """The hand-over sheet as a file: JSON or .env, with a placeholder for the secret."""
    app = connect.application_get(application_id=application_id)
    server = services.authorization_server(request)
    if server is None:
        raise Http404(NOT_CONFIGURED)
    sheet = services.hand_over_sheet(app, server)
    if extension == "json":
        response = HttpResponse(sheet.json_text(), content_type="application/json")
    else:
        response = HttpResponse(sheet.env(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{app.client_id}.{extension}"'
    return response


def _check_answered(request: HtmxHttpRequest, app, form, outcome, status: int) -> HttpResponse:
    context = {"check_form": form, "outcome": outcome, "page": form["page"].value()}
    if not swapping(request):
        return _integrate_page(request, app, status=status, **context)
    check = "_check_new_secret" if form["new_secret"].value() else "_check"
    oob = []
    if context["page"] == "application" and outcome is not None:
        # The application's history, beside the check, has one more event.
        oob = ["applications/detail.html#history"]
        context["history"] = audit.application_history(app.id)
    context |= {"app": app}
    partial = f"onboarding/{check}.html"
    return render_page(request, INTEGRATE, context, partial=partial, oob=oob, status=status)


@sensitive_post_parameters("client_secret")
@sensitive_variables("form")
@require_http_methods(["GET", "POST"])
@requires(SECRETS)
@never_cache
@api_errors_as_pages
def credentials_check(request: HtmxHttpRequest, application_id: str) -> HttpResponse:
    """Check a client secret: one client-credentials token request, its token verified."""
    if request.method == "GET":
        return redirect(reverse("onboarding:integrate", args=[application_id]) + "#check")
    app = connect.application_get(application_id=application_id)
    form = CredentialsCheckForm(request.POST)
    server = services.authorization_server(request)
    if server is None:
        form.add_error(None, NOT_CONFIGURED)
    if not form.is_valid():
        return _check_answered(request, app, form, None, status=422)
    outcome = services.credentials_check(
        actor=Actor.of(request),
        app=app,
        server=server,
        client_secret=form.secret,
        scope=form.cleaned_data["scopes"],
        new_secret=form.cleaned_data["new_secret"],
    )
    return _check_answered(request, app, form, outcome, status=200)


def _back_to_try(application_id: str) -> HttpResponse:
    return HttpResponseSeeOther(reverse("onboarding:integrate", args=[application_id]) + "#try")


def _server_or_404(request: HtmxHttpRequest):
    server = services.authorization_server(request)
    if server is None:
        raise Http404(NOT_CONFIGURED)
    return server


@require_http_methods(["GET", "POST"])
@requires(VIEW)
@never_cache
@api_errors_as_pages
def try_sign_in(request: HtmxHttpRequest, application_id: str) -> HttpResponse:
    """Start a try of the sign-in: keep its state, nonce and verifier in the admin's session
    and send the browser to the authorization server; `prompt=login` asks it for a fresh
    sign-in, as someone else than who is signed in there."""
    if request.method == "GET":
        return _back_to_try(application_id)
    app = connect.application_get(application_id=application_id)
    server = _server_or_404(request)
    callback = _test_callback(request, app.id)
    if not services.sign_in_readiness(app, server, callback).registered:
        return _back_to_try(app.id)
    authorization, attempt = services.sign_in_try_start(
        app=app,
        server=server,
        callback=callback,
        fresh_sign_in=request.POST.get("prompt") == "login",
    )
    request.session[SIGN_IN_ATTEMPT] = attempt.as_session()
    request.session.pop(SIGN_IN_CODE, None)
    return HttpResponseSeeOther(authorization.url)


@sensitive_post_parameters("client_secret")
@sensitive_variables("form")
@require_http_methods(["GET", "POST"])
@requires(VIEW)
@never_cache
@api_errors_as_pages
def try_sign_in_callback(request: HtmxHttpRequest, application_id: str) -> HttpResponse:
    """The dashboard's test callback: the authorization server's answer to the try. A
    confidential client's code waits in the session for a client secret, posted here."""
    app = connect.application_get(application_id=application_id)
    server = _server_or_404(request)
    if request.method == "POST":
        return _try_sign_in_with_secret(request, app, server)
    attempt = services.SignInAttempt.from_session(request.session.pop(SIGN_IN_ATTEMPT, None))
    state = request.GET.get("state", "")
    code, error = request.GET.get("code", ""), request.GET.get("error", "")
    actor = Actor.of(request)
    if attempt is None or attempt.application_id != app.id or state != attempt.state:
        outcome = services.sign_in_try_refused(actor=actor, app=app, server=server)
        return _try_answered(request, app, outcome=outcome, status=400)
    if code and not error and services.confidential(app):
        request.session[SIGN_IN_CODE] = {"attempt": attempt.as_session(), "code": code}
        return _try_answered(request, app, secret_form=TrySignInSecretForm())
    outcome = services.sign_in_try_finish(
        actor=actor,
        app=app,
        server=server,
        attempt=attempt,
        code=code,
        error=error,
        description=request.GET.get("error_description", ""),
    )
    return _try_answered(request, app, outcome=outcome)


def _try_answered(request: HtmxHttpRequest, app, status: int = 200, **context) -> HttpResponse:
    context["app"] = app
    return render(request, "onboarding/try_sign_in.html", context, status=status)


def _try_sign_in_with_secret(request: HtmxHttpRequest, app, server) -> HttpResponse:
    """Exchange the waiting code with the pasted secret. A refused secret leaves the code
    waiting (the token endpoint checks the client before the code): paste another."""
    waiting = request.session.get(SIGN_IN_CODE) or {}
    attempt = services.SignInAttempt.from_session(waiting.get("attempt"))
    if attempt is None or attempt.application_id != app.id:
        return _back_to_try(app.id)
    form = TrySignInSecretForm(request.POST)
    if not form.is_valid():
        return _try_answered(request, app, status=422, secret_form=form)
    outcome = services.sign_in_try_finish(
        actor=Actor.of(request),
        app=app,
        server=server,
        attempt=attempt,
        code=waiting["code"],
        client_secret=form.secret,
    )
    if outcome.error == "invalid_client":
        form = TrySignInSecretForm()
        return _try_answered(request, app, status=422, secret_form=form, outcome=outcome)
    request.session.pop(SIGN_IN_CODE, None)
    return _try_answered(request, app, outcome=outcome)


@require_http_methods(["GET", "POST"])
@requires(CHANGE)
@never_cache
@api_errors_as_pages
def try_sign_in_callback_add(request: HtmxHttpRequest, application_id: str) -> HttpResponse:
    """Register the dashboard's test callback as one more redirect URI (never in production)."""
    if request.method == "GET":
        return _back_to_try(application_id)
    app = connect.application_get(application_id=application_id)
    server = _server_or_404(request)
    readiness = services.sign_in_readiness(app, server, _test_callback(request, app.id))
    if readiness.production:
        raise PermissionDenied("Production applications do not get the dashboard’s callback.")
    if readiness.may_add:
        try:
            services.sign_in_callback_add(
                actor=Actor.of(request), app=app, callback=readiness.callback
            )
        except EditConflict:
            messages.error(
                request,
                "Someone saved this application at the same moment: nothing was added. "
                "Check its redirect URIs below and add the test callback again.",
            )
        else:
            messages.success(
                request,
                f"The dashboard’s test callback {readiness.callback} is now one of this "
                "application’s redirect URIs. It stays until you remove it on the "
                "application’s page.",
            )
    return _back_to_try(app.id)


@require_http_methods(["GET", "POST"])
@requires(CHANGE)
@never_cache
@api_errors_as_pages
def try_sign_in_callback_remove(request: HtmxHttpRequest, application_id: str) -> HttpResponse:
    """Remove the dashboard's test callback from the application's redirect URIs."""
    page = reverse("applications:detail", args=[application_id])
    if request.method == "GET":
        return redirect(page)
    app = connect.application_get(application_id=application_id)
    if not services.sign_in_try_callbacks(app):
        messages.info(
            request, "The dashboard’s test callback is not registered: nothing to remove."
        )
        return HttpResponseSeeOther(page)
    try:
        services.sign_in_callback_remove(actor=Actor.of(request), app=app)
    except EditConflict:
        messages.error(
            request,
            "Someone saved this application at the same moment: the test callback is still "
            "registered. Check its redirect URIs and remove it again.",
        )
    else:
        messages.success(request, "The dashboard’s test callback was removed.")
    return HttpResponseSeeOther(page)
