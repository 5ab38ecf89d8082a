"""What an ops engineer meets every day, in the browser: organizations by name, the audit
export, errors next to the right row, the list on a phone, the page after a failure.
"""

import csv
import io
import re

import pytest

from dashboard.audit.models import AuditEvent
from dashboard.emulator import faults, store
from dashboard.emulator.models import Application
from tests.support.browser import signed_in_page, sync_api

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_organization_typed_by_name_in_the_create_form_is_that_organization(page, org):
    expect = sync_api.expect
    store.organization_create(name="Initech", domains=[], metadata={}, external_id=None)
    page.goto("/sandbox/applications/new")
    page.get_by_label("Machine-to-machine (M2M)").check()
    expect(page.get_by_label("Organization")).to_be_visible()
    page.get_by_label("Name").fill("Billing worker")

    page.get_by_label("Organization").fill("Globex")
    page.get_by_role("button", name="Create application").click()
    expect(page.locator("#id_organization_id_error")).to_have_text(
        re.compile("No organization is named “Globex”")
    )
    expect(page.get_by_label("Organization")).to_have_value("Globex")

    page.get_by_label("Organization").fill("initech")
    page.get_by_role("button", name="Create application").click()
    page.wait_for_url(re.compile(r"/sandbox/applications/conn_app_\w+/$"))
    app = Application.objects.get(name="Billing worker")
    assert app.organization.name == "Initech"
    expect(page.locator("dd", has_text=app.organization_id)).to_contain_text("Initech")


def test_the_list_filter_takes_a_name_and_shows_it_after_a_reload(page, org):
    expect = sync_api.expect
    store.application_create(application_type="m2m", name="Acme worker", organization_id=org.id)
    globex = store.organization_create(name="Globex", domains=[], metadata={}, external_id=None)
    store.application_create(
        application_type="m2m", name="Globex worker", organization_id=globex.id
    )
    page.goto("/sandbox/applications/")
    box = page.get_by_label("Organization")

    box.fill("Initech")
    box.press("Enter")
    expect(page.locator("#organization-error")).to_have_text(
        re.compile("No organization is named “Initech”")
    )

    box.fill("glob")
    box.press("Enter")
    expect(page.get_by_role("link", name="Globex worker")).to_be_visible()
    expect(box).to_have_value("Globex")
    expect(page.get_by_role("link", name="Acme worker")).to_have_count(0)
    expect(page.locator("#organization-error")).to_have_text("")
    page.wait_for_url(re.compile(rf"\?organization={globex.id}$"))

    page.reload()
    expect(page.get_by_label("Organization")).to_have_value("Globex")


def test_the_audit_export_follows_the_filters_set_in_the_page(page, org):
    app = store.application_create(application_type="m2m", name="Worker", organization_id=org.id)
    page.goto(f"/sandbox/applications/{app.id}/edit")
    page.get_by_label("Name").fill("Worker two")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/sandbox/applications/conn_app_\w+/$"))
    page.goto("/audit/")

    page.get_by_label("Action").select_option("update")
    sync_api.expect(page.get_by_role("link", name=re.compile("Export 1 event"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Export 1 event")).click()

    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert [row["action"] for row in rows] == ["update"]
    assert rows[0]["client_id"] == app.client_id
    assert AuditEvent.objects.exclude(action="update").exists()


def test_only_the_wrong_redirect_uri_row_turns_red(page):
    page.goto("/sandbox/applications/new")
    page.get_by_label("Name").fill("Portal")
    page.locator("input[name=redirect_uri]").first.fill("https://ok.example.com/cb")
    page.get_by_role("button", name="Add a redirect URI").click()
    page.locator("input[name=redirect_uri]").nth(1).fill("http://wrong.example.com/cb")
    page.get_by_role("button", name="Create application").click()

    rows = page.locator("li.row")
    sync_api.expect(rows.nth(1).locator(".field-error")).to_be_visible()
    good, bad = (
        rows.nth(index)
        .locator("input[name=redirect_uri]")
        .evaluate("element => getComputedStyle(element).borderTopColor")
        for index in (0, 1)
    )
    assert good != bad
    assert rows.nth(0).locator(".field-error").count() == 0
    assert not Application.objects.exists()


def test_on_a_phone_the_list_shows_its_essential_columns_without_scrolling(
    chromium, live_server, org
):
    store.application_create(
        application_type="m2m", name="A worker with a long name", organization_id=org.id
    )
    page = signed_in_page(chromium, live_server, viewport={"width": 390, "height": 844})
    try:
        page.goto("/sandbox/applications/")
        sync_api.expect(page.get_by_role("link", name="A worker with a long name")).to_be_visible()
        wrap = page.locator(".table-wrap")
        assert wrap.evaluate("element => element.scrollWidth <= element.clientWidth")
        sync_api.expect(page.get_by_role("columnheader", name="Organization")).to_be_visible()
        sync_api.expect(page.get_by_role("columnheader", name="Client ID")).to_be_hidden()
    finally:
        page.context.close()


def test_the_history_shows_a_new_secret_without_a_reload(page, org):
    app = store.application_create(application_type="m2m", name="Worker", organization_id=org.id)
    page.goto(f"/sandbox/applications/{app.id}/")
    history = page.locator("#history")
    sync_api.expect(history).to_contain_text("No changes made")

    page.get_by_role("button", name="Create client secret").click()

    sync_api.expect(page.get_by_label("New client secret")).to_be_visible()
    sync_api.expect(history).to_contain_text("Client secret created")
    sync_api.expect(page.locator("#secrets .tag", has_text="just created")).to_be_visible()


def test_after_a_failed_request_the_list_is_not_left_dimmed(page, org):
    store.application_create(application_type="m2m", name="Worker", organization_id=org.id)
    page.goto("/sandbox/applications/")
    page.route("**/applications/?*", lambda route: route.abort())

    with page.expect_event("requestfailed"):
        page.get_by_label("Order").select_option("asc")

    sync_api.expect(page.locator("#results")).to_have_attribute("aria-busy", "false")
    sync_api.expect(page.get_by_role("link", name="Worker")).to_be_visible()


def test_after_the_api_fails_a_page_request_the_list_is_not_left_dimmed(page, org):
    store.application_create(application_type="m2m", name="Worker", organization_id=org.id)
    page.goto("/sandbox/applications/")

    with faults.injected(error_rate=1.0, error_statuses=(503,)):
        page.get_by_label("Order").select_option("asc")
        sync_api.expect(page.locator("#messages")).to_contain_text("The API failed")

    sync_api.expect(page.locator("#results")).to_have_attribute("aria-busy", "false")
    sync_api.expect(page.get_by_role("link", name="Worker")).to_be_visible()


def test_the_create_form_logs_no_errors_and_guards_its_buttons(page):
    messages = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.goto("/sandbox/applications/new")
    page.get_by_label("Third-party").check()
    sync_api.expect(page.get_by_label("Organization")).to_be_visible()

    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)

    page.get_by_role("button", name="Add a redirect URI").dblclick()

    sync_api.expect(page.locator("input[name=redirect_uri]")).to_have_count(2)
    page.wait_for_load_state("networkidle")
    assert len(posts) == 1
    assert not [message for message in messages if message.startswith("error")], messages


def test_back_brings_the_whole_page_with_its_filters(page, org):
    for number in range(12):
        store.application_create(
            application_type="m2m", name=f"Worker {number:02d}", organization_id=org.id
        )
    page.goto("/sandbox/applications/")
    page.get_by_label("Per page").select_option("10")
    page.wait_for_url(re.compile(r"\?limit=10$"))
    page.get_by_label("Order").select_option("asc")
    page.wait_for_url(re.compile(r"\?order=asc&limit=10$"))
    page.get_by_role("link", name="Worker 00").click()
    page.wait_for_url(re.compile(r"/sandbox/applications/conn_app_\w+/$"))

    page.go_back()
    page.wait_for_url(re.compile(r"\?order=asc&limit=10$"))
    sync_api.expect(page.get_by_role("link", name="Connect dashboard")).to_be_visible()
    sync_api.expect(page.get_by_label("Order")).to_have_value("asc")

    page.go_back()
    page.wait_for_url(re.compile(r"\?limit=10$"))
    sync_api.expect(page.get_by_label("Order")).to_have_value("desc")
    sync_api.expect(page.get_by_label("Per page")).to_have_value("10")
    sync_api.expect(page.locator("#results")).to_have_attribute("aria-busy", "false")
