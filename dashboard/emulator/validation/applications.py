"""Requests about Connect applications: create, update and list."""

from typing import Any

from django.http import QueryDict

from dashboard import rules
from dashboard.emulator import partition
from dashboard.uris import UriRejected, validate_cors_origin, validate_redirect_uri

from .. import store
from ..errors import FieldError, validation_failed
from ..models import Application
from .fields import Fields, list_query, query_text

REGISTRATION_TYPES = ("authenticated", "dynamic")

_COMMON_CREATE_FIELDS = {"name", "description", "application_type", "scopes"}
_OAUTH_ONLY_FIELDS = {"is_first_party", "redirect_uris", "uses_pkce", "cors_origins"}
_IMMUTABLE_FIELDS = ("application_type", "is_first_party", "organization_id", "uses_pkce")
_BOOLEAN_FIELDS = {"is_first_party", "uses_pkce"}


def _scope_problem(value: str) -> tuple[str, str] | None:
    try:
        rules.validate_scope(value)
    except rules.RuleBroken as broken:
        return broken.code, broken.message
    return None


def _origin_problem(value: str) -> tuple[str, str] | None:
    try:
        validate_cors_origin(value, production=partition.production())
    except UriRejected as rejected:
        return rejected.code, rejected.message
    return None


def _scopes(fields: Fields) -> list[str] | None:
    return fields.unique_strings("scopes", what="scopes", check=_scope_problem)


def _cors_origins(fields: Fields) -> list[str] | None:
    return fields.unique_strings("cors_origins", what="CORS origins", check=_origin_problem)


def _redirect_uri_problem(fields: Fields, field: str, uri: str, *, is_default: bool) -> bool:
    try:
        validate_redirect_uri(uri, is_default=is_default, production=partition.production())
    except UriRejected as rejected:
        fields.error(field, rejected.code, rejected.message)
        return True
    return False


def _redirect_uris(fields: Fields) -> list[dict] | None:
    entries = fields.list_of("redirect_uris", what="redirect URIs")
    if entries is None:
        return None
    errors_before = len(fields.errors)
    cleaned: list[dict] = []
    for index, entry in enumerate(entries):
        field = f"redirect_uris[{index}]"
        if not isinstance(entry, dict):
            fields.error(field, "invalid_type", "Must be an object with “uri” and “default”.")
            continue
        for key in entry:
            if key not in {"uri", "default"}:
                fields.error(f"{field}.{key}", "unknown_field", f"“{key}” is not a field here.")
        uri, default = entry.get("uri"), entry.get("default")
        if default is not None and not isinstance(default, bool):
            fields.error(f"{field}.default", "invalid_type", "Must be true, false or null.")
        if uri is None:
            fields.error(f"{field}.uri", "required", "A redirect URI is required.")
        elif not isinstance(uri, str):
            fields.error(f"{field}.uri", "invalid_type", "Must be a string.")
        elif uri in (known["uri"] for known in cleaned):
            fields.error(f"{field}.uri", "duplicate", f"“{uri}” is listed twice.")
        elif not _redirect_uri_problem(fields, f"{field}.uri", uri, is_default=default is True):
            cleaned.append({"uri": uri, "default": default is True})
    if sum(entry["default"] for entry in cleaned) > 1:
        fields.error(
            "redirect_uris", "multiple_defaults", "At most one redirect URI may be the default."
        )
    if len(fields.errors) > errors_before:
        return None
    if cleaned and not any(entry["default"] for entry in cleaned):
        # None marked: the first becomes the default, so it must qualify as one.
        cleaned[0]["default"] = True
        _redirect_uri_problem(fields, "redirect_uris[0].uri", cleaned[0]["uri"], is_default=True)
    return cleaned


def _description(fields: Fields) -> str | None:
    return fields.text("description", max_length=rules.MAX_DESCRIPTION, multiline=True)


def application_create(data: dict[str, Any]) -> dict[str, Any]:
    fields = Fields(data)
    application_type = data.get("application_type")
    if application_type not in (Application.OAUTH, Application.M2M):
        fields.error(
            "application_type",
            "required" if application_type is None else "invalid_value",
            "Must be “oauth” or “m2m”.",
        )
        fields.raise_if_invalid()
    clean: dict[str, Any] = {
        "application_type": application_type,
        "name": fields.text("name", required=True),
        "description": _description(fields),
        "scopes": _scopes(fields) or [],
        "organization_id": fields.text(
            "organization_id", max_length=rules.MAX_ID, what="An organization ID"
        ),
    }
    if application_type == Application.OAUTH:
        fields.reject_unknown(_COMMON_CREATE_FIELDS | _OAUTH_ONLY_FIELDS | {"organization_id"})
        is_first_party = fields.boolean("is_first_party", required=True)
        if is_first_party is False and not fields.given("organization_id"):
            fields.error(
                "organization_id",
                "required",
                "A third-party application belongs to an organization.",
            )
        if is_first_party and fields.given("organization_id"):
            fields.error(
                "organization_id",
                "not_allowed",
                "A first-party application belongs to the environment, not to an organization.",
            )
        clean |= {
            "is_first_party": is_first_party,
            "uses_pkce": bool(fields.boolean("uses_pkce")),
            "redirect_uris": _redirect_uris(fields) or [],
            "cors_origins": _cors_origins(fields) or [],
        }
    else:
        fields.reject_unknown(_COMMON_CREATE_FIELDS | {"organization_id", "is_first_party"})
        for name in sorted(_OAUTH_ONLY_FIELDS - {"is_first_party"}):
            if fields.given(name):
                fields.error(
                    name, "not_allowed", f"Machine-to-machine applications have no “{name}”."
                )
        if fields.boolean("is_first_party"):
            fields.error(
                "is_first_party",
                "not_allowed",
                "Machine-to-machine applications are always third-party.",
            )
        if not fields.given("organization_id"):
            fields.error(
                "organization_id",
                "required",
                "A machine-to-machine application belongs to an organization.",
            )
    fields.raise_if_invalid()
    if clean["description"] == "":
        clean["description"] = None
    return clean


def _current_value(application: Application, name: str) -> Any:
    if name == "is_first_party" and application.application_type == Application.M2M:
        return False
    return getattr(application, name)


def application_update(data: dict[str, Any], application: Application) -> dict[str, Any]:
    """The changes a PUT asks for. Fields left out (or null) stay as they are."""
    fields = Fields(data)
    oauth = application.application_type == Application.OAUTH
    fields.reject_unknown(
        {"name", "description", "scopes", "redirect_uris", "cors_origins", *_IMMUTABLE_FIELDS}
    )
    fields.reject_null("name")
    for name in _IMMUTABLE_FIELDS:
        if not fields.given(name):
            continue
        # Typed before compared: 1 == True in Python, but 1 is no boolean in JSON.
        value = fields.boolean(name) if name in _BOOLEAN_FIELDS else fields.text(name)
        if value is not None and value != _current_value(application, name):
            fields.error(name, "immutable", f"“{name}” cannot be changed after creation.")
    if not oauth:
        for name in ("redirect_uris", "cors_origins"):
            if fields.given(name):
                fields.error(
                    name, "not_allowed", f"Machine-to-machine applications have no “{name}”."
                )
    changes: dict[str, Any] = {}
    if fields.given("name"):
        changes["name"] = fields.text("name", required=True)
    if fields.given("description"):
        changes["description"] = _description(fields) or None
    if fields.given("scopes"):
        changes["scopes"] = _scopes(fields)
    if oauth and fields.given("redirect_uris"):
        changes["redirect_uris"] = _redirect_uris(fields)
    if oauth and fields.given("cors_origins"):
        changes["cors_origins"] = _cors_origins(fields)
    fields.raise_if_invalid()
    return changes


def _registration_types(query: QueryDict, errors: list[FieldError]) -> set[str]:
    raw = query.get("registration_types")
    if not raw:
        return {"authenticated"}
    values = {value.strip() for value in raw.split(",") if value.strip()}
    unknown = values - set(REGISTRATION_TYPES)
    if unknown or not values:
        errors.append(
            FieldError(
                "registration_types",
                "invalid_value",
                "“registration_types” is a comma-separated list of “authenticated” and “dynamic”.",
            )
        )
        return {"authenticated"}
    return values


def application_list(query: QueryDict) -> dict[str, Any]:
    """The arguments of `store.application_list`, from a query string."""
    errors: list[FieldError] = []
    clean = {
        "query": list_query(query, errors, id_prefix=store.APPLICATION_ID_PREFIX),
        "organization_id": query_text(query, "organization_id", errors, max_length=rules.MAX_ID),
        "registration_types": _registration_types(query, errors),
    }
    if errors:
        raise validation_failed(errors)
    return clean
