"""What the embedded API does with clean input: the stored state and its changes.

Views validate and serialize; this module reads and writes. The demo seed uses it
too, so seeded data obeys the same rules as data created over HTTP; the `created_at`
that the create functions take backdates its records, to give the demo a history.
"""

import hashlib
import secrets as random_secrets
from datetime import datetime

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


def _plausible_id(identifier: str) -> bool:
    return 0 < len(identifier) <= rules.MAX_ID and "\x00" not in identifier


# --- Organizations ---------------------------------------------------------------------------


def organization_get(organization_id: str) -> Organization:
    if _plausible_id(organization_id):
        org = Organization.objects.prefetch_related("domains").filter(id=organization_id).first()
        if org is not None:
            return org
    raise not_found("Organization", organization_id)


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
    if external_id is not None and Organization.objects.filter(external_id=external_id).exists():
        raise ApiProblem(
            400, "external_id_already_used", f"External ID '{external_id}' is already in use."
        )
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


# --- Permissions -----------------------------------------------------------------------------


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


# --- Applications ----------------------------------------------------------------------------


def application_get(identifier: str) -> Application:
    """By application ID or client ID, as every application path allows."""
    if _plausible_id(identifier):
        app = Application.objects.filter(Q(id=identifier) | Q(client_id=identifier)).first()
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
) -> Application:
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
        created_at=created,
        updated_at=created,
    )


def application_update(app: Application, changes: dict) -> Application:
    if changes:
        for name, value in changes.items():
            setattr(app, name, value)
        app.updated_at = now()
        app.save(update_fields=[*changes, "updated_at"])
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
    return secret, plaintext


def client_secret_revoke(secret_id: str) -> None:
    deleted = 0
    if _plausible_id(secret_id):
        deleted, _ = ClientSecret.objects.filter(id=secret_id).delete()
    if not deleted:
        raise not_found("Client secret", secret_id)
