"""Requests about Connect applications: create, update and list."""

from typing import Any

from django.http import QueryDict

from dashboard import api_fields, rules
from dashboard.emulator import partition
from dashboard.uris import UriRejected, validate_cors_origin, validate_redirect_uri

from .. import store
from ..errors import FieldError, validation_failed
from ..models import Application
from .fields import Fields, list_query, query_text

REGISTRATION_TYPES = ("authenticated", "dynamic")

# What a request says of an application besides the table's fields (`dashboard.api_fields`).
_CHOSEN_AT_CREATION = ("application_type", "is_first_party")


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


def _organization_id(fields: Fields, name: str) -> str | None:
    return fields.text(name, max_length=rules.MAX_ID, what="An organization ID")


# The value of a table field from a request, by its kind of value; None when not given.
_READERS = {
    "name": lambda fields, name: fields.text(name, required=True),
    "multiline": lambda fields, name: (
        fields.text(name, max_length=rules.MAX_DESCRIPTION, multiline=True) or None
    ),
    "text": lambda fields, name: fields.text(name) or None,
    "organization": _organization_id,
    "pkce": lambda fields, name: fields.boolean(name),
    "redirect_uris": lambda fields, name: _redirect_uris(fields),
    "origins": lambda fields, name: _cors_origins(fields),
    "scopes": lambda fields, name: _scopes(fields),
}
# What an application created without the field holds, by kind of value.
_UNSET = {"pkce": False, "redirect_uris": [], "origins": [], "scopes": []}


def _read(fields: Fields, row: api_fields.ApiField) -> Any:
    value = _READERS[row.value](fields, row.name)
    return _UNSET.get(row.value) if value is None else value


def _not_for_m2m(fields: Fields, rows: list[api_fields.ApiField]) -> None:
    for row in rows:
        if fields.given(row.name):
            fields.error(
                row.name, "not_allowed", f"Machine-to-machine applications have no “{row.name}”."
            )


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
    table = api_fields.fields_of(application_type)
    clean: dict[str, Any] = {"application_type": application_type}
    # The organization is checked below, with the party it goes with.
    clean |= {row.name: _read(fields, row) for row in table if row.name != "organization_id"}
    clean["organization_id"] = _organization_id(fields, "organization_id")
    fields.reject_unknown({*_CHOSEN_AT_CREATION, *(row.name for row in table)})
    if application_type == Application.OAUTH:
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
        clean["is_first_party"] = is_first_party
    else:
        _not_for_m2m(fields, sorted(api_fields.only_of(Application.OAUTH), key=lambda r: r.name))
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
    return clean


def _current_value(application: Application, name: str) -> Any:
    if name == "is_first_party" and application.application_type == Application.M2M:
        return False
    return application.field_value(name)


def application_update(data: dict[str, Any], application: Application) -> dict[str, Any]:
    """The changes a PUT asks for. Fields left out (or null) stay as they are."""
    fields = Fields(data)
    fixed = (*_CHOSEN_AT_CREATION, *(row.name for row in api_fields.FIELDS if not row.editable))
    editable = api_fields.fields_of(application.application_type, editable_only=True)
    fields.reject_unknown({*fixed, *(row.name for row in api_fields.FIELDS if row.editable)})
    fields.reject_null(*(row.name for row in editable if row.value == "name"))
    booleans = {"is_first_party", *(row.name for row in api_fields.FIELDS if row.value == "pkce")}
    for name in fixed:
        if not fields.given(name):
            continue
        # Typed before compared: 1 == True in Python, but 1 is no boolean in JSON.
        value = fields.boolean(name) if name in booleans else fields.text(name)
        if value is not None and value != _current_value(application, name):
            fields.error(name, "immutable", f"“{name}” cannot be changed after creation.")
    if application.application_type == Application.M2M:
        _not_for_m2m(fields, [row for row in api_fields.only_of(Application.OAUTH) if row.editable])
    changes = {row.name: _READERS[row.value](fields, row.name)
               for row in editable if fields.given(row.name)}  # fmt: skip
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
