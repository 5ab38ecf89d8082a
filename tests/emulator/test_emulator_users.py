"""End users of the embedded User Management API, and how the authorization server signs
them in (`user_authenticate`). Every answer is checked against the User Management
contract by the fixture in conftest."""

import hashlib
import json
import logging

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.emulator.ids import new_id
from dashboard.emulator.models import IdempotencyRecord, User
from dashboard.emulator.seed import DEMO_PASSWORD, USERS, seed_demo_data
from dashboard.emulator.user_management import store

PASSWORD = "strong_password_123!"
ADA = {
    "email": "ada@example.com",
    "password": PASSWORD,
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email_verified": True,
    "external_id": "crm-7",
    "metadata": {"timezone": "Europe/London"},
}


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """A stronger hasher than the suite's MD5, and still quick."""

    iterations = 2


def create(api, **fields):
    response = api.post("user_management/users", {"email": "ada@example.com"} | fields)
    assert response.status_code == 201, response.json()
    return response.json()


def make_users(count: int) -> list[str]:
    """Stored users, oldest first; answers their IDs."""
    rows = []
    for index in range(count):
        user_id, created = new_id("user_")
        rows.append(
            User(
                id=user_id, email=f"user{index}@example.com", created_at=created, updated_at=created
            )
        )
    User.objects.bulk_create(rows)
    return [row.id for row in rows]


def ids(response) -> list[str]:
    return [user["id"] for user in response.json()["data"]]


# --- Create and get ------------------------------------------------------------------------


def test_it_creates_and_gets_a_user(api):
    response = api.post("user_management/users", ADA)

    assert response.status_code == 201
    user = response.json()
    assert user["id"].startswith("user_") and len(user["id"]) == len("user_") + 26
    assert user["object"] == "user"
    assert (user["email"], user["first_name"], user["last_name"]) == (
        "ada@example.com",
        "Ada",
        "Lovelace",
    )
    assert user["email_verified"] is True
    assert user["external_id"] == "crm-7"
    assert user["metadata"] == {"timezone": "Europe/London"}
    assert user["last_sign_in_at"] is None and user["profile_picture_url"] is None
    assert user["created_at"] == user["updated_at"]
    assert user["created_at"].endswith("Z") and len(user["created_at"]) == 24
    assert api.get(f"user_management/users/{user['id']}").json() == user


def test_only_the_email_is_required(api):
    user = create(api)

    assert user["email_verified"] is False
    assert (user["first_name"], user["last_name"], user["name"], user["external_id"]) == (
        None,
        None,
        None,
        None,
    )
    assert user["metadata"] == {}


def test_explicit_nulls_mean_not_set(api):
    user = create(
        api,
        password=None,
        first_name=None,
        last_name=None,
        name=None,
        email_verified=None,
        metadata=None,
        external_id=None,
        ip_address=None,
        user_agent=None,
    )

    assert user["email_verified"] is False and user["metadata"] == {}
    assert User.objects.get().password_hash == ""


def test_the_email_is_trimmed_and_lowercased(api):
    user = create(api, email="  Ada.Lovelace@Example.COM \n")

    assert user["email"] == "ada.lovelace@example.com"


def test_an_unknown_user_is_404(api):
    response = api.get("user_management/users/user_01NOTTHERE")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api.get("user_management/users/" + "x" * 500).status_code == 404


# --- Refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "email", "required"),
        ({"email": None}, "email", "required"),
        ({"email": ""}, "email", "blank"),
        ({"email": "   "}, "email", "blank"),
        ({"email": 42}, "email", "invalid_type"),
        ({"email": "not an email"}, "email", "invalid_email"),
        ({"email": "ada@"}, "email", "invalid_email"),
        ({"email": "a\x00da@example.com"}, "email", "invalid_email"),
        ({"email": "a" * 250 + "@example.com"}, "email", "too_long"),
        ({"email": "ada@example.com", "password": 12345678}, "password", "invalid_type"),
        ({"email": "ada@example.com", "password": "p" * 1025}, "password", "too_long"),
        ({"email": "ada@example.com", "first_name": 7}, "first_name", "invalid_type"),
        ({"email": "ada@example.com", "last_name": "x" * 256}, "last_name", "too_long"),
        ({"email": "ada@example.com", "name": "a\x07b"}, "name", "invalid_character"),
        ({"email": "ada@example.com", "email_verified": "yes"}, "email_verified", "invalid_type"),
        ({"email": "ada@example.com", "external_id": ""}, "external_id", "blank"),
        ({"email": "ada@example.com", "external_id": "é"}, "external_id", "invalid_character"),
        ({"email": "ada@example.com", "external_id": "x" * 129}, "external_id", "too_long"),
        ({"email": "ada@example.com", "role": "admin"}, "role", "unknown_field"),
        (
            {"email": "ada@example.com", "password_hash": "$2a$10$x"},
            "password_hash_type",
            "required",
        ),
        ({"email": "ada@example.com", "password_hash_type": "bcrypt"}, "password_hash", "required"),
        (
            {"email": "ada@example.com", "password_hash": "$2a$", "password_hash_type": "md4"},
            "password_hash_type",
            "invalid_value",
        ),
        (
            {"email": "ada@example.com", "password_hash": "$2a$", "password_hash_type": "bcrypt"},
            "password_hash",
            "not_supported",
        ),
    ],
)
def test_it_refuses_invalid_fields_with_422(api, body, field, code):
    response = api.post("user_management/users", body)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request_parameters"
    assert {"field": field, "code": code} in [
        {"field": error["field"], "code": error["code"]} for error in response.json()["errors"]
    ]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "raw", ["", "not json", "[1, 2]", '"ada@example.com"', "NaN", '{"email": 1e999999}']
)
def test_an_unreadable_body_gets_user_managements_422(api, raw):
    response = api.post("user_management/users", raw=raw)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request_parameters"
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            {"password": PASSWORD, "password_hash": "$2a$10$x"},
            "password_and_password_hash_provided",
        ),
        (
            {"password": PASSWORD, "password_hash_type": "bcrypt"},
            "password_and_password_hash_type_provided",
        ),
        ({"password_salt_position": "prefix"}, "password_salt_position_requires_password_hash"),
        ({"metadata": {"tier": 1}}, "invalid_metadata"),
        ({"metadata": {f"k{i}": "v" for i in range(51)}}, "invalid_metadata"),
        ({"metadata": {"k" * 41: "v"}}, "invalid_metadata"),
        ({"metadata": {"k": "v" * 601}}, "invalid_metadata"),
        ({"metadata": ["k", "v"]}, "invalid_metadata"),
        ({"password": "short1!"}, "password_strength_error"),
        ({"password": "password123"}, "password_strength_error"),
    ],
)
def test_it_refuses_with_the_contracts_400s(api, body, code):
    response = api.post("user_management/users", {"email": "ada@example.com"} | body)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not User.objects.exists()


def test_a_weak_password_is_explained_without_repeating_it(api):
    response = api.post("user_management/users", {"email": "ada@example.com", "password": "x7#Qz"})

    assert response.json()["errors"] == [
        {
            "field": "password",
            "code": "password_too_short",
            "message": "A password must be at least 8 characters long.",
        }
    ]
    assert "x7#Qz" not in response.content.decode()


def test_an_email_is_used_once_whatever_its_case(api):
    first = create(api)

    response = api.post("user_management/users", {"email": "ADA@example.com", "password": PASSWORD})

    assert response.status_code == 400
    assert response.json() == {
        "message": "Could not create user.",
        "code": "user_creation_error",
        "errors": [
            {
                "field": "email",
                "code": "email_not_available",
                "message": "This email is not available.",
            }
        ],
    }
    assert [user.id for user in User.objects.all()] == [first["id"]]


def test_an_external_id_is_used_once(api):
    create(api, external_id="crm-1")

    response = api.post(
        "user_management/users", {"email": "bob@example.com", "external_id": "crm-1"}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "user_creation_error"
    assert response.json()["errors"][0]["code"] == "external_id_already_used"
    assert User.objects.count() == 1


def test_users_have_no_other_methods_here(api):
    response = api.delete("user_management/users")

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


def test_the_same_idempotency_key_and_body_replays_the_first_answer(api, db):
    first = api.post("user_management/users", ADA, **{"Idempotency-Key": "key-1"})
    again = api.post("user_management/users", ADA, **{"Idempotency-Key": "key-1"})

    assert again.status_code == 201 and again.json() == first.json()
    assert User.objects.count() == 1


# --- Passwords ---------------------------------------------------------------------------------


def test_a_password_is_kept_only_as_a_slow_salted_hash(api, settings, caplog):
    settings.PASSWORD_HASHERS = [f"{__name__}.FastPBKDF2PasswordHasher"]
    caplog.set_level(logging.DEBUG, logger="dashboard")

    user = api.post("user_management/users", ADA, **{"Idempotency-Key": "key-1"}).json()

    stored = User.objects.get()
    assert stored.password_hash.startswith("pbkdf2_sha256$")
    assert check_password(PASSWORD, stored.password_hash)
    assert "password" not in user and "password_hash" not in user
    assert PASSWORD not in json.dumps(user) and stored.password_hash not in json.dumps(user)
    everything = json.dumps(
        list(User.objects.values()) + list(IdempotencyRecord.objects.values()), default=str
    )
    assert PASSWORD not in everything
    # The idempotency fingerprint of the body is keyed: no plain hash of it to guess against.
    body = json.dumps(
        ["/emulator/user_management/users", ADA], sort_keys=True, separators=(",", ":")
    )
    assert hashlib.sha256(body.encode()).hexdigest() not in everything
    assert PASSWORD not in caplog.text and stored.password_hash not in caplog.text
    assert stored.password_hash not in str(stored) + repr(stored)


def test_the_right_password_signs_a_user_in(api):
    user = create(api, password=PASSWORD)

    found = store.user_authenticate("ada@example.com", PASSWORD)

    assert found is not None and found.id == user["id"]
    assert store.user_authenticate("  ADA@example.com ", PASSWORD).id == user["id"]


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ada@example.com", "wrong_password_123!"),
        ("ada@example.com", PASSWORD.upper()),
        ("ada@example.com", ""),
        ("nobody@example.com", PASSWORD),
        ("", PASSWORD),
        ("ada@example.com\x00", PASSWORD),
        ("a" * 10_000, PASSWORD),
    ],
)
def test_anything_else_does_not(api, email, password):
    create(api, password=PASSWORD)

    assert store.user_authenticate(email, password) is None


def test_a_user_without_a_password_cannot_sign_in_with_one(api):
    create(api)

    assert store.user_authenticate("ada@example.com", "") is None
    assert store.user_authenticate("ada@example.com", PASSWORD) is None


def test_an_unknown_email_costs_a_password_check_all_the_same(api, monkeypatch):
    create(api, password=PASSWORD)
    checked: list[str] = []

    def counting_check_password(password, encoded, setter=None):
        checked.append(encoded)
        return check_password(password, encoded, setter)

    monkeypatch.setattr(store, "check_password", counting_check_password)

    store.user_authenticate("nobody@example.com", PASSWORD)
    store.user_authenticate("ada@example.com", "wrong_password_123!")

    assert len(checked) == 2
    # The unknown address was checked against a real hash of the same hasher.
    assert checked[0].split("$")[0] == checked[1].split("$")[0] == "md5"


def test_signing_in_upgrades_a_hash_made_with_weaker_settings(api, settings):
    create(api, password=PASSWORD)
    assert User.objects.get().password_hash.startswith("md5$")
    settings.PASSWORD_HASHERS = [
        f"{__name__}.FastPBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    assert store.user_authenticate("ada@example.com", PASSWORD) is not None

    assert User.objects.get().password_hash.startswith("pbkdf2_sha256$")
    assert store.user_authenticate("ada@example.com", PASSWORD) is not None


def test_a_sign_in_shows_as_the_users_last(api):
    user = create(api, password=PASSWORD)

    store.user_record_sign_in(store.user_authenticate("ada@example.com", PASSWORD))

    signed_in = api.get(f"user_management/users/{user['id']}").json()
    assert signed_in["last_sign_in_at"] >= user["created_at"]
    assert signed_in["updated_at"] == user["updated_at"]


def test_the_authorization_server_finds_users_by_id(api):
    user = create(api)

    assert store.user_find(user["id"]).email == "ada@example.com"
    assert store.user_find("user_01NOTTHERE") is None
    assert store.user_find("") is None
    assert store.user_get(user["id"]).id == user["id"]


# --- Lists -----------------------------------------------------------------------------------


def test_users_are_filtered_by_email_whatever_its_case(api):
    ada = create(api)
    create(api, email="bob@example.com")

    response = api.get("user_management/users", {"email": " ADA@Example.com"})

    assert ids(response) == [ada["id"]]
    assert ids(api.get("user_management/users", {"email": "nobody@example.com"})) == []


def test_users_list_newest_first_and_page_both_ways(api):
    created = make_users(7)
    newest_first = created[::-1]

    first = api.get("user_management/users", {"limit": 3}).json()
    second = api.get(
        "user_management/users", {"limit": 3, "after": first["list_metadata"]["after"]}
    ).json()
    back = api.get(
        "user_management/users", {"limit": 3, "before": second["list_metadata"]["before"]}
    ).json()

    assert [u["id"] for u in first["data"]] == newest_first[:3]
    assert first["list_metadata"] == {"before": None, "after": newest_first[2]}
    assert [u["id"] for u in second["data"]] == newest_first[3:6]
    assert second["list_metadata"] == {"before": newest_first[3], "after": newest_first[5]}
    assert back["data"] == first["data"]


@pytest.mark.parametrize("order", ["asc", "desc", "normal"])
def test_every_order_walks_every_user_once(api, order):
    created = make_users(7)
    expected = created if order == "asc" else created[::-1]
    forward = "before" if order == "normal" else "after"
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, "order": order} | ({forward: cursor} if cursor else {})
        page = api.get("user_management/users", params).json()
        seen += [user["id"] for user in page["data"]]
        cursor = page["list_metadata"][forward]
        if cursor is None:
            break

    assert seen == expected


def test_a_page_costs_the_same_however_many_users_there_are(api):
    newest = make_users(300)[-1]

    with CaptureQueriesContext(connection) as queries:
        response = api.get("user_management/users", {"limit": 5, "after": newest})

    assert len(ids(response)) == 5
    # The page itself and whether there is one before it: no count, no offset.
    selects = [q["sql"] for q in queries.captured_queries if "emulator_user" in q["sql"]]
    assert len(selects) == 2
    assert all("OFFSET" not in sql.upper() and "COUNT(" not in sql.upper() for sql in selects)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"order": "sideways"},
        {"before": "user_1", "after": "user_2"},
        {"email": "a" * 300},
        {"after": "x" * 100},
        {"organization_id": "org\x00"},
    ],
)
def test_it_refuses_invalid_list_parameters(api, params):
    response = api.get("user_management/users", params)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request_parameters"


def test_an_unknown_organization_filter_is_a_422(api):
    response = api.get("user_management/users", {"organization_id": "org_01NOTTHERE"})

    assert response.status_code == 422
    assert response.json()["message"] == "Organization not found: 'org_01NOTTHERE'."


@pytest.mark.parametrize("name", ["organization_id", "organization"])
def test_no_user_is_a_member_of_an_organization_yet(api, organization, name):
    create(api)

    response = api.get("user_management/users", {name: organization.id})

    assert response.status_code == 200
    assert ids(response) == []


# --- Arbitrary input -------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children)
    ),
    max_leaves=6,
)
user_bodies = (
    st.fixed_dictionaries(
        {},
        optional={
            "email": st.sampled_from(["ada@example.com", "ADA@example.com", "x@", ""])
            | json_values,
            "password": st.sampled_from([PASSWORD, "short", "password123"]) | json_values,
            "password_hash": json_values,
            "password_hash_type": st.sampled_from(["bcrypt", "md4"]) | json_values,
            "password_salt_position": json_values,
            "first_name": json_values,
            "name": json_values,
            "email_verified": json_values,
            "external_id": st.sampled_from(["crm-1", "é", ""]) | json_values,
            "metadata": st.dictionaries(st.text(max_size=5), st.text(max_size=5)) | json_values,
        },
    )
    | json_values
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=user_bodies)
def test_any_body_gets_a_user_or_a_refusal_that_changes_nothing(api, body):
    if not User.objects.exists():
        create(api, external_id="crm-1")
    before = list(User.objects.values())

    response = api.post("user_management/users", raw=json.dumps(body))

    assert response.status_code in (201, 400, 422), response.content
    if response.status_code == 201:
        User.objects.filter(id=response.json()["id"]).delete()
    assert list(User.objects.values()) == before


# --- Demo users ------------------------------------------------------------------------------


def test_the_demo_seed_adds_users_who_can_sign_in(api):
    seed_demo_data()

    listed = api.get("user_management/users", {"order": "asc"}).json()["data"]

    assert [user["email"] for user in listed] == [email for _, _, email in USERS]
    assert all(user["email_verified"] for user in listed)
    for _, _, email in USERS:
        assert store.user_authenticate(email, DEMO_PASSWORD) is not None


def test_quickstart_says_how_to_sign_in_as_a_demo_user(db, capsys, monkeypatch):
    monkeypatch.delenv("DASHBOARD_ADMIN_PASSWORD", raising=False)

    call_command("quickstart", "--no-serve")

    out = capsys.readouterr().out
    assert f"{USERS[0][2]}, with the password {DEMO_PASSWORD}" in out
