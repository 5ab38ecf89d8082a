"""The whole job of onboarding one customer, Northwind Health, in Chromium and through the
dashboard's pages only (the one thing made beforehand is the patient who signs in), as an ops
engineer does it: in the sandbox the organization, an OAuth web application with two redirect
URIs and an M2M application; the M2M secret created and checked; search by the customer's
domain and name, and go-to by name; the hand-over sheet and a sign-in tried through it; both
applications promoted to production (its organization created from the preview, the test
callback left behind); the M2M application's production secret created from the promotion's
result and checked there, on its page and pasted on its sheet; production's configuration
exported; and the customer's audit trail in each environment."""

import re
from urllib.parse import urlencode

import pytest
import yaml

from dashboard.audit.models import AuditEvent
from dashboard.emulator import partition
from dashboard.emulator.models import Application, ClientSecret
from dashboard.emulator.user_management import store as users
from tests.support.browser import settled, sync_api

pytestmark = pytest.mark.django_db(transaction=True)

expect = sync_api.expect

CUSTOMER = "Northwind Health"
DOMAIN = "northwind-health.example"
APP = f"https://app.{DOMAIN}/callback"
STAGING = f"https://staging.{DOMAIN}/callback"
PORTAL = "Northwind Portal"
SYNC = "Northwind Sync"
PATIENT = "nora@northwind-health.example"
PASSWORD = "correct-horse-battery-staple"


def go(page, where: str) -> None:
    """Follow a link of the header's main navigation."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=where).click()


def create_the_organization(page) -> None:
    go(page, "Organizations")
    page.get_by_role("link", name="New organization").click()
    page.get_by_label("Name").fill(CUSTOMER)
    page.get_by_label("Domains").fill(DOMAIN)
    page.get_by_role("button", name="Create organization").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CUSTOMER)
    expect(page.locator("#domains")).to_contain_text(DOMAIN)


def new_application(page) -> None:
    go(page, "New application")
    expect(page.get_by_role("heading", name="New application")).to_be_visible()


def create_the_portal(page) -> None:
    new_application(page)
    page.get_by_label("Third-party").check()
    organization = page.get_by_label("Organization")
    expect(organization).to_be_visible()  # The form, swapped for a third-party application.
    settled(page)
    page.get_by_label("Name").fill(PORTAL)
    page.get_by_label("Description").fill("Patients sign in to Northwind's portal.")
    organization.fill(CUSTOMER)
    page.get_by_role("textbox", name="Redirect URI 1", exact=True).fill(APP)
    page.get_by_role("button", name="Add a redirect URI").click()
    settled(page)
    page.get_by_role("textbox", name="Redirect URI 2", exact=True).fill(STAGING)
    for scope in ("openid", "email", "offline_access"):
        page.get_by_label(scope, exact=True).check()
    page.get_by_role("button", name="Create application").click()
    page.wait_for_url(re.compile(r"/sandbox/applications/conn_app_\w+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(PORTAL)


def create_the_sync(page) -> None:
    new_application(page)
    page.get_by_label("Machine-to-machine (M2M)").check()
    organization = page.get_by_label("Organization")
    expect(organization).to_be_visible()
    settled(page)
    page.get_by_label("Name").fill(SYNC)
    organization.fill(CUSTOMER)
    page.get_by_label("Other scopes").fill("records:read records:write")
    page.get_by_role("button", name="Create application").click()
    page.wait_for_url(re.compile(r"/sandbox/applications/conn_app_\w+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(SYNC)


def check_the_new_secret(page) -> str:
    """Check the client secret just created, shown once on the M2M application's page, with
    one click, and return it."""
    secret = page.get_by_label("New client secret")
    expect(secret).to_be_visible()
    settled(page)
    page.get_by_role("button", name="Check these credentials").click()
    result = page.get_by_role("status").filter(has_text="The credentials work.")
    expect(result).to_be_visible()
    expect(result).to_contain_text("records:read")
    expect(result).to_contain_text(CUSTOMER)
    return secret.input_value()


def open_the_sheet(page, name: str):
    page.get_by_role("link", name="Open the hand-over sheet").click()
    expect(page.get_by_role("heading", name=f"Integrate {name}")).to_be_visible()


def search(page, words: str):
    """Type `words` in the list's search box; the results, once they follow it."""
    page.get_by_label("Search", exact=True).fill(words)
    page.wait_for_url(re.compile(re.escape("?" + urlencode({"q": words})) + "$"))
    settled(page)
    return page.locator("#results")


def environment(page, name: str) -> None:
    """Switch environments with the header's links."""
    page.get_by_role("navigation", name="Environment").get_by_role("link", name=name).click()


def trail(page, *, count: int) -> list[tuple[str, str]]:
    """The audit trail's events once `count` are shown: what was done, and to what (its
    name, without its ID)."""
    rows = page.locator("#events tbody tr")
    expect(rows).to_have_count(count)
    return [
        (
            row.locator("td").nth(3).inner_text(),
            row.locator("td").nth(4).inner_text().rsplit(" ", 1)[0],
        )
        for row in rows.all()
    ]


def promote(page, name: str) -> None:
    """Copy the application whose page is open to production, where its organization is
    matched by name."""
    page.get_by_role("link", name="Copy to Production…").click()
    expect(page.get_by_role("button", name="Create in Production")).to_be_visible()
    expect(page.get_by_text(f"Production has one organization named “{CUSTOMER}”")).to_be_visible()
    page.get_by_role("button", name="Create in Production").click()
    expect(page.get_by_role("heading", name=f"“{name}” is now in Production")).to_be_visible()


def promote_creating_the_organization(page, name: str) -> None:
    """Copy the application whose page is open to production, creating its organization
    there from the preview's organization box."""
    page.get_by_role("link", name="Copy to Production…").click()
    expect(page.get_by_text(f"No organization in Production is named “{CUSTOMER}”")).to_be_visible()
    # The sign-in tried in the sandbox registered a callback for this dashboard alone.
    expect(page.get_by_text("Left out: the dashboard’s test callback")).to_be_visible()
    settled(page)
    expect(page.get_by_label("Organization in Production")).to_have_value(CUSTOMER)
    page.get_by_role("link", name=f"Create the organization “{CUSTOMER}”").click()
    expect(
        page.get_by_text(f"Created the organization “{CUSTOMER}”, chosen above.")
    ).to_be_visible()
    page.get_by_role("button", name="Create in Production").click()
    expect(page.get_by_role("heading", name=f"“{name}” is now in Production")).to_be_visible()


@pytest.fixture
def patient(db):
    """Someone who signs in to Northwind's portal, in the sandbox."""
    return users.user_create(
        email=PATIENT, password=PASSWORD, first_name="Nora", last_name="Wind", name=None,
        email_verified=True, external_id=None, metadata={},
    )  # fmt: skip


def test_northwind_is_onboarded_from_the_sandbox_to_production(page, patient):
    create_the_organization(page)
    create_the_portal(page)
    create_the_sync(page)

    portal = Application.objects.get(name=PORTAL)
    assert portal.organization.name == CUSTOMER and not portal.is_first_party
    assert [entry["uri"] for entry in portal.redirect_uris] == [APP, STAGING]
    assert portal.scopes == ["openid", "email", "offline_access"]
    worker = Application.objects.get(name=SYNC)
    assert worker.organization_id == portal.organization_id
    assert worker.scopes == ["records:read", "records:write"]

    page.get_by_role("button", name="Create client secret").click()
    check_the_new_secret(page)
    assert ClientSecret.objects.get(application=worker).last_used_at is not None

    # Search by the customer's domain and by its name, then go to an application by name.
    go(page, "Applications")
    results = search(page, DOMAIN)
    expect(results.get_by_role("link", name=PORTAL)).to_be_visible()
    expect(results.get_by_role("link", name=SYNC)).to_have_count(0)
    results = search(page, f"staging.{DOMAIN}")
    expect(results.get_by_role("link", name=PORTAL)).to_be_visible()
    results = search(page, CUSTOMER)
    expect(results.get_by_role("link", name=PORTAL)).to_be_visible()
    expect(results.get_by_role("link", name=SYNC)).to_be_visible()
    page.get_by_label("Go to application").fill(PORTAL)
    page.get_by_label("Go to application").press("Enter")
    page.wait_for_url(re.compile(rf"/sandbox/applications/{portal.id}/$"))

    open_the_sheet(page, PORTAL)
    uris = page.get_by_role("region", name="Client", exact=True).locator(
        "dt:text-is('Redirect URIs') + dd li"
    )
    expect(uris).to_have_text([f"{APP} Copy (the default)", f"{STAGING} Copy"])

    # A patient of Northwind signs in through the dashboard's test callback, and consents.
    page.get_by_role("button", name="Add the dashboard’s test callback as a redirect URI").click()
    page.get_by_role("button", name="Try the sign-in").click()
    page.get_by_label("Email").fill(PATIENT)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Allow {PORTAL}")).to_be_visible()
    page.get_by_label("For the organization").select_option(label=CUSTOMER)
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_text("The sign-in works.")).to_be_visible()
    claims = page.locator("section", has=page.get_by_role("heading", name="ID token claims"))
    expect(claims).to_contain_text(PATIENT)
    access = page.locator("section", has=page.get_by_role("heading", name="Access token"))
    expect(access).to_contain_text("openid email offline_access")

    # Both to production, each from its page in the sandbox.
    go(page, "Applications")
    page.locator("#results").get_by_role("link", name=PORTAL).click()
    promote_creating_the_organization(page, PORTAL)
    environment(page, "Sandbox")
    page.locator("#results").get_by_role("link", name=SYNC).click()
    promote(page, SYNC)
    page.get_by_role("button", name="Create its client secret in Production").click()
    expect(page).to_have_url(re.compile(r"/production/applications/conn_app_\w+/"))
    secret = check_the_new_secret(page)

    open_the_sheet(page, SYNC)
    page.get_by_label("Client secret", exact=True).fill(secret)
    page.get_by_role("button", name="Check credentials").click()
    expect(page.get_by_role("status").filter(has_text="The credentials work.")).to_be_visible()

    # Production's configuration, exported: both applications, as they are there.
    environment(page, "PRODUCTION")
    go(page, "Configuration")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download YAML").click()
    exported = yaml.safe_load(download.value.path().read_text())["applications"]
    assert exported["northwind-portal"]["organization"] == CUSTOMER
    assert [entry["uri"] for entry in exported["northwind-portal"]["redirect_uris"]] == [
        APP,
        STAGING,
    ]
    assert exported["northwind-portal"]["scopes"] == ["openid", "email", "offline_access"]
    assert exported["northwind-sync"] == {
        "name": SYNC,
        "application_type": "m2m",
        "organization": CUSTOMER,
        "scopes": ["records:read", "records:write"],
    }

    # The customer's audit trail: an organization of that name in each environment.
    go(page, "Audit trail")
    page.get_by_label("Organization").fill(CUSTOMER)
    page.get_by_label("Organization").press("Enter")
    choice = page.get_by_role("status").filter(has_text=f"“{CUSTOMER}” names 2 organizations")
    expect(choice).to_be_visible()
    choice.get_by_role("listitem").filter(has_text="Production").get_by_role("link").click()
    assert trail(page, count=6) == [
        ("Client credentials checked", SYNC),
        ("Client credentials checked", SYNC),
        ("Client secret created", SYNC),
        ("Application created", SYNC),
        ("Application created", PORTAL),
        ("Organization created", f"Organization {CUSTOMER}"),
    ]
    # A promotion is the copy's creation, saying where it came from.
    page.locator("#events tbody tr").filter(has_text=PORTAL).get_by_role("link").click()
    expect(page.locator("dt:text-is('Detail') + dd")).to_have_text(
        re.compile(f"^Promoted from Sandbox’s “{PORTAL}”")
    )

    # In the sandbox, the one organization of that name is that organization.
    go(page, "Audit trail")
    page.get_by_role("combobox", name="Environment").select_option(label="Sandbox")
    settled(page)
    page.get_by_label("Organization").fill(CUSTOMER)
    page.get_by_label("Organization").press("Enter")
    assert trail(page, count=7) == [
        ("Sign-in tried", PORTAL),
        ("Application updated (Redirect URIs)", PORTAL),
        ("Client credentials checked", SYNC),
        ("Client secret created", SYNC),
        ("Application created", SYNC),
        ("Application created", PORTAL),
        ("Organization created", f"Organization {CUSTOMER}"),
    ]

    with partition.override("production"):
        copies = {app.name: app for app in Application.objects.all()}
        (production_secret,) = ClientSecret.objects.filter(application=copies[SYNC])
        assert production_secret.last_used_at is not None
        assert copies[PORTAL].organization_id == copies[SYNC].organization_id
        assert copies[PORTAL].organization.name == CUSTOMER
        assert [entry["uri"] for entry in copies[PORTAL].redirect_uris] == [APP, STAGING]
    assert sorted(copies) == [PORTAL, SYNC]
    checks = AuditEvent.objects.filter(action="credentials_checked", environment="production")
    assert [event.outcome for event in checks] == ["success", "success"]
