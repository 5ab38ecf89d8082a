"""Pages of each environment show that environment's records, never the other's."""

import pytest
from django.test import Client

from dashboard.emulator import partition, store
from tests.support import make_user

pytestmark = pytest.mark.django_db


def test_each_environments_list_names_its_own_organizations_and_counts(admin):
    sandbox_org = store.organization_create(name="Acme Sandbox", domains=[], metadata={},
                                            external_id=None)  # fmt: skip
    store.application_create(application_type="oauth", name="Sandbox App", is_first_party=False,
                             organization_id=sandbox_org.id, redirect_uris=[],
                             was_dynamically_registered=True)  # fmt: skip
    sandbox_page = admin.get("/sandbox/applications/", {"registration": "both"}).content.decode()
    with partition.override("production"):
        org = store.organization_create(name="Acme Live", domains=[], metadata={},
                                        external_id=None)  # fmt: skip
        store.application_create(application_type="m2m", name="Live Worker",
                                 organization_id=org.id)  # fmt: skip

    page = admin.get("/production/applications/").content.decode()

    assert "Acme Sandbox" in sandbox_page
    assert "Live Worker" in page and f'title="{org.id}">Acme Live</span>' in page
    assert "Sandbox App" not in page and "dynamically registered" not in page
    assert "PRODUCTION" in page and "changes here reach live customers" in page
    assert 'href="/production/applications/new"' in page


def test_an_application_of_the_other_environment_is_not_found(admin):
    with partition.override("production"):
        live = store.application_create(application_type="oauth", name="Live",
                                        is_first_party=True, redirect_uris=[])  # fmt: skip

    assert admin.get(f"/sandbox/applications/{live.id}/").status_code == 404
    assert admin.get(f"/production/applications/{live.id}/").status_code == 200


def test_links_from_before_environments_lead_to_the_default_one(admin):
    response = admin.get("/applications/conn_app_01ABC/edit", {"x": "1"})

    assert response.status_code == 302
    assert response["Location"] == "/sandbox/applications/conn_app_01ABC/edit?x=1"


def test_the_audit_link_shows_for_someone_whose_only_role_is_in_production():
    from dashboard.kernel.models import EnvironmentRole

    user = make_user("pat", role=None)
    EnvironmentRole.objects.create(user=user, environment="production", role="Viewer")
    client = Client()
    client.force_login(user)

    page = client.get("/audit/")

    assert page.status_code == 200
    assert 'href="/audit/">Audit trail</a>' in page.content.decode()
