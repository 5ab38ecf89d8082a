import re
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.emulator.models import Application

ID_FORMAT = r"^{prefix}[0-9A-HJKMNP-TV-Z]{{26}}$"
TIMESTAMP_FORMAT = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"


def oauth_body(**overrides):
    return {
        "name": "Customer Portal",
        "application_type": "oauth",
        "is_first_party": True,
        "redirect_uris": [{"uri": "https://portal.example.com/callback", "default": True}],
        **overrides,
    }


def create(api, body):
    response = api.post("connect/applications", body)
    assert response.status_code == 201, response.json()
    return response.json()


def test_it_creates_a_first_party_oauth_application(api):
    app = create(api, oauth_body(description="Sign-in", scopes=["openid", "profile"]))

    assert re.match(ID_FORMAT.format(prefix="conn_app_"), app["id"])
    assert re.match(ID_FORMAT.format(prefix="client_"), app["client_id"])
    assert re.match(TIMESTAMP_FORMAT, app["created_at"])
    assert app["created_at"] == app["updated_at"]
    assert app | {"id": None, "client_id": None, "created_at": None, "updated_at": None} == {
        "object": "connect_application",
        "id": None,
        "client_id": None,
        "name": "Customer Portal",
        "description": "Sign-in",
        "application_type": "oauth",
        "scopes": ["openid", "profile"],
        "redirect_uris": [{"uri": "https://portal.example.com/callback", "default": True}],
        "uses_pkce": False,
        "is_first_party": True,
        "cors_origins": [],
        "created_at": None,
        "updated_at": None,
    }


def test_it_creates_a_third_party_oauth_application_in_an_organization(api, organization):
    app = create(
        api,
        oauth_body(
            is_first_party=False,
            organization_id=organization.id,
            uses_pkce=True,
            cors_origins=["https://portal.example.com", "http://localhost:3000"],
        ),
    )

    assert app["organization_id"] == organization.id
    assert app["was_dynamically_registered"] is False
    assert app["uses_pkce"] is True
    assert app["cors_origins"] == ["https://portal.example.com", "http://localhost:3000"]


def test_it_creates_an_m2m_application(api, organization):
    app = create(
        api,
        {
            "name": "Billing export",
            "application_type": "m2m",
            "organization_id": organization.id,
            "scopes": ["billing:read"],
        },
    )

    assert app["application_type"] == "m2m"
    assert app["organization_id"] == organization.id
    assert "redirect_uris" not in app and "uses_pkce" not in app and "cors_origins" not in app


def test_explicit_nulls_mean_not_set(api):
    app = create(
        api,
        oauth_body(
            description=None,
            scopes=None,
            redirect_uris=None,
            uses_pkce=None,
            organization_id=None,
            cors_origins=None,
        ),
    )

    assert app["description"] is None
    assert app["scopes"] == [] and app["redirect_uris"] == [] and app["cors_origins"] == []
    assert app["uses_pkce"] is False


def test_the_first_redirect_uri_becomes_the_default_when_none_is_marked(api):
    app = create(
        api,
        oauth_body(
            redirect_uris=[
                {"uri": "https://a.example.com/cb"},
                {"uri": "https://b.example.com/cb", "default": False},
            ]
        ),
    )

    assert app["redirect_uris"] == [
        {"uri": "https://a.example.com/cb", "default": True},
        {"uri": "https://b.example.com/cb", "default": False},
    ]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"application_type": "oauth", "is_first_party": True}, "name", "required"),
        (oauth_body(name="   "), "name", "blank"),
        (oauth_body(name=42), "name", "invalid_type"),
        (oauth_body(is_first_party=None), "is_first_party", "required"),
        (oauth_body(is_first_party="yes"), "is_first_party", "invalid_type"),
        (oauth_body(is_first_party=False), "organization_id", "required"),
        (oauth_body(application_type="saml"), "application_type", "invalid_value"),
        ({"name": "x"}, "application_type", "required"),
        (oauth_body(scopes="openid"), "scopes", "invalid_type"),
        (oauth_body(scopes=["openid", "openid"]), "scopes[1]", "duplicate"),
        (oauth_body(scopes=["Not A Scope"]), "scopes[0]", "invalid_scope"),
        (
            oauth_body(
                redirect_uris=[
                    {"uri": "https://a.example.com", "default": True},
                    {"uri": "https://b.example.com", "default": True},
                ]
            ),
            "redirect_uris",
            "multiple_defaults",
        ),
        (
            oauth_body(redirect_uris=[{"uri": "javascript:alert(1)"}]),
            "redirect_uris[0].uri",
            "forbidden_scheme",
        ),
        (oauth_body(redirect_uris=[{"uri": "/relative"}]), "redirect_uris[0].uri", "not_absolute"),
        (
            oauth_body(redirect_uris=[{"uri": "https://a.example.com/#x"}]),
            "redirect_uris[0].uri",
            "fragment_not_allowed",
        ),
        (
            oauth_body(
                redirect_uris=[{"uri": "https://a.example.com"}, {"uri": "https://a.example.com"}]
            ),
            "redirect_uris[1].uri",
            "duplicate",
        ),
        (
            oauth_body(redirect_uris=[{"uri": "https://*.example.com/cb", "default": True}]),
            "redirect_uris[0].uri",
            "wildcard_not_allowed",
        ),
        (
            oauth_body(redirect_uris=[{"url": "https://a.example.com"}]),
            "redirect_uris[0].url",
            "unknown_field",
        ),
        (oauth_body(redirect_uris=["https://a.example.com"]), "redirect_uris[0]", "invalid_type"),
        (
            oauth_body(cors_origins=["https://a.example.com/path"]),
            "cors_origins[0]",
            "invalid_origin",
        ),
        (oauth_body(cors_origins=["ftp://a.example.com"]), "cors_origins[0]", "invalid_origin"),
        (oauth_body(redirect_uri="https://a.example.com"), "redirect_uri", "unknown_field"),
        ({"name": "m", "application_type": "m2m"}, "organization_id", "required"),
        (
            {
                "name": "m",
                "application_type": "m2m",
                "organization_id": "org_1",
                "redirect_uris": [{"uri": "https://a.example.com"}],
            },
            "redirect_uris",
            "not_allowed",
        ),
        (
            {"name": "m", "application_type": "m2m", "organization_id": "org_1", "uses_pkce": True},
            "uses_pkce",
            "not_allowed",
        ),
        (
            {
                "name": "m",
                "application_type": "m2m",
                "organization_id": "org_1",
                "is_first_party": True,
            },
            "is_first_party",
            "not_allowed",
        ),
        (oauth_body(organization_id="org_1"), "organization_id", "not_allowed"),
    ],
)
def test_it_refuses_invalid_applications_field_by_field(api, body, field, code):
    response = api.post("connect/applications", body)

    assert response.status_code == 422
    assert response.json()["code"] == "unprocessable_entity"
    assert {"field": field, "code": code} in [
        {"field": error["field"], "code": error["code"]} for error in response.json()["errors"]
    ]
    assert not Application.objects.exists()


def test_it_lists_every_problem_at_once(api):
    response = api.post(
        "connect/applications",
        {"application_type": "oauth", "name": "", "redirect_uris": [{"uri": "data:x"}]},
    )

    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"name", "is_first_party", "redirect_uris[0].uri"}


def test_an_unknown_organization_is_404(api):
    response = api.post(
        "connect/applications",
        {"name": "m", "application_type": "m2m", "organization_id": "org_01NOPE"},
    )

    assert response.status_code == 404
    assert response.json()["message"] == "Organization not found: 'org_01NOPE'."
    assert not Application.objects.exists()


def test_it_gets_an_application_by_id_and_by_client_id(api):
    app = create(api, oauth_body())

    by_id = api.get(f"connect/applications/{app['id']}")
    by_client_id = api.get(f"connect/applications/{app['client_id']}")

    assert by_id.status_code == by_client_id.status_code == 200
    assert by_id.json() == by_client_id.json() == app


def plans_of_application_reads(request) -> list[str]:
    """SQLite's plan of each statement that `request()` made on the applications' table."""
    with CaptureQueriesContext(connection) as captured:
        request()
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if query["sql"].startswith("SELECT") and '"emulator_application"' in query["sql"]:
                cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
                plans += [row[-1] for row in cursor.fetchall()]
    return plans


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize("method", ["get", "put"])
@pytest.mark.parametrize("key", ["id", "client_id"])
def test_it_finds_one_application_by_its_keys_not_by_walking_the_environment(api, method, key):
    app = create(api, oauth_body())
    create(api, oauth_body(name="Another"))
    path = f"connect/applications/{app[key]}"

    if method == "get":
        plans = plans_of_application_reads(lambda: api.get(path))
    else:
        plans = plans_of_application_reads(lambda: api.put(path, {"name": "Renamed"}))

    assert plans
    walks = [p for p in plans if "emulator_application" in p and "id=?" not in p]
    assert not walks, plans


@pytest.mark.parametrize("identifier", ["conn_app_01NOPE", "x" * 500, "%00", "..%2f"])
def test_an_unknown_application_is_404(api, identifier):
    response = api.get(f"connect/applications/{identifier}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_update_changes_what_is_sent_and_keeps_the_rest(api, organization):
    app = create(
        api,
        oauth_body(
            is_first_party=False,
            organization_id=organization.id,
            description="Old",
            scopes=["openid"],
            cors_origins=["https://a.example.com"],
        ),
    )

    response = api.put(
        f"connect/applications/{app['client_id']}",
        {
            "name": "Renamed",
            "redirect_uris": [{"uri": "https://new.example.com/cb"}],
            "description": None,
        },
    )

    assert response.status_code == 200
    updated = response.json()
    assert updated["name"] == "Renamed"
    assert updated["redirect_uris"] == [{"uri": "https://new.example.com/cb", "default": True}]
    assert updated["description"] == "Old"
    assert updated["scopes"] == ["openid"]
    assert updated["cors_origins"] == ["https://a.example.com"]
    assert datetime.fromisoformat(updated["updated_at"]) >= datetime.fromisoformat(
        app["updated_at"]
    )
    assert api.get(f"connect/applications/{app['id']}").json() == updated


def test_update_replaces_whole_lists_and_an_empty_description_clears_it(api):
    app = create(api, oauth_body(description="Old", scopes=["openid", "email"]))

    updated = api.put(f"connect/applications/{app['id']}", {"scopes": [], "description": ""}).json()

    assert updated["scopes"] == []
    assert updated["description"] is None


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"application_type": "m2m"}, "application_type", "immutable"),
        ({"is_first_party": False}, "is_first_party", "immutable"),
        ({"uses_pkce": True}, "uses_pkce", "immutable"),
        ({"organization_id": "org_01OTHER"}, "organization_id", "immutable"),
        ({"name": ""}, "name", "blank"),
        ({"name": None}, "name", "invalid_type"),
        (
            {"redirect_uris": [{"uri": "http://evil.example.com/cb"}]},
            "redirect_uris[0].uri",
            "https_required",
        ),
        ({"client_id": "client_x"}, "client_id", "unknown_field"),
    ],
)
def test_update_refuses_invalid_changes_and_changes_nothing(api, change, field, code):
    app = create(api, oauth_body())

    response = api.put(f"connect/applications/{app['id']}", change)

    assert response.status_code == 422
    assert (field, code) in [(e["field"], e["code"]) for e in response.json()["errors"]]
    assert api.get(f"connect/applications/{app['id']}").json() == app
    assert api.get(f"connect/applications/{app['id']}/client_secrets").json() == []


def test_update_accepts_immutable_fields_sent_unchanged(api):
    app = create(api, oauth_body())

    response = api.put(
        f"connect/applications/{app['id']}",
        {
            "name": "Same type",
            "application_type": "oauth",
            "is_first_party": True,
            "uses_pkce": False,
        },
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Same type"


def test_m2m_applications_have_no_redirect_uris_to_update(api, organization):
    app = create(api, {"name": "m", "application_type": "m2m", "organization_id": organization.id})

    response = api.put(
        f"connect/applications/{app['id']}", {"cors_origins": ["https://a.example.com"]}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "not_allowed"


def test_delete_answers_204_then_the_application_is_gone(api):
    app = create(api, oauth_body())

    response = api.delete(f"connect/applications/{app['client_id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert api.get(f"connect/applications/{app['id']}").status_code == 404
    assert api.delete(f"connect/applications/{app['id']}").status_code == 404


def test_malformed_json_is_422_and_changes_nothing(api):
    for raw in ['{"name": ', "[1, 2]", '"text"', "NaN", "\xff\xfe", "[" * 100_000]:
        response = api.post("connect/applications", raw=raw)

        assert response.status_code == 422, raw
        assert response.json()["code"] == "invalid_request_body"
    assert not Application.objects.exists()


@pytest.mark.parametrize("raw", ["[]", "", "  "])
@pytest.mark.parametrize("method", ["put", "post"])
def test_a_body_that_is_not_a_json_object_is_422_on_an_application(api, method, raw):
    app = create(api, oauth_body())
    path = f"connect/applications/{app['id']}" + ("/client_secrets" if method == "post" else "")

    # The contract requires a body of both, if only {}.
    response = getattr(api, method)(path, raw=raw)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request_body"
    assert api.get(f"connect/applications/{app['id']}").json() == app
    assert api.get(f"connect/applications/{app['id']}/client_secrets").json() == []


def test_an_unknown_method_is_405_with_allow(api):
    response = api.generic("PATCH", "connect/applications")

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert response.json()["code"] == "method_not_allowed"


def test_an_unknown_path_is_a_json_404(api):
    response = api.get("connect/nothing/here")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("authorization", [None, "Bearer sk_test_wrong", "Basic c2s=", "Bearer"])
def test_any_other_key_is_401_in_workos_shape(db, authorization):
    from django.test import Client

    headers = {"Authorization": authorization} if authorization else {}
    response = Client().get("/emulator/connect/applications", headers=headers)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response["X-Request-ID"]


def test_the_key_is_configurable(db, settings):
    from tests.support import ApiClient

    settings.WORKOS_EMULATOR_API_KEY = "sk_test_other"

    assert ApiClient("sk_test_other").get("connect/applications").status_code == 200
    assert ApiClient().get("connect/applications").status_code == 401


def test_every_answer_has_a_request_id_of_its_own(api):
    first = api.get("connect/applications")
    second = api.get("connect/applications")

    assert first["X-Request-ID"] and first["X-Request-ID"] != second["X-Request-ID"]


def test_the_api_is_off_when_a_real_key_is_configured(api, settings):
    settings.WORKOS_API_KEY = "sk_test_real"

    assert api.get("connect/applications").status_code == 404

    settings.WORKOS_EMULATOR = True
    assert api.get("connect/applications").status_code == 200


def test_it_needs_no_csrf_token(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION="Bearer sk_test_emulator")
    response = client.post(
        "/emulator/connect/applications", oauth_body(), content_type="application/json"
    )

    assert response.status_code == 201
