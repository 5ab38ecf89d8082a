"""Organizations and consents in the browser: the list that follows its search box, an
organization's page and its consents loaded after it, links both ways between organization
and application, the organization box that creates what it was typed, the pages without
JavaScript, and axe-core on each.
"""

import re

import pytest

from dashboard.emulator.models import Application, Organization
from tests.support import consent
from tests.support.browser import (
    axe_violations,
    describe,
    settled,
    signed_in_by_cookie,
    signed_in_page,
    sync_api,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def allowed(portal, alice, acme):
    """Alice has allowed the organization's third-party application."""
    consent(alice, portal, acme, ["openid", "profile"])


@pytest.fixture
def page(chromium, live_server):
    page = signed_in_by_cookie(chromium, live_server)
    yield page
    page.context.close()


def test_the_list_follows_its_search_box_and_keeps_it_in_the_address(page, acme, globex):
    expect = sync_api.expect
    page.goto("/sandbox/organizations/")
    page.evaluate("document.documentElement.dataset.loadedOnce = 'yes'")

    page.get_by_label("Search by name").fill("glob")
    page.wait_for_url(re.compile(r"/sandbox/organizations/\?q=glob$"))

    expect(page.get_by_role("link", name="Globex")).to_be_visible()
    expect(page.get_by_role("link", name="Acme")).to_have_count(0)
    assert page.evaluate("document.documentElement.dataset.loadedOnce === 'yes'")
    page.reload()
    expect(page.get_by_label("Search by name")).to_have_value("glob")


def test_an_organization_and_its_applications_link_both_ways(page, portal, acme, allowed):
    expect = sync_api.expect
    page.goto("/sandbox/organizations/")
    page.get_by_role("link", name="Acme").click()

    consented = page.locator("#consents")
    expect(consented.get_by_role("link", name="Partner Portal")).to_be_visible()
    expect(consented).to_contain_text("alice@acme.example")
    expect(page.locator("#domains")).to_contain_text("acme.example")

    page.locator("#applications").get_by_role("link", name="Partner Portal").click()
    users_section = page.locator("#consents")
    expect(users_section).to_contain_text("Alice Smith")
    expect(users_section.get_by_role("link", name="Revoke…")).to_be_visible()

    page.locator("dd").get_by_role("link", name="Acme").click()
    page.wait_for_url(re.compile(rf"/sandbox/organizations/{acme.id}/$"))


def test_revoking_a_consent_asks_first_then_it_is_gone(page, portal, allowed):
    expect = sync_api.expect
    page.goto(f"/sandbox/applications/{portal.id}/")
    page.locator("#consents").get_by_role("link", name="Revoke…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Revoke alice@acme.example’s consent to Partner Portal?"
    )

    page.get_by_role("button", name="Revoke consent").click()

    expect(page.get_by_role("status").first).to_contain_text("Revoked alice@acme.example’s")
    expect(page.locator("#consents")).to_contain_text("No user of Acme has authorized it.")


def test_the_create_form_creates_the_organization_typed_in_its_box(page, acme):
    expect = sync_api.expect
    page.goto("/sandbox/applications/new")
    page.get_by_label("Machine-to-machine (M2M)").check()
    box = page.get_by_label("Organization")
    expect(box).to_be_visible()  # The form, swapped for an M2M application.
    settled(page)
    page.get_by_label("Name").fill("Billing worker")

    box.fill("Initech")
    page.get_by_role("button", name="Create application").click()
    expect(page.locator("#id_organization_id_error")).to_contain_text(
        "No organization is named “Initech”"
    )
    page.get_by_role("link", name="Create the organization “Initech”").click()

    expect(page.locator("#id_organization_id-offer")).to_have_text(
        "Created the organization “Initech”, chosen above."
    )
    expect(page.locator("#id_organization_id_error")).to_have_count(0)
    expect(box).to_have_value("Initech")
    expect(page.get_by_label("Name")).to_have_value("Billing worker")
    page.get_by_role("button", name="Create application").click()
    page.wait_for_url(re.compile(r"/sandbox/applications/conn_app_\w+/$"))
    assert Application.objects.get(name="Billing worker").organization.name == "Initech"


def test_the_box_offers_it_once_the_name_is_complete_not_while_it_is_typed(page, acme):
    expect = sync_api.expect
    page.goto("/sandbox/applications/new")
    page.get_by_label("Machine-to-machine (M2M)").check()
    box = page.get_by_label("Organization")
    expect(box).to_be_visible()
    settled(page)

    box.press_sequentially("Hool")
    settled(page)
    offer = page.get_by_role("link", name=re.compile("Create the organization"))
    expect(offer).to_have_count(0)
    box.press_sequentially("i")
    box.press("Tab")
    expect(page.get_by_role("link", name="Create the organization “Hooli”")).to_be_visible()
    settled(page)  # The note swapped in listens to the box once htmx has bound it.
    box.fill("Acme")
    box.press("Tab")
    expect(offer).to_have_count(0)


def test_organizations_are_created_renamed_and_deleted_without_javascript(chromium, live_server):
    expect = sync_api.expect
    page = signed_in_page(chromium, live_server, javascript=False)
    page.goto("/sandbox/organizations/")
    page.get_by_role("link", name="New organization").click()
    page.get_by_label("Name").fill("Initech")
    page.get_by_label("Domains").fill("initech.example")
    page.get_by_role("button", name="Create organization").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Initech")
    expect(page.locator("#domains")).to_contain_text("initech.example")
    expect(
        page.get_by_role("link", name="Show the applications its users authorized")
    ).to_be_visible()

    page.get_by_role("link", name="Rename").click()
    page.get_by_label("Name").fill("Initech Corp")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Initech Corp")

    page.get_by_role("link", name="Delete…").click()
    page.get_by_label("Type Initech Corp to confirm").fill("Initech")
    page.get_by_role("button", name="Delete this organization").click()
    expect(page.locator(".field-error")).to_have_text(
        "Type the organization’s name exactly to confirm."
    )
    page.get_by_label("Type Initech Corp to confirm").fill("Initech Corp")
    page.get_by_role("button", name="Delete this organization").click()
    page.wait_for_url(re.compile(r"/sandbox/organizations/$"))
    assert not Organization.objects.filter(name__startswith="Initech").exists()
    page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_on_the_organization_pages(
    chromium, live_server, axe_core, portal, acme, allowed, scheme
):
    page = signed_in_by_cookie(chromium, live_server, color_scheme=scheme)
    for url in [
        "/sandbox/organizations/",
        f"/sandbox/organizations/{acme.id}/",
        f"/sandbox/organizations/{acme.id}/delete",
        "/sandbox/organizations/new",
        f"/sandbox/applications/{portal.id}/",
    ]:
        page.goto(url)
        # Sections loaded after the page (consents, secrets) have arrived: waited for with
        # locators, which the page's CSP allows, where a polled function would be eval.
        sync_api.expect(page.locator("section[hx-trigger=load]")).to_have_count(0)
        sync_api.expect(page.locator(".htmx-request, .htmx-settling")).to_have_count(0)
        violations = axe_violations(page, axe_core)
        assert not violations, f"{url}:\n{describe(violations)}"
    page.context.close()
