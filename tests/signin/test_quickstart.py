import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from dashboard.emulator.models import Application, ClientSecret, Organization, Permission

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def quickstart(capsys) -> str:
    call_command("quickstart", "--no-serve")
    return capsys.readouterr().out


def test_quickstart_on_an_empty_database_creates_the_admin_and_seeds(capsys, monkeypatch):
    monkeypatch.delenv("DASHBOARD_ADMIN_PASSWORD", raising=False)

    out = quickstart(capsys)

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    password = out.split("password: ")[1].split()[0]
    assert admin.check_password(password)
    assert "http://127.0.0.1:8000/" in out
    assert 35 <= Application.objects.count() <= 45
    kinds = {
        (app.application_type, app.is_first_party, app.was_dynamically_registered)
        for app in Application.objects.all()
    }
    assert kinds == {
        ("oauth", True, False),
        ("oauth", False, False),
        ("oauth", False, True),
        ("m2m", None, False),
    }
    assert Organization.objects.count() >= 3 and Permission.objects.count() >= 5
    assert ClientSecret.objects.exists()


def test_quickstart_again_keeps_everything_and_shows_no_password(capsys, monkeypatch):
    monkeypatch.delenv("DASHBOARD_ADMIN_PASSWORD", raising=False)
    quickstart(capsys)
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("kept-password-123")
    admin.save()
    apps = set(Application.objects.values_list("id", "updated_at"))

    out = quickstart(capsys)

    assert "password:" not in out
    assert get_user_model().objects.get(username="admin").check_password("kept-password-123")
    assert set(Application.objects.values_list("id", "updated_at")) == apps


def test_the_admin_password_can_come_from_the_environment(capsys, monkeypatch):
    monkeypatch.setenv("DASHBOARD_ADMIN_PASSWORD", "from-the-environment-42")

    out = quickstart(capsys)

    assert "from-the-environment-42" not in out
    assert get_user_model().objects.get(username="admin").check_password("from-the-environment-42")


def test_quickstart_seeds_nothing_when_managing_real_workos(capsys, settings, monkeypatch):
    monkeypatch.delenv("DASHBOARD_ADMIN_PASSWORD", raising=False)
    settings.WORKOS_API_KEY = "sk_test_real"

    out = quickstart(capsys)

    assert not Application.objects.exists()
    assert "nothing seeded" in out


def test_seeded_data_validates_against_the_contract(capsys, api, monkeypatch):
    monkeypatch.delenv("DASHBOARD_ADMIN_PASSWORD", raising=False)
    quickstart(capsys)

    response = api.get(
        "connect/applications", {"limit": 100, "registration_types": "authenticated,dynamic"}
    )

    assert len(response.json()["data"]) == Application.objects.count()
    for app in response.json()["data"][:5]:
        api.get(f"connect/applications/{app['id']}/client_secrets")


def start_django(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        timeout=60,
    )


def test_production_without_a_secret_key_fails_at_start_with_a_clear_message():
    result = start_django({"DJANGO_DEBUG": "0"})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_with_a_secret_key_starts():
    result = start_django(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "x" * 60,
            "DJANGO_ALLOWED_HOSTS": "dashboard.example.com",
        }
    )

    assert result.returncode == 0, result.stderr


def test_quickstart_on_a_taken_port_stops_before_setting_anything_up(capsys):
    import socket

    from django.core.management.base import CommandError

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommandError, match=f"Cannot serve on 127.0.0.1:{port}"):
            call_command("quickstart", f"127.0.0.1:{port}")

    assert "Open http" not in capsys.readouterr().out
    assert not get_user_model().objects.exists()


def test_quickstart_links_productions_demo_applications_to_the_sandboxs(capsys, client):
    from dashboard.emulator import partition
    from dashboard.promotion.models import Promotion
    from tests.support import make_user

    quickstart(capsys)
    with partition.override("production"):
        promoted = {app.id: app.name for app in Application.objects.all()}
    links = list(Promotion.objects.all())

    assert {link.target_application_id for link in links} == set(promoted)
    portal = next(link for link in links if link.application_name == "Customer Portal")
    assert Application.objects.get(id=portal.source_application_id).name == "Customer Portal"
    client.force_login(make_user("ops", role="Admin"))
    page = client.get(f"/production/applications/{portal.target_application_id}/").content
    assert b"Sandbox" in page and portal.source_application_id.encode() in page
