"""The organization box (the list filter, the create form, promotion) offers Editors to
create the organization typed in it when none has that name, and chooses it once created."""

import re

import pytest
from django.test import Client

from dashboard.audit.models import AuditEvent
from dashboard.emulator.models import Organization

# Fixtures come in by name and tests take them as arguments of the same name.
# ruff: noqa: F811
from .organizations import HTMX, acme, editor, viewer  # noqa: F401

pytestmark = pytest.mark.django_db


def options(client: Client, box: str, **query):
    headers = HTMX | {
        "HX-Trigger": box,
        "HX-Current-URL": "http://testserver/sandbox/applications/new",
    }
    return client.get(
        "/sandbox/applications/organizations", query, headers=headers
    ).content.decode()


def test_the_box_offers_an_editor_to_create_a_name_no_organization_has(editor, viewer, acme):
    offered = options(editor, "id_organization_id", organization_id="Initech")
    matched = options(editor, "id_organization_id", organization_id="acm")
    refused = options(viewer, "id_organization_id", organization_id="Initech")

    assert 'id="id_organization_id-offer"' in offered and 'hx-swap-oob="true"' in offered
    assert "Create the organization “Initech”" in offered
    assert '"picked_name": "Initech"' in offered.replace("&quot;", '"')
    assert '<option value="Acme">' in matched and "Create the organization" not in matched
    assert "Create the organization" not in refused


def test_the_box_creates_the_organization_and_chooses_it(editor, db):
    response = editor.post(
        "/sandbox/organizations/new",
        {"picked_name": "Initech", "box": "id_organization_id"},
        headers=HTMX,
    )

    org = Organization.objects.get(name="Initech")
    assert response.status_code == 200
    assert "Created the organization “Initech”, chosen above." in response.content.decode()
    assert response["HX-Trigger"] == (
        '{"organization-chosen": {"name": "Initech", "box": "id_organization_id", "created": true}}'
    )
    assert AuditEvent.objects.get(action="organization_created").organization_id == org.id


def test_the_box_says_why_it_did_not_create_the_organization(editor, acme):
    response = editor.post(
        "/sandbox/organizations/new",
        {"picked_name": "acme", "box": "id_organization"},
        headers=HTMX,
    )

    assert "The organization was not created: An organization is already named “Acme”" in (
        response.content.decode()
    )
    assert "HX-Trigger" not in response


def test_the_create_form_offers_it_after_an_unknown_organization(editor, acme):
    response = editor.post(
        "/sandbox/applications/new",
        {"application_type": "m2m", "name": "Worker", "organization_id": "Initech"},
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "No organization is named “Initech”" in html
    link = re.search(r'href="(/sandbox/organizations/new\?[^"]+)"', html)
    assert link and "name=Initech" in link[1]
    assert "parameter=organization_id" in link[1] and "type%3Dm2m" in link[1]


def test_the_create_form_opens_with_the_organization_just_created(editor, acme):
    html = editor.get(
        f"/sandbox/applications/new?type=m2m&organization_id={acme.id}"
    ).content.decode()

    assert 'value="Acme"' in html


def test_the_list_filter_offers_it_too(editor, acme):
    html = editor.get("/sandbox/applications/", {"organization": "Initech"}).content.decode()

    assert "No organization is named “Initech”" in html
    assert "Create the organization “Initech”" in html


def test_in_another_environment_it_creates_the_organization_there(editor, acme):
    headers = HTMX | {
        "HX-Trigger": "id_organization_id",
        "HX-Current-URL": "http://testserver/production/applications/promote/sandbox/conn_app_1",
    }
    html = editor.get(
        "/production/applications/organizations", {"organization_id": "Acme"}, headers=headers
    ).content.decode()

    assert 'hx-post="/production/organizations/new"' in html
    assert "Create the organization “Acme”" in html
