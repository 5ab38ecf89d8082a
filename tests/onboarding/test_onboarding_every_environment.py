"""Each environment's embedded authorization server through every path of the dashboard that
reaches it: the check of a secret just created, the check of a pasted secret, and the try of
the sign-in. Production's server lives below the sandbox's (`/emulator/production`): a path
that reaches only the sandbox's fails there."""

import re

import pytest
from django.test import Client

from dashboard.audit.models import AuditEvent
from dashboard.emulator import partition, store
from dashboard.emulator.user_management import store as users
from tests.support import make_user

pytestmark = pytest.mark.django_db

HOST = "testserver"
HTMX = {"HX-Request": "true"}
PASSWORD = "correct-horse-battery-staple"
ENVIRONMENTS = ["sandbox", "production"]


def issuer(environment: str) -> str:
    suffix = "/production" if environment == "production" else ""
    return f"https://{HOST}/emulator{suffix}"


class HttpsClient(Client):
    """A browser on the dashboard served over https, so that production takes the dashboard's
    callback as a redirect URI."""

    def generic(self, *args, **kwargs):
        return super().generic(*args, **kwargs | {"secure": True})


@pytest.fixture
def browser() -> Client:
    client = HttpsClient(HTTP_HOST=HOST)
    client.force_login(make_user("ops", role="Admin"))
    return client


def m2m_application(environment: str):
    with partition.override(environment):
        northwind = store.organization_create(
            name="Northwind Health", domains=[], metadata={}, external_id=None
        )
        return store.application_create(
            application_type="m2m", name="Northwind sync", organization_id=northwind.id,
            scopes=["records:read"],
        )  # fmt: skip


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_secret_just_created_is_checked_in_its_environment(browser, environment):
    app = m2m_application(environment)
    created = browser.post(
        f"/{environment}/applications/{app.id}/secrets/new", {"token": "t-1"}, headers=HTMX
    ).content.decode()
    plaintext = re.search(r'id="new-secret-value" readonly value="([^"]+)"', created).group(1)

    response = browser.post(
        f"/{environment}/applications/{app.id}/check",
        {"client_secret": plaintext, "page": "application", "new_secret": "on"},
        headers=HTMX,
    )

    html = response.content.decode()
    assert "The credentials work." in html, html
    event = AuditEvent.objects.get(action="credentials_checked")
    assert (event.outcome, event.environment) == ("success", environment)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_pasted_secret_is_checked_in_its_environment(browser, environment):
    app = m2m_application(environment)
    with partition.override(environment):
        _, plaintext = store.client_secret_create(app)

    works = browser.post(
        f"/{environment}/applications/{app.id}/check",
        {"client_secret": plaintext, "page": "application"},
        headers=HTMX,
    ).content.decode()
    wrong = browser.post(
        f"/{environment}/applications/{app.id}/check",
        {"client_secret": plaintext[:-1] + "x", "page": "application"},
        headers=HTMX,
    ).content.decode()

    assert "The credentials work." in works and "records:read" in works
    assert f"<code>{issuer(environment)}</code>" in works
    assert "invalid_client" in wrong and "Not an API path" not in wrong


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_sign_in_is_tried_in_its_environment(browser, environment):
    with partition.override(environment):
        northwind = store.organization_create(
            name="Northwind Health", domains=[], metadata={}, external_id=None
        )
        app = store.application_create(
            application_type="oauth", name="Northwind portal", is_first_party=False,
            organization_id=northwind.id, uses_pkce=True, scopes=["email"],
            redirect_uris=[{
                "uri": f"https://{HOST}/{environment}/applications/ID/try-sign-in/callback",
                "default": True,
            }],
        )  # fmt: skip
        callback = f"https://{HOST}/{environment}/applications/{app.id}/try-sign-in/callback"
        app = store.application_update(app, {"redirect_uris": [{"uri": callback, "default": True}]})
        users.user_create(
            email="nancy@northwind.example", password=PASSWORD, first_name="Nancy",
            last_name="Davolio", name=None, email_verified=True, external_id=None, metadata={},
        )  # fmt: skip

    started = browser.post(f"/{environment}/applications/{app.id}/try-sign-in")
    assert started.status_code == 303
    authorize = started["Location"]
    assert authorize.startswith(f"{issuer(environment)}/oauth2/authorize?")
    path = authorize.removeprefix(f"https://{HOST}")
    assert browser.get(path).status_code == 200
    credentials = {"action": "sign_in", "email": "nancy@northwind.example", "password": PASSWORD}
    assert browser.post(path, credentials).status_code == 302
    answered = browser.post(path, {"action": "allow", "organization_id": northwind.id})
    assert answered["Location"].startswith(callback + "?")

    page = browser.get(answered["Location"])

    html = page.content.decode()
    assert page.status_code == 200 and "The sign-in works." in html, html
    assert "nancy@northwind.example" in html
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_TRIED)
    assert (event.outcome, event.environment) == ("success", environment)
