"""Promotion against the embedded API's two environments: the preview of a copy to
production with what production refuses, values replaced and dropped, organizations matched
by name, the link on both sides, drift field by field, the differences applied either way,
a deleted counterpart, and the roles it takes."""

import re
from html import unescape

import pytest
from django.test import Client

from dashboard import connect, environments
from dashboard.audit.models import AuditEvent
from dashboard.connect import errors
from dashboard.emulator import partition, store
from dashboard.emulator.models import Application
from dashboard.kernel.models import EnvironmentRole
from dashboard.promotion.models import Promotion
from tests.support import ApiClient, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
LOCALHOST = "http://localhost:3000/callback"
PORTAL = "https://portal.example.com/callback"
STAGING = "https://staging.portal.example.com/callback"
RULE = "Production environments accept only https redirect URIs and no localhost."


@pytest.fixture
def production() -> ApiClient:
    """A client of the embedded API's production environment."""
    return ApiClient("sk_live_emulator")


@pytest.fixture
def portal():
    return store.application_create(
        application_type="oauth",
        name="Customer Portal",
        description="Sign-in for customers.",
        is_first_party=True,
        uses_pkce=True,
        scopes=["openid", "email"],
        redirect_uris=[{"uri": LOCALHOST, "default": True}, {"uri": PORTAL, "default": False}],
        cors_origins=["https://portal.example.com"],
    )


def promote_url(app) -> str:
    return f"/production/applications/promote/sandbox/{app.id}"


def production_apps() -> list[Application]:
    with partition.override("production"):
        return list(Application.objects.all())


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a page, as its form would post them."""
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    return {name: unescape(value) for name, value in found}


def preview(browser, url: str) -> dict[str, str]:
    response = browser.get(url)
    assert response.status_code == 200
    return hidden_fields(response.content.decode())


def promote(browser, app, **fields) -> tuple:
    """Open the preview, then confirm it with `fields` (replacements by default empty)."""
    data = preview(browser, promote_url(app)) | fields
    return browser.post(promote_url(app), data), data


def promoted(browser, app) -> Promotion:
    response, _ = promote(browser, app)
    assert response.status_code == 303, response.content.decode()[:2000]
    return Promotion.objects.get()


def apply_url(environment: str, application_id: str, promotion: Promotion) -> str:
    return f"/{environment}/applications/{application_id}/promotions/{promotion.pk}/apply"


def production_app(promotion: Promotion) -> Application:
    with partition.override("production"):
        return store.application_get(promotion.target_application_id)


# --- The preview ---------------------------------------------------------------------------------


def test_the_preview_shows_every_field_and_what_production_refuses_with_the_rule(
    browser, portal, production
):
    response = browser.get(promote_url(portal))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Copy “Customer Portal” from Sandbox to Production" in page
    for label in ("Name", "Description", "PKCE", "Redirect URIs", "CORS origins", "Scopes"):
        assert f'<th scope="row">{label}</th>' in page
    assert "Production refuses 1 value that Sandbox accepts" in page
    assert LOCALHOST in page and RULE in page
    assert "Replace it with" in page and "leave empty to drop it" in page
    assert "Client secrets are never copied" in page
    assert "<title>PRODUCTION · " in page  # The page is the target's.
    # Nothing is sent until the admin confirms.
    assert production_apps() == []
    assert production.get("connect/applications").json()["data"] == []


def test_confirming_drops_a_refused_value_left_empty(browser, portal):
    response, _ = promote(browser, portal)

    promotion = Promotion.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/production/applications/promotions/{promotion.pk}/"
    created = production_app(promotion)
    assert created.name == "Customer Portal"
    assert created.redirect_uris == [{"uri": PORTAL, "default": True}]
    assert created.cors_origins == ["https://portal.example.com"]
    assert created.uses_pkce and created.is_first_party
    assert created.scopes == ["openid", "email"]
    assert (promotion.source_environment, promotion.source_application_id) == (
        "sandbox",
        portal.id,
    )
    assert promotion.target_environment == "production"
    assert promotion.promoted_by_username == "ops"
    assert promotion.adjustments == [
        {"field": "redirect_uris", "value": LOCALHOST, "replacement": None}
    ]
    event = AuditEvent.objects.get(action="create")
    assert event.application_id == created.id and event.outcome == "success"
    assert event.detail == f"Promoted from Sandbox’s “Customer Portal” ({portal.id})"


def test_the_result_page_says_secrets_are_not_copied_and_links_to_create_one(browser, portal):
    promotion = promoted(browser, portal)

    page = browser.get(f"/production/applications/promotions/{promotion.pk}/").content.decode()

    assert "Client secrets are never copied" in page
    target = f"/production/applications/{promotion.target_application_id}/"
    assert f'<form method="post" action="{target}secrets/new">' in page
    assert "Create its client secret in Production</button>" in page
    assert f'href="/sandbox/applications/{portal.id}/"' in page
    assert f"<code>{LOCALHOST}</code> was dropped" in page
    assert production_app(promotion).client_secrets.count() == 0


def test_the_result_pages_button_creates_the_secret_once_and_shows_it(browser, portal):
    promotion = promoted(browser, portal)
    page = browser.get(f"/production/applications/promotions/{promotion.pk}/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page)[1]
    create = f"/production/applications/{promotion.target_application_id}/secrets/new"

    shown = browser.post(create, {"token": token})
    again = browser.post(create, {"token": token})

    assert shown.status_code == 200 and "Copy this secret now." in shown.content.decode()
    assert again.status_code == 303
    with partition.override("production"):
        assert production_app(promotion).client_secrets.count() == 1


def test_who_may_not_create_secrets_is_told_who_can(browser, portal):
    promotion = promoted(browser, portal)
    editor = Client()
    editor.force_login(make_user("ed", role="Editor"))

    page = editor.get(f"/production/applications/promotions/{promotion.pk}/").content.decode()

    assert "An Admin of Production creates it in" in page and "secrets/new" not in page


def test_a_replacement_takes_the_refused_values_place(browser, portal):
    response, _ = promote(browser, portal, **{"refused-0-replacement": STAGING})

    assert response.status_code == 303
    created = production_app(Promotion.objects.get())
    assert created.redirect_uris == [
        {"uri": STAGING, "default": True},
        {"uri": PORTAL, "default": False},
    ]


def test_a_replacement_production_refuses_too_is_refused_with_the_rule(browser, portal):
    response, _ = promote(browser, portal, **{"refused-0-replacement": "http://127.0.0.1:9000/cb"})

    page = response.content.decode()
    assert response.status_code == 422
    assert RULE in page
    assert 'value="http://127.0.0.1:9000/cb"' in page  # The form as the admin left it.
    assert "Nothing was sent to Production" in page
    assert production_apps() == [] and not Promotion.objects.exists()


def test_an_htmx_confirm_swaps_the_form_or_redirects(browser, portal):
    data = preview(browser, promote_url(portal))
    refused = browser.post(
        promote_url(portal), data | {"refused-0-replacement": "ftp://x"}, headers=HTMX
    )
    assert refused.status_code == 422
    assert refused.content.decode().startswith('\n<form id="promotion-form"')

    done = browser.post(promote_url(portal), data, headers=HTMX)
    assert done.status_code == 200
    assert done["HX-Redirect"].startswith("/production/applications/promotions/")


def test_a_double_submit_makes_one_application_and_one_link(browser, portal):
    data = preview(browser, promote_url(portal))

    first = browser.post(promote_url(portal), data)
    second = browser.post(promote_url(portal), data)

    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert len(production_apps()) == 1 and Promotion.objects.count() == 1


def test_a_preview_of_a_version_changed_since_is_shown_again_not_sent(browser, portal, api):
    data = preview(browser, promote_url(portal))
    api.put(f"connect/applications/{portal.id}", {"name": "Customer Portal 2"})

    response = browser.post(promote_url(portal), data)

    page = response.content.decode()
    assert response.status_code == 409
    assert "changed in Sandbox since this preview was opened" in page
    assert "Customer Portal 2" in page
    assert production_apps() == []


def test_a_refusal_by_the_target_api_is_shown_with_the_form_kept(browser, portal, monkeypatch):
    def refuse(**kwargs):
        raise errors.UnprocessableEntityError(
            "Validation failed.",
            status=422,
            errors=[errors.FieldError("scopes[0]", "invalid", "Unknown scope in production.")],
        )

    data = preview(browser, promote_url(portal))
    monkeypatch.setattr(connect, "application_create", refuse)
    response = browser.post(promote_url(portal), data | {"refused-0-replacement": STAGING})

    page = response.content.decode()
    assert response.status_code == 422
    assert "Unknown scope in production." in page and "Validation failed." in page
    assert f'value="{STAGING}"' in page
    assert not Promotion.objects.exists()
    assert AuditEvent.objects.get(action="create").outcome == "refused"


def test_an_application_already_copied_says_so(browser, portal):
    promotion = promoted(browser, portal)

    page = browser.get(promote_url(portal)).content.decode()

    assert "Already copied to Production as" in page
    assert promotion.target_application_id in page


# --- Organizations -------------------------------------------------------------------------------


@pytest.fixture
def worker():
    acme = store.organization_create(name="Acme", domains=[], metadata={}, external_id=None)
    return store.application_create(
        application_type="m2m", name="Billing worker", organization_id=acme.id, scopes=["x:y"]
    )


def production_organization(production, name: str) -> str:
    return production.post("organizations", {"name": name}).json()["id"]


def test_an_organization_is_matched_by_name_across_environments(browser, worker, production):
    production_organization(production, "Globex")
    acme = production_organization(production, "Acme")

    page = browser.get(promote_url(worker)).content.decode()
    assert "Matched by name: Production has one organization named “Acme”." in page
    assert 'name="organization_id" value="Acme"' in page
    response, _ = promote(browser, worker, organization_id="Acme")

    assert response.status_code == 303
    created = production_app(Promotion.objects.get())
    assert created.application_type == "m2m" and created.organization_id == acme


def test_an_organization_production_lacks_is_chosen_from_productions(browser, worker, production):
    globex = production_organization(production, "Globex")

    page = browser.get(promote_url(worker)).content.decode()
    assert "No organization in Production is named “Acme”: create it below, or choose" in page
    assert 'name="organization_id" value="Acme"' in page
    assert "Create the organization “Acme”" in page  # one click, from the page as it opens
    missing, data = promote(browser, worker)
    assert missing.status_code == 422
    assert "Choose the organization it belongs to in Production." in missing.content.decode()

    chosen = browser.post(promote_url(worker), data | {"organization_id": "Globex"})

    assert chosen.status_code == 303
    assert production_app(Promotion.objects.get()).organization_id == globex


# --- The link, drift, and applying the differences -------------------------------------------


def test_both_applications_pages_show_the_link(browser, portal):
    promotion = promoted(browser, portal)
    target = promotion.target_application_id

    source_page = browser.get(f"/sandbox/applications/{portal.id}/").content.decode()
    target_page = browser.get(f"/production/applications/{target}/").content.decode()

    assert f"Promoted to Production as <code>{target}</code>" in source_page
    assert f"Promoted from Sandbox, where it is <code>{portal.id}</code>" in target_page
    for page, application_id in ((source_page, portal.id), (target_page, target)):
        assert (
            f'hx-get="/{"sandbox" if page is source_page else "production"}/applications/' in page
        )
        assert f"/applications/{application_id}/promotions" in page


def test_just_after_a_copy_the_two_are_in_step_apart_from_the_expected(browser, portal):
    promoted(browser, portal)

    response = browser.get(f"/sandbox/applications/{portal.id}/promotions", headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="promotion"')  # The partial alone.
    assert "In step" in page and "apart from differences the environments’ rules call for" in page
    assert '<span class="tag">Expected</span>' in page
    assert f"Production refuses it: {RULE}" in page
    assert "Apply these differences" not in page and "values here" not in page


def drifted_portal(browser, portal, api) -> Promotion:
    promotion = promoted(browser, portal)
    api.put(
        f"connect/applications/{portal.id}",
        {"description": "Changed in the sandbox.", "scopes": ["openid", "email", "profile"]},
    )
    return promotion


def test_drift_is_shown_field_by_field(browser, portal, api):
    drifted_portal(browser, portal, api)

    page = browser.get(f"/sandbox/applications/{portal.id}/promotions").content.decode()

    assert "<h1>Copies of Customer Portal in other environments</h1>" in page  # Whole page.
    assert "Drifted apart:</strong> 2 fields differ." in page
    rows = re.findall(r'<tr( class="drifted")?>\s*<th scope="row">([^<]+)</th>', page)
    assert [(label, bool(drifted)) for drifted, label in rows] == [
        ("Description", True),
        ("Redirect URIs", False),
        ("Scopes", True),
    ]
    assert "Changed in the sandbox." in page and "Sign-in for customers." in page
    assert "Apply these differences to Production…" in page
    assert "Apply Production’s values here…" in page


def test_the_differences_applied_to_production_after_a_preview(browser, portal, api):
    promotion = drifted_portal(browser, portal, api)
    url = apply_url("production", promotion.target_application_id, promotion)

    page = browser.get(url).content.decode()
    assert "Apply Sandbox’s values to “Customer Portal”" in page
    assert "Changed in the sandbox." in page and RULE in page
    assert production_app(promotion).description == "Sign-in for customers."
    response = browser.post(url, hidden_fields(page))

    assert response.status_code == 303
    assert response["Location"] == f"/production/applications/{promotion.target_application_id}/"
    updated = production_app(promotion)
    assert updated.description == "Changed in the sandbox."
    assert updated.scopes == ["openid", "email", "profile"]
    assert updated.redirect_uris == [{"uri": PORTAL, "default": True}]  # No localhost.
    event = AuditEvent.objects.get(action="update")
    assert event.application_id == updated.id
    assert set(event.changes) == {"description", "scopes"}
    assert event.detail.startswith("Differences applied from Sandbox’s “Customer Portal”")
    in_step = browser.get(f"/sandbox/applications/{portal.id}/promotions").content.decode()
    assert "In step" in in_step


def test_new_redirect_uris_applied_to_production_ask_for_its_name_as_well(browser, portal, api):
    promotion = promoted(browser, portal)
    uris = [{"uri": LOCALHOST, "default": True}, {"uri": PORTAL}, {"uri": STAGING}]
    api.put(f"connect/applications/{portal.id}", {"redirect_uris": uris})
    url = apply_url("production", promotion.target_application_id, promotion)

    page = browser.get(url).content.decode()
    assert "this environment’s name, to confirm changing the redirect URIs" in page
    refused = browser.post(url, hidden_fields(page))

    assert refused.status_code == 422
    assert (
        "This is Production: type production as well to confirm changing the redirect URIs."
        in refused.content.decode()
    )
    assert len(production_app(promotion).redirect_uris) == 1
    done = browser.post(url, hidden_fields(page) | {"confirm_environment": "production"})
    assert done.status_code == 303
    assert [entry["uri"] for entry in production_app(promotion).redirect_uris] == [PORTAL, STAGING]


def test_a_value_replaced_in_the_copy_stands_for_the_original_from_then_on(browser, portal, api):
    promote(browser, portal, **{"refused-0-replacement": STAGING})
    promotion = Promotion.objects.get()
    target = promotion.target_application_id

    page = browser.get(f"/sandbox/applications/{portal.id}/promotions").content.decode()
    assert "In step" in page
    assert f"Stands for <code>{STAGING}</code> in Production" in page
    api.put(f"connect/applications/{portal.id}", {"description": "Changed in the sandbox."})
    url = apply_url("production", target, promotion)
    preview_page = browser.get(url).content.decode()
    assert "Replaced as when the two were copied" in preview_page
    assert f"<code>{LOCALHOST}</code> becomes <code>{STAGING}</code>" in preview_page
    assert "refused-0-replacement" not in preview_page
    assert browser.post(url, hidden_fields(preview_page)).status_code == 303

    updated = production_app(promotion)
    assert updated.description == "Changed in the sandbox."
    assert updated.redirect_uris == [
        {"uri": STAGING, "default": True},
        {"uri": PORTAL, "default": False},
    ]


def test_productions_values_applied_to_the_sandbox_keep_its_localhost(browser, portal, production):
    promotion = promoted(browser, portal)
    target = promotion.target_application_id
    production.put(f"connect/applications/{target}", {"name": "Customer Portal (live)"})
    url = apply_url("sandbox", portal.id, promotion)

    page = browser.get(url).content.decode()
    assert "These stay as they are" in page and LOCALHOST in page
    response = browser.post(url, hidden_fields(page))

    assert response.status_code == 303
    portal.refresh_from_db()
    assert portal.name == "Customer Portal (live)"
    assert portal.redirect_uris[0] == {"uri": LOCALHOST, "default": True}


def test_applying_with_nothing_to_apply_changes_nothing(browser, portal):
    promotion = promoted(browser, portal)
    url = apply_url("sandbox", portal.id, promotion)

    page = browser.get(url).content.decode()
    assert "Nothing to apply" in page
    response = browser.post(url, hidden_fields(page))

    assert response.status_code == 303
    assert not AuditEvent.objects.filter(action="update").exists()


def test_an_apply_preview_of_a_version_changed_since_is_shown_again(browser, portal, api):
    promotion = drifted_portal(browser, portal, api)
    url = apply_url("production", promotion.target_application_id, promotion)
    data = hidden_fields(browser.get(url).content.decode())
    api.put(f"connect/applications/{portal.id}", {"description": "Changed again."})

    response = browser.post(url, data)

    assert response.status_code == 409
    assert "Changed again." in response.content.decode()
    assert production_app(promotion).description == "Sign-in for customers."


# --- A deleted counterpart -----------------------------------------------------------------------


def test_a_deleted_copy_in_production_is_shown_as_such(browser, portal, production):
    promotion = promoted(browser, portal)
    production.delete(f"connect/applications/{promotion.target_application_id}")

    response = browser.get(f"/sandbox/applications/{portal.id}/promotions")
    detail = browser.get(f"/sandbox/applications/{portal.id}/")

    page = response.content.decode()
    assert response.status_code == 200 and detail.status_code == 200
    assert "was deleted: there is nothing to compare with" in page
    assert f'href="{promote_url(portal)}">Copy this application to Production again' in page
    apply = apply_url("sandbox", portal.id, promotion)
    assert browser.get(apply).status_code == 404


def test_a_deleted_source_is_shown_as_such_on_the_copy(browser, portal, api):
    promotion = promoted(browser, portal)
    api.delete(f"connect/applications/{portal.id}")
    target = promotion.target_application_id

    page = browser.get(f"/production/applications/{target}/promotions").content.decode()

    assert f"Sandbox’s application <code>{portal.id}</code> was deleted" in page
    assert "“Customer Portal”" in page
    apply = apply_url("production", target, promotion)
    assert browser.get(apply).status_code == 404
    assert browser.get(f"/sandbox/applications/{portal.id}/promotions").status_code == 404


def test_a_copy_that_cannot_be_read_just_now_is_said_so(browser, portal, monkeypatch):
    promotion = promoted(browser, portal)
    read = connect.application_get

    def production_down(**kwargs):
        if environments.current().production:
            raise errors.ServerError("Upstream failed.", status=503, request_id="req_1")
        return read(**kwargs)

    monkeypatch.setattr(connect, "application_get", production_down)
    response = browser.get(f"/sandbox/applications/{portal.id}/promotions")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Could not compare the two just now" in page and "Upstream failed." in page
    assert promotion.target_application_id in page


def test_a_copy_in_an_environment_no_longer_configured_is_said_so(browser, portal):
    Promotion.objects.create(
        source_environment="sandbox",
        source_application_id=portal.id,
        target_environment="staging",
        target_application_id="conn_app_elsewhere",
        application_name=portal.name,
    )

    page = browser.get(f"/sandbox/applications/{portal.id}/promotions").content.decode()

    assert "Promoted to staging as" in page
    assert "The environment “staging” is no longer configured" in page


# --- Roles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["Viewer", None])
def test_without_the_editor_role_nothing_is_promoted_or_applied(client, portal, role):
    client.force_login(make_user("ops", role="Admin"))
    promotion = promoted(client, portal)
    data = preview(client, promote_url(portal))
    viewer = Client()
    viewer.force_login(make_user("viewer", role=role))
    apply = apply_url("sandbox", portal.id, promotion)

    assert viewer.get(promote_url(portal)).status_code == 403
    assert viewer.post(promote_url(portal), data).status_code == 403
    assert viewer.get(apply).status_code == 403
    assert viewer.post(apply, {}).status_code == 403
    assert len(production_apps()) == 1
    assert AuditEvent.objects.filter(action="permission_refused", username="viewer").count() == 4


def test_the_copy_button_is_for_editors(client, portal):
    client.force_login(make_user("viewer", role="Viewer"))
    assert (
        "Copy to Production"
        not in client.get(f"/sandbox/applications/{portal.id}/").content.decode()
    )

    client.force_login(make_user("editor", role="Editor"))
    page = client.get(f"/sandbox/applications/{portal.id}/").content.decode()
    assert f'<a class="button" href="{promote_url(portal)}">Copy to Production…</a>' in page


def test_a_viewer_sees_the_drift_without_the_apply_buttons(client, portal, api):
    client.force_login(make_user("ops", role="Admin"))
    drifted_portal(client, portal, api)
    client.force_login(make_user("viewer", role="Viewer"))

    page = client.get(f"/sandbox/applications/{portal.id}/promotions").content.decode()

    assert "Drifted apart" in page
    assert "Apply" not in page


def test_copying_needs_the_editor_role_in_the_target_environment(client, portal):
    user = make_user("split", role=None)
    EnvironmentRole.objects.create(user=user, environment="sandbox", role="Editor")
    EnvironmentRole.objects.create(user=user, environment="production", role="Viewer")
    client.force_login(user)

    page = client.get(f"/sandbox/applications/{portal.id}/").content.decode()

    assert "Edit</a>" in page and "Copy to Production" not in page
    assert client.get(promote_url(portal)).status_code == 403


def test_copying_needs_a_role_in_the_source_environment_too(client, portal):
    user = make_user("live", role=None)
    EnvironmentRole.objects.create(user=user, environment="production", role="Editor")
    client.force_login(user)

    assert client.get(promote_url(portal)).status_code == 403
    refused = AuditEvent.objects.get(action="permission_refused", username="live")
    assert refused.environment == "sandbox"

    EnvironmentRole.objects.create(user=user, environment="sandbox", role="Viewer")
    assert client.get(promote_url(portal)).status_code == 200


# --- The dashboard's test callback stays behind ---------------------------------------------


def callback_added(app) -> str:
    """The test callback of "Try the sign-in", added as an Admin does on the dashboard."""
    admin = Client(HTTP_HOST="127.0.0.1")
    admin.force_login(make_user("tryer", role="Admin"))
    assert admin.post(f"/sandbox/applications/{app.id}/try-sign-in/callback/add").status_code == 303
    return f"http://127.0.0.1/sandbox/applications/{app.id}/try-sign-in/callback"


def test_a_copy_leaves_out_the_test_callback_and_says_so(browser, portal):
    callback = callback_added(portal)

    page = browser.get(promote_url(portal)).content.decode()
    response, _ = promote(browser, portal)

    assert "Left out: the dashboard’s test callback " in page
    assert f"<code>{callback}</code>, which “Try the sign-in” registered" in page
    assert "Production refuses 1 value that Sandbox accepts" in page  # localhost alone
    assert response.status_code == 303
    assert production_app(Promotion.objects.get()).redirect_uris == [
        {"uri": PORTAL, "default": True}
    ]


def test_applying_the_sandboxs_values_leaves_its_test_callback_behind(browser, portal, api):
    promotion = promoted(browser, portal)
    api.put(f"connect/applications/{portal.id}", {"description": "Changed in the sandbox."})
    callback = callback_added(portal)
    url = apply_url("production", promotion.target_application_id, promotion)

    page = browser.get(url).content.decode()
    response = browser.post(url, hidden_fields(page))

    assert "Left out: the dashboard’s test callback of Sandbox" in page
    assert "Production refuses 1 of Sandbox’s values." in page  # localhost alone
    assert callback not in hidden_fields(page).values()
    assert response.status_code == 303
    assert production_app(promotion).redirect_uris == [{"uri": PORTAL, "default": True}]
