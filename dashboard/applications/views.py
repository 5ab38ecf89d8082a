"""Pages of the dashboard: thin views that parse, call, and render.

Every page is a full page for a plain request and a named partial of the same template
for an HTMX request. Every form also works as a plain POST without JavaScript. Changes go
through `services`, which record them in the audit trail.
"""

import json
import uuid
from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import push_url, trigger_client_event

from dashboard import connect, uris
from dashboard.audit import selectors as audit
from dashboard.audit.record import Actor
from dashboard.connect import errors
from dashboard.connect.models import Page
from dashboard.kernel import footprint, lookups
from dashboard.kernel.access import requires
from dashboard.kernel.fields import BOTH, by_name, editable_values
from dashboard.kernel.problems import api_errors_as_pages, describe
from dashboard.kernel.responses import HtmxHttpRequest, redirect_after_change, render_page
from dashboard.kernel.roles import CHANGE, DELETE, SECRETS, VIEW
from dashboard.kernel.templatetags.dashboard import organization_offer_context
from dashboard.search import health, index, selectors, tasks

from . import services
from .filters import MAX_QUERY, ListFilters
from .forms import (
    ApplicationCreateForm,
    ApplicationDeleteForm,
    ApplicationEditForm,
    ApplicationForm,
    SecretRevokeForm,
)
from .merge import merge

USED_SECRET_TOKENS = "applications:used-secret-tokens"
SORT_HEADERS = ("sort-by-name", "sort-by-created")


def _production() -> bool:
    return connect.backend().production


# --- The list ---------------------------------------------------------------------------------


@require_GET
@requires(VIEW)
@api_errors_as_pages
def application_list(request: HtmxHttpRequest) -> HttpResponse:
    filters = ListFilters(request.GET)
    canonical = filters.url(**filters.position)
    if not request.htmx and filters.query(request.GET) != filters.query_of(canonical):
        # Empty and default parameters, or an organization typed by name: one URL per state.
        return redirect(canonical)
    environment = connect.backend().name
    # The index's totals and freshness, shown above the rows, in one statement.
    totals, freshness = selectors.overview(environment)
    rows, results = _rows(environment, filters, totals)
    context = _list_context(environment, filters, rows, results, totals) | {"index": freshness}
    # A column header changed the order: the form's Order box follows (not when the box
    # itself changed it, which would take the focus from it).
    context["sorted_by_header"] = bool(request.htmx) and request.htmx.trigger in SORT_HEADERS
    response = render_page(request, "applications/list.html", context, partial="results")
    if not request.htmx:
        return response
    if filters.organization_id:
        # The box shows the name of the organization it was resolved to, not what was typed.
        name = lookups.organization_name(filters.organization_id) or filters.organization_id
        trigger_client_event(response, "organization-chosen", {"name": name})
    return push_url(response, canonical)


def _rows(
    environment: str, filters: ListFilters, totals: selectors.Totals
) -> tuple[Page, selectors.Results | None]:
    """The page of applications the filters ask for: from the index for a search, from the
    API otherwise (and then indexed as read)."""
    if filters.has_error("organization"):
        return Page(data=[]), None
    if filters.searching:
        results = selectors.search(environment, known=totals, **filters.search_arguments())
        return Page(data=results.rows), results
    rows = connect.application_list(**filters.api_arguments())
    index.record_quietly(rows.data)
    return rows, None


def _list_context(
    environment: str,
    filters: ListFilters,
    page: Page,
    results: selectors.Results | None,
    totals: selectors.Totals,
) -> dict:
    if results:
        names = {row.organization_id: row.organization_name for row in page.data}
        organization_names = {key: name for key, name in names.items() if name}
    else:
        needed = {app.organization_id for app in page.data if getattr(app, "organization_id", None)}
        organization_names = lookups.organization_names(needed)
    return {
        "filters": filters,
        "page": page,
        "results": results,
        "totals": totals,
        "matching": results.total if results else _matching(environment, filters, totals),
        "count_limit": selectors.COUNT_LIMIT,
        "hidden_limit": selectors.HIDDEN_LIMIT,
        "health": health.by_application(environment, [app.id for app in page.data]),
        "columns": filters.sorting(),
        # The totals are the whole environment's: their links show all of a type.
        "type_urls": {
            kind: filters.url(**ListFilters.DEFAULTS | {"type": kind, "registration": "both"})
            for kind in ("oauth", "m2m")
        },
        "organization_names": organization_names,
        "staff_sign_on": footprint.staff_sign_on_client_ids(),
        "hidden_dynamic": filters.hides_dynamic and _hidden_dynamic(filters, results),
        "show_dynamic_url": filters.url(registration="both"),
        "next_url": _next_url(filters, page, results),
        "previous_url": _previous_url(filters, page, results),
    }


def _hidden_dynamic(filters: ListFilters, results) -> int:
    """How many dynamically registered applications the list leaves out: of the search's
    matches, or of the organization's applications."""
    if results:
        return results.hidden_dynamic
    return lookups.dynamic_count(filters.organization_id)


def _matching(environment: str, filters: ListFilters, totals: selectors.Totals) -> int | None:
    """How many indexed applications the live list's filters match (None when unfiltered)."""
    if not filters.is_filtered or filters.has_error("organization"):
        return None
    return selectors.count(environment, known=totals, **filters.count_arguments())


def _next_url(filters: ListFilters, page: Page, results) -> str | None:
    if results:
        return filters.url(page=results.page + 1) if results.page < results.pages else None
    return filters.url(after=page.after) if page.after else None


def _previous_url(filters: ListFilters, page: Page, results) -> str | None:
    if results:
        return filters.url(page=results.page - 1) if results.page > 1 else None
    return filters.url(before=page.before) if page.before else None


@require_http_methods(["GET", "POST"])
@requires(VIEW)
def index_status(request: HtmxHttpRequest) -> HttpResponse:
    """How fresh the search index is, and a sync in progress; POST asks for a sync now.

    The status polls itself while a sync runs; when the sync ends it tells the page, which
    reloads its results."""
    environment = connect.backend().name
    if request.method == "POST":
        asked = tasks.request_sync(environment)
        if not request.htmx:
            messages.info(
                request,
                "A sync of the index was asked for; the list shows its progress."
                if asked
                else "A sync of the index is already on its way.",
            )
            return redirect_after_change(request, reverse("applications:list"))
    elif not request.htmx:
        return redirect("applications:list")
    state = selectors.freshness(environment)
    response = render(request, "applications/list.html#index-status", {"index": state})
    if request.GET.get("was") == "busy" and not state.busy:
        trigger_client_event(response, "index-synced")
    return response


@require_GET
@requires(VIEW)
@api_errors_as_pages
def application_go(request: HtmxHttpRequest) -> HttpResponse:
    """Open an application from its application ID, client ID or name: the one match, or
    the search results when a name matches several."""
    # A NUL is in no ID or name, and no database column takes one.
    identifier = request.GET.get("id", "").replace("\x00", "").strip()
    if not identifier:
        return redirect("applications:list")
    if " " not in identifier:
        try:
            app = connect.application_get(application_id=identifier)
        except (errors.NotFoundError, errors.UnprocessableEntityError):
            pass
        else:
            return redirect("applications:detail", application_id=app.id)
    environment, query = connect.backend().name, identifier[:MAX_QUERY]
    # An exact name first: "Portal" opens the app called Portal, not the results of "Portal".
    candidates = selectors.named(environment, identifier) or selectors.first_matches(
        environment, query, 2
    )
    if len(candidates) == 1:
        return redirect("applications:detail", application_id=candidates[0])
    if candidates:
        return redirect(ListFilters({}).url(q=query, registration="both"))
    messages.error(request, f"No application has the ID, client ID or name “{identifier}”.")
    return redirect("applications:list")


@require_GET
@requires(VIEW)
def organization_options(request: HtmxHttpRequest) -> HttpResponse:
    """Options of an organization box, searched by name."""
    # The box sends its own field: `organization` (list filter) or `organization_id`.
    query = next(
        (
            request.GET[name]
            for name in ("organization", "organization_id")
            if request.GET.get(name)
        ),
        "",
    ).strip()
    try:
        organizations = connect.organization_list(search=query or None, limit=20).data
    except errors.ApiError:
        organizations = None
    box = request.GET.get("offer", "")
    if not box:
        context = {"organizations": organizations or []}
        return render(request, "applications/organization_options.html", context)
    # A name complete in the box (it changed): the note below it, with the offer to create
    # the organization when none has that name.
    named = organizations is None or any(
        organization.name.casefold() == query.casefold() for organization in organizations
    )
    context = organization_offer_context(
        request.user,
        box,
        "" if named else query,
        next_url=request.GET.get("next", ""),
        parameter=request.GET.get("parameter", ""),
    )
    return render(request, "kernel/_organization_offer.html", context)


# --- An application ---------------------------------------------------------------------------


def _history(app) -> dict:
    return {"app": app, "history": audit.application_history(app.id)}


def _secrets(app, secrets, new_secret=None) -> dict:
    # A fresh token per rendering: the create form posts it as its Idempotency-Key, and a
    # token is used only once, so a reload or a double submit never shows a secret again.
    return {
        "app": app,
        "application_id": app.id,
        "secrets": sorted(secrets, key=lambda secret: (secret.created_at, secret.id), reverse=True),
        "new_secret": new_secret,
        "secret_token": str(uuid.uuid4()),
    }


DETAIL = "applications/detail.html"


def _detail_of(app) -> Callable[[], dict]:
    """What only the whole detail page shows beside a section."""
    return lambda: _history(app) | {"staff_sign_on": footprint.is_staff_sign_on(app)}


def _detail(request: HtmxHttpRequest, app, extra: dict | None = None) -> HttpResponse:
    return render_page(request, DETAIL, {"app": app} | (extra or {}), whole=_detail_of(app))


@require_GET
@requires(VIEW)
@api_errors_as_pages
def application_detail(request: HtmxHttpRequest, application_id: str) -> HttpResponse:
    app = connect.application_get(application_id=application_id)
    index.record_quietly([app])
    return _detail(request, app)


@require_GET
@requires(VIEW)
@api_errors_as_pages
def redirect_test(request: HtmxHttpRequest, application_id: str) -> HttpResponse:
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
    context = {"app": app, "redirect_test": result}
    return render_page(request, DETAIL, context, partial="redirect-test", whole=_detail_of(app))


@require_GET
@requires(VIEW)
@api_errors_as_pages
def secret_list(request: HtmxHttpRequest, application_id: str) -> HttpResponse:
    """The secrets section: loaded into the detail page, or a full page without JavaScript."""
    app = connect.application_get(application_id=application_id)
    secrets = connect.client_secret_list(application_id=app.id)
    index.record_quietly([app])
    index.record_secrets_quietly(app.id, secrets)
    return render_page(
        request, DETAIL, _secrets(app, secrets), partial="secrets", whole=_detail_of(app)
    )


@require_http_methods(["GET", "POST"])
@requires(SECRETS)
@never_cache
@api_errors_as_pages
def secret_create(request: HtmxHttpRequest, application_id: str) -> HttpResponse:
    """Create a secret and show its plaintext this once; the response is never cached.

    Without JavaScript the page that shows the secret has this URL: opening it again
    leads back to the application.
    """
    if request.method == "GET":
        return redirect("applications:detail", application_id=application_id)
    token = request.POST.get("token", "")
    back = reverse("applications:detail", args=[application_id])
    if token and token in request.session.get(USED_SECRET_TOKENS, []):
        messages.info(request, SHOWN_ALREADY)
        return redirect_after_change(request, back)
    app = connect.application_get(application_id=application_id)
    try:
        created = services.client_secret_create(
            actor=Actor.of(request), app=app, idempotency_key=token or None
        )
    except errors.ApiError as error:
        if error.code != "idempotency_key_reused":
            raise
        messages.info(request, error.message)
        return redirect_after_change(request, back)
    _token_used(request, token)
    context = _secrets(app, _secrets_with(app, created), created) | _history(app)
    # The secrets section, and the history beside it, which now has one more event.
    return render_page(
        request, DETAIL, context, partial="secrets", oob=["history"], whole=_detail_of(app)
    )


SHOWN_ALREADY = (
    "That secret was already created and shown once; it is never shown again. Revoke it if "
    "its value was lost."
)


def _token_used(request: HtmxHttpRequest, token: str) -> None:
    if token:
        used = request.session.get(USED_SECRET_TOKENS, [])
        request.session[USED_SECRET_TOKENS] = (used + [token])[-50:]


def _secrets_with(app, created) -> list:
    """The application's secrets, the one just created among them."""
    try:
        return connect.client_secret_list(application_id=app.id)
    except errors.ApiError:
        # The secret exists and this is the only time its value can be shown: show it,
        # even if the others cannot be listed just now.
        return [created]


@require_http_methods(["GET", "POST"])
@requires(SECRETS)
@api_errors_as_pages
def secret_revoke(request: HtmxHttpRequest, application_id: str, secret_id: str) -> HttpResponse:
    app = connect.application_get(application_id=application_id)
    secrets = connect.client_secret_list(application_id=app.id)
    secret = next((s for s in secrets if s.id == secret_id), None)
    if secret is None:
        raise Http404("No such client secret on this application.")
    form = SecretRevokeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        services.client_secret_revoke(actor=Actor.of(request), app=app, secret=secret)
        messages.success(request, f"Revoked the secret ending in “{secret.secret_hint}”.")
        return redirect_after_change(request, reverse("applications:detail", args=[app.id]))
    context = {"app": app, "secret": secret, "others": len(secrets) - 1, "form": form}
    return render(request, "applications/revoke.html", context, status=422 if form.errors else 200)


# --- Create and edit --------------------------------------------------------------------------


def _form_page(
    request: HtmxHttpRequest, form: ApplicationForm, *, app=None, status: int = 200, **extra
) -> HttpResponse:
    context = {"form": form, "app": app, "organization_names": lookups.organization_names()}
    return render_page(
        request, "applications/form.html", context | extra, partial="form", status=status
    )


def _form_failed(request: HtmxHttpRequest, form: ApplicationForm, error: errors.ApiError, app=None):
    """The form as the user left it, with what the API said next to the fields."""
    if isinstance(error, errors.UnprocessableEntityError):
        form.add_api_errors(error)
        return _form_page(request, form, app=app, status=422)
    if isinstance(error, errors.NotFoundError):
        if app is not None:
            raise error  # The application itself is gone: a 404 page.
        box = "organization_id" if "organization_id" in form.fields else None
        form.add_error(box, error.message)
        return _form_page(request, form, status=422)
    problem = describe(error)
    return _form_page(request, form, app=app, problem=problem, status=problem.status)


@require_http_methods(["GET", "POST"])
@requires(CHANGE)
def application_create(request: HtmxHttpRequest) -> HttpResponse:
    production = _production()
    if request.method == "GET":
        deleted = audit.deleted_configuration(request.GET.get("from_event", ""))
        if deleted:
            form = ApplicationCreateForm.from_snapshot(deleted, production=production)
        else:
            initial = {"application_type": request.GET.get("type", "oauth")}
            if request.GET.get("organization_id"):
                # Back from creating the organization the box offered to create.
                initial |= {"organization_id": request.GET["organization_id"], "party": "third"}
            form = ApplicationCreateForm(initial=initial, production=production)
        return _form_page(request, form, recreated=deleted)
    form = ApplicationCreateForm(request.POST, production=production)
    action = request.POST.get("action", "save")
    if action != "save":
        return _form_page(request, form.rearranged(action))
    if not form.is_valid():
        return _form_page(request, form, status=422)
    try:
        app = services.application_create(
            actor=Actor.of(request),
            application=form.create_request(),
            idempotency_key=form.cleaned_data["idempotency_key"] or None,
        )
    except errors.ApiError as error:
        return _form_failed(request, form, error)
    messages.success(request, f"Created “{app.name}”.")
    return redirect_after_change(request, reverse("applications:detail", args=[app.id]))


@require_http_methods(["GET", "POST"])
@requires(CHANGE)
@api_errors_as_pages
def application_edit(request: HtmxHttpRequest, application_id: str) -> HttpResponse:
    app = connect.application_get(application_id=application_id)
    if app.application_type not in BOTH:
        raise Http404("This kind of application cannot be edited here.")
    production = _production()
    if request.method == "GET":
        form = ApplicationEditForm.for_application(app, production=production)
        return _form_page(request, form, app=app)
    form = ApplicationEditForm(request.POST, application=app, production=production)
    action = request.POST.get("action", "save")
    if action != "save":
        return _form_page(request, form.rearranged(action), app=app)
    if not form.is_valid():
        return _form_page(request, form, app=app, status=422)
    try:
        updated = services.application_update(
            actor=Actor.of(request),
            app=app,
            changes=form.update_request(),
            version=form.cleaned_data["updated_at"],
        )
    except services.EditConflict as conflict:
        return _conflict(request, form, conflict.current)
    except errors.ApiError as error:
        return _form_failed(request, form, error, app)
    messages.success(request, f"Saved “{updated.name}”.")
    return redirect_after_change(request, reverse("applications:detail", args=[app.id]))


def _conflict(request: HtmxHttpRequest, form: ApplicationEditForm, current) -> HttpResponse:
    """Someone saved since the form was opened: save nothing, show both versions, merge.

    The merged form carries the current version, so saving it again goes through unless
    yet another change arrives first.
    """
    theirs = editable_values(current)
    merged, report = merge(form.original_values, theirs, form.values())
    initial = merged | {
        "updated_at": current.updated_at.isoformat(),
        "original": json.dumps(theirs),
    }
    merged_form = ApplicationEditForm(
        initial=initial, application=current, production=form.production
    )
    rows = [(by_name(row.name), row) for row in report]
    return _form_page(request, merged_form, app=current, conflict=rows, status=409)


@require_http_methods(["GET", "POST"])
@requires(DELETE)
@api_errors_as_pages
def application_delete(request: HtmxHttpRequest, application_id: str) -> HttpResponse:
    app = connect.application_get(application_id=application_id)
    form = ApplicationDeleteForm(
        request.POST if request.method == "POST" else None, application=app
    )
    context = {
        "app": app,
        "form": form,
        "problem": None,
        "staff_sign_on": footprint.is_staff_sign_on(app),
    }
    if not form.is_valid():
        status = 422 if form.errors else 200
        return render(request, "applications/delete.html", context, status=status)
    try:
        services.application_delete(actor=Actor.of(request), app=app)
    except errors.ApiError as error:
        context["problem"] = describe(error)
        return render(
            request, "applications/delete.html", context, status=context["problem"].status
        )
    messages.success(request, f"Deleted “{app.name}”. Its client ID no longer works.")
    return redirect_after_change(request, reverse("applications:list"))
