"""The audit trail in the browser: its table fits a laptop's screen whatever the names."""

import pytest

from dashboard.audit.models import AuditEvent
from tests.support.browser import signed_in_by_cookie, sync_api

pytestmark = pytest.mark.django_db(transaction=True)


def test_at_1280_px_a_long_user_name_leaves_the_from_column_in_view(chromium, live_server):
    AuditEvent.objects.create(
        action="sso_sign_in",
        outcome="success",
        environment="",
        username="margaret.hamilton-oconnor.engineering@northwind-health-services.example",
        ip="2001:db8:85a3:1234:5678:8a2e:370:7334",
        changes={
            "issuer": "https://sso.northwind-health-services.example/oauth2/default",
            "subject": "00u1abcdefghijklmnopqrstuvwxyz0123456789",
        },
    )
    AuditEvent.objects.create(
        action="update",
        outcome="success",
        environment="sandbox",
        username="margaret.hamilton-oconnor.engineering@northwind-health-services.example",
        ip="2001:db8:85a3:1234:5678:8a2e:370:7334",
        application_id="conn_app_01JABCDEFGHJKMNPQRSTVWXYZ12",
        application_name="Northwind Health Patient Portal for Clinicians and Staff",
        changes={"redirect_uris": {"before": [], "after": []}},
    )
    page = signed_in_by_cookie(chromium, live_server, viewport={"width": 1280, "height": 800})

    page.goto("/audit/")

    table = page.get_by_role("table")
    sync_api.expect(table.get_by_role("columnheader", name="From")).to_be_visible()
    wrap = page.locator("#events .table-wrap")
    # Nothing to scroll sideways for: every column, the last one too, is in view.
    assert wrap.evaluate("element => element.scrollWidth <= element.clientWidth")
    address = table.get_by_text("2001:db8:85a3:1234:5678:8a2e:370:7334").first
    box, frame = address.bounding_box(), wrap.bounding_box()
    assert box["x"] + box["width"] <= frame["x"] + frame["width"]
    # Names wrap; the outcome's word does not break in the middle.
    outcome = table.get_by_text("Succeeded").first
    assert outcome.evaluate("element => element.getClientRects().length") == 1
    assert outcome.evaluate(
        "element => element.getBoundingClientRect().height"
        " < 2 * parseFloat(getComputedStyle(element).fontSize)"
    )
    page.context.close()
