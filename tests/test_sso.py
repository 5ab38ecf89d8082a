"""Staff single sign-on: the whole flow against the embedded authorization server (signed in
there as its seeded staff), and every refusal a relying party owes, against a provider
faked at its HTTP edge where a token has to be forged."""

import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from django.contrib.auth import get_user_model
from django.test import Client
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from dashboard.audit.models import AuditEvent
from dashboard.emulator import partition
from dashboard.emulator.models import User as EndUser
from dashboard.emulator.seed import DEMO_PASSWORD, ensure_staff_users, staff_sign_on_client
from dashboard.web import sso
from dashboard.web.models import EmbeddedSignOn, EnvironmentRole, SignOnIdentity

pytestmark = pytest.mark.django_db

# The embedded server takes plain-http redirect URIs on loopback hosts only.
ISSUER = "http://localhost/emulator"


@pytest.fixture
def client():
    return Client(HTTP_HOST="localhost")


@pytest.fixture(autouse=True)
def fresh_discovery():
    sso._metadata.clear()
    yield
    sso._metadata.clear()


@pytest.fixture
def embedded():
    """The dashboard registered at the embedded authorization server, as quickstart does."""
    app = staff_sign_on_client(["http://localhost/sso/callback"], None)
    EmbeddedSignOn.objects.create(client_id=app.client_id, application_id=app.id)
    ensure_staff_users()
    return app


def location(response) -> str:
    assert response.status_code == 302, (response.status_code, response.content[:500])
    return response["Location"]


def authorize(client, email: str, next_url: str | None = None) -> str:
    """Start a sign-on and sign in at the embedded server: the callback URL it sends back."""
    start = client.get("/sso/start", {"next": next_url} if next_url else {})
    at_server = location(start)
    assert at_server.startswith(f"{ISSUER}/oauth2/authorize?")
    query = parse_qs(urlsplit(at_server).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    assert client.get(at_server).status_code == 200  # The server's sign-in page.
    signed_in = client.post(
        at_server, {"action": "sign_in", "email": email, "password": DEMO_PASSWORD}
    )
    return location(client.get(location(signed_in)))


def sign_on(client, email: str, next_url: str | None = None):
    return client.get(authorize(client, email, next_url))


def set_roles(email: str, roles: str) -> None:
    with partition.override(partition.SANDBOX):
        user = EndUser.objects.get(email=email)
        user.metadata = {"roles": roles} if roles else {}
        user.save()


def signed_in_user(client):
    return client.get("/sandbox/applications/").wsgi_request.user


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- Against the embedded authorization server --------------------------------------------------


def test_the_sign_in_page_offers_single_sign_on(client, embedded):
    page = client.get("/login/?next=/sandbox/health/")
    assert b"Sign in with SSO" in page.content
    assert b'href="/sso/start?next=%2Fsandbox%2Fhealth%2F"' in page.content
    assert b"or with a password" in page.content


def test_a_first_sign_in_creates_the_user_with_the_mapped_role(client, embedded):
    done = sign_on(client, "editor@staff.example", "/sandbox/health/")

    assert location(done) == "/sandbox/health/"
    user = signed_in_user(client)
    assert user.username == "editor@staff.example" and not user.has_usable_password()
    assert [group.name for group in user.groups.all()] == ["Editor"]
    assert user.has_perm("applications.change_applications")
    assert not user.has_perm("applications.delete_applications")
    identity = SignOnIdentity.objects.get(user=user)
    with partition.override(partition.SANDBOX):
        subject = EndUser.objects.get(email="editor@staff.example").id
    assert (identity.issuer, identity.subject) == (ISSUER, subject)
    (signed,) = events("sso_sign_in")
    assert signed.changes == {"issuer": ISSUER, "subject": subject}
    assert signed.username == "editor@staff.example" and signed.outcome == "success"
    (changed,) = events("role_changed")
    assert changed.changes["before"] == "no role" and changed.changes["after"] == "Editor"
    assert events("sign_in") == []  # One event per sign-in: the single sign-on's.


def test_a_changed_role_claim_changes_the_role_at_the_next_sign_in(client, embedded):
    sign_on(client, "editor@staff.example")
    client.post("/logout/")
    set_roles("editor@staff.example", "viewer")

    sign_on(client, "editor@staff.example")

    user = signed_in_user(client)
    assert [group.name for group in user.groups.all()] == ["Viewer"]
    assert not user.has_perm("applications.change_applications")
    assert get_user_model().objects.count() == 1
    assert (
        events("role_changed")[-1].changes | {"issuer": ISSUER}
        == events("role_changed")[-1].changes
    )
    assert events("role_changed")[-1].detail == "Editor → Viewer"


def test_no_role_means_no_access_and_nothing_else(client, embedded):
    refused = sign_on(client, "guest@staff.example")

    assert refused.status_code == 403
    assert b"No access" in refused.content and b"<code>roles</code>" in refused.content
    assert not signed_in_user(client).is_authenticated
    assert not get_user_model().objects.exists()
    (event,) = events("sso_refused")
    assert event.outcome == "refused" and event.changes["issuer"] == ISSUER


def test_a_role_taken_away_at_the_provider_takes_effect_at_the_next_sign_in(client, embedded):
    sign_on(client, "admin@staff.example")
    client.post("/logout/")
    set_roles("admin@staff.example", "")

    refused = sign_on(client, "admin@staff.example")

    assert refused.status_code == 403 and not signed_in_user(client).is_authenticated
    user = get_user_model().objects.get(username="admin@staff.example")
    assert not user.groups.exists()
    assert events("role_changed")[-1].detail == "Admin → no role"


def test_roles_per_environment_from_the_map(client, embedded, settings):
    settings.DASHBOARD_OIDC_ROLE_MAP = {"ops": [("Viewer", None), ("Admin", "sandbox")]}
    set_roles("admin@staff.example", "ops,unmapped")

    sign_on(client, "admin@staff.example")

    user = signed_in_user(client)
    assert [group.name for group in user.groups.all()] == ["Viewer"]
    assert list(EnvironmentRole.objects.values_list("environment", "role")) == [
        ("sandbox", "Admin")
    ]
    assert client.get("/sandbox/configuration/").status_code == 200
    assert client.get("/production/configuration/").status_code == 403


def test_an_account_is_matched_by_subject_never_by_email(client, embedded):
    password_user = get_user_model().objects.create_user(
        "editor@staff.example", password="a-password-of-the-dashboard"
    )

    sign_on(client, "editor@staff.example")

    user = signed_in_user(client)
    assert user != password_user
    assert user.username.startswith("sso-") and user.email == "editor@staff.example"
    assert not password_user.groups.exists()


def test_a_wrong_state_is_refused(client, embedded):
    callback = authorize(client, "editor@staff.example")
    query = parse_qs(urlsplit(callback).query)

    refused = client.get("/sso/callback", {"code": query["code"][0], "state": "forged"})

    assert refused.status_code == 400
    assert b"does not belong to this sign-in" in refused.content
    assert not signed_in_user(client).is_authenticated
    assert "state" in events("sso_refused")[0].detail


def test_a_replayed_code_is_refused(client, embedded):
    callback = authorize(client, "editor@staff.example")
    client.get(callback)
    client.post("/logout/")
    assert client.get(callback).status_code == 400  # Its sign-in is over.

    # The old code, smuggled into a new sign-in: the server has spent it.
    start = parse_qs(urlsplit(location(client.get("/sso/start"))).query)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    replayed = client.get("/sso/callback", {"code": code, "state": start["state"][0]})

    assert replayed.status_code == 400
    assert b"refused the sign-in&#x27;s code" in replayed.content
    assert not signed_in_user(client).is_authenticated


def test_a_next_url_elsewhere_goes_home_instead(client, embedded):
    done = sign_on(client, "editor@staff.example", "https://evil.example/phish")

    assert location(done) == "/"


def test_an_error_from_the_provider_is_shown_and_recorded(client, embedded):
    state = parse_qs(urlsplit(location(client.get("/sso/start"))).query)["state"][0]

    refused = client.get(
        "/sso/callback",
        {"error": "access_denied", "error_description": "The user said no", "state": state},
    )

    assert refused.status_code == 400 and b"The user said no" in refused.content


def test_password_sign_in_can_be_turned_off_but_for_break_glass(client, embedded, settings):
    settings.DASHBOARD_PASSWORD_LOGIN = False
    users = get_user_model()
    users.objects.create_user("ops", password="an-ops-password-2026")
    users.objects.create_superuser("root", password="a-root-password-2026")

    page = client.get("/login/")
    assert b"Password sign-in is turned off" in page.content
    assert b'name="password"' not in page.content
    refused = client.post("/login/", {"username": "ops", "password": "an-ops-password-2026"})
    assert b"Password sign-in is turned off here" in refused.content
    assert not signed_in_user(client).is_authenticated

    settings.DASHBOARD_BREAK_GLASS_USERS = ["root"]
    assert b"Break-glass sign-in" in client.get("/login/").content
    assert client.post("/login/", {"username": "ops", "password": "an-ops-password-2026"})
    assert not signed_in_user(client).is_authenticated
    client.post("/login/", {"username": "root", "password": "a-root-password-2026"})
    assert signed_in_user(client).username == "root"


def test_without_a_provider_there_is_no_single_sign_on(client):
    assert b"Sign in with" not in client.get("/login/").content
    assert client.get("/sso/start").status_code == 404
    assert client.get("/sso/callback").status_code == 404


# --- Against a provider faked at its HTTP edge ---------------------------------------------------

PROVIDER = "https://idp.example"
CLIENT_ID = "dashboard-client"


class FakeProvider:
    """What the dashboard asks of a provider, answered with tokens a test may forge."""

    def __init__(self, router: respx.Router):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "key-1"}, private=True)
        self.claims: dict = {}
        self.signing_key = self.key
        router.get(f"{PROVIDER}/.well-known/openid-configuration").respond(
            json={
                "issuer": PROVIDER,
                "authorization_endpoint": f"{PROVIDER}/authorize",
                "token_endpoint": f"{PROVIDER}/token",
                "jwks_uri": f"{PROVIDER}/keys",
                "end_session_endpoint": f"{PROVIDER}/logout",
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }
        )
        router.get(f"{PROVIDER}/keys").respond(json=KeySet([self.key]).as_dict(private=False))
        self.token = router.post(f"{PROVIDER}/token").mock(side_effect=self.answer)
        self.nonce = ""

    def answer(self, request: httpx.Request) -> httpx.Response:
        now = int(time.time())
        claims = {
            "iss": PROVIDER, "aud": CLIENT_ID, "sub": "00u-ops-1", "iat": now,
            "exp": now + 300, "nonce": self.nonce, "email": "ops@example.com",
            "roles": ["editor"],
        } | self.claims  # fmt: skip
        id_token = jwt.encode({"alg": "RS256", "kid": "key-1"}, claims, self.signing_key)
        return httpx.Response(
            200, json={"access_token": "at", "token_type": "Bearer", "id_token": id_token}
        )


@pytest.fixture
def provider(settings):
    settings.DASHBOARD_OIDC_ISSUER = PROVIDER
    settings.DASHBOARD_OIDC_CLIENT_ID = CLIENT_ID
    settings.DASHBOARD_OIDC_CLIENT_SECRET = "a-client-secret"
    settings.DASHBOARD_OIDC_NAME = "Okta"
    with respx.mock(assert_all_called=False) as router:
        yield FakeProvider(router)


def callback(client, provider: FakeProvider):
    query = parse_qs(urlsplit(location(client.get("/sso/start"))).query)
    provider.nonce = query["nonce"][0]
    return client.get("/sso/callback", {"code": "a-code", "state": query["state"][0]})


def test_a_confidential_client_signs_in_with_basic_auth_and_pkce(client, provider):
    assert location(callback(client, provider)) == "/"

    sent = provider.token.calls.last.request
    assert sent.headers["Authorization"].startswith("Basic ")
    form = parse_qs(sent.content.decode())
    assert form["grant_type"] == ["authorization_code"] and form["code_verifier"]
    assert "client_secret" not in form
    assert signed_in_user(client).username == "ops@example.com"


@pytest.mark.parametrize(
    ("forged", "said"),
    [
        ({"iss": "https://other-idp.example"}, b"was issued by another provider"),
        ({"aud": "another-client"}, b"was issued to another application"),
        ({"exp": int(time.time()) - 3600}, b"has expired"),
        ({"nonce": "someone-elses"}, b"nonce differs"),
        ({"sub": None}, b"has a wrong or missing sub claim"),
    ],
)
def test_a_forged_or_stale_id_token_is_refused(client, provider, forged, said):
    provider.claims = {name: value for name, value in forged.items() if value is not None}
    if "sub" in forged:
        provider.claims = {"sub": ""}

    refused = callback(client, provider)

    assert refused.status_code == 400 and said in refused.content, refused.content[-600:]
    assert not signed_in_user(client).is_authenticated
    assert not get_user_model().objects.exists()


def test_a_token_signed_with_another_key_is_refused(client, provider):
    provider.signing_key = RSAKey.generate_key(2048, parameters={"kid": "key-1"}, private=True)

    refused = callback(client, provider)

    assert refused.status_code == 400 and b"signature does not verify" in refused.content
    assert not signed_in_user(client).is_authenticated


def test_signing_out_offers_the_providers_sign_out(client, provider):
    callback(client, provider)

    out = client.post("/logout/")

    assert out.status_code == 200 and not signed_in_user(client).is_authenticated
    assert b"Sign out of Okta too" in out.content
    assert f"{PROVIDER}/logout?client_id={CLIENT_ID}".encode() in out.content


def test_a_provider_that_cannot_be_reached_is_a_clear_error(client, settings):
    settings.DASHBOARD_OIDC_ISSUER = PROVIDER
    settings.DASHBOARD_OIDC_CLIENT_ID = CLIENT_ID
    with respx.mock() as router:
        router.get(f"{PROVIDER}/.well-known/openid-configuration").mock(
            side_effect=httpx.ConnectError("refused")
        )
        failed = client.get("/sso/start")

    assert failed.status_code == 502 and b"could not be reached just now" in failed.content


def test_the_role_map_is_read_strictly():
    from dashboard.settings import _role_map

    assert _role_map("ops=Editor, ops=viewer@Production, leads=ADMIN") == {
        "ops": [("Editor", None), ("Viewer", "production")],
        "leads": [("Admin", None)],
    }
    for wrong in ["ops", "ops=Owner", "=Admin", "ops=Editor,"]:
        with pytest.raises(ValueError):
            _role_map(wrong)
