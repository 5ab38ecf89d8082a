"""Fixtures of the embedded API's tests over real HTTP: its issuer on the live server, and
the official SDK pointed at it."""

import pytest
from workos import WorkOSClient


@pytest.fixture
def issuer(live_server) -> str:
    return live_server.url + "/emulator"


@pytest.fixture
def workos(live_server) -> WorkOSClient:
    return WorkOSClient(
        api_key="sk_test_emulator",
        client_id="client_sdk_test",
        base_url=f"{live_server.url}/emulator",
        max_retries=0,
    )
