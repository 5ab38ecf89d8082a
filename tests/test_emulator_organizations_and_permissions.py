import pytest

from dashboard import rules
from dashboard.emulator.models import Organization, Permission


def test_it_creates_and_gets_an_organization(api):
    response = api.post(
        "organizations",
        {
            "name": "Acme",
            "domains": ["acme.example"],
            "external_id": "crm-1",
            "metadata": {"tier": "gold"},
        },
    )

    assert response.status_code == 201
    org = response.json()
    assert org["id"].startswith("org_")
    assert [d["domain"] for d in org["domains"]] == ["acme.example"]
    assert org["metadata"] == {"tier": "gold"}
    assert api.get(f"organizations/{org['id']}").json() == org


def test_organizations_are_searched_by_name(api):
    for name in ("Acme", "Acme Labs", "Globex"):
        api.post("organizations", {"name": name})

    response = api.get("organizations", {"search": "acme"})

    assert sorted(org["name"] for org in response.json()["data"]) == ["Acme", "Acme Labs"]


def test_organizations_are_filtered_by_domain(api):
    api.post("organizations", {"name": "Acme", "domains": ["acme.example"]})
    api.post("organizations", {"name": "Globex", "domains": ["globex.example"]})

    response = api.get("organizations", {"domains": "globex.example"})

    assert [org["name"] for org in response.json()["data"]] == ["Globex"]


def test_organizations_page_with_cursors(api):
    created = [api.post("organizations", {"name": f"Org {i}"}).json()["id"] for i in range(5)]

    first = api.get("organizations", {"limit": 2, "order": "asc"}).json()
    second = api.get(
        "organizations", {"limit": 2, "order": "asc", "after": first["list_metadata"]["after"]}
    ).json()

    assert [o["id"] for o in first["data"] + second["data"]] == created[:4]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "unprocessable_entity"),
        ({"name": "x", "domains": ["not a domain"]}, 422, "unprocessable_entity"),
        ({"name": "x", "metadata": {"k": 1}}, 400, "invalid_metadata"),
        ({"name": "x", "metadata": {f"k{i}": "v" for i in range(51)}}, 400, "invalid_metadata"),
        ({"name": "x", "metadata": {"k": "a\x00b"}}, 400, "invalid_metadata"),
        ({"name": "x", "metadata": {"k\x00": "v"}}, 400, "invalid_metadata"),
        ({"name": "x", "external_id": "é"}, 422, "unprocessable_entity"),
        ({"name": "x", "external_id": ""}, 422, "unprocessable_entity"),
        ({"name": "x", "domains": None}, 422, "unprocessable_entity"),
        ({"name": "x", "allow_profiles_outside_organization": None}, 422, "unprocessable_entity"),
    ],
)
def test_it_refuses_invalid_organizations(api, body, status, code):
    response = api.post("organizations", body)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert not Organization.objects.exists()


def test_an_external_id_is_used_once(api):
    api.post("organizations", {"name": "a", "external_id": "crm-1"})

    response = api.post("organizations", {"name": "b", "external_id": "crm-1"})

    assert response.status_code == 400
    assert response.json()["code"] == "external_id_already_used"


def test_an_unknown_organization_is_404(api):
    assert api.get("organizations/org_NOPE").status_code == 404


def test_it_creates_and_lists_permissions(api):
    response = api.post(
        "authorization/permissions",
        {"slug": "documents:read", "name": "Read documents", "description": "View documents"},
    )

    assert response.status_code == 201
    perm = response.json()
    assert perm["slug"] == "documents:read" and perm["system"] is False
    assert perm["resource_type_slug"] == "environment"
    assert api.get("authorization/permissions").json()["data"] == [perm]


def test_a_permission_slug_is_unique(api):
    api.post("authorization/permissions", {"slug": "documents:read", "name": "Read"})

    response = api.post("authorization/permissions", {"slug": "documents:read", "name": "Again"})

    assert response.status_code == 409
    assert response.json()["code"] == "permission_slug_conflict"
    assert Permission.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x"},
        {"slug": "x"},
        {"slug": "Has Spaces", "name": "x"},
        {"slug": "x" * 49, "name": "x"},
        {"slug": "x", "name": "x", "resource_type_slug": None},
        {"slug": "x", "name": "x", "description": "d" * 151},
    ],
)
def test_it_refuses_invalid_permissions(api, body):
    response = api.post("authorization/permissions", body)

    assert response.status_code == 422
    assert not Permission.objects.exists()


@pytest.mark.parametrize("path", ["organizations", "authorization/permissions"])
@pytest.mark.parametrize("raw", ["[]", '[{"name": "Acme"}]', '"Acme"', "42", "null", '{"name": '])
def test_a_body_that_is_not_a_json_object_is_422_as_the_contract_allows(api, path, raw):
    response = api.post(path, raw=raw)

    # POST /organizations documents 400 only for invalid_metadata and external_id_already_used,
    # POST /authorization/permissions only for bad_request; both document 422.
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request_body"
    assert not Organization.objects.exists() and not Permission.objects.exists()


def test_a_permission_description_has_the_contracts_limit(api):
    body = {"slug": "documents:read", "name": "Read"}
    longest = "d" * rules.MAX_PERMISSION_DESCRIPTION

    assert api.post("authorization/permissions", body | {"description": longest}).status_code == 201
    response = api.post(
        "authorization/permissions", {"slug": "x", "name": "x", "description": longest + "d"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == rules.too_long(
        "Description", rules.MAX_PERMISSION_DESCRIPTION, rules.MAX_PERMISSION_DESCRIPTION + 1
    )


@pytest.mark.parametrize("params", [{"limit": "0"}, {"order": "sideways"}, {"after": "x" * 41}])
def test_bad_permission_list_parameters_get_the_one_refusal_the_contract_documents(api, params):
    response = api.get("authorization/permissions", params)

    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == next(iter(params))
