"""The official `workos` Python SDK, unchanged, over real HTTP: the consents users gave
(authorized applications of a user and of an organization, and their revocation), and
Standalone Connect's `complete_oauth2`. A browser (httpx, cookies kept, redirects not
followed) goes through the authorize endpoint as a person would."""

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from workos._errors import BadRequestError, NotFoundError
from workos.connect.models import UserObject
from workos.user_management import PasswordPlaintext

pytestmark = pytest.mark.django_db(transaction=True)

REDIRECT = "https://portal.example.com/callback"
PASSWORD = "strong_password_123!"
SCOPES = "openid profile email offline_access"


@pytest.fixture
def org(workos):
    return workos.organizations.create_organization(name="Acme")


@pytest.fixture
def browser():
    with httpx.Client(follow_redirects=False) as client:
        yield client


def oauth_app(workos, *, first_party: bool, organization_id: str | None = None):
    app = workos.connect.create_application(
        body={
            "name": "Support Portal" if first_party else "Partner Portal",
            "application_type": "oauth",
            "is_first_party": first_party,
            "organization_id": organization_id,
            "redirect_uris": [{"uri": REDIRECT, "default": True}],
            "cors_origins": [],
        }
    )
    return app, workos.connect.create_application_client_secret(app.id).secret


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(issuer: str, app, challenge: str) -> str:
    query = {
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": SCOPES,
        "state": "s-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"{issuer}/oauth2/authorize?{urlencode(query)}"


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


def post_form(browser: httpx.Client, url: str, page: httpx.Response, **form) -> httpx.Response:
    form["csrfmiddlewaretoken"] = csrf_token(page.text)
    return browser.post(url, data=form, headers={"Referer": url})


def code_from(response: httpx.Response) -> str:
    assert response.status_code == 302 and response.headers["Location"].startswith(REDIRECT)
    return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]


def exchange(issuer: str, app, secret: str, code: str, verifier: str) -> dict:
    form = {
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": app.client_id, "client_secret": secret, "code_verifier": verifier,
    }  # fmt: skip
    return httpx.post(f"{issuer}/oauth2/token", data=form).json()


def refresh(issuer: str, app, secret: str, refresh_token: str) -> httpx.Response:
    form = {
        "grant_type": "refresh_token", "refresh_token": refresh_token,
        "client_id": app.client_id, "client_secret": secret,
    }  # fmt: skip
    return httpx.post(f"{issuer}/oauth2/token", data=form)


def test_consents_are_listed_and_revoked_with_the_official_sdk(workos, issuer, org, browser):
    user = workos.user_management.create_user(
        email="alice@acme.example", password=PasswordPlaintext(password=PASSWORD)
    )
    app, secret = oauth_app(workos, first_party=False, organization_id=org.id)
    verifier, challenge = pkce()
    url = authorize_url(issuer, app, challenge)
    page = browser.get(url)
    post_form(browser, url, page, action="sign_in", email="alice@acme.example", password=PASSWORD)
    consent = browser.get(url)
    tokens = exchange(
        issuer,
        app,
        secret,
        code_from(post_form(browser, url, consent, action="allow", organization_id=org.id)),
        verifier,
    )

    of_user = workos.user_management.list_user_authorized_applications(user.id)
    in_org = workos.organizations.list_authorized_applications(org.id)

    [authorized] = of_user.data
    assert authorized.object == "authorized_connect_application"
    assert authorized.id.startswith("authorized_connect_app_")
    assert authorized.granted_scopes == SCOPES.split()
    assert type(authorized.application).__name__ == "ConnectApplicationOAuth"
    assert authorized.application.id == app.id
    assert authorized.application.organization_id == org.id
    assert [(entry.id, entry.user_id) for entry in in_org.data] == [(authorized.id, user.id)]
    assert of_user.after is None and of_user.before is None

    workos.user_management.delete_user_authorized_application(
        application_id=app.client_id, user_id=user.id
    )

    refused = refresh(issuer, app, secret, tokens["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert workos.user_management.list_user_authorized_applications(user.id).data == []
    assert workos.organizations.list_authorized_applications(org.id).data == []
    with pytest.raises(NotFoundError):
        workos.user_management.delete_user_authorized_application(
            application_id=app.id, user_id=user.id
        )
    with pytest.raises(NotFoundError):
        workos.user_management.list_user_authorized_applications("user_01NOTTHERE")
    with pytest.raises(NotFoundError):
        workos.organizations.list_authorized_applications("org_01NOTTHERE")


def test_standalone_connect_with_the_official_sdk_s_complete_oauth2(
    workos, issuer, browser, settings
):
    settings.WORKOS_EMULATOR_LOGIN_URI = "https://app.example.com/auth/login"
    app, secret = oauth_app(workos, first_party=True)
    verifier, challenge = pkce()
    url = authorize_url(issuer, app, challenge)

    to_login = browser.get(url)
    login = to_login.headers["Location"]
    assert login.startswith("https://app.example.com/auth/login?external_auth_id=")
    external_auth_id = parse_qs(urlsplit(login).query)["external_auth_id"][0]
    # The application signs its user in its own way, then hands them to the server.
    completed = workos.connect.complete_oauth2(
        external_auth_id=external_auth_id,
        user=UserObject(
            id="crm-42", email="leroy@example.com", first_name="Leroy", metadata={"plan": "pro"}
        ),
    )
    back = browser.get(completed.redirect_uri)
    answer = browser.get(back.url.join(back.headers["Location"]))
    tokens = exchange(issuer, app, secret, code_from(answer), verifier)

    assert completed.redirect_uri.startswith(f"{issuer}/oauth2/authorize/complete?state=")
    [user] = workos.user_management.list_users(email="leroy@example.com").data
    assert (user.external_id, user.first_name, user.metadata) == (
        "crm-42",
        "Leroy",
        {"plan": "pro"},
    )
    userinfo = httpx.get(
        f"{issuer}/oauth2/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json()
    assert userinfo["sub"] == user.id and userinfo["email"] == "leroy@example.com"
    [authorized] = workos.user_management.list_user_authorized_applications(user.id).data
    assert authorized.application.id == app.id

    with pytest.raises(BadRequestError) as again:
        workos.connect.complete_oauth2(
            external_auth_id=external_auth_id,
            user=UserObject(id="crm-42", email="leroy@example.com"),
        )
    assert again.value.code == "external_auth_session_already_completed"
    with pytest.raises(NotFoundError):
        workos.connect.complete_oauth2(
            external_auth_id="ext_auth_01NOTTHERE",
            user=UserObject(id="crm-42", email="leroy@example.com"),
        )
