"""`check --deploy` on the embedded API's key, and the key refused blank at start-up."""

import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Tags, run_checks
from django.core.exceptions import ImproperlyConfigured

from dashboard.env import env_value

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "ek_" + "0123456789abcdefghijklmnopqrstuvwxyz"
PRODUCTION_ENV = {
    "PATH": "/usr/bin:/bin",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP",
    "DJANGO_ALLOWED_HOSTS": "dashboard.example.com",
}


def deploy_check_ids() -> set[str]:
    return {
        message.id
        for message in run_checks(tags=[Tags.security], include_deployment_checks=True)
        if message.id.startswith("dashboard.")
    }


SANDBOX, PRODUCTION = "WORKOS_EMULATOR_API_KEY", "WORKOS_EMULATOR_PRODUCTION_API_KEY"


@pytest.mark.parametrize(
    ("setting", "key", "error"),
    [
        (SANDBOX, "sk_test_emulator", "dashboard.E001"),
        (PRODUCTION, "sk_live_emulator", "dashboard.E001"),
        (SANDBOX, "", "dashboard.E002"),
        (PRODUCTION, "", "dashboard.E002"),
        (SANDBOX, "a" * 31, "dashboard.E003"),
        (PRODUCTION, "sk_live_" + "a" * 23, "dashboard.E003"),
    ],
)
def test_the_deploy_check_fails_on_a_published_empty_or_short_key(settings, setting, key, error):
    settings.WORKOS_EMULATOR_API_KEY = STRONG_KEY
    settings.WORKOS_EMULATOR_PRODUCTION_API_KEY = "sk_live_" + STRONG_KEY
    setattr(settings, setting, key)

    assert deploy_check_ids() == {error}


def test_the_deploy_check_passes_long_random_keys(settings):
    settings.WORKOS_EMULATOR_API_KEY = STRONG_KEY
    settings.WORKOS_EMULATOR_PRODUCTION_API_KEY = "sk_live_" + STRONG_KEY

    assert deploy_check_ids() == set()


def test_the_key_does_not_matter_when_the_embedded_api_is_off(settings):
    settings.WORKOS_API_KEY = "sk_live_real"
    settings.WORKOS_EMULATOR = False

    assert deploy_check_ids() == set()


def test_the_embedded_api_served_beside_a_real_key_needs_its_own_key(settings):
    settings.WORKOS_API_KEY = "sk_live_real"
    settings.WORKOS_EMULATOR = True
    settings.WORKOS_EMULATOR_PRODUCTION_API_KEY = "sk_live_" + STRONG_KEY

    assert deploy_check_ids() == {"dashboard.E001"}


def test_the_check_runs_only_for_deployment(settings):
    settings.WORKOS_EMULATOR_API_KEY = "sk_test_emulator"

    messages = run_checks(tags=[Tags.security])

    assert not [message for message in messages if message.id.startswith("dashboard.")]


def manage_check_deploy(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**PRODUCTION_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_fails_a_production_configuration_with_the_published_key():
    result = manage_check_deploy()

    assert result.returncode != 0
    assert "dashboard.E001" in result.stderr
    assert "WORKOS_EMULATOR_API_KEY" in result.stderr


def test_check_deploy_passes_a_production_configuration_with_a_long_random_key():
    result = manage_check_deploy(
        WORKOS_EMULATOR_API_KEY=STRONG_KEY,
        WORKOS_EMULATOR_PRODUCTION_API_KEY="sk_live_" + STRONG_KEY,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def load_settings() -> dict:
    return runpy.run_path(str(ROOT / "dashboard" / "settings.py"))


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_key_stops_the_settings(monkeypatch, blank):
    monkeypatch.setenv("WORKOS_EMULATOR_API_KEY", blank)

    with pytest.raises(ImproperlyConfigured) as error:
        load_settings()

    assert str(error.value).startswith(
        "WORKOS_EMULATOR_API_KEY is set but blank: it must be a long random key"
    )


def test_an_unset_key_is_the_development_key_and_a_set_key_is_read(monkeypatch):
    monkeypatch.delenv("WORKOS_EMULATOR_API_KEY", raising=False)
    assert load_settings()["WORKOS_EMULATOR_API_KEY"] == "sk_test_emulator"

    monkeypatch.setenv("WORKOS_EMULATOR_API_KEY", f" {STRONG_KEY}\n")
    assert load_settings()["WORKOS_EMULATOR_API_KEY"] == STRONG_KEY


def test_only_a_value_read_with_blank_is_default_false_refuses_blank():
    read = dict(parse=str, expected="a key", environ={"KEY": " "})

    assert env_value("KEY", "default", **read) == "default"
    assert env_value("UNSET", "default", blank_is_default=False, **read) == "default"
    with pytest.raises(ImproperlyConfigured, match="^KEY is set but blank: it must be a key.$"):
        env_value("KEY", "default", blank_is_default=False, **read)
