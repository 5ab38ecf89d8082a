"""Benchmark 5: bytes of the list page's first load and of an HTMX page swap.

    python bench/weight.py

The first load is the HTML plus every stylesheet and script it loads; the swap is the
partial that "Next" fetches. Sizes raw and gzipped (what WhiteNoise serves).
"""

import gzip
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import make_apps, make_organizations, setup_django, table  # noqa: E402


def main() -> None:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.contrib.staticfiles import finders
    from django.test import Client

    make_apps(200, make_organizations())
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("bench", password="x" * 12))

    page = client.get("/sandbox/applications/").content
    assets = re.findall(rb'(?:src|href)="/static/([^"]+)"', page)
    next_url = re.search(rb'rel="next" href="([^"]+)"', page)[1].decode().replace("&amp;", "&")
    swap = client.get("/sandbox/applications/" + next_url, headers={"HX-Request": "true"}).content

    rows = [["list page HTML", len(page), len(gzip.compress(page))]]
    for asset in assets:
        content = Path(finders.find(asset.decode())).read_bytes()
        rows.append([asset.decode(), len(content), len(gzip.compress(content))])
    first_raw = sum(row[1] for row in rows)
    first_gzip = sum(row[2] for row in rows)
    rows.append(["first load, total", first_raw, first_gzip])
    rows.append(["HTMX swap (Next page)", len(swap), len(gzip.compress(swap))])
    rows.append(
        [
            "swap / list page HTML",
            f"{len(swap) / len(page):.2f}",
            f"{len(gzip.compress(swap)) / len(gzip.compress(page)):.2f}",
        ]
    )
    rows.append(
        [
            "swap / first load",
            f"{len(swap) / first_raw:.2f}",
            f"{len(gzip.compress(swap)) / first_gzip:.2f}",
        ]
    )
    print("Weight of the application list (25 rows per page), in bytes")
    print(table(["what", "raw", "gzip"], rows))


if __name__ == "__main__":
    main()
