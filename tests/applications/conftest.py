"""Fixtures of the tests of the application pages: Acme's customer portal."""

import pytest

from dashboard.emulator import store


@pytest.fixture
def app(org):
    return store.application_create(
        application_type="oauth",
        name="Customer Portal",
        is_first_party=False,
        organization_id=org.id,
        scopes=["openid"],
        redirect_uris=[{"uri": "https://portal.example.com/cb", "default": True}],
        cors_origins=["https://portal.example.com"],
    )
