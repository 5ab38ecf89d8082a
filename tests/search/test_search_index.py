"""The dashboard's search index: a full sync walks every page into it and removes what is
gone, one environment at a time, never holding a secret."""

import threading
import time
from io import StringIO

import httpx
import pytest
import respx
from django.core.management import call_command
from django.db import connections

from dashboard import environments
from dashboard.emulator import partition, store
from dashboard.emulator.models import Application
from dashboard.emulator.transport import EmbeddedTransport
from dashboard.search import index
from dashboard.search.models import IndexedApplication, Sync

pytestmark = pytest.mark.django_db


def oauth(name: str, **fields):
    return store.application_create(
        application_type="oauth", name=name, is_first_party=True, redirect_uris=[], **fields
    )


def test_a_sync_indexes_every_page_and_removes_what_is_gone():
    apps = [oauth(f"App {i:03d}") for i in range(index.PAGE + 5)]
    dynamic = store.application_create(
        application_type="oauth", name="Registered by a client", is_first_party=False,
        redirect_uris=[], was_dynamically_registered=True,
    )  # fmt: skip
    assert index.sync() == len(apps) + 1

    store.application_delete(apps[0])
    renamed = store.application_update(apps[1], {"name": "Équipe Portal"})
    pages = []
    seen = index.sync(on_page=pages.append)

    rows = IndexedApplication.objects.filter(environment="sandbox")
    assert seen == rows.count() == len(apps)
    assert pages == [index.PAGE, len(apps)]
    assert not rows.filter(application_id=apps[0].id).exists()
    row = rows.get(application_id=renamed.id)
    assert (row.name, row.folded_name, row.client_id) == (
        "Équipe Portal", "equipe portal", renamed.client_id
    )  # fmt: skip
    assert rows.get(application_id=dynamic.id).was_dynamically_registered
    state = Sync.objects.get(environment="sandbox")
    assert state.seen == len(apps) and state.phase == "applications"


def test_each_environment_has_its_own_rows():
    oauth("Sandbox App")
    with partition.override("production"):
        live = oauth("Live App")

    with environments.override("production"):
        index.sync()

    assert list(IndexedApplication.objects.values_list("environment", "application_id")) == [
        ("production", live.id)
    ]


def test_the_command_syncs_every_environment_or_one():
    oauth("Sandbox App")
    with partition.override("production"):
        oauth("Live App")
    out, err = StringIO(), StringIO()

    call_command("connect", "sync", stdout=out, stderr=err)

    assert "Indexed 1 application of sandbox." in out.getvalue()
    assert "Indexed 1 application of production." in out.getvalue()
    assert err.getvalue() == ""  # Nothing said as an error.
    assert IndexedApplication.objects.count() == 2

    IndexedApplication.objects.all().delete()
    call_command("connect", "sync", "--environment", "production", stdout=StringIO())
    assert list(IndexedApplication.objects.values_list("environment", flat=True)) == ["production"]


def test_fold_ignores_case_and_accents():
    assert index.fold("ÉQUIPE Straße") == index.fold("equipe strasse")


def test_the_dashboards_reads_and_writes_keep_the_index_fresh(client):
    from tests.support import make_user

    client.force_login(make_user("ops", role="Admin"))
    outside = oauth("Made Outside")  # Through the API, not the dashboard.
    rows = IndexedApplication.objects.filter(environment="sandbox")
    assert not rows.exists()

    client.get("/sandbox/applications/")
    assert list(rows.values_list("name", flat=True)) == ["Made Outside"]

    store.application_update(outside, {"name": "Renamed Outside"})
    client.get(f"/sandbox/applications/{outside.id}/")
    assert rows.get().name == "Renamed Outside"

    client.post(
        "/sandbox/applications/new",
        {"application_type": "oauth", "party": "first", "name": "Made Here", "action": "save",
         "redirect_uri": [""], "idempotency_key": "k"},
    )  # fmt: skip
    made = rows.get(name="Made Here")
    client.post(f"/sandbox/applications/{made.application_id}/delete",
                {"confirm_name": "Made Here"})  # fmt: skip
    assert list(rows.values_list("name", flat=True)) == ["Renamed Outside"]


def test_a_read_of_unchanged_applications_writes_nothing(django_assert_num_queries):
    apps = [oauth(f"App {i}") for i in range(3)]
    index.record(apps)

    with django_assert_num_queries(1):
        index.record(apps)


# --- A remote environment -----------------------------------------------------------------------

WORKOS = "https://api.workos.test/emulator"


class FakedWorkOS:
    """WorkOS faked at the HTTP seam (respx) by the embedded API: the sandbox is managed as a
    remote environment, and the sync reads it from its threads as it would read WorkOS.
    `before` and `after` are called with each request before and after it is answered, in the
    thread that sent it."""

    def __init__(self):
        self.transport = EmbeddedTransport()
        self.lock = threading.Lock()
        self.requests: list[tuple[str, dict]] = []
        self.before = self.after = lambda request: None
        self.in_flight = self.most_in_flight = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append((request.url.path, dict(request.url.params)))
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            self.before(request)
            response = self.transport.handle_request(request)
            self.after(request)
            return response
        finally:
            with self.lock:
                self.in_flight -= 1
            if threading.current_thread() is not threading.main_thread():
                connections.close_all()

    def sent(self, path: str) -> list[dict]:
        """The query of each request sent to `path`."""
        with self.lock:
            return [params for sent, params in self.requests if sent == f"/emulator/{path}"]


@pytest.fixture
def workos(settings):
    settings.WORKOS_API_KEY = environments.EMBEDDED_SANDBOX_KEY
    settings.WORKOS_BASE_URL = WORKOS
    settings.WORKOS_EMULATOR = True
    faked = FakedWorkOS()
    with respx.mock(base_url=WORKOS) as mock:
        mock.route().mock(side_effect=faked)
        assert not environments.current().embedded
        yield faked


def indexed() -> list[str]:
    return list(
        IndexedApplication.objects.filter(environment="sandbox").values_list(
            "application_id", flat=True
        )
    )


# The walks from either end meet on the first page, on a page's edge, past it, and further on.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("count", [0, 1, 99, 100, 101, 199, 250, 333])
def test_a_remote_sync_reads_from_both_ends_and_sees_each_application_once(workos, count):
    apps = [oauth(f"App {i:03d}") for i in range(count)]
    pages = []

    seen = index.sync(on_page=pages.append)

    assert seen == count
    assert sorted(indexed()) == sorted(app.id for app in apps)
    assert pages[-1] == count
    assert Sync.objects.get(environment="sandbox").seen == count
    asked = workos.sent("connect/applications")
    assert {params["order"] for params in asked} == {"asc", "desc"}
    # Beyond the pages: the page where the walks met, and the one the other walk had asked
    # for meanwhile.
    assert len(asked) <= -(-count // index.PAGE) + 2


@pytest.mark.django_db(transaction=True)
def test_an_application_deleted_where_the_walks_meet_is_not_counted(workos):
    apps = [oauth(f"App {i:03d}") for i in range(250)]
    assert index.sync() == 250
    gone = apps[index.PAGE]  # On neither walk's first page.
    gone_id, kept = gone.id, [app.id for app in apps if app is not gone]

    deleting = threading.Lock()

    def delete_once_the_walks_have_begun(request):
        # Both walks' second pages may be asked for at once.
        with deleting:
            if "after" in request.url.params and Application.objects.filter(id=gone_id).exists():
                store.application_delete(gone)

    workos.before = delete_once_the_walks_have_begun
    seen = index.sync()

    assert seen == 249
    assert sorted(indexed()) == sorted(kept)


@pytest.mark.django_db(transaction=True)
def test_when_all_that_one_walk_read_is_deleted_the_other_reads_to_its_end(workos):
    apps = [oauth(f"App {i:03d}") for i in range(250)]
    ids = [app.id for app in apps]  # A deleted model forgets its ID.
    newest_first_read, deleted = threading.Event(), threading.Event()

    def delete_what_the_newest_first_walk_read(request):
        params = request.url.params
        if params.get("order") == "asc" and "after" in params and not deleted.is_set():
            assert newest_first_read.wait(10)
            for app in apps[150:]:
                store.application_delete(app)
            deleted.set()

    def note_the_newest_first_page(request):
        if request.url.params.get("order") == "desc" and "after" not in request.url.params:
            newest_first_read.set()

    workos.before, workos.after = delete_what_the_newest_first_walk_read, note_the_newest_first_page
    seen = index.sync()

    # Read before they were deleted: the next sync removes them.
    assert deleted.is_set()
    assert seen == 250 and sorted(indexed()) == sorted(ids)
    assert index.sync() == 150
    assert sorted(indexed()) == sorted(ids[:150])


@pytest.mark.django_db(transaction=True)
def test_a_remote_sync_writes_the_organizations_before_the_applications_that_name_them(workos):
    # Two pages of organizations: the applications' first pages arrive meanwhile.
    organizations = [
        store.organization_create(name=f"Org {i:03d}", domains=[], metadata={}, external_id=None)
        for i in range(index.PAGE + 1)
    ]
    named = {organization.id: organization.name for organization in organizations}
    for i in range(150):
        organization = organizations[-1 if i % 2 else 0]
        store.application_create(
            application_type="m2m", name=f"Worker {i}", organization_id=organization.id
        )

    assert index.sync() == 150

    rows = IndexedApplication.objects.filter(environment="sandbox")
    assert {row.organization_name for row in rows} == {"Org 000", f"Org {index.PAGE:03d}"}
    assert all(row.organization_name == named[row.organization_id] for row in rows)


@pytest.mark.django_db(transaction=True)
def test_a_remote_check_reads_secrets_at_once_and_forgets_an_application_gone_since(workos):
    apps = [oauth(f"App {i:02d}") for i in range(3 * index.SECRET_READERS + 1)]
    for number, app in enumerate(apps):
        for _ in range(number % 3):
            store.client_secret_create(app)
    secrets = {app.id: sorted(app.client_secrets.values_list("id", flat=True)) for app in apps}
    index.sync()
    gone = apps[5]
    del secrets[gone.id]
    store.application_delete(gone)

    def slowly(request):
        if request.url.path.endswith("/client_secrets"):
            time.sleep(0.02)  # So that requests overlap when they are sent at once.

    workos.before, workos.most_in_flight = slowly, 0
    checked = []
    read = index.check_credentials(on_application=lambda done, total: checked.append(done))

    assert read == len(apps) and checked == list(range(1, len(apps) + 1))
    assert len(workos.sent(f"connect/applications/{apps[0].id}/client_secrets")) == 1
    assert 1 < workos.most_in_flight <= index.SECRET_READERS
    rows = IndexedApplication.objects.filter(environment="sandbox")
    assert {
        row.application_id: sorted(row.secrets.values_list("secret_id", flat=True))
        for row in rows
        if row.secrets_checked_at
    } == secrets
    assert rows.count() == len(secrets)
    assert Sync.objects.get(environment="sandbox").seen == len(apps)


@pytest.mark.django_db(transaction=True)
def test_a_remote_check_keeps_to_its_share_of_the_rate_limit(workos, monkeypatch):
    apps = [oauth(f"App {i:02d}") for i in range(2 * index.SECRET_READERS + 1)]
    index.sync()
    # Ten a second: every read after the first waits its turn (the waits are recorded
    # rather than slept, so the turns pile up).
    monkeypatch.setattr(index, "SECRET_READS_PER_MINUTE", 600)
    waits = []
    monkeypatch.setattr(index, "sleep", waits.append)

    assert index.check_credentials() == len(apps)

    assert len(waits) == len(apps) - 1
    # The last of n reads waits for its turn, n - 1 tenths of a second after the first, less
    # the time the reads took until it asked (well under two tenths).
    assert max(waits) > (len(apps) - 3) * 0.1


def test_the_pace_spaces_calls_from_every_thread(monkeypatch):
    monkeypatch.setattr(index, "monotonic", lambda: 100.0)
    waits = []
    monkeypatch.setattr(index, "sleep", waits.append)
    pace = index._Pace(per_minute=120)
    threads = [threading.Thread(target=pace.wait) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # The first goes at once; the others half a second apart, whichever thread asked.
    assert sorted(waits) == [0.5, 1.0, 1.5, 2.0, 2.5]


# As the worker runs it: no transaction around the sync, so the embedded API is read in
# threads of its own, from both ends.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("count", [0, 150, 333])
def test_an_embedded_sync_outside_a_transaction_reads_in_threads(count):
    apps = [oauth(f"App {i:03d}") for i in range(count)]
    readers, opened = set(), []
    listing = index.connect.application_list

    def listed(**arguments):
        readers.add(threading.current_thread().name)
        page = listing(**arguments)
        opened.append(connections["default"])
        return page

    pages = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index.connect, "application_list", listed)
        assert environments.current().embedded
        seen = index.sync(on_page=pages.append)

    assert seen == count
    assert sorted(indexed()) == sorted(app.id for app in apps)
    assert pages[-1] == count
    assert threading.current_thread().name not in readers
    # Each page read in a pool's thread closed the connection it opened there.
    assert opened and all(wrapper.connection is None for wrapper in opened)
    assert connections["default"].connection is not None
