"""The official `workos` Python SDK, unchanged, against the embedded API over real HTTP."""

import pytest
from workos import WorkOSClient
from workos._errors import (
    AuthenticationError,
    AuthorizationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    UnprocessableEntityError,
)
from workos.connect.models import CreateM2MApplication, CreateOAuthApplication, RedirectUriInput
from workos.organizations.models import OrganizationDomainData
from workos.user_management import PasswordPlaintext

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def org(workos):
    return workos.organizations.create_organization(name="Acme", domains=["acme.example"])


def walk(workos, order: str, limit: int = 4) -> list[str]:
    """Every app ID, following the cursor that continues the listing in `order`."""
    seen: list[str] = []
    forward = "before" if order == "normal" else "after"
    cursor = None
    while True:
        page = workos.connect.list_applications(limit=limit, order=order, **{forward: cursor})
        seen += [app.id for app in page.data]
        cursor = getattr(page, forward)
        if cursor is None:
            return seen


def walk_back(workos, order: str, start: str, limit: int = 4) -> list[str]:
    """Every app ID before `start`, following the cursor that goes back in `order`."""
    seen: list[str] = []
    backward = "after" if order == "normal" else "before"
    cursor = start
    while cursor is not None:
        page = workos.connect.list_applications(limit=limit, order=order, **{backward: cursor})
        seen = [app.id for app in page.data] + seen
        cursor = getattr(page, backward)
    return seen


def test_a_full_scenario_with_the_official_sdk(workos, org):
    oauth = workos.connect.create_application(
        body={
            "name": "Customer Portal",
            "application_type": "oauth",
            "is_first_party": False,
            "organization_id": org.id,
            "uses_pkce": True,
            "scopes": ["openid", "profile"],
            "redirect_uris": [{"uri": "https://portal.example.com/callback", "default": True}],
            "cors_origins": ["https://portal.example.com"],
        }
    )
    # The SDK's request models send explicit nulls for every optional field left out.
    first_party = workos.connect.create_application(
        body=CreateOAuthApplication(name="Console", application_type="oauth", is_first_party=True)
    )
    m2m = workos.connect.create_application(
        body=CreateM2MApplication(
            name="Billing export",
            application_type="m2m",
            organization_id=org.id,
            scopes=["billing:read"],
        )
    )
    assert type(oauth).__name__ == "ConnectApplicationOAuth"
    assert oauth.organization_id == org.id and oauth.uses_pkce is True
    assert oauth.cors_origins == ["https://portal.example.com"]
    assert type(m2m).__name__ == "ConnectApplicationM2M" and m2m.organization_id == org.id
    assert first_party.is_first_party is True

    more = [
        workos.connect.create_oauth_application(
            name=f"Partner {i}", is_first_party=False, organization_id=org.id
        )
        for i in range(4)
    ]
    more += [
        workos.connect.create_m2m_application(name=f"Worker {i}", organization_id=org.id)
        for i in range(4)
    ]
    created = [oauth.id, first_party.id, m2m.id, *(app.id for app in more)]
    newest_first = created[::-1]

    assert walk(workos, "desc") == newest_first
    assert walk(workos, "asc") == created
    assert walk(workos, "normal") == newest_first
    assert walk_back(workos, "desc", newest_first[-1]) == newest_first[:-1]
    assert walk_back(workos, "asc", created[-1]) == created[:-1]
    assert walk_back(workos, "normal", newest_first[-1]) == newest_first[:-1]
    assert [app.id for app in workos.connect.list_applications(limit=3).auto_paging_iter()] == (
        newest_first
    )
    by_org = workos.connect.list_applications(organization_id=org.id, limit=100)
    assert {app.id for app in by_org.data} == set(created) - {first_party.id}

    assert workos.connect.get_application(oauth.id).client_id == oauth.client_id
    assert workos.connect.get_application(oauth.client_id).id == oauth.id

    updated = workos.connect.update_application(
        oauth.client_id,
        name="Customer Portal v2",
        scopes=["openid"],
        redirect_uris=[
            RedirectUriInput(uri="https://portal.example.com/callback"),
            RedirectUriInput(uri="https://portal.example.com/v2/callback", default=True),
        ],
        cors_origins=[],
    )
    assert updated.name == "Customer Portal v2" and updated.scopes == ["openid"]
    assert [(r.uri, r.default) for r in updated.redirect_uris] == [
        ("https://portal.example.com/callback", False),
        ("https://portal.example.com/v2/callback", True),
    ]
    assert updated.cors_origins == [] and updated.description is None

    new_secret = workos.connect.create_application_client_secret(oauth.id)
    second_secret = workos.connect.create_application_client_secret(oauth.client_id)
    assert new_secret.secret.endswith(new_secret.secret_hint)
    listed = workos.connect.list_application_client_secrets(oauth.id)
    assert [s.id for s in listed] == [new_secret.id, second_secret.id]
    assert listed[0].last_used_at is None
    workos.connect.delete_client_secret(new_secret.id)
    assert [s.id for s in workos.connect.list_application_client_secrets(oauth.id)] == [
        second_secret.id
    ]

    workos.connect.delete_application(oauth.id)
    with pytest.raises(NotFoundError):
        workos.connect.get_application(oauth.id)


def test_the_sdk_gets_typed_errors(workos, live_server, org):
    with pytest.raises(NotFoundError) as not_found:
        workos.connect.get_application("conn_app_01NOTTHERE")
    assert not_found.value.request_id

    with pytest.raises(UnprocessableEntityError) as invalid:
        workos.connect.create_application(
            body={
                "name": "x",
                "application_type": "oauth",
                "is_first_party": True,
                "redirect_uris": [{"uri": "javascript:alert(1)"}],
            }
        )
    assert invalid.value.errors[0]["field"] == "redirect_uris[0].uri"

    with pytest.raises(NotFoundError):
        workos.connect.create_m2m_application(name="x", organization_id="org_01NOTTHERE")

    wrong_key = WorkOSClient(
        api_key="sk_test_wrong",
        client_id="client_x",
        base_url=f"{live_server.url}/emulator",
        max_retries=0,
    )
    with pytest.raises(AuthenticationError):
        wrong_key.connect.list_applications()


def test_the_sdk_manages_organizations_and_permissions(workos, org):
    assert workos.organizations.get_organization(org.id).name == "Acme"
    assert [o.id for o in workos.organizations.list_organizations(search="acm").data] == [org.id]

    permission = workos.authorization.create_permission(slug="documents:read", name="Read")
    assert [p.slug for p in workos.authorization.list_permissions().data] == [permission.slug]


def test_the_sdk_updates_finds_and_deletes_organizations(workos, org):
    updated = workos.organizations.update_organization(
        org.id,
        name="Acme Inc.",
        domain_data=[
            OrganizationDomainData(domain="acme.example", state="verified"),
            OrganizationDomainData(domain="acme-labs.example", state="pending"),
        ],
        external_id="crm-1",
        metadata={"tier": "gold"},
        stripe_customer_id="cus_R9qWAGMQ6nGE7V",
    )
    assert (updated.name, updated.external_id, updated.metadata) == (
        "Acme Inc.",
        "crm-1",
        {"tier": "gold"},
    )
    assert updated.stripe_customer_id == "cus_R9qWAGMQ6nGE7V"
    assert {(d.domain, d.state.value) for d in updated.domains} == {
        ("acme.example", "verified"),
        ("acme-labs.example", "pending"),
    }
    assert workos.organizations.get_organization_by_external_id("crm-1").id == org.id

    # The SDK sends null for these two exactly to clear them.
    cleared = workos.organizations.update_organization(org.id, external_id=None, metadata=None)
    assert (cleared.external_id, cleared.metadata, cleared.name) == (None, {}, "Acme Inc.")
    with pytest.raises(NotFoundError):
        workos.organizations.get_organization_by_external_id("crm-1")

    with pytest.raises(ConflictError) as conflict:
        workos.organizations.create_organization(name="Acme again", domains=["acme.example"])
    assert conflict.value.code == "domain_already_exists"
    globex = workos.organizations.create_organization(name="Globex")
    with pytest.raises(BadRequestError) as taken:
        workos.organizations.update_organization(globex.id, stripe_customer_id="cus_R9qWAGMQ6nGE7V")
    assert taken.value.code == "stripe_customer_id_already_used"

    worker = workos.connect.create_m2m_application(name="Worker", organization_id=org.id)
    with pytest.raises(AuthorizationError) as refused:
        workos.organizations.delete_organization(org.id)
    assert refused.value.code == "organization_has_applications"
    workos.connect.delete_application(worker.id)
    workos.organizations.delete_organization(org.id)
    with pytest.raises(NotFoundError):
        workos.organizations.get_organization(org.id)


def test_the_sdk_gets_updates_and_deletes_permissions(workos):
    workos.authorization.create_permission(
        slug="documents:read", name="Read", description="View documents"
    )

    found = workos.authorization.get_permission("documents:read")
    renamed = workos.authorization.update_permission("documents:read", name="Read documents")
    cleared = workos.authorization.update_permission("documents:read", description=None)

    assert (found.slug, found.name, found.description) == (
        "documents:read",
        "Read",
        "View documents",
    )
    assert (renamed.name, renamed.description) == ("Read documents", "View documents")
    assert (cleared.name, cleared.description) == ("Read documents", None)
    with pytest.raises(UnprocessableEntityError):
        workos.authorization.update_permission("documents:read", description="d" * 151)
    with pytest.raises(NotFoundError):
        workos.authorization.create_permission(
            slug="documents:write", name="Write", resource_type_slug="document"
        )

    workos.authorization.delete_permission("documents:read")
    with pytest.raises(NotFoundError):
        workos.authorization.get_permission("documents:read")
    with pytest.raises(NotFoundError):
        workos.authorization.delete_permission("documents:read")
    assert workos.authorization.list_permissions().data == []


def test_the_sdk_creates_gets_and_lists_users(workos):
    ada = workos.user_management.create_user(
        email="Ada@Example.com",
        password=PasswordPlaintext(password="strong_password_123!"),
        first_name="Ada",
        last_name="Lovelace",
        email_verified=True,
        external_id="crm-7",
        metadata={"timezone": "Europe/London"},
    )
    bob = workos.user_management.create_user(email="bob@example.com", first_name=None)

    assert ada.id.startswith("user_") and ada.email == "ada@example.com"
    assert (ada.first_name, ada.last_name, ada.email_verified) == ("Ada", "Lovelace", True)
    assert ada.metadata == {"timezone": "Europe/London"} and ada.last_sign_in_at is None
    fetched = workos.user_management.get_user(ada.id)
    assert (fetched.id, fetched.external_id, fetched.created_at) == (
        ada.id,
        "crm-7",
        ada.created_at,
    )
    assert [u.id for u in workos.user_management.list_users(limit=1).auto_paging_iter()] == [
        bob.id,
        ada.id,
    ]
    assert [u.id for u in workos.user_management.list_users(email="ADA@example.com").data] == [
        ada.id
    ]

    with pytest.raises(BadRequestError) as taken:
        workos.user_management.create_user(email="ada@example.com")
    assert taken.value.code == "user_creation_error"
    with pytest.raises(BadRequestError) as weak:
        workos.user_management.create_user(
            email="carol@example.com", password=PasswordPlaintext(password="short")
        )
    assert weak.value.code == "password_strength_error"
    with pytest.raises(UnprocessableEntityError):
        workos.user_management.create_user(email="not an email")
    with pytest.raises(NotFoundError):
        workos.user_management.get_user("user_01NOTTHERE")
