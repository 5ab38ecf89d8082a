"""Users of the embedded User Management: what the API and the authorization server call.

Passwords are kept only as Django password hashes (salted, slow, upgraded on use) and
never leave this module: no function returns one, and none is logged.
"""

import functools
import secrets
from datetime import datetime

from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction

from ..errors import ApiProblem, FieldError, not_found
from ..ids import new_id, now
from ..models import MAX_EMAIL, Organization, User
from ..pagination import ListQuery, Page, paginate
from ..store import _plausible_id
from .validation import normalize_email


def user_find(user_id: str) -> User | None:
    if not _plausible_id(user_id):
        return None
    return User.objects.filter(id=user_id).first()


def user_get(user_id: str) -> User:
    user = user_find(user_id)
    if user is None:
        raise not_found("User", user_id)
    return user


def user_list(query: ListQuery, *, email: str | None, organization_id: str | None) -> Page:
    users = User.objects.all()
    if email:
        users = users.filter(email=email)
    if organization_id:
        if not (
            _plausible_id(organization_id)
            and Organization.objects.filter(id=organization_id).exists()
        ):
            # The contract's words for this 422.
            message = f"Organization not found: '{organization_id}'."
            raise ApiProblem(
                422,
                "unprocessable_entity",
                message,
                errors=[FieldError("organization_id", "not_found", message)],
            )
        # A user belongs to an organization through a membership, which the embedded API
        # does not have yet: no user is a member of any organization.
        users = users.none()
    return paginate(users, query)


def _refuse_taken(email: str, external_id: str | None) -> None:
    """Refuse a new user whose email or external ID another user has."""
    taken = None
    if User.objects.filter(email=email).exists():
        taken = FieldError("email", "email_not_available", "This email is not available.")
    elif external_id is not None and User.objects.filter(external_id=external_id).exists():
        taken = FieldError(
            "external_id",
            "external_id_already_used",
            f"External ID '{external_id}' is already in use.",
        )
    if taken:
        raise ApiProblem(400, "user_creation_error", "Could not create user.", [taken])


def user_create(
    *,
    email: str,
    password: str | None,
    first_name: str | None,
    last_name: str | None,
    name: str | None,
    email_verified: bool,
    external_id: str | None,
    metadata: dict,
    created_at: datetime | None = None,
) -> User:
    """A new user; `password` (if any) is kept only as its hash."""
    _refuse_taken(email, external_id)
    user_id, created = new_id("user_", at=created_at)
    try:
        with transaction.atomic():
            return User.objects.create(
                id=user_id,
                email=email,
                password_hash=make_password(password) if password is not None else "",
                first_name=first_name,
                last_name=last_name,
                name=name,
                email_verified=email_verified,
                external_id=external_id,
                metadata=metadata,
                created_at=created,
                updated_at=created,
            )
    except IntegrityError:
        # Another request took the email or the external ID between the check and now.
        _refuse_taken(email, external_id)
        raise


def user_update(user: User, changes: dict) -> User:
    """`user` with `changes` (names, metadata) saved, if there are any."""
    if changes:
        for name, value in changes.items():
            setattr(user, name, value)
        user.updated_at = now()
        user.save(update_fields=[*changes, "updated_at"])
    return user


@functools.cache
def _dummy_hash() -> str:
    # A hash made with the current hasher, so checking an unknown address takes as long
    # as checking a known one.
    return make_password(secrets.token_urlsafe(32))


def user_authenticate(email: str, password: str) -> User | None:
    """The user with this email and password, or None, in about the same time either way."""
    email = normalize_email(email)
    user = None
    if len(email) <= MAX_EMAIL and "\x00" not in email:
        user = User.objects.filter(email=email).first()
    if user is None or not user.password_hash:
        check_password(password, _dummy_hash())
        return None

    def upgrade(raw_password: str) -> None:
        # The hasher's settings have grown stronger since the hash was made.
        user.password_hash = make_password(raw_password)
        user.save(update_fields=["password_hash"])

    return user if check_password(password, user.password_hash, setter=upgrade) else None


def user_record_sign_in(user: User) -> None:
    """Note that `user` has just signed in (the user object's `last_sign_in_at`)."""
    user.last_sign_in_at = now()
    user.save(update_fields=["last_sign_in_at"])
