"""The audit trail by customer: an application found by its name, an organization's whole
trail (the organization and its applications, deleted ones too), and single sign-on events
with their issuer and subject."""

import csv
import io

import pytest
from django.utils import timezone

from dashboard.audit.models import AuditEvent
from dashboard.emulator import partition, store
from dashboard.search import tasks

pytestmark = pytest.mark.django_db

ISSUER = "https://sso.northwind.example/oauth2/default"
SUBJECT = "00u1northwind42"


def organization(name: str, environment: str = "sandbox"):
    with partition.override(environment):
        return store.organization_create(name=name, domains=[], metadata={}, external_id=None)


def m2m(name: str, organization_id: str, environment: str = "sandbox"):
    with partition.override(environment):
        return store.application_create(
            application_type="m2m", name=name, organization_id=organization_id
        )


def indexed(*names: str) -> None:
    for environment in names or ("sandbox",):
        assert tasks.run_sync(environment, timezone.now()) is not None


def event(app=None, environment: str = "sandbox", **fields) -> AuditEvent:
    values = {"action": "update", "outcome": "success", "environment": environment}
    if app is not None:
        values |= {
            "application_id": app.id,
            "client_id": app.client_id,
            "application_name": app.name,
        }
    return AuditEvent.objects.create(**(values | fields))


def shown(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- The application filter takes a name ----------------------------------------------------


def test_it_shows_the_events_of_the_one_application_with_that_name(admin):
    northwind = organization("Northwind Health")
    portal = m2m("Northwind Worker", northwind.id)
    other = m2m("Billing Worker", northwind.id)
    indexed()
    event(portal)
    event(other)

    page = shown(admin.get("/audit/", {"application": "northwind worker"}))

    assert portal.id in page and other.id not in page
    assert 'value="northwind worker"' in page


def test_a_name_of_several_applications_offers_a_choice_that_keeps_the_other_filters(admin):
    in_sandbox = m2m("Worker", organization("Northwind Health").id)
    in_production = m2m("Worker", organization("Northwind Health", "production").id, "production")
    indexed("sandbox", "production")
    event(in_sandbox)
    event(in_production, environment="production")

    page = shown(admin.get("/audit/", {"application": "Worker", "action": "update"}))

    assert "“Worker” names 2 applications: choose one." in page
    assert "No events match." not in page
    for app in (in_sandbox, in_production):
        assert f'href="/audit/?application={app.id}&amp;action=update"' in page
    chosen = shown(admin.get("/audit/", {"application": in_production.id, "action": "update"}))
    assert in_production.id in chosen and in_sandbox.id not in chosen


def test_the_environment_filter_narrows_a_name_to_one_application(admin):
    in_sandbox = m2m("Worker", organization("Northwind Health").id)
    in_production = m2m("Worker", organization("Northwind Health", "production").id, "production")
    indexed("sandbox", "production")
    event(in_sandbox)
    event(in_production, environment="production")

    page = shown(admin.get("/audit/", {"application": "Worker", "environment": "production"}))

    assert in_production.id in page and in_sandbox.id not in page


def test_a_name_no_application_has_says_so(admin):
    indexed()

    page = shown(admin.get("/audit/", {"application": "Nowhere Portal"}))

    assert "Application: No application is named “Nowhere Portal”." in page
    assert 'value="Nowhere Portal"' in page


def test_a_deleted_application_is_found_by_the_name_its_events_recorded(admin):
    app = m2m("Old Worker", organization("Northwind Health").id)
    indexed()
    admin.post(f"/sandbox/applications/{app.id}/delete", {"confirm_name": "Old Worker"})
    indexed()  # The index no longer has it.

    page = shown(admin.get("/audit/", {"application": "Old Worker"}))

    assert "Application deleted" in page and app.id in page


# --- The organization filter: everything done for that customer -----------------------------


@pytest.fixture
def northwind_trail(admin):
    """Northwind Health's organization, a live and a deleted application, and events of
    another customer that its trail leaves out."""
    northwind = organization("Northwind Health")
    globex = organization("Globex")
    live = m2m("Northwind Worker", northwind.id)
    gone = m2m("Northwind Old Worker", northwind.id)
    theirs = m2m("Globex Worker", globex.id)
    indexed()
    event(
        action="organization_renamed",
        organization_id=northwind.id,
        organization_name="Northwind Health",
    )
    event(live, detail="live app changed")
    event(gone, detail="gone app changed before its deletion")
    admin.post(f"/sandbox/applications/{gone.id}/delete", {"confirm_name": gone.name})
    event(theirs, detail="another customer's change")
    event(action="organization_renamed", organization_id=globex.id, organization_name="Globex")
    indexed()
    return northwind, live, gone, theirs


def test_an_organization_shows_its_own_events_and_its_applications_deleted_ones_too(
    admin, northwind_trail
):
    northwind, live, gone, theirs = northwind_trail

    page = shown(admin.get("/audit/", {"organization": "northwind health"}))

    assert "Organization renamed" in page and northwind.id in page
    assert live.id in page
    assert "Application deleted" in page
    assert page.count(gone.id) == 2  # Its change, and its deletion.
    assert theirs.id not in page and "Globex" not in page.split('id="events"')[1]
    assert 'value="northwind health"' in page


def test_an_organization_by_id_is_the_same_trail_in_the_csv(admin, northwind_trail):
    northwind, live, gone, theirs = northwind_trail

    response = admin.get("/audit/", {"organization": northwind.id, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    ids = {row["application_id"] or row["organization_id"] for row in rows}
    assert ids == {northwind.id, live.id, gone.id}
    assert theirs.id not in {row["application_id"] for row in rows}


def test_the_export_link_and_the_pages_keep_the_organization_filter(admin, northwind_trail):
    northwind, live, *_ = northwind_trail
    for _ in range(60):
        event(live)

    first = shown(admin.get("/audit/", {"organization": "Northwind Health"}))
    second = shown(admin.get("/audit/", {"organization": "Northwind Health", "page": "2"}))

    assert 'href="/audit/?organization=Northwind+Health&amp;page=2"' in first
    assert 'href="/audit/?organization=Northwind+Health&amp;format=csv"' in first
    assert 'value="Northwind Health"' in second and "Page 2 of 2" in second


def test_an_organization_name_in_two_environments_offers_a_choice(admin):
    sandbox = organization("Northwind Health")
    production = organization("Northwind Health", "production")
    indexed("sandbox", "production")

    page = shown(admin.get("/audit/", {"organization": "Northwind Health"}))

    assert "“Northwind Health” names 2 organizations: choose one." in page
    assert f'href="/audit/?organization={sandbox.id}"' in page
    assert f'href="/audit/?organization={production.id}"' in page


def test_an_organization_no_one_has_says_so(admin):
    indexed()

    page = shown(admin.get("/audit/", {"organization": "Initech"}, headers={"HX-Request": "true"}))

    assert "Organization: No organization is named “Initech”." in page


# --- Single sign-on events --------------------------------------------------------------------


def test_a_single_sign_on_shows_its_issuer_and_subject_on_the_list_and_its_page(admin):
    signed = AuditEvent.objects.create(
        action="sso_sign_in",
        outcome="success",
        environment="",
        username="olivia@northwind.example",
        changes={"issuer": ISSUER, "subject": SUBJECT},
        detail=f"Viewer, as {SUBJECT} at {ISSUER}",
    )

    listed = shown(admin.get("/audit/", {"action": "sso_sign_in"}))
    detail = shown(admin.get(f"/audit/{signed.id}/"))

    row = listed.split("<tbody>")[1]
    assert f"<code>{ISSUER}</code>" in row and f"<code>{SUBJECT}</code>" in row
    assert "(issuer, subject)" not in row
    assert f"<dt>Issuer</dt><dd><code>{ISSUER}</code></dd>" in detail
    assert f"<dt>Subject</dt><dd><code>{SUBJECT}</code></dd>" in detail
    assert "<h2>Changes</h2>" not in detail


def test_a_refused_single_sign_on_shows_the_issuer_it_knew(admin):
    refused = AuditEvent.objects.create(
        action="sso_refused", outcome="refused", environment="", changes={"issuer": ISSUER}
    )

    detail = shown(admin.get(f"/audit/{refused.id}/"))

    assert f"<dt>Issuer</dt><dd><code>{ISSUER}</code></dd>" in detail
    assert "<dt>Subject</dt>" not in detail
