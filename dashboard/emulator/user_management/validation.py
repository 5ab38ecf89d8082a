"""Requests about users: create and list.

Field problems are collected and refused whole with one 422 (whose code the views set to
User Management's `invalid_request_parameters`); the contract's own 400s follow: the
password combinations, metadata, then the password's strength.
"""

import functools
from typing import Any

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.http import QueryDict

from dashboard import rules

from ..errors import ApiProblem, FieldError, validation_failed
from ..models import MAX_EMAIL
from ..validation.fields import Fields, has_control_characters, list_query, query_text
from ..validation.organizations import _metadata as metadata

# Not public at WorkOS, whose password policy is set per environment: the embedded API asks
# for at least this many characters, and refuses the commonly used passwords Django knows.
MIN_PASSWORD = 8
# Long enough for any passphrase, short enough that hashing one costs nothing unusual.
MAX_PASSWORD = 1024

_PASSWORD_HASH_FIELDS = ("password_hash", "password_hash_type", "password_salt_position")
_CREATE_FIELDS = {
    "email",
    "password",
    *_PASSWORD_HASH_FIELDS,
    "first_name",
    "last_name",
    "name",
    "email_verified",
    "metadata",
    "external_id",
    # Radar's signals, which the embedded API has no use for.
    "ip_address",
    "user_agent",
    "signals_id",
}
_PASSWORD_HASH_TYPES = (
    "bcrypt",
    "firebase-scrypt",
    "ssha",
    "ssha256",
    "scrypt",
    "pbkdf2",
    "argon2",
)

_email_validator = EmailValidator()


@functools.cache
def _common_passwords() -> CommonPasswordValidator:
    # Reads Django's list of 20,000 passwords, once.
    return CommonPasswordValidator()


def normalize_email(value: str) -> str:
    """As WorkOS stores an address: without surrounding whitespace, lowercased."""
    return value.strip().lower()


def _email(fields: Fields) -> str | None:
    value = fields.data.get("email")
    if value is None:
        fields.error("email", "required", "This field is required.")
        return None
    if not isinstance(value, str):
        fields.error("email", "invalid_type", "Must be a string.")
        return None
    email = normalize_email(value)
    if not email:
        fields.error("email", "blank", "May not be blank.")
    elif len(email) > MAX_EMAIL:
        fields.error("email", "too_long", rules.too_long("An email address", MAX_EMAIL, len(email)))
    elif has_control_characters(email) or not is_email(email):
        fields.error(
            "email", "invalid_email", "Must be an email address such as “ada@example.com”."
        )
    else:
        return email
    return None


def is_email(value: str) -> bool:
    try:
        _email_validator(value)
    except ValidationError:
        return False
    return True


def _password_combination(data: dict[str, Any]) -> None:
    """The contract's 400s for a password sent together with a hash of one."""
    given = {name for name in ("password", *_PASSWORD_HASH_FIELDS) if data.get(name) is not None}
    problem = None
    if {"password", "password_hash"} <= given:
        problem = (
            "password_and_password_hash_provided",
            "Send “password” or “password_hash”, not both.",
        )
    elif {"password", "password_hash_type"} <= given:
        problem = (
            "password_and_password_hash_type_provided",
            "Send “password”, or “password_hash” with “password_hash_type”, not both.",
        )
    elif "password_salt_position" in given and "password_hash" not in given:
        problem = (
            "password_salt_position_requires_password_hash",
            "“password_salt_position” applies only to a “password_hash”.",
        )
    if problem:
        raise ApiProblem(400, *problem)


def _password(fields: Fields) -> str | None:
    value = fields.data.get("password")
    if value is None:
        return None
    if not isinstance(value, str):
        fields.error("password", "invalid_type", "Must be a string.")
        return None
    if len(value) > MAX_PASSWORD:
        # Not the length itself: a password is never repeated back, not even in a message.
        fields.error(
            "password", "too_long", f"A password may be at most {MAX_PASSWORD:,} characters long."
        )
        return None
    return value


def _password_hash(fields: Fields) -> None:
    """A hash to import: the embedded API checks its shape, then refuses it."""
    hash_type = fields.data.get("password_hash_type")
    if fields.given("password_hash") != fields.given("password_hash_type"):
        missing = "password_hash_type" if fields.given("password_hash") else "password_hash"
        fields.error(missing, "required", "“password_hash” and “password_hash_type” go together.")
    elif hash_type is not None and hash_type not in _PASSWORD_HASH_TYPES:
        fields.error(
            "password_hash_type",
            "invalid_value",
            f"Must be one of {', '.join(_PASSWORD_HASH_TYPES)}.",
        )
    elif fields.given("password_hash"):
        fields.error(
            "password_hash",
            "not_supported",
            "The embedded API does not import password hashes; send “password” instead.",
        )


def password_strength_problems(password: str) -> list[FieldError]:
    """Why `password` is too weak to set, if it is."""
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(
            FieldError(
                "password",
                "password_too_short",
                f"A password must be at least {MIN_PASSWORD} characters long.",
            )
        )
    try:
        _common_passwords().validate(password)
    except ValidationError:
        problems.append(
            FieldError("password", "password_too_common", "This password is too commonly used.")
        )
    return problems


def _external_id(fields: Fields) -> str | None:
    external_id = fields.text(
        "external_id", max_length=rules.MAX_EXTERNAL_ID, what="An external ID"
    )
    if external_id == "":
        fields.error("external_id", "blank", "May not be blank; send null for none.")
    elif external_id is not None and not external_id.isascii():
        fields.error("external_id", "invalid_character", "Must contain only ASCII characters.")
    return external_id


def user_create(data: dict[str, Any]) -> dict[str, Any]:
    """The arguments of `store.user_create`, from a JSON body."""
    _password_combination(data)
    fields = Fields(data)
    fields.reject_unknown(_CREATE_FIELDS)
    fields.reject_null("signals_id", *_PASSWORD_HASH_FIELDS)
    clean: dict[str, Any] = {
        "email": _email(fields),
        "password": _password(fields),
        "first_name": fields.text("first_name"),
        "last_name": fields.text("last_name"),
        "name": fields.text("name"),
        "email_verified": bool(fields.boolean("email_verified")),
        "external_id": _external_id(fields),
    }
    _password_hash(fields)
    for name in ("ip_address", "user_agent", "signals_id"):
        fields.text(name, max_length=rules.MAX_QUERY_TEXT)
    fields.raise_if_invalid()
    clean["metadata"] = metadata(data.get("metadata"))
    if clean["password"] is not None:
        problems = password_strength_problems(clean["password"])
        if problems:
            raise ApiProblem(
                400, "password_strength_error", "The password is too weak.", errors=problems
            )
    return clean


def user_list(query: QueryDict) -> dict[str, Any]:
    """The arguments of `store.user_list`, from a query string."""
    errors: list[FieldError] = []
    clean: dict[str, Any] = {"query": list_query(query, errors, id_prefix="user_")}
    email = query_text(query, "email", errors, max_length=MAX_EMAIL)
    clean["email"] = normalize_email(email) if email else None
    # `organization` is the deprecated name of the same filter.
    clean["organization_id"] = query_text(
        query, "organization_id", errors, max_length=rules.MAX_ID
    ) or query_text(query, "organization", errors, max_length=rules.MAX_ID)
    if errors:
        raise validation_failed(errors)
    return clean
