import logging
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import respx
from django.test import Client

from tests.support import EMPTY_PAGE, make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "PATH": "/usr/bin:/bin",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP",
    "DJANGO_ALLOWED_HOSTS": "dashboard.example.com",
    "WORKOS_EMULATOR_API_KEY": "emulator-" + "0123456789abcdefghijklmnopqrstuvwxyz",
    "WORKOS_EMULATOR_PRODUCTION_API_KEY": "sk_live_" + "0123456789abcdefghijklmnopqrstuvwxyz",
}


def test_the_production_configuration_passes_the_deployment_checks():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=PRODUCTION_ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_every_page_has_a_strict_content_security_policy(browser):
    for url in ("/sandbox/applications/", "/sandbox/applications/new", "/audit/", "/login/"):
        response = (Client() if url == "/login/" else browser).get(url)
        policy = response["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy)[1]
        for directive in (
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ):
            assert directive in policy, (url, directive)
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        scripts = re.findall(r"<script([^>]*)>", response.content.decode())
        assert scripts, url
        for attributes in scripts:
            assert 'src="' in attributes, "no inline scripts"
            assert f'nonce="{nonce}"' in attributes or "/static/" in attributes


def test_templates_hold_no_inline_script_or_style():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert "style=" not in text and "<style" not in text, template
        assert not re.search(r"\son[a-z]+=", text), template


def test_signing_in_starts_a_new_session(client):
    make_user("ops", role="Viewer", password="right-password-1")
    client.get("/login/")
    session = client.session
    session["before"] = "sign-in"
    session.save()
    before = session.session_key

    client.post("/login/", {"username": "ops", "password": "right-password-1"})

    assert client.session.session_key != before


def test_sessions_end_after_inactivity_and_activity_extends_them(browser, settings, monkeypatch):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    clock = [1_000_000.0]
    monkeypatch.setattr("dashboard.kernel.middleware.time.time", lambda: clock[0])

    first = browser.get("/sandbox/applications/")
    clock[0] += 30
    soon_after = browser.get("/sandbox/applications/")
    clock[0] += 60
    a_minute_later = browser.get("/sandbox/applications/")

    assert first.cookies["sessionid"]["max-age"] == 30 * 60
    assert "sessionid" not in soon_after.cookies  # no write within the minute
    assert a_minute_later.cookies["sessionid"]["max-age"] == 30 * 60


def test_sign_in_is_throttled_after_repeated_failures(client):
    make_user("ops", role="Viewer", password="right-password-1")
    for _ in range(5):
        client.post("/login/", {"username": "ops", "password": "wrong"})

    locked = client.post("/login/", {"username": "ops", "password": "right-password-1"})

    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    assert "_auth_user_id" not in client.session


def test_the_api_key_never_reaches_a_page_or_a_log_line(browser, settings, caplog):
    settings.WORKOS_API_KEY = "sk_live_very_secret_key_123"
    settings.WORKOS_BASE_URL = "https://api.workos.test"
    settings.WORKOS_MAX_RETRIES = 1
    caplog.set_level(logging.DEBUG)
    with respx.mock(base_url="https://api.workos.test") as api:
        api.get("/connect/applications").mock(
            return_value=httpx.Response(
                500, json={"message": "Internal error"}, headers={"X-Request-ID": "req_srv"}
            )
        )
        api.get("/connect/applications/conn_app_1").mock(side_effect=httpx.ConnectError("down"))
        pages = [
            browser.get("/production/applications/"),
            browser.get("/production/applications/conn_app_1/"),
        ]

    assert [page.status_code for page in pages] == [502, 503]
    assert b"req_srv" in pages[0].content
    for page in pages:
        assert b"sk_live_very_secret_key_123" not in page.content
        assert b"Authorization" not in page.content
    assert "sk_live_very_secret_key_123" not in caplog.text
    assert "PRODUCTION" in pages[0].content.decode()


def test_production_refuses_http_redirect_uris_in_the_form(browser, settings):
    settings.WORKOS_API_KEY = "sk_live_example"
    settings.WORKOS_BASE_URL = "https://api.workos.test"

    with respx.mock(base_url="https://api.workos.test", assert_all_called=False) as api:
        api.get(url__regex=r".*").mock(
            return_value=httpx.Response(
                200,
                json=EMPTY_PAGE,
            )
        )
        response = browser.post(
            "/production/applications/new",
            {
                "application_type": "oauth",
                "party": "first",
                "name": "P",
                "action": "save",
                "redirect_uri": ["http://127.0.0.1:8080/cb"],
                "idempotency_key": "k",
            },
        )

    assert response.status_code == 422
    assert b"Production environments accept only" in response.content


def test_a_refused_request_gets_a_403_page(client):
    client.force_login(make_user("viewer", role="Viewer"))

    response = client.get("/sandbox/applications/new")

    assert response.status_code == 403
    assert b"Not allowed" in response.content and b"Traceback" not in response.content


def test_csrf_is_enforced_on_sign_out():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("ops", role="Viewer"))

    assert client.post("/logout/").status_code == 403
