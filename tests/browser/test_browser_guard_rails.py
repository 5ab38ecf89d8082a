"""Production guard rails in Chromium: refused until the environment's name is typed, the
refusal focused and tied to its box, and no axe-core violation, in light and dark mode."""

import re

import pytest

from dashboard.emulator import partition, store
from dashboard.emulator.models import Application
from tests.support.browser import axe_violations, describe, signed_in_by_cookie, sync_api

pytestmark = pytest.mark.django_db(transaction=True)

expect = sync_api.expect


@pytest.fixture
def live_app():
    with partition.override("production"):
        return store.application_create(
            application_type="oauth",
            name="Customer Portal",
            is_first_party=True,
            scopes=["openid"],
            redirect_uris=[{"uri": "https://portal.example.com/cb", "default": True}],
        )


def stored(app) -> Application | None:
    with partition.override("production"):
        return Application.objects.filter(id=app.id).first()


def assert_no_violation(page, axe_core, what: str) -> None:
    violations = axe_violations(page, axe_core)
    assert not violations, f"axe-core on {what}:\n{describe(violations)}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_deleting_in_production_needs_the_environments_name(
    scheme, chromium, live_server, axe_core, live_app
):
    page = signed_in_by_cookie(chromium, live_server, color_scheme=scheme)
    try:
        page.goto(f"/production/applications/{live_app.id}/delete")
        box = page.get_by_label("Type production, this environment’s name, to confirm deleting")
        assert_no_violation(page, axe_core, f"the production delete page ({scheme})")

        page.get_by_label("Type Customer Portal to confirm").fill("Customer Portal")
        page.get_by_role("button", name="Delete this application").click()

        message = "This is Production: type production as well to confirm deleting the application."
        expect(box).to_be_focused()
        expect(box).to_have_attribute("aria-invalid", "true")
        expect(box).to_have_accessible_description(message)
        expect(page.get_by_label("Type Customer Portal to confirm")).to_have_value(
            "Customer Portal"
        )
        assert stored(live_app) is not None
        assert_no_violation(page, axe_core, f"the refused production delete ({scheme})")

        box.fill("production")
        page.get_by_role("button", name="Delete this application").click()

        page.wait_for_url(re.compile(r"/production/applications/$"))
        expect(page.get_by_role("status").first).to_contain_text("Deleted “Customer Portal”")
        assert stored(live_app) is None
    finally:
        page.context.close()


def test_changing_redirect_uris_in_production_needs_the_environments_name(
    chromium, live_server, axe_core, live_app
):
    page = signed_in_by_cookie(chromium, live_server)
    try:
        page.goto(f"/production/applications/{live_app.id}/edit")
        page.get_by_role("button", name="Add a redirect URI").click()
        page.get_by_role("textbox", name="Redirect URI 2").fill("https://new.example.com/cb")
        page.get_by_role("button", name="Save changes").click()

        box = page.get_by_label(re.compile(r"^Type production, .* changing the redirect URIs$"))
        expect(page.get_by_role("alert").first).to_contain_text("Nothing was saved.")
        expect(box).to_have_attribute("aria-invalid", "true")
        expect(box).to_have_accessible_description(
            "Needed only when the redirect URIs change. This is Production: type production "
            "as well to confirm changing the redirect URIs."
        )
        # Swapped in by HTMX with what was typed.
        expect(page.get_by_role("textbox", name="Redirect URI 2")).to_have_value(
            "https://new.example.com/cb"
        )
        assert len(stored(live_app).redirect_uris) == 1
        assert_no_violation(page, axe_core, "the refused production edit")

        box.fill("production")
        page.get_by_role("button", name="Save changes").click()

        page.wait_for_url(re.compile(rf"/production/applications/{live_app.id}/$"))
        assert [entry["uri"] for entry in stored(live_app).redirect_uris] == [
            "https://portal.example.com/cb",
            "https://new.example.com/cb",
        ]
    finally:
        page.context.close()
