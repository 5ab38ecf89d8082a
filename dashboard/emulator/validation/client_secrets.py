"""Requests about client secrets: a new secret takes no fields."""

from typing import Any

from .fields import Fields


def client_secret_create(data: dict[str, Any]) -> None:
    fields = Fields(data)
    fields.reject_unknown(set())
    fields.raise_if_invalid()
