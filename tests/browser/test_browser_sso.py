"""Staff single sign-on in Chromium, against the embedded authorization server as quickstart
sets it up: the first sign-in makes the user with the mapped role, a changed mapping changes
the role at the next sign-in, no role is no access (a role in the end user's metadata
included), and password sign-in can be off. The sign-in, no-access and signed-out pages pass
axe-core."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from dashboard.emulator import partition
from dashboard.emulator.models import User as EndUser
from dashboard.emulator.seed import DEMO_PASSWORD, staff_sign_on_client
from dashboard.kernel.models import EmbeddedSignOn
from dashboard.signin.management.commands.quickstart import ensure_staff
from tests.support.browser import axe_violations, describe, sync_api

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(live_server):
    app = staff_sign_on_client([f"{live_server.url}/sso/callback"], None)
    EmbeddedSignOn.objects.create(client_id=app.client_id, application_id=app.id)
    ensure_staff()
    return app


@pytest.fixture
def browser_page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


def sign_on(page, email: str) -> None:
    page.goto("/sandbox/health/")
    page.get_by_role("link", name="Sign in with SSO").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def set_roles(email: str, roles: str) -> None:
    with partition.override(partition.SANDBOX):
        user = EndUser.objects.get(email=email)
        user.metadata = {"roles": roles} if roles else {}
        user.save()


def subject_of(email: str) -> str:
    with partition.override(partition.SANDBOX):
        return EndUser.objects.get(email=email).id


def roles_of(user) -> list[tuple[str, str]]:
    return list(user.environment_roles.values_list("environment", "role"))


def test_a_first_sign_on_then_a_changed_mapping(browser_page, staff, axe_core):
    expect, page = sync_api.expect, browser_page
    page.goto("/login/")
    assert axe_violations(page, axe_core) == [], describe(axe_violations(page, axe_core))

    sign_on(page, "editor@staff.example")

    page.wait_for_url(re.compile(r"/sandbox/health/$"))
    expect(page.get_by_text("Signed in as")).to_contain_text("editor@staff.example")
    expect(page.get_by_role("link", name="New application")).to_be_visible()
    user = get_user_model().objects.get(username="editor@staff.example")
    assert roles_of(user) == [("sandbox", "Editor")]

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login/$"))
    call_command("sso_roles", "grant", "embedded:sandbox", subject_of(user.email), "Viewer")
    sign_on(page, "editor@staff.example")

    page.wait_for_url(re.compile(r"/sandbox/health/$"))
    expect(page.get_by_role("link", name="New application")).to_have_count(0)
    assert roles_of(user) == [("sandbox", "Viewer")]


def test_no_role_is_no_access_whatever_the_metadata_says(browser_page, staff, axe_core):
    expect, page = sync_api.expect, browser_page
    set_roles("guest@staff.example", "admin")

    sign_on(page, "guest@staff.example")

    expect(page.get_by_role("heading", name="No access")).to_be_visible()
    expect(page.get_by_text(subject_of("guest@staff.example")).first).to_be_visible()
    assert axe_violations(page, axe_core) == [], describe(axe_violations(page, axe_core))
    page.goto("/sandbox/applications/")
    page.wait_for_url(re.compile(r"/login/\?next="))
    assert not get_user_model().objects.exists()


def test_with_password_sign_in_off_sso_is_the_way_in(browser_page, staff, settings):
    expect, page = sync_api.expect, browser_page
    settings.DASHBOARD_PASSWORD_LOGIN = False
    get_user_model().objects.create_user("ops", password="an-ops-password-2026")

    page.goto("/login/")

    expect(page.get_by_text("Password sign-in is turned off")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    sign_on(page, "admin@staff.example")
    page.wait_for_url(re.compile(r"/sandbox/health/$"))
    expect(page.get_by_role("link", name="Configuration")).to_be_visible()
