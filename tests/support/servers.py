"""gunicorn serving the dashboard in processes of its own, and clients of it: for the tests
that need real processes (concurrency, the search worker). Their fixtures, a database for the
processes alone and the environment they share, are in tests/conftest.py."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from threading import Barrier

import httpx

from tests.support import ROOT

PASSWORD = "concurrency-test-2026"
API_KEY = "sk_test_emulator"
WORKERS, THREADS = 4, 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env):
    """gunicorn serving the dashboard, in its own process group; yields (base URL, process)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "dashboard.wsgi", "--workers", str(WORKERS),
         "--threads", str(THREADS), "--bind", f"127.0.0.1:{port}", "--timeout", "60"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/login/", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not answer within a minute"
            time.sleep(0.2)
        yield base, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def api(base: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{base}/emulator", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=60
    )


def all_applications(base: str) -> list[dict]:
    found, after = [], None
    with api(base) as client:
        while True:
            params = {"limit": 100, "order": "asc"} | ({"after": after} if after else {})
            page = client.get("/connect/applications", params=params).json()
            found += page["data"]
            after = page["list_metadata"]["after"]
            if not after:
                return found


def signed_in(base: str) -> httpx.Client:
    browser = httpx.Client(base_url=base, timeout=60, headers={"Referer": f"{base}/"})
    token = csrf(browser.get("/login/").text)
    answer = browser.post(
        "/login/", data={"username": "admin", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert answer.status_code == 302, answer.text[:500]
    return browser


def csrf(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]


def at_once(count: int, work) -> list:
    """Run `work(i)` in `count` threads released at the same moment."""
    barrier = Barrier(count)

    def run(i):
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))
