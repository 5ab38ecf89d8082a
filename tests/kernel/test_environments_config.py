"""Which environments the process environment describes (dashboard/environments.py)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from dashboard import environments

BASE = "https://api.workos.com"


def named(**environ):
    return environments.named(environ, base_url=BASE, authkit_domain="acme.authkit.app")


def test_each_named_environment_has_its_key_and_optional_url_and_domain():
    sandbox, production = named(
        WORKOS_ENVIRONMENTS=" sandbox , production",
        WORKOS_API_KEY_SANDBOX="sk_test_1",
        WORKOS_API_KEY_PRODUCTION="sk_live_2",
        WORKOS_BASE_URL_PRODUCTION="https://eu.api.example/",
        WORKOS_AUTHKIT_DOMAIN_PRODUCTION="https://live.authkit.app/",
    )

    assert (sandbox.name, sandbox.base_url, sandbox.authkit_domain) == (
        "sandbox", BASE, "acme.authkit.app"
    )  # fmt: skip
    assert not sandbox.production and production.production and not production.embedded
    assert production.base_url == "https://eu.api.example"
    assert production.authkit_domain == "live.authkit.app"
    assert "sk_live_2" not in repr(production)


def test_unset_names_no_environment():
    assert named() == ()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"WORKOS_ENVIRONMENTS": "sandbox"}, "WORKOS_API_KEY_SANDBOX is not set"),
        ({"WORKOS_ENVIRONMENTS": "Sandbox", "WORKOS_API_KEY_SANDBOX": "k"}, "cannot name"),
        ({"WORKOS_ENVIRONMENTS": "audit", "WORKOS_API_KEY_AUDIT": "k"}, "cannot name"),
        ({"WORKOS_ENVIRONMENTS": "a,a", "WORKOS_API_KEY_A": "k"}, "twice"),
    ],
)
def test_a_wrong_configuration_stops_with_what_to_fix(environ, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        named(**environ)


def test_without_named_environments_one_key_is_one_environment(settings):
    settings.WORKOS_API_KEY = "sk_live_x"

    (only,) = environments.all()

    assert only.name == "production" and only.production and environments.current() == only


def test_override_works_in_another_environment_and_refuses_an_unknown_one(db):
    with environments.override("production") as production:
        assert environments.current() == production
    assert environments.current().name == "sandbox"
    with pytest.raises(LookupError), environments.override("staging"):
        pass
