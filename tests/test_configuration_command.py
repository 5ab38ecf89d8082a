"""`manage.py connect export|plan|apply` against the embedded API's two environments."""

import io
from pathlib import Path

import pytest
import respx
import yaml
from django.core.management import CommandError, call_command

from dashboard.audit.models import AuditEvent
from dashboard.configuration import services
from dashboard.emulator import faults, partition, store
from dashboard.emulator.http import api_responded
from dashboard.emulator.models import Application

from .conftest import EMPTY_PAGE

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def connect(*args: str, stdout=None, stderr=None) -> tuple[str, str]:
    out, err = stdout or io.StringIO(), stderr or io.StringIO()
    call_command("connect", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def organization(name: str, environment: str = "sandbox"):
    with partition.override(environment):
        return store.organization_create(name=name, domains=[], metadata={}, external_id=None)


def application(environment: str = "sandbox", **fields):
    with partition.override(environment):
        return store.application_create(**fields)


def names(environment: str) -> list[str]:
    with partition.override(environment):
        return sorted(Application.objects.values_list("name", flat=True))


@pytest.fixture
def requests():
    """The embedded API's answers while the test runs, as "METHOD path"."""
    seen: list[str] = []

    def record(sender, request, response, **kwargs):
        seen.append(f"{request.method} {request.path.removeprefix('/emulator/')}")

    api_responded.connect(record, dispatch_uid="tests.configuration")
    yield seen
    api_responded.disconnect(dispatch_uid="tests.configuration")


@pytest.fixture
def sandbox(db):
    """The sandbox's applications, and organizations of the same names in both environments."""
    acme, globex = organization("Acme"), organization("Globex")
    organization("Acme", "production")
    organization("Globex", "production")
    application(
        application_type="oauth",
        name="Customer Portal",
        description="Sign-in for customers.",
        is_first_party=True,
        uses_pkce=True,
        redirect_uris=[
            {"uri": "https://portal.example.com/callback", "default": True},
            {"uri": "https://staging.portal.example.com/callback", "default": False},
        ],
        cors_origins=["https://portal.example.com"],
        scopes=["openid", "profile"],
    )
    application(
        application_type="oauth",
        name="Partner Sync",
        is_first_party=False,
        organization_id=acme.id,
        redirect_uris=[{"uri": "https://sync.partner.example/cb", "default": True}],
        scopes=["openid"],
    )
    application(
        application_type="m2m",
        name="Billing Worker",
        organization_id=globex.id,
        scopes=["billing:read"],
    )


@pytest.fixture
def exported(sandbox, tmp_path) -> str:
    path = tmp_path / "sandbox.yaml"
    connect("export", "--environment", "sandbox", "-o", str(path))
    return str(path)


# --- export -------------------------------------------------------------------------------


def test_export_writes_every_application_of_every_page_in_one_request_each(
    sandbox, requests, monkeypatch
):
    monkeypatch.setattr(services, "PAGE_SIZE", 2)

    text, _ = connect("export", "--environment", "sandbox")

    data = yaml.safe_load(text)
    assert data["version"] == 1
    assert list(data["applications"]) == ["billing-worker", "customer-portal", "partner-sync"]
    assert data["applications"]["partner-sync"] == {
        "name": "Partner Sync",
        "application_type": "oauth",
        "is_first_party": False,
        "organization": "Acme",
        "uses_pkce": False,
        "redirect_uris": [{"uri": "https://sync.partner.example/cb", "default": True}],
        "cors_origins": [],
        "scopes": ["openid"],
    }
    assert data["applications"]["billing-worker"] == {
        "name": "Billing Worker",
        "application_type": "m2m",
        "organization": "Globex",
        "scopes": ["billing:read"],
    }
    # Two pages of applications and one of organizations.
    assert requests == ["GET connect/applications"] * 2 + ["GET organizations"]


def test_export_writes_no_secret_and_no_id(sandbox):
    with partition.override("sandbox"):
        app = Application.objects.get(name="Partner Sync")
        secret, plaintext = store.client_secret_create(app)

    text, _ = connect("export", "--environment", "sandbox")

    for value in (app.id, app.client_id, app.organization_id, secret.id, plaintext, "sk_"):
        assert value not in text


def test_export_writes_json_to_a_file_and_says_so(sandbox, tmp_path):
    path = tmp_path / "sandbox.json"

    out, err = connect("export", "--environment", "sandbox", "-o", str(path))

    assert out == ""
    assert err == f"Wrote 3 applications of sandbox to {path}.\n"
    assert path.read_text().startswith('{\n  "version": 1,\n  "applications": {\n')


def test_the_progress_bar_shows_on_a_terminal_only(sandbox, monkeypatch):
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    terminal = Terminal()

    _, plain = connect("export", "--environment", "sandbox")
    connect("export", "--environment", "sandbox", stderr=terminal)

    assert plain == ""
    shown = terminal.getvalue()
    assert "\rReading sandbox: 2 applications (1 pages)" in shown
    assert "\rReading sandbox: 3 applications (2 pages)" in shown
    assert shown.endswith("\r")  # The line is cleared at the end.


# --- plan ---------------------------------------------------------------------------------


def test_plan_says_what_it_would_create_and_change_field_by_field_and_changes_nothing(
    exported, requests
):
    application(
        "production",
        application_type="oauth",
        name="Customer Portal",
        description="Old words.",
        is_first_party=True,
        uses_pkce=True,
        redirect_uris=[{"uri": "https://portal.example.com/callback", "default": True}],
        cors_origins=["https://portal.example.com"],
        scopes=["openid", "profile"],
    )
    requests.clear()

    out, _ = connect("plan", exported, "--environment", "production")

    assert '+ create billing-worker (line 5)\n      name: "Billing Worker"\n' in out
    assert '      organization: "Globex"\n' in out
    assert "+ create partner-sync" in out
    assert "~ change customer-portal (line 11), conn_app_" in out
    assert '      description: "Old words." → "Sign-in for customers."\n' in out
    assert (
        "      redirect_uris: https://portal.example.com/callback (default) → "
        "https://portal.example.com/callback (default), "
        "https://staging.portal.example.com/callback\n"
    ) in out
    assert out.endswith("Plan: 2 to create, 1 to change, 0 to delete, 0 unchanged.\n")
    assert names("production") == ["Customer Portal"]
    assert not AuditEvent.objects.exists()
    assert requests == ["GET connect/applications", "GET organizations"]


def test_plan_keeps_what_the_file_does_not_list_unless_asked_to_prune(exported):
    for name in ("Legacy", "Old Admin"):
        application("production", application_type="oauth", name=name, is_first_party=True)

    kept, _ = connect("plan", exported, "--environment", "production")
    pruned, _ = connect("plan", exported, "--environment", "production", "--prune")

    assert "Not in the file, kept (--prune deletes them): “Legacy”, “Old Admin”." in kept
    assert "- delete" not in kept
    assert "- delete “Legacy”, conn_app_" in pruned
    assert "- delete “Old Admin”, conn_app_" in pruned
    assert pruned.endswith("Plan: 3 to create, 0 to change, 2 to delete, 0 unchanged.\n")
    assert names("production") == ["Legacy", "Old Admin"]


# --- apply --------------------------------------------------------------------------------


def test_apply_makes_the_environment_match_and_applying_again_changes_nothing(exported, requests):
    out, _ = connect("apply", exported, "--environment", "production", "--yes")

    assert out.endswith("Applied to production: 3 created, 0 changed, 0 deleted.\n")
    assert names("production") == ["Billing Worker", "Customer Portal", "Partner Sync"]
    events = AuditEvent.objects.filter(action="create")
    assert [event.outcome for event in events] == ["success"] * 3
    assert {event.detail for event in events} == {"Applied from a configuration file"}
    assert events[0].username.endswith("(manage.py connect)")

    requests.clear()
    again, _ = connect("apply", exported, "--environment", "production", "--yes")

    assert "Plan: 0 to create, 0 to change, 0 to delete, 3 unchanged." in again
    assert again.endswith(f"Nothing to do: production already matches {exported}.\n")
    assert requests == ["GET connect/applications", "GET organizations"]
    assert AuditEvent.objects.count() == 3


def test_apply_changes_what_differs_and_prune_deletes_what_the_file_does_not_list(
    exported, tmp_path
):
    connect("apply", exported, "--environment", "production", "--yes")
    application("production", application_type="oauth", name="Legacy", is_first_party=True)
    edited = tmp_path / "edited.yaml"
    text = (
        Path(exported).read_text().replace("- billing:read", "- billing:read\n    - billing:manage")
    )
    edited.write_text(text)

    out, _ = connect("apply", str(edited), "--environment", "production", "--yes", "--prune")

    assert "      scopes: billing:read → billing:read, billing:manage\n" in out
    assert out.endswith("Applied to production: 0 created, 1 changed, 1 deleted.\n")
    assert names("production") == ["Billing Worker", "Customer Portal", "Partner Sync"]
    with partition.override("production"):
        worker = Application.objects.get(name="Billing Worker")
    assert worker.scopes == ["billing:read", "billing:manage"]
    deleted = AuditEvent.objects.get(action="delete")
    assert deleted.application_name == "Legacy" and deleted.snapshot["name"] == "Legacy"


def test_apply_asks_first_and_does_nothing_without_a_yes(exported, monkeypatch):
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="Not applied; nothing was changed."):
        connect("apply", exported, "--environment", "production")
    assert names("production") == []

    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    connect("apply", exported, "--environment", "production")
    assert len(names("production")) == 3


def test_apply_without_a_terminal_to_ask_at_needs_yes(exported, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO())

    with pytest.raises(CommandError, match="confirm with --yes"):
        connect("apply", exported, "--environment", "production")
    assert names("production") == []


def test_a_failure_part_way_says_what_was_done_and_applying_again_finishes(exported, sleeps):
    out = io.StringIO()
    # The first creation goes through; the second fails, retries included.
    with (
        faults.injected(script=["POST:ok", "POST:503", "POST:503", "POST:503"]),
        pytest.raises(CommandError, match="Stopped part-way: 1 of 3 changes made."),
    ):
        connect("apply", exported, "--environment", "production", "--yes", stdout=out)

    report = out.getvalue()
    assert "Done (1):\n  created billing-worker (“Billing Worker”), conn_app_" in report
    assert "Failed: create customer-portal (“Customer Portal”): " in report
    assert "(status 503, request " in report
    assert "No answer said whether the API carried it out" not in report
    assert "  The API answered with an error: it was not done.\n" in report
    assert "Not done (1):\n  create partner-sync (“Partner Sync”)\n" in report
    assert "Apply the same file again to finish" in report
    assert names("production") == ["Billing Worker"]
    assert AuditEvent.objects.filter(action="create", outcome="failed").count() == 1

    again, _ = connect("apply", exported, "--environment", "production", "--yes")

    assert "Plan: 2 to create, 0 to change, 0 to delete, 1 unchanged." in again
    assert again.endswith("Applied to production: 2 created, 0 changed, 0 deleted.\n")
    assert names("production") == ["Billing Worker", "Customer Portal", "Partner Sync"]


def test_a_change_whose_answer_was_lost_is_not_made_twice(exported, sleeps):
    out = io.StringIO()
    # Carried out, but no answer ever arrives, retries included.
    with (
        faults.injected(script=["POST:lost"] * 3),
        pytest.raises(CommandError, match="Stopped part-way: 0 of 3 changes made."),
    ):
        connect("apply", exported, "--environment", "production", "--yes", stdout=out)

    assert "No answer said whether the API carried it out" in out.getvalue()
    assert names("production") == ["Billing Worker"]

    again, _ = connect("apply", exported, "--environment", "production", "--yes")

    assert "Plan: 2 to create, 0 to change, 0 to delete, 1 unchanged." in again
    assert names("production") == ["Billing Worker", "Customer Portal", "Partner Sync"]


def test_export_apply_to_an_empty_environment_export_gives_the_same_file(exported):
    connect("apply", exported, "--environment", "production", "--yes")

    again, _ = connect("export", "--environment", "production")

    assert again == Path(exported).read_text()


def test_applications_of_the_same_name_are_paired_in_order(sandbox, tmp_path):
    for description in ("First.", "Second."):
        application(
            application_type="oauth", name="Twin", description=description, is_first_party=True
        )
    path = tmp_path / "sandbox.yaml"
    connect("export", "--environment", "sandbox", "-o", str(path))
    assert "  twin:\n    name: Twin\n" in path.read_text()
    assert "  twin-2:\n    name: Twin\n" in path.read_text()

    connect("apply", str(path), "--environment", "production", "--yes")
    again, _ = connect("apply", str(path), "--environment", "production", "--yes")

    assert "Plan: 0 to create, 0 to change, 0 to delete, 5 unchanged." in again
    assert connect("export", "--environment", "production")[0] == path.read_text()


# --- Files that cannot be applied ----------------------------------------------------------


def test_an_unknown_organization_is_named_with_its_line_and_nothing_changes(exported, tmp_path):
    path = tmp_path / "renamed.yaml"
    path.write_text(
        Path(exported).read_text().replace("organization: Globex", "organization: Globex Inc")
    )
    out = io.StringIO()

    with pytest.raises(CommandError) as raised:
        connect("apply", str(path), "--environment", "production", "--yes", stdout=out)

    assert str(raised.value) == "The plan has 1 problems (above); nothing was changed."
    assert (
        "Cannot be applied:\n  line 8, applications.billing-worker.organization: No "
        "organization of production is named “Globex Inc”.\n"
    ) in out.getvalue()
    assert names("production") == []


def test_a_malformed_file_says_where_and_changes_nothing(exported, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(Path(exported).read_text().replace("uses_pkce: true", "uses_pkce: maybe"))

    with pytest.raises(CommandError) as raised:
        connect("apply", str(broken), "--environment", "production", "--yes")

    assert str(raised.value) == (
        f"{broken} cannot be applied to production; nothing was changed.\n"
        "  line 16, applications.customer-portal.uses_pkce: Must be true or false."
    )
    assert names("production") == []


def test_a_file_that_production_would_refuse_is_refused_before_any_change(sandbox, tmp_path):
    application(
        application_type="oauth",
        name="Local Dev",
        is_first_party=True,
        redirect_uris=[{"uri": "http://localhost:3000/callback", "default": True}],
    )
    path = tmp_path / "sandbox.yaml"
    connect("export", "--environment", "sandbox", "-o", str(path))
    connect("plan", str(path), "--environment", "sandbox")

    with pytest.raises(CommandError) as raised:
        connect("plan", str(path), "--environment", "production")

    assert "applications.local-dev.redirect_uris[0].uri: Production environments accept " in str(
        raised.value
    )


def test_a_field_set_at_creation_cannot_be_changed_by_a_file(exported):
    application(
        "production",
        application_type="oauth",
        name="Customer Portal",
        is_first_party=True,
        uses_pkce=False,
    )
    out = io.StringIO()

    with pytest.raises(CommandError):
        connect("apply", exported, "--environment", "production", "--yes", stdout=out)

    assert (
        "  line 16, applications.customer-portal.uses_pkce: “uses_pkce” is set when an "
        "application is created and cannot change: “Customer Portal” of production (conn_app_"
    ) in out.getvalue()
    assert names("production") == ["Customer Portal"]


def test_an_unreadable_file_says_so(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        connect("plan", str(tmp_path / "missing.yaml"), "--environment", "sandbox")


def test_apply_shows_a_progress_bar_on_a_terminal(exported):
    terminal = Terminal()

    connect("apply", exported, "--environment", "production", "--yes", stderr=terminal)

    shown = terminal.getvalue()
    assert "\r[##########....................] 1/3 billing-worker (“Billing Worker”)" in shown
    assert "\r[##############################] 3/3 partner-sync (“Partner Sync”)" in shown


# --- Records WorkOS sends that the dashboard cannot read ---------------------------------


@pytest.fixture
def workos(settings):
    settings.WORKOS_API_KEY = "sk_test_faked"
    settings.WORKOS_BASE_URL = "https://api.workos.test"
    with respx.mock(base_url="https://api.workos.test") as mock:
        mock.get("/organizations").respond(json=EMPTY_PAGE)
        mock.get("/connect/applications").respond(
            json=EMPTY_PAGE | {"data": [unreadable_app(1), unreadable_app(2, name=None)]}
        )
        yield mock


def unreadable_app(number: int, **fields) -> dict:
    return {
        "object": "connect_application",
        "id": f"conn_app_01JP8BD0CZ401TDF9X54NT5ZE{number}",
        "client_id": f"client_01JP8BD0CZ401TDF9X54NT5ZE{number}",
        "name": f"Portal {number}",
        "application_type": "oauth",
        "is_first_party": True,
        "created_at": "2026-01-15T12:00:00.000Z",
        "updated_at": "2026-01-15T12:00:00.000Z",
    } | fields


def test_export_writes_nothing_rather_than_a_file_without_an_unreadable_application(
    workos, tmp_path
):
    path = tmp_path / "sandbox.yaml"

    with pytest.raises(CommandError) as raised:
        connect("export", "-o", str(path))

    assert str(raised.value).startswith(
        "1 applications of sandbox could not be read (conn_app_01JP8BD0CZ401TDF9X54NT5ZE2: name: "
    )
    assert not path.exists()


def test_nothing_is_applied_while_an_application_cannot_be_read(workos, tmp_path):
    path = tmp_path / "file.yaml"
    path.write_text("version: 1\napplications: {}\n")
    out = io.StringIO()

    with pytest.raises(CommandError, match="The plan has 1 problems"):
        connect("apply", str(path), "--prune", "--yes", stdout=out)

    assert (
        "Cannot be applied:\n  Application conn_app_01JP8BD0CZ401TDF9X54NT5ZE2 of sandbox could "
        "not be read (name: "
    ) in out.getvalue()
    assert {call.request.method for call in workos.calls} == {"GET"}
