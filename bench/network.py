"""Benchmark 2: the dashboard's own overhead over a real network API.

    python bench/network.py

The embedded API runs in a separate gunicorn process with 50 ms of added latency, and
the dashboard (in this process) manages it over HTTP as it would WorkOS. Page time minus
the upstream latency is the dashboard's own overhead. Also counts the upstream requests
and new TCP connections that 100 page views cost.
"""

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import os  # noqa: E402

from bench.common import summary, table  # noqa: E402
from bench.servers import CountingProxy, free_port, gunicorn, manage  # noqa: E402

LATENCY_MS = 50
VIEWS = 100


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-network-"))
    upstream_env = {
        "DATABASE_URL": f"sqlite:///{workdir / 'upstream.sqlite3'}",
        "DASHBOARD_ADMIN_PASSWORD": "unused-password-1",
        "WORKOS_API_KEY": "",
        "EMULATOR_LATENCY_MS": str(LATENCY_MS),
    }
    manage(upstream_env, "quickstart", "--no-serve")
    port = free_port()
    access_log = workdir / "access.log"
    upstream = gunicorn(port, upstream_env, access_log=access_log)
    proxy = CountingProxy(port)
    try:
        os.environ["WORKOS_API_KEY"] = "sk_test_emulator"
        os.environ["WORKOS_BASE_URL"] = f"http://127.0.0.1:{proxy.port}/emulator"
        from bench.common import setup_django

        setup_django(workdir / "dashboard.sqlite3")
        from django.contrib.auth import get_user_model
        from django.test import Client

        from dashboard import connect
        from dashboard.connect.client import get_client

        # Time spent waiting on the upstream (network, its latency and its own work).
        upstream_ms = [0.0]
        http = get_client()
        send = http.send

        def timed_send(*args, **kwargs):
            started = time.perf_counter()
            try:
                return send(*args, **kwargs)
            finally:
                upstream_ms[0] += (time.perf_counter() - started) * 1000

        http.send = timed_send
        client = Client()
        client.force_login(get_user_model().objects.create_superuser("bench", password="x" * 12))
        app_id = connect.application_list(limit=1).data[0].id
        rows = []
        for name, url in (
            ("list (25 rows)", "/sandbox/applications/"),
            ("detail", f"/sandbox/applications/{app_id}/"),
        ):
            assert client.get(url).status_code == 200  # warm: organization names, connection
            requests_before = len(access_log.read_text().splitlines())
            connections_before = proxy.connections
            overheads, totals, own = [], [], []
            for _ in range(VIEWS):
                lines_before = len(access_log.read_text().splitlines())
                upstream_ms[0] = 0.0
                started = time.perf_counter()
                assert client.get(url).status_code == 200
                elapsed = (time.perf_counter() - started) * 1000
                own.append(elapsed - upstream_ms[0])
                time.sleep(0.01)  # let gunicorn write its access line
                made = len(access_log.read_text().splitlines()) - lines_before
                totals.append(elapsed)
                overheads.append(elapsed - made * LATENCY_MS)
            requests = len(access_log.read_text().splitlines()) - requests_before
            total_median, total_p95 = summary(totals)
            overhead_median, overhead_p95 = summary(overheads)
            own_median, own_p95 = summary(own)
            rows.append(
                [
                    name,
                    total_median,
                    total_p95,
                    overhead_median,
                    overhead_p95,
                    own_median,
                    own_p95,
                    requests,
                    proxy.connections - connections_before,
                    proxy.connections,
                ]
            )
    finally:
        proxy.close()
        upstream.terminate()
        upstream.wait()
    print(
        f"Overhead over a network API ({LATENCY_MS} ms added upstream latency, "
        f"{VIEWS} views each, ms)"
    )
    print(
        table(
            [
                "page",
                "page median",
                "page p95",
                f"minus {LATENCY_MS} ms: median",
                "p95",
                "minus upstream wait: median",
                "p95",
                f"upstream requests / {VIEWS} views",
                f"new TCP connections / {VIEWS} views",
                "TCP connections since start",
            ],
            rows,
        )
    )
    print(
        "The dashboard here is one process with one thread, like one gunicorn worker: "
        "its one keep-alive connection serves every view."
    )
    print(
        "'minus upstream wait' subtracts the measured time spent in HTTP requests to the API "
        "(its latency, its own work and the network): what is left is the dashboard's own."
    )


if __name__ == "__main__":
    main()
