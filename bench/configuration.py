"""Benchmark: configuration as code, export and plan of 10,000 applications.

    python bench/configuration.py [--applications 10000] [--latency-ms 50]

Against the embedded API (in process) with 50 ms added to every request, as a distant API
would: export must cost one request per page (100 applications a page, and one page of
organizations), and plan the same pages and nothing per application, changed or not.
Prints the requests, the time, and the ratio to one page of the list in the same run.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import make_apps, make_organizations, setup_django, table  # noqa: E402

CHANGED = 100
ADDED = 100


class Counter:
    """The embedded API's answers, counted as they are sent."""

    def __init__(self):
        self.count = 0

    def __call__(self, **kwargs):
        self.count += 1


def measured(counter: Counter, call) -> tuple[float, int, object]:
    before = counter.count
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, counter.count - before, result


def edited(text: str) -> str:
    """The file with CHANGED applications' descriptions changed and ADDED applications more."""
    lines = text.splitlines(keepends=True)
    changed = 0
    for index, line in enumerate(lines):
        if changed < CHANGED and line == "    description: Benchmark application\n":
            lines[index] = "    description: Changed by the benchmark\n"
            changed += 1
    added = [
        f"  added-{number}:\n    name: Added {number}\n    application_type: m2m\n"
        f"    organization: Organization 0\n    scopes: []\n"
        for number in range(ADDED)
    ]
    return "".join(lines + added)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    arguments = parser.parse_args()
    setup_django()
    from dashboard import connect, environments
    from dashboard.configuration import services
    from dashboard.emulator import faults
    from dashboard.emulator.http import api_responded

    make_apps(arguments.applications, make_organizations())
    counter = Counter()
    api_responded.connect(counter, weak=False)
    latency = (arguments.latency_ms, arguments.latency_ms)
    pages = -(-arguments.applications // services.PAGE_SIZE) + 1

    with environments.override("sandbox"), faults.injected(latency_ms=latency):
        one_page = [
            measured(counter, lambda: connect.application_list(limit=services.PAGE_SIZE))
            for _ in range(5)
        ]
        baseline = statistics.median(seconds for seconds, _, _ in one_page)
        export_time, export_requests, exported = measured(counter, services.export)
        read_time, _, source = measured(counter, lambda: services.read(exported.text))
        plan_time, plan_requests, plan = measured(counter, lambda: services.plan(source))
        changed_source = services.read(edited(exported.text))
        changed_time, changed_requests, changed = measured(
            counter, lambda: services.plan(changed_source)
        )

    assert exported.count == arguments.applications
    assert plan.summary == f"0 to create, 0 to change, 0 to delete, {exported.count} unchanged"
    assert len(changed.creates) == ADDED and len(changed.updates) == CHANGED
    runs = [
        ("one list page (baseline)", 1, 1, baseline),
        ("export", export_requests, pages, export_time),
        ("read and check the file", 0, 0, read_time),
        ("plan, nothing changed", plan_requests, pages, plan_time),
        (f"plan, {CHANGED} changed and {ADDED} new", changed_requests, pages, changed_time),
    ]
    rows = [[*run[:3], run[3] * 1000, run[3] / baseline] for run in runs]
    print(
        f"Configuration as code: {arguments.applications:,} applications, embedded API in "
        f"process with {arguments.latency_ms:g} ms added to each request, "
        f"{services.PAGE_SIZE} a page"
    )
    headers = ["operation", "API requests", "pages (+1 of organizations)", "ms"]
    print(table([*headers, "× baseline"], rows))
    print(
        f"Export: {len(exported.text.encode()) / 1e6:.1f} MB of YAML. Requests beyond the pages: "
        f"export {export_requests - pages}, plan {plan_requests - pages}, "
        f"plan with changes {changed_requests - pages}."
    )


if __name__ == "__main__":
    main()
