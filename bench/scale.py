"""Benchmark 3: the embedded API's list, get and update with 1,000 to 100,000 stored apps.

    python bench/scale.py [--chart docs/scale.png]

The time per request must stay flat: keyset pages and indexed lookups do not grow with
the number of rows. Prints median and p95 milliseconds and the 100k/1k ratio.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import make_apps, make_organizations, setup_django, summary, table, timed  # noqa: E402

SIZES = [1_000, 10_000, 100_000]
REPEAT = 300


def measure(client, app_ids: list[str]) -> dict[str, list[float]]:
    middle = app_ids[len(app_ids) // 2]
    headers = {"HTTP_AUTHORIZATION": "Bearer sk_test_emulator"}
    names = iter(range(10**9))

    def list_page():
        response = client.get(
            "/emulator/connect/applications", {"limit": 100, "after": middle}, **headers
        )
        assert response.status_code == 200 and len(response.json()["data"]) == 100

    def get_one():
        assert client.get(f"/emulator/connect/applications/{middle}", **headers).status_code == 200

    def update_one():
        response = client.put(
            f"/emulator/connect/applications/{middle}",
            json.dumps({"name": f"Renamed {next(names)}"}),
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 200

    return {
        "list (100)": timed(list_page, REPEAT),
        "get": timed(get_one, REPEAT),
        "update": timed(update_one, REPEAT),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chart", type=Path, help="write a PNG chart here")
    arguments = parser.parse_args()
    setup_django()
    from django.test import Client

    from dashboard.emulator.models import Application

    organizations = make_organizations()
    client = Client()
    results: dict[int, dict[str, tuple[float, float]]] = {}
    for size in SIZES:
        make_apps(size - Application.objects.count(), organizations)
        app_ids = list(Application.objects.order_by("id").values_list("id", flat=True))
        results[size] = {
            name: summary(samples) for name, samples in measure(client, app_ids).items()
        }

    rows = []
    for operation in results[SIZES[0]]:
        row = [operation]
        for size in SIZES:
            row += [results[size][operation][0], results[size][operation][1]]
        row.append(results[SIZES[-1]][operation][0] / results[SIZES[0]][operation][0])
        rows.append(row)
    headers = ["operation"]
    for size in SIZES:
        headers += [f"{size // 1000}k median ms", f"{size // 1000}k p95 ms"]
    headers.append("100k/1k (median)")
    print("Scale of the embedded API (Django test client, in process, SQLite)")
    print(table(headers, rows))
    if arguments.chart:
        chart(results, arguments.chart)


def chart(results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8.5, 4), dpi=110)
    for operation in results[SIZES[0]]:
        axes.plot(
            SIZES,
            [results[size][operation][0] for size in SIZES],
            marker="o",
            label=f"{operation} (median)",
        )
        axes.plot(
            SIZES,
            [results[size][operation][1] for size in SIZES],
            linestyle="--",
            alpha=0.5,
            label=f"{operation} (p95)",
        )
    axes.set_xscale("log")
    axes.set_xticks(SIZES, [f"{size:,}" for size in SIZES])
    axes.set_xlabel("applications stored")
    axes.set_ylabel("milliseconds per request")
    axes.set_ylim(bottom=0)
    axes.set_title("Embedded API: time per request stays flat as data grows")
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    figure.tight_layout()
    figure.savefig(path)
    print(f"Chart written to {path}")


if __name__ == "__main__":
    main()
