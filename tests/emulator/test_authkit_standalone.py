"""Standalone Connect: with a Login URI configured, the authorize endpoint sends people to
the application's own sign-in with an external_auth_id; the application completes it with
`POST /authkit/oauth2/complete` and the user, and the browser goes back, through consent,
to the code."""

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from dashboard.emulator import partition, store
from dashboard.emulator.authkit.models import ExternalAuth
from dashboard.emulator.models import User
from dashboard.emulator.user_management import store as users
from tests.support import ApiClient, load_settings
from tests.support.authkit import REDIRECT, claims_of, pkce, token

pytestmark = pytest.mark.django_db

LOGIN_URI = "https://app.example.com/auth/login?from=authkit"
ISSUER = "http://testserver/emulator"


@pytest.fixture(autouse=True)
def login_uri(settings):
    settings.WORKOS_EMULATOR_LOGIN_URI = LOGIN_URI


def oauth_app(organization, *, first_party: bool):
    app = store.application_create(
        application_type="oauth",
        name="Partner Portal",
        is_first_party=first_party,
        organization_id=None if first_party else organization.id,
        scopes=["documents:read"],
        redirect_uris=[{"uri": REDIRECT, "default": True}],
    )
    return app, store.client_secret_create(app)[1]


def authorize_url(app, challenge: str, **params) -> str:
    query = {
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid email offline_access documents:read",
        "state": "s-7",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **params,
    }
    return "/emulator/oauth2/authorize?" + urlencode(query)


def sent_to_login_uri(browser: Client, url: str) -> str:
    """The external_auth_id the authorize endpoint sends the browser to the Login URI with."""
    response = browser.get(url)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("https://app.example.com/auth/login?from=authkit&")
    [external_auth_id] = parse_qs(urlsplit(location).query)["external_auth_id"]
    return external_auth_id


def complete(api: ApiClient, external_auth_id: str, **user):
    person = {"id": "crm-42", "email": "Leroy.Jenkins@Example.com", "first_name": "Leroy"} | user
    return api.post(
        "authkit/oauth2/complete", {"external_auth_id": external_auth_id, "user": person}
    )


def back_from_the_application(browser: Client, redirect_uri: str) -> str:
    """Follow the completion's redirect_uri as the browser would: back to the authorization
    request; answers its path."""
    assert redirect_uri.startswith(f"{ISSUER}/oauth2/authorize/complete?state=")
    response = browser.get(redirect_uri.removeprefix("http://testserver"))
    assert response.status_code == 302, response.content[-400:]
    return response["Location"]


def test_a_first_party_sign_in_through_the_application_s_own_page(client, api, organization):
    app, secret = oauth_app(organization, first_party=True)
    verifier, challenge = pkce()
    url = authorize_url(app, challenge, nonce="n-7")

    external_auth_id = sent_to_login_uri(client, url)
    completed = complete(api, external_auth_id, last_name="Jenkins", metadata={"plan": "pro"})
    back = back_from_the_application(client, completed.json()["redirect_uri"])
    answer = client.get(back)

    assert completed.status_code == 200 and external_auth_id.startswith("ext_auth_")
    assert back == url
    assert answer.status_code == 302 and answer["Location"].startswith(REDIRECT)
    query = parse_qs(urlsplit(answer["Location"]).query)
    assert query["state"] == ["s-7"]
    tokens = token(
        client, grant_type="authorization_code", code=query["code"][0], redirect_uri=REDIRECT,
        client_id=app.client_id, client_secret=secret, code_verifier=verifier,
    ).json()  # fmt: skip
    user = User.objects.get(external_id="crm-42")
    assert (user.email, user.first_name, user.last_name) == (
        "leroy.jenkins@example.com",
        "Leroy",
        "Jenkins",
    )
    assert user.metadata == {"plan": "pro"} and user.last_sign_in_at is not None
    identity = claims_of(tokens["id_token"])
    assert identity["sub"] == user.id and identity["email"] == "leroy.jenkins@example.com"
    assert identity["nonce"] == "n-7" and claims_of(tokens["access_token"])["sid"]
    assert tokens["refresh_token"]


def test_a_third_party_application_still_asks_consent_at_the_authorization_server(
    client, api, organization
):
    app, secret = oauth_app(organization, first_party=False)
    verifier, challenge = pkce()
    url = authorize_url(app, challenge)

    external_auth_id = sent_to_login_uri(client, url)
    back = back_from_the_application(client, complete(api, external_auth_id).json()["redirect_uri"])
    consent = client.get(back)
    allowed = client.post(back, {"action": "allow", "organization_id": organization.id})

    assert b"Allow Partner Portal to access your account?" in consent.content
    assert b"leroy.jenkins@example.com" in consent.content
    code = parse_qs(urlsplit(allowed["Location"]).query)["code"][0]
    tokens = token(
        client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
        client_id=app.client_id, client_secret=secret, code_verifier=verifier,
    ).json()  # fmt: skip
    assert claims_of(tokens["access_token"])["org_id"] == organization.id
    user = User.objects.get(external_id="crm-42")
    listed = api.get(f"user_management/users/{user.id}/authorized_applications").json()
    assert [entry["application"]["id"] for entry in listed["data"]] == [app.id]


def test_every_authorization_request_goes_to_the_login_uri(client, api, organization):
    app, _ = oauth_app(organization, first_party=True)
    _, challenge = pkce()
    url = authorize_url(app, challenge)
    external_auth_id = sent_to_login_uri(client, url)
    client.get(
        back_from_the_application(client, complete(api, external_auth_id).json()["redirect_uri"])
    )

    # The application decides who is signed in, every time: AuthKit keeps no sign-in of its own.
    again = sent_to_login_uri(client, url)
    other = sent_to_login_uri(client, authorize_url(app, challenge, state="s-8"))

    assert len({external_auth_id, again, other}) == 3


def test_the_way_back_works_once_and_only_in_the_browser_that_left(client, api, organization):
    app, _ = oauth_app(organization, first_party=True)
    _, challenge = pkce()
    external_auth_id = sent_to_login_uri(client, authorize_url(app, challenge))
    redirect_uri = complete(api, external_auth_id).json()["redirect_uri"]
    path = redirect_uri.removeprefix("http://testserver")

    elsewhere = Client().get(path)
    first = client.get(path)
    second = client.get(path)
    forged = client.get(path.split("state=")[0] + "state=forged")

    assert elsewhere.status_code == 400 and b"cannot be completed" in elsewhere.content
    assert first.status_code == 302
    assert second.status_code == 400 and forged.status_code == 400
    assert b"in the browser that began it" in second.content


def test_completing_twice_or_too_late_is_refused(client, api, organization):
    app, _ = oauth_app(organization, first_party=True)
    _, challenge = pkce()
    external_auth_id = sent_to_login_uri(client, authorize_url(app, challenge))
    stale_id = sent_to_login_uri(Client(), authorize_url(app, challenge))
    ExternalAuth.objects.filter(id=stale_id).update(
        created_at=ExternalAuth.objects.get(id=stale_id).created_at - timedelta(minutes=11)
    )

    first = complete(api, external_auth_id)
    second = complete(api, external_auth_id)
    stale = complete(api, stale_id)
    unknown = complete(api, "ext_auth_01NOTTHERE")

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json()["code"] == "external_auth_session_already_completed"
    assert stale.status_code == 404 and unknown.status_code == 404


@pytest.mark.parametrize(
    ("user", "code"),
    [
        ({"email": "not an email"}, "invalid_email"),
        ({"id": "crm-new", "email": "taken@example.com"}, "email_not_available"),
        ({"id": "crm-existing", "email": "new@example.com"}, "email_change_not_allowed"),
    ],
)
def test_the_user_is_refused_with_the_contract_s_codes(client, api, organization, user, code):
    users.user_create(
        email="taken@example.com", password=None, first_name=None, last_name=None, name=None,
        email_verified=False, external_id="crm-existing", metadata={},
    )  # fmt: skip
    app, _ = oauth_app(organization, first_party=True)
    _, challenge = pkce()
    external_auth_id = sent_to_login_uri(client, authorize_url(app, challenge))

    response = complete(api, external_auth_id, **user)

    assert response.status_code == 400 and response.json()["code"] == code


def test_a_known_user_is_updated_by_their_id_in_the_application(client, api, organization):
    known = users.user_create(
        email="leroy.jenkins@example.com", password=None, first_name="L", last_name="J",
        name=None, email_verified=True, external_id="crm-42", metadata={"plan": "free"},
    )  # fmt: skip
    app, _ = oauth_app(organization, first_party=True)
    _, challenge = pkce()
    external_auth_id = sent_to_login_uri(client, authorize_url(app, challenge))

    response = complete(api, external_auth_id, metadata={"plan": "pro"})

    assert response.status_code == 200
    known.refresh_from_db()
    assert (known.first_name, known.last_name, known.metadata) == ("Leroy", "J", {"plan": "pro"})
    assert User.objects.count() == 1


def test_consent_options_are_refused_as_unsupported(client, api, organization):
    app, _ = oauth_app(organization, first_party=True)
    _, challenge = pkce()
    external_auth_id = sent_to_login_uri(client, authorize_url(app, challenge))
    option = {"claim": "tier", "type": "enum", "label": "Tier", "choices": [{"value": "a"}]}

    response = api.post(
        "authkit/oauth2/complete",
        {
            "external_auth_id": external_auth_id,
            "user": {"id": "crm-1", "email": "a@example.com"},
            "user_consent_options": [option],
        },
    )

    assert response.status_code == 400
    assert response.json()["code"] == "user_consent_options_not_supported"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user": {"id": "crm-1", "email": "a@example.com"}}, "external_auth_id"),
        ({"external_auth_id": "ext_auth_01X"}, "user"),
        ({"external_auth_id": "ext_auth_01X", "user": "crm-1"}, "user"),
        ({"external_auth_id": "ext_auth_01X", "user": {"email": "a@example.com"}}, "user.id"),
        ({"external_auth_id": "ext_auth_01X", "user": {"id": "crm-1"}}, "user.email"),
        (
            {"external_auth_id": "ext_auth_01X", "user": {"id": "c", "email": "a@b.c", "x": 1}},
            "user.x",
        ),
        (
            {
                "external_auth_id": "ext_auth_01X",
                "user": {"id": "c", "email": "a@b.c", "metadata": {"k": 1}},
            },
            "user.metadata",
        ),
        (
            {
                "external_auth_id": "ext_auth_01X",
                "user": {"id": "c", "email": "a@b.c", "metadata": {"k": "v" * 601}},
            },
            "user.metadata.k",
        ),
    ],
)
def test_a_malformed_completion_is_refused_field_by_field(api, body, field):
    response = api.post("authkit/oauth2/complete", body)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_completion_needs_the_api_key_of_the_environment_that_began_it(client, api, organization):
    app, _ = oauth_app(organization, first_party=True)
    _, challenge = pkce()
    external_auth_id = sent_to_login_uri(client, authorize_url(app, challenge))

    other_environment = complete(ApiClient("sk_live_emulator"), external_auth_id)
    no_key = Client().post(
        "/emulator/authkit/oauth2/complete",
        {"external_auth_id": external_auth_id, "user": {"id": "c", "email": "a@b.c"}},
        content_type="application/json",
    )

    assert other_environment.status_code == 404 and no_key.status_code == 401


def test_each_environment_has_its_own_login_uri(client, organization, settings):
    settings.WORKOS_EMULATOR_LOGIN_URI = ""
    settings.WORKOS_EMULATOR_PRODUCTION_LOGIN_URI = "https://app.example.com/login"
    with partition.override(partition.PRODUCTION):
        production_org = store.organization_create(
            name="Acme", domains=[], metadata={}, external_id=None
        )
        app, _ = oauth_app(production_org, first_party=True)
    sandbox_app, _ = oauth_app(organization, first_party=True)
    _, challenge = pkce()

    production = client.get(
        authorize_url(app, challenge).replace("/emulator/", "/emulator/production/")
    )
    sandbox = client.get(authorize_url(sandbox_app, challenge))

    assert production["Location"].startswith("https://app.example.com/login?external_auth_id=")
    assert sandbox.status_code == 200 and b"Sign in to continue to" in sandbox.content


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WORKOS_EMULATOR_LOGIN_URI", "http://app.example.com/login"),
        ("WORKOS_EMULATOR_LOGIN_URI", "https://app.example.com/login#here"),
        ("WORKOS_EMULATOR_LOGIN_URI", "com.example.app:/login"),
        ("WORKOS_EMULATOR_PRODUCTION_LOGIN_URI", "http://127.0.0.1:3000/login"),
    ],
)
def test_a_login_uri_that_cannot_be_used_stops_the_settings(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured) as error:
        load_settings()

    assert str(error.value).startswith(f"{name} must be an https address")


def test_a_loopback_login_uri_is_fine_outside_production(monkeypatch):
    monkeypatch.setenv("WORKOS_EMULATOR_LOGIN_URI", "http://127.0.0.1:3000/login")

    assert load_settings()["WORKOS_EMULATOR_LOGIN_URI"] == "http://127.0.0.1:3000/login"


def test_production_completes_its_own_external_auths(client, settings):
    settings.WORKOS_EMULATOR_PRODUCTION_LOGIN_URI = "https://app.example.com/login"
    with partition.override(partition.PRODUCTION):
        organization = store.organization_create(
            name="Acme", domains=[], metadata={}, external_id=None
        )
        app, _ = oauth_app(organization, first_party=True)
    _, challenge = pkce()
    url = authorize_url(app, challenge).replace("/emulator/", "/emulator/production/")
    production = ApiClient("sk_live_emulator")

    external_auth_id = parse_qs(urlsplit(client.get(url)["Location"]).query)["external_auth_id"][0]
    redirect_uri = complete(production, external_auth_id).json()["redirect_uri"]
    back = client.get(redirect_uri.removeprefix("http://testserver"))
    answer = client.get(back["Location"])

    assert redirect_uri.startswith(f"{ISSUER}/production/oauth2/authorize/complete?state=")
    assert back["Location"] == url
    assert answer["Location"].startswith(REDIRECT) and "code=" in answer["Location"]
    with partition.override(partition.PRODUCTION):
        assert User.objects.filter(external_id="crm-42").exists()
    assert not User.objects.exists()
