"""Every audit event records the environment it was in; the trail shows it, filters and
exports by it, and shows each user only the environments they may view."""

import csv
import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.test import Client

from dashboard import environments
from dashboard.audit.models import AuditEvent
from dashboard.audit.record import Actor, record
from dashboard.emulator import partition, store
from dashboard.kernel.models import EnvironmentRole
from tests.support import make_user

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def application_in(environment: str, name: str = "Portal"):
    with partition.override(environment):
        return store.application_create(
            application_type="oauth", name=name, is_first_party=True, scopes=["openid"]
        )


def event(environment: str, **fields) -> AuditEvent:
    values = {
        "action": "update",
        "outcome": "success",
        "environment": environment,
        "application_id": f"conn_app_{AuditEvent.objects.count()}",
    }
    return AuditEvent.objects.create(**(values | fields))


# --- Recording ------------------------------------------------------------------------------


def test_a_change_is_recorded_in_the_environment_it_was_made_in():
    admin = signed_in(make_user("alice", role="Admin"))
    for environment in ("sandbox", "production"):
        app = application_in(environment)
        admin.post(f"/{environment}/applications/{app.id}/secrets/new", {"token": environment})

    recorded = AuditEvent.objects.filter(action="secret_created").order_by("id")
    assert [(e.environment, e.outcome) for e in recorded] == [
        ("sandbox", "success"),
        ("production", "success"),
    ]


def test_record_uses_the_current_environment_unless_told_otherwise():
    actor = Actor(None, "cron", None)

    with environments.override("production"):
        in_production = record(actor, "update", outcome="success")
        in_none = record(actor, "update", outcome="success", environment="")
    outside = record(actor, "update", outcome="success")

    assert in_production.environment == "production"
    assert in_none.environment == ""
    assert outside.environment == environments.default().name == "sandbox"


def test_signing_in_belongs_to_no_environment():
    make_user("bob", role="Viewer", password="right-password-1")
    client = Client()

    client.post("/login/", {"username": "bob", "password": "wrong"})
    client.post("/login/", {"username": "bob", "password": "right-password-1"})

    assert list(AuditEvent.objects.values_list("action", "environment").order_by("id")) == [
        ("sign_in_failed", ""),
        ("sign_in", ""),
    ]


def test_a_refusal_records_the_environment_it_was_refused_in():
    user = make_user("split", role="Admin")
    EnvironmentRole.objects.create(user=user, environment="production", role="Viewer")
    client = signed_in(user)
    app = application_in("production")

    assert client.post(f"/production/applications/{app.id}/delete").status_code == 403
    with partition.override("production"):
        assert store.application_get(app.id).name == "Portal"
    refused = AuditEvent.objects.get(action="permission_refused")
    assert (refused.environment, refused.application_id) == ("production", app.id)


def test_a_refusal_of_the_shared_audit_trail_belongs_to_no_environment():
    client = signed_in(make_user("nobody", role=None))

    assert client.get("/audit/").status_code == 403

    assert AuditEvent.objects.get(action="permission_refused").environment == ""


def test_events_from_before_environments_are_the_default_environments_but_sign_ins():
    migration = importlib.import_module("dashboard.audit.migrations.0006_environment")
    event("", action="update")
    event("", action="permission_refused", outcome="refused")
    event("", action="sign_in")
    event("", action="sign_in_failed", outcome="refused")

    migration.in_the_default_environment(django_apps, None)

    assert dict(AuditEvent.objects.values_list("action", "environment")) == {
        "update": "sandbox",
        "permission_refused": "sandbox",
        "sign_in": "",
        "sign_in_failed": "",
    }


# --- The trail's pages -------------------------------------------------------------------------


def test_the_list_and_the_event_page_show_the_environment():
    admin = signed_in(make_user("alice", role="Admin"))
    live = event("production", application_name="Live Portal")
    sign_in = event("", action="sign_in")

    listing = admin.get("/audit/").content.decode()
    live_page = admin.get(f"/audit/{live.id}/").content.decode()
    sign_in_page = admin.get(f"/audit/{sign_in.id}/").content.decode()

    assert '<th scope="col">Environment</th>' in listing
    assert '<span class="backend backend-production">production</span>' in listing
    assert "<dt>Environment</dt>" in live_page and ">Production</span>" in live_page
    assert "None: signing in is to the dashboard" in sign_in_page


def test_the_list_filters_by_environment_and_the_export_has_its_column():
    admin = signed_in(make_user("alice", role="Admin"))
    event("sandbox", application_name="Sandbox Portal")
    event("production", application_name="Live Portal")

    production = admin.get("/audit/", {"environment": "production"}).content.decode()
    export = admin.get("/audit/", {"environment": "production", "format": "csv"})

    assert "Live Portal" in production and "Sandbox Portal" not in production
    assert '<option value="production" selected>Production</option>' in production
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [(row["environment"], row["application_name"]) for row in rows] == [
        ("production", "Live Portal")
    ]
    whole = b"".join(admin.get("/audit/", {"format": "csv"}).streaming_content).decode()
    header = next(csv.reader(io.StringIO(whole)))
    assert header.index("environment") == header.index("ip") + 1


def test_a_user_sees_the_events_of_the_environments_they_may_view_only():
    user = make_user("live", role=None)
    EnvironmentRole.objects.create(user=user, environment="production", role="Viewer")
    client = signed_in(user)
    hidden = event("sandbox", application_name="Sandbox Portal")
    shown = event("production", application_name="Live Portal")
    event("", action="sign_in", username="bob")
    event("staging", application_name="From an old environment")

    listing = client.get("/audit/").content.decode()
    export = b"".join(client.get("/audit/", {"format": "csv"}).streaming_content).decode()

    assert "Live Portal" in listing and "Sandbox Portal" not in listing
    assert "bob" in listing and "From an old environment" in listing
    assert "Sandbox Portal" not in export and "Live Portal" in export
    assert client.get(f"/audit/{hidden.id}/").status_code == 404
    assert client.get(f"/audit/{shown.id}/").status_code == 200
    # The filter offers the environments shown; asking for another shows nothing.
    assert 'value="sandbox"' not in listing
    sandbox = client.get("/audit/", {"environment": "sandbox"}).content.decode()
    assert "Sandbox Portal" not in sandbox and "Live Portal" not in sandbox


def test_create_again_opens_the_form_in_the_environment_the_application_was_deleted_from():
    user = make_user("split", role="Editor")
    EnvironmentRole.objects.create(user=user, environment="sandbox", role="Viewer")
    client = signed_in(user)
    snapshot = {"application_type": "oauth", "name": "Live Portal", "client_id": "client_1"}
    live = event("production", action="delete", snapshot=snapshot)
    sandbox = event("sandbox", action="delete", snapshot=snapshot | {"name": "Sandbox Portal"})

    live_page = client.get(f"/audit/{live.id}/").content.decode()
    sandbox_page = client.get(f"/audit/{sandbox.id}/").content.decode()

    assert f'href="/production/applications/new?from_event={live.id}"' in live_page
    # A Viewer in the sandbox may not create there.
    assert "Create it again" not in sandbox_page
