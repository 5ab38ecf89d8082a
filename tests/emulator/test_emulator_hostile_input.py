"""Hostile input at the embedded API's edge: a 4xx with a clear message, nothing stored."""

import json

import pytest

from dashboard.emulator.models import Application

pytestmark = pytest.mark.django_db

M2M = {"name": "Billing Sync", "application_type": "m2m", "organization_id": None}


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "Bad \\udc80", "application_type": "oauth", "is_first_party": true}',
        '{"name": "Pair \\ud83d", "application_type": "oauth", "is_first_party": true}',
        '{"name": "ok", "application_type": "oauth", "is_first_party": true,'
        ' "redirect_uris": [{"uri": "https://a.example/\\udc80", "default": true}]}',
        '{"name": "ok", "application_type": "oauth", "is_first_party": true,'
        ' "metadata": {"\\udc80": "key"}}',
    ],
)
def test_a_string_that_is_not_unicode_is_refused_and_nothing_stored(api, raw):
    response = api.post("connect/applications", raw=raw)

    assert response.status_code == 422
    assert "not valid Unicode" in response.json()["message"]
    assert not Application.objects.exists()


def test_a_surrogate_pair_spelled_as_escapes_is_one_character_and_accepted(api):
    raw = json.dumps({"name": "Rocket \U0001f680", "application_type": "oauth",
                      "is_first_party": True})  # fmt: skip
    assert "\\ud83d\\ude80" in raw

    response = api.post("connect/applications", raw=raw)

    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "Rocket \U0001f680"


def test_more_query_parameters_than_allowed_get_a_422_not_a_500(api):
    params = {f"p{i}": "x" for i in range(1001)}

    response = api.get("connect/applications", params)

    assert response.status_code == 422
    assert response.json()["code"] == "too_many_parameters"
    assert "X-Request-ID" in response.headers
