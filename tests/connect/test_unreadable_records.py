"""One record that WorkOS sends in a shape the dashboard does not expect spoils no page: a
list shows it as unreadable beside the others, the organization box keeps the others, and
the record's own page says which record it is and what is wrong with it.

WorkOS is faked at the HTTP seam with respx; bodies are written by hand, since a string
that is not valid Unicode (a lone surrogate escape) is what a JSON encoder refuses to write.
"""

import json

import httpx
import pytest
import respx
from django.db import connection

from dashboard import connect
from dashboard.connect import errors
from dashboard.connect.models import OAuthApplication, UnreadableRecord
from dashboard.emulator import store
from dashboard.kernel import lookups
from tests.support import HTMX

pytestmark = pytest.mark.django_db

BASE = "https://api.workos.test"
ORG_ID = "org_01JP8BD0CZ401TDF9X54NT5ZEK"


def app(number: int, **fields) -> dict:
    return {
        "object": "connect_application",
        "id": f"conn_app_01JP8BD0CZ401TDF9X54NT5ZE{number}",
        "client_id": f"client_01JP8BD0CZ401TDF9X54NT5ZE{number}",
        "name": f"Portal {number}",
        "description": None,
        "application_type": "oauth",
        "scopes": ["openid"],
        "redirect_uris": [{"uri": f"https://portal{number}.example.com/cb", "default": True}],
        "uses_pkce": True,
        "is_first_party": True,
        "cors_origins": [],
        "created_at": "2026-01-15T12:00:00.000Z",
        "updated_at": "2026-01-15T12:00:00.000Z",
    } | fields


def organization(number: int, **fields) -> dict:
    return {
        "object": "organization",
        "id": f"org_01JP8BD0CZ401TDF9X54NT5ZE{number}",
        "name": f"Org {number}",
        "domains": [],
        "metadata": {},
        "external_id": None,
        "created_at": "2026-01-15T12:00:00.000Z",
        "updated_at": "2026-01-15T12:00:00.000Z",
    } | fields


def page(*records, after=None) -> dict:
    return {
        "object": "list",
        "data": list(records),
        "list_metadata": {"before": None, "after": after},
    }


def answer(body) -> httpx.Response:
    # json.dumps writes a lone surrogate as its \u escape, as a server could.
    return httpx.Response(
        200,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Request-ID": "req_bad"},
    )


# A redirect URI that is not valid Unicode: what the embedded API once stored.
NOT_UNICODE = app(2, redirect_uris=[{"uri": "https://portal2.example.com/\udc80", "default": True}])


@pytest.fixture(autouse=True)
def workos(settings):
    settings.WORKOS_API_KEY = "sk_test_faked"
    settings.WORKOS_BASE_URL = BASE
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.get("/organizations").mock(return_value=answer(page(organization(1))))
        yield mock


# --- The service layer ------------------------------------------------------------------------


def test_a_list_reads_its_records_one_by_one_and_keeps_the_unreadable_ones_in_place(workos):
    workos.get("/connect/applications").mock(
        return_value=answer(page(app(1), NOT_UNICODE, app(3, is_first_party="maybe"), app(4)))
    )

    listed = connect.application_list()

    assert [record.name for record in listed.data] == ["Portal 1", "Portal 4"]
    assert listed.unreadable == [
        UnreadableRecord(
            kind="application",
            id=NOT_UNICODE["id"],
            problem="redirect_uris[0].uri is not valid Unicode text",
            position=1,
        ),
        UnreadableRecord(
            kind="application",
            id=app(3)["id"],
            problem="is_first_party: Input should be a valid boolean, unable to interpret input",
            position=2,
        ),
    ]
    assert [getattr(row, "name", None) or row.id for row in listed.rows] == [
        "Portal 1",
        NOT_UNICODE["id"],
        app(3)["id"],
        "Portal 4",
    ]


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ({"id": "conn_app_\udc80", "name": "x"}, "id is not valid Unicode text"),
        ({"id": "../../admin", "application_type": "m2m"}, "client_id: Field required"),
        ({"id": 7, "application_type": "oauth"}, "id: Input should be a valid string"),
        ("just a string", "Input should be a valid dictionary"),
        (None, "Input should be a valid dictionary"),
    ],
)
def test_an_id_that_cannot_be_shown_safely_is_left_out(workos, record, problem):
    workos.get("/connect/applications").mock(return_value=answer(page(app(1), record)))

    [unreadable] = connect.application_list().unreadable

    assert unreadable.id is None
    assert unreadable.problem.startswith(problem)


def test_bytes_that_are_not_utf8_spoil_only_their_record(workos):
    body = json.dumps(page(app(1), app(2, name="NAME"))).encode().replace(b"NAME", b"caf\xe9")
    workos.get("/connect/applications").mock(return_value=httpx.Response(200, content=body))

    listed = connect.application_list()

    assert [record.id for record in listed.data] == [app(1)["id"]]
    assert listed.unreadable[0].problem == "name is not valid Unicode text"


def test_an_organization_whose_metadata_is_unreadable_does_not_empty_the_list(workos):
    workos.get("/organizations").mock(
        return_value=answer(
            page(organization(1), organization(2, metadata={"tier": "\udc80"}), organization(3))
        )
    )

    listed = connect.organization_list()

    assert [org.name for org in listed.data] == ["Org 1", "Org 3"]
    assert listed.unreadable[0].id == organization(2)["id"]
    assert listed.unreadable[0].problem == "metadata.tier is not valid Unicode text"


def test_one_unreadable_record_says_which_and_why(workos):
    workos.get(f"/connect/applications/{NOT_UNICODE['id']}").mock(return_value=answer(NOT_UNICODE))

    with pytest.raises(errors.UnreadableRecordError) as unreadable:
        connect.application_get(application_id=NOT_UNICODE["id"])

    error = unreadable.value
    assert (error.kind, error.record_id) == ("application", NOT_UNICODE["id"])
    assert error.message == (
        f"Application {NOT_UNICODE['id']} could not be read: "
        "redirect_uris[0].uri is not valid Unicode text."
    )
    assert error.request_id == "req_bad"
    assert isinstance(error, errors.InvalidResponseError)


def test_what_was_wrong_never_repeats_the_value(workos):
    secret = {
        "object": "connect_application_secret",
        "id": "secret_01JP8BD0CZ401TDF9X54NT5ZEK",
        "secret_hint": ["not", "a", "hint"],
        "created_at": "2026-01-15T12:00:00.000Z",
        "updated_at": "2026-01-15T12:00:00.000Z",
        "secret": "plaintext-that-must-not-show",
    }
    workos.post("/connect/applications/conn_app_1/client_secrets").mock(return_value=answer(secret))

    with pytest.raises(errors.UnreadableRecordError) as unreadable:
        connect.client_secret_create(application_id="conn_app_1")

    assert "secret_hint: Input should be a valid string" in str(unreadable.value)
    assert "plaintext" not in str(unreadable.value)
    assert "'hint'" not in str(unreadable.value)


def test_a_list_whose_envelope_is_unreadable_is_an_invalid_response(workos):
    workos.get("/connect/applications").mock(
        return_value=answer({"data": {"not": "a list"}, "list_metadata": {}})
    )

    with pytest.raises(errors.InvalidResponseError) as invalid:
        connect.application_list()

    assert not isinstance(invalid.value, errors.UnreadableRecordError)
    assert "data: Input should be a valid list" in invalid.value.message


def test_walking_every_permission_goes_past_a_page_of_unreadable_ones(workos):
    permission = {
        "object": "permission",
        "id": "perm_01JP8BD0CZ401TDF9X54NT5ZEK",
        "slug": "docs:read",
        "name": "Read",
        "created_at": "2026-01-15T12:00:00.000Z",
        "updated_at": "2026-01-15T12:00:00.000Z",
    }
    workos.get("/authorization/permissions", params={"after": "perm_1"}).mock(
        return_value=answer(page(permission))
    )
    workos.get("/authorization/permissions").mock(
        return_value=answer(page({"id": "perm_bad", "slug": None}, after="perm_1"))
    )

    assert [permission.slug for permission in connect.permission_iter()] == ["docs:read"]


# --- The pages --------------------------------------------------------------------------------


def test_the_list_page_shows_the_good_rows_and_says_which_one_could_not_be_read(browser, workos):
    workos.get("/connect/applications").mock(return_value=answer(page(app(1), NOT_UNICODE, app(3))))

    response = browser.get("/sandbox/applications/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Portal 1" in html and "Portal 3" in html
    assert "Could not be read" in html
    assert (
        f'<a href="/sandbox/applications/{NOT_UNICODE["id"]}/"><code>{NOT_UNICODE["id"]}</code></a>'
        in (html)
    )
    assert "redirect_uris[0].uri is not valid Unicode text" in html
    assert html.index("Portal 1") < html.index(NOT_UNICODE["id"]) < html.index("Portal 3")


TWO_PROBLEMS = {"scopes": "openid", "uses_pkce": "sometimes"}


@pytest.mark.parametrize(
    ("fields", "more"),
    [
        (TWO_PROBLEMS, "(and 1 more problem)"),
        (TWO_PROBLEMS | {"cors_origins": 7}, "(and 2 more problems)"),
    ],
)
def test_the_list_counts_a_records_other_problems_in_the_singular_or_the_plural(
    browser, workos, fields, more
):
    workos.get("/connect/applications").mock(return_value=answer(page(app(1, **fields))))

    response = browser.get("/sandbox/applications/")

    assert response.status_code == 200
    assert more in response.content.decode()


def test_the_list_partial_shows_the_unreadable_row_too(browser, workos):
    workos.get("/connect/applications").mock(return_value=answer(page(NOT_UNICODE)))

    response = browser.get("/sandbox/applications/", headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "Could not be read" in html and NOT_UNICODE["id"] in html
    assert "No applications yet" not in html


def test_a_row_whose_id_could_not_be_read_says_so(browser, workos):
    workos.get("/connect/applications").mock(
        return_value=answer(page(app(1), {"id": "\udc80", "name": "x"}))
    )

    html = browser.get("/sandbox/applications/").content.decode()

    assert "An application whose ID could not be read either: id is not valid Unicode text." in html


def test_the_organization_box_keeps_the_organizations_that_can_be_read(browser, workos):
    workos.get("/organizations").mock(
        return_value=answer(
            page(organization(1), organization(2, metadata={"tier": "\udc80"}), organization(3))
        )
    )

    options = browser.get("/sandbox/applications/organizations", {"organization": "Org"})

    assert options.status_code == 200
    assert options.content.decode().strip().splitlines() == [
        '<option value="Org 1"></option>',
        '<option value="Org 3"></option>',
    ]
    assert lookups.organization_names() == {
        organization(1)["id"]: "Org 1",
        organization(3)["id"]: "Org 3",
    }


def test_an_organization_named_in_a_form_that_cannot_be_read_says_why(browser, workos):
    bad = organization(2, metadata={"tier": "\udc80"})
    workos.get(f"/organizations/{bad['id']}").mock(return_value=answer(bad))
    workos.get("/organizations").mock(return_value=answer(page(bad)))

    with pytest.raises(lookups.OrganizationNotFound) as by_id:
        lookups.find_organization(bad["id"])
    with pytest.raises(lookups.OrganizationNotFound) as by_name:
        lookups.find_organization("Org 2")

    assert str(by_id.value) == (
        f"Organization {bad['id']} could not be read: metadata.tier is not valid Unicode text. "
        "It cannot be chosen until it is corrected."
    )
    assert f"1 could not be read: {bad['id']}" in str(by_name.value)


def test_the_page_of_an_unreadable_application_says_which_record_and_why(browser, workos):
    workos.get(f"/connect/applications/{NOT_UNICODE['id']}").mock(return_value=answer(NOT_UNICODE))

    response = browser.get(f"/sandbox/applications/{NOT_UNICODE['id']}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "This application could not be read." in html
    assert (
        f"Application {NOT_UNICODE['id']} could not be read: "
        "redirect_uris[0].uri is not valid Unicode text." in html
    )
    assert "Trying again will not help" in html and ">Try again<" not in html
    assert "req_bad" in html
    assert "Traceback" not in html


def test_a_readable_application_is_read_as_before(workos):
    workos.get(f"/connect/applications/{app(1)['id']}").mock(
        return_value=answer(app(1, brand_new_field=1))
    )

    read = connect.application_get(application_id=app(1)["id"])

    assert isinstance(read, OAuthApplication)
    assert read.model_extra == {"brand_new_field": 1}


def test_a_redirect_uri_the_embedded_api_once_stored_unreadable_spoils_no_page(browser, settings):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL refuses to store a lone surrogate: no such record exists there")
    settings.WORKOS_API_KEY = ""
    good = store.application_create(application_type="oauth", name="Good", is_first_party=True)
    bad = store.application_create(
        application_type="oauth",
        name="Stored before the edge refused it",
        is_first_party=True,
        redirect_uris=[{"uri": "https://a.example.com/\udc80", "default": True}],
    )

    listed = browser.get("/sandbox/applications/")
    detail = browser.get(f"/sandbox/applications/{bad.id}/")

    assert listed.status_code == 200
    assert "Good" in listed.content.decode() and bad.id in listed.content.decode()
    assert detail.status_code == 200
    assert "redirect_uris[0].uri is not valid Unicode text" in detail.content.decode()
    assert browser.get(f"/sandbox/applications/{good.id}/").status_code == 200
