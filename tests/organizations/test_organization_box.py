"""The organization box of the forms that create or edit (the create form, promotion) offers
Editors to create the organization named in it once the name is complete and none has it,
and chooses it once created; the list's filter box only finds organizations."""

import re

import pytest
from django.test import Client

from dashboard.audit.models import AuditEvent
from dashboard.emulator.models import Organization
from tests.support import HTMX

pytestmark = pytest.mark.django_db


def options(client: Client, box: str, **query):
    """What a box's list of names gets as a name is typed in it."""
    headers = HTMX | {"HX-Trigger": box}
    return client.get(
        "/sandbox/applications/organizations", query, headers=headers
    ).content.decode()


def note(client: Client, box: str, **query):
    """The note under a box, asked for when a name is complete in it (the box changed)."""
    asks = {"offer": box, "next": "/sandbox/applications/new", "parameter": "organization_id"}
    return client.get(
        "/sandbox/applications/organizations", query | asks, headers=HTMX
    ).content.decode()


def test_a_complete_name_no_organization_has_is_offered_to_an_editor(editor, viewer, acme):
    offered = note(editor, "id_organization_id", organization_id="Initech")
    matched = note(editor, "id_organization_id", organization_id="acme")
    refused = note(viewer, "id_organization_id", organization_id="Initech")

    assert offered.startswith('<span id="id_organization_id-offer"')
    assert (
        "hx-swap-oob" not in offered and 'hx-trigger="change from:#id_organization_id"' in offered
    )
    assert "Create the organization “Initech”" in offered
    assert '"picked_name": "Initech"' in offered.replace("&quot;", '"')
    assert "Create the organization" not in matched
    assert "Create the organization" not in refused


def test_a_name_being_typed_gets_suggestions_and_no_offer(editor, acme):
    typing = options(editor, "id_organization_id", organization_id="Initech")
    suggested = options(editor, "id_organization_id", organization_id="acm")

    assert "Create the organization" not in typing and "-offer" not in typing
    assert '<option value="Acme">' in suggested


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


def test_the_list_filter_finds_organizations_and_never_offers_to_create_one(editor, acme):
    html = editor.get("/sandbox/applications/", {"organization": "Initech"}).content.decode()

    assert "No organization is named “Initech”" in html
    assert "Create the organization" not in html


def test_in_another_environment_it_creates_the_organization_there(editor, acme):
    asks = {"offer": "id_organization_id", "parameter": "organization_id"}
    html = editor.get(
        "/production/applications/organizations", {"organization_id": "Acme"} | asks, headers=HTMX
    ).content.decode()

    assert 'hx-post="/production/organizations/new"' in html
    assert "Create the organization “Acme”" in html
