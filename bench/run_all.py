"""Run the benchmarks and write docs/performance.md with their numbers, the date and the
commit they measured; or compare this tree with another commit, side by side.

    pip install -e '.[bench]'
    python bench/run_all.py [--load-seconds 60]      every section, the document rewritten
    python bench/run_all.py --only 1 2               these sections; the others kept as written
    python bench/run_all.py --compare REV [--benchmark pages.py] [--rounds 3]

`--compare` checks REV out in a temporary git worktree (removed afterwards), runs the
benchmark there and here in turn, `--rounds` times each, and prints the median of each
number on both sides and their ratio (this tree / REV): a regression shows side by side,
measured under the same load of the machine. It writes no document.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, table  # noqa: E402

DOCUMENT = ROOT / "docs" / "performance.md"

NOTES = """## Reading the numbers

- Pages: the dashboard's pages make one call through the service layer and the embedded
  API (JSON out, JSON in, pydantic models) and still take a fraction of the admin's time:
  the admin's changelist counts rows, renders filters, actions and a checkbox per row.
  Each page is timed alternately with its admin counterpart, so that both see the same
  load of the machine: the ratio is the measure, the times vary with that load. In
  process, the embedded API's own work (reading and serializing the applications) is
  part of the dashboard's time: about a third of the list's. The create POST writes more
  than the admin's add: the audit event before the call and its outcome after it, the
  API's idempotency record and the application, then the search index's row and terms.
  Building and compiling a queryset costs Django about a quarter of a millisecond on this
  machine, ten times what SQLite takes to run the small ones: the detail page's fixed
  queries are compiled once (dashboard/kernel/statements.py).
- Network overhead: "minus upstream wait" is the dashboard's own time; "minus 50 ms" also
  counts the API server's own work and the counting proxy on the way. The proxy forwards
  each write at once (TCP_NODELAY); without it a response's body waited 40 ms behind its
  headers. The dashboard's own time over a network is about 1.5 times what the same work
  takes in process, the caches cold after each wait.
- Load: the 409 answers are edit conflicts (two of the 20 users saving the same
  application), answered with the conflict screen, not failures. With faults on, every
  5xx users saw is the dashboard's banner after its retries; the load generator shares
  the 2 cores with the server.
- Weight: the swap is a fifth of the first load (HTML, CSS and scripts); against the list
  page's HTML alone it is most of it, since the table is most of that HTML.
- Queries: tests/project/test_query_budgets.py holds each page to a number of SQL queries whatever
  its page size, so that a query per row fails a test before it shows here.

"""

GOALS = {
    "pages.py": "Goal: dashboard/admin at most 0.3 for the list, 0.25 for the detail page and "
    "0.6 for the create POST, although every page goes through the API layer.",
    "network.py": "Goal: under 5 ms of the dashboard's own time (median) for the list page; "
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


# What a section's numbers stand on, written beside them at every run.
EXPLANATIONS = {
    "pages.py": (
        "Where the list's time goes, measured in process: the embedded API's answer (reading "
        "100 applications, their JSON columns and dates, serializing them) about 4 ms, the "
        "index's check of the rows about 1.1 ms, the rows' markup about 1.1 ms, credential "
        "health about 0.5 ms, the session and the signed-in user about 0.5 ms; the rest is "
        "the page around the rows. All but the session and the page grow with the rows."
    ),
    "scale.py": (
        "An application is found by its ID or its client ID in one statement over the two "
        "unique keys, unordered: ordered by ID, SQLite walked the environment's (environment, "
        "id) index up to the row, and a GET or an update at 100,000 applications took 12 to 16 "
        "times as long as at 1,000."
    ),
    "search.py": (
        "How a search is read (`dashboard/search/selectors.py`): a term row carries its "
        "application's type and registration and the term before it among its application's "
        "terms, so the first of an application's terms that begins with a word counts it once "
        "and counts are read from the terms' index alone; matches are counted up to 10,000 "
        '("More than 10,000 match"); several words read the keys of each rare word\'s '
        "applications (up to 5,000, as one aggregated value per word) and intersect them; a "
        "page is read the cheapest of three ways by measured costs per row: walking the list's "
        "order and checking each row's terms (common matches), walking it and checking each "
        "index entry against the matches' keys gathered first (hundreds to thousands; SQLite, "
        "whose planner takes a hint to walk), or reading the matches and sorting them (rare). "
        "On PostgreSQL the statements are written so that stale statistics (a table analyzed "
        "while empty) cannot turn them into a scan per row: EXISTS row by row (LIMIT 1), the "
        "matches joined rather than IN. The search's statements are SQL with parameters rather "
        "than querysets: building and compiling each through the ORM cost about a millisecond, "
        "as much as the database's work. The totals by type count each type and registration as "
        "a range of an index, all in one statement."
    ),
}


def sections(load_seconds: str) -> list[tuple[str, str, list[str]]]:
    """(number, title, command) of every section, in the document's order."""
    return [
        ("1", "Pages against Django's admin", ["pages.py"]),
        ("2", "Overhead over a real network API", ["network.py"]),
        ("3", "Scale of the embedded API", ["scale.py", "--chart", str(ROOT / "docs/scale.png")]),
        ("4", "Load", ["load.py", "--seconds", load_seconds]),
        ("5", "Weight", ["weight.py"]),
        ("6", "Tokens of the embedded authorization server", ["tokens.py"]),
        ("7", "Configuration as code", ["configuration.py"]),
        ("8", "Search index", ["search.py"]),
    ]


def git(*arguments: str, cwd: Path = ROOT) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


def measured_commit() -> str:
    """The commit this tree is at, and whether its tracked files differ from it."""
    commit = git("rev-parse", "--short=12", "HEAD")
    # The document itself changes with every run.
    changed = git(
        "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/performance.md"
    )
    return f"commit {commit}" + (" with uncommitted changes in the working tree" if changed else "")


def run(root: Path, command: list[str]) -> str:
    """The standard output of a benchmark of the tree at `root`."""
    result = subprocess.run(
        [sys.executable, str(root / "bench" / command[0]), *command[1:]],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise SystemExit(f"{command[0]} failed in {root}:\n{result.stderr[-3000:]}")
    return result.stdout


def as_markdown(output: str) -> str:
    lines = [line for line in output.splitlines() if not line.startswith("Chart written")]
    # Markdown wants a blank line on both sides of a table.
    return "\n".join(
        "\n" + line if index and line.startswith("|") != lines[index - 1].startswith("|") else line
        for index, line in enumerate(lines)
    )


def section_text(number: str, title: str, command: list[str], output: str, when: str) -> str:
    chart = (
        "\n\n![Time per request against stored applications](scale.png)"
        if command[0] == "scale.py"
        else ""
    )
    explanation = f"{EXPLANATIONS[command[0]]}\n\n" if command[0] in EXPLANATIONS else ""
    return (
        f"## {number}. {title}\n\n`python bench/{command[0]}`\n\n{GOALS[command[0]]}\n\n"
        f"Measured {when}.\n\n{explanation}{as_markdown(output)}{chart}\n"
    )


def written_sections() -> dict[str, str]:
    """The numbered sections of the document as it is, by number."""
    if not DOCUMENT.exists():
        return {}
    found, number = {}, None
    for line in DOCUMENT.read_text().splitlines(keepends=True):
        if line.startswith("## "):
            heading = line[3:].split(".", 1)[0]
            number = heading if heading.isdigit() else None
            if number:
                found[number] = ""
        if number:
            found[number] += line
    return found


def write_document(only: set[str] | None, load_seconds: str) -> None:
    started = datetime.now(UTC)
    when = f"{started:%Y-%m-%d %H:%M} UTC at {measured_commit()}"
    kept = written_sections()
    texts = []
    for number, title, command in sections(load_seconds):
        if only is not None and number not in only:
            texts.append(
                kept.get(number, "").rstrip() + "\n"
                if number in kept
                else f"## {number}. {title}\n\nNot measured yet: "
                f"`python bench/run_all.py --only {number}`.\n"
            )
            continue
        print(f"Running {command[0]}...", flush=True)
        # How busy the machine already was: others' work shares its cores.
        load = os.getloadavg()[0]
        output = run(ROOT, command)
        at = f"{when}; the machine's load average was {load:.2f} as it began"
        texts.append(section_text(number, title, command, output, at))
    if only is None:
        scope = "every section was measured in this run"
    else:
        rerun = ", ".join(sorted(only, key=int))
        scope = (
            f"sections {rerun} were measured in this run; the others are kept from earlier "
            "runs, as their own dates say"
        )
    document = (
        "# Performance\n\n"
        f"Written {started:%Y-%m-%d %H:%M} UTC by `python bench/run_all.py` on {machine()}: "
        f"{scope}. Each benchmark also runs alone. Times are server time unless a table says "
        "otherwise; benchmarks and load generators share the machine with the server, as "
        "they would in CI, and with whatever else the machine runs at the time.\n\n"
        + NOTES
        + "\n".join(texts)
    )
    DOCUMENT.write_text(document)
    print(f"Wrote {DOCUMENT.relative_to(ROOT)}")


def numbers(output: str) -> dict[tuple[str, str], float]:
    """Each number of the output's tables, by the row's words and the column's heading."""
    found: dict[tuple[str, str], float] = {}
    headers: list[str] | None = None
    for line in output.splitlines():
        if not line.startswith("|"):
            headers = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if headers is None:
            # A heading that repeats ("p95" after each median) is told apart by the one
            # before it.
            headers = [
                f"{cell} ({cells[index - 1]})" if cell in cells[:index] else cell
                for index, cell in enumerate(cells)
            ]
            continue
        if set("".join(cells)) <= set("-"):
            continue
        values = {}
        for heading, cell in zip(headers, cells, strict=False):
            try:
                values[heading] = float(cell.replace(",", ""))
            except ValueError:
                continue
        label = " · ".join(
            cell for heading, cell in zip(headers, cells, strict=False) if heading not in values
        )
        for heading, value in values.items():
            found[(label, heading)] = value
    return found


def compare(revision: str, command: list[str], rounds: int) -> None:
    commit = git("rev-parse", "--short=12", revision)
    samples: dict[str, list[dict]] = {commit: [], "this tree": []}
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as directory:
        tree = Path(directory) / "tree"
        git("worktree", "add", "--detach", str(tree), commit)
        try:
            for round_number in range(rounds):
                sides = [(commit, tree), ("this tree", ROOT)]
                # Each side goes first every other round.
                for side, root in sides if round_number % 2 == 0 else reversed(sides):
                    print(f"Round {round_number + 1}: {command[0]} at {side}...", flush=True)
                    samples[side].append(numbers(run(root, command)))
        finally:
            git("worktree", "remove", "--force", str(tree))
    keys = [key for key in samples["this tree"][0] if all(key in run_ for run_ in samples[commit])]
    rows = []
    for label, heading in keys:
        before = statistics.median(run_[(label, heading)] for run_ in samples[commit])
        after = statistics.median(run_[(label, heading)] for run_ in samples["this tree"])
        ratio = after / before if before else float("nan")
        rows.append([label, heading, before, after, ratio])
    print(
        f"\n{command[0]} at {commit} ({revision}) and at this tree ({measured_commit()}), "
        f"run in turn, {rounds} times each: the median of each number"
    )
    print(table(["row", "number", commit, "this tree", "this tree / " + commit], rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--load-seconds", default="60")
    parser.add_argument("--only", nargs="+", metavar="SECTION", help="section numbers to rerun")
    parser.add_argument("--compare", metavar="REV", help="a commit to compare this tree with")
    parser.add_argument("--benchmark", default="pages.py", help="what --compare runs")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each side to compare")
    arguments, extra = parser.parse_known_args()
    if arguments.compare:
        compare(arguments.compare, [arguments.benchmark, *extra], arguments.rounds)
        return
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    known = {number for number, _, _ in sections(arguments.load_seconds)}
    only = set(arguments.only) if arguments.only else None
    if only and not only <= known:
        parser.error(f"no section {', '.join(sorted(only - known))}")
    write_document(only, arguments.load_seconds)


if __name__ == "__main__":
    main()
