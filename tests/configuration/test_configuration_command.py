"""`manage.py connect export|plan|apply` against the embedded API's two environments."""

import io
from pathlib import Path

import pytest
import respx
import yaml
from django.core.management import CommandError
from django.test import Client

from dashboard.audit.models import AuditEvent
from dashboard.configuration import services
from dashboard.emulator import faults, partition, store
from dashboard.emulator.http import api_responded
from dashboard.emulator.models import Application
from dashboard.emulator.seed import staff_sign_on_client
from dashboard.kernel.models import EmbeddedSignOn
from tests.support import EMPTY_PAGE, make_user
from tests.support.configuration import Terminal, application, connect, names, organization

pytestmark = pytest.mark.django_db


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

    assert out == f"Wrote 3 applications of sandbox to {path}.\n"
    assert err == ""
    assert path.read_text().startswith('{\n  "version": 1,\n  "applications": {\n')


def test_the_progress_bar_shows_on_a_terminal_only(sandbox, monkeypatch):
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    terminal = Terminal()

    _, plain = connect("export", "--environment", "sandbox")
    connect("export", "--environment", "sandbox", stderr=terminal)

    assert plain == ""
    shown = terminal.getvalue()
    assert "\rReading sandbox: 2 applications (1 page)" in shown
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

    assert '+ create billing-worker (line 7)\n      name: "Billing Worker"\n' in out
    assert '      organization: "Globex"\n' in out
    assert "+ create partner-sync" in out
    assert "~ change customer-portal (line 13), conn_app_" in out
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


def test_apply_asks_for_the_environments_name_as_the_page_does(exported, monkeypatch):
    prompts = []
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "yes")

    with pytest.raises(CommandError, match="Not applied: “production” was not typed."):
        connect("apply", exported, "--environment", "production")
    assert prompts == ["Type “production” to apply 3 changes to production: "]
    assert names("production") == []

    monkeypatch.setattr("builtins.input", lambda prompt: "production")
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


def test_an_environment_with_two_applications_of_one_name_is_not_exported(sandbox):
    for description in ("First.", "Second."):
        application(
            application_type="oauth", name="Twin", description=description, is_first_party=True
        )

    with pytest.raises(CommandError) as raised:
        connect("export", "--environment", "sandbox")

    assert str(raised.value).startswith("Applications conn_app_")
    assert "of sandbox are both named “Twin”" in str(raised.value)
    assert str(raised.value).endswith("Rename one, then export again. Nothing was written.")


def test_a_file_naming_one_application_is_paired_with_the_first_of_its_name(sandbox, tmp_path):
    for description in ("First.", "Second."):
        application(
            "production",
            application_type="oauth",
            name="Twin",
            description=description,
            is_first_party=True,
        )
    path = tmp_path / "twin.yaml"
    path.write_text(
        "version: 1\napplications:\n  twin:\n    name: Twin\n    application_type: oauth\n"
        "    is_first_party: true\n    description: Second.\n"
    )

    out, _ = connect("plan", str(path), "--environment", "production")

    assert '      description: "First." → "Second."\n' in out
    assert "Not in the file, kept (--prune deletes them): “Twin”." in out


# --- Files that cannot be applied ----------------------------------------------------------


def test_an_unknown_organization_is_named_with_its_line_and_nothing_changes(exported, tmp_path):
    path = tmp_path / "renamed.yaml"
    path.write_text(
        Path(exported).read_text().replace("organization: Globex", "organization: Globex Inc")
    )
    out = io.StringIO()

    with pytest.raises(CommandError) as raised:
        connect("apply", str(path), "--environment", "production", "--yes", stdout=out)

    assert str(raised.value) == "The plan has 1 problem (above); nothing was changed."
    assert (
        "Cannot be applied:\n  line 10, applications.billing-worker.organization: No "
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
        "  line 18, applications.customer-portal.uses_pkce: Must be true or false."
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
        "  line 18, applications.customer-portal.uses_pkce: “uses_pkce” is set when an "
        "application is created and cannot change: “Customer Portal” of production (conn_app_"
    ) in out.getvalue()
    assert names("production") == ["Customer Portal"]


def test_an_unreadable_file_says_so(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        connect("plan", str(tmp_path / "missing.yaml"), "--environment", "sandbox")


def test_apply_shows_a_progress_bar_on_a_terminal(exported):
    terminal = Terminal()

    connect("apply", exported, "--environment", "production", "--yes", stdout=terminal)

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
        "1 application of sandbox could not be read (conn_app_01JP8BD0CZ401TDF9X54NT5ZE2: name: "
    )
    assert not path.exists()


def test_nothing_is_applied_while_an_application_cannot_be_read(workos, tmp_path):
    path = tmp_path / "file.yaml"
    path.write_text("version: 1\napplications: {}\n")
    out = io.StringIO()

    with pytest.raises(CommandError, match="The plan has 1 problem "):
        connect("apply", str(path), "--prune", "--yes", stdout=out)

    assert (
        "Cannot be applied:\n  Application conn_app_01JP8BD0CZ401TDF9X54NT5ZE2 of sandbox could "
        "not be read (name: "
    ) in out.getvalue()
    assert {call.request.method for call in workos.calls} == {"GET"}


# --- Reading a file: every problem at once, YAML 1.2 ------------------------------------


def test_every_problem_of_a_file_is_reported_in_one_run(tmp_path):
    path = tmp_path / "five.yaml"
    path.write_text(
        "version: 1\n"
        "applications:\n"
        "  portal:\n"
        "    name: Portal\n"
        "    application_type: oauth\n"
        "    is_first_party: yes\n"
        "    redirect_uris:\n"
        "      - uri: javascript:alert(1)\n"
        "    scopes: [Open ID]\n"
        "    colour: blue\n"
        "  portal-two:\n"
        "    name: Portal\n"
        "    application_type: m2m\n"
        "    organization: Acme\n"
        "    scopes: []\n"
        "    scopes: [openid]\n"
    )

    with pytest.raises(CommandError) as raised:
        connect("plan", str(path), "--environment", "sandbox")

    lines = str(raised.value).splitlines()
    assert lines[0] == f"{path} cannot be applied to sandbox; nothing was changed."
    assert [line.split(":")[0] for line in lines[1:]] == [
        "  line 6, applications.portal.is_first_party",
        "  line 8, applications.portal.redirect_uris[0].uri",
        "  line 9, applications.portal.scopes[0]",
        "  line 10, applications.portal.colour",
        "  line 12, applications.portal-two.name",
        "  line 16, applications.portal-two.scopes",
    ]
    assert "“yes” is text here, as YAML 1.2 reads it: write true or false." in lines[1]
    assert "“scopes” is written twice (first on line 15)." in lines[6]


def test_two_entries_of_one_name_are_refused_naming_both_lines(exported, tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text(
        Path(exported).read_text().replace("name: Partner Sync", "name: Customer Portal")
    )

    with pytest.raises(CommandError) as raised:
        connect("apply", str(path), "--environment", "production", "--yes")

    assert str(raised.value).splitlines()[1:] == [
        "  line 29, applications.partner-sync.name: “Customer Portal” names two entries, "
        "customer-portal (line 14) and partner-sync (line 29): applications are matched by "
        "name, so each entry needs a name of its own."
    ]
    assert names("production") == []


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "Yes", "OFF"])
def test_yes_no_on_and_off_are_text_not_booleans(exported, tmp_path, word):
    path = tmp_path / "words.yaml"
    text = Path(exported).read_text()
    path.write_text(text.replace("uses_pkce: true", f"uses_pkce: {word}", 1))
    named = tmp_path / "named.yaml"
    named.write_text(text.replace("name: Billing Worker", f"name: {word}"))

    with pytest.raises(CommandError) as raised:
        connect("plan", str(path), "--environment", "production")
    out, _ = connect("plan", str(named), "--environment", "production")

    assert f"line 18, applications.customer-portal.uses_pkce: Must be true or false. “{word}”" in (
        str(raised.value)
    )
    assert f'      name: "{word}"\n' in out


# --- What the command says, and where ----------------------------------------------------


def test_plan_and_apply_say_everything_on_standard_output_and_nothing_as_an_error(exported):
    terminal = Terminal()

    out, err = connect("apply", exported, "--environment", "production", "--yes", stdout=terminal)

    assert err == ""
    shown = terminal.getvalue()
    assert "\rReading production: 0 applications (1 page)" in shown
    assert "Plan: 3 to create, 0 to change, 0 to delete, 0 unchanged.\n" in shown
    assert shown.endswith("Applied to production: 3 created, 0 changed, 0 deleted.\n")


def test_an_export_to_standard_output_leaves_it_to_the_file(sandbox, monkeypatch):
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    terminal = Terminal()

    out, _ = connect("export", "--environment", "sandbox", stderr=terminal)

    assert yaml.safe_load(out)["version"] == 1
    assert "\rReading sandbox: 3 applications (2 pages)" in terminal.getvalue()


def test_non_ascii_text_is_written_as_it_is(sandbox, tmp_path):
    application(application_type="oauth", name="Clinic 🏥 Zürich", is_first_party=True)
    path = tmp_path / "sandbox.yaml"

    connect("export", "--environment", "sandbox", "-o", str(path))
    json_text, _ = connect("export", "--environment", "sandbox", "--format", "json")

    assert "    name: Clinic 🏥 Zürich\n" in path.read_text(encoding="utf-8")
    assert '"name": "Clinic 🏥 Zürich"' in json_text
    assert "\\U" not in path.read_text(encoding="utf-8")
    again, _ = connect("plan", str(path), "--environment", "sandbox")
    assert "Plan: 0 to create, 0 to change, 0 to delete, 4 unchanged." in again


# --- What is the dashboard's own: test callbacks, staff sign-in --------------------------


def try_sign_in_callback_added(name: str) -> str:
    """The test callback of "Try the sign-in", added as an Admin does on the dashboard."""
    with partition.override("sandbox"):
        app = Application.objects.get(name=name)
    admin = Client(HTTP_HOST="127.0.0.1")
    admin.force_login(make_user("ops", role="Admin"))
    added = admin.post(f"/sandbox/applications/{app.id}/try-sign-in/callback/add")
    assert added.status_code == 303
    return f"http://127.0.0.1/sandbox/applications/{app.id}/try-sign-in/callback"


def test_exports_leave_out_the_test_callback_and_applying_them_keeps_it(sandbox, tmp_path):
    callback = try_sign_in_callback_added("Customer Portal")
    path = tmp_path / "sandbox.yaml"

    connect("export", "--environment", "sandbox", "-o", str(path))
    text = path.read_text()
    again, _ = connect("apply", str(path), "--environment", "sandbox", "--yes")
    connect("apply", str(path), "--environment", "production", "--yes")

    assert "try-sign-in" not in text.split("version: 1")[1]
    assert "# Left out: the dashboard's own staff sign-in application and the test callbacks\n" in (
        text
    )
    assert "Plan: 0 to create, 0 to change, 0 to delete, 3 unchanged." in again
    with partition.override("sandbox"):
        held = Application.objects.get(name="Customer Portal").redirect_uris
    assert [entry["uri"] for entry in held][-1] == callback
    with partition.override("production"):
        copied = Application.objects.get(name="Customer Portal").redirect_uris
    assert [entry["uri"] for entry in copied] == [
        "https://portal.example.com/callback",
        "https://staging.portal.example.com/callback",
    ]


def test_a_file_that_drops_a_redirect_uri_keeps_the_test_callback_in_its_place(sandbox, tmp_path):
    callback = try_sign_in_callback_added("Customer Portal")
    path = tmp_path / "sandbox.yaml"
    connect("export", "--environment", "sandbox", "-o", str(path))
    kept = [line for line in path.read_text().splitlines(True) if "staging" not in line]
    path.write_text("".join(kept))

    out, _ = connect("apply", str(path), "--environment", "sandbox", "--yes")

    assert "Applied to sandbox: 0 created, 1 changed, 0 deleted." in out
    with partition.override("sandbox"):
        held = Application.objects.get(name="Customer Portal").redirect_uris
    assert held == [
        {"uri": "https://portal.example.com/callback", "default": True},
        {"uri": callback, "default": False},
    ]


@pytest.fixture
def staff_sign_on(sandbox):
    """The sandbox's application for the dashboard's staff sign-in, as quickstart makes it."""
    app = staff_sign_on_client(["http://127.0.0.1:8000/sso/callback"], None)
    EmbeddedSignOn.objects.create(client_id=app.client_id, application_id=app.id)
    return app


def test_exports_leave_out_the_dashboards_own_sign_in_application(staff_sign_on):
    out, err = connect("export", "--environment", "sandbox")

    assert staff_sign_on.name not in out
    assert list(yaml.safe_load(out)["applications"]) == [
        "billing-worker",
        "customer-portal",
        "partner-sync",
    ]
    assert err == (
        f"Not exported: {staff_sign_on.id} (“{staff_sign_on.name}”) is the application the "
        "dashboard's staff sign in through: no other environment is to get it.\n"
    )


def test_pruning_never_deletes_the_dashboards_own_sign_in_application(staff_sign_on, tmp_path):
    path = tmp_path / "sandbox.yaml"
    connect("export", "--environment", "sandbox", "-o", str(path))

    out, _ = connect("apply", str(path), "--environment", "sandbox", "--prune", "--yes")

    assert (
        f"Left alone: “{staff_sign_on.name}”, {staff_sign_on.id}, the application the "
        "dashboard's staff sign in through (never deleted, --prune or not)."
    ) in out
    assert "Plan: 0 to create, 0 to change, 0 to delete, 3 unchanged." in out
    assert staff_sign_on.name in names("sandbox")
