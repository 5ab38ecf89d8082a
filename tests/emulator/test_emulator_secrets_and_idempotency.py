import hashlib
import json

import pytest

from dashboard.emulator.models import Application, ClientSecret, IdempotencyRecord, Organization

APP = {"name": "Portal", "application_type": "oauth", "is_first_party": True}


@pytest.fixture
def app(api):
    return api.post("connect/applications", APP).json()


def test_a_new_secret_is_shown_once_and_only_its_hash_is_stored(api, app):
    response = api.post(f"connect/applications/{app['id']}/client_secrets", {})

    assert response.status_code == 201
    created = response.json()
    plaintext = created["secret"]
    assert len(plaintext) >= 40
    assert created["secret_hint"] == plaintext[-4:]
    assert created["last_used_at"] is None
    assert created["id"].startswith("secret_")
    assert response["Cache-Control"] == "no-store"

    stored = ClientSecret.objects.get(id=created["id"])
    assert stored.secret_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext not in json.dumps(
        list(ClientSecret.objects.values()) + list(IdempotencyRecord.objects.values()), default=str
    )

    listed = api.get(f"connect/applications/{app['client_id']}/client_secrets").json()
    assert listed == [{key: value for key, value in created.items() if key != "secret"}]


def test_an_app_holds_several_secrets_for_rotation(api, app):
    path = f"connect/applications/{app['id']}/client_secrets"
    first = api.post(path, {}).json()
    second = api.post(path, {}).json()

    assert first["secret"] != second["secret"]
    assert [s["id"] for s in api.get(path).json()] == [first["id"], second["id"]]

    assert api.delete(f"connect/client_secrets/{first['id']}").status_code == 204
    assert [s["id"] for s in api.get(path).json()] == [second["id"]]
    assert api.delete(f"connect/client_secrets/{first['id']}").status_code == 404


def test_secret_endpoints_are_404_for_an_unknown_app(api, db):
    assert api.get("connect/applications/conn_app_NOPE/client_secrets").status_code == 404
    assert api.post("connect/applications/conn_app_NOPE/client_secrets", {}).status_code == 404


def test_a_secret_request_with_fields_is_refused(api, app):
    response = api.post(f"connect/applications/{app['id']}/client_secrets", {"name": "x"})

    assert response.status_code == 422
    assert not ClientSecret.objects.exists()


def test_deleting_an_app_deletes_its_secrets(api, app):
    api.post(f"connect/applications/{app['id']}/client_secrets", {})

    api.delete(f"connect/applications/{app['id']}")

    assert not ClientSecret.objects.exists()


def test_the_same_idempotency_key_and_body_replays_the_first_answer(api, db):
    first = api.post("connect/applications", APP, **{"Idempotency-Key": "key-1"})
    again = api.post("connect/applications", APP, **{"Idempotency-Key": "key-1"})

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Application.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(api, db):
    api.post("connect/applications", APP, **{"Idempotency-Key": "key-1"})

    response = api.post(
        "connect/applications", APP | {"name": "Other"}, **{"Idempotency-Key": "key-1"}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Application.objects.count() == 1


def test_the_same_key_on_another_path_is_refused(api, db):
    api.post("organizations", {"name": "Acme"}, **{"Idempotency-Key": "key-1"})

    response = api.post(
        "authorization/permissions", {"name": "Acme"}, **{"Idempotency-Key": "key-1"}
    )

    assert response.status_code == 422
    assert Organization.objects.count() == 1


def test_a_refused_request_does_not_use_up_its_key(api, db):
    refused = api.post("connect/applications", {"name": "x"}, **{"Idempotency-Key": "key-1"})
    assert refused.status_code == 422

    accepted = api.post("connect/applications", APP, **{"Idempotency-Key": "key-1"})

    assert accepted.status_code == 201


def test_different_keys_create_different_apps(api, db):
    api.post("connect/applications", APP, **{"Idempotency-Key": "key-1"})
    api.post("connect/applications", APP, **{"Idempotency-Key": "key-2"})

    assert Application.objects.count() == 2


def test_a_repeated_secret_creation_creates_nothing_and_never_replays_the_plaintext(api, app):
    path = f"connect/applications/{app['id']}/client_secrets"
    first = api.post(path, {}, **{"Idempotency-Key": "secret-key"})

    again = api.post(path, {}, **{"Idempotency-Key": "secret-key"})

    assert first.status_code == 201
    assert again.status_code == 422
    assert first.json()["id"] in again.json()["message"]
    assert first.json()["secret"] not in again.content.decode()
    assert ClientSecret.objects.count() == 1


def test_an_overlong_idempotency_key_is_refused(api, db):
    response = api.post("connect/applications", APP, **{"Idempotency-Key": "k" * 300})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Application.objects.exists()


def test_expired_idempotency_records_are_cleared_and_their_keys_reusable(api, db):
    from datetime import timedelta

    api.post("connect/applications", APP, **{"Idempotency-Key": "old-key"})
    api.post("connect/applications", APP, **{"Idempotency-Key": "stale-key"})
    IdempotencyRecord.objects.update(
        created_at=IdempotencyRecord.objects.first().created_at - timedelta(hours=25)
    )

    again = api.post("connect/applications", APP, **{"Idempotency-Key": "old-key"})

    assert again.status_code == 201
    assert Application.objects.count() == 3  # past the window, the key is a new request
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["old-key"]
