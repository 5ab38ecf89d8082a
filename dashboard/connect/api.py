"""A typed function for every Connect API operation the dashboard uses.

Views call these and nothing else: no view builds an API URL or reads raw JSON.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pydantic
from django.utils.translation import ngettext

from dashboard import rules

from . import errors
from .client import request
from .models import (
    Application,
    ApplicationUpdate,
    AuthorizedApplication,
    ClientSecret,
    M2MApplicationCreate,
    NewClientSecret,
    OAuthApplicationCreate,
    Organization,
    OrganizationCreate,
    OrganizationUpdate,
    Page,
    Permission,
    UnreadableRecord,
    User,
)

Order = Literal["desc", "asc", "normal"]
RegistrationType = Literal["authenticated", "dynamic"]


class _ListMetadata(pydantic.BaseModel):
    before: str | None = None
    after: str | None = None


class _Envelope(pydantic.BaseModel):
    data: list[Any]
    list_metadata: _ListMetadata


@dataclass(frozen=True)
class _Kind:
    """What a response holds, and how to read it."""

    name: str
    adapter: pydantic.TypeAdapter
    # A union whose errors begin with the tag of the member that was tried.
    tagged: bool = False


_APPLICATION = _Kind("application", pydantic.TypeAdapter(Application), tagged=True)
_SECRETS = _Kind("list of client secrets", pydantic.TypeAdapter(list[ClientSecret]))
_NEW_SECRET = _Kind("new client secret", pydantic.TypeAdapter(NewClientSecret))
_ORGANIZATION = _Kind("organization", pydantic.TypeAdapter(Organization))
_PERMISSION = _Kind("permission", pydantic.TypeAdapter(Permission))
_AUTHORIZED = _Kind("authorized application", pydantic.TypeAdapter(AuthorizedApplication))
_USER = _Kind("user", pydantic.TypeAdapter(User))
_ENVELOPE = _Kind("list", pydantic.TypeAdapter(_Envelope))

# An ID worth showing beside an unreadable record: what an ID is made of, and no more.
_ID = re.compile(rf"[A-Za-z0-9_\-]{{1,{rules.MAX_ID}}}")
# JSON's \u escapes can spell half of a surrogate pair, which no text holds.
_SURROGATE = re.compile("[\ud800-\udfff]")
# What a response's text has when a value of it may hold one: a byte that was not UTF-8
# (kept as a surrogate) or a \u escape of a surrogate. Most responses have neither, and are
# checked once, not string by string.
_MAYBE_SURROGATE = re.compile(r"[\ud800-\udfff]|\\u[dD][89a-fA-F]")


def _may_hold_surrogates(text: str) -> bool:
    # ASCII without a \u escape is most responses: two scans in C, where the pattern's
    # alternation costs more than parsing the JSON.
    if text.isascii() and "\\u" not in text:
        return False
    return _MAYBE_SURROGATE.search(text) is not None


def _path(location: tuple) -> str:
    """("redirect_uris", 0, "uri") as “redirect_uris[0].uri”."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def _not_unicode(value: Any) -> str | None:
    """Where `value` holds a string that is not valid Unicode, or None."""
    # A stack, not recursion: the JSON may be nested as deep as the parser allows.
    pending: list[tuple[Any, tuple]] = [(value, ())]
    while pending:
        item, location = pending.pop()
        if isinstance(item, str) and _SURROGATE.search(item):
            return _path(location) or "the record"
        if isinstance(item, dict):
            for key in item:
                if _SURROGATE.search(key):
                    return f"a key of {_path(location) or 'the record'}"
            pending.extend((item[key], (*location, key)) for key in reversed(item))
        elif isinstance(item, list):
            pending.extend(
                (item[index], (*location, index)) for index in reversed(range(len(item)))
            )
    return None


def _read(value: Any, kind: _Kind, *, unicode_checked: bool = False) -> tuple[Any, str | None]:
    """The record in `value`, or None and what is wrong with it, naming the field.
    `unicode_checked`: the response's text showed that no string of it can be invalid."""
    where = None if unicode_checked else _not_unicode(value)
    if where:
        return None, f"{where} is not valid Unicode text"
    try:
        return kind.adapter.validate_python(value), None
    except pydantic.ValidationError as exc:
        # Never the input: it may be anything, a secret included.
        problems = exc.errors(include_url=False, include_input=False, include_context=False)
        first = problems[0]
        location = first["loc"][1:] if kind.tagged else first["loc"]
        others = len(problems) - 1
        more = (
            ngettext(" (and %(others)d more problem)", " (and %(others)d more problems)", others)
            % {"others": others}
            if others
            else ""
        )
        where = _path(location)
        return None, (f"{where}: " if where else "") + first["msg"] + more


def _readable_id(value: Any) -> str | None:
    identifier = value.get("id") if isinstance(value, dict) else None
    return identifier if isinstance(identifier, str) and _ID.fullmatch(identifier) else None


def _json(response: httpx.Response) -> tuple[Any, bool]:
    """The response's JSON, and whether its text shows that no string of it can be invalid
    Unicode."""
    # Bytes that are not UTF-8 are kept as lone surrogates, as are \u escapes of them, for
    # `_read` to find in the one record that holds them.
    text = response.content.decode("utf-8", errors="surrogateescape")
    try:
        return json.loads(text), not _may_hold_surrogates(text)
    except (ValueError, RecursionError) as exc:
        raise errors.InvalidResponseError(
            "The API answered with something that is not JSON.",
            status=response.status_code,
            request_id=response.headers.get("X-Request-ID"),
        ) from exc


def _decode(response: httpx.Response, kind: _Kind) -> Any:
    value, checked = _json(response)
    record, problem = _read(value, kind, unicode_checked=checked)
    if problem:
        raise errors.UnreadableRecordError(
            kind=kind.name,
            record_id=_readable_id(value),
            problem=problem,
            status=response.status_code,
            request_id=response.headers.get("X-Request-ID"),
        )
    return record


def _page(response: httpx.Response, kind: _Kind, order: Order) -> Page:
    value, checked = _json(response)
    items = value.get("data") if isinstance(value, dict) else None
    if isinstance(items, list):
        # Read one by one below, so that a record that cannot be read spoils no other.
        value = value | {"data": []}
    envelope, problem = _read(value, _ENVELOPE, unicode_checked=checked)
    if problem:
        raise errors.InvalidResponseError(
            f"The list the API sent could not be read: {problem}.",
            status=response.status_code,
            request_id=response.headers.get("X-Request-ID"),
        )
    data, unreadable = [], []
    for position, item in enumerate(items or []):
        record, problem = _read(item, kind, unicode_checked=checked)
        if problem:
            unreadable.append(
                UnreadableRecord(
                    kind=kind.name, id=_readable_id(item), problem=problem, position=position
                )
            )
        else:
            data.append(record)
    cursors = envelope.list_metadata
    # `normal` order swaps the cursors: `before` is the one that continues the listing.
    following = cursors.before if order == "normal" else cursors.after
    return Page(
        data=data,
        unreadable=unreadable,
        before=cursors.before,
        after=cursors.after,
        has_more=following is not None,
    )


def _walk(fetch, order: Order) -> Iterator:
    """The records that can be read, page after page."""
    cursor: str | None = None
    while True:
        page = fetch(**({"before": cursor} if order == "normal" else {"after": cursor}))
        yield from page.data
        if not page.has_more or not page.rows:
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
    return _page(response, _APPLICATION, order)


def application_get(*, application_id: str) -> Application:
    """By application ID or client ID."""
    response = request("GET", ("connect", "applications", application_id))
    return _decode(response, _APPLICATION)


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
    return _decode(response, _APPLICATION)


def application_update(*, application_id: str, changes: ApplicationUpdate) -> Application:
    response = request("PUT", ("connect", "applications", application_id), json=changes.to_body())
    return _decode(response, _APPLICATION)


def application_delete(*, application_id: str) -> None:
    request("DELETE", ("connect", "applications", application_id))


# --- Client secrets ----------------------------------------------------------------------------


def client_secret_list(*, application_id: str) -> list[ClientSecret]:
    response = request("GET", ("connect", "applications", application_id, "client_secrets"))
    return _decode(response, _SECRETS)


def client_secret_create(
    *, application_id: str, idempotency_key: str | None = None
) -> NewClientSecret:
    response = request(
        "POST",
        ("connect", "applications", application_id, "client_secrets"),
        json={},
        idempotency_key=idempotency_key,
    )
    return _decode(response, _NEW_SECRET)


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
    return _page(response, _ORGANIZATION, order)


def organization_get(*, organization_id: str) -> Organization:
    response = request("GET", ("organizations", organization_id))
    return _decode(response, _ORGANIZATION)


def organization_create(
    *, organization: OrganizationCreate, idempotency_key: str | None = None
) -> Organization:
    """WorkOS lets several organizations share a name: checking for one is the caller's."""
    response = request(
        "POST", ("organizations",), json=organization.to_body(), idempotency_key=idempotency_key
    )
    return _decode(response, _ORGANIZATION)


def organization_update(*, organization_id: str, changes: OrganizationUpdate) -> Organization:
    response = request("PUT", ("organizations", organization_id), json=changes.to_body())
    return _decode(response, _ORGANIZATION)


def organization_delete(*, organization_id: str) -> None:
    request("DELETE", ("organizations", organization_id))


def organization_authorized_application_list(
    *,
    organization_id: str,
    limit: int = 10,
    order: Order = "desc",
    before: str | None = None,
    after: str | None = None,
) -> Page[AuthorizedApplication]:
    """The applications users authorized for this organization, one record per consent."""
    params = {"limit": limit, "order": order, "before": before, "after": after}
    response = request(
        "GET", ("organizations", organization_id, "authorized_applications"), params=params
    )
    return _page(response, _AUTHORIZED, order)


def organization_authorized_application_iter(
    *, organization_id: str, order: Order = "desc", page_size: int = 100
) -> Iterator[AuthorizedApplication]:
    """Every consent given for the organization, page after page."""

    def fetch(**cursor: str | None) -> Page[AuthorizedApplication]:
        return organization_authorized_application_list(
            organization_id=organization_id, limit=page_size, order=order, **cursor
        )

    return _walk(fetch, order)


# --- Users -------------------------------------------------------------------------------------


def user_list(
    *,
    limit: int = 10,
    order: Order = "desc",
    before: str | None = None,
    after: str | None = None,
    email: str | None = None,
) -> Page[User]:
    params = {"limit": limit, "order": order, "before": before, "after": after, "email": email}
    response = request("GET", ("user_management", "users"), params=params)
    return _page(response, _USER, order)


def user_get(*, user_id: str) -> User:
    response = request("GET", ("user_management", "users", user_id))
    return _decode(response, _USER)


def user_authorized_application_list(
    *,
    user_id: str,
    limit: int = 10,
    order: Order = "desc",
    before: str | None = None,
    after: str | None = None,
) -> Page[AuthorizedApplication]:
    params = {"limit": limit, "order": order, "before": before, "after": after}
    response = request(
        "GET", ("user_management", "users", user_id, "authorized_applications"), params=params
    )
    return _page(response, _AUTHORIZED, order)


def user_authorized_application_iter(
    *, user_id: str, order: Order = "desc", page_size: int = 100
) -> Iterator[AuthorizedApplication]:
    """Every application the user authorized, page after page."""

    def fetch(**cursor: str | None) -> Page[AuthorizedApplication]:
        return user_authorized_application_list(
            user_id=user_id, limit=page_size, order=order, **cursor
        )

    return _walk(fetch, order)


def user_authorized_application_delete(*, user_id: str, application_id: str) -> None:
    """Revoke the user's consent to the application (its ID or client ID)."""
    request(
        "DELETE",
        ("user_management", "users", user_id, "authorized_applications", application_id),
    )


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
    return _page(response, _PERMISSION, order)


def permission_iter(*, order: Order = "desc", page_size: int = 100) -> Iterator[Permission]:
    """Every permission, page after page."""

    def fetch(**cursor: str | None) -> Page[Permission]:
        return permission_list(limit=page_size, order=order, **cursor)

    return _walk(fetch, order)
