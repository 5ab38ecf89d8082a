"""Benchmark: the search index, searched among 100,000 applications and synced from 10,000.

    python bench/search.py [--indexed 100000] [--applications 10000] [--latency-ms 50]
                           [--runs 100] [--credentials 500]

Search: the sandbox's index holds `--indexed` applications (names of a few words, client
IDs, organizations, redirect URIs, scopes), their terms computed as a sync computes them.
Each search is timed through `selectors.search` alone and through the list page with that
query (Django's test client, signed in), against the plain list page (25 a page, read live
from the embedded API) timed alternately with it, one request of each after the other.
Server time: no latency is added here. Goal: a search costs no more than the list page.

Sync: the embedded API holds `--applications` applications and adds `--latency-ms` to every
request. A full sync must cost about one request per page of 100 (and the organizations'
page): the time is set against that lower bound (goal: within 1.2 times). It is measured
twice; in both the sync reads the organizations and the applications from both ends at
once, each walk asking for its next page while this process writes. In process: the embedded
API answers in this process (in the sync's threads, from the same database), so its own work
counts too. Over HTTP, as a deployment runs: the embedded API is served by gunicorn in
another process with its own database and `EMULATOR_LATENCY_MS`, and this process manages it
as it would WorkOS (`WORKOS_API_KEY=sk_test_emulator`, `WORKOS_BASE_URL` its address);
requests are counted from the server's access log. In both,
walking the pages with one cursor, one after another and without writing, shows what reading
them costs. Reading client secrets costs one request per application by the API's design; it
is timed on `--credentials` applications, so that it stays within minutes: in process (one
after another) and over HTTP (several at once).
"""

import argparse
import contextlib
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    make_apps,
    make_organizations,
    setup_django,
    summary,
    table,
    timed,
)
from bench.servers import free_port, gunicorn, manage  # noqa: E402

BATCH = 5_000
LIST_URL = "/sandbox/applications/"

PRODUCTS = [
    "Acme", "Atlas", "Beacon", "Bluebird", "Cobalt", "Comet", "Cypress", "Delta", "Ember",
    "Falcon", "Fjord", "Granite", "Harbor", "Helix", "Horizon", "Juniper", "Kestrel", "Lumen",
    "Maple", "Meridian", "Nimbus", "Nova", "Onyx", "Orbit", "Pioneer", "Quartz", "Radius",
    "Redwood", "Sable", "Sierra", "Summit", "Tandem", "Tundra", "Vertex", "Willow", "Zephyr",
    "Aurora", "Basalt", "Cedar", "Drift", "Echo", "Flint", "Glacier", "Heron", "Indigo",
    "Jasper", "Kite", "Lagoon", "Mosaic", "Nectar", "Opal", "Prism", "Quill", "Ripple",
    "Saffron", "Talon", "Umber", "Velvet", "Équipe", "Zürich",
]  # fmt: skip
FUNCTIONS = [
    "Billing", "Checkout", "Support", "Helpdesk", "Analytics", "Reporting", "Payroll",
    "Inventory", "Onboarding", "Scheduling", "Invoicing", "Marketing", "Docs", "Wiki", "Chat",
    "Calendar", "Expenses", "Recruiting", "Shipping", "Search", "Admin", "Audit", "Backup",
    "Sync", "Notifications", "Payments", "Identity", "Compliance", "Forecasting",
    "Procurement",
]  # fmt: skip
KINDS = [
    "Portal", "Dashboard", "Console", "Mobile", "iOS", "Android", "Desktop", "CLI", "Worker",
    "Service", "API", "Bot", "Connector", "Gateway", "Agent", "Exporter", "Importer", "Web",
    "Staging", "Internal",
]  # fmt: skip
ORGANIZATION_NAMES = [
    "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Soylent", "Tyrell",
    "Cyberdyne", "Vandelay", "Massive", "Dynamic", "Oscorp", "Aperture", "Monarch",
    "Gringotts", "Nakatomi", "Virtucon", "Sirius", "Prestige", "Gekko", "Duff", "Krusty",
    "Bluth", "Sterling", "Cooper", "Dunder", "Wernham", "Pawnee", "Octan", "Rekall",
    "Spacely", "Cogswell", "Tessier", "Weyland", "Yoyodyne", "Zorg", "Abstergo", "Ingen",
    "Kwik", "Lacuna", "Mooby", "Nordberg", "Ollivander", "Pendant", "Quantum", "Rossum",
    "Sabre",
]  # fmt: skip
ORGANIZATION_KINDS = [
    "Corporation", "Labs", "Industries", "Health", "Bank", "Logistics", "Media", "Energy",
    "Foods", "Systems", "Group", "Partners", "Studios", "Holdings", "Retail", "Airlines",
    "Insurance", "University", "Clinic", "Motors",
]  # fmt: skip
RESOURCE_SCOPES = [
    "documents:read", "documents:write", "billing:read", "billing:write", "users:read",
    "users:write", "reports:read", "events:read", "webhooks:write", "admin",
]  # fmt: skip


def fill_index(environment: str, count: int, seed: int = 7) -> list:
    """`count` applications in the index, written as a sync writes them (terms included),
    without the API: a sync of that many would take hours with latency."""
    from django.db import transaction

    from dashboard.emulator.ids import new_id
    from dashboard.search import index
    from dashboard.search.models import IndexedApplication, IndexedOrganization

    rng = random.Random(seed)
    now = datetime.now(UTC)
    organizations = [
        (new_id("org_")[0], f"{first} {kind}")
        for first in ORGANIZATION_NAMES
        for kind in ORGANIZATION_KINDS
    ]
    rows = []
    for row_id in range(1, count + 1):
        product, function, kind = rng.choice(PRODUCTS), rng.choice(FUNCTIONS), rng.choice(KINDS)
        name = f"{product} {function} {kind}" if rng.random() < 0.8 else f"{product} {function}"
        oauth = rng.random() < 0.7
        organization_id, organization_name = (
            rng.choice(organizations) if not oauth or rng.random() < 0.6 else ("", "")
        )
        domain = organization_name.split()[0] if organization_name else product
        created = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
        redirect_uris = []
        if oauth:
            host = index.fold(f"{function}-{product}.{domain}.com")
            redirect_uris.append(f"https://{host}/auth/callback")
            if rng.random() < 0.3:
                redirect_uris.append(f"http://localhost:{rng.randrange(3000, 9000)}/callback")
        scopes = rng.sample(RESOURCE_SCOPES, rng.randrange(0, 4))
        if oauth:
            scopes = ["openid", "profile", "email", *scopes]
        rows.append(
            IndexedApplication(
                row_id=row_id,
                environment=environment,
                application_id=new_id("conn_app_", at=created)[0],
                client_id=new_id("client_", at=created)[0],
                name=name,
                folded_name=index.fold(name)[:255],
                application_type="oauth" if oauth else "m2m",
                is_first_party=rng.random() < 0.5 if oauth else None,
                was_dynamically_registered=oauth and rng.random() < 0.05,
                uses_pkce=rng.random() < 0.3 if oauth else None,
                organization_id=organization_id,
                organization_name=organization_name,
                redirect_uris=redirect_uris,
                scopes=scopes,
                created_at=created,
                indexed_at=now,
            )
        )
    with transaction.atomic():
        IndexedOrganization.objects.bulk_create(
            IndexedOrganization(
                environment=environment, organization_id=oid, name=name, indexed_at=now
            )
            for oid, name in organizations
        )
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            IndexedApplication.objects.bulk_create(batch)
            index.write_terms((row.row_id, row) for row in batch)
    # As a full sync does when it ends: the database's statistics of the index.
    index.analyze()
    return rows


def searches(rows: list) -> list[tuple[str, dict]]:
    """The searches timed, as the list's query strings, their words taken from one
    application of the index. Without `order`, newest first as the list is."""
    from urllib.parse import urlsplit

    target = next(
        row
        for row in rows[len(rows) // 2 :]
        if row.redirect_uris
        and row.organization_name
        and not row.was_dynamically_registered
        and len(row.name.split()) == 3
    )
    product, function, kind = target.name.split()
    return [
        ("one name word", {"q": function.lower()}),
        ("two name words, other order", {"q": f"{kind.lower()} {product.lower()}"}),
        ("client ID", {"q": target.client_id}),
        ("redirect URI host", {"q": urlsplit(target.redirect_uris[0]).hostname}),
        ("organization name word", {"q": target.organization_name.split()[0]}),
        ("many matches, by name", {"q": "openid", "order": "name"}),
        ("no words, by name", {"order": "name"}),
        # What searching as one types sends on the way to a longer word.
        ("one letter", {"q": product[0].lower()}),
        ("what every client ID begins with", {"q": "client_"}),
    ]


def alternately(first, second, repeat: int, warmup: int = 5) -> tuple[list[float], list[float]]:
    """Milliseconds per call of `first` and of `second`, called one after the other: a
    machine that slows down or speeds up meanwhile does so for both."""
    first_samples = timed(first, 0, warmup)
    second_samples = timed(second, 0, warmup)
    for _ in range(repeat):
        first_samples += timed(first, 1, 0)
        second_samples += timed(second, 1, 0)
    return first_samples, second_samples


def measure_search(arguments) -> tuple[float, list]:
    """Seconds to fill the index, and the search table's rows."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from dashboard.applications.filters import ListFilters
    from dashboard.search import selectors

    started = time.perf_counter()
    rows = fill_index("sandbox", arguments.indexed)
    filled = time.perf_counter() - started
    admin = get_user_model().objects.create_superuser("bench", password="bench-password-1")
    client = Client()
    client.force_login(admin)

    def get(params: dict):
        response = client.get(LIST_URL, params)
        assert response.status_code == 200, response.status_code
        return response

    def list_page():
        return get({})

    list_median, list_p95 = summary(timed(list_page, arguments.runs))
    table_rows = [
        ["list page (baseline)", "-", arguments.runs, "-", "-", list_median, list_p95, "-", 1.0]
    ]
    for label, params in searches(rows):
        # What the page asks of the index for this query string.
        search_arguments = ListFilters(params).search_arguments()
        found = selectors.search("sandbox", **search_arguments)
        assert found.total and found.rows[0].name in get(params).content.decode(), label
        selector_median, selector_p95 = summary(
            timed(lambda a=search_arguments: selectors.search("sandbox", **a), arguments.runs)
        )
        pages, list_pages = alternately(lambda p=params: get(p), list_page, arguments.runs)
        page_median, page_p95 = summary(pages)
        list_pages_median = summary(list_pages)[0]
        words = " ".join(f"{name}={value}" for name, value in params.items())
        matches = f"more than {found.total:,}" if found.more else f"{found.total:,}"
        table_rows.append(
            [
                f"{label} ({words})",
                matches,
                arguments.runs,
                selector_median,
                selector_p95,
                page_median,
                page_p95,
                list_pages_median,
                page_median / list_pages_median,
            ]
        )
    return filled, table_rows


class Counter:
    """The embedded API's answers, counted as they are sent."""

    def __init__(self):
        self.count = 0

    def __call__(self, **kwargs):
        self.count += 1


class AccessLog:
    """The requests a server answered, counted from its access log."""

    def __init__(self, path: Path):
        self.path = path

    @property
    def count(self) -> int:
        # gunicorn writes a request's line just after it sent the answer.
        time.sleep(0.1)
        return len(self.path.read_text().splitlines()) if self.path.exists() else 0


@contextlib.contextmanager
def api_time() -> Iterator[list[float]]:
    """Seconds the current environment's client spends in requests, whichever thread sends
    them (over HTTP the sync reads the next page in another), in a list of one."""
    from dashboard.connect.client import get_client

    client, spent = get_client(), [0.0]
    send = client.send

    def timed_send(*args, **kwargs):
        started = time.perf_counter()
        try:
            return send(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    client.send = timed_send
    try:
        yield spent
    finally:
        del client.send


def measured(counter, call) -> tuple[float, int, object]:
    """Seconds `call` takes, the requests `counter` counted meanwhile, and its answer."""
    before = counter.count
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, counter.count - before, result


def remove_index(environment: str) -> float:
    """Seconds to remove every row of the index as a sync removes what is gone."""
    from dashboard.search.models import IndexedApplication, IndexedOrganization

    started = time.perf_counter()
    IndexedApplication.objects.filter(environment=environment).delete()
    elapsed = time.perf_counter() - started
    IndexedOrganization.objects.filter(environment=environment).delete()
    return elapsed


def walk() -> int:
    """The organizations' and applications' pages read with one cursor, one after the other,
    nothing written: what reading every page costs without the sync's concurrency."""
    from dashboard import connect
    from dashboard.search import index

    seen = 0
    for kind in ("organizations", "applications"):
        after = None
        while True:
            if kind == "organizations":
                page = connect.organization_list(limit=index.PAGE, order="asc", after=after)
            else:
                page = connect.application_list(
                    limit=index.PAGE,
                    order="asc",
                    after=after,
                    registration_types=["authenticated", "dynamic"],
                )
                seen += len(page.rows)
            if not page.has_more:
                break
            after = page.after
    return seen


IN_PROCESS = "in process"
OVER_HTTP = "over HTTP"


def measure_sync(arguments, mode: str, counter, organizations: int) -> list:
    """The sync table's rows for the current environment, from an empty index: the pages
    walked, a full sync, and another with nothing changed."""
    from dashboard import connect, environments
    from dashboard.search import index

    pages = -(-arguments.applications // index.PAGE) + -(-organizations // index.PAGE)
    bound = pages * arguments.latency_ms / 1000
    remove_index(environments.current().name)
    # A server that has answered before, as a deployed one has: connection, code, database.
    connect.organization_list(limit=1)
    operations = [
        ("the pages alone: one cursor, one page after another, nothing written", walk),
        ("full sync, empty index", index.sync),
        ("full sync again, nothing changed", index.sync),
    ]
    rows, walked = [], None
    with api_time() as spent:
        for label, operation in operations:
            spent[0] = 0.0
            seconds, requests, seen = measured(counter, operation)
            assert seen == arguments.applications, seen
            walked = walked or seconds
            rows.append(
                [
                    mode,
                    label,
                    requests,
                    pages,
                    seconds * 1000,
                    spent[0] * 1000,
                    bound * 1000,
                    seconds / bound,
                    seconds / walked,
                ]
            )
    return rows


def measure_sync_in_process(arguments, counter: Counter, organizations: int) -> list:
    from dashboard import environments
    from dashboard.emulator import faults

    latency = (arguments.latency_ms, arguments.latency_ms)
    with environments.override("sandbox") as environment, faults.injected(latency_ms=latency):
        assert environment.embedded
        return measure_sync(arguments, IN_PROCESS, counter, organizations)


@contextlib.contextmanager
def served_api(
    arguments, applications: int, organizations: int, *, secrets: bool = False
) -> Iterator[tuple[str, AccessLog]]:
    """The embedded API holding `applications` applications (with one client secret each,
    if `secrets`), served by gunicorn in another process from its own database, which adds
    `--latency-ms` to every request itself. Answers its base URL and its access log."""
    with tempfile.TemporaryDirectory(prefix="bench-search-") as directory:
        workdir = Path(directory)
        env = {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": f"sqlite:///{workdir / 'api.sqlite3'}",
            "WORKOS_API_KEY": "",
            "EMULATOR_LATENCY_MS": f"{arguments.latency_ms:g}",
        }
        manage(env, "migrate")
        seed = (
            "from bench.common import make_apps, make_organizations; "
            f"make_apps({applications}, make_organizations({organizations}))"
        )
        if secrets:
            seed += (
                "; from dashboard.emulator import store; "
                "from dashboard.emulator.models import Application; "
                "[store.client_secret_create(app) for app in Application.objects.all()]"
            )
        manage(env, "shell", "--command", seed)
        port = free_port()
        access_log = workdir / "access.log"
        server = gunicorn(port, env, access_log=access_log)
        try:
            yield f"http://127.0.0.1:{port}/emulator", AccessLog(access_log)
        finally:
            server.terminate()
            server.wait()


@contextlib.contextmanager
def managed_as_workos(base_url: str) -> Iterator[None]:
    """This process manages the served API as it would WorkOS, with the server's sandbox key,
    so the environment is not the embedded one."""
    from django.test import override_settings

    from dashboard import environments

    with (
        override_settings(
            WORKOS_API_KEY=environments.EMBEDDED_SANDBOX_KEY, WORKOS_BASE_URL=base_url
        ),
        environments.override("sandbox") as environment,
    ):
        assert not environment.embedded
        yield


def measure_sync_over_http(arguments, organizations: int) -> list:
    """The sync as a deployment runs it, against the served API."""
    with (
        served_api(arguments, arguments.applications, organizations) as (base_url, access_log),
        managed_as_workos(base_url),
    ):
        return measure_sync(arguments, OVER_HTTP, access_log, organizations)


def credentials_row(arguments, mode: str, counter) -> list:
    """The row of reading the client secrets of the current environment's `--credentials`
    applications, from an index synced just before."""
    from dashboard.search import index

    bound = arguments.credentials * arguments.latency_ms / 1000
    index.sync()
    with api_time() as spent:
        seconds, requests, read = measured(counter, index.check_credentials)
    assert read == arguments.credentials, read
    return [
        mode,
        f"client secrets of {arguments.credentials:,} applications",
        requests,
        arguments.credentials,
        seconds * 1000,
        spent[0] * 1000,
        bound * 1000,
        seconds / bound,
        "-",
    ]


def measure_credentials_in_process(arguments, counter: Counter) -> list:
    from dashboard import environments
    from dashboard.emulator import faults, partition, store
    from dashboard.emulator.models import Application

    with partition.override(partition.PRODUCTION):
        make_apps(arguments.credentials, make_organizations())
        for app in Application.objects.all():
            store.client_secret_create(app)
    latency = (arguments.latency_ms, arguments.latency_ms)
    with environments.override("production"), faults.injected(latency_ms=latency):
        return credentials_row(arguments, IN_PROCESS, counter)


def measure_credentials_over_http(arguments) -> list:
    with (
        served_api(arguments, arguments.credentials, 5, secrets=True) as (base_url, access_log),
        managed_as_workos(base_url),
    ):
        return credentials_row(arguments, OVER_HTTP, access_log)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--indexed", type=int, default=100_000)
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--credentials", type=int, default=500)
    arguments = parser.parse_args()
    setup_django()
    from dashboard.emulator.http import api_responded
    from dashboard.search import index, selectors

    organizations = make_organizations()
    make_apps(arguments.applications, organizations)
    filled, search_rows = measure_search(arguments)
    print(
        f"Search among {arguments.indexed:,} applications in the sandbox's index (filled in "
        f"{filled:.0f} s), against the list page: 25 of the embedded API's "
        f"{arguments.applications:,} applications, read live. Server time in ms, in process, "
        "no added latency. Selector: selectors.search alone, "
        "with the arguments the page gives it; page: the whole list page with that query, "
        "timed alternately with the plain list page (its median in those same runs is the "
        "ratio's denominator). Matches are counted up to "
        f"{selectors.COUNT_LIMIT:,} ('more than')."
    )
    headers = ["search", "matches", "runs", "selector median", "selector p95", "page median"]
    headers += ["page p95", "list page median, same runs", "page × list page"]
    print(table(headers, search_rows))

    removed = remove_index("sandbox")
    print(
        f"\nRemoving the {arguments.indexed:,} rows of the index as a sync removes applications "
        f"that are gone (one QuerySet.delete, terms cascading): {removed:.1f} s."
    )

    counter = Counter()
    api_responded.connect(counter, weak=False)
    runs = [
        *measure_sync_in_process(arguments, counter, len(organizations)),
        *measure_sync_over_http(arguments, len(organizations)),
        measure_credentials_in_process(arguments, counter),
        measure_credentials_over_http(arguments),
    ]
    print(
        f"\nFull sync of {arguments.applications:,} applications and {len(organizations)} "
        f"organizations, {index.PAGE} a page, {arguments.latency_ms:g} ms added to each "
        "request. Lower bound: one request per page, one after the other: the pages times the "
        "latency. In both modes the sync reads the organizations and the applications from "
        "both ends at once, each walk asking for its next page while this process writes. In "
        "process: the embedded API answers in this process, in the sync's threads (its "
        "latency injected there); requests counted as the API answers them. Over HTTP: the "
        "embedded API served by gunicorn (1 worker, 8 threads) from its own SQLite database "
        f"with EMULATOR_LATENCY_MS={arguments.latency_ms:g}, managed from this process as "
        "WorkOS would be (WORKOS_API_KEY=sk_test_emulator, "
        "WORKOS_BASE_URL=http://127.0.0.1:<port>/emulator: environment 'sandbox', not "
        "embedded); its requests are the server's access log lines. Both count the pages "
        "asked for and not used. 'in "
        "API requests': the client's time in requests, added up over the threads that sent "
        "them; 'the pages alone': the same mode's walk of every page with one cursor, one "
        "after another, nothing written (not how the sync reads them). Client "
        "secrets: one request per application by the API's design, timed on "
        f"{arguments.credentials:,} applications (one secret each): in process in the "
        f"embedded API's production environment, one after another; over HTTP from a served "
        f"API of their own, {index.SECRET_READERS} at once and at most "
        f"{index.SECRET_READS_PER_MINUTE:,} a minute."
    )
    headers = ["mode", "operation", "API requests", "pages or applications", "ms"]
    headers += ["in API requests ms", "lower bound ms", "× lower bound", "× the pages alone"]
    print(table(headers, runs))
    for mode, _, _, _, credentials_ms, *_ in runs[-2:]:
        per_application = credentials_ms / arguments.credentials
        print(
            f"Client secrets, {mode}: {per_application:.1f} ms per application; "
            f"{arguments.applications:,} applications would take about "
            f"{arguments.applications * per_application / 60_000:.1f} min."
        )


if __name__ == "__main__":
    main()
