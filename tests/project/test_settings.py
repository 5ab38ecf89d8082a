"""Settings from the environment: the helpers, the settings module, and the table of
docs/configuration.md."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from dashboard.env import env_bool, env_float, env_int, env_list, env_str, env_value
from tests.support import load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_unset_and_blank_variables_answer_the_default():
    for environ in ({}, {"X": ""}, {"X": "  "}):
        assert env_str("X", "text", environ=environ) == "text"
        assert env_bool("X", True, environ=environ) is True
        assert env_int("X", 3, environ=environ) == 3
        assert env_float("X", 2.5, environ=environ) == 2.5
        assert env_list("X", ["a"], environ=environ) == ["a"]


def test_good_values_are_read():
    assert env_str("X", "", environ={"X": " sk_test_abc\n"}) == "sk_test_abc"
    assert env_str("X", "INFO", choices=["DEBUG", "INFO"], environ={"X": "debug"}) == "DEBUG"
    assert env_int("X", 0, minimum=0, environ={"X": "60"}) == 60
    assert env_float("X", 0.0, minimum=0, maximum=1, environ={"X": "0.25"}) == 0.25
    assert env_float("X", 0.0, environ={"X": "2"}) == 2.0
    assert env_list("X", [], environ={"X": "a.example, b.example,,"}) == ["a.example", "b.example"]
    assert env_list("X", ["default"], environ={"X": " , "}) == ["default"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(word, True) for word in ("1", "true", "Yes", "ON")]
    + [(word, False) for word in ("0", "false", "No", "off")],
)
def test_booleans_take_the_usual_words(value, expected):
    assert env_bool("X", not expected, environ={"X": value}) is expected


@pytest.mark.parametrize(
    ("read", "value", "message"),
    [
        (lambda e: env_bool("X", False, environ=e), "maybe", "1/0, true/false, yes/no or on/off"),
        (lambda e: env_int("X", 1, environ=e), "thirty", "a whole number"),
        (lambda e: env_int("X", 1, environ=e), "1.5", "a whole number"),
        (lambda e: env_int("X", 1, minimum=1, environ=e), "0", "a whole number of at least 1"),
        (lambda e: env_float("X", 1, environ=e), "5s", "a number"),
        (lambda e: env_float("X", 1, environ=e), "nan", "a number"),
        (lambda e: env_float("X", 1, minimum=0, environ=e), "-1", "a number of at least 0"),
        (lambda e: env_float("X", 1, minimum=0, maximum=1, environ=e), "2", "a number from 0 to 1"),
        (lambda e: env_float("X", 1, maximum=9, environ=e), "10", "a number of at most 9"),
        (lambda e: env_str("X", "", choices=["INFO", "DEBUG"], environ=e), "LOUD", "one of INFO"),
    ],
)
def test_a_bad_value_stops_with_a_message_naming_the_variable(read, value, message):
    with pytest.raises(ImproperlyConfigured) as error:
        read({"X": value})

    assert str(error.value).startswith(f"X must be {message}")
    assert str(error.value).endswith(f", not {value!r}.")


def test_a_secret_value_is_left_out_of_the_message():
    with pytest.raises(ImproperlyConfigured) as error:
        env_value(
            "DATABASE_URL",
            None,
            parse=int,
            expected="a database URL",
            secret=True,
            environ={"DATABASE_URL": "postgress://user:hunter2@db/name"},
        )

    assert str(error.value) == "DATABASE_URL must be a database URL."


def test_the_helpers_read_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("DASHBOARD_TEST_NUMBER", "7")

    assert env_int("DASHBOARD_TEST_NUMBER", 0) == 7


def test_the_settings_module_reads_its_variables(monkeypatch):
    monkeypatch.setenv("DJANGO_SESSION_IDLE_MINUTES", "45")
    monkeypatch.setenv("DASHBOARD_SIGNIN_COOLOFF_MINUTES", "5")
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "0")
    monkeypatch.setenv("DASHBOARD_LOG_LEVEL", "warning")
    monkeypatch.setenv("WORKOS_MAX_RETRIES", "1")
    monkeypatch.setenv("WORKOS_BASE_URL", "https://api.workos.test/")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:password@db.internal:5432/dashboard")

    settings = load_settings()

    assert settings["SESSION_COOKIE_AGE"] == 45 * 60
    assert settings["AXES_COOLOFF_TIME"] == timedelta(minutes=5)
    assert settings["DATABASES"]["default"]["HOST"] == "db.internal"
    assert settings["DATABASES"]["default"]["CONN_MAX_AGE"] == 0
    assert settings["LOGGING"]["loggers"]["dashboard"]["level"] == "WARNING"
    assert settings["WORKOS_MAX_RETRIES"] == 1
    assert settings["WORKOS_BASE_URL"] == "https://api.workos.test"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "DJANGO_SESSION_IDLE_MINUTES",
            "thirty",
            "DJANGO_SESSION_IDLE_MINUTES must be a whole number of at least 1, not 'thirty'.",
        ),
        (
            "WORKOS_TIMEOUT",
            "5s",
            "WORKOS_TIMEOUT must be a number of at least 0, not '5s'.",
        ),
        (
            "DATABASE_URL",
            "postgress://user:hunter2@db/name",
            "DATABASE_URL must be a database URL such as postgres://user:password@host:5432/name.",
        ),
    ],
)
def test_a_typo_in_a_setting_stops_the_settings_with_a_clear_message(
    monkeypatch, name, value, message
):
    monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured) as error:
        load_settings()

    assert str(error.value) == message


def variables_read_by_the_code() -> set[str]:
    read = re.compile(r"""(?:env_\w+\(|os\.environ\.get\()\s*["']([A-Z][A-Z0-9_]+)["']""")
    names = set()
    for path in (ROOT / "dashboard").rglob("*.py"):
        names |= set(read.findall(path.read_text()))
    return names


def configuration_table_names() -> set[str]:
    page = (ROOT / "docs" / "configuration.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_every_variable_the_code_reads_is_in_the_configuration_page_table():
    read = variables_read_by_the_code()
    assert {"DJANGO_DEBUG", "DATABASE_CONN_MAX_AGE", "EMULATOR_RATE_LIMIT"} <= read

    assert sorted(read - configuration_table_names()) == []
