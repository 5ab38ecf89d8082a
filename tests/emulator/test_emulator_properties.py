"""Arbitrary bodies and query strings against every endpoint of the embedded API.

Whatever comes in, the answer is a valid success or a well-formed JSON error (the
contract check in conftest validates each one), never a 500; and a refused request
changes nothing.
"""

import json

import pytest
from django.forms.models import model_to_dict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.emulator import store
from dashboard.emulator.models import (
    Application,
    ClientSecret,
    IdempotencyRecord,
    Organization,
    OrganizationDomain,
    Permission,
)

pytestmark = pytest.mark.django_db

PROPERTY_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
uri_like = st.sampled_from(
    [
        "https://app.example.com/cb",
        "http://127.0.0.1:8080/cb",
        "https://*.example.com/cb",
        "com.example.app:/oauth",
        "javascript:alert(1)",
        "https://u@evil.com",
        "http://evil.com",
        "https://a.example.com/../x",
        "https://app.example.com.evil.com/cb",
        "HTTPS://APP.EXAMPLE.COM",
        "https://[::1]:*/cb",
        "https://a.example.com/%2e%2e/",
        "",
        " https://a.example.com",
    ]
) | st.text(max_size=30)
redirect_uri_entries = st.lists(
    st.fixed_dictionaries({"uri": uri_like}, optional={"default": st.none() | st.booleans()})
    | json_values,
    max_size=4,
)
application_fields = {
    "name": st.text(max_size=12) | json_values,
    "description": st.none() | st.text(max_size=12) | json_values,
    "application_type": st.sampled_from(["oauth", "m2m", "saml", None]) | json_values,
    "is_first_party": st.booleans() | json_values,
    "organization_id": st.sampled_from(["ORG", "org_01NOPE", None]) | json_values,
    "uses_pkce": st.booleans() | json_values,
    "scopes": st.lists(
        st.sampled_from(["openid", "docs:read", "Bad Scope"]) | st.text(max_size=8), max_size=3
    )
    | json_values,
    "redirect_uris": redirect_uri_entries | json_values,
    "cors_origins": st.lists(uri_like, max_size=3) | json_values,
}
application_bodies = st.fixed_dictionaries({}, optional=application_fields) | json_values
organization_bodies = (
    st.fixed_dictionaries(
        {},
        optional={
            "name": st.text(max_size=12) | json_values,
            "domains": st.lists(
                st.sampled_from(["acme.example", "bad domain"]) | st.text(max_size=8), max_size=3
            )
            | json_values,
            "external_id": st.text(max_size=8) | json_values,
            "domain_data": st.lists(
                st.fixed_dictionaries(
                    {"domain": st.sampled_from(["acme.example", "globex.example"]) | json_values},
                    optional={"state": st.sampled_from(["pending", "verified"]) | json_values},
                )
                | json_values,
                max_size=3,
            )
            | json_values,
            "stripe_customer_id": st.text(max_size=8) | json_values,
            "metadata": st.dictionaries(
                st.text(max_size=45), st.text(max_size=8) | json_values, max_size=3
            )
            | json_values,
        },
    )
    | json_values
)
permission_bodies = (
    st.fixed_dictionaries(
        {},
        optional={
            "slug": st.sampled_from(["docs:read", "Bad Slug", "x" * 49]) | st.text(max_size=10),
            "name": st.text(max_size=50) | json_values,
            "description": json_values,
            "resource_type_slug": json_values,
        },
    )
    | json_values
)
query_strings = st.dictionaries(
    st.sampled_from(
        [
            "limit",
            "order",
            "before",
            "after",
            "organization_id",
            "registration_types",
            "search",
            "domains",
        ]
    )
    | st.text(max_size=8),
    st.sampled_from(
        ["1", "100", "0", "desc", "asc", "normal", "dynamic,authenticated", "conn_app_0", "ZZZ"]
    )
    | st.text(max_size=12),
    max_size=5,
)
raw_bodies = st.binary(max_size=60) | st.text(max_size=60).map(str.encode)


def snapshot() -> str:
    state = {
        model.__name__: [model_to_dict(row) for row in model.objects.order_by("pk")]
        for model in (
            Application,
            ClientSecret,
            Organization,
            OrganizationDomain,
            Permission,
            IdempotencyRecord,
        )
    }
    return json.dumps(state, default=str, sort_keys=True)


def assert_well_formed(response, before: str) -> None:
    assert response.status_code < 500, response.content
    if response.status_code in (202, 204):
        return
    body = response.json()
    if response.status_code >= 400:
        assert isinstance(body["message"], str) and body["message"]
        assert snapshot() == before, "a refused request changed the stored state"


@pytest.fixture
def world(db):
    org = store.organization_create(name="Acme", domains=[], metadata={}, external_id=None)
    store.organization_create(
        name="Globex", domains=[("globex.example", "verified")], metadata={}, external_id="crm-1"
    )
    app = store.application_create(application_type="oauth", name="Portal", is_first_party=True)
    perm = store.permission_create(
        slug="docs:read", name="Read", description=None, resource_type_slug="environment"
    )
    return {"org": org, "app": app, "perm": perm}


def with_real_org(body, world):
    if isinstance(body, dict) and body.get("organization_id") == "ORG":
        return body | {"organization_id": world["org"].id}
    return body


@PROPERTY_SETTINGS
@given(body=application_bodies)
def test_any_application_create_body(api, world, body):
    before = snapshot()
    response = api.post("connect/applications", with_real_org(body, world))
    assert_well_formed(response, before)
    if response.status_code == 201:
        assert Application.objects.filter(id=response.json()["id"]).exists()


@PROPERTY_SETTINGS
@given(body=application_bodies)
def test_any_application_update_body(api, world, body):
    before = snapshot()
    response = api.put(f"connect/applications/{world['app'].id}", with_real_org(body, world))
    assert_well_formed(response, before)


@PROPERTY_SETTINGS
@given(body=json_values)
def test_any_client_secret_body(api, world, body):
    before = snapshot()
    response = api.post(f"connect/applications/{world['app'].id}/client_secrets", body)
    assert_well_formed(response, before)


@PROPERTY_SETTINGS
@given(body=organization_bodies)
def test_any_organization_body(api, world, body):
    before = snapshot()
    assert_well_formed(api.post("organizations", body), before)


@PROPERTY_SETTINGS
@given(body=organization_bodies)
def test_any_organization_update_body(api, world, body):
    before = snapshot()
    assert_well_formed(api.put(f"organizations/{world['org'].id}", body), before)


@PROPERTY_SETTINGS
@given(body=permission_bodies)
def test_any_permission_body(api, world, body):
    before = snapshot()
    assert_well_formed(api.post("authorization/permissions", body), before)


@PROPERTY_SETTINGS
@given(body=permission_bodies)
def test_any_permission_update_body(api, world, body):
    before = snapshot()
    assert_well_formed(api.patch(f"authorization/permissions/{world['perm'].slug}", body), before)


@PROPERTY_SETTINGS
@given(
    raw=raw_bodies,
    path=st.sampled_from(
        [
            "connect/applications",
            "connect/applications/APP",
            "connect/applications/APP/client_secrets",
            "organizations",
            "organizations/ORG",
            "authorization/permissions",
            "authorization/permissions/docs:read",
        ]
    ),
    method=st.sampled_from(["post", "put", "patch"]),
)
def test_any_raw_body_on_any_writable_path(api, world, raw, path, method):
    before = snapshot()
    path = path.replace("APP", world["app"].id).replace("ORG", world["org"].id)
    response = getattr(api, method)(path, raw=raw)
    assert_well_formed(response, before)


@PROPERTY_SETTINGS
@given(
    query=query_strings,
    path=st.sampled_from(["connect/applications", "organizations", "authorization/permissions"]),
)
def test_any_query_string_on_every_list(api, world, query, path):
    before = snapshot()
    response = api.get(path, query)
    assert_well_formed(response, before)
    if response.status_code == 200:
        assert response.json()["object"] == "list"
    assert snapshot() == before


@PROPERTY_SETTINGS
@given(
    identifier=st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s),
    method=st.sampled_from(["get", "put", "patch", "delete"]),
    resource=st.sampled_from(
        [
            "connect/applications/",
            "connect/client_secrets/",
            "organizations/",
            "organizations/external_id/",
            "authorization/permissions/",
        ]
    ),
)
def test_any_identifier_in_a_path(api, world, identifier, method, resource):
    before = snapshot()
    path = resource + identifier.replace("?", "%3F").replace("#", "%23")
    if method in ("put", "patch"):
        response = getattr(api, method)(path, {})
    else:
        response = getattr(api, method)(path)
    assert_well_formed(response, before)
