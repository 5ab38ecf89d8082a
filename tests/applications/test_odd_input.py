"""Odd input in every box and parameter of the pages gets an answer, never a server error."""

import pytest

from tests.support import oauth_form

pytestmark = pytest.mark.django_db

ODD = [
    "\x00",
    "%",
    "%zz",
    "a" * 5000,
    "org_",
    "org_\x00",
    " ",
    "\u202e",
    "<script>",
    "org_" + "x" * 300,
    "client_" + "x" * 300,
]
FORM_FIELDS = [
    "name",
    "description",
    "organization_id",
    "extra_scopes",
    "cors_origins",
    "redirect_default",
    "application_type",
    "party",
    "idempotency_key",
]


@pytest.mark.parametrize("value", ODD, ids=range(len(ODD)))
def test_odd_input_never_answers_a_server_error(browser, app, value):
    for params in (
        {"organization": value},
        {"after": value},
        {"limit": value},
        {"registration": value},
    ):
        assert browser.get("/sandbox/applications/", params, follow=True).status_code < 500, params
    assert (
        browser.get("/sandbox/applications/organizations", {"organization": value}).status_code
        < 500
    )
    assert (
        browser.get(
            "/audit/", {"application": value, "organization": value, "since": value}
        ).status_code
        < 500
    )
    assert browser.get("/sandbox/applications/go", {"id": value}, follow=True).status_code < 500
    for field in FORM_FIELDS:
        response = browser.post(
            "/sandbox/applications/new", oauth_form(**({"party": "third"} | {field: value}))
        )
        assert response.status_code < 500, field
    for field in ("redirect_uri", "scopes"):
        response = browser.post("/sandbox/applications/new", oauth_form(**{field: [value]}))
        assert response.status_code < 500, field
    edit = {"name": value, "updated_at": value, "original": value, "action": "save"}
    assert browser.post(f"/sandbox/applications/{app.id}/edit", edit).status_code < 500
    assert browser.post(f"/sandbox/applications/{app.id}/edit", {"action": value}).status_code < 500
    assert (
        browser.get(f"/sandbox/applications/{app.id}/redirect-test", {"uri": value}).status_code
        < 500
    )
    app.refresh_from_db()
    assert app.name == "Customer Portal"
