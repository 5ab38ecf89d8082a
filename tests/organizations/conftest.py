"""Fixtures of the tests of the organization pages, consents and the organization box:
signed-in clients of each role and a machine-to-machine application of Acme. Acme, Globex,
its portal and Alice are shared with the browser tests (tests/conftest.py)."""

import pytest
from django.test import Client

from dashboard.emulator import store
from tests.support import signed_in


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
def worker(acme):
    return store.application_create(
        application_type="m2m", name="Billing worker", organization_id=acme.id
    )
