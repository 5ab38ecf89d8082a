"""The configuration page of an environment: download its export, plan a file against it,
apply the plan that was shown. Admins only: applying may delete applications.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from dashboard import environments
from dashboard.audit.record import Actor
from dashboard.connect import errors
from dashboard.kernel.access import requires
from dashboard.kernel.problems import api_errors_as_pages, describe
from dashboard.kernel.responses import HtmxHttpRequest, redirect_after_change, render_page
from dashboard.kernel.roles import DELETE

from . import services
from .forms import ApplyForm, PlanForm, too_large

# Applying a file may delete applications: the pages need the permission to delete.
ADMIN = DELETE
PAGE = "configuration/page.html"
CONTENT_TYPES = {"yaml": "application/yaml", "json": "application/json"}


def _page(request: HtmxHttpRequest, status: int = 200, **context) -> HttpResponse:
    """The whole page, or for HTMX the region that shows the outcome."""
    context.setdefault("form", PlanForm())
    return render_page(request, PAGE, context, partial="outcome", status=status)


def _plan_page(
    request: HttpRequest, plan, text: str, status: int = 200, apply_form=None, **context
) -> HttpResponse:
    """The plan, and the form that applies exactly it."""
    initial = {"text": text, "prune": plan.prune, "fingerprint": plan.fingerprint}
    context["apply_form"] = apply_form or ApplyForm(initial=initial)
    if plan.problems and status == 200:
        status = 422
    return _page(request, status, plan=plan, **context)


@require_GET
@requires(ADMIN)
def configuration_page(request: HtmxHttpRequest) -> HttpResponse:
    return _page(request)


@require_GET
@requires(ADMIN)
@never_cache
@api_errors_as_pages
def configuration_export(request: HtmxHttpRequest) -> HttpResponse:
    file_format = request.GET.get("format", "yaml")
    if file_format not in CONTENT_TYPES:
        file_format = "yaml"
    try:
        exported = services.export(file_format=file_format)
    except services.ExportError as error:
        return _page(request, 409, export_error=str(error))
    response = HttpResponse(
        exported.text, content_type=f"{CONTENT_TYPES[file_format]}; charset=utf-8"
    )
    name = f"connect-{environments.current().name}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@csrf_exempt  # Checked once the body is known to be readable (_readable_body).
@require_http_methods(["GET", "POST"])
@requires(ADMIN)
@api_errors_as_pages
def configuration_plan(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "GET":
        return redirect("configuration:page")  # A plan needs a file: the page asks for one.
    return _readable_body(_plan)(request)


def _readable_body(view: Callable[[HttpRequest], HttpResponse]):
    """`view`, CSRF-protected, for a request whose form Django can read: a pasted file of
    more than DATA_UPLOAD_MAX_MEMORY_SIZE is not, and gets the upload's answer to a file
    too large instead of Django's error page (with nothing read, nothing is done)."""

    def checked(request: HtmxHttpRequest) -> HttpResponse:
        try:
            request.POST  # noqa: B018 - reads the form, as the CSRF check would
        except RequestDataTooBig:
            form = PlanForm()
            form.refuse(too_large())
            return _page(request, 413, form=form)
        return csrf_protect(view)(request)

    return checked


def _plan(request: HtmxHttpRequest) -> HttpResponse:
    form = PlanForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, 422, form=form)
    plan = services.plan(form.cleaned_data["document"], prune=form.cleaned_data["prune"])
    return _plan_page(request, plan, form.cleaned_data["text"], form=form)


@require_http_methods(["GET", "POST"])
@requires(ADMIN)
@api_errors_as_pages
def configuration_apply(request: HtmxHttpRequest) -> HttpResponse:
    """Apply the plan that was shown, planned again now: a plan that differs is shown
    instead, and nothing is applied."""
    if request.method == "GET":
        return redirect("configuration:page")
    form = ApplyForm(request.POST)
    confirmed = form.is_valid()
    source = form.cleaned_data.get("document")
    if source is None:
        # The file no longer passes the environment's rules: say why, as planning does.
        again = PlanForm(request.POST)
        again.is_valid()
        return _page(request, 422, form=again)
    plan = services.plan(source, prune=form.cleaned_data.get("prune", False))
    text = form.cleaned_data["text"]
    if not confirmed:
        return _plan_page(request, plan, text, 422, apply_form=form)
    if plan.fingerprint != form.cleaned_data["fingerprint"]:
        return _plan_page(request, plan, text, 409, changed_since=True)
    if plan.problems or not plan.actions:
        return _plan_page(request, plan, text)
    report = services.apply(plan, actor=Actor.of(request))
    if report.complete:
        messages.success(request, f"Applied to {plan.environment}: {report.counts}.")
        url = reverse("configuration:page")
        return redirect_after_change(request, url)
    error = report.failure.error
    status = describe(error).status if isinstance(error, errors.ApiError) else 409
    return _page(request, status, report=report, text=text, prune=plan.prune)
