"""The embedded authorization server's sign-in page when someone is signed in already:
`prompt=login` asks for a fresh sign-in, and "Not you?" lets someone else sign in."""

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from dashboard.emulator import store
from dashboard.emulator.authkit.models import AuthorizationCode
from dashboard.emulator.user_management import store as users

pytestmark = pytest.mark.django_db

REDIRECT = "https://portal.example.com/cb"
PASSWORD = "correct-horse-battery-staple"
VERIFIER = "a-code-verifier-of-forty-three-characters-or-more"
CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
)


def end_user(email: str, first_name: str):
    return users.user_create(
        email=email, password=PASSWORD, first_name=first_name, last_name=None, name=None,
        email_verified=True, external_id=None, metadata={},
    )  # fmt: skip


@pytest.fixture
def alice(db):
    return end_user("alice@acme.example", "Alice")


@pytest.fixture
def bob(db):
    return end_user("bob@acme.example", "Bob")


def portal(*, first_party: bool, organization_id: str | None = None):
    return store.application_create(
        application_type="oauth",
        name="Partner Portal",
        is_first_party=first_party,
        organization_id=organization_id,
        uses_pkce=True,
        scopes=["openid", "email"],
        redirect_uris=[{"uri": REDIRECT, "default": True}],
    )


def authorize_url(app, state: str, **params) -> str:
    query = {
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid email",
        "state": state,
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        **params,
    }
    return "/emulator/oauth2/authorize?" + urlencode(query)


def sign_in(browser: Client, url: str, email: str):
    signed_in = browser.post(url, {"action": "sign_in", "email": email, "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == url
    return browser.get(url)


def code_for(answer) -> AuthorizationCode:
    assert answer.status_code == 302 and answer["Location"].startswith(REDIRECT + "?")
    code = parse_qs(urlsplit(answer["Location"]).query)["code"][0]
    return AuthorizationCode.objects.get(code_sha256=hashlib.sha256(code.encode()).hexdigest())


def test_a_signed_in_user_goes_straight_back_without_prompt_login(client, alice):
    app = portal(first_party=True)
    code_for(sign_in(client, authorize_url(app, "s-1"), "alice@acme.example"))

    again = client.get(authorize_url(app, "s-2"))

    assert code_for(again).user_id == alice.id


def test_prompt_login_asks_a_signed_in_user_to_sign_in_again(client, alice, bob):
    app = portal(first_party=True)
    code_for(sign_in(client, authorize_url(app, "s-1"), "alice@acme.example"))
    url = authorize_url(app, "s-2", prompt="login")

    page = client.get(url)

    html = page.content.decode()
    assert page.status_code == 200 and "Sign in to continue to Partner Portal" in html
    assert "Signed in as <strong>alice@acme.example</strong>" in html
    assert "Partner Portal asks you to sign in again." in html
    assert ">Sign in as someone else</button>" in html
    # Their email is filled in, and the password is where typing starts.
    assert 'value="alice@acme.example"' in html
    assert re.search(r'id="authkit-password"[^>]* autofocus', html)
    assert not re.search(r'id="authkit-email"[^>]* autofocus', html)
    assert code_for(sign_in(client, url, "bob@acme.example")).user_id == bob.id
    # The fresh sign-in served that request; the next with prompt=login asks again.
    assert client.get(authorize_url(app, "s-3", prompt="login")).status_code == 200


def test_not_you_on_the_consent_page_lets_someone_else_sign_in(client, alice, bob, organization):
    app = portal(first_party=False, organization_id=organization.id)
    url = authorize_url(app, "s-1")
    consent = sign_in(client, url, "alice@acme.example")
    assert "Signed in as <strong>alice@acme.example</strong>" in consent.content.decode()
    assert ">Sign in as someone else</button>" in consent.content.decode()

    switched = client.post(url, {"action": "switch_user"})

    assert switched.status_code == 302 and switched["Location"] == url
    page = client.get(url)
    assert "Sign in to continue to Partner Portal" in page.content.decode()
    assert "alice@acme.example" not in page.content.decode()
    consent = sign_in(client, url, "bob@acme.example")
    assert "Signed in as <strong>bob@acme.example</strong>" in consent.content.decode()
    allowed = client.post(url, {"action": "allow", "organization_id": organization.id})
    assert code_for(allowed).user_id == bob.id


def test_not_you_needs_the_pages_csrf_token(alice, organization):
    browser = Client(enforce_csrf_checks=True)
    app = portal(first_party=False, organization_id=organization.id)
    url = authorize_url(app, "s-1")
    page = browser.get(url)
    token = page.cookies["csrftoken"].value
    browser.post(
        url,
        {"action": "sign_in", "email": "alice@acme.example", "password": PASSWORD,
         "csrfmiddlewaretoken": token},
    )  # fmt: skip

    forged = browser.post(url, {"action": "switch_user"})

    assert forged.status_code == 403
    session_user = browser.get(url)
    assert "Signed in as <strong>alice@acme.example</strong>" in session_user.content.decode()
