"""The dashboard's own actions on organizations and on users' consents: check what the API
does not, call the service layer, record the audit event (before the call, completed after),
and keep the organization names and the search index in step.

WorkOS lets several organizations share a name, but the dashboard finds organizations by
name (the organization box, configuration files, promotion), so a name is refused when
another organization has it, in any case.
"""

from contextlib import suppress

from dashboard import connect
from dashboard.audit.record import Action, Actor, recorded
from dashboard.connect import errors
from dashboard.connect.models import (
    Organization,
    OrganizationCreate,
    OrganizationDomainInput,
    OrganizationUpdate,
)
from dashboard.kernel import lookups
from dashboard.search import index

from .selectors import Consent, applications_of


class OrganizationNameTaken(Exception):
    """Another organization already has this name."""

    def __init__(self, existing: Organization):
        super().__init__(
            f"An organization is already named “{existing.name}” ({existing.id}): organizations "
            "are chosen by name here, so each needs its own."
        )
        self.existing = existing


class OrganizationInUse(Exception):
    """Applications still belong to the organization: it is not deleted."""

    def __init__(self, organization: Organization, applications: list, more: bool):
        if more:
            count = f"{len(applications)} or more applications still belong"
        elif len(applications) == 1:
            count = "1 application still belongs"
        else:
            count = f"{len(applications)} applications still belong"
        them = "it" if len(applications) == 1 and not more else "them"
        super().__init__(
            f"{count} to “{organization.name}”. Delete {them} first: an organization is deleted "
            "here only when no application belongs to it."
        )
        self.applications = applications
        self.more = more


def organization_named(name: str, *, other_than: str | None = None) -> Organization | None:
    """The organization with this exact name (in any case), other than `other_than`."""
    found = connect.organization_list(search=name, limit=100).data
    wanted = name.strip().casefold()
    return next(
        (org for org in found if org.name.strip().casefold() == wanted and org.id != other_than),
        None,
    )


def _changed(org: Organization) -> None:
    lookups.forget_organizations()
    index.record_organization(org)


def organization_create(
    *, actor: Actor, name: str, domains: list[str], idempotency_key: str | None = None
) -> Organization:
    """Create an organization with a name no other organization has, and its domains (to be
    verified). `idempotency_key` makes a repeated create (a double submit) answer the first."""
    existing = organization_named(name)
    if existing:
        raise OrganizationNameTaken(existing)
    request = OrganizationCreate(
        name=name,
        domain_data=[OrganizationDomainInput(domain=domain) for domain in domains] or None,
    )
    detail = f"Domains: {', '.join(domains)}" if domains else ""
    with recorded(
        actor, Action.ORGANIZATION_CREATED, organization_name=name, detail=detail
    ) as event:
        org = connect.organization_create(organization=request, idempotency_key=idempotency_key)
        event["organization_id"] = org.id
    _changed(org)
    return org


def organization_rename(*, actor: Actor, org: Organization, name: str) -> Organization:
    if name == org.name:
        return org
    existing = organization_named(name, other_than=org.id)
    if existing:
        raise OrganizationNameTaken(existing)
    with recorded(
        actor,
        Action.ORGANIZATION_RENAMED,
        organization_id=org.id,
        organization_name=org.name,
        changes={"name": {"before": org.name, "after": name}},
    ) as event:
        renamed = connect.organization_update(
            organization_id=org.id, changes=OrganizationUpdate(name=name)
        )
        event["organization_name"] = renamed.name
    _changed(renamed)
    return renamed


def organization_delete(*, actor: Actor, org: Organization) -> None:
    """Delete an organization that no application belongs to; one already gone counts as
    deleted. The check is the dashboard's: WorkOS would delete the organization anyway."""
    applications, more = applications_of(org.id, limit=100)
    if applications or more:
        raise OrganizationInUse(org, applications, more)
    event = {"organization_id": org.id, "organization_name": org.name}
    # Already gone is the outcome asked for.
    with recorded(actor, Action.ORGANIZATION_DELETED, **event), suppress(errors.NotFoundError):
        connect.organization_delete(organization_id=org.id)
    lookups.forget_organizations()
    index.forget_organization(org.id)


def consent_revoke(*, actor: Actor, app, consent: Consent) -> None:
    """Revoke a user's consent to `app`: the application's next token request for that user
    needs the user's consent again."""
    scopes = " ".join(consent.granted_scopes) or "none"
    with recorded(
        actor,
        Action.CONSENT_REVOKED,
        app=app,
        organization_id=consent.organization_id or "",
        organization_name=consent.organization_name,
        detail=f"User {consent.user_label} ({consent.user_id}), scopes: {scopes}",
    ):
        connect.user_authorized_application_delete(user_id=consent.user_id, application_id=app.id)
