"""Short-lived caches of what pages show beside applications: organization names and
permission slugs. A page fills them with at most one extra API call, never one per row.
"""

import time

from django.core.cache import cache

from dashboard import connect
from dashboard.connect.errors import ApiError

ORGANIZATIONS_KEY = "applications:organization-names"
PERMISSIONS_KEY = "applications:permission-slugs"
TTL_SECONDS = 60
# Names asked for but missing trigger a refill, but not more often than this.
REFILL_AFTER_SECONDS = 10
OPENID_SCOPES = ["openid", "profile", "email", "offline_access"]


def organization_names(needed: set[str] | None = None) -> dict[str, str]:
    """Names by organization ID; IDs the API did not list are simply absent."""
    cached = cache.get(ORGANIZATIONS_KEY)
    missing = (needed or set()) - (cached["names"].keys() if cached else set())
    if cached and (not missing or time.monotonic() - cached["at"] < REFILL_AFTER_SECONDS):
        return cached["names"]
    try:
        page = connect.organization_list(limit=100)
    except ApiError:
        # Names are a convenience: without them the page shows IDs instead of failing.
        return cached["names"] if cached else {}
    names = {org.id: org.name for org in page.data}
    cache.set(ORGANIZATIONS_KEY, {"names": names, "at": time.monotonic()}, TTL_SECONDS)
    return names


def permission_slugs() -> list[str]:
    slugs = cache.get(PERMISSIONS_KEY)
    if slugs is None:
        try:
            slugs = sorted(permission.slug for permission in connect.permission_iter())
        except ApiError:
            return []
        cache.set(PERMISSIONS_KEY, slugs, TTL_SECONDS)
    return slugs


def scope_choices() -> list[str]:
    return OPENID_SCOPES + [slug for slug in permission_slugs() if slug not in OPENID_SCOPES]
