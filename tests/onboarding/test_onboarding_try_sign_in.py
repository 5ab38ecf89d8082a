"""Try the sign-in: the redirect to the authorization server, the test callback's outcomes,
and adding the test callback as a redirect URI, against the embedded API."""

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.test import Client

from dashboard import connect
from dashboard.audit.models import AuditEvent
from dashboard.connect.oauth import Endpoints
from dashboard.emulator import store
from dashboard.emulator.user_management import store as users
from dashboard.onboarding import services
from dashboard.onboarding.sheet import AuthorizationServer
from dashboard.onboarding.views import SIGN_IN_ATTEMPT, SIGN_IN_CODE
from tests.support import make_user

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1"
ISSUER = f"http://{HOST}/emulator"
PASSWORD = "correct-horse-battery-staple"


def callback(app) -> str:
    return f"http://{HOST}/sandbox/applications/{app.id}/try-sign-in/callback"


@pytest.fixture
def browser() -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(make_user("ops", role="Admin"))
    return client


@pytest.fixture
def alice(db):
    return users.user_create(
        email="alice@acme.example", password=PASSWORD, first_name="Alice", last_name="Liddell",
        name=None, email_verified=True, external_id=None, metadata={},
    )  # fmt: skip


def portal_with(organization, *uris):
    return store.application_create(
        application_type="oauth",
        name="Customer Portal",
        is_first_party=False,
        organization_id=organization.id,
        uses_pkce=True,
        scopes=["email"],
        redirect_uris=[{"uri": uri, "default": i == 0} for i, uri in enumerate(uris)],
    )


@pytest.fixture
def portal(organization):
    app = portal_with(organization, "https://portal.example.com/cb")
    uris = [*app.redirect_uris, {"uri": callback(app), "default": False}]
    return store.application_update(app, {"redirect_uris": uris})


def start(browser, app) -> dict:
    response = browser.post(f"/sandbox/applications/{app.id}/try-sign-in")
    assert response.status_code == 303
    assert response["Location"].startswith(f"{ISSUER}/oauth2/authorize?")
    return {
        key: values[0] for key, values in parse_qs(urlsplit(response["Location"]).query).items()
    }


def sign_in_and_answer(browser, query: dict, action: str, organization_id: str = "") -> str:
    url = "/emulator/oauth2/authorize?" + urlencode(query)
    assert browser.get(url).status_code == 200
    signed_in = browser.post(
        url, {"action": "sign_in", "email": "alice@acme.example", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    answered = browser.post(url, {"action": action, "organization_id": organization_id})
    assert answered.status_code == 302, answered.content[:500]
    return answered["Location"]


def test_the_try_redirects_with_pkce_s256_state_and_nonce_kept_in_the_session(browser, portal):
    query = start(browser, portal)
    attempt = browser.session[SIGN_IN_ATTEMPT]
    assert query["client_id"] == portal.client_id and query["redirect_uri"] == callback(portal)
    assert query["response_type"] == "code" and query["code_challenge_method"] == "S256"
    assert query["state"] == attempt["state"] and query["nonce"] == attempt["nonce"]
    assert query["code_challenge"] == create_s256_code_challenge(attempt["code_verifier"])
    assert query["scope"].split() == ["openid", "email"]


def test_a_signed_in_user_who_consents_sees_the_verified_claims(
    browser, portal, alice, organization
):
    query = start(browser, portal)
    location = sign_in_and_answer(browser, query, "allow", organization.id)
    assert location.startswith(callback(portal) + "?")

    page = browser.get(location)

    assert page.status_code == 200
    html = page.content.decode()
    assert "The sign-in works." in html and "alice@acme.example" in html
    assert query["nonce"] in html and organization.id in html and alice.id in html
    assert SIGN_IN_ATTEMPT not in browser.session
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_TRIED)
    assert event.outcome == "success" and "signed in as alice@acme.example" in event.detail
    code = parse_qs(urlsplit(location).query)["code"][0]
    assert code not in event.detail and code not in html


def test_a_denied_consent_shows_access_denied_and_what_it_means(browser, portal, alice):
    query = start(browser, portal)
    location = sign_in_and_answer(browser, query, "deny")

    page = browser.get(location)

    html = page.content.decode()
    assert page.status_code == 200 and "access_denied" in html
    assert "The user denied the request on the consent page" in html
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_TRIED)
    assert event.outcome == "refused" and "access_denied" in event.detail


def test_a_wrong_state_is_refused_without_exchanging_the_code(browser, portal):
    start(browser, portal)

    page = browser.get(callback(portal).removeprefix(f"http://{HOST}") + "?code=abc&state=forged")

    assert page.status_code == 400
    assert "state_mismatch" in page.content.decode()
    assert SIGN_IN_ATTEMPT not in browser.session
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_TRIED)
    assert event.outcome == "refused" and "abc" not in event.detail


def test_a_reused_code_is_refused_with_invalid_grant(browser, portal, alice, organization):
    query = start(browser, portal)
    location = sign_in_and_answer(browser, query, "allow", organization.id)
    assert "The sign-in works." in browser.get(location).content.decode()
    # The same answer again, for a new attempt with the same state: the code is spent.
    browser.post(f"/sandbox/applications/{portal.id}/try-sign-in")
    session = browser.session
    session[SIGN_IN_ATTEMPT] = session[SIGN_IN_ATTEMPT] | {"state": query["state"]}
    session.save()

    page = browser.get(location)

    html = page.content.decode()
    assert "invalid_grant" in html and "it was used already" in html


def test_a_confidential_clients_code_waits_for_a_pasted_secret_then_signs_in(
    browser, portal, alice, organization
):
    _, secret = store.client_secret_create(portal)
    query = start(browser, portal)
    location = sign_in_and_answer(browser, query, "allow", organization.id)

    asked = browser.get(location)
    finished = browser.post(
        callback(portal).removeprefix(f"http://{HOST}"), {"client_secret": secret}
    )

    asked_html = asked.content.decode()
    assert asked.status_code == 200 and "confidential client" in asked_html
    assert 'type="password"' in asked_html and 'name="csrfmiddlewaretoken"' in asked_html
    code = parse_qs(urlsplit(location).query)["code"][0]
    assert code not in asked_html
    html = finished.content.decode()
    assert finished.status_code == 200 and "The sign-in works." in html
    assert "alice@acme.example" in html and secret not in html
    assert SIGN_IN_CODE not in browser.session
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_TRIED)
    assert event.outcome == "success" and secret not in event.detail


def test_a_wrong_or_missing_secret_keeps_the_code_waiting(browser, portal, alice, organization):
    _, secret = store.client_secret_create(portal)
    query = start(browser, portal)
    browser.get(sign_in_and_answer(browser, query, "allow", organization.id))
    path = callback(portal).removeprefix(f"http://{HOST}")

    missing = browser.post(path, {"client_secret": ""})
    wrong = browser.post(path, {"client_secret": "not-the-secret"})
    right = browser.post(path, {"client_secret": secret})

    assert missing.status_code == 422
    assert "Paste a client secret of this application" in missing.content.decode()
    assert wrong.status_code == 422 and "The secret was refused." in wrong.content.decode()
    assert "not-the-secret" not in wrong.content.decode()
    assert "The sign-in works." in right.content.decode()


def test_a_secret_posted_without_a_waiting_code_goes_back_to_the_try(browser, portal):
    store.client_secret_create(portal)

    page = browser.post(
        callback(portal).removeprefix(f"http://{HOST}"), {"client_secret": "anything"}
    )

    assert page.status_code == 303 and page["Location"].endswith("/integrate#try")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN_TRIED).exists()


def test_the_page_offers_to_add_the_test_callback_and_adding_it_keeps_the_others(
    browser, organization
):
    app = portal_with(organization, "https://portal.example.com/cb", "https://portal.example.com/b")
    page = browser.get(f"/sandbox/applications/{app.id}/integrate").content.decode()
    assert "Add the dashboard’s test callback as a redirect URI" in page
    assert ">Try the sign-in</button>" not in page

    added = browser.post(f"/sandbox/applications/{app.id}/try-sign-in/callback/add")

    assert added.status_code == 303
    uris = [(e["uri"], e["default"]) for e in store.application_get(app.id).redirect_uris]
    assert uris == [
        ("https://portal.example.com/cb", True),
        ("https://portal.example.com/b", False),
        (callback(app), False),
    ]
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert "redirect_uris" in event.changes
    page = browser.get(f"/sandbox/applications/{app.id}/integrate").content.decode()
    assert ">Try the sign-in</button>" in page and "Add the dashboard’s" not in page


def test_a_viewer_is_not_offered_the_callback_and_cannot_add_it(organization):
    app = portal_with(organization, "https://portal.example.com/cb")
    viewer = Client(HTTP_HOST=HOST)
    viewer.force_login(make_user("val", role="Viewer"))
    page = viewer.get(f"/sandbox/applications/{app.id}/integrate").content.decode()
    assert "an editor can add it here" in page and "Add the dashboard’s" not in page
    assert (
        viewer.post(f"/sandbox/applications/{app.id}/try-sign-in/callback/add").status_code == 403
    )


def test_production_never_gets_the_test_callback(browser, organization, monkeypatch):
    app = portal_with(organization, "https://portal.example.com/cb")
    production = AuthorizationServer(Endpoints(ISSUER), "production", embedded=True)
    monkeypatch.setattr(services, "authorization_server", lambda request: production)
    page = browser.get(f"/sandbox/applications/{app.id}/integrate").content.decode()
    assert "does not add its own callback to a production application" in page
    assert (
        browser.post(f"/sandbox/applications/{app.id}/try-sign-in/callback/add").status_code == 403
    )
    assert len(store.application_get(app.id).redirect_uris) == 1


def test_a_dashboard_address_that_cannot_be_a_redirect_uri_is_said(organization):
    app = portal_with(organization, "https://portal.example.com/cb")
    client = Client()  # http://testserver: plain http, not a loopback host.
    client.force_login(make_user("ops", role="Admin"))
    page = client.get(f"/sandbox/applications/{app.id}/integrate").content.decode()
    assert "cannot be a redirect URI" in page and "Plain http is allowed only for loopback" in page
    assert "Add the dashboard’s" not in page


def test_an_error_answer_of_any_length_or_content_is_shown_short_and_escaped(browser, portal):
    query = start(browser, portal)
    hostile = {"state": query["state"], "error": "<b>x</b>" * 200, "error_description": "é" * 5000}

    page = browser.get(
        f"/sandbox/applications/{portal.id}/try-sign-in/callback?" + urlencode(hostile)
    )

    html = page.content.decode()
    assert page.status_code == 200 and "<b>x</b>" not in html and "&lt;b&gt;x" in html
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_TRIED)
    assert event.outcome == "refused"
    assert len(event.detail) < services.MAX_ERROR + services.MAX_DESCRIPTION + 200


# --- The test callback left on the application ------------------------------------------------


def test_adding_the_test_callback_says_so(browser, organization):
    app = portal_with(organization, "https://portal.example.com/cb")

    page = browser.post(
        f"/sandbox/applications/{app.id}/try-sign-in/callback/add", follow=True
    ).content.decode()

    assert f"The dashboard’s test callback {callback(app)} is now one of this" in page
    assert "It stays until you remove it on the application’s page." in page


def test_the_application_page_shows_the_test_callback_with_a_button_to_remove_it(
    browser, portal, organization
):
    plain = portal_with(organization, "https://portal.example.com/cb")

    page = browser.get(f"/sandbox/applications/{portal.id}/").content.decode()

    assert "A test callback is registered." in page and f"<code>{callback(portal)}</code>" in page
    assert ">Remove the test callback</button>" in page
    assert f'action="/sandbox/applications/{portal.id}/try-sign-in/callback/remove"' in page
    assert (
        "A test callback is registered."
        not in browser.get(f"/sandbox/applications/{plain.id}/").content.decode()
    )


def test_removing_the_test_callback_keeps_the_others_and_is_audited(browser, organization):
    app = portal_with(organization, "https://portal.example.com/cb", "https://portal.example.com/b")
    browser.post(f"/sandbox/applications/{app.id}/try-sign-in/callback/add")

    removed = browser.post(f"/sandbox/applications/{app.id}/try-sign-in/callback/remove")

    assert removed.status_code == 303
    assert removed["Location"] == f"/sandbox/applications/{app.id}/"
    uris = [(e["uri"], e["default"]) for e in store.application_get(app.id).redirect_uris]
    assert uris == [
        ("https://portal.example.com/cb", True),
        ("https://portal.example.com/b", False),
    ]
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).order_by("-at").first()
    assert event.outcome == "success" and "redirect_uris" in event.changes
    assert event.detail == "Removed the dashboard’s test callback"
    page = browser.get(removed["Location"]).content.decode()
    assert "The dashboard’s test callback was removed." in page
    assert "A test callback is registered." not in page


def test_a_test_callback_made_the_default_leaves_the_default_to_the_next(browser, organization):
    app = portal_with(organization, "https://portal.example.com/cb")
    uris = [
        {"uri": callback(app), "default": True},
        {"uri": "https://portal.example.com/cb", "default": False},
    ]
    store.application_update(app, {"redirect_uris": uris})

    browser.post(f"/sandbox/applications/{app.id}/try-sign-in/callback/remove")

    uris = [(e["uri"], e["default"]) for e in store.application_get(app.id).redirect_uris]
    assert uris == [("https://portal.example.com/cb", True)]


def test_a_viewer_sees_the_test_callback_but_cannot_remove_it(portal):
    viewer = Client(HTTP_HOST=HOST)
    viewer.force_login(make_user("val", role="Viewer"))

    page = viewer.get(f"/sandbox/applications/{portal.id}/").content.decode()
    refused = viewer.post(f"/sandbox/applications/{portal.id}/try-sign-in/callback/remove")

    assert "A test callback is registered." in page and "Remove the test callback" not in page
    assert refused.status_code == 403
    assert callback(portal) in [e["uri"] for e in store.application_get(portal.id).redirect_uris]


def test_removing_needs_the_pages_csrf_token(portal):
    editor = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    editor.force_login(make_user("eddie", role="Editor"))

    forged = editor.post(f"/sandbox/applications/{portal.id}/try-sign-in/callback/remove")

    assert forged.status_code == 403
    assert callback(portal) in [e["uri"] for e in store.application_get(portal.id).redirect_uris]


def test_a_save_at_the_same_moment_keeps_the_test_callback_and_says_so(
    browser, portal, monkeypatch
):
    real_get = connect.application_get
    reads = []

    def read_then_someone_saves(**kwargs):
        app = real_get(**kwargs)
        if not reads:
            store.application_update(
                store.application_get(portal.id), {"description": "Saved by someone else"}
            )
        reads.append(app)
        return app

    monkeypatch.setattr(connect, "application_get", read_then_someone_saves)

    page = browser.post(
        f"/sandbox/applications/{portal.id}/try-sign-in/callback/remove", follow=True
    ).content.decode()

    assert "Someone saved this application at the same moment" in page
    current = store.application_get(portal.id)
    assert current.description == "Saved by someone else"
    assert callback(portal) in [e["uri"] for e in current.redirect_uris]
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert event.outcome == "refused"


def test_nothing_to_remove_is_said_and_changes_nothing(browser, organization):
    app = portal_with(organization, "https://portal.example.com/cb")

    page = browser.post(
        f"/sandbox/applications/{app.id}/try-sign-in/callback/remove", follow=True
    ).content.decode()

    assert "The dashboard’s test callback is not registered: nothing to remove." in page
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()


# --- Someone else --------------------------------------------------------------------------------


def test_trying_as_someone_else_asks_the_server_for_a_fresh_sign_in(browser, portal):
    response = browser.post(f"/sandbox/applications/{portal.id}/try-sign-in", {"prompt": "login"})

    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["prompt"] == ["login"]
    assert "prompt" not in start(browser, portal)
    page = browser.get(f"/sandbox/applications/{portal.id}/integrate").content.decode()
    assert 'name="prompt" value="login">Try as someone else</button>' in page


def test_the_claims_show_times_as_dates_with_the_number_on_hover_and_booleans_as_yes_or_no(
    browser, portal, alice, organization
):
    query = start(browser, portal)
    location = sign_in_and_answer(browser, query, "allow", organization.id)

    html = browser.get(location).content.decode()

    claims = dict(re.findall(r"<dt><code>(\w+)</code></dt><dd>(.*?)</dd>", html))
    for name in ("iat", "exp", "auth_time"):
        shown = re.fullmatch(
            r'<time datetime="([^"]+)Z" title="(\d+) \(([^)]+)\)" data-local-time>'
            r"(\d{4}-\d\d-\d\d \d\d:\d\d) UTC</time>",
            claims[name],
        )
        assert shown, (name, claims[name])
        moment = datetime.fromtimestamp(int(shown[2]), UTC)
        assert shown[1] == moment.isoformat().removesuffix("+00:00")
        assert shown[3] == moment.strftime("%Y-%m-%d %H:%M:%S UTC")
        assert shown[4] == moment.strftime("%Y-%m-%d %H:%M")
    assert claims["email_verified"] == "Yes"
    assert claims["email"] == "<code>alice@acme.example</code>"
