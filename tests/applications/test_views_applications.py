"""The dashboard's pages and actions, against the embedded API.

Failures of the API are faked at the service seam (a `dashboard.connect` function
replaced by one that raises), never inside the service layer.
"""

import re
from html import unescape

import pytest
from django.http import QueryDict
from django.test import Client

from dashboard import connect
from dashboard.applications.forms import ApplicationCreateForm, ApplicationEditForm
from dashboard.audit.models import AuditEvent
from dashboard.connect import errors
from dashboard.emulator import store
from dashboard.emulator.models import Application, ClientSecret
from dashboard.emulator.seed import staff_sign_on_client
from dashboard.kernel.fields import fields_of
from dashboard.kernel.lookups import organization_names
from dashboard.kernel.models import EmbeddedSignOn
from tests.support import HTMX, oauth_form

pytestmark = pytest.mark.django_db


def fail_with(monkeypatch, function: str, error: errors.ApiError) -> None:
    def raise_error(**kwargs):
        raise error

    monkeypatch.setattr(connect, function, raise_error)


# --- Access ---------------------------------------------------------------------------------


def every_url(app, secret_id="secret_x") -> list[str]:
    return [
        "/sandbox/applications/",
        "/sandbox/applications/go?id=x",
        "/sandbox/applications/new",
        "/sandbox/applications/organizations",
        f"/sandbox/applications/{app.id}/",
        f"/sandbox/applications/{app.id}/edit",
        f"/sandbox/applications/{app.id}/delete",
        f"/sandbox/applications/{app.id}/secrets",
        f"/sandbox/applications/{app.id}/secrets/new",
        f"/sandbox/applications/{app.id}/secrets/{secret_id}/revoke",
    ]


def test_every_page_requires_sign_in(client, app):
    for url in ["/", *every_url(app)]:
        send = client.post if url.endswith("/secrets/new") else client.get
        response = send(url, follow=True)
        assert response.redirect_chain[-1][0].startswith("/login/?next="), url


def test_every_post_requires_a_csrf_token(user, app):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    for url in every_url(app):
        if url.endswith(("/sandbox/applications/", "go?id=x", "/organizations", "/secrets")):
            continue
        assert client.post(url, {}).status_code == 403, url
    assert Application.objects.filter(id=app.id).exists()


def test_sign_in_and_sign_out(client, user):
    response = client.post("/login/", {"username": "ops", "password": "correct-horse-battery"})
    assert response.status_code == 302

    page = client.get(response["Location"], follow=True)
    assert b"Signed in as <strong>ops</strong>" in page.content
    assert b"Sandbox (embedded API)" in page.content

    client.post("/logout/")
    assert client.get("/sandbox/applications/").status_code == 302


def test_a_production_key_is_marked_in_the_header(client, settings):
    settings.WORKOS_API_KEY = "sk_live_example"

    response = client.get("/login/")

    assert b"PRODUCTION" in response.content and b"backend-production" in response.content
    assert b"sk_live_example" not in response.content


# --- List -----------------------------------------------------------------------------------


def make_apps(count: int, org=None) -> list[str]:
    return [
        store.application_create(
            application_type="m2m", name=f"Worker {i:02d}", organization_id=org.id
        ).id
        for i in range(count)
    ]


def test_the_list_shows_every_column_with_organization_names(browser, app, api_calls):
    response = browser.get("/sandbox/applications/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "Customer Portal" in html and "OAuth · third-party" in html
    assert app.client_id in html and f'data-copy="{app.client_id}"' in html
    assert ">Acme<" in html
    assert "No</td>" in html  # PKCE
    # The page, the organization names, and how many dynamically registered apps it hides.
    assert sorted(api_calls) == [
        "GET /emulator/connect/applications",
        "GET /emulator/connect/applications",
        "GET /emulator/organizations",
    ]


def test_organization_names_come_from_a_cache(browser, app, api_calls):
    browser.get("/sandbox/applications/")
    api_calls.clear()

    browser.get("/sandbox/applications/")

    assert api_calls == ["GET /emulator/connect/applications"]


def test_an_htmx_request_gets_only_the_results(browser, app):
    response = browser.get("/sandbox/applications/", headers=HTMX)

    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="results"')
    assert "Customer Portal" in html


def test_the_list_pages_with_cursors_and_keeps_its_state_in_the_url(browser, org):
    ids = make_apps(12, org)[::-1]

    first = browser.get("/sandbox/applications/", {"limit": "10"}).content.decode()
    next_url = re.search(r'rel="next" href="([^"]+)"', first)[1].replace("&amp;", "&")
    assert next_url == f"/sandbox/applications/?limit=10&after={ids[9]}"

    second = browser.get(next_url).content.decode()
    assert "Worker 01" in second and "Worker 00" in second and "Worker 02" not in second
    previous_url = re.search(r'rel="prev" href="([^"]+)"', second)[1].replace("&amp;", "&")

    back = browser.get(previous_url).content.decode()
    assert "Worker 11" in back and "Worker 01" not in back


def test_the_list_filters_by_organization_and_registration(browser, app, org):
    other = store.organization_create(name="Globex", domains=[], metadata={}, external_id=None)
    make_apps(1, other)
    dynamic = store.application_create(
        application_type="oauth",
        name="MCP client",
        is_first_party=False,
        organization_id=org.id,
        was_dynamically_registered=True,
    )

    by_org = browser.get("/sandbox/applications/", {"organization": org.id}).content.decode()
    assert 'value="Acme"' in by_org
    dynamic_only = browser.get(
        "/sandbox/applications/", {"registration": "dynamic"}
    ).content.decode()
    both = browser.get("/sandbox/applications/", {"registration": "both"}).content.decode()

    assert "Customer Portal" in by_org and "Worker" not in by_org
    assert dynamic.name in dynamic_only and "Customer Portal" not in dynamic_only
    assert dynamic.name in both and "Customer Portal" in both


def test_oldest_first_and_bad_parameters_fall_back_to_defaults(browser, org):
    make_apps(3, org)

    oldest = browser.get("/sandbox/applications/", {"order": "asc"}).content.decode()
    bad = browser.get(
        "/sandbox/applications/", {"order": "sideways", "limit": "7", "after": "x" * 500}
    )

    assert oldest.index("Worker 00") < oldest.index("Worker 02")
    assert bad.status_code == 302 and bad["Location"] == "/sandbox/applications/"
    assert browser.get(bad["Location"]).status_code == 200


def test_list_urls_hold_no_empty_or_default_parameters(browser, org):
    make_apps(1, org)

    applied = browser.get(
        "/sandbox/applications/",
        {"organization": "", "registration": "authenticated", "order": "desc", "limit": "50"},
    )
    htmx = browser.get("/sandbox/applications/", {"organization": "", "order": "asc"}, headers=HTMX)

    assert applied.status_code == 302 and applied["Location"] == "/sandbox/applications/?limit=50"
    assert htmx.status_code == 200 and htmx["HX-Push-Url"] == "/sandbox/applications/?order=asc"


def test_an_organization_is_typed_by_name_and_held_as_its_id(browser, app, org):
    store.organization_create(name="Globex", domains=[], metadata={}, external_id=None)

    typed = browser.get("/sandbox/applications/", {"organization": "acme"})
    shown = browser.get(typed["Location"]).content.decode()
    htmx = browser.get("/sandbox/applications/", {"organization": "Acme"}, headers=HTMX)

    assert (
        typed.status_code == 302
        and typed["Location"] == f"/sandbox/applications/?organization={org.id}"
    )
    assert 'name="organization" value="Acme"' in shown
    assert "Customer Portal" in shown
    assert htmx["HX-Push-Url"] == f"/sandbox/applications/?organization={org.id}"


def test_an_organization_name_that_is_not_recognised_says_so_next_to_the_box(browser, app, org):
    store.organization_create(name="Acme Two", domains=[], metadata={}, external_id=None)

    unknown = browser.get("/sandbox/applications/", {"organization": "Initech"}).content.decode()
    several = browser.get(
        "/sandbox/applications/", {"organization": "Ac"}, headers=HTMX
    ).content.decode()

    assert "No organization is named “Initech”" in unknown
    assert 'value="Initech"' in unknown and 'aria-invalid="true"' in unknown
    assert "Customer Portal" not in unknown
    assert "“Ac” matches 2 organizations (Acme, Acme Two)" in several
    assert 'id="organization-error" class="field-error" role="status" hx-swap-oob="true"' in several


def test_the_list_says_how_many_dynamically_registered_apps_it_hides(browser, app, org):
    for number in range(3):
        store.application_create(
            application_type="oauth",
            name=f"MCP client {number}",
            is_first_party=False,
            organization_id=org.id,
            was_dynamically_registered=True,
        )

    html = browser.get("/sandbox/applications/").content.decode()
    both = browser.get("/sandbox/applications/", {"registration": "both"}).content.decode()

    assert "3 dynamically registered applications are not shown" in html
    assert 'href="/sandbox/applications/?registration=both"' in html
    assert "not shown" not in both


def test_empty_states_say_what_to_do(browser, org):
    assert b"Create the first application" in browser.get("/sandbox/applications/").content
    assert (
        b"No application matches these filters"
        in browser.get("/sandbox/applications/", {"organization": org.id}).content
    )


def test_go_to_opens_an_app_by_client_id_or_says_it_does_not_exist(browser, app):
    found = browser.get("/sandbox/applications/go", {"id": app.client_id})
    missing = browser.get("/sandbox/applications/go", {"id": "client_nope"}, follow=True)

    assert found.status_code == 302 and found["Location"] == f"/sandbox/applications/{app.id}/"
    assert "No application has the ID, client ID or name “client_nope”".encode() in missing.content


def test_an_api_failure_on_the_list_is_a_clear_page(browser, monkeypatch):
    fail_with(
        monkeypatch,
        "application_list",
        errors.ServerError("Internal error", status=500, request_id="req_123"),
    )

    response = browser.get("/sandbox/applications/")

    assert response.status_code == 502
    assert response.content.count(b"Trying again") == 1
    assert b"Trying again in a moment usually works" in response.content
    assert b"req_123" in response.content
    assert b"Traceback" not in response.content


# --- Detail and secrets ---------------------------------------------------------------------


def test_the_detail_page_shows_every_field_with_one_api_call(browser, app, api_calls):
    organization_names()  # names cached by an earlier page
    api_calls.clear()

    response = browser.get(f"/sandbox/applications/{app.id}/")

    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        app.client_id,
        app.id,
        "https://portal.example.com/cb",
        "default",
        "https://portal.example.com",
        "openid",
        "Acme",
        "Not required",
    ):
        assert text in html, text
    assert 'title="' in html and "UTC" in html
    assert api_calls == [f"GET /emulator/connect/applications/{app.id}"]


def test_an_unknown_application_is_a_404_page(browser, db):
    response = browser.get("/sandbox/applications/conn_app_NOPE/")

    assert response.status_code == 404
    assert b"Not found" in response.content


def test_secrets_load_as_a_partial_or_as_a_page_without_javascript(browser, app):
    store.client_secret_create(app)

    partial = browser.get(f"/sandbox/applications/{app.id}/secrets", headers=HTMX).content.decode()
    page = browser.get(f"/sandbox/applications/{app.id}/secrets").content.decode()

    assert "<html" not in partial and "Never" in partial
    assert "<html" in page and "Customer Portal" in page and "Never" in page


def test_a_new_secret_is_shown_once_and_never_cached(browser, app):
    response = browser.post(f"/sandbox/applications/{app.id}/secrets/new", {"token": "t-1"})

    plaintext = re.search(
        r'id="new-secret-value" readonly value="([^"]+)"', response.content.decode()
    )[1]
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert ClientSecret.objects.get().secret_hint == plaintext[-4:]
    assert b"shown only this once" in response.content

    reload = browser.post(
        f"/sandbox/applications/{app.id}/secrets/new", {"token": "t-1"}, follow=True
    )
    assert plaintext.encode() not in reload.content
    assert b"never shown again" in reload.content
    assert ClientSecret.objects.count() == 1
    assert plaintext.encode() not in browser.get(f"/sandbox/applications/{app.id}/secrets").content


def test_an_htmx_secret_creation_swaps_the_secrets_section(browser, app):
    response = browser.post(
        f"/sandbox/applications/{app.id}/secrets/new", {"token": "t-2"}, headers=HTMX
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="secrets"')
    assert "new-secret-value" in html


def test_several_secrets_explain_rotation(browser, app):
    store.client_secret_create(app)
    store.client_secret_create(app)

    html = browser.get(f"/sandbox/applications/{app.id}/secrets").content.decode()

    assert "Rotating without downtime" in html


def test_revoking_asks_first_then_revokes(browser, app):
    secret, _ = store.client_secret_create(app)
    url = f"/sandbox/applications/{app.id}/secrets/{secret.id}/revoke"

    confirm = browser.get(url)
    assert b"only secret" in confirm.content and ClientSecret.objects.exists()

    done = browser.post(url)
    assert done.status_code == 303 and done["Location"] == f"/sandbox/applications/{app.id}/"
    assert not ClientSecret.objects.exists()
    assert browser.get(url).status_code == 404


# --- Create ---------------------------------------------------------------------------------


def test_the_create_form_adapts_to_the_type(browser, db):
    oauth = browser.get("/sandbox/applications/new").content.decode()
    m2m = browser.get("/sandbox/applications/new", {"type": "m2m"}).content.decode()

    assert "Redirect URIs" in oauth and "Require PKCE" in oauth
    assert "Redirect URIs" not in m2m and "Organization" in m2m
    assert oauth.count("cannot be changed later") >= 2


def test_it_creates_an_oauth_app_with_rows_scopes_and_origins(browser, db):
    response = browser.post("/sandbox/applications/new", oauth_form())

    app = Application.objects.get()
    assert (
        response.status_code == 303 and response["Location"] == f"/sandbox/applications/{app.id}/"
    )
    assert app.redirect_uris == [
        {"uri": "https://a.example.com/cb", "default": False},
        {"uri": "https://b.example.com/cb", "default": True},
    ]
    assert app.scopes == ["openid", "email", "custom:x"]
    assert app.cors_origins == ["https://a.example.com", "https://b.example.com"]
    assert app.uses_pkce and app.is_first_party
    assert b"Created" in browser.get(response["Location"]).content


def test_an_htmx_create_answers_with_a_client_redirect(browser, db):
    response = browser.post("/sandbox/applications/new", oauth_form(), headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/sandbox/applications/{Application.objects.get().id}/"


def test_it_creates_an_m2m_app(browser, org):
    response = browser.post(
        "/sandbox/applications/new",
        {
            "application_type": "m2m",
            "name": "Billing export",
            "organization_id": org.id,
            "scopes": ["openid"],
            "action": "save",
            "idempotency_key": "k",
        },
    )

    assert response.status_code == 303
    app = Application.objects.get()
    assert (app.application_type, app.organization_id) == ("m2m", org.id)


def test_a_double_submit_creates_one_app(browser, db):
    browser.post("/sandbox/applications/new", oauth_form())
    browser.post("/sandbox/applications/new", oauth_form())

    assert Application.objects.count() == 1


def test_rows_are_added_and_removed_without_saving(browser, db):
    added = browser.post("/sandbox/applications/new", oauth_form(action="add-uri")).content.decode()
    removed = browser.post(
        "/sandbox/applications/new", oauth_form(action="remove-uri-1")
    ).content.decode()

    assert added.count('name="redirect_uri"') == 3
    assert removed.count('name="redirect_uri"') == 2 - 1
    assert 'value="https://a.example.com/cb"' in removed
    assert 'value="0" checked' in removed  # the removed default moved to the first row
    assert "field-error" not in added
    assert not Application.objects.exists()


def test_invalid_input_is_shown_inline_and_kept(browser, db):
    response = browser.post(
        "/sandbox/applications/new",
        oauth_form(
            name="",
            party="third",
            redirect_uri=["javascript:alert(1)", "https://ok.example.com/cb"],
            cors_origins="https://a.example.com/path",
        ),
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "This field is required." in html
    assert "belong to an organization" in html
    assert "“javascript:” scheme" in html
    assert "no path" in html
    assert 'value="https://ok.example.com/cb"' in html
    assert "Sign-in</textarea>" in html
    assert not Application.objects.exists()


def test_an_unknown_organization_is_a_field_error(browser, db):
    response = browser.post(
        "/sandbox/applications/new", oauth_form(party="third", organization_id="org_NOPE")
    )

    assert response.status_code == 422
    assert "No organization has the ID “org_NOPE”.".encode() in response.content
    assert not Application.objects.exists()


def test_an_organization_is_typed_by_name_in_the_create_form(browser, org):
    store.organization_create(name="Acme Two", domains=[], metadata={}, external_id=None)

    created = browser.post(
        "/sandbox/applications/new", oauth_form(party="third", organization_id="acme")
    )
    ambiguous = browser.post(
        "/sandbox/applications/new", oauth_form(party="third", organization_id="Ac")
    )
    unknown = browser.post(
        "/sandbox/applications/new", oauth_form(party="third", organization_id="Initech")
    )

    assert created.status_code == 303
    assert Application.objects.get().organization_id == org.id
    assert "“Ac” matches 2 organizations (Acme, Acme Two)".encode() in ambiguous.content
    assert "No organization is named “Initech”".encode() in unknown.content
    assert b'value="Initech"' in unknown.content


def test_api_field_errors_land_next_to_their_fields(browser, monkeypatch, db):
    fail_with(
        monkeypatch,
        "application_create",
        errors.UnprocessableEntityError(
            "Validation failed",
            status=422,
            request_id="req_1",
            errors=[
                errors.FieldError("redirect_uris[1].uri", "custom", "The API refused this URI."),
                errors.FieldError("name", "taken", "The API refused this name."),
            ],
        ),
    )

    html = browser.post("/sandbox/applications/new", oauth_form()).content.decode()

    assert re.search(r'redirect-uri-1-error">The API refused this URI', html)
    assert "The API refused this name." in html


@pytest.mark.parametrize(
    ("error", "status", "text"),
    [
        (errors.ApiTimeoutError("slow"), 504, "did not answer in time"),
        (
            errors.RateLimitedError("slow down", status=429, retry_after=30, request_id="req_9"),
            429,
            "It asked to wait 30 seconds",
        ),
        (
            errors.ServerError("boom", status=503, request_id="req_9"),
            502,
            "Trying again in a moment usually works",
        ),
        (errors.ApiConnectionError("down"), 503, "could not be reached"),
        (
            errors.AuthenticationError("bad key", status=401, request_id="req_9"),
            502,
            "Trying again will not help",
        ),
    ],
)
def test_the_form_is_kept_on_every_kind_of_failure(browser, monkeypatch, db, error, status, text):
    fail_with(monkeypatch, "application_create", error)

    response = browser.post("/sandbox/applications/new", oauth_form(), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == status
    assert text in html
    assert 'value="Portal"' in html and 'value="https://b.example.com/cb"' in html
    assert 'value="form-key-1"' in html  # the retry reuses the idempotency key
    assert "custom:x" in html


# --- Edit -----------------------------------------------------------------------------------


def test_the_edit_form_is_prefilled_and_shows_immutable_fields_read_only(browser, app):
    html = browser.get(f"/sandbox/applications/{app.id}/edit").content.decode()

    assert 'value="Customer Portal"' in html
    assert 'value="https://portal.example.com/cb"' in html
    assert "cannot change" in html
    assert 'name="application_type"' not in html and 'name="organization_id"' not in html


def opened_version(app) -> dict:
    """The hidden fields of an edit form opened now."""
    current = connect.application_get(application_id=app.id)
    return {"updated_at": current.updated_at.isoformat(), "original": "{}"}


def test_edit_saves_scopes_and_rows(browser, app):
    response = browser.post(
        f"/sandbox/applications/{app.id}/edit",
        opened_version(app)
        | {
            "name": "Portal 2",
            "description": "",
            "scopes": ["openid", "email"],
            "redirect_uri": ["https://portal.example.com/cb", "https://new.example.com/cb"],
            "redirect_default": "1",
            "cors_origins": "",
            "action": "save",
        },
    )

    app.refresh_from_db()
    assert response.status_code == 303
    assert (app.name, app.scopes, app.cors_origins) == ("Portal 2", ["openid", "email"], [])
    assert app.redirect_uris[1] == {"uri": "https://new.example.com/cb", "default": True}


def test_edit_keeps_the_form_when_the_api_fails(browser, app, monkeypatch):
    fail_with(monkeypatch, "application_update", errors.ApiTimeoutError("slow"))

    response = browser.post(
        f"/sandbox/applications/{app.id}/edit",
        opened_version(app)
        | {
            "name": "Unsaved name",
            "scopes": ["openid"],
            "redirect_uri": ["https://x.example.com/cb"],
            "action": "save",
        },
    )

    assert response.status_code == 504
    assert b'value="Unsaved name"' in response.content
    app.refresh_from_db()
    assert app.name == "Customer Portal"


def test_edit_keeps_the_order_of_existing_scopes(browser, org):
    app = store.application_create(
        application_type="m2m", name="Worker", organization_id=org.id, scopes=["email", "openid"]
    )

    browser.post(
        f"/sandbox/applications/{app.id}/edit",
        opened_version(app)
        | {
            "name": "Worker",
            "scopes": ["openid", "email"],
            "extra_scopes": "custom:x",
            "action": "save",
        },
    )

    app.refresh_from_db()
    assert app.scopes == ["email", "openid", "custom:x"]


def test_editing_a_deleted_app_is_a_404(browser, db):
    assert browser.get("/sandbox/applications/conn_app_GONE/edit").status_code == 404


# --- Delete ---------------------------------------------------------------------------------


def test_delete_asks_for_the_name_then_deletes(browser, app):
    page = browser.get(f"/sandbox/applications/{app.id}/delete")
    assert b"cannot be undone" in page.content

    wrong = browser.post(f"/sandbox/applications/{app.id}/delete", {"confirm_name": "Customer"})
    assert wrong.status_code == 422 and Application.objects.exists()

    done = browser.post(
        f"/sandbox/applications/{app.id}/delete", {"confirm_name": "Customer Portal"}, follow=True
    )
    assert done.redirect_chain[0] == ("/sandbox/applications/", 303)
    assert b"Deleted" in done.content
    assert not Application.objects.exists()


def test_delete_keeps_the_page_when_the_api_fails(browser, app, monkeypatch):
    fail_with(monkeypatch, "application_delete", errors.ServerError("x", status=503))

    response = browser.post(
        f"/sandbox/applications/{app.id}/delete", {"confirm_name": "Customer Portal"}
    )

    assert response.status_code == 502
    assert b'value="Customer Portal"' in response.content
    assert Application.objects.exists()


def test_organization_options_search_by_name(browser, org):
    html = browser.get(
        "/sandbox/applications/organizations", {"organization": "acm"}
    ).content.decode()

    assert '<option value="Acme"></option>' in html


def test_an_htmx_failure_is_a_banner_above_the_page(browser, monkeypatch):
    fail_with(monkeypatch, "application_list", errors.ApiTimeoutError("slow"))

    response = browser.get("/sandbox/applications/", headers=HTMX)

    assert response.status_code == 504
    assert response["HX-Retarget"] == "#messages" and response["HX-Reswap"] == "innerHTML"
    assert b"did not answer in time" in response.content and b"<html" not in response.content


# --- Wording, limits and rules shared with the API --------------------------------------------


def test_a_scope_the_api_would_refuse_is_refused_under_other_scopes_without_a_call(
    browser, db, api_calls
):
    response = browser.post("/sandbox/applications/new", oauth_form(extra_scopes="Reports/Read"))

    html = response.content.decode()
    assert response.status_code == 422
    error = re.search(r'<p class="field-error" id="id_extra_scopes_error">(.*?)</p>', html, re.S)
    assert "“Reports/Read”: A scope is a permission slug" in error[1]
    assert "`" not in html
    assert "POST /emulator/connect/applications" not in api_calls
    assert not AuditEvent.objects.filter(action="create").exists()


def test_a_name_over_the_limit_says_so_instead_of_being_cut(browser, db):
    response = browser.post("/sandbox/applications/new", oauth_form(name="x" * 500))

    html = response.content.decode()
    assert response.status_code == 422
    assert "Name may be at most 255 characters long; this one has 500." in html
    assert 'maxlength="' not in html
    assert f'value="{"x" * 500}"' in html


def test_each_wrong_cors_origin_has_its_own_error(browser, db):
    response = browser.post(
        "/sandbox/applications/new",
        oauth_form(
            cors_origins="https://ok.example.com\nhttps://a.example.com/path\nftp://b.example"
        ),
    )

    items = re.findall(
        r"<li>(.*?)</li>",
        re.search(r'id_cors_origins_error">(.*?)</ul>', response.content.decode(), re.S)[1],
    )
    assert len(items) == 2
    assert items[0].startswith("https://a.example.com/path: ")
    assert items[1].startswith("ftp://b.example: ")


def test_the_create_form_says_when_the_permissions_could_not_be_loaded(browser, monkeypatch):
    fail_with(monkeypatch, "permission_iter", errors.ApiTimeoutError("slow"))

    html = browser.get("/sandbox/applications/new").content.decode()

    assert "permissions could not be loaded just now" in html
    assert 'value="openid"' in html and 'name="extra_scopes"' in html


def test_pages_show_the_organization_by_name_and_the_type_in_words(browser, app):
    store.client_secret_create(app)

    edit = browser.get(f"/sandbox/applications/{app.id}/edit").content.decode()
    browser.post(f"/sandbox/applications/{app.id}/delete", {"confirm_name": "Customer Portal"})
    event = AuditEvent.objects.get(action="delete")
    audit = browser.get(f"/audit/{event.id}/").content.decode()

    for html in (edit, audit):
        assert "OAuth · third-party" in html and "oauth, third-party" not in html
        assert re.search(r"Acme <code>org_\w+</code>", html)
    assert "None" not in audit


def test_the_revoke_page_names_the_application_and_a_secret_never_used(browser, app):
    secret, _ = store.client_secret_create(app)

    html = browser.get(
        f"/sandbox/applications/{app.id}/secrets/{secret.id}/revoke"
    ).content.decode()

    assert "Customer Portal" in html and app.client_id in html
    assert "It has never been used." in html and "last used never" not in html


def test_secrets_are_listed_newest_first(browser, app):
    older, _ = store.client_secret_create(app)
    newer, _ = store.client_secret_create(app)

    html = browser.get(f"/sandbox/applications/{app.id}/secrets", headers=HTMX).content.decode()

    assert html.index(newer.secret_hint) < html.index(older.secret_hint)


def test_a_new_secret_is_marked_and_the_history_swapped_in_too(browser, app):
    store.client_secret_create(app)

    html = browser.post(
        f"/sandbox/applications/{app.id}/secrets/new", {"token": "t-9"}, headers=HTMX
    ).content.decode()

    assert html.count("just created") == 1
    assert '<section id="history" class="history"' in html and 'hx-swap-oob="true"' in html
    assert "Client secret created" in html


def test_the_detail_page_has_copy_buttons_for_uris_and_origins(browser, app):
    html = browser.get(f"/sandbox/applications/{app.id}/").content.decode()

    assert 'data-copy="https://portal.example.com/cb"' in html
    assert 'data-copy="https://portal.example.com"' in html


# --- What a failure half-way, or a page that does not draw a field, must not cost ------------


def test_a_new_secret_is_shown_even_when_the_list_cannot_be_loaded_after_it(
    browser, app, monkeypatch
):
    fail_with(monkeypatch, "client_secret_list", errors.ApiTimeoutError("slow"))

    response = browser.post(
        f"/sandbox/applications/{app.id}/secrets/new", {"token": "t-5"}, headers=HTMX
    )

    plaintext = re.search(
        r'id="new-secret-value" readonly value="([^"]+)"', response.content.decode()
    )
    assert response.status_code == 200 and plaintext
    assert ClientSecret.objects.get().secret_hint == plaintext[1][-4:]


def rendered_inputs(html: str) -> QueryDict:
    """What a browser would post from the form: every named input with some value."""
    data = QueryDict(mutable=True)
    for name in re.findall(r'<(?:input|textarea|select)[^>]*\bname="([^"]+)"', html):
        data.appendlist(name, "x")
    return data


@pytest.mark.parametrize("query", ["?type=oauth", "?type=m2m"], ids=["create-oauth", "create-m2m"])
def test_the_create_form_draws_every_field_of_the_table(browser, org, query):
    html = browser.get("/sandbox/applications/new" + query).content.decode()
    form = ApplicationCreateForm(initial={"application_type": query[6:]})
    form.data = rendered_inputs(html)

    for field in fields_of(form.kind):
        if field.name not in form.fields:
            continue  # A first-party application has no organization.
        widget = form.fields[field.name].widget
        assert not widget.value_omitted_from_data(form.data, {}, field.name), field.name


def test_the_edit_form_draws_every_editable_field_of_the_table(browser, app, org):
    worker = store.application_create(application_type="m2m", name="W", organization_id=org.id)
    for application in (app, worker):
        html = browser.get(f"/sandbox/applications/{application.id}/edit").content.decode()
        api_app = connect.application_get(application_id=application.id)
        form = ApplicationEditForm(rendered_inputs(html), application=api_app)

        assert form.sent_fields() == form.table_fields(), application.application_type


def test_an_edit_that_does_not_carry_a_field_keeps_its_value(browser, app):
    html = browser.get(f"/sandbox/applications/{app.id}/edit").content.decode()
    hidden = dict(re.findall(r'type="hidden" name="(updated_at|original)" value="([^"]*)"', html))
    hidden = {name: value.replace("&quot;", '"') for name, value in hidden.items()}

    browser.post(
        f"/sandbox/applications/{app.id}/edit",
        hidden | {"name": "Renamed", "scopes": ["openid"], "action": "save"},
    )

    app.refresh_from_db()
    assert app.name == "Renamed"
    assert app.cors_origins == ["https://portal.example.com"]
    assert app.redirect_uris == [{"uri": "https://portal.example.com/cb", "default": True}]


def test_an_api_404_on_a_first_party_create_is_a_message_not_an_error_page(
    browser, db, monkeypatch
):
    fail_with(monkeypatch, "application_create", errors.NotFoundError("Gone", status=404))

    response = browser.post("/sandbox/applications/new", oauth_form())

    assert response.status_code == 422 and b"Gone" in response.content


def test_odd_cursors_fall_back_instead_of_failing(browser, org):
    make_apps(2, org)

    long = browser.get("/sandbox/applications/", {"after": "x" * 100}, follow=True)
    both = browser.get("/sandbox/applications/", {"after": "conn_app_1", "before": "conn_app_2"})

    assert long.status_code == 200 and b"Worker 01" in long.content
    assert both.status_code == 302 and both["Location"] == "/sandbox/applications/?after=conn_app_1"


def test_no_count_of_hidden_apps_beside_an_organization_that_was_not_recognised(browser, app):
    store.application_create(
        application_type="oauth",
        name="MCP client",
        is_first_party=False,
        organization_id=app.organization_id,
        was_dynamically_registered=True,
    )

    html = browser.get("/sandbox/applications/", {"organization": "Initech"}).content.decode()

    assert "No organization is named" in html and "not shown" not in html


def test_a_page_and_its_partial_are_kept_apart_by_caches(browser, app):
    response = browser.get("/sandbox/applications/", headers=HTMX)

    assert "HX-Request" in response["Vary"]


def test_opening_the_secret_page_again_leads_back_to_the_application(browser, app):
    response = browser.get(f"/sandbox/applications/{app.id}/secrets/new")

    assert (
        response.status_code == 302 and response["Location"] == f"/sandbox/applications/{app.id}/"
    )
    assert not ClientSecret.objects.exists()


def test_the_revoke_page_says_how_many_secrets_stay_active(browser, app):
    secret, _ = store.client_secret_create(app)
    store.client_secret_create(app)

    html = browser.get(
        f"/sandbox/applications/{app.id}/secrets/{secret.id}/revoke"
    ).content.decode()

    assert "1 other secret stays active." in html


def test_the_form_says_it_was_filled_from_a_deleted_application(browser, app):
    browser.post(f"/sandbox/applications/{app.id}/delete", {"confirm_name": "Customer Portal"})
    event = AuditEvent.objects.get(action="delete")

    html = browser.get("/sandbox/applications/new", {"from_event": event.id}).content.decode()

    assert "Filled in from the configuration of “Customer Portal”" in html
    assert 'value="Customer Portal"' in html and 'value="Acme"' in html


def test_no_template_syntax_leaks_into_a_page(browser, app):
    for url in (
        "/sandbox/applications/",
        f"/sandbox/applications/{app.id}/",
        "/sandbox/applications/new",
        "/audit/",
    ):
        html = browser.get(url).content.decode()
        assert "{#" not in html and "{%" not in html and "{{" not in html, url


def test_a_percent_sign_in_a_refused_redirect_uri_is_shown_as_typed(browser, db):
    response = browser.post(
        "/sandbox/applications/new",
        oauth_form(redirect_uri=["https://a.example.com/cb", "https://ex%zz.example.com/cb"]),
    )

    assert response.status_code == 422
    assert re.search(r'redirect-uri-1-error">[^<]*ex%zz', response.content.decode())


# --- Names ----------------------------------------------------------------------------------


def test_a_name_another_application_has_is_refused_with_a_link_to_it(browser):
    first = browser.post("/sandbox/applications/new", oauth_form(name="Northwind Portal"))
    existing = Application.objects.get(name="Northwind Portal")

    again = browser.post(
        "/sandbox/applications/new", oauth_form(name="northwind portal", idempotency_key="k-2")
    )

    assert first.status_code == 303
    html = again.content.decode()
    assert again.status_code == 422 and "Another application of this environment is called" in html
    assert f'<a href="/sandbox/applications/{existing.id}/">open it</a>' in html
    assert 'value="northwind portal"' in html  # the form keeps what was typed
    assert Application.objects.filter(name__iexact="Northwind Portal").count() == 1


def test_renaming_to_a_name_another_application_has_is_refused(browser, app):
    browser.post("/sandbox/applications/new", oauth_form(name="Northwind Portal"))
    taken = Application.objects.get(name="Northwind Portal")
    page = browser.get(f"/sandbox/applications/{app.id}/edit").content.decode()
    hidden = dict(re.findall(r'type="hidden" name="(updated_at|original)" value="([^"]*)"', page))

    renamed = browser.post(
        f"/sandbox/applications/{app.id}/edit",
        {name: unescape(value) for name, value in hidden.items()}
        | {"name": "Northwind Portal", "redirect_uri": ["https://portal.example.com/cb"]}
        | {"redirect_default": "0", "action": "save"},
    )

    assert renamed.status_code == 422
    assert f'href="/sandbox/applications/{taken.id}/"' in renamed.content.decode()
    assert Application.objects.get(id=app.id).name == "Customer Portal"


def test_an_application_that_already_shares_its_name_can_still_be_edited(browser, org):
    for _ in range(2):
        twin = store.application_create(
            application_type="m2m", name="Twin", organization_id=org.id, scopes=[]
        )
        browser.get(f"/sandbox/applications/{twin.id}/")  # read, and so indexed
    page = browser.get(f"/sandbox/applications/{twin.id}/edit").content.decode()
    hidden = dict(re.findall(r'type="hidden" name="(updated_at|original)" value="([^"]*)"', page))

    saved = browser.post(
        f"/sandbox/applications/{twin.id}/edit",
        {name: unescape(value) for name, value in hidden.items()}
        | {"name": "Twin", "description": "Still a twin", "action": "save"},
    )

    assert saved.status_code == 303
    assert Application.objects.get(id=twin.id).description == "Still a twin"


def test_a_create_form_submitted_again_goes_to_the_application_it_made(browser):
    first = browser.post("/sandbox/applications/new", oauth_form(name="Once Only"))

    again = browser.post("/sandbox/applications/new", oauth_form(name="Once Only"))

    assert first.status_code == again.status_code == 303
    assert first["Location"] == again["Location"]
    assert Application.objects.filter(name="Once Only").count() == 1


def test_the_embedded_api_takes_a_name_twice_as_workos_does(api):
    body = {"application_type": "m2m", "name": "Same", "scopes": []}
    org = store.organization_create(name="O", domains=[], metadata={}, external_id=None)

    answers = [
        api.post("/connect/applications", body | {"organization_id": org.id}) for _ in range(2)
    ]

    assert [answer.status_code for answer in answers] == [201, 201]


# --- The dashboard's own sign-in application ----------------------------------------------


@pytest.fixture
def staff_sign_on(db):
    app = staff_sign_on_client(["http://127.0.0.1:8000/sso/callback"], None)
    EmbeddedSignOn.objects.create(client_id=app.client_id, application_id=app.id)
    return app


def test_the_staff_sign_in_application_is_marked_on_the_list_and_its_page(
    browser, staff_sign_on, app
):
    listed = browser.get("/sandbox/applications/", {"registration": "both"}).content.decode()
    page = browser.get(f"/sandbox/applications/{staff_sign_on.id}/").content.decode()
    other = browser.get(f"/sandbox/applications/{app.id}/").content.decode()

    row = re.search(rf'<tr><th scope="row"><a href="[^"]*{staff_sign_on.id}/">.*?</tr>', listed)
    assert row and '<span class="tag">Dashboard sign-in</span>' in row[0]
    assert listed.count("Dashboard sign-in</span>") == 1
    assert "The dashboard’s staff sign in through this application" in page
    assert "Dashboard sign-in" not in other


def test_deleting_the_staff_sign_in_application_warns_that_staff_sign_in_stops(
    browser, staff_sign_on, app
):
    warned = browser.get(f"/sandbox/applications/{staff_sign_on.id}/delete").content.decode()
    other = browser.get(f"/sandbox/applications/{app.id}/delete").content.decode()

    assert "single sign-on to this dashboard stops" in warned
    assert "single sign-on to this dashboard stops" not in other
