"""What pages look up beside applications: organizations by name, permission slugs,
how many applications a filter hides.

Short-lived caches, one per environment: a page fills them with at most one extra API
call, never one per row.
"""

import time

from django.core.cache import cache

from dashboard import connect, environments
from dashboard.connect.errors import ApiError, NotFoundError, UnreadableRecordError
from dashboard.connect.models import Organization

ORGANIZATIONS_KEY = "applications:{}:organization-names"
PERMISSIONS_KEY = "applications:{}:permission-slugs"
DYNAMIC_COUNT_KEY = "applications:{}:dynamic-count:{}"
TTL_SECONDS = 60
# Names asked for but missing trigger a refill, but not more often than this.
REFILL_AFTER_SECONDS = 10
OPENID_SCOPES = ["openid", "profile", "email", "offline_access"]
# One page at most: "100 or more" is as useful as the exact number.
COUNT_PAGE = 100


def _key(pattern: str, *parts: str) -> str:
    """A cache key of the current environment: each has its own organizations and counts."""
    return pattern.format(environments.current().name, *parts)


def organization_names(needed: set[str] | None = None) -> dict[str, str]:
    """Names by organization ID; IDs the API did not list are simply absent."""
    cached = cache.get(_key(ORGANIZATIONS_KEY))
    missing = (needed or set()) - (cached["names"].keys() if cached else set())
    if cached and (not missing or time.monotonic() - cached["at"] < REFILL_AFTER_SECONDS):
        return cached["names"]
    try:
        page = connect.organization_list(limit=100)
    except ApiError:
        # Names are a convenience: without them the page shows IDs instead of failing.
        return cached["names"] if cached else {}
    names = {org.id: org.name for org in page.data}
    cache.set(_key(ORGANIZATIONS_KEY), {"names": names, "at": time.monotonic()}, TTL_SECONDS)
    return names


def forget_organizations() -> None:
    """After an organization was created, renamed or deleted: the next look-up asks the API."""
    cache.delete(_key(ORGANIZATIONS_KEY))


def organization_name(organization_id: str) -> str | None:
    """One organization's name: from the cache, or asked for alone (and then cached)."""
    names = organization_names()
    if organization_id in names:
        return names[organization_id]
    try:
        name = connect.organization_get(organization_id=organization_id).name
    except ApiError:
        return None
    cached = cache.get(_key(ORGANIZATIONS_KEY))
    if cached:
        cached["names"][organization_id] = name
        cache.set(_key(ORGANIZATIONS_KEY), cached, TTL_SECONDS)
    return name


def looks_like_organization_id(text: str) -> bool:
    return text.startswith("org_") and " " not in text


class OrganizationNotFound(ValueError):
    """A typed organization that is no organization, or more than one: the message says.
    `nothing_matches` when no organization's name contains what was typed."""

    def __init__(self, message: str, *, nothing_matches: bool = False):
        super().__init__(message)
        self.nothing_matches = nothing_matches


def find_organization(text: str) -> Organization:
    """The one organization `text` names: its ID, its exact name (in any case), or the
    only organization whose name contains it."""
    try:
        if looks_like_organization_id(text):
            try:
                return connect.organization_get(organization_id=text)
            except NotFoundError:
                raise OrganizationNotFound(f"No organization has the ID “{text}”.") from None
        page = connect.organization_list(search=text, limit=100)
    except UnreadableRecordError as error:
        raise OrganizationNotFound(
            f"{error.message} It cannot be chosen until it is corrected."
        ) from error
    except ApiError as error:
        raise OrganizationNotFound(
            f"Organizations could not be looked up just now ({error.message}) Try again."
        ) from error
    found = page.data
    exact = [org for org in found if org.name.casefold() == text.casefold()]
    candidates = exact or found
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        unreadable = ", ".join(record.id or "ID unknown" for record in page.unreadable[:5])
        also = f" ({len(page.unreadable)} could not be read: {unreadable})" if unreadable else ""
        raise OrganizationNotFound(
            f"No organization is named “{text}”{also}. Choose one from the suggestions, "
            "or paste its ID (org_…).",
            nothing_matches=not also,
        )
    if exact:
        ids = ", ".join(org.id for org in exact[:5])
        raise OrganizationNotFound(
            f"{len(exact)} organizations are named “{text}”: paste the ID of the one you mean "
            f"({ids})."
        )
    names = ", ".join(sorted(org.name for org in candidates)[:5])
    more = "…" if len(candidates) > 5 else ""
    raise OrganizationNotFound(
        f"“{text}” matches {len(candidates)} organizations ({names}{more}): type the whole "
        "name or choose one from the suggestions."
    )


def permission_slugs() -> list[str] | None:
    """The environment's permission slugs, or None when they could not be loaded."""
    slugs = cache.get(_key(PERMISSIONS_KEY))
    if slugs is None:
        try:
            slugs = sorted(permission.slug for permission in connect.permission_iter())
        except ApiError:
            return None
        cache.set(_key(PERMISSIONS_KEY), slugs, TTL_SECONDS)
    return slugs


def scope_choices() -> tuple[list[str], bool]:
    """The scopes to offer, and whether that list is complete (the permissions loaded)."""
    slugs = permission_slugs()
    extra = [slug for slug in slugs or [] if slug not in OPENID_SCOPES]
    return OPENID_SCOPES + extra, slugs is not None


def dynamic_count(organization_id: str | None) -> int | None:
    """How many dynamically registered applications there are, counted with one API call:
    COUNT_PAGE + 1 stands for "more than COUNT_PAGE". None when the API could not say."""
    key = _key(DYNAMIC_COUNT_KEY, organization_id or "")
    count = cache.get(key)
    if count is None:
        try:
            page = connect.application_list(
                limit=COUNT_PAGE, organization_id=organization_id, registration_types=["dynamic"]
            )
        except ApiError:
            return None
        count = len(page.rows) + (1 if page.has_more else 0)
        cache.set(key, count, TTL_SECONDS)
    return count
