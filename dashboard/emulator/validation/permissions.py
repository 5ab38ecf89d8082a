"""Requests about permissions: create, update and list."""

from typing import Any

from django.http import QueryDict

from dashboard import rules

from .. import store
from ..errors import FieldError, not_found, validation_failed
from .fields import Fields, list_query

_CREATE_FIELDS = {"slug", "name", "description", "resource_type_slug"}
_UPDATE_FIELDS = {"name", "description"}


def _name(fields: Fields) -> str | None:
    return fields.text("name", required=True, max_length=rules.MAX_PERMISSION_NAME)


def _description(fields: Fields) -> str | None:
    return fields.text("description", max_length=rules.MAX_PERMISSION_DESCRIPTION, multiline=True)


def permission_create(data: dict[str, Any]) -> dict[str, Any]:
    fields = Fields(data)
    fields.reject_unknown(_CREATE_FIELDS)
    fields.reject_null("resource_type_slug")
    clean = {
        "slug": fields.text("slug", required=True, max_length=rules.MAX_PERMISSION_SLUG),
        "name": _name(fields),
        "description": _description(fields),
        "resource_type_slug": fields.text(
            "resource_type_slug", max_length=rules.MAX_RESOURCE_TYPE_SLUG
        )
        or "environment",
    }
    if clean["slug"]:
        try:
            rules.validate_permission_slug(clean["slug"])
        except rules.RuleBroken as broken:
            fields.error("slug", broken.code, broken.message)
    fields.raise_if_invalid()
    if clean["resource_type_slug"] not in store.RESOURCE_TYPES:
        raise not_found("Resource type", clean["resource_type_slug"])
    return clean


def permission_update(data: dict[str, Any]) -> dict[str, Any]:
    """The changes a PATCH asks for: only the fields it gives. `description: null` removes
    the description, as the official SDKs send null exactly to clear it."""
    fields = Fields(data)
    fields.reject_unknown(_UPDATE_FIELDS)
    fields.reject_null("name")
    changes: dict[str, Any] = {}
    if fields.given("name"):
        changes["name"] = _name(fields)
    if "description" in data:
        changes["description"] = _description(fields)
    fields.raise_if_invalid()
    return changes


def permission_list(query: QueryDict) -> dict[str, Any]:
    """The arguments of `store.permission_list`, from a query string."""
    errors: list[FieldError] = []
    clean = {"query": list_query(query, errors, id_prefix=store.PERMISSION_ID_PREFIX)}
    if errors:
        # The contract gives this list no 422: its one documented refusal is a 404.
        raise validation_failed(errors, status=404)
    return clean
