"""The organization pages for each role, against the embedded API: the list searched by
name, an organization's domains and applications, create, rename and delete, and their
audit events."""

import pytest

from dashboard.audit.models import AuditEvent
from dashboard.emulator import partition, store
from dashboard.emulator.models import Organization
from dashboard.search.models import IndexedApplication, IndexedOrganization
from tests.support import HTMX, signed_in

pytestmark = pytest.mark.django_db


def test_every_role_sees_the_organizations_searched_by_name(viewer, acme, globex):
    page = viewer.get("/sandbox/organizations/")
    found = viewer.get("/sandbox/organizations/", {"q": "glob"})

    assert page.status_code == 200
    assert "Acme" in page.content.decode() and "Globex" in page.content.decode()
    assert "acme.example" in page.content.decode()
    assert "Globex" in found.content.decode() and ">Acme<" not in found.content.decode()
    assert "New organization" not in page.content.decode()


def test_a_search_swaps_the_results_and_keeps_the_address(viewer, acme, globex):
    response = viewer.get("/sandbox/organizations/", {"q": "acme", "after": ""}, headers=HTMX)

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section id="results"')
    assert response["HX-Push-Url"] == "/sandbox/organizations/?q=acme"


def test_a_search_that_finds_nothing_offers_an_editor_to_create_it(editor, viewer, acme):
    offered = editor.get("/sandbox/organizations/", {"q": "Initech"}).content.decode()
    not_offered = viewer.get("/sandbox/organizations/", {"q": "Initech"}).content.decode()

    assert "No organization’s name contains “Initech”" in offered
    assert "/sandbox/organizations/new?name=Initech" in offered
    assert "/sandbox/organizations/new" not in not_offered


def test_the_header_links_the_organizations(viewer):
    html = viewer.get("/sandbox/applications/").content.decode()

    assert '<a href="/sandbox/organizations/">Organizations</a>' in html


def test_an_organizations_page_shows_its_domains_and_applications(viewer, acme, portal, worker):
    html = viewer.get(f"/sandbox/organizations/{acme.id}/").content.decode()

    assert "<h1>Acme</h1>" in html
    assert "acme.example" in html and "verified" in html
    assert f'href="/sandbox/applications/{portal.id}/">Partner Portal</a>' in html
    assert f'href="/sandbox/applications/{worker.id}/">Billing worker</a>' in html
    assert "OAuth · third-party" in html and "M2M" in html
    assert f'hx-get="/sandbox/organizations/{acme.id}/consents"' in html
    assert "Rename" not in html and "Delete…" not in html


def test_an_application_links_to_its_organizations_page(viewer, acme, portal):
    html = viewer.get(f"/sandbox/applications/{portal.id}/").content.decode()

    assert f'<a href="/sandbox/organizations/{acme.id}/">Acme</a>' in html


def test_a_missing_organization_is_a_404(viewer, db):
    assert viewer.get("/sandbox/organizations/org_01NOSUCHORGANIZATION0000/").status_code == 404


def test_an_editor_creates_an_organization_and_it_is_recorded(editor, acme):
    page = editor.get("/sandbox/organizations/new?name=Initech")
    response = editor.post(
        "/sandbox/organizations/new",
        {"name": " Initech ", "domains": "initech.example\nINITECH.test", "idempotency_key": "k1"},
    )

    assert 'value="Initech"' in page.content.decode()
    org = Organization.objects.get(name="Initech")
    assert response.status_code == 303
    assert response["Location"] == f"/sandbox/organizations/{org.id}/"
    assert sorted(org.domains.values_list("domain", flat=True)) == [
        "initech.example",
        "initech.test",
    ]
    event = AuditEvent.objects.get(action="organization_created")
    assert (event.organization_id, event.organization_name, event.outcome) == (
        org.id,
        "Initech",
        "success",
    )
    assert "initech.example" in event.detail
    assert IndexedOrganization.objects.filter(organization_id=org.id, name="Initech").exists()


def test_a_name_another_organization_has_is_refused_before_the_api_is_asked(
    editor, acme, api_calls
):
    response = editor.post("/sandbox/organizations/new", {"name": "ACME"})

    assert response.status_code == 422
    assert "An organization is already named “Acme”" in response.content.decode()
    assert "POST /emulator/organizations" not in api_calls
    assert Organization.objects.count() == 1
    assert not AuditEvent.objects.filter(action="organization_created").exists()


def test_bad_names_and_domains_are_refused_next_to_their_fields(editor, db):
    response = editor.post(
        "/sandbox/organizations/new", {"name": "Evil\u202eCorp", "domains": "not a domain!"}
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in html
    assert "domain!: Must be a domain name" in html
    assert not Organization.objects.exists()


def test_a_domain_of_another_organization_is_refused_next_to_the_domains(editor, acme, sleeps):
    response = editor.post(
        "/sandbox/organizations/new", {"name": "Initech", "domains": "acme.example"}
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_domains_error"' in html and "acme.example" in html
    assert not Organization.objects.filter(name="Initech").exists()
    event = AuditEvent.objects.get(action="organization_created")
    assert event.outcome == "refused" and event.organization_name == "Initech"


def test_a_double_submitted_create_makes_one_organization(editor, db):
    form = {"name": "Initech", "idempotency_key": "same-form"}

    editor.post("/sandbox/organizations/new", form)
    again = editor.post("/sandbox/organizations/new", form)

    assert Organization.objects.filter(name="Initech").count() == 1
    assert again.status_code == 422  # The name is now taken: nothing more is created.


def test_after_creating_it_goes_back_to_the_page_that_asked(editor, db):
    response = editor.post(
        "/sandbox/organizations/new",
        {
            "name": "Initech",
            "next": "/sandbox/applications/new?type=m2m",
            "parameter": "organization_id",
        },
    )
    elsewhere = editor.post(
        "/sandbox/organizations/new",
        {"name": "Hooli", "next": "https://evil.example/", "parameter": "organization_id"},
    )

    page = editor.get("/sandbox/organizations/new?next=javascript:alert(1)").content.decode()

    org = Organization.objects.get(name="Initech")
    assert response["Location"] == f"/sandbox/applications/new?type=m2m&organization_id={org.id}"
    hooli = Organization.objects.get(name="Hooli")
    assert elsewhere["Location"] == f"/sandbox/organizations/{hooli.id}/"
    assert "javascript:" not in page


def test_an_editor_renames_an_organization_and_the_index_follows(editor, acme, worker):
    IndexedOrganization.objects.create(
        environment="sandbox", organization_id=acme.id, name="Acme", indexed_at="2026-01-01T00:00Z"
    )
    editor.get(f"/sandbox/organizations/{acme.id}/")  # Indexes its applications.

    response = editor.post(f"/sandbox/organizations/{acme.id}/rename", {"name": "Acme Corp"})

    assert response.status_code == 303
    acme.refresh_from_db()
    assert acme.name == "Acme Corp"
    event = AuditEvent.objects.get(action="organization_renamed")
    assert event.changes == {"name": {"before": "Acme", "after": "Acme Corp"}}
    assert event.organization_name == "Acme Corp"
    assert IndexedOrganization.objects.get(organization_id=acme.id).name == "Acme Corp"
    assert IndexedApplication.objects.get(application_id=worker.id).organization_name == "Acme Corp"
    assert "Acme Corp" in editor.get(f"/sandbox/applications/{worker.id}/").content.decode()


def test_a_rename_to_another_organizations_name_is_refused(editor, acme, globex):
    response = editor.post(f"/sandbox/organizations/{acme.id}/rename", {"name": "globex"})

    assert response.status_code == 422
    assert "An organization is already named “Globex”" in response.content.decode()
    acme.refresh_from_db()
    assert acme.name == "Acme"


def test_a_viewer_may_neither_create_nor_rename(viewer, acme):
    assert viewer.post("/sandbox/organizations/new", {"name": "Initech"}).status_code == 403
    assert viewer.post(f"/sandbox/organizations/{acme.id}/rename", {"name": "X"}).status_code == 403
    assert Organization.objects.count() == 1


def test_deleting_is_refused_while_applications_belong_to_it(admin, acme, worker, api_calls):
    page = admin.get(f"/sandbox/organizations/{acme.id}/delete")
    confirmed = admin.post(f"/sandbox/organizations/{acme.id}/delete", {"confirm_name": "Acme"})

    assert page.status_code == 409 and confirmed.status_code == 409
    html = confirmed.content.decode()
    assert "1 application still belongs to “Acme”" in html
    assert f'href="/sandbox/applications/{worker.id}/">Billing worker</a>' in html
    assert 'name="confirm_name"' not in html
    assert f"DELETE /emulator/organizations/{acme.id}" not in api_calls
    assert Organization.objects.filter(id=acme.id).exists()


def test_an_admin_deletes_an_organization_after_typing_its_name(admin, globex):
    wrong = admin.post(f"/sandbox/organizations/{globex.id}/delete", {"confirm_name": "Acme"})
    right = admin.post(f"/sandbox/organizations/{globex.id}/delete", {"confirm_name": "Globex"})

    assert wrong.status_code == 422
    assert "Type the organization’s name exactly" in wrong.content.decode()
    assert right.status_code == 303 and right["Location"] == "/sandbox/organizations/"
    assert not Organization.objects.filter(id=globex.id).exists()
    event = AuditEvent.objects.get(action="organization_deleted")
    assert (event.organization_id, event.organization_name, event.outcome) == (
        globex.id,
        "Globex",
        "success",
    )


def test_production_asks_for_its_name_as_well(db):
    client = signed_in("Admin")
    with partition.override("production"):
        org = store.organization_create(name="Acme", domains=[], metadata={}, external_id=None)

    refused = client.post(f"/production/organizations/{org.id}/delete", {"confirm_name": "Acme"})
    done = client.post(
        f"/production/organizations/{org.id}/delete",
        {"confirm_name": "Acme", "confirm_environment": "production"},
    )

    assert refused.status_code == 422
    assert "type production as well" in refused.content.decode()
    assert done.status_code == 303


def test_an_editor_may_not_delete(editor, globex):
    assert editor.get(f"/sandbox/organizations/{globex.id}/delete").status_code == 403
    assert (
        editor.post(
            f"/sandbox/organizations/{globex.id}/delete", {"confirm_name": "Globex"}
        ).status_code
        == 403
    )
    assert Organization.objects.filter(id=globex.id).exists()


def test_the_audit_trail_names_the_organization_of_an_event(admin, globex):
    admin.post(f"/sandbox/organizations/{globex.id}/rename", {"name": "Globex Corp"})
    event = AuditEvent.objects.get(action="organization_renamed")

    trail = admin.get("/audit/").content.decode()
    page = admin.get(f"/audit/{event.id}/").content.decode()
    history = admin.get(f"/sandbox/organizations/{globex.id}/").content.decode()

    export = b"".join(admin.get("/audit/?format=csv").streaming_content).decode()
    assert f"Globex Corp <code>{globex.id}</code>" in trail
    assert '"organization_id","organization_name"' in export.splitlines()[0]
    assert f'"{globex.id}","Globex Corp"' in export
    assert "Organization renamed: Globex Corp" in page
    assert "Organization renamed" in history


def test_the_refusal_names_how_many_applications_belong_to_it(acme, worker):
    from dashboard.organizations.services import OrganizationInUse

    one = str(OrganizationInUse(acme, [worker], more=False))
    two = str(OrganizationInUse(acme, [worker, worker], more=False))
    many = str(OrganizationInUse(acme, [worker] * 100, more=True))

    assert one.startswith("1 application still belongs to “Acme”. Delete it first")
    assert two.startswith("2 applications still belong to “Acme”. Delete them first")
    assert many.startswith("100 or more applications still belong")
