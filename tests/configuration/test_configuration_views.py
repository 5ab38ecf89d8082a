"""The configuration page: export, plan, and apply the plan that was shown; Admins only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dashboard.audit.models import AuditEvent
from dashboard.emulator import faults, partition, store
from dashboard.emulator.models import Application
from dashboard.emulator.seed import staff_sign_on_client
from dashboard.kernel.models import EmbeddedSignOn, EnvironmentRole
from tests.support import make_user
from tests.support.configuration import connect, names, organization

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
PAGE = "/production/configuration/"
FILE = """\
version: 1
applications:
  portal:
    name: Portal
    application_type: oauth
    is_first_party: false
    organization: Acme
    redirect_uris:
      - uri: https://portal.example.com/callback
    scopes: [openid]
  worker:
    name: Worker
    application_type: m2m
    organization: Acme
    scopes: [logs:write]
"""


@pytest.fixture
def admin() -> Client:
    client = Client()
    client.force_login(make_user("ops", role="Admin"))
    return client


@pytest.fixture
def acme():
    organization("Acme")
    return organization("Acme", "production")


def plan(client: Client, text: str = FILE, environment: str = "production", headers=None, **data):
    return client.post(
        f"/{environment}/configuration/plan", {"text": text, **data}, headers=headers or {}
    )


def apply_fields(response) -> dict:
    """The apply form's fields, as the page that showed the plan filled them."""
    form = response.context["apply_form"]
    return {name: form[name].value() for name in ("text", "fingerprint")} | (
        {"prune": "on"} if form["prune"].value() else {}
    )


@pytest.mark.parametrize("role", ["Viewer", "Editor"])
def test_only_admins_may_export_plan_or_apply(acme, role):
    client = Client()
    client.force_login(make_user(f"user-{role}", role=role))

    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}export").status_code == 403
    assert plan(client).status_code == 403
    assert client.post(f"{PAGE}apply", {"text": FILE, "fingerprint": "x"}).status_code == 403
    assert names("production") == []


def test_a_role_granted_in_production_alone_opens_production_alone(acme):
    user = make_user("prod-admin", role="Viewer")
    EnvironmentRole.objects.create(user=user, environment="production", role="Admin")
    client = Client()
    client.force_login(user)

    assert client.get(PAGE).status_code == 200
    assert client.get("/sandbox/configuration/").status_code == 403


def test_the_page_offers_the_export_and_a_file_to_plan(admin, acme):
    response = admin.get(PAGE)

    content = response.content.decode()
    assert response.status_code == 200
    assert 'href="/production/configuration/export?format=yaml"' in content
    assert 'href="/production/configuration/export?format=json"' in content
    assert 'enctype="multipart/form-data"' in content


def test_export_downloads_the_environments_file(admin, acme, tmp_path):
    path = tmp_path / "production.yaml"
    path.write_text(FILE)
    connect("apply", str(path), "--environment", "production", "--yes")

    response = admin.get(f"{PAGE}export?format=json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="connect-production.json"'
    expected, _ = connect("export", "--environment", "production", "--format", "json")
    assert response.content.decode() == expected


def test_the_plan_is_shown_and_nothing_changes_until_it_is_applied(admin, acme):
    response = plan(admin)

    content = response.content.decode()
    assert response.status_code == 200
    assert "2 to create, 0 to change, 0 to delete, 0 unchanged." in content
    assert "To create (2)" in content
    assert "OAuth · third-party" in content
    assert (
        '<code>https://portal.example.com/callback</code> <span class="tag">default</span>'
        in content
    )
    assert "Type <strong>production</strong> to apply these changes to production" in content
    assert "Apply 2 changes to Production" in content
    assert names("production") == []
    assert not AuditEvent.objects.filter(action__in=["create", "update", "delete"]).exists()


def test_an_uploaded_file_is_planned_like_a_pasted_one(admin, acme):
    upload = SimpleUploadedFile("sandbox.yaml", FILE.encode(), content_type="application/yaml")

    response = admin.post(f"{PAGE}plan", {"upload": upload})

    assert response.status_code == 200
    assert response.context["plan"].summary.startswith("2 to create")


def test_applying_asks_for_productions_name_then_applies_the_plan_shown(admin, acme):
    shown = plan(admin)

    refused = admin.post(f"{PAGE}apply", apply_fields(shown) | {"confirm_environment": "prod"})
    assert refused.status_code == 422
    assert "Type “production” to apply these changes to production." in refused.content.decode()
    assert names("production") == []

    applied = admin.post(
        f"{PAGE}apply", apply_fields(shown) | {"confirm_environment": "production"}
    )
    assert applied.status_code == 303
    assert applied["Location"] == PAGE
    assert names("production") == ["Portal", "Worker"]
    page = admin.get(PAGE).content.decode()
    assert "Applied to production: 2 created, 0 changed, 0 deleted." in page
    assert AuditEvent.objects.filter(action="create", username="ops").count() == 2

    again = plan(admin)
    assert "Production already matches the file: there is nothing to apply." in (
        again.content.decode()
    )


def test_the_sandbox_applies_without_typing_its_name(admin, acme):
    shown = plan(admin, environment="sandbox")

    applied = admin.post("/sandbox/configuration/apply", apply_fields(shown), headers=HTMX)

    assert applied.status_code == 200
    assert applied["HX-Redirect"] == "/sandbox/configuration/"
    assert names("sandbox") == ["Portal", "Worker"]


def test_a_plan_the_environment_no_longer_matches_is_shown_again_not_applied(admin, acme):
    shown = plan(admin)
    with partition.override("production"):
        store.application_create(application_type="m2m", name="Worker", organization_id=acme.id)

    response = admin.post(
        f"{PAGE}apply", apply_fields(shown) | {"confirm_environment": "production"}
    )

    assert response.status_code == 409
    content = response.content.decode()
    assert "Production changed since the plan was shown: this is the plan now." in content
    assert "To change (1)" in content
    assert names("production") == ["Worker"]


def test_prune_lists_the_deletions_before_they_are_made(admin, acme):
    with partition.override("production"):
        legacy = store.application_create(
            application_type="oauth", name="Legacy", is_first_party=True
        )

    kept = plan(admin)
    shown = plan(admin, prune="on")

    assert "Not in the file, kept (1)" in kept.content.decode()
    assert f"<code>{legacy.id}</code>" in shown.content.decode()
    assert "To delete (1)" in shown.content.decode()
    admin.post(f"{PAGE}apply", apply_fields(shown) | {"confirm_environment": "production"})
    assert names("production") == ["Portal", "Worker"]


def test_a_bad_file_gets_every_problem_with_its_line_and_changes_nothing(admin, acme):
    text = FILE.replace("[openid]", "[Open ID]")

    response = plan(admin, text, headers=HTMX)

    content = response.content.decode()
    assert response.status_code == 422
    assert (
        "Line 10, <code>applications.portal.scopes[0]</code>: A scope is a permission slug"
        in content
    )
    assert '<section id="outcome"' in content and "<h1>" not in content
    assert names("production") == []


def test_an_unknown_organization_is_a_problem_of_the_plan(admin, acme):
    response = plan(
        admin, FILE.replace("organization: Acme\n    scopes", "organization: Initech\n    scopes")
    )

    content = response.content.decode()
    assert response.status_code == 422
    assert (
        "Line 14, <code>applications.worker.organization</code>: No organization of production "
        "is named “Initech”."
    ) in content
    assert "Apply 1 change" not in content


def test_a_failure_part_way_says_what_was_done_and_planning_again_finishes(admin, acme, sleeps):
    shown = plan(admin, environment="sandbox")

    with faults.injected(script=["POST:ok", "POST:503", "POST:503", "POST:503"]):
        failed = admin.post("/sandbox/configuration/apply", apply_fields(shown))

    content = failed.content.decode()
    assert failed.status_code == 502
    assert "Stopped part-way" in content
    assert "Done (1)" in content and "Created portal (“Portal”)" in content
    assert "Could not create worker (“Worker”)" in content
    assert "Not done (0)" in content
    assert names("sandbox") == ["Portal"]

    again = admin.post("/sandbox/configuration/plan", {"text": FILE})
    assert "1 to create, 0 to change, 0 to delete, 1 unchanged." in again.content.decode()
    admin.post("/sandbox/configuration/apply", apply_fields(again))
    assert names("sandbox") == ["Portal", "Worker"]
    with partition.override("sandbox"):
        assert Application.objects.count() == 2


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_a_paste_too_large_to_read_says_so_as_an_upload_does(acme, headers):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("ops", role="Admin"))
    page = client.get(PAGE)
    token = str(page.context["csrf_token"])
    pasted = FILE + "# " + "x" * 3_000_000 + "\n"

    response = client.post(
        f"{PAGE}plan",
        {"csrfmiddlewaretoken": token, "text": pasted},
        headers={"X-CSRFToken": token, **headers} if headers else {},
    )

    content = response.content.decode()
    assert response.status_code == 413
    assert (
        "The file is larger than 2,000,000 bytes: apply it with `manage.py connect apply`."
        in content
    )
    assert 'role="alert"' in content
    assert ("<h1>" in content) is not bool(headers)
    assert names("production") == []


def test_planning_still_needs_the_pages_csrf_token(acme):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("ops", role="Admin"))

    response = client.post(f"{PAGE}plan", {"text": FILE})

    assert response.status_code == 403


def test_a_pasted_file_naming_one_application_twice_is_refused_with_both_lines(admin, acme):
    text = FILE.replace("name: Worker", "name: Portal")

    response = plan(admin, text)

    content = response.content.decode()
    assert response.status_code == 422
    assert (
        "Line 12, <code>applications.worker.name</code>: “Portal” names two entries, portal "
        "(line 4) and worker (line 12)"
    ) in content
    assert "Or paste it" in content


def test_the_page_says_what_exports_leave_out(admin, acme):
    content = admin.get(PAGE).content.decode()

    assert "the application its staff sign in through, and the test callbacks" in content
    assert "Applying a file leaves both where they are." in content


def test_pruning_on_the_page_leaves_the_dashboards_own_sign_in_alone(admin, acme):
    own = staff_sign_on_client(["http://127.0.0.1:8000/sso/callback"], None)
    EmbeddedSignOn.objects.create(client_id=own.client_id, application_id=own.id)

    response = plan(admin, environment="sandbox", prune="on")

    content = response.content.decode()
    assert response.status_code == 200
    assert "The dashboard's own sign-in, left alone (1)" in content
    assert f"<code>{own.id}</code>" in content
    assert "To delete" not in content
    assert response.context["plan"].summary.startswith("2 to create, 0 to change, 0 to delete")
