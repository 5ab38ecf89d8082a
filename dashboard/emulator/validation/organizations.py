"""Requests about organizations: create, update and list."""

from typing import Any

from django.http import QueryDict

from dashboard import rules

from .. import store
from ..errors import ApiProblem, FieldError, validation_failed
from ..models import MAX_STRIPE_CUSTOMER_ID
from .fields import Fields, list_query, query_text

_CREATE_FIELDS = {
    "name",
    "allow_profiles_outside_organization",
    "domains",
    "domain_data",
    "metadata",
    "external_id",
}
_UPDATE_FIELDS = _CREATE_FIELDS | {"stripe_customer_id"}
# Fields the contract does not let be null, on create and on update.
_NOT_NULL = ("allow_profiles_outside_organization", "domains", "domain_data")


def _domains(fields: Fields, plain_state: str | None) -> list[tuple[str, str | None]]:
    """`domains` (in `plain_state`) and `domain_data` (with their state) as one list of
    (domain, state)."""
    domains: list[tuple[str, str | None]] = []

    def add(field: str, domain: Any, state: str | None) -> None:
        if not isinstance(domain, str):
            fields.error(field, "invalid_domain", "Must be a domain name such as “example.com”.")
            return
        try:
            rules.validate_domain(domain.lower())
        except rules.RuleBroken as broken:
            fields.error(field, broken.code, broken.message)
            return
        if domain.lower() in (known for known, _ in domains):
            fields.error(field, "duplicate", f"“{domain}” is listed twice.")
        else:
            domains.append((domain.lower(), state))

    for index, domain in enumerate(fields.list_of("domains", what="domains") or []):
        add(f"domains[{index}]", domain, plain_state)
    for index, entry in enumerate(fields.list_of("domain_data", what="domains") or []):
        field = f"domain_data[{index}]"
        if not isinstance(entry, dict) or set(entry) - {"domain", "state"}:
            fields.error(field, "invalid_type", "Must be an object with “domain” and “state”.")
        elif entry.get("state") not in ("pending", "verified"):
            fields.error(f"{field}.state", "invalid_value", "Must be “pending” or “verified”.")
        else:
            add(f"{field}.domain", entry.get("domain"), entry["state"])
    return domains


def _metadata(value: Any) -> dict[str, str]:
    # The contract answers a metadata problem with its own 400, not with the 422 of a field.
    if value is None:
        return {}
    problem = None
    if not isinstance(value, dict):
        problem = "Metadata must be an object of string values."
    elif len(value) > rules.MAX_METADATA_KEYS:
        problem = f"Metadata may have at most {rules.MAX_METADATA_KEYS} keys."
    else:
        for key, item in value.items():
            if "\x00" in key or (isinstance(item, str) and "\x00" in item):
                # PostgreSQL cannot store a NUL character in text or JSON.
                problem = "Metadata may not contain NUL characters."
            elif len(key) > rules.MAX_METADATA_KEY:
                problem = rules.too_long(
                    f"Metadata key “{key[: rules.MAX_METADATA_KEY]}…”",
                    rules.MAX_METADATA_KEY,
                    len(key),
                )
            elif not isinstance(item, str):
                problem = f"Metadata value of “{key}” must be a string."
            elif len(item) > rules.MAX_METADATA_VALUE:
                problem = rules.too_long(
                    f"Metadata value of “{key}”", rules.MAX_METADATA_VALUE, len(item)
                )
            if problem:
                break
    if problem:
        raise ApiProblem(400, "invalid_metadata", problem)
    return value


def _external_id(fields: Fields) -> str | None:
    external_id = fields.text(
        "external_id", max_length=rules.MAX_EXTERNAL_ID, what="An external ID"
    )
    if external_id == "":
        fields.error("external_id", "blank", "May not be blank; send null for none.")
    elif external_id is not None and not external_id.isascii():
        fields.error("external_id", "invalid_character", "Must contain only ASCII characters.")
    return external_id


def organization_create(data: dict[str, Any]) -> dict[str, Any]:
    fields = Fields(data)
    fields.reject_unknown(_CREATE_FIELDS)
    fields.reject_null(*_NOT_NULL)
    clean: dict[str, Any] = {
        "name": fields.text("name", required=True),
        "allow_profiles_outside_organization": bool(
            fields.boolean("allow_profiles_outside_organization")
        ),
        "external_id": _external_id(fields),
        "domains": _domains(fields, "pending"),
    }
    fields.raise_if_invalid()
    clean["metadata"] = _metadata(data.get("metadata"))
    return clean


def organization_update(data: dict[str, Any]) -> dict[str, Any]:
    """The changes a PUT asks for, as `store.organization_update` takes them. Fields left out
    stay as they are; `domains` and `domain_data` replace the domains. `external_id: null`
    removes the external ID and `metadata: null` empties the metadata, as the official SDKs
    send null exactly to clear them."""
    fields = Fields(data)
    fields.reject_unknown(_UPDATE_FIELDS)
    fields.reject_null("name", "stripe_customer_id", *_NOT_NULL)
    changes: dict[str, Any] = {}
    if fields.given("name"):
        changes["name"] = fields.text("name", required=True)
    if fields.given("allow_profiles_outside_organization"):
        changes["allow_profiles_outside_organization"] = fields.boolean(
            "allow_profiles_outside_organization"
        )
    if fields.given("stripe_customer_id"):
        changes["stripe_customer_id"] = fields.text(
            "stripe_customer_id", max_length=MAX_STRIPE_CUSTOMER_ID, what="A Stripe customer ID"
        )
        if changes["stripe_customer_id"] == "":
            fields.error("stripe_customer_id", "blank", "May not be blank.")
    if "external_id" in data:
        changes["external_id"] = _external_id(fields)
    if fields.given("domains") or fields.given("domain_data"):
        # A domain listed without a state keeps the state it has, or is pending if it is new.
        changes["domains"] = _domains(fields, None)
    fields.raise_if_invalid()
    if "metadata" in data:
        changes["metadata"] = _metadata(data["metadata"])
    return changes


def organization_list(query: QueryDict) -> dict[str, Any]:
    """The arguments of `store.organization_list`, from a query string."""
    errors: list[FieldError] = []
    clean: dict[str, Any] = {
        "query": list_query(query, errors, id_prefix=store.ORGANIZATION_ID_PREFIX),
        "search": query_text(query, "search", errors),
    }
    domains = query_text(query, "domains", errors) or ""
    if errors:
        raise validation_failed(errors)
    clean["domains"] = [
        domain for domain in (part.strip().lower() for part in domains.split(",")) if domain
    ]
    return clean
