"""The service layer against the embedded API, through the in-process transport."""

from datetime import UTC

import pytest
from pydantic import SecretStr

from dashboard import connect, environments
from dashboard.connect.client import get_client
from dashboard.connect.errors import NotFoundError, UnprocessableEntityError
from dashboard.connect.models import (
    ApplicationUpdate,
    M2MApplicationCreate,
    OAuthApplication,
    OAuthApplicationCreate,
    RedirectUriInput,
)
from dashboard.emulator import store

pytestmark = pytest.mark.django_db


def oauth(name="Portal", **fields) -> OAuthApplicationCreate:
    return OAuthApplicationCreate(**{"name": name, "is_first_party": True, **fields})


def test_it_creates_gets_updates_and_deletes_an_oauth_application(organization):
    app = connect.application_create(
        application=oauth(
            is_first_party=False,
            organization_id=organization.id,
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


def test_it_creates_an_m2m_application(organization):
    app = connect.application_create(
        application=M2MApplicationCreate(name="Worker", organization_id=organization.id)
    )

    assert app.application_type == "m2m" and app.organization_id == organization.id


def test_validation_errors_come_back_per_field():
    with pytest.raises(UnprocessableEntityError) as error:
        connect.application_create(
            application=oauth(redirect_uris=[RedirectUriInput(uri="ftp://x.example.com")])
        )

    assert error.value.status == 422
    assert [(e.field, e.code) for e in error.value.errors] == [
        ("redirect_uris[0].uri", "unsupported_scheme")
    ]


def test_lists_page_with_cursors_in_every_order():
    created = [connect.application_create(application=oauth(f"App {i}")).id for i in range(7)]

    first = connect.application_list(limit=3)
    assert [app.id for app in first.data] == created[::-1][:3]
    assert first.has_more and first.before is None
    second = connect.application_list(limit=3, after=first.after)
    assert [app.id for app in second.data] == created[::-1][3:6]
    back = connect.application_list(limit=3, before=second.before)
    assert back.data == first.data

    # `normal` order continues with the `before` cursor.
    first = connect.application_list(limit=3, order="normal")
    assert [app.id for app in first.data] == created[::-1][:3]
    assert first.has_more and first.after is None
    rest = connect.application_list(limit=10, order="normal", before=first.before)
    assert [app.id for app in rest.data] == created[::-1][3:]
    assert not rest.has_more

    ascending = connect.application_list(limit=10, order="asc")
    assert [app.id for app in ascending.data] == created and not ascending.has_more


def test_the_list_filters_reach_the_api(organization):
    mine = connect.application_create(
        application=M2MApplicationCreate(name="Mine", organization_id=organization.id)
    )
    connect.application_create(application=oauth("Other"))

    page = connect.application_list(
        organization_id=organization.id, registration_types=["authenticated"]
    )

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


def test_organizations_are_listed_searched_and_read(organization, other_organization):
    everyone = connect.organization_list()
    assert [o.name for o in everyone.data] == ["Globex", "Acme"] and not everyone.has_more
    assert [o.id for o in connect.organization_list(search="acm").data] == [organization.id]
    assert [o.id for o in connect.organization_list(domains=["acme.example"]).data] == [
        organization.id
    ]
    first = connect.organization_list(limit=1)
    assert [o.id for o in first.data] == [other_organization.id] and first.has_more
    following = connect.organization_list(limit=1, after=first.after)
    assert [o.id for o in following.data] == [organization.id] and not following.has_more

    found = connect.organization_get(organization_id=organization.id)
    assert (found.name, found.domains[0].domain) == ("Acme", "acme.example")


def test_permissions_are_listed():
    created = store.permission_create(
        slug="documents:read",
        name="Read documents",
        description=None,
        resource_type_slug="document",
    )

    page = connect.permission_list()

    assert [(p.id, p.slug, p.name) for p in page.data] == [
        (created.id, "documents:read", "Read documents")
    ]
    assert not page.has_more


@pytest.mark.parametrize("order", ["desc", "asc", "normal"])
def test_the_permission_iterator_walks_every_page_in_every_order(order):
    created = [
        store.permission_create(
            slug=f"documents:{n}",
            name=f"Documents {n}",
            description=None,
            resource_type_slug="environment",
        ).id
        for n in range(7)
    ]
    expected = created if order == "asc" else created[::-1]

    assert [p.id for p in connect.permission_iter(order=order, page_size=2)] == expected
    assert [p.id for p in connect.permission_iter(order=order, page_size=7)] == expected


def test_one_client_serves_every_request():
    assert get_client() is get_client()


def test_changed_settings_rebuild_the_client(settings):
    before = get_client()

    settings.WORKOS_EMULATOR_API_KEY = "sk_test_changed"

    assert get_client() is not before
    assert get_client().headers["Authorization"] == "Bearer sk_test_changed"
    assert connect.application_list().data == []


def test_backend_says_which_api_is_managed(settings):
    assert connect.backend().description == "Sandbox (embedded API)"
    assert [e.name for e in environments.all()] == ["sandbox", "production"]
    with environments.override("production"):
        assert connect.backend().production and connect.backend().embedded

    settings.WORKOS_API_KEY = "sk_test_abc"
    assert connect.backend().kind == "sandbox" and not connect.backend().embedded
    assert [e.name for e in environments.all()] == ["sandbox"]

    settings.WORKOS_API_KEY = "sk_live_abc"
    assert connect.backend().kind == "production"
    assert connect.backend().description == "Production (WorkOS, https://api.workos.com)"
