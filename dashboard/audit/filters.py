"""The audit trail's filters: by who, what, when, and by customer (an application or an
organization, by ID or by name)."""

from dataclasses import dataclass

from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.urls import reverse

from dashboard import connect, environments
from dashboard.connect.errors import ApiError
from dashboard.environments import Environment
from dashboard.search import selectors

from .models import AuditEvent


@dataclass(frozen=True)
class Match:
    """An application or organization a typed name may mean, to choose from."""

    id: str
    name: str
    environment: str


class AuditFilters(forms.Form):
    application = forms.CharField(
        label="Application",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "Name, ID or client ID"}),
    )
    organization = forms.CharField(
        label="Organization",
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": "Name or ID"}),
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
        self.shown = shown
        self.fields["environment"].choices = [
            ("", "Any environment"),
            *((environment.name, environment.label) for environment in shown),
        ]
        # A name that is several applications or organizations: the matches, by field.
        self.ambiguous: dict[str, list[Match]] = {}

    def clean(self) -> dict:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The end comes before the start.")
        where = [cleaned["environment"]] if cleaned.get("environment") else self._names()
        for field, find in (("application", _applications), ("organization", _organizations)):
            text = (cleaned.get(field) or "").strip()
            if not text or _is_id(field, text):
                continue
            matches = find(text, where)
            if not matches:
                self.add_error(field, f"No {field} is named “{text}”{self._in(where)}.")
            elif len(matches) == 1:
                cleaned[field] = matches[0].id
            else:
                self.ambiguous[field] = matches
        return cleaned

    def _names(self) -> list[str]:
        return [environment.name for environment in self.shown]

    def _in(self, where: list[str]) -> str:
        if where == self._names():
            return ""
        return " in " + ", ".join(environments.get(name).label for name in where)

    def choices(self, query: QueryDict) -> list[dict]:
        """For a name that is several applications or organizations: a link to each, the
        other filters kept."""
        offered = []
        for field, matches in self.ambiguous.items():
            links = []
            for match in matches:
                chosen = query.copy()
                chosen[field] = match.id
                environment = environments.get(match.environment)
                links.append(
                    {
                        "match": match,
                        "environment": environment.label if environment else match.environment,
                        "url": f"{reverse('audit:list')}?{chosen.urlencode()}",
                    }
                )
            offered.append({"field": field, "typed": query.get(field, ""), "links": links})
        return offered

    def events(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if not self.is_valid() or self.ambiguous:
            return events.none()
        data = self.cleaned_data
        if data["application"]:
            identifier = data["application"].strip()
            events = events.filter(
                Q(application_id__in=_application_ids(identifier)) | Q(client_id=identifier)
            )
        if data["organization"]:
            events = events.filter(_for_organization(data["organization"].strip()))
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


def _is_id(field: str, text: str) -> bool:
    """Whether `text` is an ID rather than a name: by its prefix, or because events kept it
    as one (the API's IDs are opaque)."""
    if " " in text:
        return False
    if field == "organization":
        return text.startswith("org_") or AuditEvent.objects.filter(organization_id=text).exists()
    return text.startswith(("conn_app_", "client_")) or (
        AuditEvent.objects.filter(Q(application_id=text) | Q(client_id=text)).exists()
    )


def _matches(found: list[Match]) -> list[Match]:
    """One match per ID, the first named (the index's current name before a recorded one)."""
    unique: dict[str, Match] = {}
    for match in found:
        unique.setdefault(match.id, match)
    return list(unique.values())


def _applications(name: str, where: list[str]) -> list[Match]:
    """The applications of that name in these environments: as indexed now, and as events
    recorded them (deleted or renamed since)."""
    indexed = [
        Match(row.application_id, row.name, row.environment)
        for row in selectors.applications_named_in(where, name)
    ]
    return _matches(indexed + _recorded("application", name, where))


def _organizations(name: str, where: list[str]) -> list[Match]:
    """The organizations of that name in these environments, indexed or recorded."""
    indexed = [
        Match(row.organization_id, row.name, row.environment)
        for row in selectors.organizations_named_in(where, name)
    ]
    return _matches(indexed + _recorded("organization", name, where))


def _recorded(kind: str, name: str, where: list[str]) -> list[Match]:
    """The applications or organizations (`kind`) that events recorded under that name."""
    rows = (
        AuditEvent.objects.filter(environment__in=where, **{f"{kind}_name__iexact": name})
        .exclude(**{f"{kind}_id": ""})
        .values_list(f"{kind}_id", f"{kind}_name", "environment")
        .distinct()
    )
    return [Match(*row) for row in rows[: selectors.NAMED_LIMIT]]


def _for_organization(organization_id: str) -> Q:
    """What was done for a customer: to the organization itself, and to its applications,
    those the index knows of and those deleted (their deletion kept the organization)."""
    deleted = AuditEvent.objects.filter(
        action=AuditEvent.Action.DELETE, snapshot__organization_id=organization_id
    ).values_list("application_id", flat=True)
    applications = {*selectors.applications_of([organization_id]), *deleted}
    applications.discard("")
    return Q(organization_id=organization_id) | Q(application_id__in=applications)


def _application_ids(identifier: str) -> set[str]:
    """An application ID, or the ID of the application a client ID belongs to (events
    recorded before client IDs were kept name only the application ID)."""
    if not identifier.startswith("client_"):
        return {identifier}
    try:
        return {identifier, connect.application_get(application_id=identifier).id}
    except ApiError:
        return {identifier}  # Deleted, or the API is away: the events that kept it.
