"""Benchmark 1: the dashboard's pages against Django's own admin, same process, same data.

    python bench/pages.py

Dashboard: the application list (100 per page), an application's detail page and the
create POST, each going through the service layer and the embedded API. Admin: the
changelist of the same table (100 rows), its change form and its add POST, each page
timed alternately with its admin counterpart. Prints median and p95 server time (Django's
test client, no network) and dashboard/admin.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    alternately,
    make_apps,
    make_organizations,
    setup_django,
    summary,
    table,
)

APPS = 1_000
REPEAT = 200


def main() -> None:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from dashboard.emulator.models import Application

    organizations = make_organizations()
    make_apps(APPS, organizations)
    admin = get_user_model().objects.create_superuser("bench", password="bench-password-1")
    client = Client()
    client.force_login(admin)
    app = Application.objects.filter(application_type="oauth").order_by("-id")[50]
    counter = iter(range(10**9))

    def dashboard_list():
        assert client.get("/sandbox/applications/", {"limit": 100}).status_code == 200

    def admin_list():
        assert client.get("/admin/emulator/application/").status_code == 200

    def dashboard_detail():
        assert client.get(f"/sandbox/applications/{app.id}/").status_code == 200

    def admin_change_form():
        assert client.get(f"/admin/emulator/application/{app.id}/change/").status_code == 200

    def dashboard_create():
        response = client.post(
            "/sandbox/applications/new",
            {
                "application_type": "m2m",
                "name": f"Created {next(counter)}",
                "action": "save",
                "organization_id": organizations[0].id,
                "scopes": ["openid"],
                "idempotency_key": f"bench-{next(counter)}",
            },
        )
        assert response.status_code == 303, response.content[:500]

    def admin_add():
        number = next(counter)
        response = client.post(
            "/admin/emulator/application/add/",
            {
                "id": f"conn_app_BENCH{number}",
                "client_id": f"client_BENCH{number}",
                "name": f"Created {number}",
                "description": "Created by the benchmark",
                "application_type": "m2m",
                "is_first_party": "unknown",
                "organization": organizations[0].id,
                "uses_pkce": "unknown",
                "scopes": '["openid"]',
                # The admin form refuses empty JSON lists; the values do not matter here.
                "redirect_uris": '[{"uri": "https://a.example.com/cb", "default": true}]',
                "cors_origins": '["https://a.example.com"]',
                "more_fields": '{"created_by": "benchmark"}',
                "created_at_0": "2026-01-01",
                "created_at_1": "00:00:00",
                "updated_at_0": "2026-01-01",
                "updated_at_1": "00:00:00",
            },
        )
        if response.status_code != 302:
            import re

            raise AssertionError(
                re.findall(
                    r'(?:name="(\w+)"|errorlist[^>]*>)(.{0,200})', response.content.decode()
                )[:80]
            )

    pairs = [
        ("list, 100 rows", dashboard_list, admin_list),
        ("detail / change form", dashboard_detail, admin_change_form),
        ("create POST", dashboard_create, admin_add),
    ]
    rows = []
    for name, ours, theirs in pairs:
        ours_times, admin_times = alternately(ours, theirs, REPEAT)
        ours_median, ours_p95 = summary(ours_times)
        admin_median, admin_p95 = summary(admin_times)
        rows.append(
            [name, ours_median, ours_p95, admin_median, admin_p95, ours_median / admin_median]
        )
    print(
        f"Dashboard against Django's admin ({APPS:,} applications, server time in ms, "
        "each page timed alternately with the admin's)"
    )
    print(
        table(
            [
                "page",
                "dashboard median",
                "dashboard p95",
                "admin median",
                "admin p95",
                "dashboard/admin",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
