"""The dashboard under a failing API: faults injected into the embedded API, time patched."""

import re

import httpx
import pytest
import respx
from django.core.exceptions import ImproperlyConfigured

from dashboard.audit.models import AuditEvent
from dashboard.emulator import store
from dashboard.emulator.faults import Faults, injected
from dashboard.emulator.models import Application
from tests.support import EMPTY_PAGE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_waiting(sleeps):
    """Every test here runs with the service layer's sleeps patched out."""


@pytest.fixture
def app():
    return store.application_create(application_type="oauth", name="Portal", is_first_party=True)


CREATE = {
    "application_type": "oauth",
    "party": "first",
    "name": "Once",
    "action": "save",
    "redirect_uri": ["https://once.example.com/cb"],
    "idempotency_key": "form-1",
}


def test_a_create_whose_answer_is_lost_is_retried_and_makes_exactly_one_app(browser):
    with injected(script=["POST:lost"]):
        response = browser.post("/sandbox/applications/new", CREATE)

    assert response.status_code == 303
    assert Application.objects.filter(name="Once").count() == 1


def test_a_create_submitted_again_after_a_timeout_makes_exactly_one_app(browser, settings):
    settings.WORKOS_MAX_RETRIES = 0
    with injected(script=["POST:lost"]):
        first = browser.post("/sandbox/applications/new", CREATE)
    again = browser.post("/sandbox/applications/new", CREATE)

    assert first.status_code == 504 and b"did not answer in time" in first.content
    assert again.status_code == 303
    assert Application.objects.filter(name="Once").count() == 1


def edit(browser, app, **changes):
    current = browser.get(f"/sandbox/applications/{app.id}/edit").content.decode()
    hidden = dict(
        re.findall(r'type="hidden" name="(updated_at|original)" value="([^"]*)"', current)
    )
    return browser.post(
        f"/sandbox/applications/{app.id}/edit",
        hidden | {"name": "Portal", "redirect_uri": [""], "action": "save", **changes},
    )


def test_an_edit_during_a_brief_outage_saves_once(browser, app):
    with injected(script=["PUT:503"]):
        response = edit(browser, app, name="Renamed")

    assert response.status_code == 303
    app.refresh_from_db()
    assert app.name == "Renamed"
    assert AuditEvent.objects.filter(action="update", outcome="success").count() == 1


def test_an_edit_during_a_long_outage_tells_the_user_and_keeps_the_form(browser, app):
    with injected(script=["PUT:503", "PUT:503", "PUT:503"]):
        response = edit(browser, app, name="Unsaved")

    assert response.status_code == 502
    assert b'value="Unsaved"' in response.content
    assert b"The API failed to complete the request" in response.content
    app.refresh_from_db()
    assert app.name == "Portal"


def test_pages_recover_by_retrying(browser, app):
    with injected(script=["GET:502", "GET:drop"]):
        response = browser.get("/sandbox/applications/")

    assert response.status_code == 200 and b"Portal" in response.content


def test_a_short_rate_limit_is_waited_out(browser, app, sleeps):
    with injected(script=["GET:429"], rate_window=2):
        response = browser.get("/sandbox/applications/")

    assert response.status_code == 200
    assert sleeps == [2.0]


def test_a_long_rate_limit_is_reported_at_once(browser, app, sleeps):
    with injected(script=["GET:429"], rate_window=120):
        response = browser.get("/sandbox/applications/")

    assert response.status_code == 429
    assert b"120 seconds" in response.content
    assert sleeps == []


def test_the_rate_limit_counts_requests_per_window(api):
    with injected(rate_limit=2, rate_window=60):
        statuses = [api.get("connect/applications").status_code for _ in range(3)]
        limited = api.get("connect/applications")

    assert statuses == [200, 200, 429]
    assert int(limited["Retry-After"]) > 0


def test_faults_come_from_the_environment():
    faults = Faults.from_environment(
        {
            "EMULATOR_LATENCY_MS": "20-200",
            "EMULATOR_ERROR_RATE": "0.2",
            "EMULATOR_ERROR_STATUSES": "503",
            "EMULATOR_RATE_LIMIT": "6000/60",
            "EMULATOR_HANG_RATE": "0.01",
            "EMULATOR_DROP_RATE": "0.02",
        }
    )

    assert faults.latency_ms == (20.0, 200.0) and faults.error_rate == 0.2
    assert faults.error_statuses == (503,) and (faults.rate_limit, faults.rate_window) == (6000, 60)
    assert faults.hang_rate == 0.01 and faults.drop_rate == 0.02


def test_single_values_and_blanks_in_the_fault_variables():
    faults = Faults.from_environment(
        {
            "EMULATOR_LATENCY_MS": "50",
            "EMULATOR_RATE_LIMIT": "100",
            "EMULATOR_ERROR_STATUSES": "500, 503",
            "EMULATOR_HANG_SECONDS": "",
            "EMULATOR_ERROR_RATE": " ",
        }
    )

    assert faults.latency_ms == (50.0, 50.0)
    assert (faults.rate_limit, faults.rate_window) == (100, 60.0)
    assert faults.error_statuses == (500, 503)
    assert faults.hang_seconds == 30.0 and faults.error_rate == 0.0
    assert Faults.from_environment({}) == Faults() and not Faults().active


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EMULATOR_LATENCY_MS", "fast"),
        ("EMULATOR_LATENCY_MS", "200-20"),
        ("EMULATOR_ERROR_RATE", "20%"),
        ("EMULATOR_ERROR_RATE", "2"),
        ("EMULATOR_ERROR_STATUSES", "503,oops"),
        ("EMULATOR_ERROR_STATUSES", "200"),
        ("EMULATOR_RATE_LIMIT", "lots"),
        ("EMULATOR_RATE_LIMIT", "100/0"),
        ("EMULATOR_HANG_RATE", "-0.1"),
        ("EMULATOR_HANG_SECONDS", "forever"),
        ("EMULATOR_DROP_RATE", "often"),
    ],
)
def test_a_fault_variable_that_cannot_be_used_is_named_in_the_error(name, value):
    with pytest.raises(ImproperlyConfigured) as error:
        Faults.from_environment({name: value})

    assert str(error.value).startswith(f"{name} must be ")
    assert str(error.value).endswith(f", not {value!r}.")


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("dashboard.connect.client.monotonic", clock)
    return clock


@pytest.fixture
def real_workos(settings):
    settings.WORKOS_API_KEY = "sk_test_down"
    settings.WORKOS_BASE_URL = "https://api.workos.test"


def test_when_the_api_is_down_pages_fail_fast_and_recover_by_themselves(
    browser, real_workos, clock
):
    with respx.mock(base_url="https://api.workos.test") as api:
        # Down for every request the page makes, whichever they are.
        route = api.route().mock(side_effect=httpx.ConnectError("down"))
        first_pages = [browser.get("/sandbox/applications/").status_code for _ in range(3)]
        attempts_before = route.call_count
        while_open = browser.get("/sandbox/applications/")

        assert first_pages == [503, 503, 503]
        assert route.call_count == attempts_before  # no request while the breaker is open
        assert b"try again in 10 seconds" in while_open.content
        clock.now += 9.2
        assert b"try again in 1 second." in browser.get("/sandbox/applications/").content

        clock.now += 1.8
        route.mock(
            return_value=httpx.Response(
                200,
                json=EMPTY_PAGE,
            )
        )
        recovered = browser.get("/sandbox/applications/")

    assert recovered.status_code == 200


def test_retries_stop_at_the_deadline(browser, real_workos, clock, settings):
    settings.WORKOS_DEADLINE = 10

    def hang(request):
        clock.now += 5  # each attempt waits out a 5-second timeout
        raise httpx.ReadTimeout("no answer")

    with respx.mock(base_url="https://api.workos.test") as api:
        route = api.get("/connect/applications").mock(side_effect=hang)
        response = browser.get("/sandbox/applications/")

    assert response.status_code == 504
    assert route.call_count == 2  # a third try would end past the deadline
