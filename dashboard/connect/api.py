"""A typed function for every Connect API operation the dashboard uses.

Views call these and nothing else: no view builds an API URL or reads raw JSON.
"""

from collections.abc import Iterator
from typing import Any, Literal

import httpx
import pydantic

from . import errors
from .client import request
from .models import (
    Application,
    ApplicationUpdate,
    ClientSecret,
    M2MApplicationCreate,
    NewClientSecret,
    OAuthApplicationCreate,
    Organization,
    Page,
    Permission,
)

Order = Literal["desc", "asc", "normal"]
RegistrationType = Literal["authenticated", "dynamic"]


class _ListMetadata(pydantic.BaseModel):
    before: str | None = None
    after: str | None = None


class _Envelope[T](pydantic.BaseModel):
    data: list[T]
    list_metadata: _ListMetadata


_application = pydantic.TypeAdapter(Application)
_application_page = pydantic.TypeAdapter(_Envelope[Application])
_secrets = pydantic.TypeAdapter(list[ClientSecret])
_new_secret = pydantic.TypeAdapter(NewClientSecret)
_organization = pydantic.TypeAdapter(Organization)
_organization_page = pydantic.TypeAdapter(_Envelope[Organization])
_permission_page = pydantic.TypeAdapter(_Envelope[Permission])


def _decode(response: httpx.Response, adapter: pydantic.TypeAdapter) -> Any:
    try:
        return adapter.validate_json(response.content)
    except pydantic.ValidationError as exc:
        raise errors.InvalidResponseError(
            "The API answered with data the dashboard does not understand.",
            status=response.status_code,
            request_id=response.headers.get("X-Request-ID"),
        ) from exc


def _page(response: httpx.Response, adapter: pydantic.TypeAdapter, order: Order) -> Page:
    envelope = _decode(response, adapter)
    cursors = envelope.list_metadata
    # `normal` order swaps the cursors: `before` is the one that continues the listing.
    following = cursors.before if order == "normal" else cursors.after
    return Page(
        data=envelope.data,
        before=cursors.before,
        after=cursors.after,
        has_more=following is not None,
    )


def _walk(fetch, order: Order) -> Iterator:
    cursor: str | None = None
    while True:
        page = fetch(**({"before": cursor} if order == "normal" else {"after": cursor}))
        yield from page.data
        if not page.has_more or not page.data:
            return
        cursor = page.before if order == "normal" else page.after


# --- Applications ------------------------------------------------------------------------------


def application_list(
    *,
    limit: int = 10,
    order: Order = "desc",
    before: str | None = None,
    after: str | None = None,
    organization_id: str | None = None,
    registration_types: list[RegistrationType] | None = None,
) -> Page[Application]:
    params = {
        "limit": limit,
        "order": order,
        "before": before,
        "after": after,
        "organization_id": organization_id,
        "registration_types": ",".join(registration_types) if registration_types else None,
    }
    response = request("GET", ("connect", "applications"), params=params)
    return _page(response, _application_page, order)


def application_get(*, application_id: str) -> Application:
    """By application ID or client ID."""
    response = request("GET", ("connect", "applications", application_id))
    return _decode(response, _application)


def application_create(
    *,
    application: OAuthApplicationCreate | M2MApplicationCreate,
    idempotency_key: str | None = None,
) -> Application:
    """`idempotency_key` makes a repeated create (a double submit) return the first app."""
    response = request(
        "POST",
        ("connect", "applications"),
        json=application.to_body(),
        idempotency_key=idempotency_key,
    )
    return _decode(response, _application)


def application_update(*, application_id: str, changes: ApplicationUpdate) -> Application:
    response = request("PUT", ("connect", "applications", application_id), json=changes.to_body())
    return _decode(response, _application)


def application_delete(*, application_id: str) -> None:
    request("DELETE", ("connect", "applications", application_id))


# --- Client secrets ----------------------------------------------------------------------------


def client_secret_list(*, application_id: str) -> list[ClientSecret]:
    response = request("GET", ("connect", "applications", application_id, "client_secrets"))
    return _decode(response, _secrets)


def client_secret_create(
    *, application_id: str, idempotency_key: str | None = None
) -> NewClientSecret:
    response = request(
        "POST",
        ("connect", "applications", application_id, "client_secrets"),
        json={},
        idempotency_key=idempotency_key,
    )
    return _decode(response, _new_secret)


def client_secret_revoke(*, secret_id: str) -> None:
    request("DELETE", ("connect", "client_secrets", secret_id))


# --- Organizations -----------------------------------------------------------------------------


def organization_list(
    *,
    limit: int = 10,
    order: Order = "desc",
    before: str | None = None,
    after: str | None = None,
    search: str | None = None,
    domains: list[str] | None = None,
) -> Page[Organization]:
    params = {
        "limit": limit,
        "order": order,
        "before": before,
        "after": after,
        "search": search or None,
        "domains": ",".join(domains) if domains else None,
    }
    response = request("GET", ("organizations",), params=params)
    return _page(response, _organization_page, order)


def organization_get(*, organization_id: str) -> Organization:
    response = request("GET", ("organizations", organization_id))
    return _decode(response, _organization)


# --- Permissions -------------------------------------------------------------------------------


def permission_list(
    *,
    limit: int = 10,
    order: Order = "desc",
    before: str | None = None,
    after: str | None = None,
) -> Page[Permission]:
    params = {"limit": limit, "order": order, "before": before, "after": after}
    response = request("GET", ("authorization", "permissions"), params=params)
    return _page(response, _permission_page, order)


def permission_iter(*, order: Order = "desc", page_size: int = 100) -> Iterator[Permission]:
    """Every permission, page after page."""

    def fetch(**cursor: str | None) -> Page[Permission]:
        return permission_list(limit=page_size, order=order, **cursor)

    return _walk(fetch, order)
