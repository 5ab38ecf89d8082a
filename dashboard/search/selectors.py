"""Questions the index answers: search, totals, and how fresh it is."""

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
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
    """`column` begins with `word`. On SQLite as a range of code points: its LIKE ignores
    case, so it cannot use an index and costs a comparison per row, and a range is exact
    (SQLite compares text by code point; terms are folded and IDs' case is known)."""
    if connection.vendor != "sqlite":
        return Q(**{f"{column}__startswith": word})
    condition = Q(**{f"{column}__gte": word})
    last = ord(word[-1])
    if last == 0x10FFFF:
        # No code point follows the last one.
        return condition & Q(**{f"{column}__startswith": word})
    # The first code point after the last one, skipping the surrogates text cannot hold.
    following = 0xE000 if 0xD7FF <= last < 0xE000 else last + 1
    return condition & Q(**{f"{column}__lt": word[:-1] + chr(following)})


# IDs are a lowercase prefix and an uppercase ULID: "client_01H…", "conn_app_01H…".
ID_COLUMNS = {"client_": "client_id", "conn_app_": "application_id"}


def _id_beginning(word: str) -> Q | None:
    """The applications whose client or application ID begins with `word` (any case), by
    the IDs' own indexed columns; None when `word` is not the beginning of an ID."""
    for prefix, column in ID_COLUMNS.items():
        if word.startswith(prefix):
            return _beginning(column, prefix + word.removeprefix(prefix).upper())
    return None


# Matches are counted up to this many, as search engines count them: beyond it a count
# costs a read of every match (tens of thousands for one letter), and nobody pages that far.
COUNT_LIMIT = 10_000
# The list says how many dynamically registered matches it leaves out, up to this many.
HIDDEN_LIMIT = 100
# A word that begins the terms of at most this many applications is rare: its applications
# are read whole (their keys), and a search of rare words intersects them.
RARE = 5_000


@dataclass
class Query:
    """What a search asks: the words matched against terms, the conditions on IDs, and
    the filters."""

    environment: str
    words: list[str]
    ids: list[Q]
    application_type: str
    organization_id: str

    @classmethod
    def of(
        cls, environment: str, q: str = "", application_type: str = "", organization_id: str = ""
    ) -> "Query":
        found, ids = [], []
        for word in dict.fromkeys(words(q)):
            by_id = _id_beginning(word)
            if by_id is None:
                found.append(word)
            elif word not in ID_COLUMNS:
                # The ID prefix itself ("client_") begins every application's ID.
                ids.append(by_id)
        return cls(environment, found, ids, application_type, organization_id)

    @property
    def type_only(self) -> bool:
        """Whether the query asks no more than a type: the totals tell how many match."""
        return not (self.words or self.ids or self.organization_id)

    def applications(self, *, walk: bool = False) -> QuerySet:
        """The matching applications. `walk`: each condition checked row by row, so that
        the database walks the list's order and stops after the page, rather than finding
        the rows by an ID's index."""
        rows = IndexedApplication.objects.filter(environment=self.environment)
        for word in self.words:
            rows = rows.filter(_has(word, OuterRef("row_id")))
        if self.ids and walk:
            rows = rows.filter(
                Exists(IndexedApplication.objects.filter(*self.ids, row_id=OuterRef("row_id")))
            )
        elif self.ids:
            rows = rows.filter(*self.ids)
        if self.application_type:
            rows = rows.filter(application_type=self.application_type)
        if self.organization_id:
            rows = rows.filter(organization_id=self.organization_id)
        return rows

    def _first_terms(self, word: str) -> QuerySet:
        """One term row per application with a term that begins with `word`: the first of
        them (see `IndexedTerm`)."""
        return IndexedTerm.objects.filter(
            _beginning("term", word), environment=self.environment
        ).exclude(_beginning("previous", word))

    def _rare(self, word: str) -> set[int] | None:
        """The applications of the type asked for with a term that begins with `word`,
        when there are at most RARE; else None."""
        first_terms = self._first_terms(word)
        if self.application_type:
            first_terms = first_terms.filter(application_type=self.application_type)
        found = set(first_terms.values_list("application_id", flat=True)[: RARE + 1])
        return found if len(found) <= RARE else None

    @cached_property
    def candidates(self) -> dict[int, bool] | None:
        """With several words, every matching application (True: dynamically registered)
        when a word is rare: the rare words' keys read and intersected, the others checked
        for those applications alone. None with one word (counting and reading the page
        through the index costs less) or when no word is rare."""
        if len(self.words) < 2:
            return None
        rare, common = {}, []
        for word in self.words:
            found = self._rare(word)
            if found is None:
                common.append(word)
            else:
                rare[word] = found
        if not rare:
            return None
        found = set.intersection(*rare.values())
        if found and (common or self.ids or self.organization_id):
            # The rest is checked for these applications alone.
            rows = IndexedApplication.objects.filter(*self.ids, row_id__in=list(found))
            for word in common:
                rows = rows.filter(_has(word, OuterRef("row_id")))
            if self.organization_id:
                rows = rows.filter(organization_id=self.organization_id)
            found = set(rows.values_list("row_id", flat=True))
        # The few dynamically registered ones, from the rarest word's terms.
        rarest = min(rare, key=lambda word: len(rare[word]))
        dynamic = set(
            self._first_terms(rarest)
            .filter(was_dynamically_registered=True)
            .values_list("application_id", flat=True)
        )
        return {key: key in dynamic for key in found}

    def terms(self) -> QuerySet | None:
        """One term row per matching application, found through the words' terms, the
        longest word first (None without words): what counting reads when no word is
        rare."""
        if not self.words:
            return None
        first, *others = sorted(self.words, key=len, reverse=True)
        rows = self._first_terms(first)
        for word in others:
            rows = rows.filter(_has(word, OuterRef("application_id")))
        if self.application_type:
            rows = rows.filter(application_type=self.application_type)
        if self.ids or self.organization_id:
            conditions = {"organization_id": self.organization_id} if self.organization_id else {}
            rows = rows.filter(
                Exists(
                    IndexedApplication.objects.filter(
                        *self.ids, **conditions, row_id=OuterRef("application_id")
                    )
                )
            )
        return rows

    def keys(self, registration: str) -> list[int] | QuerySet:
        """The row keys of the matching applications of `registration`: a list when a word
        is rare, else a query."""
        if self.candidates is not None:
            wanted = {"both": (False, True), "authenticated": (False,), "dynamic": (True,)}
            return [
                key for key, dynamic in self.candidates.items() if dynamic in wanted[registration]
            ]
        rows = self.terms()
        if rows is None:
            return self.applications().filter(REGISTRATIONS[registration]).values("row_id")
        return rows.filter(REGISTRATIONS[registration]).values("application_id")

    def count(self, registration: str, limit: int) -> int:
        """How many applications of `registration` match, counted up to `limit`."""
        keys = self.keys(registration)
        return min(len(keys), limit) if isinstance(keys, list) else keys[:limit].count()

    def counts(self, registration: str) -> tuple[int, int]:
        """How many applications of `registration` match, up to COUNT_LIMIT + 1, and how
        many dynamically registered ones: exactly, or at least HIDDEN_LIMIT + 1 when more
        match. A search that matches few (up to RARE) is counted in one reading that tells
        both; beyond, each count stops at what the page shows of it (the first reading may
        already tell that more than HIDDEN_LIMIT are dynamically registered)."""
        dynamic = None
        if self.candidates is None:
            limit = RARE + 1
            counted = (
                self.keys("both")[:limit]
                .values("was_dynamically_registered")
                .aggregate(
                    all=Count("was_dynamically_registered"),
                    dynamic=Count("was_dynamically_registered", filter=REGISTRATIONS["dynamic"]),
                )
            )
            if counted["all"] < limit:
                dynamic = counted["dynamic"]
                total = {"both": counted["all"], "dynamic": dynamic}.get(
                    registration, counted["all"] - dynamic
                )
                return total, dynamic
            if counted["dynamic"] > HIDDEN_LIMIT:
                dynamic = counted["dynamic"]
        if dynamic is None:
            dynamic = self.count("dynamic", HIDDEN_LIMIT + 1)
        return self.count(registration, COUNT_LIMIT + 1), dynamic


def _has(word: str, row: OuterRef) -> Exists:
    """The application `row` refers to has a term that begins with `word`."""
    return Exists(IndexedTerm.objects.filter(_beginning("term", word), application_id=row))


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
    query = Query.of(environment, q, application_type, organization_id)
    if not query.words:
        return query.applications().filter(REGISTRATIONS[registration])
    # Found through the words' terms, not by checking every application.
    return IndexedApplication.objects.filter(row_id__in=query.keys(registration))


def count(environment: str, *, registration: str = "both", **filters) -> int:
    """How many indexed applications `matching` would give, read from the indexes alone: up
    to COUNT_LIMIT + 1 (more than COUNT_LIMIT), exactly when the totals tell."""
    query = Query.of(environment, **filters)
    if query.type_only:
        return totals(environment).of(
            application_type=query.application_type, registration=registration
        )
    return query.count(registration, COUNT_LIMIT + 1)


def named(environment: str, name: str) -> list[str]:
    """The IDs of the applications called `name` (case and accents ignored), at most two:
    enough to know whether one is the match."""
    return list(
        IndexedApplication.objects.filter(
            environment=environment, folded_name=fold(name.strip())[:255]
        ).values_list("application_id", flat=True)[:2]
    )


@dataclass(frozen=True)
class Totals:
    # Applications by type and registration (True: dynamically registered).
    tally: dict[tuple[str, bool], int]

    @property
    def by_type(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for (kind, _), count in self.tally.items():
            found[kind] = found.get(kind, 0) + count
        return found

    @property
    def all(self) -> int:
        return sum(self.tally.values())

    def of(self, *, application_type: str = "", registration: str = "both") -> int:
        """How many applications of that type and registration there are."""
        return sum(
            count
            for (kind, dynamic), count in self.tally.items()
            if application_type in ("", kind)
            and registration in ("both", "dynamic" if dynamic else "authenticated")
        )


def totals(environment: str) -> Totals:
    """Counted one type and registration at a time, in one statement: each is a range of the
    index on (environment, type, registration), counted from the index alone, which costs
    about half what grouping every row of the environment does. The types are found by a
    seek each."""
    rows = IndexedApplication.objects.filter(environment=environment)
    kinds, kind = [], ""
    while kind := (
        rows.filter(application_type__gt=kind)
        .order_by("application_type")
        .values_list("application_type", flat=True)
        .first()
    ):
        kinds.append(kind)
    ranges = [(kind, dynamic) for kind in kinds for dynamic in (False, True)]
    if not ranges:
        return Totals(tally={})
    quote, meta = connection.ops.quote_name, IndexedApplication._meta
    environment_column, type_column, registration_column = (
        quote(meta.get_field(name).column)
        for name in ("environment", "application_type", "was_dynamically_registered")
    )
    one = (
        f"(SELECT COUNT(*) FROM {quote(meta.db_table)} WHERE {environment_column} = %s"
        f" AND {type_column} = %s AND {registration_column} = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join([one] * len(ranges)),
            [value for kind, dynamic in ranges for value in (environment, kind, dynamic)],
        )
        counts = cursor.fetchone()
    return Totals(tally={key: count for key, count in zip(ranges, counts, strict=True) if count})


@dataclass(frozen=True)
class Results:
    rows: list[IndexedApplication]
    # How many match; when `more`, more than that many.
    total: int
    more: bool
    page: int
    per_page: int
    # The environment's applications by type, read on the way.
    totals: Totals
    # Matches the registration filter left out (dynamically registered applications):
    # exactly, or when many match, at least HIDDEN_LIMIT + 1.
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
    """A page of the matching applications in `sort`'s order, and how many match (up to
    COUNT_LIMIT).

    The counts come first, from the indexes alone. Then the page is read the cheaper of
    two ways: when matches are common, by walking the list's order and checking each row
    until the page is full (a few rows per match); when they are rare, by reading every
    match and sorting them (one row per match)."""
    query = Query.of(environment, **filters)
    environment_totals = totals(environment)
    if query.type_only:
        # The totals tell.
        total = environment_totals.of(
            application_type=query.application_type, registration=registration
        )
        dynamic = environment_totals.of(
            application_type=query.application_type, registration="dynamic"
        )
    else:
        total, dynamic = query.counts(registration)
    more = not query.type_only and total > COUNT_LIMIT
    total = COUNT_LIMIT if more else total
    page = min(max(page, 1), max(1, -(-total // per_page)))
    start = (page - 1) * per_page
    # A walk checks about all / total rows for each row it shows, (start + per_page) of them;
    # reading the matches reads total rows. Past the count's limit they are too many to read.
    if more or total * total >= (start + per_page) * environment_totals.all:
        rows = query.applications(walk=True)
    elif query.words:
        rows = IndexedApplication.objects.filter(row_id__in=query.keys(registration))
    else:
        rows = query.applications()
    shown = list(
        rows.filter(REGISTRATIONS[registration]).order_by(*SORTS[sort])[start : start + per_page]
    )
    return Results(
        rows=shown,
        total=total,
        more=more,
        page=page,
        per_page=per_page,
        totals=environment_totals,
        hidden_dynamic=dynamic if registration == "authenticated" else 0,
    )


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
