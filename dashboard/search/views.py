"""Credential health: what needs attention in an environment's applications."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from dashboard import connect
from dashboard.kernel.access import requires
from dashboard.kernel.responses import csv_response
from dashboard.kernel.roles import VIEW, roles_allowing

from . import health, selectors

CSV_COLUMNS = [
    "environment", "problem", "application_name", "application_id", "client_id",
    "organization_name", "organization_id", "detail", "fix", "fix_url",
]  # fmt: skip


def _fix_url(request: HttpRequest, finding: health.Finding) -> str:
    application_id = finding.application.application_id
    if finding.problem.fixed_at == "edit":
        return reverse("applications:edit", args=[application_id])
    return reverse("applications:detail", args=[application_id]) + "#secrets"


@require_GET
@requires(VIEW)
def health_page(request: HttpRequest) -> HttpResponse:
    environment = connect.backend().name
    found = health.findings(environment)
    if request.GET.get("format") == "csv":
        rows = (_csv_row(request, environment, finding) for finding in found)
        return csv_response(f"credential-health-{environment}.csv", CSV_COLUMNS, rows)
    context = {
        "groups": [_group(request, problem, found) for problem in health.PROBLEMS.values()],
        "total": len(found),
        "applications": len({finding.application.application_id for finding in found}),
        "unchecked": health.unchecked(environment),
        "index": selectors.freshness(environment),
    }
    return render(request, "search/health.html", context)


def _csv_row(request: HttpRequest, environment: str, finding) -> tuple:
    return (
        environment,
        finding.problem.title,
        finding.application.name,
        finding.application.application_id,
        finding.application.client_id,
        finding.application.organization_name,
        finding.application.organization_id,
        finding.text,
        finding.problem.fix,
        request.build_absolute_uri(_fix_url(request, finding)),
    )


def _group(request: HttpRequest, problem, found: list) -> dict:
    """The findings of one kind of problem, and who may fix them."""
    return {
        "problem": problem,
        "why": health.why(problem),
        # The fix is a link only for those whose role here allows making it.
        "may_fix": request.user.has_perm(problem.permission),
        "fixed_by": " and ".join(f"{role}s" for role in roles_allowing(problem.permission)),
        "findings": [
            (finding, _fix_url(request, finding)) for finding in found if finding.problem is problem
        ],
    }
