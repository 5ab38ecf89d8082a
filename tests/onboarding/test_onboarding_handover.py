"""The hand-over sheet as a developer receives it, through the Integrate page, its "Copy all"
text and its downloads: every redirect URI, only the grants and token endpoint authentication
methods the application can use, and none of the page's one-time test values."""

import html
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from dashboard.emulator import store
from tests.support import make_user

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1"


@pytest.fixture
def browser() -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(make_user("ops", role="Admin"))
    return client


def web_app(*uris, scopes=("openid", "email")):
    return store.application_create(
        application_type="oauth",
        name="Northwind Health",
        is_first_party=True,
        uses_pkce=True,
        scopes=list(scopes),
        redirect_uris=[{"uri": uri, "default": i == 0} for i, uri in enumerate(uris)],
    )


def m2m_app(organization):
    return store.application_create(
        application_type="m2m",
        name="Northwind sync",
        organization_id=organization.id,
        scopes=["records:read"],
    )


def sheet_page(browser, app) -> str:
    response = browser.get(f"/sandbox/applications/{app.id}/integrate")
    assert response.status_code == 200
    return response.content.decode()


def copy_all(page: str) -> str:
    found = re.search(r'data-copy="([^"]*)" aria-label="Copy all of the hand-over sheet"', page)
    assert found, "no Copy all button"
    return html.unescape(found[1])


def downloads(browser, app) -> tuple[dict, str]:
    json_file = browser.get(f"/sandbox/applications/{app.id}/integrate.json")
    env_file = browser.get(f"/sandbox/applications/{app.id}/integrate.env")
    assert json_file.status_code == env_file.status_code == 200
    return json.loads(json_file.content), env_file.content.decode()


def auth_methods_shown(page: str) -> list[str]:
    section = page.split("<dt>Token endpoint authentication</dt>")[1].split("</dd>")[0]
    return re.findall(r"<li><code>([a-z_]+)</code>", section)


def grants_shown(page: str) -> list[str]:
    section = page.split("<dt>Grant types</dt>")[1].split("</dd>")[0]
    return re.findall(r"<code>([a-z_]+)</code>", section.split('<span class="muted">')[0])


def test_it_shows_every_redirect_uri_on_the_page_in_copy_all_and_in_the_json(browser):
    app = web_app("https://app.northwind.example/cb", "https://staff.northwind.example/cb")

    page = sheet_page(browser, app)
    text = copy_all(page)
    data, env = downloads(browser, app)

    for uri in ("https://app.northwind.example/cb", "https://staff.northwind.example/cb"):
        assert f"<code>{uri}</code>" in page
    assert "Redirect URI (default): https://app.northwind.example/cb\n" in text
    assert "Redirect URI: https://staff.northwind.example/cb\n" in text
    assert data["application"]["redirect_uris"] == [
        "https://app.northwind.example/cb",
        "https://staff.northwind.example/cb",
    ]
    assert "CONNECT_REDIRECT_URI=https://app.northwind.example/cb\n" in env


def test_it_leaves_the_dashboards_test_callback_out_of_the_hand_over_and_says_so(browser):
    app = web_app("https://app.northwind.example/cb")
    browser.post(f"/sandbox/applications/{app.id}/try-sign-in/callback/add")
    callback = f"http://{HOST}/sandbox/applications/{app.id}/try-sign-in/callback"
    assert callback in [entry["uri"] for entry in store.application_get(app.id).redirect_uris]

    page = sheet_page(browser, app)
    data, _ = downloads(browser, app)

    assert "Also registered: the dashboard’s test callback" in page
    assert callback not in copy_all(page)
    assert data["application"]["redirect_uris"] == ["https://app.northwind.example/cb"]


@pytest.mark.parametrize(
    ("scopes", "grants"),
    [
        (["openid", "email"], ["authorization_code"]),
        (["openid", "offline_access"], ["authorization_code", "refresh_token"]),
    ],
    ids=["without-offline-access", "with-offline-access"],
)
def test_it_lists_refresh_token_only_when_the_application_has_offline_access(
    browser, scopes, grants
):
    app = web_app("https://app.northwind.example/cb", scopes=scopes)

    page = sheet_page(browser, app)
    data, _ = downloads(browser, app)

    assert grants_shown(page) == grants
    assert data["grant_types"] == grants
    assert f"Grant types: {', '.join(grants)}\n" in copy_all(page)
    assert ("does not have the <code>offline_access</code> scope" in page) == (
        "refresh_token" not in grants
    )


def test_a_public_client_may_authenticate_with_none(browser):
    app = web_app("https://app.northwind.example/cb")

    page = sheet_page(browser, app)
    data, _ = downloads(browser, app)

    assert auth_methods_shown(page) == ["client_secret_post", "client_secret_basic", "none"]
    assert data["token_endpoint_auth_methods"][-1] == "none"


def test_an_application_with_a_client_secret_is_confidential_and_never_offered_none(browser):
    app = web_app("https://app.northwind.example/cb")
    store.client_secret_create(app)

    page = sheet_page(browser, app)
    data, _ = downloads(browser, app)

    assert auth_methods_shown(page) == ["client_secret_post", "client_secret_basic"]
    assert "none" not in data["token_endpoint_auth_methods"]
    assert ", none" not in copy_all(page)
    assert "this application has or had a client secret" in page


def test_an_application_whose_secret_was_revoked_stays_confidential(browser):
    app = web_app("https://app.northwind.example/cb")
    created = browser.post(f"/sandbox/applications/{app.id}/secrets/new")
    assert created.status_code in (200, 303), created.content[:300]
    secret = app.client_secrets.get()
    revoked = browser.post(f"/sandbox/applications/{app.id}/secrets/{secret.id}/revoke")
    assert revoked.status_code in (200, 303), revoked.content[:300]
    assert not app.client_secrets.exists()

    data, _ = downloads(browser, app)

    assert "none" not in data["token_endpoint_auth_methods"]


def test_an_m2m_application_is_offered_client_credentials_only(browser, organization):
    app = m2m_app(organization)

    page = sheet_page(browser, app)
    data, _ = downloads(browser, app)

    assert grants_shown(page) == ["client_credentials"]
    assert data["grant_types"] == ["client_credentials"]
    assert "none" not in auth_methods_shown(page)
    assert "none" not in data["token_endpoint_auth_methods"]


def test_copy_all_and_the_downloads_leave_out_the_one_time_test_values(browser):
    app = web_app("https://app.northwind.example/cb")

    page = sheet_page(browser, app)
    url = html.unescape(re.search(r"<pre><code>([^<]*/oauth2/authorize\?[^<]*)</code>", page)[1])
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    verifier = re.search(r"<dt>PKCE code verifier</dt><dd><code>([^<]+)</code>", page)[1]
    text = copy_all(page)
    data, env = downloads(browser, app)

    one_time = (query["state"], query["nonce"], query["code_challenge"], verifier)
    for value in one_time:
        assert value in page
        for handed_over in (text, json.dumps(data), env):
            assert value not in handed_over
    assert "state=STATE&nonce=NONCE&code_challenge=CODE_CHALLENGE" in text
    assert "--data-urlencode code_verifier=CODE_VERIFIER" in text
