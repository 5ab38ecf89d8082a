"""Fixtures for every folder of tests: each answer of the embedded API checked against the
contract, a fresh service layer, the embedded API's client, organizations, applications and
signed-in users that several folders share. A folder's own fixtures are in its conftest.py,
and a module that means something else by a name keeps its own fixture of that name."""

import os
import subprocess
import sys
import threading
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.cache import cache
from django.test import Client

from dashboard.connect.client import reset_client
from dashboard.emulator import store
from dashboard.emulator.http import api_responded
from dashboard.emulator.user_management import store as users
from tests.support import ROOT, ApiClient, contract, make_user
from tests.support.servers import PASSWORD as SERVER_PASSWORD

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


@pytest.fixture
def acme(db):
    return store.organization_create(
        name="Acme", domains=[("acme.example", "verified")], metadata={}, external_id=None
    )


@pytest.fixture
def globex(db):
    return store.organization_create(name="Globex", domains=[], metadata={}, external_id=None)


@pytest.fixture
def portal(acme):
    return store.application_create(
        application_type="oauth",
        name="Partner Portal",
        is_first_party=False,
        organization_id=acme.id,
        scopes=["openid", "profile"],
        redirect_uris=[{"uri": "https://portal.example.com/cb", "default": True}],
    )


@pytest.fixture
def alice(db):
    return users.user_create(
        email="alice@acme.example",
        password=None,
        first_name="Alice",
        last_name="Smith",
        name=None,
        email_verified=True,
        external_id=None,
        metadata={},
    )


@pytest.fixture
def org(db):
    return store.organization_create(name="Acme", domains=[], metadata={}, external_id=None)


@pytest.fixture
def user():
    return make_user("ops", role="Admin")


@pytest.fixture
def browser(client, user) -> Client:
    """The test client signed in as an Admin."""
    client.force_login(user)
    return client


@pytest.fixture
def api_calls():
    """Every request that reached the embedded API during the test."""
    calls: list[str] = []

    def record(sender, request, response, **kwargs):
        calls.append(f"{request.method} {request.path}")

    api_responded.connect(record, dispatch_uid="tests.api_calls")
    yield calls
    api_responded.disconnect(dispatch_uid="tests.api_calls")


@pytest.fixture
def database_url(tmp_path):
    """A database for the server processes alone: never the test run's own."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    import psycopg

    name = f"concurrency_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def server_env(database_url):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": database_url,
        "DASHBOARD_ADMIN_PASSWORD": SERVER_PASSWORD,
        "WORKOS_TIMEOUT": "20",
        # Many sign-ins and writes from one address are the test, not an attack.
        "DASHBOARD_SIGNIN_FAILURE_LIMIT": "1000",
    }
    subprocess.run(
        [sys.executable, "manage.py", "quickstart", "--no-serve"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )
    return env
