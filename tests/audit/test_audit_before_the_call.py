"""Every change asked of the API through the dashboard is in the audit trail before the call
is made: its outcome unknown until the answer comes, and unknown for good if it never does."""

import pytest

from dashboard import connect
from dashboard.applications import services
from dashboard.audit.models import AuditEvent
from dashboard.audit.record import Actor
from dashboard.connect.models import ApplicationUpdate
from dashboard.emulator import store
from tests.support import make_user

pytestmark = pytest.mark.django_db

CREATE_FORM = {
    "application_type": "oauth",
    "party": "first",
    "name": "Ledger",
    "action": "save",
    "redirect_uri": [""],
    "idempotency_key": "k-ledger",
}


class Crash(BaseException):
    """The process dying in the middle of the call, as far as the code after it can tell."""


def test_the_event_is_recorded_before_the_call_and_completed_after(admin, monkeypatch):
    seen = []
    real = connect.application_create

    def create(**kwargs):
        events = AuditEvent.objects.filter(action="create")
        seen.append(list(events.values_list("action", "outcome", "application_name")))
        return real(**kwargs)

    monkeypatch.setattr(connect, "application_create", create)
    admin.post("/sandbox/applications/new", CREATE_FORM)

    assert seen == [[("create", "unknown", "Ledger")]]
    event = AuditEvent.objects.get(action="create")
    assert event.outcome == "success" and event.application_id.startswith("conn_app_")
    assert event.client_id.startswith("client_")


def test_a_call_that_never_returns_leaves_the_event_unknown(admin, monkeypatch):
    def create(**kwargs):
        store.application_create(
            application_type="oauth", name="Ledger", is_first_party=True, redirect_uris=[]
        )
        raise Crash

    monkeypatch.setattr(connect, "application_create", create)
    with pytest.raises(Crash):
        admin.post("/sandbox/applications/new", CREATE_FORM)

    event = AuditEvent.objects.get(action="create")
    assert (event.action, event.outcome, event.application_name) == ("create", "unknown", "Ledger")
    page = admin.get("/audit/").content.decode()
    assert "Outcome unknown" in page


def test_a_save_of_an_outdated_version_is_refused_and_recorded(db):
    app = store.application_create(
        application_type="oauth", name="Portal", is_first_party=True, redirect_uris=[]
    )
    read = connect.application_get(application_id=app.id)
    store.application_update(app, {"description": "Saved by someone else"})
    actor = Actor(make_user("bob", role="Editor"), "bob", None)

    with pytest.raises(services.EditConflict) as conflict:
        services.application_update(
            actor=actor,
            app=read,
            changes=ApplicationUpdate(name="Mine"),
            version=read.updated_at.isoformat(),
        )

    assert conflict.value.current.description == "Saved by someone else"
    assert store.application_get(app.id).name == "Portal"
    event = AuditEvent.objects.get(action="update")
    assert event.outcome == "refused" and "someone else saved the application" in event.detail
