"""Request validation of the embedded API: JSON bodies and query strings in, clean values out.

Every rule of the contract and of the API notes lives here. A request with any
problem is refused whole with one 422 listing every field at fault, so a refused
request never changes anything.
"""

import re
from dataclasses import dataclass
from typing import Any

from dashboard.uris import UriRejected, validate_cors_origin, validate_redirect_uri

from .errors import ApiProblem, FieldError, validation_failed
from .models import Application

MAX_NAME = 255
MAX_DESCRIPTION = 2000
MAX_LIST_ITEMS = 100
SCOPE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-:.*]{0,127}$")
PERMISSION_SLUG_PATTERN = re.compile(r"^[a-z0-9*][a-z0-9_\-:.*]{0,47}$")
DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
REGISTRATION_TYPES = ("authenticated", "dynamic")
ORDERS = ("desc", "asc", "normal")


def _has_control_characters(value: str, *, multiline: bool = False) -> bool:
    allowed = {"\n", "\r", "\t"} if multiline else set()
    return any(
        (ord(char) < 0x20 and char not in allowed) or 0x7F <= ord(char) < 0xA0 for char in value
    )


class Fields:
    """Reads the fields of one JSON object, collecting every problem before refusing."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.errors: list[FieldError] = []

    def error(self, field: str, code: str, message: str) -> None:
        self.errors.append(FieldError(field, code, message))

    def given(self, name: str) -> bool:
        """Present and not null: an explicit null means "not set"."""
        return self.data.get(name) is not None

    def reject_unknown(self, allowed: set[str]) -> None:
        for name in self.data:
            if name not in allowed:
                self.error(name, "unknown_field", f"`{name}` is not a field of this request.")

    def text(
        self,
        name: str,
        *,
        required: bool = False,
        max_length: int = MAX_NAME,
        multiline: bool = False,
    ) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.error(name, "required", "This field is required.")
            return None
        if not isinstance(value, str):
            self.error(name, "invalid_type", "Must be a string.")
            return None
        if required and not value.strip():
            self.error(name, "blank", "May not be blank.")
            return None
        if len(value) > max_length:
            self.error(name, "too_long", f"Must be at most {max_length} characters.")
            return None
        if _has_control_characters(value, multiline=multiline):
            self.error(name, "invalid_character", "Contains a control character.")
            return None
        return value.strip() if required else value

    def boolean(self, name: str, *, required: bool = False) -> bool | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.error(name, "required", "This field is required.")
            return None
        if not isinstance(value, bool):
            self.error(name, "invalid_type", "Must be true or false.")
            return None
        return value

    def list_of(self, name: str) -> list | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, list):
            self.error(name, "invalid_type", "Must be a list.")
            return None
        if len(value) > MAX_LIST_ITEMS:
            self.error(name, "too_many", f"At most {MAX_LIST_ITEMS} entries are allowed.")
            return None
        return value

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise validation_failed(self.errors)


def _unique_strings(fields: Fields, name: str, check) -> list[str] | None:
    values = fields.list_of(name)
    if values is None:
        return None
    cleaned: list[str] = []
    for index, value in enumerate(values):
        field = f"{name}[{index}]"
        if not isinstance(value, str):
            fields.error(field, "invalid_type", "Must be a string.")
            continue
        problem = check(value)
        if problem:
            fields.error(field, *problem)
        elif value in cleaned:
            fields.error(field, "duplicate", f"`{value}` is listed twice.")
        else:
            cleaned.append(value)
    return cleaned


def _scope_problem(value: str) -> tuple[str, str] | None:
    if not SCOPE_PATTERN.match(value):
        return (
            "invalid_scope",
            "A scope is a permission slug: lowercase letters, digits and `_ - : . *`, "
            "starting with a letter or digit.",
        )
    return None


def _origin_problem(value: str) -> tuple[str, str] | None:
    try:
        validate_cors_origin(value)
    except UriRejected as rejected:
        return rejected.code, rejected.message
    return None


def _scopes(fields: Fields) -> list[str] | None:
    return _unique_strings(fields, "scopes", _scope_problem)


def _cors_origins(fields: Fields) -> list[str] | None:
    return _unique_strings(fields, "cors_origins", _origin_problem)


def _redirect_uri_problem(fields: Fields, field: str, uri: str, *, is_default: bool) -> bool:
    try:
        validate_redirect_uri(uri, is_default=is_default)
    except UriRejected as rejected:
        fields.error(field, rejected.code, rejected.message)
        return True
    return False


def _redirect_uris(fields: Fields) -> list[dict] | None:
    entries = fields.list_of("redirect_uris")
    if entries is None:
        return None
    errors_before = len(fields.errors)
    cleaned: list[dict] = []
    for index, entry in enumerate(entries):
        field = f"redirect_uris[{index}]"
        if not isinstance(entry, dict):
            fields.error(field, "invalid_type", "Must be an object with `uri` and `default`.")
            continue
        for key in entry:
            if key not in {"uri", "default"}:
                fields.error(f"{field}.{key}", "unknown_field", f"`{key}` is not a field here.")
        uri, default = entry.get("uri"), entry.get("default")
        if default is not None and not isinstance(default, bool):
            fields.error(f"{field}.default", "invalid_type", "Must be true, false or null.")
        if uri is None:
            fields.error(f"{field}.uri", "required", "A redirect URI is required.")
        elif not isinstance(uri, str):
            fields.error(f"{field}.uri", "invalid_type", "Must be a string.")
        elif uri in (known["uri"] for known in cleaned):
            fields.error(f"{field}.uri", "duplicate", f"`{uri}` is listed twice.")
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


_COMMON_CREATE_FIELDS = {"name", "description", "application_type", "scopes"}
_OAUTH_ONLY_FIELDS = {"is_first_party", "redirect_uris", "uses_pkce", "cors_origins"}


def application_create(data: dict[str, Any]) -> dict[str, Any]:
    fields = Fields(data)
    application_type = data.get("application_type")
    if application_type not in (Application.OAUTH, Application.M2M):
        fields.error(
            "application_type",
            "required" if application_type is None else "invalid_value",
            "Must be `oauth` or `m2m`.",
        )
        fields.raise_if_invalid()
    clean: dict[str, Any] = {
        "application_type": application_type,
        "name": fields.text("name", required=True),
        "description": fields.text("description", max_length=MAX_DESCRIPTION, multiline=True),
        "scopes": _scopes(fields) or [],
        "organization_id": fields.text("organization_id", max_length=40),
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
                    name, "not_allowed", f"Machine-to-machine applications have no `{name}`."
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


_IMMUTABLE_FIELDS = ("application_type", "is_first_party", "organization_id", "uses_pkce")


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
    for name in _IMMUTABLE_FIELDS:
        if fields.given(name) and data[name] != _current_value(application, name):
            fields.error(name, "immutable", f"`{name}` cannot be changed after creation.")
    if not oauth:
        for name in ("redirect_uris", "cors_origins"):
            if fields.given(name):
                fields.error(
                    name, "not_allowed", f"Machine-to-machine applications have no `{name}`."
                )
    changes: dict[str, Any] = {}
    if fields.given("name"):
        changes["name"] = fields.text("name", required=True)
    if fields.given("description"):
        description = fields.text("description", max_length=MAX_DESCRIPTION, multiline=True)
        changes["description"] = description or None
    if fields.given("scopes"):
        changes["scopes"] = _scopes(fields)
    if oauth and fields.given("redirect_uris"):
        changes["redirect_uris"] = _redirect_uris(fields)
    if oauth and fields.given("cors_origins"):
        changes["cors_origins"] = _cors_origins(fields)
    fields.raise_if_invalid()
    return changes


def organization_create(data: dict[str, Any]) -> dict[str, Any]:
    fields = Fields(data)
    fields.reject_unknown(
        {
            "name",
            "allow_profiles_outside_organization",
            "domains",
            "domain_data",
            "metadata",
            "external_id",
        }
    )
    clean: dict[str, Any] = {
        "name": fields.text("name", required=True),
        "allow_profiles_outside_organization": bool(
            fields.boolean("allow_profiles_outside_organization")
        ),
        "external_id": fields.text("external_id", max_length=128),
    }
    if clean["external_id"] is not None and not clean["external_id"].isascii():
        fields.error("external_id", "invalid_character", "Must contain only ASCII characters.")
    domains: list[tuple[str, str]] = []

    def add_domain(field: str, domain: Any, state: str) -> None:
        if not isinstance(domain, str) or not DOMAIN_PATTERN.match(domain.lower()):
            fields.error(field, "invalid_domain", "Must be a domain name such as `example.com`.")
        elif domain.lower() in (known for known, _ in domains):
            fields.error(field, "duplicate", f"`{domain}` is listed twice.")
        else:
            domains.append((domain.lower(), state))

    for index, domain in enumerate(fields.list_of("domains") or []):
        add_domain(f"domains[{index}]", domain, "pending")
    for index, entry in enumerate(fields.list_of("domain_data") or []):
        field = f"domain_data[{index}]"
        if not isinstance(entry, dict) or set(entry) - {"domain", "state"}:
            fields.error(field, "invalid_type", "Must be an object with `domain` and `state`.")
        elif entry.get("state") not in ("pending", "verified"):
            fields.error(f"{field}.state", "invalid_value", "Must be `pending` or `verified`.")
        else:
            add_domain(f"{field}.domain", entry.get("domain"), entry["state"])
    clean["domains"] = domains
    fields.raise_if_invalid()
    clean["metadata"] = _metadata(data.get("metadata"))
    return clean


def _metadata(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    problem = None
    if not isinstance(value, dict):
        problem = "Metadata must be an object of string values."
    elif len(value) > 50:
        problem = "Metadata may have at most 50 keys."
    else:
        for key, item in value.items():
            if len(key) > 40:
                problem = f"Metadata key `{key[:40]}…` is longer than 40 characters."
            elif not isinstance(item, str) or len(item) > 600:
                problem = f"Metadata value of `{key}` must be a string of at most 600 characters."
            if problem:
                break
    if problem:
        raise ApiProblem(400, "invalid_metadata", problem)
    return value


def permission_create(data: dict[str, Any]) -> dict[str, Any]:
    fields = Fields(data)
    fields.reject_unknown({"slug", "name", "description", "resource_type_slug"})
    clean = {
        "slug": fields.text("slug", required=True, max_length=48),
        "name": fields.text("name", required=True, max_length=48),
        "description": fields.text("description", max_length=MAX_DESCRIPTION, multiline=True),
        "resource_type_slug": fields.text("resource_type_slug", max_length=48) or "environment",
    }
    if clean["slug"] and not PERMISSION_SLUG_PATTERN.match(clean["slug"]):
        fields.error(
            "slug",
            "invalid_slug",
            "Use lowercase letters, digits, hyphens, underscores, colons, periods and asterisks.",
        )
    fields.raise_if_invalid()
    return clean


def client_secret_create(data: dict[str, Any]) -> None:
    fields = Fields(data)
    fields.reject_unknown(set())
    fields.raise_if_invalid()


@dataclass(frozen=True)
class ListQuery:
    limit: int = 10
    order: str = "desc"
    before: str | None = None
    after: str | None = None


def query_text(query, name: str, errors: list[FieldError], max_length: int = 255) -> str | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    if len(value) > max_length or _has_control_characters(value):
        errors.append(FieldError(name, "invalid_value", f"`{name}` is not a valid value."))
        return None
    return value


def list_query(query, errors: list[FieldError]) -> ListQuery:
    """The paging parameters every list shares; problems are added to `errors`."""
    limit = 10
    raw_limit = query.get("limit")
    if raw_limit not in (None, ""):
        if not (
            len(raw_limit) <= 3
            and raw_limit.isascii()
            and raw_limit.isdigit()
            and 1 <= int(raw_limit) <= 100
        ):
            errors.append(
                FieldError(
                    "limit", "invalid_value", "`limit` must be a whole number from 1 to 100."
                )
            )
        else:
            limit = int(raw_limit)
    order = query.get("order") or "desc"
    if order not in ORDERS:
        errors.append(
            FieldError("order", "invalid_value", "`order` must be `desc`, `asc` or `normal`.")
        )
        order = "desc"
    before = query_text(query, "before", errors)
    after = query_text(query, "after", errors)
    if before and after:
        errors.append(
            FieldError("before", "invalid_value", "Give either `before` or `after`, not both.")
        )
    return ListQuery(limit=limit, order=order, before=before, after=after)


def registration_types(query, errors: list[FieldError]) -> set[str]:
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
                "`registration_types` is a comma-separated list of `authenticated` and `dynamic`.",
            )
        )
        return {"authenticated"}
    return values
