"""Benchmark: the embedded authorization server's token endpoint, in process.

    python bench/tokens.py

Client-credentials token requests (an RS256 JWT signed per request, the client secret
checked against its stored hash, its last use written) against the embedded API's
application GET in the same run, through Django's test client on one SQLite database.
Prints the median and 95th percentile of each, requests per second, and the ratio.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django, summary, table, timed  # noqa: E402

REQUESTS = 300


def main() -> None:
    setup_django()
    from django.test import Client

    from dashboard.emulator import store

    org = store.organization_create(name="Bench", domains=[], metadata={}, external_id=None)
    app = store.application_create(
        application_type="m2m", name="Worker", organization_id=org.id, scopes=["billing:read"]
    )
    _, secret = store.client_secret_create(app)
    api = Client(HTTP_AUTHORIZATION="Bearer sk_test_emulator")
    oauth = Client()
    form = {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": secret}

    def get_application():
        assert api.get(f"/emulator/connect/applications/{app.id}").status_code == 200

    def token():
        assert oauth.post("/emulator/oauth2/token", form).status_code == 200

    rows = []
    baseline = None
    for label, call in [("GET application (baseline)", get_application), ("POST token", token)]:
        median, p95 = summary(timed(call, REQUESTS))
        baseline = baseline or median
        rows.append([label, median, p95, 1000 / median, median / baseline])
    print(f"Embedded authorization server, in process ({REQUESTS} requests each)")
    print(table(["request", "median ms", "p95 ms", "per second", "× baseline"], rows))


if __name__ == "__main__":
    main()
