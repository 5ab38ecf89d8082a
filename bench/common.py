"""What every benchmark shares: a Django set up on a throwaway database, timing, tables."""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(database: Path | None = None) -> Path:
    """Configure Django on a fresh SQLite file and migrate it; answer the file."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    database = database or Path(tempfile.mkdtemp(prefix="bench-")) / "db.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return database


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def timed(call, repeat: int, warmup: int = 5) -> list[float]:
    """Milliseconds per call, after a few calls to warm caches up."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def alternately(first, second, repeat: int, warmup: int = 5) -> tuple[list[float], list[float]]:
    """Milliseconds per call of each, the two called in turn: on a machine shared with other
    work, both see the same moments of it, and their ratio holds where their times do not."""
    for _ in range(warmup):
        first()
        second()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for call, times in ((first, samples[0]), (second, samples[1])):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), percentile(samples, 0.95)


def table(headers: list[str], rows: list[list]) -> str:
    cells = [headers] + [
        [f"{c:.2f}" if isinstance(c, float) else str(c) for c in row] for row in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def make_apps(count: int, organizations: list) -> None:
    """`count` applications of every kind, written straight to the embedded API's table."""
    from dashboard.emulator.ids import new_id
    from dashboard.emulator.models import Application

    rows = []
    for index in range(count):
        app_id, created = new_id("conn_app_")
        client_id, _ = new_id("client_")
        oauth = index % 3 != 0
        rows.append(
            Application(
                id=app_id,
                client_id=client_id,
                name=f"Application {index:06d}",
                description="Benchmark application",
                application_type="oauth" if oauth else "m2m",
                is_first_party=(index % 2 == 0) if oauth else None,
                organization=None
                if oauth and index % 2 == 0
                else organizations[index % len(organizations)],
                uses_pkce=(index % 5 == 0) if oauth else None,
                scopes=["openid", "profile", "documents:read"],
                redirect_uris=[{"uri": f"https://app{index}.example.com/callback", "default": True}]
                if oauth
                else [],
                cors_origins=[],
                created_at=created,
                updated_at=created,
            )
        )
        if len(rows) == 5000:
            Application.objects.bulk_create(rows)
            rows = []
    Application.objects.bulk_create(rows)


def make_organizations(count: int = 5) -> list:
    from dashboard.emulator import store

    return [
        store.organization_create(
            name=f"Organization {i}", domains=[], metadata={}, external_id=None
        )
        for i in range(count)
    ]


def machine() -> str:
    import platform

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}"
    )
