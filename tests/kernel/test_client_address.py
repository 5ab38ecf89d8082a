"""The client's address behind proxies: the resolver, and sign-in throttling, the audit trail
and the logs that use it."""

import io
import logging
import runpy
from pathlib import Path

import pytest
from django.test import Client, RequestFactory

from dashboard.addresses import client_address
from dashboard.audit.models import AuditEvent
from tests.support import make_user

ROOT = Path(__file__).resolve().parents[2]
PROXY = "10.0.0.2"
CLIENT = "203.0.113.9"
ATTACKER = "198.51.100.66"


def resolve(settings, proxies: int, forwarded: str | None, remote: str = PROXY) -> str | None:
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


# --- The resolver ---------------------------------------------------------------------------


def test_with_no_proxy_the_header_is_ignored(settings):
    assert resolve(settings, 0, f"{ATTACKER}, {CLIENT}", remote=CLIENT) == CLIENT
    assert resolve(settings, 0, None, remote=CLIENT) == CLIENT


def test_behind_one_proxy_the_client_is_the_hop_the_proxy_appended(settings):
    assert resolve(settings, 1, CLIENT) == CLIENT
    # What the client sent itself stands to the left and is ignored.
    assert resolve(settings, 1, f"{ATTACKER}, {CLIENT}") == CLIENT
    assert resolve(settings, 1, f"127.0.0.1,{ATTACKER} , {CLIENT}") == CLIENT


def test_behind_two_proxies_the_client_is_the_hop_before_them(settings):
    assert resolve(settings, 2, f"{CLIENT}, 10.0.0.1") == CLIENT
    assert resolve(settings, 2, f"{ATTACKER}, {CLIENT}, 10.0.0.1") == CLIENT
    assert resolve(settings, 2, f"1.1.1.1, {ATTACKER}, {CLIENT}, 10.0.0.1") == CLIENT


def test_a_chain_shorter_than_the_proxies_gives_its_first_hop(settings):
    # The request came in through the inner proxy only: what it appended is the client.
    assert resolve(settings, 2, CLIENT) == CLIENT
    assert resolve(settings, 3, f"{CLIENT}, 10.0.0.1") == CLIENT


def test_without_the_header_the_client_is_the_remote_address(settings):
    assert resolve(settings, 1, None) == PROXY
    assert resolve(settings, 2, "  ") == PROXY


def test_a_hop_our_proxy_wrote_that_is_no_address_falls_back_to_the_remote_address(settings):
    assert resolve(settings, 1, f"{CLIENT}, unknown") == PROXY
    assert resolve(settings, 1, f"{CLIENT},") == PROXY
    assert resolve(settings, 1, "<script>") == PROXY


def test_garbage_the_client_sent_is_never_read(settings):
    assert resolve(settings, 1, f"not an address, =cmd|calc, {CLIENT}") == CLIENT


def test_addresses_are_normalized(settings):
    assert resolve(settings, 1, "2001:DB8::0:1") == "2001:db8::1"
    assert resolve(settings, 1, "[2001:db8::1]:51234") == "2001:db8::1"
    assert resolve(settings, 1, f"{CLIENT}:51234") == CLIENT
    assert resolve(settings, 0, None, remote=f"::ffff:{CLIENT}") == CLIENT


def test_no_usable_address_at_all_is_none(settings):
    assert resolve(settings, 0, None, remote="") is None
    assert resolve(settings, 1, "unknown", remote="") is None


def load_settings() -> dict:
    return runpy.run_path(str(ROOT / "dashboard" / "settings.py"))


def test_the_proxy_count_is_read_and_the_older_switch_means_one_proxy(monkeypatch):
    monkeypatch.delenv("DJANGO_TRUSTED_PROXY_COUNT", raising=False)
    monkeypatch.delenv("DJANGO_TRUST_X_FORWARDED_FOR", raising=False)
    assert load_settings()["TRUSTED_PROXY_COUNT"] == 0

    monkeypatch.setenv("DJANGO_TRUST_X_FORWARDED_FOR", "1")
    assert load_settings()["TRUSTED_PROXY_COUNT"] == 1

    monkeypatch.setenv("DJANGO_TRUSTED_PROXY_COUNT", "2")
    assert load_settings()["TRUSTED_PROXY_COUNT"] == 2


# --- Sign-in throttling, the audit trail and the logs behind one proxy ----------------------


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def sign_in(forwarded: str, username: str, password: str):
    """A sign-in through the proxy, which appends the client's address to the header."""
    return Client(REMOTE_ADDR=PROXY).post(
        "/login/",
        {"username": username, "password": password},
        headers={"X-Forwarded-For": forwarded},
    )


@pytest.mark.django_db
def test_a_client_cannot_lock_a_user_out_for_another_address(behind_one_proxy):
    make_user("ops", role="Viewer", password="right-password-1")
    for _ in range(5):
        # The attacker even claims to be the victim's address.
        sign_in(f"{CLIENT}, {ATTACKER}", "ops", "wrong")

    locked = sign_in(ATTACKER, "ops", "right-password-1")
    victim = sign_in(CLIENT, "ops", "right-password-1")

    assert locked.status_code == 429
    assert victim.status_code == 302


@pytest.mark.django_db
def test_many_user_names_from_one_address_lock_that_address(behind_one_proxy):
    make_user("ops", role="Viewer", password="right-password-1")
    for name in ("admin", "root", "alice", "bob", "carol"):
        sign_in(ATTACKER, name, "password1")

    locked = sign_in(ATTACKER, "ops", "right-password-1")
    elsewhere = sign_in(CLIENT, "ops", "right-password-1")

    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    assert elsewhere.status_code == 302


@pytest.mark.django_db
def test_signing_in_to_ones_own_account_between_guesses_does_not_clear_them(behind_one_proxy):
    make_user("mallory", role="Viewer", password="mallorys-password-1")
    make_user("ops", role="Viewer", password="right-password-1")
    for guess in range(5):
        if guess:
            assert sign_in(ATTACKER, "mallory", "mallorys-password-1").status_code == 302
        sign_in(ATTACKER, "ops", f"guess-{guess}")

    assert sign_in(ATTACKER, "ops", "right-password-1").status_code == 429


@pytest.mark.django_db
def test_the_audit_trail_records_the_client_not_the_proxy_or_a_spoofed_entry(
    behind_one_proxy,
):
    make_user("ops", role="Viewer", password="right-password-1")

    sign_in(f"{ATTACKER}, {CLIENT}", "ops", "wrong")
    sign_in(f"{ATTACKER}, {CLIENT}", "ops", "right-password-1")

    assert list(AuditEvent.objects.order_by("id").values_list("action", "ip")) == [
        ("sign_in_failed", CLIENT),
        ("sign_in", CLIENT),
    ]


@pytest.mark.django_db
def test_django_request_logs_name_the_client(behind_one_proxy):
    (handler,) = logging.getLogger("django.request").handlers
    output = io.StringIO()
    stream = handler.setStream(output)
    try:
        response = Client(REMOTE_ADDR=PROXY).get(
            "/no-such-page/", headers={"X-Forwarded-For": f"{ATTACKER}, {CLIENT}"}
        )
    finally:
        handler.setStream(stream)

    assert response.status_code == 404
    assert output.getvalue() == (
        f"WARNING django.request Not Found: /no-such-page/ (client {CLIENT})\n"
    )
