import json
import threading

import pytest
from django.core.cache import cache
from django.test import Client

from dashboard.connect.client import reset_client
from dashboard.emulator import store
from dashboard.emulator.http import api_responded

from . import contract

API_KEY = "sk_test_emulator"
# An empty page of any list, as the API answers it.
EMPTY_PAGE = {"object": "list", "data": [], "list_metadata": {"before": None, "after": None}}

_violations: list[str] = []
_lock = threading.Lock()


def _check_contract(sender, request, response, **kwargs) -> None:
    try:
        contract.check(
            request.method, request.path, response.status_code, response, response.content
        )
    except Exception as error:  # noqa: BLE001 - every kind of failure is a violation to report
        with _lock:
            _violations.append(
                f"{request.method} {request.get_full_path()} -> {response.status_code}: "
                f"{type(error).__name__}: {error}\n{response.content[:500]!r}"
            )


api_responded.connect(_check_contract, dispatch_uid="tests.contract")


@pytest.fixture(autouse=True)
def every_api_answer_follows_the_contract():
    """Each test fails if any answer of the embedded API it caused breaks the contract."""
    with _lock:
        _violations.clear()
    yield
    with _lock:
        found = list(_violations)
        _violations.clear()
    assert not found, "Contract violations:\n" + "\n\n".join(found)


@pytest.fixture(autouse=True)
def fresh_connect_client():
    reset_client()
    cache.clear()
    yield
    reset_client()


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Time patched out of the service layer: the delays it would have slept."""
    slept: list[float] = []
    monkeypatch.setattr("dashboard.connect.client.sleep", slept.append)
    return slept


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


@pytest.fixture
def api(db) -> ApiClient:
    return ApiClient()


@pytest.fixture
def organization(db):
    return store.organization_create(
        name="Acme", domains=[("acme.example", "verified")], metadata={}, external_id=None
    )


@pytest.fixture
def other_organization(db):
    return store.organization_create(name="Globex", domains=[], metadata={}, external_id=None)


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
