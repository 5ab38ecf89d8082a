import csv
import io
import json
import re

import pytest
from django.test import Client

from dashboard import connect
from dashboard.audit.models import AuditEvent
from dashboard.connect import errors
from dashboard.emulator import store
from dashboard.emulator.models import Application
from tests.support import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.force_login(make_user("alice", role="Admin"))
    return client


@pytest.fixture
def app():
    return store.application_create(
        application_type="oauth",
        name="Portal",
        is_first_party=True,
        scopes=["openid"],
        redirect_uris=[
            {"uri": "https://portal.example.com/cb", "default": True},
            {"uri": "https://*.preview.example.com/cb", "default": False},
        ],
    )


def edit_form(client, app) -> dict:
    """The edit form's values as a browser would post them back."""
    html = client.get(f"/sandbox/applications/{app.id}/edit").content.decode()
    hidden = dict(re.findall(r'type="hidden" name="(updated_at|original)" value="([^"]*)"', html))
    hidden = {name: value.replace("&quot;", '"') for name, value in hidden.items()}
    return hidden | {
        "name": app.name,
        "scopes": ["openid"],
        "action": "save",
        "redirect_uri": [entry["uri"] for entry in app.redirect_uris],
        "redirect_default": "0",
        "description": "",
    }


# --- Audit trail ----------------------------------------------------------------------------


def test_every_change_is_recorded_with_who_when_where_and_what(admin, app):
    admin.post(
        "/sandbox/applications/new",
        {
            "application_type": "oauth",
            "party": "first",
            "name": "Created",
            "action": "save",
            "redirect_uri": [""],
            "idempotency_key": "k1",
        },
    )
    admin.post(
        f"/sandbox/applications/{app.id}/edit",
        edit_form(admin, app) | {"name": "Renamed", "scopes": ["email"]},
    )
    secret_page = admin.post(f"/sandbox/applications/{app.id}/secrets/new", {"token": "t1"})
    plaintext = re.search(
        r'id="new-secret-value" readonly value="([^"]+)"', secret_page.content.decode()
    )[1]
    secret_id = app.client_secrets.get().id
    admin.post(f"/sandbox/applications/{app.id}/secrets/{secret_id}/revoke")
    admin.post(f"/sandbox/applications/{app.id}/delete", {"confirm_name": "Renamed"})

    events = list(AuditEvent.objects.exclude(action="sign_in").order_by("id"))
    assert [e.action for e in events] == [
        "create",
        "update",
        "secret_created",
        "secret_revoked",
        "delete",
    ]
    assert all(e.username == "alice" and e.ip == "203.0.113.7" for e in events)
    assert all(e.outcome == "success" for e in events)
    # Every event names the application, secret events included.
    created = Application.objects.get(name="Created")
    assert [(e.application_name, e.client_id) for e in events] == [
        ("Created", created.client_id),
        *[("Renamed", app.client_id)] * 4,
    ]
    update = events[1]
    assert update.application_id == app.id and update.application_name == "Renamed"
    assert update.changes == {
        "name": {"before": "Portal", "after": "Renamed"},
        "scopes": {"before": ["openid"], "after": ["email"]},
    }
    assert events[4].snapshot["name"] == "Renamed"
    assert events[4].snapshot["redirect_uris"][0]["uri"] == "https://portal.example.com/cb"
    stored = json.dumps([list(AuditEvent.objects.values())], default=str)
    assert plaintext not in stored and "sk_test" not in stored


def test_refused_and_failed_changes_are_recorded_with_the_request_id(admin, app, monkeypatch):
    def refuse(**kwargs):
        raise errors.ServerError("boom", status=503, request_id="req_audit")

    monkeypatch.setattr(connect, "application_update", refuse)
    admin.post(f"/sandbox/applications/{app.id}/edit", edit_form(admin, app) | {"name": "Nope"})

    event = AuditEvent.objects.get(action="update")
    assert (event.outcome, event.request_id) == ("failed", "req_audit")


def test_sign_ins_and_failed_sign_ins_are_recorded(client):
    make_user("bob", role="Viewer", password="right-password-1")

    client.post("/login/", {"username": "bob", "password": "wrong"})
    client.post("/login/", {"username": "bob", "password": "right-password-1"})

    failed, signed_in = AuditEvent.objects.order_by("id")
    assert (failed.action, failed.outcome, failed.username) == ("sign_in_failed", "refused", "bob")
    assert (signed_in.action, signed_in.outcome) == ("sign_in", "success")
    assert "wrong" not in json.dumps(list(AuditEvent.objects.values()), default=str)


def test_the_audit_page_filters_and_exports_csv(admin, app):
    AuditEvent.objects.create(
        action="create",
        outcome="success",
        username="alice",
        application_id=app.id,
        client_id=app.client_id,
        application_name="=HYPERLINK(1)",
    )
    AuditEvent.objects.create(
        action="delete", outcome="success", username="carol", application_id="conn_app_other"
    )

    by_app = admin.get("/audit/", {"application": app.id}).content.decode()
    by_client_id = admin.get("/audit/", {"application": app.client_id}).content.decode()
    by_user = admin.get("/audit/", {"user": "carol"}).content.decode()
    by_action = admin.get("/audit/", {"action": "delete"}, headers={"HX-Request": "true"})
    by_action = by_action.content.decode()
    export = admin.get("/audit/", {"user": "alice", "action": "create", "format": "csv"})

    assert app.id in by_app and "conn_app_other" not in by_app
    assert app.id in by_client_id and "conn_app_other" not in by_client_id
    assert "conn_app_other" in by_user and app.id not in by_user
    assert "Application deleted" in by_action and "Application created" not in by_action
    # The export link is in the swapped region and carries the filters set in the page.
    assert 'href="/audit/?action=delete&amp;format=csv"' in by_action
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert len(rows) == 1
    assert rows[0]["username"] == "alice" and rows[0]["application_name"] == "'=HYPERLINK(1)"
    assert rows[0]["client_id"] == app.client_id


def test_the_audit_page_is_paginated(admin):
    AuditEvent.objects.bulk_create(
        [AuditEvent(action="sign_in", outcome="success", username=f"u{i}") for i in range(60)]
    )

    first = admin.get("/audit/").content.decode()
    second = admin.get("/audit/", {"page": 2}).content.decode()

    assert "Page 1 of 2" in first and "Page 2 of 2" in second


def test_the_detail_page_shows_the_history(admin, app):
    admin.post(f"/sandbox/applications/{app.id}/edit", edit_form(admin, app) | {"name": "Renamed"})

    html = admin.get(f"/sandbox/applications/{app.id}/").content.decode()

    assert "History" in html and "Application updated" in html and "(Name)" in html


def test_a_deleted_app_can_be_created_again_from_its_snapshot(admin, app):
    admin.post(f"/sandbox/applications/{app.id}/delete", {"confirm_name": "Portal"})
    event = AuditEvent.objects.get(action="delete")

    page = admin.get(f"/audit/{event.id}/").content.decode()
    form = admin.get("/sandbox/applications/new", {"from_event": event.id}).content.decode()

    assert "Create it again from this configuration" in page
    assert 'value="Portal"' in form
    assert 'value="https://*.preview.example.com/cb"' in form
    assert (
        'value="openid" checked' in form
        or 'checked value="openid"' in form
        or re.search(r'value="openid"[^>]*checked', form)
    )


# --- No lost edits --------------------------------------------------------------------------


def test_a_concurrent_save_is_detected_and_nothing_is_overwritten(admin, app):
    mine = edit_form(admin, app) | {"name": "My name", "description": "My description"}
    theirs = Client()
    theirs.force_login(make_user("bob", role="Editor"))
    theirs.post(
        f"/sandbox/applications/{app.id}/edit",
        edit_form(theirs, app) | {"name": "Their name", "scopes": ["openid", "email"]},
    )

    response = admin.post(f"/sandbox/applications/{app.id}/edit", mine)

    html = response.content.decode()
    app.refresh_from_db()
    assert response.status_code == 409
    assert app.name == "Their name" and app.description is None
    assert "Someone else saved this application" in html
    assert "Their name" in html and "My name" in html
    assert "Yours: both changed it" in html  # name
    assert "Theirs (only they changed it)" in html  # scopes
    assert 'value="My name"' in html and "My description</textarea>" in html
    assert re.search(r'value="email"[^>]*checked', html)  # their scopes kept in the merge


def test_a_conflict_on_an_m2m_app_reports_only_what_differs_and_shows_scopes_as_tags(admin):
    org = store.organization_create(name="Initech", domains=[], metadata={}, external_id=None)
    worker = store.application_create(
        application_type="m2m", name="Worker", organization_id=org.id, scopes=["openid"]
    )
    mine = edit_form(admin, worker) | {"description": "Mine"}
    other = Client()
    other.force_login(make_user("bob", role="Editor"))
    other.post(
        f"/sandbox/applications/{worker.id}/edit",
        edit_form(other, worker) | {"scopes": ["openid", "email"]},
    )

    html = admin.post(f"/sandbox/applications/{worker.id}/edit", mine).content.decode()

    table = re.search(r'<table class="conflict">(.*?)</table>', html, re.S)[1]
    assert re.findall(r'<th scope="row">(.*?)</th>', table) == ["Description", "Scopes"]
    assert '<li class="tag">email</li>' in table and "[&#x27;openid&#x27;" not in table


def test_the_merged_form_saves_on_the_second_try(admin, app):
    mine = edit_form(admin, app) | {"name": "My name"}
    other = Client()
    other.force_login(make_user("bob", role="Editor"))
    other.post(
        f"/sandbox/applications/{app.id}/edit", edit_form(other, app) | {"scopes": ["email"]}
    )
    conflict = admin.post(f"/sandbox/applications/{app.id}/edit", mine).content.decode()
    merged = dict(
        re.findall(r'type="hidden" name="(updated_at|original)" value="([^"]*)"', conflict)
    )

    response = admin.post(
        f"/sandbox/applications/{app.id}/edit", mine | merged | {"scopes": ["email"]}
    )

    app.refresh_from_db()
    assert response.status_code == 303
    assert (app.name, app.scopes) == ("My name", ["email"])


def test_forms_warn_before_leaving_with_unsaved_changes(admin, app):
    html = admin.get(f"/sandbox/applications/{app.id}/edit").content.decode()

    assert "data-warn-unsaved" in html


# --- Test a redirect URI --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("https://portal.example.com/cb", "matches the registered URI"),
        ("https://pr-1.preview.example.com/cb", "matches the registered wildcard"),
        ("https://a.b.preview.example.com/cb", "matches none of the registered"),
        ("https://portal.example.com/cb/", "matches none of the registered"),
        ("https://portal.example.com.evil.com/cb", "matches none of the registered"),
        ("javascript:alert(1)", "Refused: The “javascript:” scheme"),
    ],
)
def test_the_redirect_test_box_answers_the_support_question(admin, app, uri, expected):
    response = admin.get(
        f"/sandbox/applications/{app.id}/redirect-test",
        {"uri": uri},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert expected in response.content.decode()
    assert b"<html" not in response.content


def test_the_redirect_test_box_works_without_javascript(admin, app):
    response = admin.get(
        f"/sandbox/applications/{app.id}/redirect-test", {"uri": "https://portal.example.com/cb"}
    )

    assert b"<html" in response.content and b"matches the registered URI" in response.content


def test_no_application_is_created_by_a_refused_create(admin, monkeypatch):
    def refuse(**kwargs):
        raise errors.UnprocessableEntityError("no", status=422, errors=[])

    monkeypatch.setattr(connect, "application_create", refuse)
    admin.post(
        "/sandbox/applications/new",
        {
            "application_type": "oauth",
            "party": "first",
            "name": "x",
            "action": "save",
            "redirect_uri": [""],
        },
    )

    assert not Application.objects.exists()
    assert AuditEvent.objects.get(action="create").outcome == "refused"


def test_the_audit_filter_finds_older_events_by_client_id_and_says_what_is_wrong(admin, app):
    AuditEvent.objects.create(action="update", outcome="success", application_id=app.id)

    by_client_id = admin.get("/audit/", {"application": app.client_id}).content.decode()
    bad_date = admin.get("/audit/", {"since": "31/02/2026"}, headers={"HX-Request": "true"})
    clean = admin.get("/audit/", {"user": "", "action": "update"}, headers={"HX-Request": "true"})

    assert app.id in by_client_id
    assert "Check the filters: From: Enter a valid date." in bad_date.content.decode()
    assert clean["HX-Push-Url"] == "/audit/?action=update"
    backwards = admin.get("/audit/", {"since": "2026-02-02", "until": "2026-02-01"})
    assert "The end comes before the start." in backwards.content.decode()
