"""Static files under gunicorn, with DEBUG on and off, and under runserver: a page's
stylesheet and scripts answer, so the page is styled and its JavaScript runs."""

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
CONTENT_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(tmp_path: Path, *, debug: bool) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DEBUG": "1" if debug else "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    if not debug:
        env["DJANGO_SECRET_KEY"] = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ"
        # Plain HTTP on the loopback: no proxy terminates TLS here.
        env["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


@contextmanager
def serving(
    command: list[str], env: dict[str, str], port: int, log: Path
) -> Iterator[httpx.Client]:
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    client.get("/login/")
                    break
                except httpx.TransportError:
                    assert server.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.1)
            yield client
    finally:
        server.terminate()
        server.wait(timeout=10)


def gunicorn(env: dict[str, str], tmp_path: Path):
    port = free_port()
    command = [
        *(sys.executable, "-m", "gunicorn", "dashboard.wsgi"),
        *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "30"),
    ]
    return serving(command, env, port, tmp_path / "gunicorn.log")


def static_urls(client: httpx.Client) -> list[str]:
    page = client.get("/login/")
    assert page.status_code == 200
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert {Path(url).suffix for url in urls} >= {".css", ".js"}, urls
    return urls


def assert_served(client: httpx.Client, url: str) -> httpx.Response:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Content-Type"].startswith(CONTENT_TYPES[Path(url).suffix]), url
    assert response.content, url
    return response


def test_gunicorn_with_debug_serves_static_files_without_collectstatic(tmp_path):
    env = base_env(tmp_path, debug=True)
    manage(env, "migrate", "--noinput")

    with gunicorn(env, tmp_path) as client:
        urls = static_urls(client)
        for url in urls:
            assert_served(client, url)

    stylesheet = next(url for url in urls if url.endswith(".css"))
    assert stylesheet == "/static/css/app.css"


def test_gunicorn_in_production_serves_collected_files_by_hashed_name(tmp_path):
    # The production settings with STATIC_ROOT in the test's own folder.
    static_root = tmp_path / "static"
    (tmp_path / "static_settings.py").write_text(
        f"from dashboard.settings import *  # noqa: F403\nSTATIC_ROOT = {str(static_root)!r}\n"
    )
    env = {
        **base_env(tmp_path, debug=False),
        "DJANGO_SETTINGS_MODULE": "static_settings",
        "PYTHONPATH": str(tmp_path),
    }
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")

    with gunicorn(env, tmp_path) as client:
        urls = static_urls(client)
        for url in urls:
            response = assert_served(client, url)
            assert re.search(r"\.[0-9a-f]{12}\.\w+$", url), url
            assert "immutable" in response.headers["Cache-Control"], url
        compressed = client.get(urls[0], headers={"Accept-Encoding": "gzip"})
        assert compressed.headers["Content-Encoding"] == "gzip"


def test_runserver_serves_static_files_too(tmp_path):
    env = base_env(tmp_path, debug=True)
    manage(env, "migrate", "--noinput")
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]

    with serving(command, env, port, tmp_path / "runserver.log") as client:
        for url in static_urls(client):
            assert_served(client, url)
