"""The search index's background worker in real processes: `manage.py connect worker` beside
gunicorn, on a database of their own (SQLite, or a new PostgreSQL database when the suite
runs on PostgreSQL), as a deployment runs them.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from tests.support.servers import ROOT, api, at_once, csrf, gunicorn, signed_in

# Three pages of the API's list, so that the page can show a sync between two of them.
NEW_APPLICATIONS = 250
# Added to each request the worker makes to the embedded API (one per client secrets list):
# the sync lasts seconds even on a fast machine.
LATENCY_MS = "10"
STATUS = "/sandbox/applications/index"
HTMX = {"HX-Request": "true"}


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@contextmanager
def worker(env: dict, log: Path):
    """`manage.py connect worker` in its own process group, its output in `log`."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "connect", "worker", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        # The worker lets a task finish on the first signal and stops it on the second.
        for _ in range(2):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                with suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def create_applications(base: str, names: list[str]) -> None:
    """Through the embedded API over HTTP, as another tool would: the dashboard's index does
    not hear of them."""

    def create(share: list[str]) -> None:
        with api(base) as client:
            for name in share:
                answer = client.post(
                    "/connect/applications",
                    json={"name": name, "application_type": "oauth", "is_first_party": True},
                )
                assert answer.status_code == 201, answer.text

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, [names[i::8] for i in range(8)]))


def application_count(base: str) -> int:
    """How many applications the sandbox has, dynamically registered ones included."""
    count, after = 0, None
    with api(base) as client:
        while True:
            params = {"limit": 100, "registration_types": "authenticated,dynamic"}
            page = client.get(
                "/connect/applications", params=params | ({"after": after} if after else {})
            ).json()
            count += len(page["data"])
            after = page["list_metadata"]["after"]
            if not after:
                return count


def sync_tasks(env: dict, environment: str) -> list[dict]:
    """The sync tasks of `environment` in the queue, as the worker left them."""
    code = (
        "import json\n"
        "from django_tasks_db.models import DBTaskResult\n"
        "rows = DBTaskResult.objects.filter(task_path__endswith='.sync_environment')\n"
        "print(json.dumps([{'args': row.args_kwargs['args'], 'status': row.status,"
        " 'returned': row.return_value} for row in rows.order_by('enqueued_at')]))"
    )
    rows = json.loads(manage(env, "shell", "--verbosity", "0", "-c", code))
    return [row for row in rows if row["args"][0] == environment]


def search(browser: httpx.Client, query: str) -> str:
    answer = browser.get("/sandbox/applications/", params={"q": query}, follow_redirects=True)
    assert answer.status_code == 200
    return answer.text


def watch_status(browser: httpx.Client, process: subprocess.Popen, log: Path) -> list[str]:
    """Poll the index status as the page does while a sync runs, only more often, until an
    answer tells the page that the sync is over; answer what each poll showed."""
    shown = []
    deadline = time.monotonic() + 45
    while True:
        answer = browser.get(STATUS, params={"was": "busy"}, headers=HTMX)
        assert answer.status_code == 200
        shown.append(answer.text)
        if "index-synced" in answer.headers.get("HX-Trigger", ""):
            return shown
        assert process.poll() is None, f"The worker exited: {log.read_text()[-2000:]}"
        assert time.monotonic() < deadline, f"No end of the sync: {log.read_text()[-2000:]}"
        time.sleep(0.01)


def counts(pattern: str, shown: list[str]) -> list[tuple[int, int]]:
    return [tuple(map(int, found)) for text in shown for found in re.findall(pattern, text)]


def banner(page: str) -> str:
    return re.search(r'<p class="banner[^"]*" role="status">([^<]*)</p>', page)[1]


def test_sync_now_pressed_twice_at_once_runs_one_sync_that_the_page_follows_to_its_end(
    server_env, tmp_path
):
    manage(server_env, "connect", "sync")
    with gunicorn(server_env) as (base, _):
        create_applications(base, [f"Bulk Application {i:03d}" for i in range(NEW_APPLICATIONS)])
        total = application_count(base)
        browsers = [signed_in(base), signed_in(base)]
        assert "No application matches" in search(browsers[0], "bulk")
        before = [browser.get(STATUS, headers=HTMX).text for browser in browsers]
        assert "Index of this environment synced" in before[0]
        tokens = [csrf(text) for text in before]

        # Two people press "Sync now" at the same moment, in pages without JavaScript.
        pressed = at_once(
            2, lambda i: browsers[i].post(STATUS, data={"csrfmiddlewaretoken": tokens[i]})
        )

        assert [answer.status_code for answer in pressed] == [303, 303]
        assert {answer.headers["Location"] for answer in pressed} == {"/sandbox/applications/"}
        told = sorted(banner(search(browser, "bulk")) for browser in browsers)
        assert told == [
            "A sync of the index is already on its way.",
            "A sync of the index was asked for; the list shows its progress.",
        ]
        # Once more, in a page with HTMX: the status shows the sync waiting, and polls.
        again = browsers[0].post(STATUS, data={"csrfmiddlewaretoken": tokens[0]}, headers=HTMX)
        assert again.status_code == 200
        assert "Sync waiting for the background worker" in again.text
        assert 'hx-trigger="every 2s"' in again.text

        log = tmp_path / "worker.log"
        with worker(server_env | {"EMULATOR_LATENCY_MS": LATENCY_MS}, log) as process:
            shown = watch_status(browsers[0], process, log)

        found = search(browsers[0], "bulk")
        assert f"{NEW_APPLICATIONS} matches" in found
        assert f"{total} applications indexed" in found

    # "N of about M" while fewer than the index held before were seen, then "N so far".
    pattern = r"Syncing: (\d+) (?:of about \d+ )?applications"
    syncing = [int(seen) for text in shown for seen in re.findall(pattern, text)]
    assert any(seen > 0 for seen in syncing), syncing
    checked = counts(r"Checking client secrets: (\d+) of (\d+) applications", shown)
    assert len({done for done, of in checked if 0 < done < of == total}) > 1, checked
    assert "Index of this environment synced" in shown[-1]
    assert "Sync now" in shown[-1] and "hx-trigger" not in shown[-1]
    # Three presses, one sync, which counted every application.
    tasks = sync_tasks(server_env, "sandbox")
    assert [(task["status"], task["returned"]) for task in tasks] == [("SUCCESSFUL", total)]


def synced_at(status: str) -> datetime:
    return datetime.fromisoformat(re.search(r'<time datetime="([^"]+)"', status)[1])


def test_the_worker_syncs_by_itself_an_index_older_than_its_allowed_age(server_env, tmp_path):
    env = server_env | {"DASHBOARD_INDEX_MAX_AGE": "10"}
    manage(env, "connect", "sync")
    with gunicorn(env) as (base, _):
        create_applications(base, ["Latecomer Kiosk"])
        browser = signed_in(base)
        first = synced_at(browser.get(STATUS, headers=HTMX).text)
        assert "No application matches" in search(browser, "latecomer")

        log = tmp_path / "worker.log"
        with worker(env, log) as process:
            deadline = time.monotonic() + 45
            while True:
                status = browser.get(STATUS, headers=HTMX).text
                if "Index of this environment synced" in status and synced_at(status) > first:
                    break
                assert process.poll() is None, f"The worker exited: {log.read_text()[-2000:]}"
                assert time.monotonic() < deadline, f"No sync: {log.read_text()[-2000:]}"
                time.sleep(0.5)
        found = search(browser, "latecomer")

    assert "1 match" in found and "Latecomer Kiosk" in found
    (task,) = sync_tasks(env, "sandbox")
    assert task["status"] == "SUCCESSFUL"
    # Asked for once the index was as old as allowed, not before.
    assert datetime.fromisoformat(task["args"][1]) - first >= timedelta(seconds=10)
