"""Run every benchmark and write docs/performance.md with their numbers and the chart.

pip install -e '.[bench]' && python bench/run_all.py [--load-seconds 60]
"""

import argparse
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine  # noqa: E402

NOTES = """## Reading the numbers

- Pages: the dashboard's pages make one call through the service layer and the embedded
  API (JSON out, JSON in, pydantic models) and still take a fraction of the admin's time:
  the admin's changelist counts rows, renders filters, actions and a checkbox per row.
- Network overhead: "minus upstream wait" is the dashboard's own time; "minus 50 ms" also
  counts the API server's own work and the counting proxy on the way.
- Load: the 409 answers are edit conflicts (two of the 20 users saving the same
  application), answered with the conflict screen, not failures. With faults on, every
  5xx users saw is the dashboard's banner after its retries; the load generator shares
  the 2 cores with the server.
- Weight: the swap is a fifth of the first load (HTML, CSS and scripts); against the list
  page's HTML alone it is most of it, since the table is most of that HTML.

"""

GOALS = {
    "pages.py": "Goal: the dashboard is no slower than Django's admin (dashboard/admin at most "
    "1.0), although every page goes through the API layer.",
    "network.py": "Goal: under 10 ms of the dashboard's own time (median) for the list page; "
    "one upstream request per view and no new connection per view (keep-alive).",
    "scale.py": "Goal: flat time per request (100k/1k at most 1.5).",
    "load.py": "Goal: no 500 from the dashboard in either run, every failure a clear message, "
    "p95 under 250 ms without faults.",
    "weight.py": "Goal: a swap under a third of a full page, the first load under 100 KB.",
    "tokens.py": "Goal: a client-credentials token within a few milliseconds (median), "
    "a small multiple of an application GET.",
    "configuration.py": "Goal: export and plan of 10,000 applications cost one API request "
    "per page (100 applications a page, plus the organizations' page), none per application.",
    "search.py": "Goal: a search among 100,000 indexed applications costs no more than the list "
    "page; a full sync of 10,000 applications within 1.2 times its pages' latency.",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--load-seconds", default="60")
    arguments = parser.parse_args()
    runs = [
        ("1. Pages against Django's admin", ["pages.py"]),
        ("2. Overhead over a real network API", ["network.py"]),
        ("3. Scale of the embedded API", ["scale.py", "--chart", str(ROOT / "docs/scale.png")]),
        ("4. Load", ["load.py", "--seconds", arguments.load_seconds]),
        ("5. Weight", ["weight.py"]),
        ("6. Tokens of the embedded authorization server", ["tokens.py"]),
        ("7. Configuration as code", ["configuration.py"]),
        ("8. Search index", ["search.py"]),
    ]
    sections = []
    for title, command in runs:
        print(f"Running {command[0]}...", flush=True)
        result = subprocess.run(
            [sys.executable, str(ROOT / "bench" / command[0]), *command[1:]],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        lines = [
            line for line in result.stdout.splitlines() if not line.startswith("Chart written")
        ]
        # Markdown wants a blank line on both sides of a table.
        output = "\n".join(
            "\n" + line
            if index and line.startswith("|") != lines[index - 1].startswith("|")
            else line
            for index, line in enumerate(lines)
        )
        chart = (
            "\n\n![Time per request against stored applications](scale.png)"
            if (command[0] == "scale.py")
            else ""
        )
        sections.append(
            f"## {title}\n\n`python bench/{' '.join(command[:1])}`\n\n"
            f"{GOALS[command[0]]}\n\n{output}{chart}\n"
        )
    document = (
        "# Performance\n\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}, by "
        "`python bench/run_all.py`; each benchmark also runs alone. Times are server "
        "time unless a table says otherwise; benchmarks and load generators share the "
        "machine with the server, as they would in CI.\n\n" + NOTES + "\n".join(sections)
    )
    (ROOT / "docs" / "performance.md").write_text(document)
    print("Wrote docs/performance.md")


if __name__ == "__main__":
    main()
