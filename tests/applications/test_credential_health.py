"""Credential health: what needs attention, found from the index after a sync, each with
where it is fixed, on a page, in a column of the list and as CSV."""

import csv
import io
import re
from datetime import timedelta

import pytest
import respx
from django.utils import timezone

from dashboard import environments
from dashboard.emulator import partition, store
from dashboard.emulator.models import ClientSecret
from dashboard.kernel.models import EnvironmentRole
from dashboard.search import health, index, tasks
from tests.support import make_user

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def org(name: str = "Acme"):
    return store.organization_create(name=name, domains=[], metadata={}, external_id=None)


def m2m(name: str):
    return store.application_create(application_type="m2m", name=name, organization_id=org().id)


def oauth(name: str, **fields):
    fields = {"is_first_party": True, "redirect_uris": []} | fields
    return store.application_create(application_type="oauth", name=name, **fields)


def secret(app, *, days_old: int = 1, used_days_ago: int | None = 0):
    made, _ = store.client_secret_create(app, created_at=NOW - timedelta(days=days_old))
    used = None if used_days_ago is None else NOW - timedelta(days=used_days_ago)
    ClientSecret.objects.filter(id=made.id).update(last_used_at=used)
    return made


def synced(environment: str = "sandbox") -> None:
    assert tasks.run_sync(environment, timezone.now()) is not None


def found(environment: str = "sandbox") -> set[tuple[str, str]]:
    return {
        (finding.problem.key, finding.application.name) for finding in health.findings(environment)
    }


def test_every_kind_of_problem_is_found_and_a_healthy_app_is_not(settings):
    settings.DASHBOARD_SECRET_ROTATION_DAYS = 90
    settings.DASHBOARD_SECRET_UNUSED_DAYS = 30
    healthy = m2m("Healthy")
    secret(healthy)
    m2m("No Secret")
    oauth("Public Client", uses_pkce=True)  # PKCE instead of a secret: nothing to do.
    secret(m2m("Old Secret"), days_old=91)
    secret(m2m("Never Used"), days_old=31, used_days_ago=None)
    secret(m2m("Just Made"), days_old=2, used_days_ago=None)  # Not used yet, and young.
    secret(m2m("Idle"), days_old=60, used_days_ago=31)
    crowded = m2m("Crowded")
    for _ in range(3):
        secret(crowded)
    synced()

    assert found() == {
        ("no_secret", "No Secret"),
        ("rotation_due", "Old Secret"),
        ("never_used", "Never Used"),
        ("unused", "Idle"),
        ("too_many_secrets", "Crowded"),
    }


def test_production_redirect_uris_without_https_are_found():
    with partition.override("production"):
        app = oauth(
            "Live",
            redirect_uris=[{"uri": "https://live.example/cb", "default": True}],
        )
        secret(app)
    synced("production")
    assert found("production") == set()

    # Stored as an older rule allowed, or by hand: the check is on what is there.
    with partition.override("production"):
        app.redirect_uris = [
            {"uri": "https://live.example/cb", "default": True},
            {"uri": "http://live.example/cb", "default": False},
        ]
        app.save()
    synced("production")

    assert found("production") == {("insecure_redirect", "Live")}
    (finding,) = health.findings("production")
    assert finding.detail == "http://live.example/cb"


def test_applications_whose_secrets_were_never_read_are_counted_not_judged():
    m2m("Unread")

    with environments.override("sandbox"):
        index.sync()  # Applications only: their secrets are read by the full sync's end.

    assert found() == set()
    assert health.unchecked("sandbox") == 1


def test_opening_an_application_reads_its_secrets_into_the_index(client):
    client.force_login(make_user("viewer", role="Viewer"))
    app = m2m("Fresh")
    synced()
    assert found() == {("no_secret", "Fresh")}

    secret(app)
    client.get(f"/sandbox/applications/{app.id}/secrets", headers={"HX-Request": "true"})

    assert found() == set()


def test_the_page_groups_findings_with_their_fix_and_the_list_has_a_column(client):
    client.force_login(make_user("admin", role="Admin"))
    app = m2m("Needs A Secret")
    secret(m2m("Fine"))
    synced()

    page = client.get("/sandbox/health/")
    assert page.status_code == 200
    assert b"1 finding</strong> in 1 application" in page.content
    assert f'href="/sandbox/applications/{app.id}/#secrets"'.encode() in page.content
    listed = client.get("/sandbox/applications/")
    assert b"1 to look at" in listed.content
    assert listed.context["health"].keys() == {app.id}


def test_the_csv_has_one_row_per_finding_and_no_formula(client):
    client.force_login(make_user("viewer", role="Viewer"))
    m2m("=HYPERLINK(1)")
    synced()

    response = client.get("/sandbox/health/", {"format": "csv"})
    assert response["Content-Disposition"] == (
        'attachment; filename="credential-health-sandbox.csv"'
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["environment", "problem", "application_name"]
    assert rows[1][:3] == ["sandbox", "No client secret", "'=HYPERLINK(1)"]
    assert rows[1][-1].startswith("http://testserver/sandbox/applications/")


def test_a_third_party_app_whose_organization_is_gone_is_found(settings):
    # The embedded API refuses to delete an organization that has applications; WorkOS,
    # faked here at its HTTP edge, may still answer with one whose organization is gone.
    settings.WORKOS_API_KEY = "sk_test_faked"
    settings.WORKOS_BASE_URL = "https://api.workos.test"
    stamp = "2026-01-15T12:00:00.000Z"
    app = {
        "object": "connect_application", "id": "conn_app_01HXYZ123456789ABCDEFGHIJ",
        "client_id": "client_01HXYZ123456789ABCDEFGHIJ", "name": "Orphan",
        "description": None, "application_type": "oauth", "scopes": [],
        "redirect_uris": [], "uses_pkce": False, "is_first_party": False,
        "was_dynamically_registered": False, "organization_id": "org_01HXYZGONE0000000000000000",
        "cors_origins": [], "created_at": stamp, "updated_at": stamp,
    }  # fmt: skip
    empty = {"object": "list", "data": [], "list_metadata": {"before": None, "after": None}}
    with respx.mock(base_url="https://api.workos.test") as api:
        api.get("/organizations").respond(json=empty)
        api.get("/connect/applications").respond(json=empty | {"data": [app]})
        api.get(f"/connect/applications/{app['id']}/client_secrets").respond(json=[])
        synced()

    assert found() == {("no_secret", "Orphan"), ("organization_gone", "Orphan")}


def test_each_finding_shows_its_application_s_organization_with_a_link(client):
    client.force_login(make_user("viewer", role="Viewer"))
    northwind = org("Northwind Health")
    store.application_create(application_type="m2m", name="Worker", organization_id=northwind.id)
    oauth("First Party")  # No organization.
    synced()

    page = client.get("/sandbox/health/").content.decode()
    response = client.get("/sandbox/health/", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert '<th scope="col">Organization</th>' in page
    assert f'<a href="/sandbox/organizations/{northwind.id}/">Northwind Health</a>' in page
    assert {(row["application_name"], row["organization_name"]) for row in rows} == {
        ("Worker", "Northwind Health"),
        ("First Party", ""),
    }
    assert {row["organization_id"] for row in rows} == {northwind.id, ""}


def test_secret_dates_are_shown_as_the_rest_of_the_dashboard_shows_dates(client, settings):
    settings.DASHBOARD_SECRET_UNUSED_DAYS = 30
    client.force_login(make_user("viewer", role="Viewer"))
    made = secret(m2m("Idle"), days_old=60, used_days_ago=40)
    synced()
    used = ClientSecret.objects.get(id=made.id).last_used_at

    page = client.get("/sandbox/health/").content.decode()
    response = client.get("/sandbox/health/", {"format": "csv"})
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))

    assert re.search(
        rf'last used <time datetime="{used:%Y-%m-%d}T[^"]+Z" title="{used:%Y-%m-%d} [^"]+ UTC"'
        " data-local-time>",
        page,
    )
    assert f"last used {used:%Y-%m-%d}." not in page
    assert row["detail"] == f"Secret …{made.secret_hint} last used {used:%Y-%m-%d}."


def fix_links(client, environment: str) -> set[str]:
    """The fixes the health page links to, and those it only names."""
    page = client.get(f"/{environment}/health/").content.decode()
    linked = {fix for fix in FIXES if f">{fix}<span" in page}
    named = {fix for fix in FIXES if f'{fix} <span class="muted">(for ' in page}
    return {f"link: {fix}" for fix in linked} | {f"text: {fix}" for fix in named}


FIXES = ["Create a secret", "Change the redirect URIs"]


@pytest.fixture
def a_fix_of_each_kind():
    """A secret to create in both environments, and redirect URIs to change in production."""
    m2m("Sandbox Worker")
    with partition.override("production"):
        m2m("Live Worker")
        app = oauth("Live", redirect_uris=[{"uri": "https://live.example/cb", "default": True}])
        app.redirect_uris = [{"uri": "http://live.example/cb", "default": True}]
        app.save()
    synced("sandbox")
    synced("production")


@pytest.mark.parametrize(
    ("role", "sandbox", "production"),
    [
        (
            "Viewer",
            {"text: Create a secret"},
            {"text: Create a secret", "text: Change the redirect URIs"},
        ),
        (
            "Editor",
            {"text: Create a secret"},
            {"text: Create a secret", "link: Change the redirect URIs"},
        ),
        (
            "Admin",
            {"link: Create a secret"},
            {"link: Create a secret", "link: Change the redirect URIs"},
        ),
    ],
)
def test_fix_links_are_shown_only_to_roles_that_may_make_the_fix(
    client, a_fix_of_each_kind, role, sandbox, production
):
    client.force_login(make_user("someone", role=role))

    assert fix_links(client, "sandbox") == sandbox
    assert fix_links(client, "production") == production


def test_fix_links_follow_the_role_in_each_environment(client, a_fix_of_each_kind):
    user = make_user("alice", role="Admin")
    EnvironmentRole.objects.create(user=user, environment="production", role="Viewer")
    client.force_login(user)

    assert fix_links(client, "sandbox") == {"link: Create a secret"}
    assert fix_links(client, "production") == {
        "text: Create a secret",
        "text: Change the redirect URIs",
    }
    page = client.get("/production/health/").content.decode()
    assert 'Create a secret <span class="muted">(for Admins)</span>' in page
    assert 'Change the redirect URIs <span class="muted">(for Editors and Admins)</span>' in page
