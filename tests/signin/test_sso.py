"""Staff single sign-on: the whole flow against the embedded authorization server (signed in
there as its seeded staff), and every refusal a relying party owes, against a provider
faked at its HTTP edge where a token has to be forged; which claims give roles, from which
issuer (the trust model), and the `sso_roles` command that maps identities to roles."""

import time
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from dashboard.audit.models import AuditEvent
from dashboard.emulator import partition
from dashboard.emulator.models import User as EndUser
from dashboard.emulator.seed import DEMO_PASSWORD, staff_sign_on_client
from dashboard.environments import Environment
from dashboard.kernel.models import EmbeddedSignOn, EnvironmentRole, SignOnIdentity, SignOnRole
from dashboard.signin import sso
from dashboard.signin.management.commands.quickstart import ensure_staff

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
def registered():
    """The dashboard registered at the embedded authorization server, as quickstart does."""
    app = staff_sign_on_client(["http://localhost/sso/callback"], None)
    EmbeddedSignOn.objects.create(client_id=app.client_id, application_id=app.id)
    return app


@pytest.fixture
def embedded(registered):
    """And the staff seeded there, as quickstart does."""
    ensure_staff()
    return registered


def location(response) -> str:
    assert response.status_code == 302, (response.status_code, response.content[:500])
    return response["Location"]


def authorize(
    client, email: str, next_url: str | None = None, *, password: str = DEMO_PASSWORD
) -> str:
    """Start a sign-on and sign in at the embedded server: the callback URL it sends back."""
    start = client.get("/sso/start", {"next": next_url} if next_url else {})
    at_server = location(start)
    host = client.defaults["HTTP_HOST"]
    assert at_server.startswith(f"http://{host}/emulator/oauth2/authorize?")
    query = parse_qs(urlsplit(at_server).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    assert client.get(at_server).status_code == 200  # The server's sign-in page.
    signed_in = client.post(at_server, {"action": "sign_in", "email": email, "password": password})
    return location(client.get(location(signed_in)))


def sign_on(client, email: str, next_url: str | None = None, **kwargs):
    return client.get(authorize(client, email, next_url, **kwargs))


def subject_of(email: str) -> str:
    with partition.override(partition.SANDBOX):
        return EndUser.objects.get(email=email).id


def sso_roles(*args: str) -> str:
    out = StringIO()
    call_command("sso_roles", *args, stdout=out)
    return out.getvalue()


def can_configure(client, environment: str) -> bool:
    """Whether the signed-in user may open the environment's Admin-only page."""
    return client.get(f"/{environment}/configuration/").status_code == 200


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
    assert not user.groups.exists()
    assert list(user.environment_roles.values_list("environment", "role")) == [
        ("sandbox", "Editor")
    ]
    assert user.has_perm("applications.change_applications")
    assert not user.has_perm("applications.delete_applications")
    identity = SignOnIdentity.objects.get(user=user)
    subject = subject_of("editor@staff.example")
    assert (identity.issuer, identity.subject) == (ISSUER, subject)
    (signed,) = events("sso_sign_in")
    assert signed.changes == {"issuer": ISSUER, "subject": subject}
    assert signed.username == "editor@staff.example" and signed.outcome == "success"
    (changed,) = events("role_changed")
    assert changed.changes["before"] == "no role"
    assert changed.changes["after"] == "Editor in sandbox"
    assert events("sign_in") == []  # One event per sign-in: the single sign-on's.


def test_a_user_made_with_the_sandbox_api_key_gets_no_role_from_its_metadata(client, embedded, api):
    """Issue 26: whoever holds the sandbox API key writes an end user's metadata, the
    embedded server's `roles` claim; it must not make them an Admin of the dashboard, in the
    sandbox or in production."""
    made = api.post(
        "/user_management/users",
        {
            "email": "intruder@example.com",
            "password": "an-intruders-password-2026",
            "email_verified": True,
            "metadata": {"roles": "admin"},
        },
    )
    assert made.status_code == 201, made.content

    refused = sign_on(client, "intruder@example.com", password="an-intruders-password-2026")

    assert refused.status_code == 403 and b"No access" in refused.content
    assert b"embedded:sandbox" in refused.content and made.json()["id"].encode() in refused.content
    assert not signed_in_user(client).is_authenticated
    assert not can_configure(client, "sandbox") and not can_configure(client, "production")
    assert not get_user_model().objects.exists()
    assert not EnvironmentRole.objects.exists()
    (event,) = events("sso_refused")
    assert event.changes["subject"] == made.json()["id"]


def test_a_seeded_staff_members_metadata_changes_nothing(client, embedded):
    set_roles("viewer@staff.example", "admin")

    sign_on(client, "viewer@staff.example")

    user = signed_in_user(client)
    assert list(user.environment_roles.values_list("environment", "role")) == [
        ("sandbox", "Viewer")
    ]
    assert not can_configure(client, "sandbox") and not can_configure(client, "production")


def test_a_seeded_admin_is_admin_in_the_sandbox_and_nothing_in_production(client, embedded):
    sign_on(client, "admin@staff.example")

    assert can_configure(client, "sandbox")
    assert client.get("/production/applications/").status_code == 403
    assert client.get("/audit/").status_code == 200


def test_a_sandbox_identity_gets_a_role_in_production_only_when_mapped_there(client, embedded):
    subject = subject_of("admin@staff.example")
    said = sso_roles("grant", "embedded:sandbox", subject, "Viewer", "--environment", "production")
    assert (
        said == f"{subject} at embedded:sandbox is Viewer in production, from the next sign-in.\n"
    )

    sign_on(client, "admin@staff.example")

    user = signed_in_user(client)
    assert dict(user.environment_roles.values_list("environment", "role")) == {
        "sandbox": "Admin",
        "production": "Viewer",
    }
    assert client.get("/production/applications/").status_code == 200
    assert not can_configure(client, "production")


def test_a_changed_mapping_changes_the_role_at_the_next_sign_in(client, embedded):
    sign_on(client, "editor@staff.example")
    client.post("/logout/")
    sso_roles("grant", "embedded:sandbox", subject_of("editor@staff.example"), "Viewer")

    sign_on(client, "editor@staff.example")

    user = signed_in_user(client)
    assert list(user.environment_roles.values_list("environment", "role")) == [
        ("sandbox", "Viewer")
    ]
    assert not user.has_perm("applications.change_applications")
    assert get_user_model().objects.count() == 1
    assert events("role_changed")[-1].detail == "Editor in sandbox → Viewer in sandbox"


def test_no_role_means_no_access_and_nothing_else(client, embedded):
    refused = sign_on(client, "guest@staff.example")

    assert refused.status_code == 403
    assert b"No access" in refused.content
    assert b"never by what SSO says of you" in refused.content
    command = f"sso_roles grant embedded:sandbox {subject_of('guest@staff.example')} Viewer"
    assert command.encode() in refused.content
    assert not signed_in_user(client).is_authenticated
    assert not get_user_model().objects.exists()
    (event,) = events("sso_refused")
    assert event.outcome == "refused" and event.changes["issuer"] == ISSUER


def test_a_mapping_removed_takes_effect_at_the_next_sign_in(client, embedded):
    sign_on(client, "admin@staff.example")
    client.post("/logout/")
    said = sso_roles("remove", "embedded:sandbox", subject_of("admin@staff.example"))
    assert "has no role everywhere from the next sign-in" in said

    refused = sign_on(client, "admin@staff.example")

    assert refused.status_code == 403 and not signed_in_user(client).is_authenticated
    user = get_user_model().objects.get(username="admin@staff.example")
    assert not user.environment_roles.exists()
    assert events("role_changed")[-1].detail == "Admin in sandbox → no role"


def test_quickstart_maps_only_the_staff_it_made(client, registered, api):
    """A staff address someone made with the sandbox's API key before quickstart seeded it
    is someone else's: it gets no role, now or when quickstart runs again."""
    made = api.post(
        "/user_management/users",
        {"email": "admin@staff.example", "password": "a-new-password-2026",
         "email_verified": True, "metadata": {"roles": "admin"}},
    )  # fmt: skip
    assert made.status_code == 201, made.content

    roles = ensure_staff()

    assert roles == {"viewer@staff.example": "Viewer", "editor@staff.example": "Editor"}
    assert ensure_staff() == roles
    refused = sign_on(client, "admin@staff.example", password="a-new-password-2026")
    assert refused.status_code == 403 and not signed_in_user(client).is_authenticated


def test_the_staff_quickstart_seeds_sign_in_with_their_roles(capsys):
    call_command("quickstart", "--no-serve")
    out = capsys.readouterr().out
    client = Client(HTTP_HOST="127.0.0.1:8000")

    assert "admin@staff.example (Admin), guest@staff.example (no role)" in out
    sign_on(client, "admin@staff.example")
    assert can_configure(client, "sandbox") and not can_configure(client, "production")
    client.post("/logout/")
    assert sign_on(client, "guest@staff.example").status_code == 403


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


def test_roles_per_environment_from_the_providers_claim_and_map(client, provider, settings):
    settings.DASHBOARD_OIDC_ROLE_MAP = {"ops": [("Viewer", None), ("Admin", "sandbox")]}
    provider.claims = {"roles": ["ops", "unmapped"]}

    callback(client, provider)

    user = signed_in_user(client)
    assert [group.name for group in user.groups.all()] == ["Viewer"]
    assert list(EnvironmentRole.objects.values_list("environment", "role")) == [
        ("sandbox", "Admin")
    ]
    assert can_configure(client, "sandbox") and not can_configure(client, "production")


def test_a_mapping_and_the_claim_of_a_trusted_provider_give_the_higher_role(client, provider):
    sso_roles("grant", PROVIDER, "00u-ops-1", "Admin", "--environment", "production")

    callback(client, provider)

    assert not can_configure(client, "sandbox") and can_configure(client, "production")
    assert client.get("/sandbox/applications/").status_code == 200  # Editor by the claim.


def test_the_role_claim_can_be_left_untrusted(client, provider, settings):
    settings.DASHBOARD_OIDC_TRUST_ROLE_CLAIM = False

    refused = callback(client, provider)

    assert refused.status_code == 403 and b"never by what Okta says of you" in refused.content
    sso_roles("grant", PROVIDER, "00u-ops-1", "Viewer")
    callback(client, provider)
    assert client.get("/production/applications/").status_code == 200


def managed(name: str, key: str) -> Environment:
    return Environment(name, f"https://api.workos.example/{name}", False, key, "idp.example")


def test_the_authkit_of_a_managed_sandbox_gives_no_role_by_its_claim(client, provider, settings):
    """Its users and their memberships' roles are written with the sandbox's API key."""
    settings.WORKOS_ENVIRONMENTS = (
        managed("sandbox", "sk_test_a-key"),
        Environment("production", "https://api.workos.example", False, "sk_live_a-key"),
    )
    provider.claims = {"roles": ["admin"]}

    assert callback(client, provider).status_code == 403

    sso_roles("grant", PROVIDER, "00u-ops-1", "Admin")
    assert location(callback(client, provider)) == "/"
    user = get_user_model().objects.get(username="ops@example.com")
    assert not user.groups.exists()
    assert list(user.environment_roles.values_list("environment", "role")) == [("sandbox", "Admin")]


def test_the_authkit_of_managed_production_gives_roles_by_mapping_everywhere(
    client, provider, settings
):
    settings.WORKOS_ENVIRONMENTS = (managed("production", "sk_live_a-key"),)
    provider.claims = {"roles": ["admin"]}
    sso_roles("grant", PROVIDER, "00u-ops-1", "Viewer")

    callback(client, provider)

    assert [group.name for group in signed_in_user(client).groups.all()] == ["Viewer"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["grant", "idp.example", "00u-1", "Admin"], "The issuer is the provider's issuer URL"),
        (["grant", PROVIDER, "00u-1", "Admin", "--environment", "staging"], "No environment"),
        (["grant", PROVIDER, "x" * 256, "Admin"], "A subject is 1 to 255 characters"),
    ],
)
def test_sso_roles_refuses_what_would_never_match(args, said):
    with pytest.raises(CommandError, match=said):
        sso_roles(*args)
    assert not SignOnRole.objects.exists()


def test_sso_roles_lists_and_removes_mappings():
    sso_roles("grant", f"{PROVIDER}/", "00u-1", "Editor")
    sso_roles("grant", PROVIDER, "00u-1", "Viewer", "--environment", "production")

    assert sso_roles("list") == (
        f"00u-1 at {PROVIDER} is Editor\n00u-1 at {PROVIDER} is Viewer in production\n"
    )
    assert "nothing changed" in sso_roles("remove", PROVIDER, "00u-2")
    sso_roles("remove", PROVIDER, "00u-1", "--environment", "production")
    assert sso_roles("list") == f"00u-1 at {PROVIDER} is Editor\n"


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


@pytest.mark.django_db(transaction=True)
def test_upgrading_takes_away_the_roles_the_embedded_servers_claim_gave():
    executor = MigrationExecutor(connection)
    executor.migrate([("web", "0002_single_sign_on")])
    old = executor.loader.project_state([("web", "0002_single_sign_on")]).apps
    users, groups = old.get_model("auth", "User"), old.get_model("auth", "Group")
    admin, _ = groups.objects.get_or_create(name="Admin")
    intruder = users.objects.create(username="intruder@example.com")
    staff = users.objects.create(username="ops@example.com")
    for user, issuer in [(intruder, "http://127.0.0.1:8000/emulator"), (staff, PROVIDER)]:
        user.groups.add(admin)
        old.get_model("web", "EnvironmentRole").objects.create(
            user=user, environment="production", role="Admin"
        )
        old.get_model("web", "SignOnIdentity").objects.create(
            user=user, issuer=issuer, subject=user.username
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    intruder, staff = (get_user_model().objects.get(pk=user.pk) for user in (intruder, staff))
    assert not intruder.groups.exists() and not intruder.environment_roles.exists()
    assert staff.groups.get().name == "Admin" and staff.environment_roles.exists()
