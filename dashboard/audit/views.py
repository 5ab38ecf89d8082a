"""The audit trail's pages: the list with its filters and CSV export, and one event.

They show an application's changes and configuration with the applications' table of
fields (its template tags and `applications/_value.html`). The trail itself (models,
`record`, signals) imports nothing from the apps that record into it.
"""

import json

from django import forms
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from dashboard import connect, environments
from dashboard.connect.errors import ApiError
from dashboard.environments import Environment
from dashboard.urls import environment_reverse
from dashboard.web.access import environments_allowing, requires
from dashboard.web.responses import csv_response
from dashboard.web.roles import CHANGE, VIEW

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


class AuditFilters(forms.Form):
    application = forms.CharField(
        label="Application",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "ID or client ID"}),
    )
    user = forms.CharField(
        label="User",
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"list": "audit-users"}),
    )
    environment = forms.ChoiceField(label="Environment", required=False)
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any action"), *AuditEvent.Action.choices]
    )
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data, *, shown: list[Environment]):
        super().__init__(data, label_suffix="")
        self.fields["environment"].choices = [
            ("", "Any environment"),
            *((environment.name, environment.label) for environment in shown),
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The end comes before the start.")
        return cleaned

    def events(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if not self.is_valid():
            return events.none()
        data = self.cleaned_data
        if data["application"]:
            identifier = data["application"].strip()
            events = events.filter(
                Q(application_id__in=_application_ids(identifier)) | Q(client_id=identifier)
            )
        if data["user"]:
            events = events.filter(username=data["user"].strip())
        if data["environment"]:
            events = events.filter(environment=data["environment"])
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["since"]:
            events = events.filter(at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(at__date__lte=data["until"])
        return events


def _shown_to(shown: list[Environment]) -> QuerySet[AuditEvent]:
    """The events of the environments `shown`, and of those no longer configured or of none
    (signing in): not those of an environment where the user may not view applications."""
    hidden = [environment.name for environment in environments.all() if environment not in shown]
    return AuditEvent.objects.exclude(environment__in=hidden)


def _application_ids(identifier: str) -> set[str]:
    """An application ID, or the ID of the application a client ID belongs to (events
    recorded before client IDs were kept name only the application ID)."""
    if not identifier.startswith("client_"):
        return {identifier}
    try:
        return {identifier, connect.application_get(application_id=identifier).id}
    except ApiError:
        return {identifier}  # Deleted, or the API is away: the events that kept it.


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
def audit_list(request: HttpRequest) -> HttpResponse:
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
        "production_environments": [env.name for env in shown if env.production],
        "usernames": get_user_model()
        .objects.order_by("username")
        .values_list("username", flat=True),
    }
    if not request.htmx:
        return render(request, "audit/list.html", context)
    # The address holds the filters that are set, and nothing else.
    url = reverse("audit:list") + (f"?{context['query']}" if context["query"] else "")
    return push_url(render(request, "audit/list.html#events", context), url)


@require_GET
@requires(VIEW, anywhere=True)
def audit_event(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(_shown_to(environments_allowing(request.user, VIEW)), id=event_id)
    environment = environments.get(event.environment)
    recreate_url = None
    if event.snapshot and environment in environments_allowing(request.user, CHANGE):
        # In the environment the application was deleted from.
        create_url = environment_reverse(environment.name, "applications:create")
        recreate_url = f"{create_url}?from_event={event.id}"
    context = {"event": event, "environment": environment, "recreate_url": recreate_url}
    return render(request, "audit/event.html", context)
