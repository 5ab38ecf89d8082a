"""Input the embedded API refuses with a clear 4xx rather than reading it loosely: cursors
that are no ID of the list, and numbers or strings where the contract says boolean."""

import pytest
import yaml

from dashboard.emulator import store
from dashboard.emulator.ids import new_id
from dashboard.emulator.models import Application, Organization, User
from tests.support.contract import SPEC_PATH, USER_MANAGEMENT_SPEC_PATH

pytestmark = pytest.mark.django_db

# --- Cursors ----------------------------------------------------------------------------------

# The list at each path, the status its contract documents for a refusal, and the prefix of
# its IDs (the users list takes any object ID's shape).
LISTS = {
    "connect/applications": (422, "conn_app_"),
    "organizations": (422, "org_"),
    "authorization/permissions": (404, "perm_"),
    "user_management/users": (422, "user_"),
}
ULID = "01JP8BD0CZ401TDF9X54NT5ZEK"
NOT_IDS = [
    "garbage",
    "0",
    "{prefix}",
    "{prefix}" + ULID[:-1],
    "{prefix}" + ULID + "0",
    "{prefix}" + ULID.lower(),
    # Not Crockford base 32: I, L, O and U are not digits of it.
    "{prefix}" + "01JP8BD0CZ401TDF9X54NT5ZEI",
    # 26 digits beginning with 8 or more would need 130 bits; a ULID has 128.
    "{prefix}" + "81JP8BD0CZ401TDF9X54NT5ZEK",
    "{prefix}" + ULID + "\u200b",
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("cursor", ["before", "after"])
@pytest.mark.parametrize("value", NOT_IDS)
def test_a_cursor_that_is_no_id_is_refused_with_the_lists_documented_status(
    api, path, cursor, value
):
    status, prefix = LISTS[path]

    response = api.get(path, {cursor: value.format(prefix=prefix)})

    assert response.status_code == status
    assert response.json()["errors"][0]["field"] == cursor
    assert "list_metadata" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("path", "other_kind"),
    [
        ("connect/applications", "org_"),
        ("connect/applications", "client_"),
        ("organizations", "conn_app_"),
        ("authorization/permissions", "org_"),
    ],
)
def test_an_id_of_another_kind_is_no_cursor_of_this_list(api, path, other_kind):
    status, prefix = LISTS[path]

    response = api.get(path, {"after": other_kind + ULID})

    assert response.status_code == status
    assert f"“{prefix}”" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("path", LISTS)
def test_an_id_of_the_list_is_a_cursor_even_when_nothing_has_it(api, path):
    _, prefix = LISTS[path]

    response = api.get(path, {"after": prefix + ULID})

    assert response.status_code == 200


def test_the_cursors_a_list_gives_are_taken_back(api, organization):
    for index in range(3):
        store.application_create(
            application_type="m2m", name=f"Worker {index}", organization_id=organization.id
        )
    store.organization_create(name="Globex", domains=[], metadata={}, external_id=None)
    for email in ("ada@example.com", "bob@example.com"):
        user_id, created = new_id("user_")
        User.objects.create(id=user_id, email=email, created_at=created, updated_at=created)

    for path in ("connect/applications", "organizations", "user_management/users"):
        first = api.get(path, {"limit": 1}).json()
        after = first["list_metadata"]["after"]
        second = api.get(path, {"limit": 1, "after": after})
        back = api.get(path, {"limit": 1, "before": second.json()["data"][0]["id"]})

        assert second.status_code == 200 and back.status_code == 200, path
        assert back.json()["data"] == first["data"]


# --- Booleans ---------------------------------------------------------------------------------

# A body that each operation accepts, and how to put a value at one of its boolean fields.
OAUTH = {"name": "Portal", "application_type": "oauth", "is_first_party": True}
BODIES = {
    ("POST", "/connect/applications"): OAUTH,
    ("PUT", "/connect/applications/{id}"): {"name": "Portal"},
    ("POST", "/organizations"): {"name": "Acme"},
    ("POST", "/authorization/permissions"): {"slug": "docs:read", "name": "Read docs"},
    ("POST", "/user_management/users"): {"email": "ada@example.com"},
}
# Boolean fields the embedded API takes beyond those of the contract's request schemas:
# a PUT may repeat the values that cannot change.
EXTRA_BOOLEANS = {("PUT", "/connect/applications/{id}"): {"is_first_party", "uses_pkce"}}
NOT_BOOLEANS = [1, 0, 1.0, "true", "false", "", [], {}]


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rpartition("/")[2]]
    return schema


def _booleans(spec: dict, schema: dict, path: str = "") -> set[str]:
    """The fields of `schema` that are booleans, as paths like `redirect_uris[].default`."""
    schema = _resolve(spec, schema)
    found: set[str] = set()
    for part in schema.get("oneOf", []) + schema.get("anyOf", []) + schema.get("allOf", []):
        found |= _booleans(spec, part, path)
    kinds = schema.get("type", [])
    if "boolean" in (kinds if isinstance(kinds, list) else [kinds]):
        found.add(path)
    for name, field in schema.get("properties", {}).items():
        found |= _booleans(spec, field, f"{path}.{name}" if path else name)
    if "items" in schema:
        found |= _booleans(spec, schema["items"], f"{path}[]")
    return found


def contract_booleans() -> dict[tuple[str, str], set[str]]:
    """The boolean fields of every request body of the contracts, by operation."""
    found = {}
    for spec_path in (SPEC_PATH, USER_MANAGEMENT_SPEC_PATH):
        spec = yaml.safe_load(spec_path.read_text())
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                body = operation.get("requestBody")
                if body:
                    schema = body["content"]["application/json"]["schema"]
                    found[(method.upper(), path)] = _booleans(spec, schema)
    return found


def boolean_cases() -> list[tuple[str, str, str]]:
    cases = []
    for operation, fields in contract_booleans().items():
        if operation in BODIES:
            for field in sorted(fields | EXTRA_BOOLEANS.get(operation, set())):
                cases.append((*operation, field))
    return cases


def with_value(body: dict, field: str, value) -> dict:
    """`body` with `value` at `field`; `redirect_uris[].default` makes a one-entry list."""
    if field == "redirect_uris[].default":
        return body | {"redirect_uris": [{"uri": "https://app.example.com/cb", "default": value}]}
    assert "." not in field and "[" not in field, f"no way yet to set {field}"
    return body | {field: value}


def test_every_operation_with_a_boolean_field_that_the_embedded_api_serves_is_covered():
    served = {
        ("POST", "/connect/applications"),
        ("PUT", "/connect/applications/{id}"),
        ("POST", "/connect/applications/{id}/client_secrets"),
        ("POST", "/organizations"),
        ("POST", "/authorization/permissions"),
        ("POST", "/user_management/users"),
    }
    with_booleans = {operation for operation, fields in contract_booleans().items() if fields}

    assert with_booleans & served <= BODIES.keys()
    assert {field for *_, field in boolean_cases()} >= {
        "is_first_party",
        "uses_pkce",
        "redirect_uris[].default",
        "allow_profiles_outside_organization",
        "email_verified",
    }


@pytest.mark.parametrize(("method", "path", "field"), boolean_cases())
@pytest.mark.parametrize("value", NOT_BOOLEANS, ids=repr)
def test_a_value_that_is_no_boolean_is_refused_with_a_422_naming_the_field(
    api, method, path, field, value
):
    app = store.application_create(
        application_type="oauth", name="Existing", is_first_party=True, uses_pkce=False
    )
    body = with_value(BODIES[(method, path)], field, value)
    before = (Application.objects.count(), Organization.objects.count(), User.objects.count())

    if method == "PUT":
        response = api.put(path.replace("{id}", app.id), body)
    else:
        response = api.post(path, body)

    assert response.status_code == 422, response.json()
    named = field.replace("[]", "[0]")
    problems = response.json()["errors"]
    assert any(problem["field"] == named for problem in problems), problems
    assert named in response.json()["message"]
    after = (Application.objects.count(), Organization.objects.count(), User.objects.count())
    assert after == before
    app.refresh_from_db()
    assert (app.name, app.is_first_party, app.uses_pkce) == ("Existing", True, False)


@pytest.mark.parametrize(
    ("field", "value"),
    [("is_first_party", 1), ("uses_pkce", 0), ("is_first_party", "true")],
)
def test_a_put_repeating_an_unchangeable_boolean_as_a_number_is_a_type_error_not_a_match(
    api, field, value
):
    app = store.application_create(
        application_type="oauth", name="Existing", is_first_party=True, uses_pkce=False
    )

    response = api.put(f"connect/applications/{app.id}", {"name": "Renamed", field: value})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": field, "code": "invalid_type", "message": "Must be true or false."}
    ]


def test_a_put_repeating_the_unchangeable_booleans_as_they_are_is_accepted(api):
    app = store.application_create(
        application_type="oauth", name="Existing", is_first_party=True, uses_pkce=False
    )

    response = api.put(
        f"connect/applications/{app.id}",
        {"name": "Renamed", "is_first_party": True, "uses_pkce": False},
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"


def test_an_m2m_application_refuses_a_number_as_is_first_party(api, organization):
    body = {"name": "Sync", "application_type": "m2m", "organization_id": organization.id}

    response = api.post("connect/applications", body | {"is_first_party": 0})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "is_first_party"
    assert not Application.objects.exists()


# --- What the dashboard shows -----------------------------------------------------------------


def test_the_list_page_with_a_cursor_the_api_refuses_says_so_with_a_400(browser):
    response = browser.get("/sandbox/applications/", {"after": "garbage"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "The API refused the request" in html
    assert "“after” must be the ID of an object of this list" in html
    assert "Trying again will not help" in html
