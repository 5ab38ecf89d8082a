"""Search, totals and freshness: the list answers from the dashboard's index, against the
embedded API; what changes outside the dashboard shows after a sync, not before."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dashboard.connect.errors import ApiError
from dashboard.emulator import faults, partition, store
from dashboard.search import selectors, tasks
from dashboard.search.models import IndexedApplication, Sync
from tests.support import make_user

pytestmark = pytest.mark.django_db


def oauth(name: str, **fields):
    fields = {"is_first_party": True, "redirect_uris": []} | fields
    return store.application_create(application_type="oauth", name=name, **fields)


def m2m(name: str, **fields):
    owner = store.organization_create(name="Owner", domains=[], metadata={}, external_id=None)
    return store.application_create(
        application_type="m2m", name=name, organization_id=owner.id, **fields
    )


def synced() -> None:
    assert tasks.run_sync("sandbox", timezone.now()) is not None


def names(response) -> list[str]:
    return [row.name for row in response.context["page"].data]


@pytest.fixture
def viewer(client):
    client.force_login(make_user("viewer", role="Viewer"))
    return client


def test_words_match_in_any_order_without_case_or_accents():
    wanted = oauth("Équipe Billing Portal")
    oauth("Billing Reports")
    synced()

    for query in ["portal billing", "EQUIPE", "équ port", "(portal)"]:
        found = selectors.search("sandbox", q=query)
        assert [row.application_id for row in found.rows] == [wanted.id], query
    assert selectors.search("sandbox", q="billing").total == 2
    assert selectors.search("sandbox", q="billing nothing").total == 0


def test_ids_organizations_redirect_uris_hosts_and_scopes_find_an_app():
    org = store.organization_create(
        name="Globex Partners", domains=[], metadata={}, external_id=None
    )
    app = oauth(
        "Partner Portal",
        is_first_party=False,
        organization_id=org.id,
        redirect_uris=[{"uri": "https://login.globex.example/callback", "default": True}],
        scopes=["billing:read"],
    )
    oauth("Other", redirect_uris=[{"uri": "https://other.example/cb", "default": True}])
    synced()

    for query in [
        app.id,
        app.client_id.lower(),
        "globex",
        "partners",
        "https://login.globex.example/callback",
        "login.globex.example",
        "billing:read",
    ]:
        assert [row.application_id for row in selectors.search("sandbox", q=query).rows] == [
            app.id
        ], query


def test_a_host_is_found_by_the_domains_above_it_and_without_its_hyphens(viewer):
    login = oauth("Login", redirect_uris=[{"uri": "https://login.acme.com/cb", "default": True}])
    wildcard = oauth(
        "Previews", redirect_uris=[{"uri": "https://*.acme.co.uk/cb", "default": True}]
    )
    northwind = oauth(
        "Portal",
        redirect_uris=[{"uri": "https://app.northwind-health.example/cb", "default": True}],
    )
    oauth("Local", redirect_uris=[{"uri": "http://127.0.0.1:8000/cb", "default": True}])
    synced()

    def found(query: str) -> list[str]:
        return [row.application_id for row in selectors.search("sandbox", q=query).rows]

    assert found("acme.com") == [login.id]
    assert found("acme") == [login.id, wildcard.id] or found("acme") == [wildcard.id, login.id]
    assert found("acme.co.uk") == [wildcard.id]
    assert found("northwind-health.example") == [northwind.id]
    assert found("northwindhealth") == [northwind.id]
    assert found("co.uk") == [] and found("0.1") == []
    found_page = viewer.get("/sandbox/applications/", {"q": "acme.com"}).content.decode()
    assert "<code>acme.com</code> finds <code>login.acme.com</code>" in found_page
    empty_page = viewer.get("/sandbox/applications/", {"q": "health"}).content.decode()
    assert "by any domain above it" in empty_page and "not by a word in its middle" in empty_page


def test_results_sort_by_name_or_created_with_a_total_and_pages():
    for name in ["Charlie", "alpha", "Bravo"]:
        m2m(name)
    synced()

    by_name = selectors.search("sandbox", sort="name")
    assert [row.name for row in by_name.rows] == ["alpha", "Bravo", "Charlie"]
    assert [row.name for row in selectors.search("sandbox", sort="-name").rows] == [
        "Charlie", "Bravo", "alpha"
    ]  # fmt: skip
    assert [row.name for row in selectors.search("sandbox", sort="created").rows] == [
        "Charlie", "alpha", "Bravo"
    ]  # fmt: skip
    second = selectors.search("sandbox", sort="name", page=2, per_page=2)
    assert (second.total, second.pages, [r.name for r in second.rows]) == (3, 2, ["Charlie"])
    assert (second.first, second.last) == (3, 3)


def test_an_app_changed_outside_the_dashboard_is_found_after_a_sync_and_not_before(viewer):
    kept = oauth("Orders Service")
    gone = m2m("Legacy Exporter")
    synced()

    store.application_update(kept, {"name": "Fulfilment Service"})  # Through the API.
    store.application_delete(gone)
    made = m2m("Warehouse Robot")

    before = viewer.get("/sandbox/applications/", {"q": "fulfilment"})
    assert names(before) == []
    assert names(viewer.get("/sandbox/applications/", {"q": "legacy"})) == ["Legacy Exporter"]
    assert names(viewer.get("/sandbox/applications/", {"q": "robot"})) == []

    synced()

    assert names(viewer.get("/sandbox/applications/", {"q": "fulfilment"})) == [
        "Fulfilment Service"
    ]
    assert names(viewer.get("/sandbox/applications/", {"q": "orders"})) == []
    assert names(viewer.get("/sandbox/applications/", {"q": "legacy"})) == []
    found = viewer.get("/sandbox/applications/", {"q": "robot"})
    assert names(found) == ["Warehouse Robot"]
    assert f'href="/sandbox/applications/{made.id}/"'.encode() in found.content


def test_opening_a_result_refreshes_its_row(viewer):
    app = oauth("Shipping Hub")
    synced()
    store.application_update(app, {"name": "Shipping Hub v2"})

    viewer.get(f"/sandbox/applications/{app.id}/")

    assert names(viewer.get("/sandbox/applications/", {"q": "v2"})) == ["Shipping Hub v2"]


def test_the_list_shows_totals_by_type_and_how_many_match(viewer):
    org = store.organization_create(name="Initech", domains=[], metadata={}, external_id=None)
    oauth("Portal A")
    oauth("Portal B", is_first_party=False, organization_id=org.id)
    m2m("Batch Job")
    synced()

    page = viewer.get("/sandbox/applications/")
    assert page.context["totals"].by_type == {"oauth": 2, "m2m": 1}
    assert b"3 applications indexed" in page.content
    assert page.context["matching"] is None

    filtered = viewer.get("/sandbox/applications/", {"organization": org.id})
    assert filtered.context["matching"] == 1
    assert b"1 application matches these filters" in filtered.content
    two = viewer.get("/sandbox/applications/", {"registration": "both"})
    assert b"3 applications match these filters" in two.content

    searched = viewer.get("/sandbox/applications/", {"q": "portal", "type": "oauth"})
    assert searched.context["results"].total == 2
    assert b"2 matches" in searched.content
    only_m2m = viewer.get("/sandbox/applications/", {"type": "m2m"})
    assert names(only_m2m) == ["Batch Job"]


def test_a_count_stops_at_its_limit_and_says_more(viewer, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)
    org = store.organization_create(name="Initech", domains=[], metadata={}, external_id=None)
    for number in range(5):
        oauth(f"Portal {number}", is_first_party=False, organization_id=org.id)
    synced()

    searched = viewer.get("/sandbox/applications/", {"q": "portal", "limit": 10})
    assert (searched.context["results"].total, searched.context["results"].more) == (3, True)
    # The page still shows what it holds.
    assert b"More than 3 matches</strong>, 1\xe2\x80\x935 shown" in searched.content
    assert len(names(searched)) == 5
    filtered = viewer.get("/sandbox/applications/", {"organization": org.id})
    assert b"More than 3 applications match these filters" in filtered.content
    # The totals are never cut short.
    assert b"5 applications indexed" in filtered.content


def test_a_search_url_is_canonical_and_pages_through_results(viewer):
    for number in range(12):
        m2m(f"Worker {number:02d}")
    synced()

    assert viewer.get("/sandbox/applications/?q=worker&page=1&type=").status_code == 302
    first = viewer.get("/sandbox/applications/", {"q": "worker", "limit": 10, "order": "name"})
    assert names(first)[0] == "Worker 00" and len(names(first)) == 10
    assert first.context["next_url"] == "/sandbox/applications/?q=worker&order=name&limit=10&page=2"
    second = viewer.get(first.context["next_url"])
    assert names(second) == ["Worker 10", "Worker 11"]
    assert second.context["next_url"] is None
    assert second.context["previous_url"] == "/sandbox/applications/?q=worker&order=name&limit=10"


def test_header_links_sort_and_say_how_the_list_is_sorted(viewer):
    m2m("Beta")
    synced()

    page = viewer.get("/sandbox/applications/", {"order": "name"})
    columns = page.context["columns"]
    assert columns["name"] == {"url": "/sandbox/applications/?order=-name", "sort": "ascending"}
    assert columns["created"]["sort"] == ""
    assert b'aria-sort="ascending"' in page.content
    live = viewer.get("/sandbox/applications/")
    assert live.context["columns"]["created"]["sort"] == "descending"
    assert live.context["results"] is None  # The API's own list, newest first.


def test_a_bad_query_is_searched_as_far_as_it_can_be(viewer):
    m2m("Robot")
    synced()

    long = viewer.get("/sandbox/applications/", {"q": "robot " + "x" * 500})
    assert long.status_code == 302
    followed = viewer.get(long["Location"])
    assert followed.status_code == 200 and followed.context["filters"].state["q"].startswith(
        "robot"
    )
    assert viewer.get("/sandbox/applications/", {"q": "robot\x00"}, follow=True).status_code == 200
    assert viewer.get("/sandbox/applications/", {"q": "robot", "page": "-3"}).status_code == 302


def test_go_to_takes_a_name(viewer):
    one = oauth("Slack Bot")
    oauth("Billing Portal")
    oauth("Partner Portal")
    synced()

    assert viewer.get("/sandbox/applications/go", {"id": "slack bot"})["Location"] == (
        f"/sandbox/applications/{one.id}/"
    )
    assert viewer.get("/sandbox/applications/go", {"id": "slack"})["Location"] == (
        f"/sandbox/applications/{one.id}/"
    )
    several = viewer.get("/sandbox/applications/go", {"id": "portal"})
    assert several["Location"] == "/sandbox/applications/?q=portal&registration=both"
    missing = viewer.get("/sandbox/applications/go", {"id": "nothing like it"}, follow=True)
    assert "No application has the ID, client ID or name “nothing like it”".encode() in (
        missing.content
    )


def test_each_environment_searches_its_own_index(viewer):
    oauth("Sandbox Portal")
    with partition.override("production"):
        oauth("Live Portal", redirect_uris=[])
    synced()
    assert tasks.run_sync("production", timezone.now()) is not None

    assert names(viewer.get("/sandbox/applications/", {"q": "portal"})) == ["Sandbox Portal"]


# --- Freshness and syncs ---------------------------------------------------------------------


def test_sync_now_queues_one_sync_and_the_page_shows_it_waiting(viewer):
    first = viewer.post("/sandbox/applications/index", headers={"HX-Request": "true"})
    again = viewer.post("/sandbox/applications/index", headers={"HX-Request": "true"})

    assert DBTaskResult.objects.count() == 1
    assert b"Sync waiting for the background worker" in first.content
    assert b'hx-trigger="every 2s"' in again.content
    plain = viewer.post("/sandbox/applications/index")
    assert plain.status_code == 303 and plain["Location"] == "/sandbox/applications/"


def test_a_request_that_finds_a_sync_running_runs_after_it():
    now = timezone.now()
    Sync.objects.create(environment="sandbox", started_at=now, heartbeat_at=now)
    requested = now + timedelta(seconds=1)

    assert tasks.sync_environment.call("sandbox", requested.isoformat()) is None

    (later,) = DBTaskResult.objects.all()
    assert later.args_kwargs["args"] == ["sandbox", requested.isoformat()]
    assert later.run_after > timezone.now()


def test_two_requests_for_a_sync_run_one():
    oauth("Only")
    requested = timezone.now()
    assert tasks.request_sync("sandbox")
    tasks.request_sync("sandbox")
    # Both tasks of two dashboard instances, asked for at the same time.
    assert tasks.run_sync("sandbox", requested) == 1
    assert tasks.run_sync("sandbox", requested) is None
    state = Sync.objects.get(environment="sandbox")
    assert state.completed_at and state.ended_at and state.error == ""


def test_a_sync_does_not_start_while_another_runs_unless_its_heartbeat_stopped():
    now = timezone.now()
    Sync.objects.create(environment="sandbox", started_at=now, heartbeat_at=now)
    assert tasks.claim("sandbox", now + timedelta(seconds=1)) is tasks.Claim.BUSY
    assert selectors.freshness("sandbox").running

    Sync.objects.update(heartbeat_at=now - tasks.STALE - timedelta(seconds=1))
    assert not selectors.freshness("sandbox").running
    assert tasks.claim("sandbox", now + timedelta(seconds=1)) is tasks.Claim.STARTED
    assert tasks.claim("sandbox", now) is tasks.Claim.ANSWERED


def test_the_schedule_asks_only_for_syncs_that_are_due(settings):
    settings.DASHBOARD_INDEX_MAX_AGE = 600
    assert tasks.request_due_syncs() == ["sandbox", "production"]
    assert tasks.request_due_syncs() == []  # Asked for, not started yet.

    tasks.run_sync("sandbox", timezone.now())
    tasks.run_sync("production", timezone.now())
    assert tasks.request_due_syncs() == []
    Sync.objects.filter(environment="sandbox").update(
        completed_at=timezone.now() - timedelta(seconds=601)
    )
    assert tasks.request_due_syncs() == ["sandbox"]


def test_a_failed_sync_says_why_in_the_page(viewer):
    oauth("Anything")
    with faults.injected(error_rate=1.0, error_statuses=(503,)), pytest.raises(ApiError):
        tasks.run_sync("sandbox", timezone.now())

    state = selectors.freshness("sandbox")
    assert not state.running and state.error
    page = viewer.get("/sandbox/applications/")
    assert b"The last sync failed" in page.content


def test_the_status_tells_the_page_when_a_sync_ended(viewer):
    synced()
    polled = viewer.get("/sandbox/applications/index?was=busy", headers={"HX-Request": "true"})
    assert "index-synced" in json.loads(polled["HX-Trigger"])
    assert b"synced" in polled.content and b"every 2s" not in polled.content
    assert viewer.get("/sandbox/applications/index").status_code == 302


def test_the_index_never_holds_a_secret():
    app = m2m("Vault")
    secret, plaintext = store.client_secret_create(app)
    synced()

    row = IndexedApplication.objects.get(application_id=app.id)
    stored = [
        str(value)
        for model in (row, *row.secrets.all(), *row.terms.all())
        for value in model.__dict__.values()
    ]
    assert row.secrets.get().secret_id == secret.id
    assert not any(plaintext in value for value in stored)


@pytest.mark.parametrize(
    ("phase", "seen", "expected", "shown"),
    [
        ("", 1, 0, "Syncing: 1 application so far"),
        ("", 2, 0, "Syncing: 2 applications so far"),
        ("", 0, 1, "Syncing: 0 of about 1 application"),
        ("credentials", 1, 1, "Checking client secrets: 1 of 1 application"),
        ("credentials", 1, 3, "Checking client secrets: 1 of 3 applications"),
    ],
)
def test_a_running_sync_counts_its_applications_in_the_singular_or_the_plural(
    viewer, phase, seen, expected, shown
):
    now = timezone.now()
    Sync.objects.create(
        environment="sandbox", started_at=now, heartbeat_at=now, phase=phase, seen=seen,
        expected=expected,
    )  # fmt: skip

    page = viewer.get("/sandbox/applications/")

    assert f"<span>{shown}</span>" in page.text
