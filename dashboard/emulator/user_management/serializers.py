"""Stored users to the JSON the User Management contract describes."""

from ..ids import timestamp
from ..models import User


def user(user: User) -> dict:
    # Never the password hash: nothing outside the store sees one.
    return {
        "object": "user",
        "id": user.id,
        "email": user.email,
        "email_verified": user.email_verified,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "name": user.name,
        # The embedded API keeps no pictures and no locales.
        "profile_picture_url": None,
        "locale": None,
        "external_id": user.external_id,
        "metadata": dict(user.metadata),
        "last_sign_in_at": timestamp(user.last_sign_in_at) if user.last_sign_in_at else None,
        "created_at": timestamp(user.created_at),
        "updated_at": timestamp(user.updated_at),
    }
