"""Pages of the dashboard: thin views that parse, call the service layer, and render.

Every page is a full page for a plain request and a named partial of the same template
for an HTMX request. Every form also works as a plain POST without JavaScript.
"""

import json
import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from dashboard import connect, uris
from dashboard.audit.models import AuditEvent
from dashboard.audit.record import record
from dashboard.connect import errors
from dashboard.web.access import requires
from dashboard.web.roles import CHANGE, DELETE, SECRETS, VIEW

from .changes import EDITABLE, LABELS, differences, editable_values, snapshot
from .filters import ListFilters
from .forms import ApplicationForm, RedirectRow, initial_for, initial_from_values
from .lookups import organization_names
from .problems import api_errors_as_pages, describe

USED_SECRET_TOKENS = "applications:used-secret-tokens"


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


def _template(request: HttpRequest, page: str, partial: str) -> str:
    return f"{page}#{partial}" if request.htmx and not request.htmx.boosted else page


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """After a change: an HTMX client redirect, or a 303 so a reload never posts again."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return HttpResponseSeeOther(url)


def _production() -> bool:
    return connect.backend().environment == "production"


@require_GET
@requires(VIEW)
@api_errors_as_pages
def application_list(request: HttpRequest) -> HttpResponse:
    filters = ListFilters(request.GET)
    page = connect.application_list(**filters.api_arguments())
    needed = {app.organization_id for app in page.data if getattr(app, "organization_id", None)}
    context = {
        "filters": filters,
        "page": page,
        "organization_names": organization_names(needed) if needed else {},
        "next_url": filters.url(after=page.after) if page.after else None,
        "previous_url": filters.url(before=page.before) if page.before else None,
    }
    return render(request, _template(request, "applications/list.html", "results"), context)


@require_GET
@requires(VIEW)
@api_errors_as_pages
def application_go(request: HttpRequest) -> HttpResponse:
    """Open an application from its application ID or client ID."""
    identifier = request.GET.get("id", "").strip()
    try:
        app = connect.application_get(application_id=identifier)
    except errors.NotFoundError:
        messages.error(request, f"No application has the ID or client ID “{identifier}”.")
        return redirect("applications:list")
    return redirect("applications:detail", application_id=app.id)


def _secrets_context(application_id: str, secrets, **extra) -> dict:
    # A fresh token per rendering: the create form posts it as its Idempotency-Key, and a
    # token is used only once, so a reload or a double submit never shows a secret again.
    return {
        "application_id": application_id,
        "secrets": secrets,
        "secret_token": str(uuid.uuid4()),
        **extra,
    }


def _detail_context(app, **extra) -> dict:
    organization_id = getattr(app, "organization_id", None)
    names = organization_names({organization_id}) if organization_id else {}
    return {
        "app": app,
        "application_id": app.id,
        "organization_name": names.get(organization_id),
        "history": AuditEvent.objects.filter(application_id=app.id)[:10],
        **extra,
    }


@require_GET
@requires(VIEW)
@api_errors_as_pages
def application_detail(request: HttpRequest, application_id: str) -> HttpResponse:
    app = connect.application_get(application_id=application_id)
    return render(request, "applications/detail.html", _detail_context(app))


@require_GET
@requires(VIEW)
@api_errors_as_pages
def redirect_test(request: HttpRequest, application_id: str) -> HttpResponse:
    """Would this redirect URI be accepted, and which registered entry matches it?"""
    app = connect.application_get(application_id=application_id)
    uri = request.GET.get("uri", "").strip()
    result = {"uri": uri, "problem": None, "match": None}
    if uri:
        try:
            uris.validate_redirect_uri(uri, production=_production())
        except uris.UriRejected as rejected:
            result["problem"] = rejected.message
        registered = [entry.uri for entry in getattr(app, "redirect_uris", [])]
        result["match"] = uris.match_redirect_uri(uri, registered)
    if request.htmx:
        return render(request, "applications/detail.html#redirect-test", {"redirect_test": result})
    return render(request, "applications/detail.html", _detail_context(app, redirect_test=result))


@require_GET
@requires(VIEW)
@api_errors_as_pages
def secret_list(request: HttpRequest, application_id: str) -> HttpResponse:
    """The secrets section: loaded into the detail page, or a full page without JavaScript."""
    secrets = connect.client_secret_list(application_id=application_id)
    context = _secrets_context(application_id, secrets)
    if request.htmx:
        return render(request, "applications/detail.html#secrets", context)
    app = connect.application_get(application_id=application_id)
    return render(request, "applications/detail.html", _detail_context(app, **context))


def _form_response(
    request: HttpRequest, form: ApplicationForm, *, app=None, problem=None, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "app": app,
        "problem": problem,
        "organization_names": organization_names(),
    }
    template = _template(request, "applications/form.html", "form")
    return render(request, template, context, status=status)


def _save(request: HttpRequest, form: ApplicationForm, save, *, action: str, app=None):
    """Run `save()` and record it; on failure answer the form as the user left it."""
    try:
        saved = save()
    except errors.ApiError as error:
        record(
            request,
            action,
            app=app,
            error=error,
            application_name=form.cleaned_data.get("name", ""),
        )
        if isinstance(error, errors.UnprocessableEntityError):
            form.add_api_errors(error.errors, error.message)
        elif isinstance(error, errors.NotFoundError):
            if app is not None:
                raise  # The application itself is gone: a 404 page.
            form.add_error("organization_id", error.message)
        else:
            problem = describe(error)
            return None, _form_response(
                request, form, app=app, problem=problem, status=problem.status
            )
        return None, _form_response(request, form, app=app, status=422)
    changes = differences(editable_values(app), editable_values(saved)) if app else {}
    record(request, action, app=saved, changes=changes)
    return saved, None


def _rows_after_action(form: ApplicationForm, action: str) -> list[RedirectRow]:
    rows = [RedirectRow(uri=row.uri, default=row.default) for row in form.redirect_rows]
    if action == "add-uri":
        rows.append(RedirectRow(default=not rows))
    elif action.startswith("remove-uri-") and action[11:].isdigit():
        index = int(action[11:])
        if index < len(rows):
            removed = rows.pop(index)
            if removed.default and rows:
                rows[0].default = True
    return rows or [RedirectRow(default=True)]


def _redisplay(request: HttpRequest, form: ApplicationForm, action: str, app=None):
    """Re-render the form with rows added or removed or the type changed, saving nothing."""
    data: QueryDict = request.POST
    initial = {name: data.get(name, "") for name in form.fields if name != "scopes"}
    initial["scopes"] = data.getlist("scopes")
    initial["uses_pkce"] = bool(data.get("uses_pkce"))
    initial["redirect_rows"] = _rows_after_action(form, action)
    fresh = ApplicationForm(initial=initial, application=app, production=_production())
    return _form_response(request, fresh, app=app)


@require_http_methods(["GET", "POST"])
@requires(CHANGE)
def application_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        initial = {"application_type": request.GET.get("type", "oauth")}
        deleted = AuditEvent.objects.filter(
            id=request.GET.get("from_event")
            if request.GET.get("from_event", "").isdigit()
            else None,
            action=AuditEvent.Action.DELETE,
            snapshot__isnull=False,
        ).first()
        if deleted:
            initial = initial_from_values(deleted.snapshot)
        return _form_response(request, ApplicationForm(initial=initial, production=_production()))
    form = ApplicationForm(request.POST, production=_production())
    action = request.POST.get("action", "save")
    if action != "save":
        return _redisplay(request, form, action)
    if not form.is_valid():
        return _form_response(request, form, status=422)
    app, failure = _save(
        request,
        form,
        lambda: connect.application_create(
            application=form.create_request(),
            idempotency_key=form.cleaned_data["idempotency_key"] or None,
        ),
        action=AuditEvent.Action.CREATE,
    )
    if failure:
        return failure
    messages.success(request, f"Created “{app.name}”.")
    return _redirect(request, reverse("applications:detail", args=[app.id]))


@require_http_methods(["GET", "POST"])
@requires(CHANGE)
@api_errors_as_pages
def application_edit(request: HttpRequest, application_id: str) -> HttpResponse:
    app = connect.application_get(application_id=application_id)
    if app.application_type not in ("oauth", "m2m"):
        raise Http404("This kind of application cannot be edited here.")
    if request.method == "GET":
        form = ApplicationForm(initial=initial_for(app), application=app, production=_production())
        return _form_response(request, form, app=app)
    form = ApplicationForm(request.POST, application=app, production=_production())
    action = request.POST.get("action", "save")
    if action != "save":
        return _redisplay(request, form, action, app=app)
    if not form.is_valid():
        return _form_response(request, form, app=app, status=422)
    if form.cleaned_data["updated_at"] != app.updated_at.isoformat():
        return _conflict(request, form, app)
    updated, failure = _save(
        request,
        form,
        lambda: connect.application_update(application_id=app.id, changes=form.update_request()),
        action=AuditEvent.Action.UPDATE,
        app=app,
    )
    if failure:
        return failure
    messages.success(request, f"Saved “{updated.name}”.")
    return _redirect(request, reverse("applications:detail", args=[app.id]))


def _conflict(request: HttpRequest, form: ApplicationForm, current) -> HttpResponse:
    """Someone saved since the form was opened: save nothing, show both versions, merge.

    A field only one side changed takes that side's value; a field both changed keeps the
    user's value and is flagged. The merged form carries the current version, so saving
    it again goes through unless yet another change arrives first.
    """
    try:
        original = json.loads(form.cleaned_data["original"] or "{}")
    except ValueError:
        original = {}
    theirs = editable_values(current)
    yours = editable_values(form.update_request())
    merged, rows = dict(theirs), []
    for name in EDITABLE:
        if name not in yours or yours[name] == theirs.get(name):
            continue
        if yours[name] == original.get(name):
            side = "theirs"
        else:
            merged[name] = yours[name]
            side = "both" if theirs.get(name) != original.get(name) else "yours"
        rows.append(
            {"label": LABELS[name], "theirs": theirs.get(name), "yours": yours[name], "side": side}
        )
    initial = initial_from_values(merged) | {
        "updated_at": current.updated_at.isoformat(),
        "original": json.dumps(theirs),
    }
    merged_form = ApplicationForm(initial=initial, application=current, production=_production())
    context = {
        "form": merged_form,
        "app": current,
        "conflict": rows,
        "organization_names": organization_names(),
    }
    return render(
        request, _template(request, "applications/form.html", "form"), context, status=409
    )


@require_http_methods(["GET", "POST"])
@requires(DELETE)
@api_errors_as_pages
def application_delete(request: HttpRequest, application_id: str) -> HttpResponse:
    app = connect.application_get(application_id=application_id)
    context = {"app": app, "typed": "", "error": None, "problem": None}
    if request.method == "POST":
        typed = request.POST.get("confirm_name", "")
        context["typed"] = typed
        if typed.strip() != app.name.strip():
            context["error"] = "Type the application’s name exactly to confirm."
            return render(request, "applications/delete.html", context, status=422)
        try:
            connect.application_delete(application_id=app.id)
        except errors.NotFoundError:
            pass  # Already gone: the outcome the user asked for.
        except errors.ApiError as error:
            record(request, AuditEvent.Action.DELETE, app=app, error=error)
            context["problem"] = describe(error)
            return render(
                request, "applications/delete.html", context, status=context["problem"].status
            )
        record(request, AuditEvent.Action.DELETE, app=app, snapshot=snapshot(app))
        messages.success(request, f"Deleted “{app.name}”. Its client ID no longer works.")
        return _redirect(request, reverse("applications:list"))
    return render(request, "applications/delete.html", context)


@require_POST
@requires(SECRETS)
@never_cache
@api_errors_as_pages
def secret_create(request: HttpRequest, application_id: str) -> HttpResponse:
    """Create a secret and show its plaintext this once; the response is never cached."""
    token = request.POST.get("token", "")
    used = request.session.get(USED_SECRET_TOKENS, [])
    detail_url = reverse("applications:detail", args=[application_id])
    if token and token in used:
        messages.info(
            request,
            "That secret was already created and shown once; it is never "
            "shown again. Revoke it if its value was lost.",
        )
        return _redirect(request, detail_url)
    try:
        created = connect.client_secret_create(
            application_id=application_id, idempotency_key=token or None
        )
    except errors.ApiError as error:
        record(
            request, AuditEvent.Action.SECRET_CREATED, application_id=application_id, error=error
        )
        if getattr(error, "code", None) != "idempotency_key_reused":
            raise
        messages.info(request, error.message)
        return _redirect(request, detail_url)
    # The hint only: the plaintext is never recorded.
    record(
        request,
        AuditEvent.Action.SECRET_CREATED,
        application_id=application_id,
        detail=f"Secret {created.id} ending in {created.secret_hint}",
    )
    if token:
        request.session[USED_SECRET_TOKENS] = (used + [token])[-50:]
    secrets = connect.client_secret_list(application_id=application_id)
    context = _secrets_context(application_id, secrets, new_secret=created)
    if request.htmx:
        return render(request, "applications/detail.html#secrets", context)
    app = connect.application_get(application_id=application_id)
    return render(request, "applications/detail.html", _detail_context(app, **context))


@require_http_methods(["GET", "POST"])
@requires(SECRETS)
@api_errors_as_pages
def secret_revoke(request: HttpRequest, application_id: str, secret_id: str) -> HttpResponse:
    secrets = connect.client_secret_list(application_id=application_id)
    secret = next((s for s in secrets if s.id == secret_id), None)
    if secret is None:
        raise Http404("No such client secret on this application.")
    if request.method == "POST":
        try:
            connect.client_secret_revoke(secret_id=secret_id)
        except errors.ApiError as error:
            record(
                request,
                AuditEvent.Action.SECRET_REVOKED,
                application_id=application_id,
                error=error,
                detail=f"Secret {secret_id} ending in {secret.secret_hint}",
            )
            raise
        record(
            request,
            AuditEvent.Action.SECRET_REVOKED,
            application_id=application_id,
            detail=f"Secret {secret_id} ending in {secret.secret_hint}",
        )
        messages.success(request, f"Revoked the secret ending in “{secret.secret_hint}”.")
        return _redirect(request, reverse("applications:detail", args=[application_id]))
    return render(
        request,
        "applications/revoke.html",
        {
            "application_id": application_id,
            "secret": secret,
            "others": len(secrets) - 1,
        },
    )


@require_GET
@requires(VIEW)
def organization_options(request: HttpRequest) -> HttpResponse:
    """Options of the organization picker, searched by name."""
    # The picker sends its own field: `organization` (list filter) or `organization_id`.
    query = next(
        (
            request.GET[name]
            for name in ("q", "organization", "organization_id")
            if request.GET.get(name)
        ),
        "",
    ).strip()
    try:
        organizations = connect.organization_list(search=query or None, limit=20).data
    except errors.ApiError:
        organizations = []
    return render(
        request, "applications/organization_options.html", {"organizations": organizations}
    )
