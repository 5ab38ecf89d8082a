"""The service layer against the embedded API, through the in-process transport."""

from datetime import UTC

import pytest
from pydantic import SecretStr

from dashboard import connect
from dashboard.connect.client import get_client
from dashboard.connect.errors import NotFoundError, UnprocessableEntityError
from dashboard.connect.models import (
    ApplicationUpdate,
    M2MApplicationCreate,
    OAuthApplication,
    OAuthApplicationCreate,
    OrganizationCreate,
    PermissionCreate,
    RedirectUriInput,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return connect.organization_create(organization=OrganizationCreate(name="Acme"))


def oauth(name="Portal", **fields) -> OAuthApplicationCreate:
    return OAuthApplicationCreate(**{"name": name, "is_first_party": True, **fields})


def test_it_creates_gets_updates_and_deletes_an_oauth_application(org):
    app = connect.application_create(
        application=oauth(
            is_first_party=False,
            organization_id=org.id,
            redirect_uris=[RedirectUriInput(uri="https://portal.example.com/cb")],
            cors_origins=["https://portal.example.com"],
            scopes=["openid"],
        )
    )

    assert isinstance(app, OAuthApplication)
    assert app.registration == "third_party"
    assert app.default_redirect_uri == "https://portal.example.com/cb"
    assert app.created_at.tzinfo is not None and app.created_at.utcoffset() == UTC.utcoffset(None)
    assert connect.application_get(application_id=app.client_id) == app

    updated = connect.application_update(
        application_id=app.id, changes=ApplicationUpdate(name="Portal 2", scopes=[])
    )
    assert (updated.name, updated.scopes, updated.cors_origins) == (
        "Portal 2",
        [],
        ["https://portal.example.com"],
    )

    connect.application_delete(application_id=app.id)
    with pytest.raises(NotFoundError) as error:
        connect.application_get(application_id=app.id)
    assert error.value.status == 404 and error.value.request_id


def test_it_creates_an_m2m_application(org):
    app = connect.application_create(
        application=M2MApplicationCreate(name="Worker", organization_id=org.id)
    )

    assert app.application_type == "m2m" and app.organization_id == org.id


def test_validation_errors_come_back_per_field():
    with pytest.raises(UnprocessableEntityError) as error:
        connect.application_create(
            application=oauth(redirect_uris=[RedirectUriInput(uri="ftp://x.example.com")])
        )

    assert error.value.status == 422
    assert [e.code for e in error.value.for_field("redirect_uris[0].uri")] == ["unsupported_scheme"]


def test_lists_page_with_cursors_and_the_iterator_walks_every_page(org):
    created = [connect.application_create(application=oauth(f"App {i}")).id for i in range(7)]

    first = connect.application_list(limit=3)
    assert [app.id for app in first.data] == created[::-1][:3]
    assert first.has_more and first.before is None
    second = connect.application_list(limit=3, after=first.after)
    assert [app.id for app in second.data] == created[::-1][3:6]

    for order, expected in (("desc", created[::-1]), ("asc", created), ("normal", created[::-1])):
        walked = [app.id for app in connect.application_iter(order=order, page_size=2)]
        assert walked == expected, order


def test_the_list_filters_reach_the_api(org):
    mine = connect.application_create(
        application=M2MApplicationCreate(name="Mine", organization_id=org.id)
    )
    connect.application_create(application=oauth("Other"))

    page = connect.application_list(organization_id=org.id, registration_types=["authenticated"])

    assert [app.id for app in page.data] == [mine.id]
    assert connect.application_list(registration_types=["dynamic"]).data == []


def test_client_secrets_are_created_listed_and_revoked():
    app = connect.application_create(application=oauth())

    created = connect.client_secret_create(application_id=app.id)

    assert isinstance(created.secret, SecretStr)
    assert created.secret.get_secret_value() not in repr(created)
    assert created.secret.get_secret_value().endswith(created.secret_hint)
    listed = connect.client_secret_list(application_id=app.client_id)
    assert [(s.id, s.last_used_at) for s in listed] == [(created.id, None)]

    connect.client_secret_revoke(secret_id=created.id)
    assert connect.client_secret_list(application_id=app.id) == []
    with pytest.raises(NotFoundError):
        connect.client_secret_revoke(secret_id=created.id)


def test_organizations_are_created_searched_and_read():
    acme = connect.organization_create(
        organization=OrganizationCreate(name="Acme", domains=["acme.example"])
    )
    connect.organization_create(organization=OrganizationCreate(name="Globex"))

    assert [o.id for o in connect.organization_list(search="acm").data] == [acme.id]
    assert connect.organization_get(organization_id=acme.id).domains[0].domain == "acme.example"
    assert {o.name for o in connect.organization_iter(page_size=1)} == {"Acme", "Globex"}


def test_permissions_are_created_and_listed():
    created = connect.permission_create(
        permission=PermissionCreate(slug="documents:read", name="Read documents")
    )

    assert [p.slug for p in connect.permission_list().data] == ["documents:read"]
    assert [p.id for p in connect.permission_iter()] == [created.id]


def test_one_client_serves_every_request():
    assert get_client() is get_client()


def test_changed_settings_rebuild_the_client(settings):
    before = get_client()

    settings.WORKOS_EMULATOR_API_KEY = "sk_test_changed"

    assert get_client() is not before
    assert get_client().headers["Authorization"] == "Bearer sk_test_changed"
    assert connect.application_list().data == []


def test_backend_says_which_api_is_managed(settings):
    assert connect.backend().label == "Embedded API"

    settings.WORKOS_API_KEY = "sk_test_abc"
    assert connect.backend().environment == "sandbox"

    settings.WORKOS_API_KEY = "sk_live_abc"
    assert connect.backend().environment == "production"
