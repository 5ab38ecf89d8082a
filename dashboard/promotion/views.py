"""Copy an application into another environment, compare the two copies, apply the
differences either way.

A page that changes an environment is that environment's page: the copy's preview is the
target's (`/production/applications/promote/sandbox/<id>`), "apply" is the changed side's.
So the page's environment gives the rules, the organizations and the role it needs
(`requires`); reading the other side needs a role there as well (`access.require`).
Nothing is sent until a preview is confirmed, and a preview of a version that has changed
since is shown again rather than sent.
"""

import uuid
from dataclasses import dataclass, replace
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from dashboard import connect, environments
from dashboard.applications.services import EditConflict
from dashboard.audit.record import Actor
from dashboard.connect import errors
from dashboard.environments import Environment
from dashboard.kernel import lookups
from dashboard.kernel.access import requires
from dashboard.kernel.fields import BOTH, by_name
from dashboard.kernel.problems import api_errors_as_pages, describe
from dashboard.kernel.responses import HtmxHttpRequest, redirect_after_change, render_page
from dashboard.kernel.reversing import environment_reverse
from dashboard.kernel.roles import CHANGE, VIEW

from . import access, selectors, services
from .models import Promotion
from .previews import ApplyPreview, CopyPreview


def _other(name: str) -> Environment:
    environment = environments.get(name)
    if environment is None or environment == environments.current():
        raise Http404(f"No other environment is named “{name}”.")
    return environment


def _refused(error: errors.ApiError) -> tuple[dict[str, list[str]], int]:
    """An API refusal's field errors, by the table's field names, and the status to answer."""
    if isinstance(error, errors.UnprocessableEntityError):
        found: dict[str, list[str]] = {}
        for field_error in error.errors:
            name = field_error.field.split("[")[0].split(".")[0]
            found.setdefault(name, []).append(field_error.message)
        return found, 422
    if isinstance(error, errors.NotFoundError):
        return {"organization_id": [error.message]}, 422
    return {}, describe(error).status


# --- Copy to another environment --------------------------------------------------------------


def _copy_page(
    request: HttpRequest, preview: CopyPreview, *, status: int = 200, problems=None, **extra
) -> HttpResponse:
    """What the target will get, field by field, and what it refuses."""
    app, source, target = preview.app, preview.source, preview.target
    context = extra | {
        "preview": preview,
        "app": app,
        "source": source,
        "target": target,
        "form": preview.form,
        "formset": preview.formset,
        "match": preview.match,
        "rows": preview.rows(problems),
        "problems": problems,
        "source_url": environment_reverse(source.name, "applications:detail", app.id),
        "organization_names": lookups.organization_names(),
        "earlier": Promotion.objects.filter(
            source_environment=source.name,
            source_application_id=app.id,
            target_environment=target.name,
        ),
    }
    return render_page(request, "promotion/promote.html", context, partial="form", status=status)


@require_http_methods(["GET", "POST"])
@requires(CHANGE)
@api_errors_as_pages
def promote(request: HtmxHttpRequest, source: str, application_id: str) -> HttpResponse:
    """Copy an application of `source` into this environment, after a preview."""
    source_environment = _other(source)
    access.require(request, VIEW, source_environment.name, application_id)
    app = selectors.application_in(source_environment, application_id)
    if app.application_type not in BOTH:
        raise Http404("This kind of application cannot be copied.")
    if request.method == "GET":
        return _copy_page(request, CopyPreview.of(app, source_environment))
    preview = CopyPreview.of(app, source_environment, request.POST)
    if refused := _copy_refused(request, preview):
        return refused
    application, _ = preview.create_request()
    try:
        promotion = services.application_promote(
            actor=Actor.of(request),
            source=source_environment,
            source_app=app,
            target=preview.target,
            application=application,
            idempotency_key=preview.form.cleaned_data["idempotency_key"],
            adjustments=preview.formset.adjustments(),
        )
    except errors.ApiError as error:
        problems, status = _refused(error)
        for message in problems.pop("organization_id", []):
            preview.form.add_error("organization_id" if preview.match else None, message)
        problem = describe(error)
        return _copy_page(request, preview, problems=problems, problem=problem, status=status)
    return redirect_after_change(request, reverse("promotion:result", args=[promotion.pk]))


def _copy_refused(request: HtmxHttpRequest, preview: CopyPreview) -> HttpResponse | None:
    """The preview again, when what was posted cannot be copied as it is."""
    if preview.stale:
        fresh = CopyPreview.of(preview.app, preview.source)
        return _copy_page(request, fresh, stale=True, status=409)
    if not preview.is_valid():
        return _copy_page(request, preview, status=422)
    _, problems = preview.create_request()
    if problems:
        return _copy_page(request, preview, problems=problems, status=422)
    return None


@require_GET
@requires(VIEW)
def promotion_result(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """What a copy made: the link, and the secret the new application does not have yet."""
    promotion = get_object_or_404(Promotion, pk=pk, target_environment=environments.current().name)
    source = environments.get(promotion.source_environment)
    source_url = source and environment_reverse(
        source.name, "applications:detail", promotion.source_application_id
    )
    context = {"promotion": promotion, "source": source, "source_url": source_url}
    # The Idempotency-Key of the secret its button creates: one secret however often it is
    # pressed.
    context["secret_token"] = str(uuid.uuid4())
    return render(request, "promotion/result.html", context)


# --- Compare, and apply the differences -------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A comparison with the links the user may follow from it."""

    comparison: selectors.Comparison
    other_url: str | None = None
    apply_there_url: str | None = None
    apply_here_url: str | None = None
    promote_again_url: str | None = None


def _shown(request: HtmxHttpRequest, app: Any, comparison: selectors.Comparison) -> Shown:
    here, there, user = environments.current(), comparison.environment, request.user
    if comparison.application is None:
        copied_and_deleted = comparison.state == "deleted" and comparison.outgoing
        if copied_and_deleted and access.may(user, CHANGE, there.name):
            again = environment_reverse(there.name, "promotion:promote", here.name, app.id)
            return Shown(comparison, promote_again_url=again)
        return Shown(comparison)
    other_id, pk = comparison.application_id, comparison.link.pk
    shown = Shown(
        comparison, other_url=environment_reverse(there.name, "applications:detail", other_id)
    )
    if comparison.pending_there and access.may(user, CHANGE, there.name):
        there_url = environment_reverse(there.name, "promotion:apply", other_id, pk)
        shown = replace(shown, apply_there_url=there_url)
    if comparison.pending_here and user.has_perm(CHANGE):
        shown = replace(shown, apply_here_url=reverse("promotion:apply", args=[app.id, pk]))
    return shown


@require_GET
@requires(VIEW)
@api_errors_as_pages
def promotion_links(request: HtmxHttpRequest, application_id: str) -> HttpResponse:
    """Where an application was copied to or from, and how the copies differ now."""
    app = connect.application_get(application_id=application_id)
    found = selectors.comparisons(app, may_view=lambda name: access.may(request.user, VIEW, name))
    context = {"app": app, "comparisons": [_shown(request, app, c) for c in found]}
    return render_page(request, "promotion/links.html", context, partial="section")


def _apply_page(
    request: HttpRequest, preview: ApplyPreview, *, status: int = 200, problems=None, **extra
) -> HttpResponse:
    """What changes in this application, field by field, and what this environment refuses."""
    source, source_app = preview.source, preview.source_app
    context = extra | {
        "preview": preview,
        "app": preview.app,
        "source": source,
        "source_app": source_app,
        "here": preview.here,
        "form": preview.form,
        "formset": preview.formset,
        "rows": preview.rows(problems),
        "problems": problems,
        "changes": preview.changes(),
        "kept": preview.kept(),
        "replaced": preview.replaced(),
        "source_url": environment_reverse(source.name, "applications:detail", source_app.id),
    }
    return render_page(request, "promotion/apply.html", context, partial="form", status=status)


def _counterpart(
    request: HttpRequest, application_id: str, pk: int
) -> tuple[Promotion, Environment, Any]:
    """Promotion `pk`, and the environment and application at its other end."""
    here = environments.current()
    link = get_object_or_404(Promotion.of(here.name, application_id), pk=pk)
    name, other_id = link.other_side(here.name, application_id)
    source = environments.get(name)
    if source is None:
        raise Http404(f"The environment “{name}” is no longer configured.")
    access.require(request, VIEW, source.name, application_id)
    try:
        return link, source, selectors.application_in(source, other_id)
    except errors.NotFoundError as error:
        raise Http404(
            f"{source.label}’s application {other_id} was deleted: there is nothing to apply."
        ) from error


@require_http_methods(["GET", "POST"])
@requires(CHANGE)
@api_errors_as_pages
def differences_apply(request: HtmxHttpRequest, application_id: str, pk: int) -> HttpResponse:
    """Give this application the values of its copy at the other end of promotion `pk`."""
    link, source, source_app = _counterpart(request, application_id, pk)
    app = connect.application_get(application_id=application_id)
    counterparts = link.counterparts(source.name, source_app.id)
    if request.method == "GET":
        return _apply_page(request, ApplyPreview.of(app, source, source_app, counterparts))
    preview = ApplyPreview.of(app, source, source_app, counterparts, request.POST)
    if refused := _apply_refused(request, preview):
        return refused
    changes, _ = preview.update_request()
    detail_url = reverse("applications:detail", args=[app.id])
    if changes is None:
        return _nothing_to_apply(request, app, detail_url)
    try:
        services.differences_apply(
            actor=Actor.of(request),
            app=app,
            changes=changes,
            version=preview.form.cleaned_data["version"],
            source=source,
            source_app=source_app,
        )
    except EditConflict as conflict:
        fresh = ApplyPreview.of(conflict.current, source, source_app, counterparts)
        return _apply_page(request, fresh, stale=True, status=409)
    except errors.ApiError as error:
        problems, status = _refused(error)
        problem = describe(error)
        return _apply_page(request, preview, problems=problems, problem=problem, status=status)
    labels = ", ".join(by_name(name).label for name in preview.changes())
    return _done(request, f"Applied {source.label}’s values to “{app.name}”: {labels}.", detail_url)


def _apply_refused(request: HtmxHttpRequest, preview: ApplyPreview) -> HttpResponse | None:
    """The preview again, when what was posted cannot be applied as it is."""
    if preview.stale:
        fresh = ApplyPreview.of(
            preview.app, preview.source, preview.source_app, preview.counterparts
        )
        return _apply_page(request, fresh, stale=True, status=409)
    if not preview.is_valid():
        return _apply_page(request, preview, status=422)
    _, problems = preview.update_request()
    if problems or preview.form.errors:
        return _apply_page(request, preview, problems=problems, status=422)
    return None


def _done(request: HtmxHttpRequest, message: str, url: str) -> HttpResponse:
    messages.success(request, message)
    return redirect_after_change(request, url)


def _nothing_to_apply(request: HtmxHttpRequest, app, detail_url: str) -> HttpResponse:
    messages.info(request, f"Nothing to apply: “{app.name}” already has these values.")
    return redirect_after_change(request, detail_url)
