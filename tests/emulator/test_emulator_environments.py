"""The embedded API's two environments: separate data in one database, chosen by API key
exactly as WorkOS chooses one, with production rules in production."""

import pytest
from django.test import Client

from dashboard.emulator import partition, store
from dashboard.emulator.models import Application
from tests.support import ApiClient

pytestmark = pytest.mark.django_db

LIVE = "sk_live_emulator"
APP = {"name": "Portal", "application_type": "oauth", "is_first_party": True}


@pytest.fixture
def production() -> ApiClient:
    return ApiClient(LIVE)


def test_each_key_sees_only_its_environments_records(api, production):
    sandbox_app = api.post("connect/applications", APP).json()
    live_app = production.post("connect/applications", APP | {"name": "Live Portal"}).json()
    org = production.post("organizations", {"name": "Acme"}).json()

    assert [a["id"] for a in api.get("connect/applications").json()["data"]] == [sandbox_app["id"]]
    assert [a["id"] for a in production.get("connect/applications").json()["data"]] == [
        live_app["id"]
    ]
    assert api.get(f"connect/applications/{live_app['id']}").status_code == 404
    assert api.delete(f"connect/applications/{live_app['id']}").status_code == 404
    assert api.get(f"organizations/{org['id']}").status_code == 404
    assert api.post(f"connect/applications/{live_app['id']}/client_secrets", {}).status_code == 404
    secret = production.post(f"connect/applications/{live_app['id']}/client_secrets", {}).json()
    assert api.delete(f"connect/client_secrets/{secret['id']}").status_code == 404
    assert Application.objects.count() == 1  # Outside a request: the sandbox.
    with partition.override("production"):
        assert store.application_get(live_app["id"]).name == "Live Portal"


def test_names_that_must_be_unique_are_unique_per_environment(api, production):
    for client in (api, production):
        created = client.post(
            "user_management/users", {"email": "alice@acme.example", "password": "x" * 12}
        )
        assert created.status_code == 201, created.json()
        permission = client.post(
            "authorization/permissions", {"slug": "reports:read", "name": "Read reports"}
        )
        assert permission.status_code == 201, permission.json()


def test_an_idempotency_key_is_one_environments(api, production):
    first = api.post("connect/applications", APP, **{"Idempotency-Key": "k"}).json()
    second = production.post("connect/applications", APP, **{"Idempotency-Key": "k"}).json()

    assert first["id"] != second["id"]


def test_production_refuses_http_and_localhost_redirect_uris_the_sandbox_takes(api, production):
    body = APP | {"redirect_uris": [{"uri": "http://localhost:3000/callback", "default": True}]}

    assert api.post("connect/applications", body).status_code == 201
    refused = production.post("connect/applications", body)

    assert refused.status_code == 422
    assert "production" in refused.content.decode()


def test_an_unknown_key_opens_no_environment(db):
    assert ApiClient("sk_live_guess").get("connect/applications").status_code == 401


def test_each_environment_has_its_own_authorization_server(db):
    sandbox = Client().get("/emulator/.well-known/openid-configuration").json()
    live = Client().get("/emulator/production/.well-known/openid-configuration").json()

    assert sandbox["issuer"] == "http://testserver/emulator"
    assert live["issuer"] == "http://testserver/emulator/production"
    assert live["token_endpoint"] == "http://testserver/emulator/production/oauth2/token"


def test_a_client_of_one_environment_gets_no_token_from_the_others_server(api, production):
    org = api.post("organizations", {"name": "Acme"}).json()
    worker = api.post(
        "connect/applications",
        {"name": "Worker", "application_type": "m2m", "organization_id": org["id"]},
    ).json()
    secret = api.post(f"connect/applications/{worker['id']}/client_secrets", {}).json()["secret"]
    form = {
        "grant_type": "client_credentials",
        "client_id": worker["client_id"],
        "client_secret": secret,
    }

    sandbox_token = Client().post("/emulator/oauth2/token", form)
    live_token = Client().post("/emulator/production/oauth2/token", form)

    assert sandbox_token.status_code == 200
    assert live_token.status_code == 401 and live_token.json()["error"] == "invalid_client"
