"""Fixtures shared by the tests of the organization pages, consents and the organization
box: signed-in clients of each role, organizations, applications, a user and their consent,
all in the embedded API."""

import pytest
from django.test import Client

from dashboard.emulator import store
from dashboard.emulator.http import api_responded
from dashboard.emulator.user_management import store as users

from .conftest import make_user

HTMX = {"HX-Request": "true"}


def signed_in(role: str) -> Client:
    client = Client()
    client.force_login(make_user(f"user-{role.lower()}", role=role))
    return client


@pytest.fixture
def viewer(db) -> Client:
    return signed_in("Viewer")


@pytest.fixture
def editor(db) -> Client:
    return signed_in("Editor")


@pytest.fixture
def admin(db) -> Client:
    return signed_in("Admin")


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
def worker(acme):
    return store.application_create(
        application_type="m2m", name="Billing worker", organization_id=acme.id
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


def consent(user, app, organization, scopes: list[str]) -> None:
    """A consent, as the authorization server records it when the user allows the app."""
    from dashboard.emulator.authkit import consents

    consents.consent_record(
        user_id=user.id, app=app, organization_id=organization.id, scopes=scopes
    )


@pytest.fixture
def api_calls():
    """Every request that reached the embedded API during the test."""
    calls: list[str] = []

    def record(sender, request, response, **kwargs):
        calls.append(f"{request.method} {request.path}")

    api_responded.connect(record, dispatch_uid="tests.organization_api_calls")
    yield calls
    api_responded.disconnect(dispatch_uid="tests.organization_api_calls")
