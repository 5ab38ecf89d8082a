"""Requests about permissions: create and list."""

from typing import Any

from django.http import QueryDict

from dashboard import rules

from .. import store
from ..errors import FieldError, validation_failed
from .fields import Fields, list_query

_CREATE_FIELDS = {"slug", "name", "description", "resource_type_slug"}


def permission_create(data: dict[str, Any]) -> dict[str, Any]:
    fields = Fields(data)
    fields.reject_unknown(_CREATE_FIELDS)
    fields.reject_null("resource_type_slug")
    clean = {
        "slug": fields.text("slug", required=True, max_length=rules.MAX_PERMISSION_SLUG),
        "name": fields.text("name", required=True, max_length=rules.MAX_PERMISSION_NAME),
        "description": fields.text(
            "description", max_length=rules.MAX_PERMISSION_DESCRIPTION, multiline=True
        ),
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
    return clean


def permission_list(query: QueryDict) -> dict[str, Any]:
    """The arguments of `store.permission_list`, from a query string."""
    errors: list[FieldError] = []
    clean = {"query": list_query(query, errors, id_prefix=store.PERMISSION_ID_PREFIX)}
    if errors:
        # The contract gives this list no 422: its one documented refusal is a 404.
        raise validation_failed(errors, status=404)
    return clean
