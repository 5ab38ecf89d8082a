"""Stored objects to the JSON the contract describes."""

from typing import Any

from dashboard import api_fields

from .ids import timestamp
from .models import Application, ClientSecret, Organization, Permission
from .pagination import Page


def _field(app: Application, row: api_fields.ApiField) -> Any:
    """A field of the table as the contract writes it, by its kind of value."""
    value = app.field_value(row.name)
    if row.value == "pkce":
        return bool(value)
    if row.value == "redirect_uris":
        return [{"uri": entry["uri"], "default": bool(entry["default"])} for entry in value]
    if row.value in ("origins", "scopes"):
        return list(value)
    return value


def application(app: Application) -> dict:
    """Every field of the table the application's type has, around what the API sets.

    A first-party OAuth application has no organization and no `was_dynamically_registered`;
    a dynamically registered one may have no organization: the contract leaves them out."""
    body = {
        "object": "connect_application",
        "id": app.id,
        "client_id": app.client_id,
        "application_type": app.application_type,
        "created_at": timestamp(app.created_at),
        "updated_at": timestamp(app.updated_at),
    }
    if app.application_type == Application.OAUTH:
        body["is_first_party"] = bool(app.is_first_party)
        if not app.is_first_party:
            body["was_dynamically_registered"] = app.was_dynamically_registered
    for row in api_fields.fields_of(app.application_type):
        if row.name == "organization_id" and app.organization_id is None:
            continue
        body[row.name] = _field(app, row)
    return body


def client_secret(secret: ClientSecret) -> dict:
    return {
        "object": "connect_application_secret",
        "id": secret.id,
        "secret_hint": secret.secret_hint,
        "last_used_at": timestamp(secret.last_used_at) if secret.last_used_at else None,
        "created_at": timestamp(secret.created_at),
        "updated_at": timestamp(secret.updated_at),
    }


def organization(org: Organization) -> dict:
    body = {
        "object": "organization",
        "id": org.id,
        "name": org.name,
        "domains": [
            {
                "object": "organization_domain",
                "id": domain.id,
                "organization_id": org.id,
                "domain": domain.domain,
                "state": domain.state,
                "verification_strategy": domain.verification_strategy,
                "created_at": timestamp(domain.created_at),
                "updated_at": timestamp(domain.updated_at),
            }
            for domain in org.domains.all()
        ],
        "metadata": dict(org.metadata),
        "external_id": org.external_id,
        "allow_profiles_outside_organization": org.allow_profiles_outside_organization,
        "created_at": timestamp(org.created_at),
        "updated_at": timestamp(org.updated_at),
    }
    if org.stripe_customer_id is not None:
        body["stripe_customer_id"] = org.stripe_customer_id
    return body


def permission(perm: Permission) -> dict:
    return {
        "object": "permission",
        "id": perm.id,
        "slug": perm.slug,
        "name": perm.name,
        "description": perm.description,
        "system": perm.system,
        "resource_type_slug": perm.resource_type_slug,
        "created_at": timestamp(perm.created_at),
        "updated_at": timestamp(perm.updated_at),
    }


def page(page: Page, serialize) -> dict:
    return {
        "object": "list",
        "data": [serialize(item) for item in page.items],
        "list_metadata": {"before": page.before, "after": page.after},
    }
