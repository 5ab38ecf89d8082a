"""The service layer against a faked WorkOS: HTTP is faked at the transport with respx."""

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx

from dashboard import connect
from dashboard.connect import errors
from dashboard.connect.models import (
    ApplicationUpdate,
    OAuthApplicationCreate,
    RedirectUriInput,
    UnknownApplication,
)

BASE = "https://api.workos.test"
APP = {
    "object": "connect_application",
    "id": "conn_app_01HXYZ123456789ABCDEFGHIJ",
    "client_id": "client_01HXYZ123456789ABCDEFGHIJ",
    "name": "Portal",
    "description": None,
    "application_type": "oauth",
    "scopes": ["openid"],
    "redirect_uris": [{"uri": "https://example.com/callback", "default": True}],
    "uses_pkce": True,
    "is_first_party": True,
    "cors_origins": [],
    "created_at": "2026-01-15T12:00:00.000Z",
    "updated_at": "2026-01-15T12:00:00.000Z",
}


@pytest.fixture(autouse=True)
def real_workos(settings):
    settings.WORKOS_API_KEY = "sk_test_faked"
    settings.WORKOS_BASE_URL = BASE


@pytest.fixture
def api():
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


def answer(status: int, body=None, **headers) -> httpx.Response:
    headers.setdefault("X-Request-ID", f"req_{status}")
    if body is None and status >= 400:
        body = {"message": f"failure {status}", "code": "some_code"}
    return httpx.Response(status, json=body, headers=headers)


def test_requests_carry_the_key_and_reach_the_base_url(api, sleeps):
    route = api.get("/connect/applications/conn_app_1").mock(return_value=answer(200, APP))

    connect.application_get(application_id="conn_app_1")

    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer sk_test_faked"
    assert str(request.url) == f"{BASE}/connect/applications/conn_app_1"


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_with_exponential_backoff(api, sleeps, status):
    route = api.get("/connect/applications/x").mock(
        side_effect=[answer(status), answer(status), answer(200, APP)]
    )

    app = connect.application_get(application_id="x")

    assert app.name == "Portal"
    assert route.call_count == 3
    assert len(sleeps) == 2
    assert 0.125 <= sleeps[0] <= 0.25 and 0.25 <= sleeps[1] <= 0.5


def test_it_gives_up_after_two_retries(api, sleeps):
    route = api.get("/connect/applications/x").mock(return_value=answer(503))

    with pytest.raises(errors.ServerError) as error:
        connect.application_get(application_id="x")

    assert route.call_count == 3
    assert (error.value.status, error.value.request_id, error.value.message) == (
        503,
        "req_503",
        "failure 503",
    )


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (408, errors.RequestTimeoutError),
        (409, errors.ConflictError),
        (500, errors.ServerError),
        (504, errors.ServerError),
    ],
)
def test_a_retryable_failure_that_lasts_raises_its_class(api, sleeps, status, error_class):
    api.get("/connect/applications/x").mock(return_value=answer(status))

    with pytest.raises(error_class) as error:
        connect.application_get(application_id="x")

    assert error.value.retryable and error.value.status == status and len(sleeps) == 2


def test_the_number_of_retries_is_configurable(api, sleeps, settings):
    settings.WORKOS_MAX_RETRIES = 0
    route = api.get("/connect/applications/x").mock(return_value=answer(503))

    with pytest.raises(errors.ServerError):
        connect.application_get(application_id="x")

    assert route.call_count == 1 and sleeps == []


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.AuthenticationError),
        (404, errors.NotFoundError),
        (418, errors.ApiError),
    ],
)
def test_other_failures_are_not_retried_and_raise_their_class(api, sleeps, status, error_class):
    route = api.get("/connect/applications/x").mock(return_value=answer(status))

    with pytest.raises(error_class) as error:
        connect.application_get(application_id="x")

    assert route.call_count == 1 and sleeps == []
    assert error.value.status == status and error.value.request_id == f"req_{status}"
    assert not error.value.retryable


def test_a_422_carries_its_field_errors(api, sleeps):
    api.post("/connect/applications").mock(
        return_value=answer(
            422,
            {
                "message": "Validation failed",
                "code": "unprocessable_entity",
                "errors": [{"field": "name", "code": "required", "message": "Name is required."}],
            },
        )
    )

    with pytest.raises(errors.UnprocessableEntityError) as error:
        connect.application_create(application=OAuthApplicationCreate(name="", is_first_party=True))

    assert error.value.errors == [errors.FieldError("name", "required", "Name is required.")]
    assert error.value.code == "unprocessable_entity"
    assert sleeps == []


def test_a_short_retry_after_is_waited_for(api, sleeps):
    api.get("/connect/applications/x").mock(
        side_effect=[answer(429, **{"Retry-After": "1.5"}), answer(200, APP)]
    )

    connect.application_get(application_id="x")

    assert sleeps == [1.5]


def test_a_retry_after_date_is_understood(api, sleeps):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    api.get("/connect/applications/x").mock(
        side_effect=[answer(429, **{"Retry-After": when}), answer(200, APP)]
    )

    connect.application_get(application_id="x")

    assert 1.0 <= sleeps[0] <= 3.0


def test_a_retry_after_past_the_cap_is_reported_at_once(api, sleeps, settings):
    settings.WORKOS_RETRY_AFTER_CAP = 5
    route = api.get("/connect/applications/x").mock(
        return_value=answer(429, **{"Retry-After": "120"})
    )

    with pytest.raises(errors.RateLimitedError) as error:
        connect.application_get(application_id="x")

    assert route.call_count == 1 and sleeps == []
    assert error.value.retry_after == 120


def test_a_rate_limit_that_lasts_is_reported_after_the_retries(api, sleeps):
    api.get("/connect/applications/x").mock(return_value=answer(429, **{"Retry-After": "2"}))

    with pytest.raises(errors.RateLimitedError) as error:
        connect.application_get(application_id="x")

    assert sleeps == [2.0, 2.0]
    assert error.value.retry_after == 2.0


def test_a_post_keeps_one_idempotency_key_across_its_retries(api, sleeps):
    route = api.post("/connect/applications").mock(
        side_effect=[httpx.ReadTimeout("slow"), answer(502), answer(201, APP)]
    )

    connect.application_create(application=OAuthApplicationCreate(name="P", is_first_party=True))
    connect_again = api.post("/connect/applications").mock(return_value=answer(201, APP))
    connect.application_create(application=OAuthApplicationCreate(name="P", is_first_party=True))

    keys = {call.request.headers["Idempotency-Key"] for call in route.calls[:3]}
    assert len(keys) == 1
    assert connect_again.calls.last.request.headers["Idempotency-Key"] not in keys


def test_gets_carry_no_idempotency_key(api, sleeps):
    route = api.get("/connect/applications/x").mock(return_value=answer(200, APP))

    connect.application_get(application_id="x")

    assert "Idempotency-Key" not in route.calls.last.request.headers


def test_timeouts_are_retried_then_raise_api_timeout(api, sleeps):
    route = api.get("/connect/applications/x").mock(side_effect=httpx.ConnectTimeout("slow"))

    with pytest.raises(errors.ApiTimeoutError) as error:
        connect.application_get(application_id="x")

    assert route.call_count == 3
    assert error.value.status is None and error.value.retryable
    assert isinstance(error.value.__cause__, httpx.ConnectTimeout)


def test_a_timeout_is_a_kind_of_connection_error(api, sleeps):
    api.get("/connect/applications/x").mock(side_effect=httpx.ReadTimeout("slow"))

    with pytest.raises(errors.ApiConnectionError) as error:
        connect.application_get(application_id="x")

    assert type(error.value) is errors.ApiTimeoutError
    assert error.value.message == "The API did not answer within 5 seconds."


def test_connection_errors_are_retried_then_raise_api_connection_error(api, sleeps):
    route = api.get("/connect/applications/x").mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.RemoteProtocolError("dropped"),
            httpx.ConnectError("refused"),
        ]
    )

    with pytest.raises(errors.ApiConnectionError) as error:
        connect.application_get(application_id="x")

    assert route.call_count == 3 and len(sleeps) == 2
    assert type(error.value) is errors.ApiConnectionError
    assert isinstance(error.value.__cause__, httpx.ConnectError)
    assert error.value.message == "The API could not be reached: refused."


def test_a_network_blip_is_recovered_from(api, sleeps):
    api.get("/connect/applications/x").mock(
        side_effect=[httpx.ConnectError("refused"), answer(200, APP)]
    )

    assert connect.application_get(application_id="x").id == APP["id"]


def test_every_path_segment_is_percent_encoded(api, sleeps):
    route = api.get(url__regex=r".*").mock(return_value=answer(404))

    with pytest.raises(errors.NotFoundError):
        connect.application_get(application_id="a/../b?c=d#e")

    assert route.calls.last.request.url.raw_path == b"/connect/applications/a%2F..%2Fb%3Fc%3Dd%23e"


@pytest.mark.parametrize("identifier", ["", ".", ".."])
def test_identifiers_that_cannot_exist_are_refused_before_any_request(api, sleeps, identifier):
    route = api.route().mock(return_value=answer(200, APP))

    with pytest.raises(errors.InvalidIdentifierError):
        connect.client_secret_revoke(secret_id=identifier)

    assert route.call_count == 0


def test_the_request_bodies_are_exactly_what_the_contract_expects(api, sleeps):
    route = api.post("/connect/applications").mock(return_value=answer(201, APP))
    update = api.put("/connect/applications/x").mock(return_value=answer(200, APP))

    connect.application_create(
        application=OAuthApplicationCreate(
            name="P",
            is_first_party=True,
            redirect_uris=[RedirectUriInput(uri="https://a.example")],
        )
    )
    connect.application_update(application_id="x", changes=ApplicationUpdate(scopes=[]))

    assert json.loads(route.calls.last.request.content) == {
        "application_type": "oauth",
        "name": "P",
        "is_first_party": True,
        "redirect_uris": [{"uri": "https://a.example", "default": False}],
    }
    assert json.loads(update.calls.last.request.content) == {"scopes": []}


def test_unknown_types_and_fields_do_not_break_the_dashboard(api, sleeps):
    api.get("/connect/applications").mock(
        return_value=answer(
            200,
            {
                "object": "list",
                "data": [
                    APP | {"brand_new_field": 1},
                    APP | {"application_type": "saml_bridge", "id": "conn_app_2"},
                ],
                "list_metadata": {"before": None, "after": None},
            },
        )
    )

    page = connect.application_list()

    assert page.data[0].model_extra == {"brand_new_field": 1}
    assert isinstance(page.data[1], UnknownApplication)
    assert not page.has_more


@pytest.mark.parametrize("body", [b"<html>oops</html>", b'{"id": 1}'])
def test_an_answer_that_breaks_the_contract_is_an_invalid_response(api, sleeps, body):
    api.get("/connect/applications/x").mock(
        return_value=httpx.Response(200, content=body, headers={"X-Request-ID": "req_bad"})
    )

    with pytest.raises(errors.InvalidResponseError) as error:
        connect.application_get(application_id="x")

    assert error.value.request_id == "req_bad"


def test_an_error_without_json_still_has_a_message(api, sleeps):
    api.get("/connect/applications/x").mock(return_value=httpx.Response(404, text="nope"))

    with pytest.raises(errors.NotFoundError) as error:
        connect.application_get(application_id="x")

    assert error.value.message == "The API answered 404 Not Found."


def test_the_api_key_never_appears_in_errors(api, sleeps):
    api.get("/connect/applications/x").mock(side_effect=httpx.ConnectError("refused"))

    with pytest.raises(errors.ApiConnectionError) as error:
        connect.application_get(application_id="x")

    assert "sk_test_faked" not in str(error.value) and "sk_test_faked" not in repr(error.value)
