"""The promises the README makes under concurrency, held by real gunicorn processes.

One process cannot show a race: these tests start gunicorn with several workers and
threads on a database of their own (SQLite, or a new PostgreSQL database when the suite
runs on PostgreSQL), hit it from many threads at once, and kill it in the middle of writes.
"""

import html
import os
import re
import signal
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.support.servers import all_applications, api, at_once, csrf, gunicorn, signed_in


def test_concurrent_requests_with_one_idempotency_key_make_one_application(server_env):
    with gunicorn(server_env) as (base, _):
        clients = [api(base) for _ in range(16)]
        for round_ in range(5):
            key, name = str(uuid.uuid4()), f"Idempotent {round_}"
            body = {"name": name, "application_type": "oauth", "is_first_party": True}

            answers = at_once(
                16,
                lambda i, body=body, key=key: clients[i].post(
                    "/connect/applications", json=body, headers={"Idempotency-Key": key}
                ),
            )

            assert Counter(a.status_code for a in answers) == {201: 16}, [
                a.text for a in answers if a.status_code != 201
            ]
            assert len({a.json()["id"] for a in answers}) == 1
            assert [app["name"] for app in all_applications(base)].count(name) == 1

        app_id = answers[0].json()["id"]
        key = str(uuid.uuid4())
        answers = at_once(
            16,
            lambda i: clients[i].post(
                f"/connect/applications/{app_id}/client_secrets",
                json={},
                headers={"Idempotency-Key": key},
            ),
        )
        statuses = Counter(a.status_code for a in answers)
        assert statuses == {201: 1, 422: 15}
        # The plaintext went to the first request only; the others were told why not.
        assert sum("secret" in a.json() for a in answers) == 1
        with api(base) as client:
            secrets = client.get(f"/connect/applications/{app_id}/client_secrets").json()
        assert len(secrets) == 1
        for client in clients:
            client.close()


def test_eight_submits_of_one_create_form_make_one_application(server_env):
    with gunicorn(server_env) as (base, _):
        browser = signed_in(base)
        page = browser.get("/sandbox/applications/new").text
        form = {
            "csrfmiddlewaretoken": csrf(page),
            "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', page)[1],
            "application_type": "oauth",
            "party": "first",
            "name": "Submitted Eight Times",
            "action": "save",
            "redirect_uri": [""],
        }

        answers = at_once(8, lambda i: browser.post("/sandbox/applications/new", data=form))

        assert Counter(a.status_code for a in answers) == {303: 8}
        assert len({a.headers["Location"] for a in answers}) == 1
        names = [app["name"] for app in all_applications(base)]
        assert names.count("Submitted Eight Times") == 1
        browser.close()


def edit_form(browser: httpx.Client, app_id: str) -> dict:
    page = browser.get(f"/sandbox/applications/{app_id}/edit").text
    hidden = dict(re.findall(r'type="hidden" name="(updated_at|original)" value="([^"]*)"', page))
    return {name: html.unescape(value) for name, value in hidden.items()} | {
        "csrfmiddlewaretoken": csrf(page),
        "name": "Shared Portal",
        "action": "save",
        "redirect_uri": ["https://portal.example.com/cb"],
        "redirect_default": "0",
        "scopes": ["openid"],
    }


def test_eight_saves_of_one_version_make_one_save_and_seven_conflicts(server_env):
    with gunicorn(server_env) as (base, _):
        with api(base) as client:
            app = client.post(
                "/connect/applications",
                json={
                    "name": "Shared Portal",
                    "application_type": "oauth",
                    "is_first_party": True,
                    "scopes": ["openid"],
                    "redirect_uris": [{"uri": "https://portal.example.com/cb", "default": True}],
                },
            ).json()
        browsers = [signed_in(base) for _ in range(8)]
        for round_ in range(3):
            forms = [edit_form(browser, app["id"]) for browser in browsers]
            assert len({form["updated_at"] for form in forms}) == 1

            answers = at_once(
                8,
                lambda i, forms=forms, round_=round_: browsers[i].post(
                    f"/sandbox/applications/{app['id']}/edit",
                    data=forms[i] | {"description": f"Round {round_}, editor {i}"},
                ),
            )

            assert Counter(a.status_code for a in answers) == {303: 1, 409: 7}
            saved = next(i for i, a in enumerate(answers) if a.status_code == 303)
            with api(base) as client:
                stored = client.get(f"/connect/applications/{app['id']}").json()
            assert stored["description"] == f"Round {round_}, editor {saved}"
            for answer in answers:
                if answer.status_code == 409:
                    assert "Someone else saved this application" in answer.text
        for browser in browsers:
            browser.close()


def audit_of_creates(base: str) -> dict[str, str]:
    """Application name -> outcome of its create events, from the audit trail's CSV."""
    import csv
    import io

    browser = signed_in(base)
    export = browser.get("/audit/", params={"action": "create", "format": "csv"})
    browser.close()
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text)))
    return {row["application_name"]: row["outcome"] for row in rows}


def test_after_kill_9_during_form_writes_every_application_has_its_audit_event(server_env):
    names = [f"Crash test {i:04d}" for i in range(400)]
    with gunicorn(server_env) as (base, process):
        browsers = [signed_in(base) for _ in range(8)]
        forms = [csrf(browser.get("/sandbox/applications/new").text) for browser in browsers]
        created = []

        def write(i):
            for name in names[i::8]:
                try:
                    answer = browsers[i].post(
                        "/sandbox/applications/new",
                        data={
                            "csrfmiddlewaretoken": forms[i],
                            "application_type": "oauth",
                            "party": "first",
                            "name": name,
                            "action": "save",
                            "redirect_uri": [""],
                            "idempotency_key": str(uuid.uuid4()),
                        },
                    )
                except httpx.TransportError:
                    return
                if answer.status_code == 303:
                    created.append(name)

        with ThreadPoolExecutor(9) as pool:
            writers = [pool.submit(write, i) for i in range(8)]
            while len(created) < 20:
                time.sleep(0.01)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            for writer in writers:
                writer.result(timeout=120)

    with gunicorn(server_env) as (base, _):
        held = [app["name"] for app in all_applications(base) if app["name"] in names]
        audited = audit_of_creates(base)

    assert len(held) >= len(created) >= 20
    assert len(held) < len(names), "the kill came after every write"
    missing = [name for name in held if name not in audited]
    assert not missing, f"Applications without an audit event: {missing}"
    # Every acknowledged create was recorded as done.
    assert all(audited[name] == "success" for name in created)
