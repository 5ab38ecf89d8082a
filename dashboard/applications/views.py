"""Pages of the dashboard: thin views that parse, call the service layer, and render.

Every page is a full page for a plain request and a named partial of the same template
for an HTMX request. Every form also works as a plain POST without JavaScript.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from dashboard import connect
from dashboard.connect import errors

from .filters import ListFilters
from .forms import ApplicationForm, RedirectRow, initial_for
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
@login_required
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
@login_required
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
        **extra,
    }


@require_GET
@login_required
@api_errors_as_pages
def application_detail(request: HttpRequest, application_id: str) -> HttpResponse:
    app = connect.application_get(application_id=application_id)
    return render(request, "applications/detail.html", _detail_context(app))


@require_GET
@login_required
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


def _save(request: HttpRequest, form: ApplicationForm, save, *, app=None):
    """Run `save()`; on failure answer the form as the user left it, with the reason."""
    try:
        return save(), None
    except errors.ValidationError as error:
        form.add_api_errors(error.errors, error.message)
        status = 422
    except errors.NotFoundError as error:
        if app is not None:
            raise  # The application itself is gone: a 404 page.
        form.add_error("organization_id", error.message)
        status = 422
    except errors.ApiError as error:
        problem = describe(error)
        return None, _form_response(request, form, app=app, problem=problem, status=problem.status)
    return None, _form_response(request, form, app=app, status=status)


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
@login_required
def application_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        initial = {"application_type": request.GET.get("type", "oauth")}
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
    )
    if failure:
        return failure
    messages.success(request, f"Created “{app.name}”.")
    return _redirect(request, reverse("applications:detail", args=[app.id]))


@require_http_methods(["GET", "POST"])
@login_required
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
    updated, failure = _save(
        request,
        form,
        lambda: connect.application_update(application_id=app.id, changes=form.update_request()),
        app=app,
    )
    if failure:
        return failure
    messages.success(request, f"Saved “{updated.name}”.")
    return _redirect(request, reverse("applications:detail", args=[app.id]))


@require_http_methods(["GET", "POST"])
@login_required
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
            context["problem"] = describe(error)
            return render(
                request, "applications/delete.html", context, status=context["problem"].status
            )
        messages.success(request, f"Deleted “{app.name}”. Its client ID no longer works.")
        return _redirect(request, reverse("applications:list"))
    return render(request, "applications/delete.html", context)


@require_POST
@login_required
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
    except errors.ValidationError as error:
        if error.code != "idempotency_key_reused":
            raise
        messages.info(request, error.message)
        return _redirect(request, detail_url)
    if token:
        request.session[USED_SECRET_TOKENS] = (used + [token])[-50:]
    secrets = connect.client_secret_list(application_id=application_id)
    context = _secrets_context(application_id, secrets, new_secret=created)
    if request.htmx:
        return render(request, "applications/detail.html#secrets", context)
    app = connect.application_get(application_id=application_id)
    return render(request, "applications/detail.html", _detail_context(app, **context))


@require_http_methods(["GET", "POST"])
@login_required
@api_errors_as_pages
def secret_revoke(request: HttpRequest, application_id: str, secret_id: str) -> HttpResponse:
    secrets = connect.client_secret_list(application_id=application_id)
    secret = next((s for s in secrets if s.id == secret_id), None)
    if secret is None:
        raise Http404("No such client secret on this application.")
    if request.method == "POST":
        connect.client_secret_revoke(secret_id=secret_id)
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
@login_required
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
