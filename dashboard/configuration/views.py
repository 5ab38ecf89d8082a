"""The configuration page of an environment: download its export, plan a file against it,
apply the plan that was shown. Admins only: applying may delete applications.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dashboard import environments
from dashboard.applications.problems import api_errors_as_pages, describe
from dashboard.audit.record import Actor
from dashboard.connect import errors
from dashboard.web.access import requires
from dashboard.web.responses import redirect_after_change
from dashboard.web.roles import DELETE

from . import services
from .forms import ApplyForm, PlanForm

# Applying a file may delete applications: the pages need the permission to delete.
ADMIN = DELETE
PAGE = "configuration/page.html"
CONTENT_TYPES = {"yaml": "application/yaml", "json": "application/json"}


def _page(request: HttpRequest, status: int = 200, **context) -> HttpResponse:
    """The whole page, or for HTMX the region that shows the outcome."""
    template = f"{PAGE}#outcome" if request.htmx else PAGE
    context.setdefault("form", PlanForm())
    return render(request, template, context, status=status)


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
def configuration_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_GET
@requires(ADMIN)
@never_cache
@api_errors_as_pages
def configuration_export(request: HttpRequest) -> HttpResponse:
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


@require_http_methods(["GET", "POST"])
@requires(ADMIN)
@api_errors_as_pages
def configuration_plan(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return redirect("configuration:page")  # A plan needs a file: the page asks for one.
    form = PlanForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, 422, form=form)
    plan = services.plan(form.cleaned_data["document"], prune=form.cleaned_data["prune"])
    return _plan_page(request, plan, form.cleaned_data["text"], form=form)


@require_http_methods(["GET", "POST"])
@requires(ADMIN)
@api_errors_as_pages
def configuration_apply(request: HttpRequest) -> HttpResponse:
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
