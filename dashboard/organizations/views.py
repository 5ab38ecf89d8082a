"""The organization pages (a list searched by name, one page per organization: its domains,
its applications, the consents its users gave; create, rename, delete) and an application's
consents (who authorized a third-party application; revoking one).

Thin views: parse with a form, call `services` or `selectors`, render the page, or its named
partial for HTMX. Every form also works as a plain POST.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import push_url, trigger_client_event

from dashboard import connect
from dashboard.audit import selectors as audit
from dashboard.audit.record import Actor
from dashboard.connect import errors
from dashboard.kernel import lookups
from dashboard.kernel.access import requires
from dashboard.kernel.problems import api_errors_as_pages, describe
from dashboard.kernel.responses import HtmxHttpRequest, redirect_after_change, render_page
from dashboard.kernel.roles import CHANGE, DELETE, VIEW
from dashboard.search import index

from . import selectors, services
from .forms import (
    ConsentRevokeForm,
    OrganizationCreateForm,
    OrganizationDeleteForm,
    OrganizationRenameForm,
)

PAGE_SIZE = 25
# Query parameters through which a page that sent someone to create an organization gets the
# new organization's ID back: the list filter's and the application form's.
RETURN_PARAMETERS = ("organization", "organization_id")


# --- The list ---------------------------------------------------------------------------------


def _list_url(**state: str | None) -> str:
    query = urlencode({name: value for name, value in state.items() if value})
    return reverse("organizations:list") + (f"?{query}" if query else "")


@require_GET
@requires(VIEW)
@api_errors_as_pages
def organization_list(request: HtmxHttpRequest) -> HttpResponse:
    """Organizations, newest first, searched by name (the API's `search`)."""
    search = request.GET.get("q", "").strip()[:200]
    before, after = request.GET.get("before") or None, request.GET.get("after") or None
    page = connect.organization_list(search=search, limit=PAGE_SIZE, before=before, after=after)
    context = {
        "search": search,
        "page": page,
        "paged": bool(before or after),
        "previous_url": page.before and _list_url(q=search, before=page.before),
        "next_url": page.after and _list_url(q=search, after=page.after),
    }
    response = render_page(request, "organizations/list.html", context, partial="results")
    if request.htmx:
        return push_url(response, _list_url(q=search, before=before, after=after))
    return response


# --- An organization --------------------------------------------------------------------------


@require_GET
@requires(VIEW)
@api_errors_as_pages
def organization_detail(request: HtmxHttpRequest, organization_id: str) -> HttpResponse:
    org = connect.organization_get(organization_id=organization_id)
    applications, more = selectors.applications_of(org.id)
    index.record_quietly([app for app in applications if not getattr(app, "unreadable", False)])
    return render(request, "organizations/detail.html", _detail_context(org, applications, more))


def _detail_context(org, applications: list, more: bool) -> dict:
    return {
        "org": org,
        "applications": applications,
        "more_applications": more,
        "history": audit.organization_history(org.id),
    }


@require_GET
@requires(VIEW)
@api_errors_as_pages
def organization_consents(request: HtmxHttpRequest, organization_id: str) -> HttpResponse:
    """The consents its users gave: loaded into the organization's page, a page of its own
    without JavaScript, and paged with the API's cursors."""
    org = connect.organization_get(organization_id=organization_id)
    context = {"org": org, "consents": None, "problem": None}
    try:
        consents, page = selectors.organization_consents(
            org, before=request.GET.get("before") or None, after=request.GET.get("after") or None
        )
    except errors.ApiError as error:
        context["problem"] = describe(error)
    else:
        url = reverse("organizations:consents", args=[org.id])
        context |= {
            "consents": consents,
            "dated": any(consent.created_at for consent in consents),
            "unreadable": page.unreadable,
            "previous_url": page.before and f"{url}?{urlencode({'before': page.before})}",
            "next_url": page.after and f"{url}?{urlencode({'after': page.after})}",
        }
    return render_page(
        request,
        "organizations/consents.html",
        context,
        partial="organizations/detail.html#consents",
    )


# --- Create, rename, delete -------------------------------------------------------------------


def _asked_from(request: HtmxHttpRequest) -> tuple[str, str]:
    """The page that sent someone to create an organization (a path of this dashboard only)
    and the query parameter through which it takes the new organization's ID."""
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        back = ""
    parameter = request.POST.get("parameter") or request.GET.get("parameter") or ""
    return back, parameter if parameter in RETURN_PARAMETERS else ""


def _back(request: HtmxHttpRequest, org) -> str | None:
    """Back to the page that asked for the organization, with it chosen in its box."""
    back, parameter = _asked_from(request)
    if not back or not parameter:
        return back or None
    return f"{back}{'&' if '?' in back else '?'}{urlencode({parameter: org.id})}"


def _picked(request: HtmxHttpRequest, box: str, *, org=None, problem: str = "") -> HttpResponse:
    """The answer to "Create this organization" in an organization box: the box's note, and
    the new organization chosen in the box."""
    context = {"box": box, "created": org, "problem": problem}
    response = render(request, "kernel/_organization_offer.html", context)
    if org is not None:
        trigger_client_event(
            response, "organization-chosen", {"name": org.name, "box": box, "created": True}
        )
    return response


def _created(request: HtmxHttpRequest, form: OrganizationCreateForm):
    """The organization the form creates, or None with the reason in the form."""
    if not form.is_valid():
        return None
    try:
        return services.organization_create(
            actor=Actor.of(request),
            name=form.cleaned_data["name"],
            domains=form.cleaned_data["domains"],
            idempotency_key=form.cleaned_data["idempotency_key"] or None,
        )
    except services.OrganizationNameTaken as taken:
        form.add_error("name", str(taken))
    except errors.ApiError as error:
        form.add_api_errors(error)
    return None


@require_http_methods(["GET", "POST"])
@requires(CHANGE)
def organization_create(request: HtmxHttpRequest) -> HttpResponse:
    back, parameter = _asked_from(request)
    context = {"next": back, "parameter": parameter}
    if request.method == "GET":
        form = OrganizationCreateForm(initial={"name": request.GET.get("name", "")})
        return render(request, "organizations/form.html", context | {"form": form})
    box = request.POST.get("box", "")
    if box:
        form = OrganizationCreateForm({"name": request.POST.get("picked_name", "")})
    else:
        form = OrganizationCreateForm(request.POST)
    org = _created(request, form)
    if box:
        problem = " ".join(message for messages in form.errors.values() for message in messages)
        return _picked(request, box, org=org, problem=problem)
    if org is None:
        return render(request, "organizations/form.html", context | {"form": form}, status=422)
    messages.success(request, f"Created the organization “{org.name}”.")
    back = _back(request, org) or reverse("organizations:detail", args=[org.id])
    return redirect_after_change(request, back)


@require_http_methods(["GET", "POST"])
@requires(CHANGE)
@api_errors_as_pages
def organization_rename(request: HtmxHttpRequest, organization_id: str) -> HttpResponse:
    org = connect.organization_get(organization_id=organization_id)
    if request.method == "GET":
        form = OrganizationRenameForm(initial={"name": org.name})
        return render(request, "organizations/form.html", {"form": form, "org": org})
    form = OrganizationRenameForm(request.POST)
    if form.is_valid():
        try:
            renamed = services.organization_rename(
                actor=Actor.of(request), org=org, name=form.cleaned_data["name"]
            )
        except services.OrganizationNameTaken as taken:
            form.add_error("name", str(taken))
        except errors.NotFoundError:
            raise
        except errors.ApiError as error:
            form.add_api_errors(error)
        else:
            messages.success(request, f"Renamed “{org.name}” to “{renamed.name}”.")
            return redirect_after_change(request, reverse("organizations:detail", args=[org.id]))
    context = {"form": form, "org": org}
    return render(request, "organizations/form.html", context, status=422)


@require_http_methods(["GET", "POST"])
@requires(DELETE)
@api_errors_as_pages
def organization_delete(request: HtmxHttpRequest, organization_id: str) -> HttpResponse:
    """Asks for the organization's name; refused, saying why, while applications belong to
    it (checked when the page opens and again when it is confirmed)."""
    org = connect.organization_get(organization_id=organization_id)
    form = OrganizationDeleteForm(
        request.POST if request.method == "POST" else None, organization=org
    )
    applications, more = selectors.applications_of(org.id)
    context = {"org": org, "form": form, "applications": applications, "more": more}
    if applications or more:
        context["in_use"] = services.OrganizationInUse(org, applications, more)
        return render(request, "organizations/delete.html", context, status=409)
    if not form.is_valid():
        status = 422 if form.errors else 200
        return render(request, "organizations/delete.html", context, status=status)
    try:
        services.organization_delete(actor=Actor.of(request), org=org)
    except services.OrganizationInUse as in_use:
        # An application was created since the page was opened.
        context |= {"in_use": in_use, "applications": in_use.applications, "more": in_use.more}
        return render(request, "organizations/delete.html", context, status=409)
    except errors.ApiError as error:
        context["problem"] = describe(error)
        return render(request, "organizations/delete.html", context, status=describe(error).status)
    messages.success(request, f"Deleted the organization “{org.name}”.")
    return redirect_after_change(request, reverse("organizations:list"))


# --- An application's consents ----------------------------------------------------------------


def _third_party(app) -> bool:
    return app.application_type == "oauth" and not app.is_first_party


@require_GET
@requires(VIEW)
@api_errors_as_pages
def consent_list(request: HtmxHttpRequest, application_id: str) -> HttpResponse:
    """Who consented to a third-party application: loaded into the application's page, or a
    page of its own without JavaScript."""
    app = connect.application_get(application_id=application_id)
    if not _third_party(app):
        raise Http404("Only third-party applications are consented to.")
    organization_name = lookups.organization_name(app.organization_id or "") or ""
    context = {"app": app, "organization_name": organization_name, "problem": None}
    try:
        consents = selectors.application_consents(app, organization_name)
    except errors.ApiError as error:
        context["problem"] = describe(error)
    else:
        # WorkOS does not say when a consent was given; an API that does gets a column.
        context |= {"consents": consents, "dated": any(c.created_at for c in consents)}
    return render_page(
        request, "organizations/consents_of_application.html", context, partial="section"
    )


@require_http_methods(["GET", "POST"])
@requires(DELETE)
@api_errors_as_pages
def consent_revoke(request: HtmxHttpRequest, application_id: str, user_id: str) -> HttpResponse:
    """Revoke a user's consent to an application, after a confirmation."""
    app = connect.application_get(application_id=application_id)
    # The organization the consent was listed under, when the link says and it exists.
    organization_id = request.GET.get("organization") or app.organization_id or ""
    organization_name = lookups.organization_name(organization_id) if organization_id else None
    consent = _consent(app, user_id, organization_id if organization_name else None)
    form = ConsentRevokeForm(request.POST if request.method == "POST" else None)
    # Asked from the organization's page: back there afterwards, and on Cancel.
    back = (
        reverse("organizations:detail", args=[organization_id])
        if request.GET.get("from") == "organization" and organization_name
        else reverse("applications:detail", args=[app.id])
    )
    context = {"app": app, "consent": consent, "form": form, "back": back}
    if not form.is_valid():
        status = 422 if form.errors else 200
        return render(request, "organizations/revoke_consent.html", context, status=status)
    try:
        services.consent_revoke(actor=Actor.of(request), app=app, consent=consent)
    except errors.ApiError as error:
        context["problem"] = describe(error)
        status = describe(error).status
        return render(request, "organizations/revoke_consent.html", context, status=status)
    messages.success(
        request,
        f"Revoked {consent.user_label}’s consent to “{app.name}”: the next sign-in asks again.",
    )
    return redirect_after_change(request, back)


def _consent(app, user_id: str, organization_id: str | None):
    """A user's consent to `app`, read from the user's own consents, which name every
    application the user authorized; listed under `organization_id` when it is known."""
    record = next(
        (
            record
            for record in connect.user_authorized_application_iter(user_id=user_id)
            if record.application.id == app.id
        ),
        None,
    )
    if record is None:
        raise Http404("This user has not authorized this application.")
    name = lookups.organization_name(organization_id) if organization_id else ""
    return selectors.consent_of(record, user_id, organization_id, name or "")
