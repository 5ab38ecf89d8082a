"""What the embedded API does with clean input: the stored state and its changes.

Views validate and serialize; this module reads and writes. The demo seed uses it
too, so seeded data obeys the same rules as data created over HTTP; the `created_at`
that the create functions take backdates its records, to give the demo a history.
"""

import hashlib
import secrets as random_secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from dashboard import rules

from .errors import ApiProblem, not_found
from .ids import new_id, now
from .models import Application, ClientSecret, Organization, OrganizationDomain, Permission
from .pagination import ListQuery, Page, paginate

# The prefix of each kind of ID; a list's cursors are IDs of its kind.
ORGANIZATION_ID_PREFIX = "org_"
ORGANIZATION_DOMAIN_ID_PREFIX = "org_domain_"
PERMISSION_ID_PREFIX = "perm_"
APPLICATION_ID_PREFIX = "conn_app_"
CLIENT_ID_PREFIX = "client_"
CLIENT_SECRET_ID_PREFIX = "secret_"

# The resource types a permission may be scoped to. WorkOS environments define theirs in the
# WorkOS dashboard; the embedded API has no way to define more than these two.
RESOURCE_TYPES = ("environment", "organization")


def _plausible_id(identifier: str) -> bool:
    return 0 < len(identifier) <= rules.MAX_ID and "\x00" not in identifier


# --- Organizations ---------------------------------------------------------------------------


def organization_get(organization_id: str) -> Organization:
    if _plausible_id(organization_id):
        org = Organization.objects.prefetch_related("domains").filter(id=organization_id).first()
        if org is not None:
            return org
    raise not_found("Organization", organization_id)


def organization_get_by_external_id(external_id: str) -> Organization:
    if 0 < len(external_id) <= rules.MAX_EXTERNAL_ID and "\x00" not in external_id:
        org = (
            Organization.objects.prefetch_related("domains").filter(external_id=external_id).first()
        )
        if org is not None:
            return org
    raise ApiProblem(404, "not_found", f"Organization not found with external ID: '{external_id}'.")


def organization_list(query: ListQuery, *, search: str | None, domains: list[str]) -> Page:
    organizations = Organization.objects.prefetch_related("domains")
    if search:
        organizations = organizations.filter(name__icontains=search)
    if domains:
        organizations = organizations.filter(domains__domain__in=domains).distinct()
    return paginate(organizations, query)


@transaction.atomic
def organization_create(
    *,
    name: str,
    domains: list[tuple[str, str]],
    metadata: dict,
    external_id: str | None,
    allow_profiles_outside_organization: bool = False,
    created_at: datetime | None = None,
) -> Organization:
    org_id, created = new_id(ORGANIZATION_ID_PREFIX, at=created_at)
    _refuse_taken(external_id=external_id, domains=[domain for domain, _ in domains])
    org = Organization.objects.create(
        id=org_id,
        name=name,
        metadata=metadata,
        external_id=external_id,
        allow_profiles_outside_organization=allow_profiles_outside_organization,
        created_at=created,
        updated_at=created,
    )
    for domain, state in domains:
        domain_id, domain_created = new_id(ORGANIZATION_DOMAIN_ID_PREFIX, at=created_at)
        OrganizationDomain.objects.create(
            id=domain_id,
            organization=org,
            domain=domain,
            state=state,
            created_at=domain_created,
            updated_at=domain_created,
        )
    return organization_get(org.id)


def _refuse_taken(
    *,
    external_id: str | None = None,
    stripe_customer_id: str | None = None,
    domains: Sequence[str] = (),
    organization: Organization | None = None,
) -> None:
    """Refuse values that belong to another organization than `organization`."""
    others = Organization.objects.all()
    if organization is not None:
        others = others.exclude(id=organization.id)
    if external_id is not None and others.filter(external_id=external_id).exists():
        raise ApiProblem(
            400, "external_id_already_used", f"External ID '{external_id}' is already in use."
        )
    if stripe_customer_id is not None and (
        others.filter(stripe_customer_id=stripe_customer_id).exists()
    ):
        raise ApiProblem(
            400,
            "stripe_customer_id_already_used",
            f"Stripe customer ID '{stripe_customer_id}' is already in use.",
        )
    taken = OrganizationDomain.objects.filter(domain__in=domains, organization__in=others)
    owners = dict(taken.order_by("domain").values_list("domain", "organization_id"))
    if owners:
        listed = ", ".join(f"'{domain}' ({owner})" for domain, owner in owners.items())
        raise ApiProblem(
            409,
            "domain_already_exists",
            f"{'A domain belongs' if len(owners) == 1 else 'Domains belong'} to another "
            f"organization already: {listed}.",
        )


def _domains_replace(org: Organization, domains: list[tuple[str, str | None]]) -> bool:
    """Make `domains` the organization's domains: kept ones keep their ID, and their state
    unless one is given (None leaves it, or makes a new domain pending). Whether anything
    changed."""
    current = {domain.domain: domain for domain in org.domains.all()}
    wanted = dict(domains)
    changed = False
    for name, domain in current.items():
        if name not in wanted:
            domain.delete()
            changed = True
        elif wanted[name] not in (None, domain.state):
            domain.state, domain.updated_at = wanted[name], now()
            domain.save(update_fields=["state", "updated_at"])
            changed = True
    for name, state in wanted.items():
        if name not in current:
            domain_id, created = new_id(ORGANIZATION_DOMAIN_ID_PREFIX)
            OrganizationDomain.objects.create(
                id=domain_id,
                organization=org,
                domain=name,
                state=state or "pending",
                created_at=created,
                updated_at=created,
            )
            changed = True
    return changed


@transaction.atomic
def organization_update(org: Organization, changes: dict) -> Organization:
    """`org` with `changes` saved: its fields, and `domains` ([(domain, state or None)]),
    which replace its domains. Values another organization has are refused."""
    fields = {name: value for name, value in changes.items() if name != "domains"}
    _refuse_taken(
        external_id=fields.get("external_id"),
        stripe_customer_id=fields.get("stripe_customer_id"),
        domains=[domain for domain, _ in changes.get("domains", ())],
        organization=org,
    )
    fields = {name: value for name, value in fields.items() if getattr(org, name) != value}
    domains_changed = "domains" in changes and _domains_replace(org, changes["domains"])
    if fields or domains_changed:
        for name, value in fields.items():
            setattr(org, name, value)
        org.updated_at = now()
        org.save(update_fields=[*fields, "updated_at"])
    return organization_get(org.id)


@transaction.atomic
def organization_delete(org: Organization) -> None:
    """Delete `org` with its domains, unless Connect applications belong to it."""
    # Locked: no application can join the organization between the check and the deletion.
    list(Organization.objects.select_for_update().filter(id=org.id))
    applications = list(org.applications.order_by("id").values_list("id", flat=True)[:3])
    if applications:
        count = org.applications.count()
        named = ", ".join(applications) + (", …" if count > len(applications) else "")
        raise ApiProblem(
            403,
            "organization_has_applications",
            f"Organization {org.id} cannot be deleted: {count} Connect "
            f"application{'s belong' if count > 1 else ' belongs'} to it ({named}). "
            f"Delete {'them' if count > 1 else 'it'} first.",
        )
    org.delete()


# --- Permissions -----------------------------------------------------------------------------


def permission_get(slug: str) -> Permission:
    if 0 < len(slug) <= rules.MAX_PERMISSION_SLUG and "\x00" not in slug:
        perm = Permission.objects.filter(slug=slug).first()
        if perm is not None:
            return perm
    raise not_found("Permission", slug)


def permission_list(query: ListQuery) -> Page:
    return paginate(Permission.objects.all(), query)


def permission_create(
    *,
    slug: str,
    name: str,
    description: str | None,
    resource_type_slug: str,
    created_at: datetime | None = None,
) -> Permission:
    perm_id, created = new_id(PERMISSION_ID_PREFIX, at=created_at)
    try:
        with transaction.atomic():
            return Permission.objects.create(
                id=perm_id,
                slug=slug,
                name=name,
                description=description,
                resource_type_slug=resource_type_slug,
                created_at=created,
                updated_at=created,
            )
    except IntegrityError:
        raise ApiProblem(
            409, "permission_slug_conflict", f"A permission with slug '{slug}' already exists."
        ) from None


def permission_update(perm: Permission, changes: dict) -> Permission:
    changes = {name: value for name, value in changes.items() if getattr(perm, name) != value}
    if changes:
        for name, value in changes.items():
            setattr(perm, name, value)
        perm.updated_at = now()
        perm.save(update_fields=[*changes, "updated_at"])
    return perm


def permission_delete(perm: Permission) -> None:
    if perm.system:
        raise ApiProblem(
            403,
            "system_permission",
            f"Permission '{perm.slug}' is a system permission: it cannot be deleted.",
        )
    perm.delete()


# --- Applications ----------------------------------------------------------------------------


def application_get(identifier: str) -> Application:
    """By application ID or client ID, as every application path allows."""
    if _plausible_id(identifier):
        # Unordered in SQL: ordered by ID, SQLite walks the environment's (environment, id)
        # index row by row instead of looking both unique keys up. The lower ID wins, as
        # it would ordered.
        matches = Application.objects.filter(Q(id=identifier) | Q(client_id=identifier))
        app = min(matches.order_by(), key=lambda match: match.id, default=None)
        if app is not None:
            return app
    raise not_found("Connect Application", identifier)


def application_list(
    query: ListQuery, *, organization_id: str | None, registration_types: set[str]
) -> Page:
    applications = Application.objects.all()
    if registration_types == {"authenticated"}:
        applications = applications.filter(was_dynamically_registered=False)
    elif registration_types == {"dynamic"}:
        applications = applications.filter(was_dynamically_registered=True)
    if organization_id:
        applications = applications.filter(organization_id=organization_id)
    return paginate(applications, query)


def _organization_for_application(organization_id: str | None) -> Organization | None:
    if organization_id is None:
        return None
    if _plausible_id(organization_id):
        org = Organization.objects.filter(id=organization_id).first()
        if org is not None:
            return org
    raise not_found("Organization", organization_id)


@transaction.atomic
def application_create(
    *,
    application_type: str,
    name: str,
    description: str | None = None,
    scopes: list[str] = (),
    organization_id: str | None = None,
    is_first_party: bool | None = None,
    uses_pkce: bool | None = None,
    redirect_uris: list[dict] = (),
    cors_origins: list[str] = (),
    was_dynamically_registered: bool = False,
    created_at: datetime | None = None,
    **more_fields: Any,
) -> Application:
    """`more_fields`: the values of the table's fields that have no column of their own."""
    organization = _organization_for_application(organization_id)
    app_id, created = new_id(APPLICATION_ID_PREFIX, at=created_at)
    client_id, _ = new_id(CLIENT_ID_PREFIX, at=created_at)
    oauth = application_type == Application.OAUTH
    return Application.objects.create(
        id=app_id,
        client_id=client_id,
        name=name,
        description=description,
        application_type=application_type,
        is_first_party=is_first_party if oauth else None,
        was_dynamically_registered=was_dynamically_registered,
        organization=organization,
        uses_pkce=bool(uses_pkce) if oauth else None,
        scopes=list(scopes),
        redirect_uris=list(redirect_uris) if oauth else [],
        cors_origins=list(cors_origins) if oauth else [],
        more_fields=more_fields,
        created_at=created,
        updated_at=created,
    )


def application_update(app: Application, changes: dict) -> Application:
    if changes:
        columns = [name for name in changes if Application.has_column(name)]
        for name, value in changes.items():
            if name in columns:
                setattr(app, name, value)
            else:
                app.more_fields = {**app.more_fields, name: value}
        app.updated_at = now()
        more = ["more_fields"] if len(columns) < len(changes) else []
        app.save(update_fields=[*columns, *more, "updated_at"])
    return app


def application_delete(app: Application) -> None:
    app.delete()


# --- Client secrets --------------------------------------------------------------------------


def hash_secret(plaintext: str) -> str:
    # The plaintext is 256 random bits, so a fast hash is enough: there is nothing to guess.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def client_secret_list(app: Application) -> list[ClientSecret]:
    return list(app.client_secrets.order_by("id"))


def client_secret_create(
    app: Application, *, created_at: datetime | None = None
) -> tuple[ClientSecret, str]:
    """A new secret and its plaintext, which exists only in this return value."""
    plaintext = random_secrets.token_urlsafe(32)
    secret_id, created = new_id(CLIENT_SECRET_ID_PREFIX, at=created_at)
    secret = ClientSecret.objects.create(
        id=secret_id,
        application=app,
        secret_hash=hash_secret(plaintext),
        secret_hint=plaintext[-4:],
        created_at=created,
        updated_at=created,
    )
    if not app.had_client_secret:
        Application.objects.filter(id=app.id).update(had_client_secret=True)
        app.had_client_secret = True
    return secret, plaintext


def client_secret_revoke(secret_id: str) -> None:
    deleted = 0
    if _plausible_id(secret_id):
        deleted, _ = ClientSecret.objects.filter(id=secret_id).delete()
    if not deleted:
        raise not_found("Client secret", secret_id)
