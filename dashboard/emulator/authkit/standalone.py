"""Standalone Connect: an application that keeps its own sign-in and lends it to the
authorization server.

With a Login URI configured for the environment, the authorize endpoint does not sign
people in itself: it sends the browser to the Login URI with an `external_auth_id`. The
application signs its user in its own way, completes the external auth with that ID and
the user (`POST /authkit/oauth2/complete`), and sends the browser to the `redirect_uri` it
is answered, back into the authorization request, which goes on to consent and the code.
"""

import hashlib
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction

from dashboard import rules
from dashboard.emulator import partition
from dashboard.emulator.errors import ApiProblem, FieldError, not_found
from dashboard.emulator.ids import new_id, now
from dashboard.emulator.models import MAX_EMAIL, User
from dashboard.emulator.user_management import store as users
from dashboard.emulator.user_management.validation import is_email, normalize_email
from dashboard.emulator.validation.fields import Fields

from .models import ExternalAuth

EXTERNAL_AUTH_ID_PREFIX = "ext_auth_"
# Not public at WorkOS: as long as an authorization code lives.
EXTERNAL_AUTH_LIFETIME = timedelta(minutes=10)

_BODY_FIELDS = {"external_auth_id", "user", "user_consent_options"}
_USER_FIELDS = {"id", "email", "first_name", "last_name", "name", "metadata"}


def login_uri() -> str:
    """The current environment's Login URI; empty when its authorize endpoint signs people
    in itself."""
    if partition.production():
        return settings.WORKOS_EMULATOR_PRODUCTION_LOGIN_URI
    return settings.WORKOS_EMULATOR_LOGIN_URI


def external_auth_begin(*, issuer: str, authorize_path: str) -> tuple[str, str]:
    """Hand the authorization request at `authorize_path` to the Login URI; answers the new
    external auth's ID and the address to send the browser to, which carries it."""
    external_auth_id, created = new_id(EXTERNAL_AUTH_ID_PREFIX)
    ExternalAuth.objects.filter(created_at__lt=created - EXTERNAL_AUTH_LIFETIME).delete()
    ExternalAuth.objects.create(
        id=external_auth_id, issuer=issuer, authorize_path=authorize_path, created_at=created
    )
    uri = login_uri()
    separator = "&" if "?" in uri else "?"
    return external_auth_id, f"{uri}{separator}{urlencode({'external_auth_id': external_auth_id})}"


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _live(external_auth: ExternalAuth | None) -> bool:
    return external_auth is not None and now() - external_auth.created_at <= EXTERNAL_AUTH_LIFETIME


def _user_fields(value: Any, fields: Fields) -> dict[str, Any]:
    if value is None:
        fields.error("user", "required", "This field is required.")
        return {}
    if not isinstance(value, dict):
        fields.error("user", "invalid_type", "Must be an object with the user's “id” and “email”.")
        return {}
    user = Fields(value)
    user.reject_unknown(_USER_FIELDS)
    clean = {
        "external_id": user.text("id", required=True, max_length=rules.MAX_EXTERNAL_ID),
        "email": user.text("email", required=True, max_length=MAX_EMAIL),
        "first_name": user.text("first_name"),
        "last_name": user.text("last_name"),
        "name": user.text("name"),
        "metadata": _metadata(value.get("metadata"), user),
    }
    fields.errors += [
        FieldError(f"user.{error.field}", error.code, error.message) for error in user.errors
    ]
    return clean


def _metadata(value: Any, fields: Fields) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        fields.error("metadata", "invalid_type", "Must be an object of string values.")
    elif len(value) > rules.MAX_METADATA_KEYS:
        fields.error(
            "metadata",
            "too_many",
            rules.too_many("metadata keys", rules.MAX_METADATA_KEYS, len(value)),
        )
    else:
        for key, item in value.items():
            if len(key) > rules.MAX_METADATA_KEY or len(item) > rules.MAX_METADATA_VALUE:
                fields.error(
                    f"metadata.{key[: rules.MAX_METADATA_KEY]}",
                    "too_long",
                    f"Metadata keys may be at most {rules.MAX_METADATA_KEY} characters long, "
                    f"and values {rules.MAX_METADATA_VALUE}.",
                )
            elif "\x00" in key or "\x00" in item:
                # PostgreSQL cannot store a NUL character in JSON.
                fields.error("metadata", "invalid_character", "Contains a NUL character.")
        return value
    return None


def complete_request(data: dict[str, Any]) -> dict[str, Any]:
    """The arguments of `external_auth_complete`, from the JSON body of the request."""
    fields = Fields(data)
    fields.reject_unknown(_BODY_FIELDS)
    external_auth_id = fields.text("external_auth_id", required=True, max_length=rules.MAX_ID)
    user = _user_fields(data.get("user"), fields)
    options = fields.list_of("user_consent_options", what="consent options")
    fields.raise_if_invalid()
    return {"external_auth_id": external_auth_id, "user": user, "consent_options": options or []}


@transaction.atomic
def external_auth_complete(
    *, external_auth_id: str, user: dict[str, Any], consent_options: list
) -> str:
    """Sign in the user the application names, creating or updating them by their ID in
    the application (their external ID); answers where the browser goes next."""
    external_auth = (
        ExternalAuth.objects.select_for_update(of=("self",)).filter(id=external_auth_id).first()
    )
    if not _live(external_auth):
        raise not_found("External auth session", external_auth_id)
    if external_auth.completed_at is not None:
        raise ApiProblem(
            400,
            "external_auth_session_already_completed",
            "This external auth session was already completed: the user has to start signing "
            "in again.",
        )
    if consent_options:
        raise ApiProblem(
            400,
            "user_consent_options_not_supported",
            "The embedded API does not offer user consent options; send none.",
        )
    email = normalize_email(user["email"])
    if not is_email(email):
        raise ApiProblem(400, "invalid_email", "The user's email is not an email address.")
    signed_in = _user_upsert(**(user | {"email": email}))
    state = secrets.token_urlsafe(32)
    external_auth.user = signed_in
    external_auth.state_sha256 = _sha256(state)
    external_auth.completed_at = now()
    external_auth.save(update_fields=["user", "state_sha256", "completed_at"])
    return f"{external_auth.issuer}/oauth2/authorize/complete?{urlencode({'state': state})}"


def _user_upsert(
    *,
    external_id: str,
    email: str,
    first_name: str | None,
    last_name: str | None,
    name: str | None,
    metadata: dict[str, str] | None,
) -> User:
    """The user with this external ID, updated with what was sent, or a new one."""
    found = User.objects.select_for_update(of=("self",)).filter(external_id=external_id).first()
    if found is None:
        try:
            return users.user_create(
                email=email,
                password=None,
                first_name=first_name,
                last_name=last_name,
                name=name,
                email_verified=False,
                external_id=external_id,
                metadata=metadata or {},
            )
        except ApiProblem as refused:
            if [error.field for error in refused.errors] != ["email"]:
                raise
            raise ApiProblem(
                400,
                "email_not_available",
                f"Another user has the email '{email}': an email belongs to one user.",
            ) from refused
    if found.email != email:
        raise ApiProblem(
            400,
            "email_change_not_allowed",
            f"The user with ID '{external_id}' has the email '{found.email}', which cannot be "
            "changed here.",
        )
    changes = {
        "first_name": first_name,
        "last_name": last_name,
        "name": name,
        "metadata": metadata,
    }
    return users.user_update(
        found, {field: value for field, value in changes.items() if value is not None}
    )


def external_auth_finish(state: str, external_auth_id: str | None) -> ExternalAuth | None:
    """The completed external auth that `state` continues, once, if it is the one this
    browser was sent to the Login URI with (`external_auth_id`)."""
    if not state or len(state) > 100 or external_auth_id is None:
        return None
    with transaction.atomic():
        external_auth = (
            ExternalAuth.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(id=external_auth_id, state_sha256=_sha256(state))
            .first()
        )
        if external_auth is None:
            return None
        # Single use: the same address cannot sign anyone in a second time.
        external_auth.state_sha256 = None
        external_auth.save(update_fields=["state_sha256"])
    return external_auth if _live(external_auth) else None
