import pytest

from dashboard import rules
from dashboard.emulator import store
from dashboard.emulator.models import Organization, Permission
from tests.support import ApiClient


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


UNREADABLE_BODIES = [
    "",
    "[]",
    '[{"name": "Acme"}]',
    '"Acme"',
    "42",
    "null",
    '{"name": ',
    '{"name": "\\udc80"}',
]


@pytest.mark.parametrize("raw", UNREADABLE_BODIES)
def test_a_permission_body_that_is_not_a_json_object_is_the_contracts_400_bad_request(api, raw):
    response = api.post("authorization/permissions", raw=raw)

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert not Permission.objects.exists()


@pytest.mark.parametrize("raw", UNREADABLE_BODIES)
def test_other_bodies_that_are_not_a_json_object_are_422_as_their_contracts_list_no_such_400(
    api, organization, raw
):
    # Their 400s are for codes of their own (invalid_metadata, external_id_already_used, ...);
    # the contract of a permission's update lists no 400 at all.
    api.post("authorization/permissions", {"slug": "documents:read", "name": "Read"})
    before = api.get(f"organizations/{organization.id}").json()

    answers = [
        api.post("organizations", raw=raw),
        api.put(f"organizations/{organization.id}", raw=raw),
        api.patch("authorization/permissions/documents:read", raw=raw),
    ]

    assert [(r.status_code, r.json()["code"]) for r in answers] == [
        (422, "invalid_request_body")
    ] * 3
    assert Organization.objects.count() == 1
    assert api.get(f"organizations/{organization.id}").json() == before
    assert api.get("authorization/permissions/documents:read").json()["name"] == "Read"


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


# --- Updating, finding by external ID and deleting organizations ---------------------------


def test_it_updates_an_organization(api, organization):
    response = api.put(
        f"organizations/{organization.id}",
        {
            "name": "Acme Inc.",
            "domain_data": [{"domain": "acme.example", "state": "verified"}],
            "external_id": "crm-1",
            "metadata": {"tier": "gold"},
            "stripe_customer_id": "cus_R9qWAGMQ6nGE7V",
            "allow_profiles_outside_organization": True,
        },
    )

    assert response.status_code == 200
    org = response.json()
    assert (org["name"], org["external_id"], org["metadata"]) == (
        "Acme Inc.",
        "crm-1",
        {"tier": "gold"},
    )
    assert org["stripe_customer_id"] == "cus_R9qWAGMQ6nGE7V"
    assert org["allow_profiles_outside_organization"] is True
    assert org["updated_at"] >= org["created_at"]
    assert api.get(f"organizations/{organization.id}").json() == org


def test_an_update_leaves_what_it_does_not_name_as_it_is(api):
    created = api.post(
        "organizations",
        {
            "name": "Acme",
            "domains": ["acme.example"],
            "external_id": "crm-1",
            "metadata": {"a": "b"},
        },
    ).json()

    unchanged = api.put(f"organizations/{created['id']}", {}).json()
    renamed = api.put(f"organizations/{created['id']}", {"name": "Acme Inc."}).json()

    assert unchanged == created
    assert "stripe_customer_id" not in unchanged
    assert renamed == created | {"name": "Acme Inc.", "updated_at": renamed["updated_at"]}


def test_domains_sent_on_update_replace_the_organizations_domains(api):
    created = api.post(
        "organizations",
        {
            "name": "Acme",
            "domain_data": [
                {"domain": "acme.example", "state": "verified"},
                {"domain": "old.example", "state": "pending"},
            ],
        },
    ).json()
    acme = created["domains"][0]

    response = api.put(
        f"organizations/{created['id']}",
        {
            "domains": ["ACME.example", "new.example"],
            "domain_data": [{"domain": "b.example", "state": "verified"}],
        },
    )

    domains = {d["domain"]: d for d in response.json()["domains"]}
    assert sorted(domains) == ["acme.example", "b.example", "new.example"]
    # A domain kept without a state keeps its ID and state; a new one is pending.
    assert (domains["acme.example"]["id"], domains["acme.example"]["state"]) == (
        acme["id"],
        "verified",
    )
    assert domains["new.example"]["state"] == "pending"
    assert domains["b.example"]["state"] == "verified"
    cleared = api.put(f"organizations/{created['id']}", {"domains": []}).json()
    assert cleared["domains"] == []


def test_external_id_null_removes_it_and_metadata_null_empties_it(api):
    created = api.post(
        "organizations", {"name": "Acme", "external_id": "crm-1", "metadata": {"tier": "gold"}}
    ).json()

    response = api.put(f"organizations/{created['id']}", {"external_id": None, "metadata": None})

    assert (response.json()["external_id"], response.json()["metadata"]) == (None, {})
    # The external ID is free again.
    assert api.post("organizations", {"name": "Globex", "external_id": "crm-1"}).status_code == 201


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": ""}, 422, "unprocessable_entity"),
        ({"name": None}, 422, "unprocessable_entity"),
        ({"name": 5}, 422, "unprocessable_entity"),
        ({"name": "x" * 256}, 422, "unprocessable_entity"),
        ({"domains": ["not a domain"]}, 422, "unprocessable_entity"),
        ({"domains": None}, 422, "unprocessable_entity"),
        ({"domains": "acme.example"}, 422, "unprocessable_entity"),
        ({"domains": ["a.example", "A.example"]}, 422, "unprocessable_entity"),
        (
            {"domain_data": [{"domain": "a.example", "state": "failed"}]},
            422,
            "unprocessable_entity",
        ),
        ({"domain_data": [{"domain": "a.example"}]}, 422, "unprocessable_entity"),
        ({"external_id": "é"}, 422, "unprocessable_entity"),
        ({"external_id": ""}, 422, "unprocessable_entity"),
        ({"external_id": "x" * 129}, 422, "unprocessable_entity"),
        ({"stripe_customer_id": ""}, 422, "unprocessable_entity"),
        ({"stripe_customer_id": None}, 422, "unprocessable_entity"),
        ({"stripe_customer_id": 7}, 422, "unprocessable_entity"),
        ({"allow_profiles_outside_organization": "true"}, 422, "unprocessable_entity"),
        ({"allow_profiles_outside_organization": None}, 422, "unprocessable_entity"),
        ({"domain": "acme.example"}, 422, "unprocessable_entity"),
        ({"metadata": {"k": 1}}, 400, "invalid_metadata"),
        ({"metadata": ["k"]}, 400, "invalid_metadata"),
        ({"metadata": {f"k{i}": "v" for i in range(51)}}, 400, "invalid_metadata"),
        ({"metadata": {"k": "a\x00b"}}, 400, "invalid_metadata"),
    ],
)
def test_an_update_refuses_invalid_input_and_changes_nothing(api, organization, body, status, code):
    before = api.get(f"organizations/{organization.id}").json()

    response = api.put(f"organizations/{organization.id}", body)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert api.get(f"organizations/{organization.id}").json() == before


def test_an_external_id_another_organization_has_is_refused_on_update(api, organization):
    api.post("organizations", {"name": "Globex", "external_id": "crm-1"})

    taken = api.put(f"organizations/{organization.id}", {"external_id": "crm-1"})
    api.put(f"organizations/{organization.id}", {"external_id": "crm-2"})
    again = api.put(f"organizations/{organization.id}", {"external_id": "crm-2"})

    assert (taken.status_code, taken.json()["code"]) == (400, "external_id_already_used")
    assert again.status_code == 200


def test_a_stripe_customer_id_is_used_once(api, organization, other_organization):
    api.put(f"organizations/{organization.id}", {"stripe_customer_id": "cus_1"})

    response = api.put(f"organizations/{other_organization.id}", {"stripe_customer_id": "cus_1"})

    assert (response.status_code, response.json()["code"]) == (
        400,
        "stripe_customer_id_already_used",
    )
    assert "stripe_customer_id" not in api.get(f"organizations/{other_organization.id}").json()


def test_a_domain_another_organization_has_is_a_409_on_create_and_on_update(
    api, organization, other_organization
):
    created = api.post("organizations", {"name": "Acme again", "domains": ["ACME.example"]})
    updated = api.put(
        f"organizations/{other_organization.id}",
        {"domain_data": [{"domain": "acme.example", "state": "verified"}]},
    )

    for response in (created, updated):
        assert response.status_code == 409
        assert response.json()["code"] == "domain_already_exists"
        assert "'acme.example'" in response.json()["message"]
        assert organization.id in response.json()["message"]
    assert Organization.objects.count() == 2
    assert api.get(f"organizations/{other_organization.id}").json()["domains"] == []
    # Its own domain again is no conflict.
    assert (
        api.put(f"organizations/{organization.id}", {"domains": ["acme.example"]}).status_code
        == 200
    )


def test_an_unknown_organization_cannot_be_updated(api):
    response = api.put("organizations/org_01NOTTHERE", {"name": "x"})

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_an_organization_is_found_by_its_external_id(api):
    created = api.post("organizations", {"name": "Acme", "external_id": "crm-1:eu.7"}).json()

    assert api.get("organizations/external_id/crm-1:eu.7").json() == created
    assert api.get("organizations/external_id/crm-1%3Aeu.7").json() == created


@pytest.mark.parametrize(
    "external_id", ["crm-2", "CRM-1", "x" * 129, "%00", "%C3%A9", "org_01NOTTHERE"]
)
def test_an_unknown_external_id_is_404(api, external_id):
    api.post("organizations", {"name": "Acme", "external_id": "crm-1"})

    response = api.get(f"organizations/external_id/{external_id}")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_an_external_id_is_found_only_in_its_own_environment(api):
    api.post("organizations", {"name": "Acme", "external_id": "crm-1"})

    response = ApiClient("sk_live_emulator").get("organizations/external_id/crm-1")

    assert response.status_code == 404


def test_it_deletes_an_organization_and_its_domains(api, organization):
    response = api.delete(f"organizations/{organization.id}")

    # The contract documents 200 and 202, neither with a body.
    assert (response.status_code, response.content) == (202, b"")
    assert api.get(f"organizations/{organization.id}").status_code == 404
    assert (
        api.post("organizations", {"name": "Acme", "domains": ["acme.example"]}).status_code == 201
    )


def test_an_organization_that_connect_applications_belong_to_is_not_deleted(api, organization):
    app = store.application_create(
        application_type="m2m", name="Nightly export", organization_id=organization.id
    )

    app_id = app.id

    refused = api.delete(f"organizations/{organization.id}")
    store.application_delete(app)
    deleted = api.delete(f"organizations/{organization.id}")

    # The one refusal the contract documents for a deletion is a 403.
    assert refused.status_code == 403
    assert refused.json()["code"] == "organization_has_applications"
    assert refused.json()["message"] == (
        f"Organization {organization.id} cannot be deleted: 1 Connect application belongs "
        f"to it ({app_id}). Delete it first."
    )
    assert deleted.status_code == 202


@pytest.mark.parametrize("identifier", ["org_01NOTTHERE", "x" * 41, "%00"])
def test_deleting_an_unknown_organization_is_the_contracts_one_refusal(api, identifier):
    response = api.delete(f"organizations/{identifier}")

    assert (response.status_code, response.json()["code"]) == (403, "not_found")


# --- Getting, updating and deleting permissions -------------------------------------------


def test_it_gets_updates_and_deletes_a_permission(api):
    created = api.post(
        "authorization/permissions",
        {"slug": "documents:read", "name": "Read", "description": "View documents"},
    ).json()

    got = api.get("authorization/permissions/documents:read")
    updated = api.patch("authorization/permissions/documents:read", {"name": "Read documents"})
    deleted = api.delete("authorization/permissions/documents%3Aread")

    assert got.json() == created
    assert updated.status_code == 200
    assert updated.json() == created | {
        "name": "Read documents",
        "updated_at": updated.json()["updated_at"],
    }
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert api.get("authorization/permissions/documents:read").status_code == 404
    assert not Permission.objects.exists()


def test_a_permission_update_changes_only_what_it_gives(api):
    api.post(
        "authorization/permissions",
        {"slug": "documents:read", "name": "Read", "description": "View documents"},
    )

    unchanged = api.patch("authorization/permissions/documents:read", {}).json()
    described = api.patch(
        "authorization/permissions/documents:read", {"description": "View and search documents"}
    ).json()
    cleared = api.patch("authorization/permissions/documents:read", {"description": None}).json()

    assert (unchanged["name"], unchanged["description"]) == ("Read", "View documents")
    assert (described["name"], described["description"]) == ("Read", "View and search documents")
    assert (cleared["name"], cleared["description"]) == ("Read", None)


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": None},
        {"name": "x" * 49},
        {"name": 5},
        {"description": "d" * 151},
        {"description": 5},
        {"description": "a\x00b"},
        {"slug": "documents:write"},
        {"resource_type_slug": "organization"},
        {"system": True},
    ],
)
def test_a_permission_update_refuses_invalid_input_and_changes_nothing(api, body):
    before = api.post(
        "authorization/permissions", {"slug": "documents:read", "name": "Read"}
    ).json()

    response = api.patch("authorization/permissions/documents:read", body)

    assert response.status_code == 422
    assert response.json()["code"] == "unprocessable_entity"
    assert api.get("authorization/permissions/documents:read").json() == before


def test_a_permission_description_has_the_contracts_limit_on_update_too(api):
    api.post("authorization/permissions", {"slug": "documents:read", "name": "Read"})
    longest = "d" * rules.MAX_PERMISSION_DESCRIPTION

    accepted = api.patch("authorization/permissions/documents:read", {"description": longest})
    refused = api.patch("authorization/permissions/documents:read", {"description": longest + "d"})

    assert accepted.status_code == 200
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["message"] == rules.too_long(
        "Description", rules.MAX_PERMISSION_DESCRIPTION, rules.MAX_PERMISSION_DESCRIPTION + 1
    )


@pytest.mark.parametrize("slug", ["documents:write", "Documents:read", "x" * 49, "%00", "%C3%A9"])
def test_an_unknown_permission_is_404_whatever_is_done_with_it(api, slug):
    api.post("authorization/permissions", {"slug": "documents:read", "name": "Read"})

    answers = [
        api.get(f"authorization/permissions/{slug}"),
        api.patch(f"authorization/permissions/{slug}", {"name": "x"}),
        api.delete(f"authorization/permissions/{slug}"),
    ]

    assert [(r.status_code, r.json()["code"]) for r in answers] == [(404, "not_found")] * 3
    assert Permission.objects.count() == 1


def test_a_system_permission_is_not_deleted(api):
    perm = store.permission_create(
        slug="widgets:manage", name="Manage", description=None, resource_type_slug="environment"
    )
    Permission.objects.filter(id=perm.id).update(system=True)

    response = api.delete("authorization/permissions/widgets:manage")

    assert (response.status_code, response.json()["code"]) == (403, "system_permission")
    assert Permission.objects.filter(id=perm.id).exists()


def test_a_permission_for_an_unknown_resource_type_is_404(api):
    refused = api.post(
        "authorization/permissions",
        {"slug": "documents:read", "name": "Read", "resource_type_slug": "document"},
    )
    scoped = api.post(
        "authorization/permissions",
        {"slug": "members:invite", "name": "Invite", "resource_type_slug": "organization"},
    )

    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    assert refused.json()["message"] == "Resource type not found: 'document'."
    assert scoped.status_code == 201 and scoped.json()["resource_type_slug"] == "organization"
    assert Permission.objects.count() == 1


def test_the_refusal_to_delete_names_the_first_applications_and_counts_them_all(api, organization):
    apps = [
        store.application_create(
            application_type="m2m", name=f"Worker {n}", organization_id=organization.id
        ).id
        for n in range(4)
    ]

    response = api.delete(f"organizations/{organization.id}")

    assert response.json()["message"] == (
        f"Organization {organization.id} cannot be deleted: 4 Connect applications belong to it "
        f"({', '.join(apps[:3])}, …). Delete them first."
    )
