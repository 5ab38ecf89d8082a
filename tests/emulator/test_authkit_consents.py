"""Consents: every authorization a user grants at the authorize endpoint is kept and served
as User Management's authorized applications (of a user, of an organization), and revoking
one ends its refresh tokens and its codes not yet exchanged."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from dashboard.emulator import store
from dashboard.emulator.authkit import consents
from dashboard.emulator.authkit.models import AuthorizationCode, Consent, RefreshToken
from dashboard.emulator.user_management import store as users
from tests.support import ApiClient
from tests.support.authkit import PASSWORD, REDIRECT, claims_of, pkce, token

pytestmark = pytest.mark.django_db

SCOPES = "openid profile email offline_access documents:read"


@pytest.fixture
def user(db):
    return users.user_create(
        email="alice@acme.example",
        password=PASSWORD,
        first_name="Alice",
        last_name=None,
        name=None,
        email_verified=True,
        external_id=None,
        metadata={},
    )


def oauth_app(organization, *, first_party: bool = False, name: str = "Partner Portal"):
    app = store.application_create(
        application_type="oauth",
        name=name,
        is_first_party=first_party,
        organization_id=None if first_party else organization.id,
        scopes=["documents:read", "documents:write"],
        redirect_uris=[{"uri": REDIRECT, "default": True}],
    )
    _, secret = store.client_secret_create(app)
    return app, secret


@pytest.fixture
def portal(organization):
    return oauth_app(organization)


def authorize(browser, app, *, organization_id: str, **params) -> dict:
    """Through the authorize endpoint as a browser: signs in if it has to, allows access for
    the organization if asked; answers the query the application is sent back."""
    query = {
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": SCOPES,
        "state": "s-1",
        **params,
    }
    url = "/emulator/oauth2/authorize?" + urlencode(query)
    page = browser.get(url)
    if b"Sign in to continue to" in page.content:
        signed_in = browser.post(
            url, {"action": "sign_in", "email": "alice@acme.example", "password": PASSWORD}
        )
        assert signed_in.status_code == 302
        page = browser.get(url)
    if page.status_code != 302:
        assert b"to access your account?" in page.content
        page = browser.post(url, {"action": "allow", "organization_id": organization_id})
    assert page.status_code == 302 and page["Location"].startswith(REDIRECT)
    return parse_qs(urlsplit(page["Location"]).query)


def sign_in_and_exchange(client, app, secret, *, organization_id: str, scope: str = SCOPES):
    """The code flow through to tokens, as the application would run it."""
    verifier, challenge = pkce()
    answer = authorize(
        client, app, organization_id=organization_id, scope=scope,
        code_challenge=challenge, code_challenge_method="S256",
    )  # fmt: skip
    return token(
        client, grant_type="authorization_code", code=answer["code"][0], redirect_uri=REDIRECT,
        client_id=app.client_id, client_secret=secret, code_verifier=verifier,
    ).json()  # fmt: skip


def refresh(client, app, secret, refresh_token: str):
    return token(
        client, grant_type="refresh_token", refresh_token=refresh_token,
        client_id=app.client_id, client_secret=secret,
    )  # fmt: skip


def test_a_third_party_consent_is_listed_for_the_user_and_the_organization(
    client, api, user, portal, organization
):
    app, secret = portal

    tokens = sign_in_and_exchange(client, app, secret, organization_id=organization.id)

    of_user = api.get(f"user_management/users/{user.id}/authorized_applications").json()
    in_org = api.get(f"organizations/{organization.id}/authorized_applications").json()
    [authorized] = of_user["data"]
    assert authorized["object"] == "authorized_connect_application"
    assert authorized["id"].startswith("authorized_connect_app_")
    assert authorized["granted_scopes"] == SCOPES.split()
    assert authorized["application"]["id"] == app.id
    assert authorized["application"]["client_id"] == app.client_id
    assert "user_id" not in authorized
    assert in_org["data"] == [authorized | {"user_id": user.id}]
    assert of_user["list_metadata"] == {"before": None, "after": None}
    # The access token's `sid` is the consent that was recorded.
    consent = Consent.objects.get()
    assert claims_of(tokens["access_token"])["sid"] == consent.id
    assert (consent.user_id, consent.client_id, consent.organization_id) == (
        user.id,
        app.client_id,
        organization.id,
    )


def test_a_first_party_sign_in_is_an_authorization_too_though_it_asks_no_consent(
    client, api, user, organization
):
    app, secret = oauth_app(organization, first_party=True, name="Support Portal")

    tokens = sign_in_and_exchange(client, app, secret, organization_id="")

    [authorized] = api.get(f"user_management/users/{user.id}/authorized_applications").json()[
        "data"
    ]
    assert authorized["application"]["is_first_party"] is True
    assert authorized["granted_scopes"] == SCOPES.split()
    assert claims_of(tokens["access_token"])["sid"] == Consent.objects.get().id
    # It is for no organization, so no organization lists it.
    assert api.get(f"organizations/{organization.id}/authorized_applications").json()["data"] == []


def test_consenting_again_adds_scopes_and_another_organization_is_another_authorization(
    client, api, user, portal, organization, other_organization
):
    app, secret = portal
    sign_in_and_exchange(client, app, secret, organization_id=organization.id, scope="openid")
    first = api.get(f"user_management/users/{user.id}/authorized_applications").json()["data"]

    sign_in_and_exchange(
        client, app, secret, organization_id=organization.id, scope="openid documents:read"
    )
    sign_in_and_exchange(client, app, secret, organization_id=other_organization.id)

    listed = api.get(
        f"user_management/users/{user.id}/authorized_applications", {"order": "asc"}
    ).json()["data"]
    assert [entry["id"] for entry in listed][0] == first[0]["id"]
    assert listed[0]["granted_scopes"] == ["openid", "documents:read"]
    assert len(listed) == 2 and listed[1]["granted_scopes"] == SCOPES.split()
    in_other = api.get(f"organizations/{other_organization.id}/authorized_applications").json()
    assert [entry["id"] for entry in in_other["data"]] == [listed[1]["id"]]
    assert Consent.objects.count() == 3


def test_a_refresh_token_fails_once_its_consent_is_revoked(client, api, user, portal, organization):
    app, secret = portal
    tokens = sign_in_and_exchange(client, app, secret, organization_id=organization.id)
    rotated = refresh(client, app, secret, tokens["refresh_token"])
    assert rotated.status_code == 200

    revoked = api.delete(f"user_management/users/{user.id}/authorized_applications/{app.id}")
    refused = refresh(client, app, secret, rotated.json()["refresh_token"])

    assert revoked.status_code == 204
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert not RefreshToken.objects.filter(revoked=False).exists()
    assert api.get(f"user_management/users/{user.id}/authorized_applications").json()["data"] == []
    assert not Consent.objects.exists()


def test_a_consent_is_revoked_by_the_application_s_client_id_too(
    client, api, user, portal, organization
):
    app, secret = portal
    tokens = sign_in_and_exchange(client, app, secret, organization_id=organization.id)

    revoked = api.delete(f"user_management/users/{user.id}/authorized_applications/{app.client_id}")

    assert revoked.status_code == 204
    assert refresh(client, app, secret, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_revoking_voids_a_code_not_yet_exchanged_and_leaves_other_users_alone(
    client, api, user, portal, organization
):
    app, secret = portal
    bob = users.user_create(
        email="bob@acme.example", password=PASSWORD, first_name=None, last_name=None, name=None,
        email_verified=True, external_id=None, metadata={},
    )  # fmt: skip
    consents.consent_record(
        user_id=bob.id, app=app, organization_id=organization.id, scopes=["openid"]
    )
    verifier, challenge = pkce()
    code = authorize(
        client, app, organization_id=organization.id, code_challenge=challenge,
        code_challenge_method="S256",
    )["code"][0]  # fmt: skip

    api.delete(f"user_management/users/{user.id}/authorized_applications/{app.id}")
    exchanged = token(
        client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
        client_id=app.client_id, client_secret=secret, code_verifier=verifier,
    )  # fmt: skip

    assert exchanged.status_code == 400 and exchanged.json()["error"] == "invalid_grant"
    assert not AuthorizationCode.objects.exists()
    in_org = api.get(f"organizations/{organization.id}/authorized_applications").json()["data"]
    assert [entry["user_id"] for entry in in_org] == [bob.id]


def test_the_lists_page_with_cursors_of_authorized_applications(api, user, organization):
    apps = [oauth_app(organization, name=f"App {n}")[0] for n in range(3)]
    for app in apps:
        consents.consent_record(
            user_id=user.id, app=app, organization_id=organization.id, scopes=["openid"]
        )
    path = f"user_management/users/{user.id}/authorized_applications"

    first = api.get(path, {"limit": 2}).json()
    second = api.get(path, {"limit": 2, "after": first["list_metadata"]["after"]}).json()
    back = api.get(path, {"limit": 2, "before": second["list_metadata"]["before"]}).json()

    newest_first = [app.id for app in reversed(apps)]
    assert [entry["application"]["id"] for entry in first["data"]] == newest_first[:2]
    assert [entry["application"]["id"] for entry in second["data"]] == newest_first[2:]
    assert second["list_metadata"]["after"] is None
    assert back["data"] == first["data"]
    org_page = api.get(
        f"organizations/{organization.id}/authorized_applications", {"limit": 1, "order": "asc"}
    ).json()
    assert org_page["data"][0]["application"]["id"] == apps[0].id
    assert org_page["list_metadata"]["after"] == second["data"][0]["id"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("user_management/users/user_01NOTTHERE/authorized_applications", 404, "not_found"),
        ("organizations/org_01NOTTHERE/authorized_applications", 404, "not_found"),
    ],
)
def test_an_unknown_user_or_organization_is_not_found(api, path, status, code):
    response = api.get(path)

    assert response.status_code == status and response.json()["code"] == code


def test_list_parameters_are_checked(api, user, organization):
    of_user = api.get(
        f"user_management/users/{user.id}/authorized_applications", {"after": "user_01X"}
    )
    in_org = api.get(f"organizations/{organization.id}/authorized_applications", {"limit": 0})

    assert of_user.status_code == 422 and of_user.json()["code"] == "invalid_request_parameters"
    assert of_user.json()["errors"][0]["field"] == "after"
    assert in_org.status_code == 422 and in_org.json()["errors"][0]["field"] == "limit"


def test_revoking_what_was_never_authorized_is_not_found(api, user, portal):
    app, _ = portal
    base = f"user_management/users/{user.id}/authorized_applications"

    never = api.delete(f"{base}/{app.id}")
    no_app = api.delete(f"{base}/conn_app_01NOTTHERE")
    no_user = api.delete(f"user_management/users/user_01NOTTHERE/authorized_applications/{app.id}")

    assert [never.status_code, no_app.status_code, no_user.status_code] == [404, 404, 404]
    assert user.id in never.json()["message"]


def test_an_environment_sees_only_its_own_consents(api, user, portal, organization):
    app, _ = portal
    consents.consent_record(
        user_id=user.id, app=app, organization_id=organization.id, scopes=["openid"]
    )
    production = ApiClient("sk_live_emulator")

    assert (
        production.get(f"user_management/users/{user.id}/authorized_applications").status_code
        == 404
    )
    assert (
        production.get(f"organizations/{organization.id}/authorized_applications").status_code
        == 404
    )
