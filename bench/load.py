"""Benchmark 4: 20 users browsing, paging, opening and editing applications, under gunicorn.

    python bench/load.py [--seconds 60] [--users 20]

Runs twice against gunicorn (2 workers x 4 threads, the embedded API in process): once
as is, once with faults injected into the embedded API (20% 503s, rate limiting, 200 ms
of latency). Prints throughput, latency percentiles, the responses users saw, and the
peak memory of a worker.
"""

import argparse
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentile, table  # noqa: E402
from bench.servers import free_port, gunicorn, manage, memory_of  # noqa: E402

PASSWORD = "load-test-password-1"
FAULTS = {
    "EMULATOR_ERROR_RATE": "0.2",
    "EMULATOR_ERROR_STATUSES": "503",
    "EMULATOR_RATE_LIMIT": "6000/60",
    "EMULATOR_LATENCY_MS": "200",
}


class User(threading.Thread):
    def __init__(self, base: str, until: float, results: list, lock: threading.Lock):
        super().__init__(daemon=True)
        self.http = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
        self.until, self.results, self.lock = until, results, lock
        self.random = random.Random()

    def call(self, method: str, url: str, **kwargs) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.HTTPError:
            status = "no answer"
            response = None
        else:
            status = response.status_code
        with self.lock:
            self.results.append(
                (
                    url.split("?")[0].split("/")[1] if url != "/" else "/",
                    status,
                    (time.perf_counter() - started) * 1000,
                )
            )
        return response

    def sign_in(self) -> None:
        page = self.http.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        self.http.post(
            "/login/",
            data={"username": "admin", "password": PASSWORD, "csrfmiddlewaretoken": token},
        )

    def run(self) -> None:
        self.sign_in()
        while time.monotonic() < self.until:
            listing = self.call(
                "GET", f"/sandbox/applications/?limit={self.random.choice([25, 50])}"
            )
            if listing is None or listing.status_code != 200:
                continue
            following = re.search(r'rel="next" href="([^"]+)"', listing.text)
            if following:
                self.call(
                    "GET",
                    "/sandbox/applications/" + following[1].replace("&amp;", "&"),
                    headers={"HX-Request": "true"},
                )
            ids = re.findall(r'href="/sandbox/applications/(conn_app_\w+)/"', listing.text)
            if not ids:
                continue
            app_id = self.random.choice(ids)
            self.call("GET", f"/sandbox/applications/{app_id}/")
            if self.random.random() < 0.3:
                self.edit(app_id)

    def edit(self, app_id: str) -> None:
        form = self.call("GET", f"/sandbox/applications/{app_id}/edit")
        if form is None or form.status_code != 200:
            return
        html = form.text
        data = dict(
            re.findall(
                r'type="hidden" name="(csrfmiddlewaretoken|updated_at|original)" '
                r'value="([^"]*)"',
                html,
            )
        )
        data["original"] = data.get("original", "").replace("&quot;", '"')
        data["name"] = re.search(r'name="name" value="([^"]*)"', html)[1]
        data["description"] = f"Edited under load {self.random.random():.6f}"
        data["scopes"] = re.findall(
            r'type="checkbox" name="scopes" value="([^"]+)"[^>]*checked', html
        )
        data["redirect_uri"] = re.findall(r'name="redirect_uri"[^>]*value="([^"]*)"', html)
        default = re.search(r'name="redirect_default" value="(\d+)" checked', html)
        data["redirect_default"] = default[1] if default else "0"
        data["cors_origins"] = ""
        data["action"] = "save"
        self.call("POST", f"/sandbox/applications/{app_id}/edit", data=data)


def run(base: str, seconds: float, users: int, server_pid: int) -> dict:
    results: list = []
    lock = threading.Lock()
    until = time.monotonic() + seconds
    threads = [User(base, until, results, lock) for _ in range(users)]
    peak = 0
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        worker_memory = [memory_of(int(pid)) for pid in _children(server_pid)]
        peak = max([peak, *worker_memory])
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    latencies = [latency for _, _, latency in results]
    statuses = Counter(status for _, status, _ in results)
    return {
        "requests": len(results),
        "throughput": len(results) / elapsed,
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "statuses": statuses,
        "peak": peak,
    }


def _children(pid: int) -> list[str]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return path.read_text().split() if path.exists() else []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=20)
    arguments = parser.parse_args()
    rows = []
    for label, faults in (("no faults", {}), ("faults on", FAULTS)):
        workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
        env = {
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "WORKOS_API_KEY": "",
            "DASHBOARD_ADMIN_PASSWORD": PASSWORD,
            "DJANGO_DEBUG": "1",
            "DASHBOARD_SIGNIN_FAILURE_LIMIT": "1000",
            "DASHBOARD_LOG_LEVEL": "ERROR",
            **faults,
        }
        manage(env, "quickstart", "--no-serve")
        port = free_port()
        server = gunicorn(port, env, workers=2, threads=4)
        try:
            result = run(f"http://127.0.0.1:{port}", arguments.seconds, arguments.users, server.pid)
        finally:
            server.terminate()
            server.wait()
        statuses = result["statuses"]
        errors = {
            status: count
            for status, count in statuses.items()
            if status == "no answer" or status >= 400
        }
        rows.append(
            [
                label,
                result["requests"],
                result["throughput"],
                result["p50"],
                result["p95"],
                result["p99"],
                statuses.get(500, 0),
                ", ".join(f"{status}: {count}" for status, count in sorted(errors.items(), key=str))
                or "none",
                f"{result['peak'] / 2**20:.0f} MiB",
            ]
        )
    print(
        f"Load: {arguments.users} users for {arguments.seconds:.0f} s against gunicorn "
        "(2 workers x 4 threads), latency in ms"
    )
    print(
        table(
            [
                "run",
                "requests",
                "requests/s",
                "p50",
                "p95",
                "p99",
                "500s",
                "error answers users saw",
                "peak worker memory",
            ],
            rows,
        )
    )
    print("Faults on: " + ", ".join(f"{name}={value}" for name, value in FAULTS.items()))


if __name__ == "__main__":
    main()
