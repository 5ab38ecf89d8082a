"""Questions the index answers: search, totals, and how fresh it is."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .index import fold, words
from .models import IndexedApplication, IndexedTerm, Sync
from .tasks import STALE

SORTS = {
    "name": ("folded_name", "application_id"),
    "-name": ("-folded_name", "-application_id"),
    "created": ("created_at", "application_id"),
    "-created": ("-created_at", "-application_id"),
}
REGISTRATIONS = {
    "authenticated": Q(was_dynamically_registered=False),
    "dynamic": Q(was_dynamically_registered=True),
    "both": Q(),
}


def _beginning(column: str, word: str) -> Q:
    """`column` begins with `word`. On SQLite also as a range of code points: its LIKE
    ignores case, so it cannot use an index, and a range can (SQLite compares text by code
    point; terms are folded and IDs' case is known)."""
    condition = Q(**{f"{column}__startswith": word})
    if connection.vendor != "sqlite":
        return condition
    condition &= Q(**{f"{column}__gte": word})
    last = ord(word[-1])
    if last < 0x10FFFF:
        # The first code point after the last one, skipping the surrogates text cannot hold.
        following = 0xE000 if 0xD7FF <= last < 0xE000 else last + 1
        condition &= Q(**{f"{column}__lt": word[:-1] + chr(following)})
    return condition


def _terms_beginning(environment: str, word: str) -> QuerySet:
    return IndexedTerm.objects.filter(_beginning("term", word), environment=environment)


# IDs are a lowercase prefix and an uppercase ULID: "client_01H…", "conn_app_01H…".
ID_COLUMNS = {"client_": "client_id", "conn_app_": "application_id"}


def _id_beginning(word: str) -> Q | None:
    """The applications whose client or application ID begins with `word` (any case), by
    the IDs' own indexed columns; None when `word` is not the beginning of an ID."""
    for prefix, column in ID_COLUMNS.items():
        if word.startswith(prefix):
            return _beginning(column, prefix + word.removeprefix(prefix).upper())
    return None


def matching(
    environment: str,
    *,
    q: str = "",
    application_type: str = "",
    organization_id: str = "",
    registration: str = "both",
) -> QuerySet:
    """The indexed applications of `environment` that every word of `q` finds (a word
    finds the applications with a term or an ID that begins with it), within the filters."""
    rows = IndexedApplication.objects.filter(environment=environment)
    for word in dict.fromkeys(words(q)):
        by_id = _id_beginning(word)
        if by_id is None:
            by_id = Q(row_id__in=_terms_beginning(environment, word).values("application_id"))
        rows = rows.filter(by_id)
    if application_type:
        rows = rows.filter(application_type=application_type)
    if organization_id:
        rows = rows.filter(organization_id=organization_id)
    return rows.filter(REGISTRATIONS[registration])


def named(environment: str, name: str) -> list[str]:
    """The IDs of the applications called `name` (case and accents ignored), at most two:
    enough to know whether one is the match."""
    return list(
        IndexedApplication.objects.filter(
            environment=environment, folded_name=fold(name.strip())[:255]
        ).values_list("application_id", flat=True)[:2]
    )


@dataclass(frozen=True)
class Results:
    rows: list[IndexedApplication]
    total: int
    page: int
    per_page: int
    # Matches the registration filter left out (dynamically registered applications).
    hidden_dynamic: int = 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def search(
    environment: str,
    *,
    sort: str = "name",
    page: int = 1,
    per_page: int = 25,
    registration: str = "both",
    **filters,
) -> Results:
    # One pass counts the matches and those the registration filter leaves out.
    counts = matching(environment, **filters).aggregate(
        total=Count("row_id", filter=REGISTRATIONS[registration]),
        dynamic=Count("row_id", filter=REGISTRATIONS["dynamic"]),
    )
    total = counts["total"]
    hidden = counts["dynamic"] if registration == "authenticated" else 0
    page = min(max(page, 1), max(1, -(-total // per_page)))
    start = (page - 1) * per_page
    rows = matching(environment, registration=registration, **filters)
    shown = list(rows.order_by(*SORTS[sort])[start : start + per_page])
    return Results(rows=shown, total=total, page=page, per_page=per_page, hidden_dynamic=hidden)


@dataclass(frozen=True)
class Totals:
    by_type: dict[str, int]

    @property
    def all(self) -> int:
        return sum(self.by_type.values())


def totals(environment: str) -> Totals:
    counted = (
        IndexedApplication.objects.filter(environment=environment)
        .values_list("application_type")
        .annotate(count=Count("row_id"))
        .order_by()
    )
    return Totals(by_type=dict(counted))


@dataclass(frozen=True)
class Freshness:
    """How fresh an environment's index is, and the sync running or asked for."""

    completed_at: datetime | None
    running: bool
    waiting: bool
    phase: str
    seen: int
    expected: int
    error: str

    @property
    def busy(self) -> bool:
        return self.running or self.waiting


def freshness(environment: str) -> Freshness:
    state = Sync.objects.filter(environment=environment).first() or Sync(environment=environment)
    now = timezone.now()
    running = bool(
        state.started_at
        and (state.ended_at is None or state.ended_at < state.started_at)
        and state.heartbeat_at
        and state.heartbeat_at >= now - STALE
    )
    waiting = bool(
        not running
        and state.requested_at
        and state.requested_at >= now - STALE
        and (state.started_at is None or state.started_at < state.requested_at)
    )
    return Freshness(
        completed_at=state.completed_at,
        running=running,
        waiting=waiting,
        phase=state.phase if running else "",
        seen=state.seen,
        expected=state.expected,
        error="" if running else state.error,
    )
