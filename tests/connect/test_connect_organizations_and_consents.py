"""The service layer's organization, user and consent operations against a faked WorkOS:
the requests it sends and how it reads the answers (HTTP faked at the transport)."""

import json

import httpx
import pytest
import respx

from dashboard import connect
from dashboard.connect import errors
from dashboard.connect.models import (
    OrganizationCreate,
    OrganizationDomainInput,
    OrganizationUpdate,
)

BASE = "https://api.workos.test"
NOW = "2026-01-15T12:00:00.000Z"
ORG = {
    "object": "organization",
    "id": "org_01EHWNCE74X7JSDV0X3SZ3KJNY",
    "name": "Acme",
    "domains": [],
    "metadata": {},
    "external_id": None,
    "created_at": NOW,
    "updated_at": NOW,
}
USER = {
    "object": "user",
    "id": "user_01E4ZCR3C56J083X43JQXF3JK5",
    "email": "alice@acme.example",
    "first_name": "Alice",
    "last_name": None,
    "profile_picture_url": None,
    "email_verified": True,
    "external_id": None,
    "last_sign_in_at": None,
    "created_at": NOW,
    "updated_at": NOW,
}
AUTHORIZED = {
    "object": "authorized_connect_application",
    "id": "authorized_connect_app_01",
    "granted_scopes": ["openid", "profile"],
    "application": {
        "object": "connect_application",
        "id": "conn_app_01",
        "client_id": "client_01",
        "description": None,
        "name": "Partner Portal",
        "scopes": ["openid", "profile"],
        "created_at": NOW,
        "updated_at": NOW,
    },
}


def page(*records, before=None, after=None) -> dict:
    return {
        "object": "list",
        "data": list(records),
        "list_metadata": {"before": before, "after": after},
    }


@pytest.fixture(autouse=True)
def real_workos(settings):
    settings.WORKOS_API_KEY = "sk_test_faked"
    settings.WORKOS_BASE_URL = BASE


@pytest.fixture
def api():
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


def test_an_organization_is_created_with_its_name_and_domains(api, sleeps):
    route = api.post("/organizations").mock(return_value=httpx.Response(201, json=ORG))

    org = connect.organization_create(
        organization=OrganizationCreate(
            name="Acme", domain_data=[OrganizationDomainInput(domain="acme.example")]
        ),
        idempotency_key="key-1",
    )

    request = route.calls.last.request
    assert json.loads(request.content) == {
        "name": "Acme",
        "domain_data": [{"domain": "acme.example", "state": "pending"}],
    }
    assert request.headers["Idempotency-Key"] == "key-1"
    assert org.id == ORG["id"]


def test_a_rename_sends_the_name_alone(api, sleeps):
    route = api.put(f"/organizations/{ORG['id']}").mock(
        return_value=httpx.Response(200, json=ORG | {"name": "Acme Corp"})
    )

    org = connect.organization_update(
        organization_id=ORG["id"], changes=OrganizationUpdate(name="Acme Corp")
    )

    assert json.loads(route.calls.last.request.content) == {"name": "Acme Corp"}
    assert org.name == "Acme Corp"


def test_an_organization_is_deleted_and_a_missing_one_is_not_found(api, sleeps):
    api.delete("/organizations/org_1").mock(return_value=httpx.Response(204))
    api.delete("/organizations/org_2").mock(
        return_value=httpx.Response(404, json={"message": "Organization not found: 'org_2'."})
    )

    connect.organization_delete(organization_id="org_1")
    with pytest.raises(errors.NotFoundError):
        connect.organization_delete(organization_id="org_2")


def test_an_organizations_consents_are_read_with_their_user(api, sleeps):
    route = api.get("/organizations/org%2F1/authorized_applications").mock(
        return_value=httpx.Response(
            200, json=page(AUTHORIZED | {"user_id": USER["id"]}, after="authorized_connect_app_01")
        )
    )

    found = connect.organization_authorized_application_list(organization_id="org/1", limit=5)

    assert route.calls.last.request.url.params["limit"] == "5"
    (consent,) = found.data
    assert consent.user_id == USER["id"]
    assert consent.application.name == "Partner Portal"
    assert consent.granted_scopes == ["openid", "profile"]
    assert consent.created_at is None
    assert found.has_more


def test_the_consent_iterator_walks_every_page(api, sleeps):
    second = AUTHORIZED | {"id": "authorized_connect_app_02", "user_id": "user_2"}
    api.get("/organizations/org_1/authorized_applications").mock(
        side_effect=[
            httpx.Response(200, json=page(AUTHORIZED | {"user_id": "user_1"}, after="a1")),
            httpx.Response(200, json=page(second)),
        ]
    )

    found = list(connect.organization_authorized_application_iter(organization_id="org_1"))

    assert [consent.user_id for consent in found] == ["user_1", "user_2"]


def test_a_consent_that_cannot_be_read_spoils_no_other(api, sleeps):
    broken = {"object": "authorized_connect_application", "id": "authorized_connect_app_09"}
    api.get("/user_management/users/user_1/authorized_applications").mock(
        return_value=httpx.Response(200, json=page(broken, AUTHORIZED))
    )

    found = connect.user_authorized_application_list(user_id="user_1")

    assert [consent.id for consent in found.data] == ["authorized_connect_app_01"]
    assert found.unreadable[0].id == "authorized_connect_app_09"
    assert "application" in found.unreadable[0].problem


def test_revoking_a_consent_names_the_user_and_the_application(api, sleeps):
    route = api.delete("/user_management/users/user_1/authorized_applications/client_01").mock(
        return_value=httpx.Response(204)
    )

    connect.user_authorized_application_delete(user_id="user_1", application_id="client_01")

    assert route.called


def test_users_are_read_and_named(api, sleeps):
    api.get(f"/user_management/users/{USER['id']}").mock(
        return_value=httpx.Response(200, json=USER)
    )
    api.get("/user_management/users").mock(
        return_value=httpx.Response(200, json=page(USER | {"first_name": None}))
    )

    assert connect.user_get(user_id=USER["id"]).display_name == "Alice"
    assert connect.user_list(limit=100).data[0].display_name == "alice@acme.example"


def test_a_users_consents_are_walked_page_after_page(api, sleeps):
    second = AUTHORIZED | {"id": "authorized_connect_app_02"}
    route = api.get("/user_management/users/user_1/authorized_applications").mock(
        side_effect=[
            httpx.Response(200, json=page(AUTHORIZED, after="authorized_connect_app_01")),
            httpx.Response(200, json=page(second)),
        ]
    )

    found = list(connect.user_authorized_application_iter(user_id="user_1"))

    assert [consent.id for consent in found] == [
        "authorized_connect_app_01",
        "authorized_connect_app_02",
    ]
    assert route.calls.last.request.url.params["after"] == "authorized_connect_app_01"
