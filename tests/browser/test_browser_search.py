"""Search, totals and credential health in the browser: results that follow the search box
without a reload, the URL that keeps the search for back and forward, sortable headers,
"Sync now" and its progress, and the health page with its fixes and its CSV.

Every test starts from the demo data with the index synced, as after `quickstart` and a
first sync.
"""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.emulator import store
from dashboard.emulator.seed import seed_demo_data
from dashboard.search import tasks
from dashboard.search.index import fold
from dashboard.search.models import Sync
from dashboard.search.views import CSV_COLUMNS
from tests.support.browser import axe_violations, describe, signed_in_by_cookie, sync_api

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/sandbox/applications/"


@pytest.fixture
def demo(db):
    """The demo data, and the sandbox's index synced from it."""
    seed_demo_data()
    tasks.run_sync("sandbox", timezone.now())


@pytest.fixture
def page(demo, chromium, live_server):
    page = signed_in_by_cookie(chromium, live_server)
    yield page
    page.context.close()


def names(page) -> list[str]:
    return [name.strip() for name in page.locator("#results tbody th").all_inner_texts()]


def mark_the_document(page) -> None:
    """Mark the loaded document: the mark is gone if the browser loads a page again."""
    page.evaluate("document.documentElement.dataset.loadedOnce = 'yes'")


def still_the_same_document(page) -> bool:
    return page.evaluate("document.documentElement.dataset.loadedOnce === 'yes'")


def test_typing_a_search_updates_the_results_in_place_and_the_url_keeps_it(page):
    expect = sync_api.expect
    page.goto(LIST)
    mark_the_document(page)
    searches = []
    page.on(
        "request",
        lambda request: searches.append(request) if "q=" in request.url else None,
    )

    page.get_by_label("Search").press_sequentially("portal", delay=40)

    page.wait_for_url(re.compile(r"\?q=portal$"))
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Customer Portal")).to_be_visible()
    expect(results.get_by_role("link", name="Slack Bot")).to_have_count(0)
    expect(page.locator("#totals")).to_contain_text(re.compile(r"1 match ·"))
    assert still_the_same_document(page)
    # Keys typed within the delay make one request, an HTMX one.
    assert len(searches) == 1
    assert searches[0].headers.get("hx-request") == "true"

    page.get_by_label("Search").fill("slack")
    page.wait_for_url(re.compile(r"\?q=slack$"))
    expect(results.get_by_role("link", name="Slack Bot")).to_be_visible()
    assert still_the_same_document(page)

    page.go_back()
    page.wait_for_url(re.compile(r"\?q=portal$"))
    expect(page.get_by_label("Search")).to_have_value("portal")
    expect(results.get_by_role("link", name="Customer Portal")).to_be_visible()
    expect(results.get_by_role("link", name="Slack Bot")).to_have_count(0)

    page.go_forward()
    page.wait_for_url(re.compile(r"\?q=slack$"))
    expect(page.get_by_label("Search")).to_have_value("slack")
    expect(results.get_by_role("link", name="Slack Bot")).to_be_visible()
    expect(results.get_by_role("link", name="Customer Portal")).to_have_count(0)


def test_a_search_finds_words_in_any_order_and_ignores_accents(page):
    expect = sync_api.expect
    store.application_create(
        application_type="m2m",
        name="Équipe Données Paris",
        organization_id=store.organization_create(
            name="Crédit Lyonnais", domains=[], metadata={}, external_id=None
        ).id,
    )
    tasks.run_sync("sandbox", timezone.now())
    page.goto(LIST)
    results = page.locator("#results")

    for query in ("paris equipe", "EQUIPE donn", "credit lyon", "données"):
        page.get_by_label("Search").fill(query)
        expect(results.get_by_role("link", name="Équipe Données Paris")).to_be_visible()
        expect(page.locator("#totals")).to_contain_text("1 match ·")

    page.get_by_label("Search").fill("portal customer")
    expect(results.get_by_role("link", name="Customer Portal")).to_be_visible()
    expect(page.locator("#totals")).to_contain_text("1 match ·")


def test_clicking_the_name_header_sorts_by_name_and_says_so(page):
    expect = sync_api.expect
    page.goto(LIST)
    mark_the_document(page)
    header = page.get_by_role("columnheader", name=re.compile("^Name"))
    expect(header).not_to_have_attribute("aria-sort", re.compile(".*"))
    expect(page.get_by_role("columnheader", name=re.compile("^Created"))).to_have_attribute(
        "aria-sort", "descending"
    )

    header.get_by_role("link").click()
    page.wait_for_url(re.compile(r"\?order=name$"))
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(page.get_by_role("columnheader", name=re.compile("^Created"))).not_to_have_attribute(
        "aria-sort", re.compile(".*")
    )
    ascending = names(page)
    assert ascending == sorted(ascending, key=fold)
    assert ascending[0] == "Admin Console"

    header.get_by_role("link").click()
    page.wait_for_url(re.compile(r"\?order=-name$"))
    expect(header).to_have_attribute("aria-sort", "descending")
    descending = names(page)
    assert descending == sorted(descending, key=fold, reverse=True)
    assert descending[0] == "Zendesk App"
    assert still_the_same_document(page)


def test_a_search_after_sorting_by_a_header_keeps_that_order(page):
    expect = sync_api.expect
    page.goto(LIST)
    page.get_by_role("columnheader", name=re.compile("^Name")).get_by_role("link").click()
    page.wait_for_url(re.compile(r"\?order=name$"))

    page.get_by_label("Search").fill("app")

    page.wait_for_url(re.compile(r"\?q=app"))
    assert page.url.endswith("?q=app&order=name")
    expect(page.get_by_label("Order")).to_have_value("name")
    expect(page.get_by_role("columnheader", name=re.compile("^Name"))).to_have_attribute(
        "aria-sort", "ascending"
    )


def test_the_totals_link_to_the_applications_of_each_type(page):
    expect = sync_api.expect
    page.goto(LIST)
    totals = page.locator("#totals")
    expect(totals).to_contain_text("39 applications indexed: 27 OAuth, 12 M2M")

    totals.get_by_role("link", name="12 M2M").click()
    page.wait_for_url(re.compile(r"\?type=m2m&registration=both$"))
    expect(totals).to_contain_text("12 matches ·")
    expect(page.get_by_label("Type")).to_have_value("m2m")
    types = page.locator("#results tbody td:nth-child(2)").all_inner_texts()
    assert len(types) == 12
    assert {kind.strip() for kind in types} == {"M2M"}

    totals.get_by_role("link", name="27 OAuth").click()
    page.wait_for_url(re.compile(r"\?type=oauth&registration=both$"))
    # The totals count every application, and their links show every one of the type.
    expect(totals).to_contain_text("27 matches, 1–25 shown")
    expect(page.locator("#results")).not_to_contain_text("dynamically registered application")
    expect(page.get_by_role("link", name="Nightly Billing Export")).to_have_count(0)


def test_go_to_opens_the_application_of_a_name_or_the_results_of_several(page):
    expect = sync_api.expect
    page.goto(LIST)
    page.get_by_label("Go to application").fill("slack bot")
    page.get_by_role("button", name="Open").click()
    page.wait_for_url(re.compile(r"/sandbox/applications/conn_app_\w+/$"))
    expect(page.get_by_role("heading", name="Slack Bot", level=1)).to_be_visible()

    page.goto(LIST)
    page.get_by_label("Go to application").fill("Mobile App")
    page.get_by_role("button", name="Open").click()
    page.wait_for_url(re.compile(r"/sandbox/applications/\?q=Mobile\+App"))
    expect(page.get_by_label("Search")).to_have_value("Mobile App")
    assert names(page) == ["Mobile App (Android)", "Mobile App (iOS)"]


def test_the_health_page_lists_an_application_without_a_secret_and_links_its_fix(page):
    expect = sync_api.expect
    page.goto(LIST)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Credentials").click()
    page.wait_for_url(re.compile(r"/sandbox/health/$"))
    expect(page.get_by_role("heading", name="Credential health")).to_be_visible()

    group = page.get_by_role("region", name=re.compile("^No client secret"))
    row = group.get_by_role("row", name=re.compile("Customer Portal"))
    expect(row).to_contain_text("No secret at all.")
    row.get_by_role("link", name="Create a secret for Customer Portal").click()

    page.wait_for_url(re.compile(r"/sandbox/applications/conn_app_\w+/#secrets$"))
    expect(page.get_by_role("heading", name="Customer Portal", level=1)).to_be_visible()
    secrets = page.locator("#secrets")
    expect(secrets.get_by_role("button", name="Create client secret")).to_be_visible()
    expect(secrets).to_be_in_viewport()


def test_the_health_csv_downloads_with_its_header_row(page):
    page.goto("/sandbox/health/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()

    assert download.value.suggested_filename == "credential-health-sandbox.csv"
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert rows[0] == CSV_COLUMNS
    found = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]
    portal = [row for row in found if row["application_name"] == "Customer Portal"]
    assert [row["problem"] for row in portal] == ["No client secret"]
    assert portal[0]["fix_url"].endswith("#secrets")


def test_sync_now_shows_the_progress_then_the_fresh_index(page):
    expect = sync_api.expect
    # An index synced hours ago, and an application that it does not have yet.
    Sync.objects.filter(environment="sandbox").update(
        completed_at=timezone.now() - timedelta(hours=3)
    )
    finance = store.organization_create(name="Finance", domains=[], metadata={}, external_id=None)
    store.application_create(
        application_type="m2m", name="Ledger Reconciler", organization_id=finance.id
    )
    page.goto(f"{LIST}?q=ledger")
    status = page.locator("#index-status")
    expect(status).to_contain_text("Index of this environment synced 3 hours ago")
    expect(page.locator("#results")).to_contain_text("No application matches “ledger”")

    status.get_by_role("button", name="Sync now").click()
    expect(status).to_contain_text("Sync waiting for the background worker")
    expect(status.get_by_role("button", name="Sync now")).to_have_count(0)

    # No worker runs beside a live server, so the test runs the sync the page asked for, in
    # this thread. It runs `run_sync`, as the worker's task does, rather than the worker:
    # its hooks let the test look at the page in the middle of the sync, while the live
    # server's thread answers the page's polling from what the sync has written so far.
    def after_a_page_of_applications(seen: int) -> None:
        # Of about as many as the index held before (39), until the sync has seen more.
        expect(status).to_contain_text(
            f"Syncing: {seen} of about 39 applications"
            if seen < 39
            else f"Syncing: {seen} applications so far"
        )
        expect(status.get_by_role("progressbar", name="Applications synced")).to_be_visible()

    def after_the_first_application_checked(done: int, total: int) -> None:
        if done == 1:
            expect(status).to_contain_text(f"Checking client secrets: 1 of {total} applications")

    requested_at = Sync.objects.get(environment="sandbox").requested_at
    seen = tasks.run_sync(
        "sandbox",
        requested_at,
        on_page=after_a_page_of_applications,
        on_application=after_the_first_application_checked,
    )

    assert seen == 40
    expect(status).to_contain_text("Index of this environment synced just now")
    expect(status.get_by_role("button", name="Sync now")).to_be_visible()
    expect(status.get_by_role("progressbar")).to_have_count(0)
    # The end of the sync reloads the results, which now find the new application.
    expect(page.locator("#results").get_by_role("link", name="Ledger Reconciler")).to_be_visible()
    page.wait_for_url(re.compile(r"\?q=ledger$"))


def _list_with_a_search(page):
    page.goto(f"{LIST}?q=portal")
    sync_api.expect(page.get_by_role("link", name="Customer Portal")).to_be_visible()


def _list_while_syncing(page):
    now = timezone.now()
    Sync.objects.filter(environment="sandbox").update(
        started_at=now, heartbeat_at=now, ended_at=None, phase="applications", seen=12, expected=39
    )
    page.goto(LIST)
    sync_api.expect(page.locator("#index-status")).to_contain_text("Syncing: 12 of about 39")


def _health(page):
    page.goto("/sandbox/health/")
    sync_api.expect(page.get_by_role("heading", name="No client secret")).to_be_visible()


VIEWS = {"list-search": _list_with_a_search, "list-syncing": _list_while_syncing, "health": _health}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", VIEWS)
def test_axe_finds_no_violation(name, scheme, chromium, live_server, axe_core, demo):
    page = signed_in_by_cookie(chromium, live_server, color_scheme=scheme)
    try:
        VIEWS[name](page)
        violations = axe_violations(page, axe_core)
    finally:
        page.context.close()
    assert not violations, f"axe-core on {name} ({scheme}):\n{describe(violations)}"
