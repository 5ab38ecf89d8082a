"""What the tests share that is not a fixture: the API client, users of each role, the HTMX
header, the settings module run afresh. Fixtures live in the conftest.py files."""

import json
import runpy
from pathlib import Path

from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "sk_test_emulator"
# An empty page of any list, as the API answers it.
EMPTY_PAGE = {"object": "list", "data": [], "list_metadata": {"before": None, "after": None}}
HTMX = {"HX-Request": "true"}


class ApiClient:
    """The Django test client speaking to the embedded API as an API client would."""

    def __init__(self, key: str = API_KEY):
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    def _url(self, path: str) -> str:
        return "/emulator/" + path.lstrip("/")

    def get(self, path: str, params=None, **headers):
        return self.client.get(self._url(path), params or {}, headers=headers)

    def post(self, path: str, body=None, *, raw: str | bytes | None = None, **headers):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(
            self._url(path), data, content_type="application/json", headers=headers
        )

    def put(self, path: str, body=None, *, raw=None, **headers):
        data = raw if raw is not None else json.dumps(body)
        return self.client.put(
            self._url(path), data, content_type="application/json", headers=headers
        )

    def patch(self, path: str, body=None, *, raw=None, **headers):
        data = raw if raw is not None else json.dumps(body)
        return self.client.patch(
            self._url(path), data, content_type="application/json", headers=headers
        )

    def delete(self, path: str, **headers):
        return self.client.delete(self._url(path), headers=headers)

    def generic(self, method: str, path: str, **headers):
        return self.client.generic(method, self._url(path), headers=headers)


def make_user(
    username: str = "ops", role: str | None = "Admin", password: str = "correct-horse-battery"
):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    from dashboard.kernel.roles import ensure_roles

    # Transactional tests flush the groups the migration made.
    ensure_roles(Group, Permission)
    user = get_user_model().objects.create_user(username, password=password)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def signed_in(role: str) -> Client:
    """A test client signed in as a user of `role`."""
    client = Client()
    client.force_login(make_user(f"user-{role.lower()}", role=role))
    return client


def consent(user, app, organization, scopes: list[str]) -> None:
    """A consent, as the authorization server records it when the user allows the app."""
    from dashboard.emulator.authkit import consents

    consents.consent_record(
        user_id=user.id, app=app, organization_id=organization.id, scopes=scopes
    )


def oauth_form(**overrides) -> dict:
    """What the form of a new OAuth application posts, with `overrides`."""
    return {
        "application_type": "oauth",
        "party": "first",
        "name": "Portal",
        "description": "Sign-in",
        "redirect_uri": ["https://a.example.com/cb", "https://b.example.com/cb"],
        "redirect_default": "1",
        "scopes": ["openid", "email"],
        "extra_scopes": "custom:x",
        "cors_origins": "https://a.example.com\nhttps://b.example.com",
        "uses_pkce": "on",
        "idempotency_key": "form-key-1",
        "action": "save",
        **overrides,
    }


def load_settings() -> dict:
    """The settings module run afresh, as a process reading the current environment would."""
    return runpy.run_path(str(ROOT / "dashboard" / "settings.py"))
