"""The dashboard under a single-worker, single-thread server, as a user would run it.

If the service layer reached the embedded API over the network, a page would wait on a
request to its own busy server and time out; the in-process transport avoids that.
"""

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_pages_load_under_a_single_threaded_server(tmp_path):
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DASHBOARD_ADMIN_PASSWORD": "single-thread-test-1",
        "WORKOS_TIMEOUT": "3",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "quickstart", "--no-serve"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    server = subprocess.Popen(
        [*manage, "runserver", "--nothreading", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as browser:
            for _ in range(100):
                try:
                    login_page = browser.get("/login/")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text)[1]
            signed_in = browser.post(
                "/login/",
                data={
                    "username": "admin",
                    "password": "single-thread-test-1",
                    "csrfmiddlewaretoken": token,
                },
                headers={"Referer": f"http://127.0.0.1:{port}/login/"},
                follow_redirects=True,
            )

            assert signed_in.status_code == 200
            assert signed_in.text.count("<code>client_") == 25
    finally:
        server.terminate()
        server.wait(timeout=10)
