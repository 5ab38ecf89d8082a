"""Every URL the project routes, for an anonymous user and for each role, in each
environment."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from dashboard.audit.models import AuditEvent
from dashboard.emulator import partition, store
from dashboard.emulator.user_management import store as users
from dashboard.kernel.models import EnvironmentRole
from dashboard.promotion.models import Promotion
from tests.support import make_user

pytestmark = pytest.mark.django_db

# Every routed URL name and the permission it needs (None: open to anyone).
REQUIRED = {
    "home": None,  # Only a redirect to the application list.
    "login": None,
    "logout": None,
    # Single sign-on: how one signs in, so open to anyone.
    "sso-start": None,
    "sso-callback": None,
    "applications:list": "view",
    "applications:go": "view",
    "applications:index-status": "view",
    "search:health": "view",
    "applications:create": "change",
    "applications:organization-options": "view",
    "applications:detail": "view",
    "applications:edit": "change",
    "applications:delete": "delete",
    "applications:redirect-test": "view",
    "applications:secrets": "view",
    "applications:secret-create": "secrets",
    "applications:secret-revoke": "secrets",
    "onboarding:integrate": "view",
    "onboarding:handover": "view",
    "onboarding:check": "secrets",
    "onboarding:try": "view",
    "onboarding:try-callback": "view",
    "onboarding:try-callback-add": "change",
    "onboarding:try-callback-remove": "change",
    # A copy's preview is the target environment's page: it needs Editor there.
    "promotion:promote": "change",
    "promotion:result": "view",
    "promotion:links": "view",
    "promotion:apply": "change",
    "organizations:list": "view",
    "organizations:create": "change",
    "organizations:detail": "view",
    "organizations:consents": "view",
    "organizations:rename": "change",
    "organizations:delete": "delete",
    "consents:list": "view",
    "consents:revoke": "delete",
    "configuration:page": "delete",
    "configuration:export": "delete",
    "configuration:plan": "delete",
    "configuration:apply": "delete",
    "audit:list": "view",
    "audit:event": "view",
}
ROLE_PERMISSIONS = {
    "Viewer": {"view"},
    "Editor": {"view", "change"},
    "Admin": {"view", "change", "delete", "secrets"},
    None: set(),
}


def routed_names(patterns=None, namespace="") -> set[str]:
    names = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "emulator":
                continue  # The embedded API has its own bearer key; see its tests.
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= routed_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def environment_urls(environment: str = "sandbox") -> dict[str, str]:
    """Every routed URL, with an application of `environment` for its pages."""
    with partition.override(environment):
        org = store.organization_create(name="Acme", domains=[], metadata={}, external_id=None)
        app = store.application_create(
            application_type="oauth", name="Portal", is_first_party=False, organization_id=org.id
        )
        secret, _ = store.client_secret_create(app)
        user = users.user_create(
            email="alice@acme.example",
            password=None,
            first_name=None,
            last_name=None,
            name=None,
            email_verified=True,
            external_id=None,
            metadata={},
        )
    event = AuditEvent.objects.create(action="sign_in", outcome="success")
    promotion = Promotion.objects.create(
        source_environment=environment,
        source_application_id=app.id,
        target_environment="production" if environment == "sandbox" else "sandbox",
        target_application_id="app_deleted_since",
        application_name=app.name,
    )
    urls = {
        "home": "/",
        "login": "/login/",
        "logout": "/logout/",
        "sso-start": "/sso/start",
        "sso-callback": "/sso/callback",
        "applications:list": "/sandbox/applications/",
        "applications:go": f"/sandbox/applications/go?id={app.id}",
        "applications:index-status": "/sandbox/applications/index",
        "search:health": "/sandbox/health/",
        "applications:create": "/sandbox/applications/new",
        "applications:organization-options": "/sandbox/applications/organizations?q=a",
        "applications:detail": f"/sandbox/applications/{app.id}/",
        "applications:edit": f"/sandbox/applications/{app.id}/edit",
        "applications:delete": f"/sandbox/applications/{app.id}/delete",
        "applications:redirect-test": f"/sandbox/applications/{app.id}/redirect-test?uri=x",
        "applications:secrets": f"/sandbox/applications/{app.id}/secrets",
        "applications:secret-create": f"/sandbox/applications/{app.id}/secrets/new",
        "applications:secret-revoke": f"/sandbox/applications/{app.id}/secrets/{secret.id}/revoke",
        "onboarding:integrate": f"/sandbox/applications/{app.id}/integrate",
        "onboarding:handover": f"/sandbox/applications/{app.id}/integrate.json",
        "onboarding:check": f"/sandbox/applications/{app.id}/check",
        "onboarding:try": f"/sandbox/applications/{app.id}/try-sign-in",
        "onboarding:try-callback": f"/sandbox/applications/{app.id}/try-sign-in/callback",
        "onboarding:try-callback-add": f"/sandbox/applications/{app.id}/try-sign-in/callback/add",
        "onboarding:try-callback-remove": (
            f"/sandbox/applications/{app.id}/try-sign-in/callback/remove"
        ),
        "promotion:promote": f"/sandbox/applications/promote/production/{app.id}",
        "promotion:result": f"/sandbox/applications/promotions/{promotion.pk}/",
        "promotion:links": f"/sandbox/applications/{app.id}/promotions",
        "promotion:apply": f"/sandbox/applications/{app.id}/promotions/{promotion.pk}/apply",
        "organizations:list": "/sandbox/organizations/?q=a",
        "organizations:create": "/sandbox/organizations/new",
        "organizations:detail": f"/sandbox/organizations/{org.id}/",
        "organizations:consents": f"/sandbox/organizations/{org.id}/consents",
        "organizations:rename": f"/sandbox/organizations/{org.id}/rename",
        "organizations:delete": f"/sandbox/organizations/{org.id}/delete",
        "consents:list": f"/sandbox/applications/{app.id}/consents",
        "consents:revoke": f"/sandbox/applications/{app.id}/consents/{user.id}/revoke",
        "configuration:page": "/sandbox/configuration/",
        "configuration:export": "/sandbox/configuration/export",
        "configuration:plan": "/sandbox/configuration/plan",
        "configuration:apply": "/sandbox/configuration/apply",
        "audit:list": "/audit/",
        "audit:event": f"/audit/{event.id}/",
    }
    return {name: url.replace("/sandbox/", f"/{environment}/") for name, url in urls.items()}


@pytest.fixture
def urls():
    return environment_urls()


def test_the_table_covers_every_routed_url():
    assert routed_names() == set(REQUIRED)


def test_anonymous_users_are_sent_to_sign_in(client, urls):
    for name, required in REQUIRED.items():
        if required is None:
            continue
        response = client.get(urls[name])
        assert response.status_code == 302, name
        assert response["Location"].startswith("/login/?next="), name


@pytest.mark.parametrize("role", ["Viewer", "Editor", "Admin", None])
def test_each_role_gets_exactly_what_it_should(urls, role):
    client = Client()
    client.force_login(make_user(f"user-{role}", role=role))
    for name, required in REQUIRED.items():
        if required is None:
            continue
        allowed = required in ROLE_PERMISSIONS[role]
        response = client.get(urls[name])
        assert (response.status_code != 403) == allowed, (name, role, response.status_code)
        if not allowed:
            assert b"Not allowed" in response.content


@pytest.mark.parametrize("role", ["Viewer", "Editor"])
def test_refused_actions_change_nothing_and_are_recorded(urls, role):
    client = Client()
    client.force_login(make_user("limited", role=role))
    app = store.application_get(urls["applications:detail"].split("/")[3])

    assert client.post(urls["applications:delete"], {"confirm_name": app.name}).status_code == 403
    assert client.post(urls["applications:secret-create"], {"token": "t"}).status_code == 403
    assert client.post(urls["applications:secret-revoke"]).status_code == 403
    if role == "Viewer":
        assert client.post(urls["applications:edit"], {"name": "Hacked"}).status_code == 403
        assert client.post(urls["applications:create"], {"name": "New"}).status_code == 403

    app.refresh_from_db()
    assert app.name == "Portal"
    assert app.client_secrets.count() == 1
    refused = AuditEvent.objects.filter(action="permission_refused", username="limited")
    assert refused.count() >= 3
    assert all(event.outcome == "refused" for event in refused)


def test_superusers_are_admins(urls):
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", password="x" * 12))

    assert client.get(urls["applications:delete"]).status_code == 200
    assert client.get(urls["applications:secret-revoke"]).status_code == 200


def test_the_interface_hides_what_a_viewer_may_not_do(urls):
    client = Client()
    client.force_login(make_user("viewer", role="Viewer"))

    html = client.get(urls["applications:detail"]).content.decode()
    secrets = client.get(urls["applications:secrets"], headers={"HX-Request": "true"})

    assert "Edit</a>" not in html and "Delete…" not in html
    assert "New application" not in html
    assert b"Create client secret" not in secrets.content and b"Revoke" not in secrets.content


def test_the_roles_command_grants_and_removes(capsys):
    from django.core.management import call_command

    user = make_user("ops", role=None)

    call_command("roles", "grant", "ops", "Editor")
    assert user.has_perm("applications.change_applications")

    call_command("roles", "remove", "ops", "Editor")
    user = type(user).objects.get(pk=user.pk)
    assert not user.has_perm("applications.change_applications")

    call_command("roles", "list")
    assert "ops: no role" in capsys.readouterr().out


@pytest.mark.parametrize("everywhere", [None, "Editor", "Admin"])
def test_roles_are_per_environment_on_every_url(everywhere):
    """Editor in the sandbox and Viewer in production: by a role in each environment, or by
    a role everywhere that a role in production takes the place of."""
    user = make_user("split", role=everywhere)
    EnvironmentRole.objects.create(user=user, environment="production", role="Viewer")
    if everywhere != "Editor":
        EnvironmentRole.objects.create(user=user, environment="sandbox", role="Editor")
    client = Client()
    client.force_login(user)

    for environment, role in {"sandbox": "Editor", "production": "Viewer"}.items():
        urls = environment_urls(environment)
        for name, required in REQUIRED.items():
            if required is None:
                continue
            allowed = required in ROLE_PERMISSIONS[role]
            response = client.get(urls[name])
            assert (response.status_code != 403) == allowed, (
                environment,
                name,
                response.status_code,
            )
