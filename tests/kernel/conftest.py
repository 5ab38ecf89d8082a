"""Fixtures of the tests of what every feature shares: an Admin."""

import pytest
from django.test import Client

from tests.support import make_user


@pytest.fixture
def admin() -> Client:
    client = Client()
    client.force_login(make_user("ops", role="Admin"))
    return client
