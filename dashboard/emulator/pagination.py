"""Keyset pagination over ID order, with WorkOS's cursor semantics.

IDs are ULIDs, so ID order is creation order and a page is one index range scan:
the work to serve a page does not grow with the number of stored rows.

`desc` and `asc` list newest or oldest first; `after` continues the listing and
`before` goes back. `normal` lists newest first with the cursors swapped: `before`
fetches older records and `after` newer ones.
"""

import re
from dataclasses import dataclass

from django.db.models import QuerySet

from .ids import CROCKFORD

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
ORDERS = ("desc", "asc", "normal")
CURSORS = ("before", "after")

# An ID: a lowercase prefix ending in "_", then a ULID, 26 Crockford base-32 digits of
# which the first is at most 7 (128 bits leave 2 of its 5 unused).
_ID = re.compile(rf"(?P<prefix>[a-z][a-z0-9_]*_)[0-7][{CROCKFORD}]{{25}}")


def is_cursor(value: str, prefix: str | None = None) -> bool:
    """Whether `value` has the shape of an ID of this list's objects (those of `prefix`,
    when given): any other value could only be compared with the IDs to no purpose."""
    match = _ID.fullmatch(value)
    return match is not None and prefix in (None, match["prefix"])


@dataclass(frozen=True)
class ListQuery:
    """Where a page starts and how long it is: the parameters every list shares."""

    limit: int = DEFAULT_LIMIT
    order: str = "desc"
    before: str | None = None
    after: str | None = None


@dataclass
class Page:
    items: list
    before: str | None
    after: str | None


def paginate(queryset: QuerySet, query: ListQuery) -> Page:
    newest_first = query.order in ("desc", "normal")
    listing = "-id" if newest_first else "id"
    reverse = "id" if newest_first else "-id"
    # Normalise to "forward" (continue the listing) and "backward" (go back) cursors.
    if query.order == "normal":
        forward, backward = query.before, query.after
    else:
        forward, backward = query.after, query.before
    follows, precedes = ("lt", "gt") if newest_first else ("gt", "lt")
    limit = query.limit

    if forward:
        rows = list(queryset.filter(**{f"id__{follows}": forward}).order_by(listing)[: limit + 1])
        more_forward = len(rows) > limit
        rows = rows[:limit]
        more_backward = queryset.filter(**{f"id__{precedes}e": forward}).exists()
    elif backward:
        rows = list(queryset.filter(**{f"id__{precedes}": backward}).order_by(reverse)[: limit + 1])
        more_backward = len(rows) > limit
        rows = rows[:limit][::-1]
        more_forward = queryset.filter(**{f"id__{follows}e": backward}).exists()
    else:
        rows = list(queryset.order_by(listing)[: limit + 1])
        more_forward = len(rows) > limit
        rows = rows[:limit]
        more_backward = False

    # On an empty page the cursor that was given is still a valid place to continue from.
    next_cursor = (rows[-1].id if rows else backward) if more_forward else None
    previous_cursor = (rows[0].id if rows else forward) if more_backward else None
    if query.order == "normal":
        return Page(rows, before=next_cursor, after=previous_cursor)
    return Page(rows, before=previous_cursor, after=next_cursor)
