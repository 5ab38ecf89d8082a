"""Fixtures of the audit tests: an Admin whose name the trail shows."""

import pytest
from django.test import Client

from tests.support import make_user


@pytest.fixture
def admin() -> Client:
    client = Client()
    client.force_login(make_user("alice", role="Admin"))
    return client
