"""What the dashboard itself keeps in the environments it manages, told apart from the
customers' own configuration:

- the test callback that "Try the sign-in" registers on an application,
  `<dashboard>/<environment>/applications/<application id>/try-sign-in/callback`;
- the application the dashboard's staff sign in through (single sign-on).

Exports and promotion previews leave them out, so that a file or a copy does not carry the
dashboard's own address or sign-in into another environment; applying a file keeps them
where they are, so that an export applied again changes nothing.
"""

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve

from dashboard import environments
from dashboard.kernel.reversing import urlconf
from dashboard.kernel.statements import Prepared

# The URL name of the test callback (dashboard/onboarding/urls.py).
TEST_CALLBACK = "onboarding:try-callback"


def is_test_callback(uri: str) -> bool:
    """Whether `uri` is the dashboard's test callback, of any environment and application,
    at whatever host the dashboard was reached (its path tells)."""
    path = urlsplit(uri).path
    if not path.endswith("/callback"):
        return False

    for environment in environments.all():
        try:
            match = resolve(path, urlconf=urlconf(environment.name))
        except Resolver404:
            continue
        if match.view_name == TEST_CALLBACK:
            return True
    return False


def without_test_callbacks(entries: Iterable[dict]) -> list[dict]:
    """Redirect URI entries ({"uri", "default"}) but the dashboard's test callbacks."""
    return [entry for entry in entries if not is_test_callback(entry["uri"])]


def keeping_test_callbacks(wanted: list[dict], held: Iterable[dict]) -> list[dict]:
    """The redirect URIs `wanted`, with the test callbacks of those `held` that it does not
    list: each after the entry it follows in `held`, so that `held` less its test callbacks
    gives back `held` exactly."""
    result = [dict(entry) for entry in wanted]
    has_default = any(entry["default"] for entry in wanted)
    position = 0
    for entry in held:
        listed = [index for index, kept in enumerate(result) if kept["uri"] == entry["uri"]]
        if listed:
            position = listed[0] + 1
        elif is_test_callback(entry["uri"]):
            default = bool(entry.get("default")) and not has_default
            result.insert(position, {"uri": entry["uri"], "default": default})
            position += 1
    return result


def _embedded_sign_on_client_ids():
    from dashboard.kernel.models import EmbeddedSignOn

    return EmbeddedSignOn.objects.values_list("client_id", flat=True)


_EMBEDDED_SIGN_ON = Prepared(_embedded_sign_on_client_ids)


def staff_sign_on_client_ids() -> frozenset[str]:
    """The client IDs of the applications the dashboard's staff sign in through: the
    configured identity provider's client, and the one `quickstart` registered at the
    embedded authorization server. Deleting one stops staff single sign-on."""
    ids = {client_id for (client_id,) in _EMBEDDED_SIGN_ON.rows()}
    if settings.DASHBOARD_OIDC_ISSUER and settings.DASHBOARD_OIDC_CLIENT_ID:
        ids.add(settings.DASHBOARD_OIDC_CLIENT_ID)
    return frozenset(ids)


def is_staff_sign_on(app: Any, client_ids: frozenset[str] | None = None) -> bool:
    """Whether `app` is an application the dashboard's staff sign in through."""
    if client_ids is None:
        client_ids = staff_sign_on_client_ids()
    return getattr(app, "client_id", None) in client_ids
