"""A field added to the API's table of application fields alone goes through every path.

The field is registered at test time by adding one row to `dashboard.api_fields.FIELDS`,
and nothing else is patched: every consumer reads the table when it runs. The embedded
API keeps a field that has no column of its own in `Application.more_fields`, so the row
needs no migration; the contract's application object allows properties it does not
list, so the answers that carry the field still pass the contract check that every test
makes. The real table is untouched: the field never reaches the real wire.
"""

import re

import pytest
from django.test import Client

from dashboard import api_fields
from dashboard.audit.models import AuditEvent
from dashboard.emulator import partition, store
from dashboard.emulator.models import Application
from dashboard.promotion.models import Promotion
from tests.support import make_user, oauth_form

pytestmark = pytest.mark.django_db

LOGO = "https://portal.example.com/logo.png"
NEW_LOGO = "https://portal.example.com/logo-2.png"


@pytest.fixture(autouse=True)
def logo_uri(monkeypatch):
    """The throwaway field: optional text, editable, of both types of application."""
    row = api_fields.ApiField("logo_uri", "Logo URI", api_fields.BOTH, True, "text")
    monkeypatch.setattr(api_fields, "FIELDS", (*api_fields.FIELDS, row))


@pytest.fixture
def admin() -> Client:
    client = Client()
    client.force_login(make_user("ops", role="Admin"))
    return client


def production_app(name: str) -> Application:
    with partition.override("production"):
        return Application.objects.get(name=name)


def export(client: Client, environment: str) -> str:
    response = client.get(f"/{environment}/configuration/export", {"format": "yaml"})
    assert response.status_code == 200
    return response.content.decode()


def plan_and_apply(client: Client, environment: str, text: str) -> str:
    """The plan's summary, once the plan shown is applied."""
    shown = client.post(f"/{environment}/configuration/plan", {"text": text})
    assert shown.status_code == 200, shown.content.decode()[:2000]
    form = shown.context["apply_form"]
    applied = client.post(
        f"/{environment}/configuration/apply",
        {name: form[name].value() for name in ("text", "fingerprint")}
        | {"confirm_environment": environment},
    )
    assert applied.status_code in (200, 303), applied.content.decode()[:2000]
    return shown.context["plan"].summary


def test_a_field_added_to_the_table_alone_goes_through_every_path(admin, api):
    # The create form draws it, and saves it.
    new = admin.get("/sandbox/applications/new").content.decode()
    assert re.search(r'<label for="id_logo_uri">Logo URI <span class="optional">', new)
    created = admin.post("/sandbox/applications/new", oauth_form(logo_uri=LOGO))
    assert created.status_code == 303, created.content.decode()[:2000]
    app = Application.objects.get(name="Portal")

    # The API stores it and answers with it.
    assert api.get(f"connect/applications/{app.id}").json()["logo_uri"] == LOGO

    # The detail page shows it; the edit form opens with it (a save would not wipe it).
    detail = admin.get(f"/sandbox/applications/{app.id}/").content.decode()
    assert "Logo URI" in detail and LOGO in detail
    edit = admin.get(f"/sandbox/applications/{app.id}/edit").content.decode()
    assert f'name="logo_uri" value="{LOGO}"' in edit

    # An edit of it is recorded with its before and after.
    app.refresh_from_db()
    edited = admin.post(
        f"/sandbox/applications/{app.id}/edit",
        {"updated_at": app.updated_at.isoformat(), "original": "{}", "name": "Portal"}
        | {"logo_uri": NEW_LOGO, "action": "save"},
    )
    assert edited.status_code == 303, edited.content.decode()[:2000]
    event = AuditEvent.objects.filter(action="update").get()
    assert event.changes == {"logo_uri": {"before": LOGO, "after": NEW_LOGO}}

    # The export writes it, and a plan of the export changes nothing.
    text = export(admin, "sandbox")
    assert f"logo_uri: {NEW_LOGO}" in text
    shown = admin.post("/sandbox/configuration/plan", {"text": text})
    assert shown.context["plan"].summary.startswith("0 to create, 0 to change, 0 to delete")

    # Applied to production, it creates the application with it...
    assert plan_and_apply(admin, "production", text).startswith("1 to create")
    assert production_app("Portal").field_value("logo_uri") == NEW_LOGO
    # ...and a file without it clears it there.
    without = text.replace(f"    logo_uri: {NEW_LOGO}\n", "")
    assert plan_and_apply(admin, "production", without).startswith("0 to create, 1 to change")
    assert production_app("Portal").field_value("logo_uri") is None

    # Promoted, then changed in the sandbox: the drift lists it.
    preview = admin.get(f"/production/applications/promote/sandbox/{app.id}").content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', preview))
    promoted = admin.post(f"/production/applications/promote/sandbox/{app.id}", hidden)
    assert promoted.status_code == 303, promoted.content.decode()[:2000]
    with partition.override("production"):
        copy = store.application_get(Promotion.objects.get().target_application_id)
    assert copy.field_value("logo_uri") == NEW_LOGO
    api.put(f"connect/applications/{app.id}", {"logo_uri": LOGO})
    drift = admin.get(f"/sandbox/applications/{app.id}/promotions").content.decode()
    assert re.search(r'<tr class="drifted">\s*<th scope="row">Logo URI</th>', drift)
    assert LOGO in drift and NEW_LOGO in drift


def test_the_api_refuses_the_field_when_it_is_not_text(api):
    with partition.override("sandbox"):
        app = store.application_create(application_type="oauth", name="P", is_first_party=True)

    response = api.put(f"connect/applications/{app.id}", {"logo_uri": 7})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "logo_uri"
