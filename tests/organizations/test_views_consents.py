"""Consents: the applications an organization's users authorized, who authorized a
third-party application, and revoking one, for each role, against the embedded API."""

import re

import pytest

from dashboard import connect
from dashboard.audit.models import AuditEvent
from dashboard.connect import errors
from dashboard.emulator import store
from tests.support import HTMX, consent

pytestmark = pytest.mark.django_db


def test_the_consents_its_users_gave_are_listed_with_user_and_scopes(
    viewer, admin, acme, portal, alice
):
    consent(alice, portal, acme, ["openid", "profile"])

    section = viewer.get(f"/sandbox/organizations/{acme.id}/consents", headers=HTMX)
    page = admin.get(f"/sandbox/organizations/{acme.id}/consents").content.decode()

    html = section.content.decode()
    assert html.lstrip().startswith('<section id="consents"')
    assert f'href="/sandbox/applications/{portal.id}/">Partner Portal</a>' in html
    assert "Alice Smith" in html and "alice@acme.example" in html
    assert '<li class="tag">openid</li><li class="tag">profile</li>' in html
    assert "Revoke…" not in html
    assert "<h1>Acme</h1>" in page
    assert (
        f"/sandbox/applications/{portal.id}/consents/{alice.id}/revoke?organization={acme.id}"
        in page
    )


def test_a_failure_to_list_consents_is_said_in_their_section(viewer, acme, monkeypatch):
    def fail(**kwargs):
        raise errors.ServerError("Boom.", status=500, request_id="req_1")

    monkeypatch.setattr(connect, "organization_authorized_application_list", fail)

    response = viewer.get(f"/sandbox/organizations/{acme.id}/consents", headers=HTMX)

    assert response.status_code == 200
    assert "The API failed to complete the request" in response.content.decode()
    assert "req_1" in response.content.decode()


def test_a_third_party_applications_page_loads_who_authorized_it(viewer, acme, portal, alice):
    other = store.application_create(
        application_type="oauth", name="Other", is_first_party=False, organization_id=acme.id
    )
    consent(alice, portal, acme, ["openid"])
    consent(alice, other, acme, ["email"])

    page = viewer.get(f"/sandbox/applications/{portal.id}/").content.decode()
    section = viewer.get(f"/sandbox/applications/{portal.id}/consents", headers=HTMX)

    assert f'hx-get="/sandbox/applications/{portal.id}/consents"' in page
    html = section.content.decode()
    assert html.lstrip().startswith('<section id="consents"')
    assert "alice@acme.example" in html
    assert f'<a href="/sandbox/organizations/{acme.id}/">Acme</a>' in html
    assert '<li class="tag">openid</li>' in html and "email</li>" not in html
    assert "Revoke…" not in html


def test_an_application_nobody_authorized_says_so(viewer, acme, portal):
    html = viewer.get(f"/sandbox/applications/{portal.id}/consents").content.decode()

    assert "<h1>Partner Portal</h1>" in html
    assert "No user of Acme has authorized it." in html


def test_first_party_and_m2m_applications_have_no_consents(viewer, worker):
    first = store.application_create(application_type="oauth", name="Web", is_first_party=True)

    assert "consents" not in viewer.get(f"/sandbox/applications/{first.id}/").content.decode()
    assert viewer.get(f"/sandbox/applications/{first.id}/consents").status_code == 404
    assert viewer.get(f"/sandbox/applications/{worker.id}/consents").status_code == 404


def test_an_admin_revokes_a_consent_after_confirming(admin, acme, portal, alice):
    consent(alice, portal, acme, ["openid", "profile"])
    url = f"/sandbox/applications/{portal.id}/consents/{alice.id}/revoke?organization={acme.id}"

    page = admin.get(url)
    response = admin.post(url)

    assert "Revoke alice@acme.example’s consent to Partner Portal?" in page.content.decode()
    assert "openid, profile" in page.content.decode()
    assert response.status_code == 303
    assert response["Location"] == f"/sandbox/applications/{portal.id}/"
    assert not list(connect.user_authorized_application_iter(user_id=alice.id))
    event = AuditEvent.objects.get(action="consent_revoked")
    assert (event.application_id, event.organization_id, event.outcome) == (
        portal.id,
        acme.id,
        "success",
    )
    assert "alice@acme.example" in event.detail and "openid profile" in event.detail
    assert admin.get(url).status_code == 404


def test_a_consent_revoked_from_the_organizations_page_returns_to_it(admin, acme, portal, alice):
    consent(alice, portal, acme, ["openid"])
    organization = admin.get(f"/sandbox/organizations/{acme.id}/consents").content.decode()
    url = re.search(r'href="([^"]+/revoke\?[^"]+)">Revoke…', organization)[1].replace("&amp;", "&")

    page = admin.get(url).content.decode()
    response = admin.post(url)

    assert f'<a href="/sandbox/organizations/{acme.id}/">Cancel</a>' in page
    assert response.status_code == 303
    assert response["Location"] == f"/sandbox/organizations/{acme.id}/"
    assert not list(connect.user_authorized_application_iter(user_id=alice.id))


def test_only_admins_revoke_consents(editor, acme, portal, alice):
    consent(alice, portal, acme, ["openid"])
    url = f"/sandbox/applications/{portal.id}/consents/{alice.id}/revoke"

    assert editor.get(url).status_code == 403
    assert editor.post(url).status_code == 403
    assert list(connect.user_authorized_application_iter(user_id=alice.id))
