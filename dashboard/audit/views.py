"""The audit trail's pages: the list with its filters and CSV export, and one event.

They show an application's changes and configuration with the applications' table of
fields (its template tags and `kernel/_value.html`). The trail itself (models,
`record`, signals) imports nothing from the apps that record into it.
"""

import json

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from dashboard import environments
from dashboard.environments import Environment
from dashboard.kernel.access import environments_allowing, requires
from dashboard.kernel.responses import HtmxHttpRequest, csv_response, render_page, swapping
from dashboard.kernel.reversing import environment_reverse
from dashboard.kernel.roles import CHANGE, VIEW

from .filters import AuditFilters
from .models import AuditEvent

PAGE_SIZE = 50
CSV_COLUMNS = [
    "at",
    "username",
    "ip",
    "environment",
    "action",
    "outcome",
    "application_id",
    "client_id",
    "application_name",
    "organization_id",
    "organization_name",
    "changes",
    "detail",
    "request_id",
]


def _shown_to(shown: list[Environment]) -> QuerySet[AuditEvent]:
    """The events of the environments `shown`, and of those no longer configured or of none
    (signing in): not those of an environment where the user may not view applications."""
    hidden = [environment.name for environment in environments.all() if environment not in shown]
    return AuditEvent.objects.exclude(environment__in=hidden)


def _csv(events) -> StreamingHttpResponse:
    rows = (
        (
            event.at.isoformat(),
            event.username,
            event.ip or "",
            event.environment,
            event.action,
            event.outcome,
            event.application_id,
            event.client_id,
            event.application_name,
            event.organization_id,
            event.organization_name,
            json.dumps(event.changes) if event.changes else "",
            event.detail,
            event.request_id,
        )
        for event in events.iterator()
    )
    return csv_response("audit.csv", CSV_COLUMNS, rows)


@require_GET
@requires(VIEW, anywhere=True)
def audit_list(request: HtmxHttpRequest) -> HttpResponse:
    shown = environments_allowing(request.user, VIEW)
    filters = AuditFilters(request.GET, shown=shown)
    events = filters.events(_shown_to(shown))
    if request.GET.get("format") == "csv":
        return _csv(events)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    for name in ("page", "format"):
        query.pop(name, None)
    # Only the filters that are set: the export link and the pages follow them.
    for name in [name for name, value in query.items() if not value]:
        query.pop(name)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "choices": filters.choices(query),
        "production_environments": [env.name for env in shown if env.production],
        "usernames": get_user_model()
        .objects.order_by("username")
        .values_list("username", flat=True),
    }
    response = render_page(request, "audit/list.html", context, partial="events")
    if not swapping(request):
        return response
    # The address holds the filters that are set, and nothing else.
    url = reverse("audit:list") + (f"?{context['query']}" if context["query"] else "")
    return push_url(response, url)


@require_GET
@requires(VIEW, anywhere=True)
def audit_event(request: HtmxHttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(_shown_to(environments_allowing(request.user, VIEW)), id=event_id)
    environment = environments.get(event.environment)
    recreate_url = None
    if event.snapshot and environment in environments_allowing(request.user, CHANGE):
        # In the environment the application was deleted from.
        create_url = environment_reverse(environment.name, "applications:create")
        recreate_url = f"{create_url}?from_event={event.id}"
    context = {"event": event, "environment": environment, "recreate_url": recreate_url}
    return render(request, "audit/event.html", context)
