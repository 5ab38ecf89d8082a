"""Roles per environment: a role everywhere (the user's groups), a role in one environment
in its place there, superusers Admins everywhere; and the `roles` command that grants them."""

from io import StringIO

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from dashboard import environments
from dashboard.emulator import partition, store
from dashboard.kernel.models import EnvironmentRole
from dashboard.kernel.roles import CHANGE, DELETE, SECRETS, VIEW
from tests.support import make_user

pytestmark = pytest.mark.django_db


def perms_in(user, environment: str) -> set[str]:
    with environments.override(environment):
        return {perm for perm in (VIEW, CHANGE, DELETE, SECRETS) if user.has_perm(perm)}


def grant(user, environment: str, role: str) -> None:
    EnvironmentRole.objects.create(user=user, environment=environment, role=role)


def test_a_role_everywhere_is_the_role_in_every_environment():
    user = make_user("ops", role="Editor")

    assert perms_in(user, "sandbox") == perms_in(user, "production") == {VIEW, CHANGE}


def test_a_role_in_one_environment_takes_the_place_of_the_role_everywhere_there_only():
    user = make_user("ops", role="Editor")
    grant(user, "production", "Viewer")

    assert perms_in(user, "sandbox") == {VIEW, CHANGE}
    assert perms_in(user, "production") == {VIEW}


def test_a_role_in_one_environment_only_gives_nothing_elsewhere():
    user = make_user("ops", role=None)
    grant(user, "sandbox", "Admin")

    assert perms_in(user, "sandbox") == {VIEW, CHANGE, DELETE, SECRETS}
    assert perms_in(user, "production") == set()


def test_superusers_are_admins_everywhere_whatever_they_were_granted():
    user = get_user_model().objects.create_superuser("root", password="x" * 12)
    grant(user, "production", "Viewer")

    assert perms_in(user, "production") == {VIEW, CHANGE, DELETE, SECRETS}
    assert user.get_all_permissions() >= {VIEW, CHANGE, DELETE, SECRETS}


def test_inactive_users_have_no_permission_anywhere():
    user = make_user("ops", role="Admin")
    grant(user, "sandbox", "Admin")
    user.is_active = False

    assert perms_in(user, "sandbox") == perms_in(user, "production") == set()


def test_a_role_in_an_environment_no_longer_configured_gives_nothing():
    user = make_user("ops", role=None)
    grant(user, "staging", "Admin")

    assert perms_in(user, "sandbox") == perms_in(user, "production") == set()


def test_one_user_object_answers_for_each_environment_and_asks_the_database_once_each(
    django_assert_num_queries,
):
    """ModelBackend caches one set of permissions per user object; a request that asks
    about another environment (a link into it) must not get the first one's answer."""
    user = make_user("ops", role="Editor")
    grant(user, "production", "Viewer")
    user = get_user_model().objects.get(pk=user.pk)

    assert perms_in(user, "production") == {VIEW}
    assert perms_in(user, "sandbox") == {VIEW, CHANGE}
    with django_assert_num_queries(0):
        assert perms_in(user, "production") == {VIEW}
        assert perms_in(user, "sandbox") == {VIEW, CHANGE}
        with environments.override("production"):
            assert user.get_all_permissions() == {VIEW}


def test_the_async_checks_answer_for_the_current_environment_too():
    user = make_user("ops", role="Editor")
    grant(user, "production", "Viewer")

    with environments.override("production"):
        assert async_to_sync(user.ahas_perm)(VIEW)
        assert not async_to_sync(user.ahas_perm)(CHANGE)
    with environments.override("sandbox"):
        assert async_to_sync(user.ahas_perm)(CHANGE)


def test_pages_show_only_what_the_role_in_their_environment_allows():
    user = make_user("ops", role="Editor")
    grant(user, "production", "Viewer")
    apps = {}
    for environment in ("sandbox", "production"):
        with partition.override(environment):
            apps[environment] = store.application_create(
                application_type="oauth", name="Portal", is_first_party=True
            )
    client = Client()
    client.force_login(user)

    sandbox = client.get(f"/sandbox/applications/{apps['sandbox'].id}/").content.decode()
    production = client.get(f"/production/applications/{apps['production'].id}/").content.decode()

    assert "Edit</a>" in sandbox and "New application" in sandbox
    assert "Edit</a>" not in production and "New application" not in production


# --- The roles command ------------------------------------------------------------------------


def roles(*args: str) -> str:
    out = StringIO()
    call_command("roles", *args, stdout=out)
    return out.getvalue()


def test_the_roles_command_grants_a_role_in_one_environment():
    user = make_user("alice", role="Editor")

    assert roles("grant", "alice", "Viewer", "--environment", "production") == (
        "alice is now Viewer in production.\n"
    )
    assert perms_in(get_user_model().objects.get(pk=user.pk), "production") == {VIEW}

    # A second grant there replaces the first: one role per environment.
    roles("grant", "alice", "Admin", "--environment", "production")
    assert list(EnvironmentRole.objects.values_list("environment", "role")) == [
        ("production", "Admin")
    ]


def test_the_roles_command_removes_a_role_in_one_environment_and_says_what_is_left():
    make_user("alice", role="Editor")
    roles("grant", "alice", "Viewer", "--environment", "production")

    removed = roles("remove", "alice", "Viewer", "--environment", "production")
    again = roles("remove", "alice", "Viewer", "--environment", "production")

    assert removed == (
        "alice is no longer Viewer in production; their role there is now Editor (everywhere).\n"
    )
    assert again == "alice was not Viewer in production: nothing changed.\n"
    assert not EnvironmentRole.objects.exists()


def test_the_roles_command_lists_roles_everywhere_and_per_environment():
    make_user("alice", role="Editor")
    make_user("bob", role=None)
    get_user_model().objects.create_superuser("root", password="x" * 12)
    roles("grant", "alice", "Viewer", "--environment", "production")
    roles("grant", "bob", "Admin", "--environment", "sandbox")

    assert roles("list") == (
        "alice: Editor, Viewer in production\nbob: Admin in sandbox\nroot: Admin (superuser)\n"
    )
    assert roles("list", "--environment", "production") == (
        "Roles in production:\n"
        "alice: Viewer (in production)\n"
        "bob: no role\n"
        "root: Admin (superuser)\n"
    )
    assert roles("list", "--environment", "sandbox").splitlines()[1:3] == [
        "alice: Editor (everywhere)",
        "bob: Admin (in sandbox)",
    ]


def test_the_roles_command_marks_roles_in_environments_no_longer_configured():
    user = make_user("alice", role=None)
    grant(user, "staging", "Editor")

    assert roles("list") == "alice: Editor in staging (not configured)\n"


def test_a_grant_left_in_an_environment_no_longer_configured_can_be_removed():
    user = make_user("alice", role=None)
    grant(user, "staging", "Editor")

    roles("remove", "alice", "Editor", "--environment", "staging")

    assert not EnvironmentRole.objects.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("grant", "alice", "Editor", "--environment", "staging"),
        ("remove", "alice", "Editor", "--environment", "staging"),
        ("list", "--environment", "staging"),
    ],
)
def test_the_roles_command_refuses_an_unknown_environment_and_changes_nothing(args):
    make_user("alice", role=None)

    with pytest.raises(CommandError) as refused:
        roles(*args)

    assert str(refused.value) == (
        "No environment named 'staging': the environments are sandbox, production."
    )
    assert not EnvironmentRole.objects.exists()


def test_granting_a_role_to_nobody_says_how_to_create_the_user():
    with pytest.raises(CommandError, match="No user named 'olivia'. Add --create"):
        call_command("roles", "grant", "olivia", "Viewer")

    assert not get_user_model().objects.filter(username="olivia").exists()


def test_the_roles_command_creates_the_user_with_a_password_printed_once(monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO(""))  # not a terminal: nobody to ask
    out = StringIO()

    call_command(
        "roles", "grant", "olivia", "Viewer", "--create", "--email", "o@ops.example", stdout=out
    )

    password = out.getvalue().split("shown this once: ")[1].split()[0]
    olivia = get_user_model().objects.get(username="olivia")
    assert olivia.email == "o@ops.example" and olivia.check_password(password)
    assert "olivia is now Viewer." in out.getvalue()
    browser = Client()
    signed_in = browser.post("/login/", {"username": "olivia", "password": password})
    assert signed_in.status_code == 302
    page = browser.get("/sandbox/applications/")
    assert page.status_code == 200 and "New application" not in page.content.decode()


def test_on_a_terminal_the_password_is_asked_twice_and_checked(monkeypatch):
    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter(["short", "short", "a-long-enough-passphrase", "a-long-enough-passphrase"])
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    out, err = StringIO(), StringIO()

    call_command(
        "roles", "grant", "olivia", "Editor", "--create", "--environment", "sandbox",
        stdout=out, stderr=err,
    )  # fmt: skip

    olivia = get_user_model().objects.get(username="olivia")
    assert olivia.check_password("a-long-enough-passphrase")
    assert "too short" in err.getvalue() and "a-long-enough-passphrase" not in out.getvalue()
    assert EnvironmentRole.objects.get(user=olivia).role == "Editor"
