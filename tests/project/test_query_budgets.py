"""How many SQL queries each page may make: a budget per page, the same whatever the page
size, so that a change that adds a query per row (or per concern) fails here before it
shows in bench/pages.py.

The dashboard manages the embedded API as it would WorkOS, over HTTP: the API is served by
the live server, in its own thread and on its own database connection, and its queries are
its own (WorkOS's, in production). What is counted is every query the dashboard's request
makes on its database: the session and the signed-in user, then the page's own, one per
concern. The user is a superuser, as bench/pages.py signs in: a role's permissions cost
their own queries, once a request, the same on every page.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import environments
from dashboard.emulator import store
from dashboard.emulator.models import Application
from dashboard.kernel.models import EmbeddedSignOn
from dashboard.search import tasks

# The list: the session, the user; the page's rows as the index has them (its check), the
# totals and the index's freshness (one statement), credential health, and the client IDs
# of the dashboard's own sign-in.
LIST_BUDGET = 6
# The detail page: the session, the user; the index's check of the application, the
# dashboard's own sign-in, the promotions and the history.
DETAIL_BUDGET = 6
# The create POST: the session, the user; the form's checks of the name
# (an earlier create with this idempotency key, another application with the name); the
# audit event written before the call and completed after it; the index's check of the new
# application and the organization's indexed name, then its row, its key and its terms
# written in one transaction (begin, insert, select, delete, insert, commit).
CREATE_BUDGET = 14

APPLICATIONS = 60
PAGE_SIZES = [10, 50]


@pytest.fixture
def served_api(live_server, settings):
    """The dashboard speaks to the embedded API over HTTP, as to WorkOS."""
    settings.WORKOS_API_KEY = environments.EMBEDDED_SANDBOX_KEY
    settings.WORKOS_BASE_URL = f"{live_server.url}/emulator"
    settings.WORKOS_EMULATOR = True
    assert not environments.current().embedded


@pytest.fixture
def organization(transactional_db):
    return store.organization_create(name="Acme", domains=[], metadata={}, external_id=None)


@pytest.fixture
def applications(served_api, organization) -> list[Application]:
    """Applications of every kind, with secrets that need attention and the dashboard's own
    sign-in among them, indexed by a sync over HTTP."""
    now = timezone.now()
    apps = []
    for number in range(APPLICATIONS):
        kind = number % 3
        if kind == 0:
            app = store.application_create(
                application_type="m2m", name=f"Worker {number:02d}", organization_id=organization.id
            )
        else:
            app = store.application_create(
                application_type="oauth",
                name=f"Portal {number:02d}",
                is_first_party=kind == 1,
                organization_id=None if kind == 1 else organization.id,
                redirect_uris=[{"uri": f"https://portal{number}.example.com/cb", "default": True}],
            )
        # Old, never used, or too many: every row has findings to show.
        for age in range(number % 4):
            store.client_secret_create(app, created_at=now - timedelta(days=100 + age))
        apps.append(app)
    newest = apps[-2]
    EmbeddedSignOn.objects.create(client_id=newest.client_id, application_id=newest.id)
    assert tasks.run_sync("sandbox", now) is not None
    return apps


@pytest.fixture
def browser(transactional_db) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("ops", password="x" * 12))
    return client


def queries_of(request) -> tuple[object, list[str]]:
    """The response of `request()`, and the SQL of the queries the dashboard made for it."""
    # A first request fills what is cached between requests (organization names).
    request()
    with CaptureQueriesContext(connection) as captured:
        response = request()
    return response, [query["sql"] for query in captured.captured_queries]


def listing(sql: list[str]) -> str:
    return f"{len(sql)} queries:\n" + "\n".join(statement[:300] for statement in sql)


@pytest.mark.parametrize("limit", PAGE_SIZES)
def test_it_lists_applications_within_the_same_query_budget_whatever_the_page_size(
    applications, browser, limit
):
    response, sql = queries_of(lambda: browser.get("/sandbox/applications/", {"limit": limit}))

    assert response.status_code == 200
    assert response.content.decode().count('<tr><th scope="row">') == limit
    assert len(sql) <= LIST_BUDGET, listing(sql)


def test_it_makes_as_many_queries_for_a_page_of_ten_as_for_a_page_of_fifty(applications, browser):
    _, ten = queries_of(lambda: browser.get("/sandbox/applications/", {"limit": 10}))
    page, fifty = queries_of(lambda: browser.get("/sandbox/applications/", {"limit": 50}))

    assert "Dashboard sign-in" in page.content.decode()
    assert "to look at" in page.content.decode()
    assert len(fifty) == len(ten), listing(fifty)


def test_it_lists_applications_of_one_type_within_the_budget(applications, browser):
    response, sql = queries_of(
        lambda: browser.get("/sandbox/applications/", {"type": "m2m", "limit": 50})
    )

    assert response.status_code == 200
    assert "<strong>20 matches</strong>" in response.content.decode()
    assert len(sql) <= LIST_BUDGET, listing(sql)


def test_it_shows_an_application_within_the_query_budget(applications, browser):
    app = applications[2]

    response, sql = queries_of(lambda: browser.get(f"/sandbox/applications/{app.id}/"))

    assert response.status_code == 200
    assert app.name in response.content.decode()
    assert len(sql) <= DETAIL_BUDGET, listing(sql)


def test_it_creates_an_application_within_the_query_budget(applications, browser, organization):
    names = iter(["Created first", "Created second"])

    def create():
        name = next(names)
        return browser.post(
            "/sandbox/applications/new",
            {
                "application_type": "m2m",
                "name": name,
                "action": "save",
                "organization_id": organization.id,
                "scopes": ["openid"],
                "idempotency_key": f"budget-{name}",
            },
        )

    response, sql = queries_of(create)

    assert response.status_code == 303
    assert Application.objects.filter(name="Created second").exists()
    assert len(sql) <= CREATE_BUDGET, listing(sql)
