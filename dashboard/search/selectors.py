"""Questions the index answers: search, totals, and how fresh it is."""

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from itertools import pairwise
from typing import Literal

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from .index import fold, words
from .models import IndexedApplication, IndexedOrganization, IndexedTerm, Sync
from .tasks import STALE

# The search's statements are SQL (see `Query`). They name the models' tables and columns
# as Django does (no field sets a db_column); the tests read every path through them.
APPLICATIONS = IndexedApplication._meta.db_table
TERMS = IndexedTerm._meta.db_table

# A part of a statement: SQL with %s placeholders, and their values.
Sql = tuple[str, list]
# How a page is read: see `Query.page`.
Reading = Literal["read", "walk", "walk keys"]


def _sqlite() -> bool:
    """Whether the database is SQLite; else PostgreSQL, the other database the dashboard
    runs on."""
    return connection.vendor == "sqlite"


# The list's orders, ties broken by ID; `a` is the application's row.
ORDERS = {
    "name": "a.folded_name, a.application_id",
    "-name": "a.folded_name DESC, a.application_id DESC",
    "created": "a.created_at, a.application_id",
    "-created": "a.created_at DESC, a.application_id DESC",
}


def _all(*parts: Sql) -> Sql:
    """The parts joined by AND."""
    return " AND ".join(sql for sql, _ in parts), [value for _, values in parts for value in values]


def _begins(column: str, word: str) -> Sql:
    """`column` begins with `word`. On SQLite as a range of code points: its LIKE ignores
    case, so it cannot use an index and costs a comparison per row, and a range is exact
    (SQLite compares text by code point; terms are folded and IDs' case is known).
    Elsewhere LIKE, which PostgreSQL answers from the pattern operators' indexes."""
    if not _sqlite():
        return f"{column} LIKE %s", [connection.ops.prep_for_like_query(word) + "%"]
    last = ord(word[-1])
    if last == 0x10FFFF:
        # No code point follows the last one.
        return f"{column} >= %s AND substr({column}, 1, %s) = %s", [word, len(word), word]
    # The first code point after the last one, skipping the surrogates text cannot hold.
    following = 0xE000 if 0xD7FF <= last < 0xE000 else last + 1
    return f"{column} >= %s AND {column} < %s", [word, word[:-1] + chr(following)]


def _one_of(column: str, values: list) -> Sql:
    if not values:
        # PostgreSQL refuses an empty IN ().
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def _exists(table: str, where: str) -> str:
    """Whether a row of `table` meets `where`, asked row by row. LIMIT 1 keeps PostgreSQL
    from turning it into a join, which it may plan as a scan of the table for each row
    when its statistics are stale (a table analyzed while empty)."""
    return f"EXISTS (SELECT 1 FROM {table} WHERE {where} LIMIT 1)"


def _has(word: str, key: str) -> Sql:
    """The application whose row key is `key` has a term that begins with `word`."""
    begins, values = _begins("w.term", word)
    return _exists(f"{TERMS} AS w", f"w.application_id = {key} AND {begins}"), values


def _aggregated_keys(column: str, condition: str) -> str:
    """The keys in `column` of the rows where `condition` holds, as one value (`_key_set`
    reads it): a list separated by commas on SQLite, which has no arrays, an array on
    PostgreSQL. One value costs a fraction of a row per key to fetch."""
    function = "group_concat" if _sqlite() else "array_agg"
    return f"{function}({column}) FILTER (WHERE {condition})"


def _key_set(value: str | list[int] | None) -> set[int]:
    """The keys `_aggregated_keys` gave (None when no row met its condition)."""
    if not value:
        return set()
    return set(map(int, value.split(","))) if isinstance(value, str) else set(value)


def _fetchone(sql: str, values: list) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchone()


# IDs are a lowercase prefix and an uppercase ULID: "client_01H…", "conn_app_01H…".
ID_COLUMNS = {"client_": "client_id", "conn_app_": "application_id"}


def _id_beginning(word: str) -> tuple[str, str] | None:
    """The ID column and the beginning `word` asks of it (any case), when `word` is the
    beginning of an ID; else None."""
    for prefix, column in ID_COLUMNS.items():
        if word.startswith(prefix):
            return column, prefix + word.removeprefix(prefix).upper()
    return None


# Matches are counted up to this many, as search engines count them: beyond it a count
# costs a read of every match (tens of thousands for one letter), and nobody pages that far.
COUNT_LIMIT = 10_000
# The list says how many dynamically registered matches it leaves out, up to this many.
HIDDEN_LIMIT = 100
# A word that begins the terms of at most this many applications is rare: its applications
# are read whole (their keys), and a search of rare words intersects them.
RARE = 5_000


@dataclass(frozen=True)
class Matches:
    """Where a query's matches are read from: `FROM … WHERE …` giving one row per matching
    application, its row key in the column `key` and its registration in `dynamic`."""

    key: str
    dynamic: str
    source: str
    values: list

    def keys(self) -> Sql:
        return f"SELECT {self.key} AS application {self.source}", self.values


@dataclass
class Query:
    """What a search asks: the words matched against terms, the beginnings of IDs, and the
    filters.

    A search is two to four statements, written here in SQL rather than built as querysets:
    they run for every page of results, and building and compiling each through the ORM
    cost about a millisecond, as much as the database's work for most searches."""

    environment: str
    words: list[str]
    # The ID columns and their beginnings asked for.
    ids: list[tuple[str, str]]
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

    def _ids(self, row: str) -> list[Sql]:
        return [_begins(f"{row}.{column}", beginning) for column, beginning in self.ids]

    def _filters(self, row: str, registration: str) -> list[Sql]:
        """The type and registration asked for, of `row`: applications and terms carry both."""
        parts = []
        if self.application_type:
            parts.append((f"{row}.application_type = %s", [self.application_type]))
        if registration != "both":
            parts.append((f"{row}.was_dynamically_registered = %s", [registration == "dynamic"]))
        return parts

    def applications(self, registration: str, *, walk: bool = False) -> Sql:
        """The condition on an application `a` that it matches. `walk`: each condition checked
        row by row, so that the database walks the list's order and stops after the page,
        rather than finding the rows by an ID's index."""
        parts = [("a.environment = %s", [self.environment])]
        parts += [_has(word, "a.row_id") for word in self.words]
        if self.ids and walk:
            ids, values = _all(("i.row_id = a.row_id", []), *self._ids("i"))
            parts.append((_exists(f"{APPLICATIONS} AS i", ids), values))
        else:
            parts += self._ids("a")
        if self.organization_id:
            parts.append(("a.organization_id = %s", [self.organization_id]))
        return _all(*parts, *self._filters("a", registration))

    def _first_terms(self, word: str) -> list[Sql]:
        """The condition on a term `t` that it is the first of its application's terms that
        begin with `word` (see `IndexedTerm`): one row per application."""
        begins, values = _begins("t.term", word)
        previous, previous_values = _begins("t.previous", word)
        return [
            ("t.environment = %s", [self.environment]),
            (begins, values),
            (f"NOT ({previous})", previous_values),
        ]

    def _rare(self, word: str) -> dict[int, bool] | None:
        """The applications of the type asked for with a term that begins with `word`, when
        there are at most RARE (True: dynamically registered); else None."""
        where, values = _all(*self._first_terms(word), *self._filters("t", "both"))
        count, authenticated, dynamic = _fetchone(
            f"SELECT COUNT(*), {_aggregated_keys('application', 'NOT dynamic')},"
            f" {_aggregated_keys('application', 'dynamic')}"
            " FROM (SELECT t.application_id AS application,"
            " t.was_dynamically_registered AS dynamic"
            f" FROM {TERMS} AS t WHERE {where} LIMIT %s) AS found",
            [*values, RARE + 1],
        )
        if count > RARE:
            return None
        found = dict.fromkeys(_key_set(authenticated), False)
        found.update(dict.fromkeys(_key_set(dynamic), True))
        return found

    @cached_property
    def candidates(self) -> dict[int, bool] | None:
        """With several words, every matching application (True: dynamically registered)
        when a word is rare: the rare words' keys read and intersected, the others checked
        for those applications alone. None with one word (counting and reading the page
        through the index costs less) or when no word is rare."""
        if len(self.words) < 2:
            return None
        rare, common = [], []
        for word in self.words:
            found = self._rare(word)
            if found is None:
                common.append(word)
            else:
                rare.append(found)
        if not rare:
            return None
        # An application's terms all carry its registration.
        rarest, *others = sorted(rare, key=len)
        found = {key: dynamic for key, dynamic in rarest.items() if all(key in o for o in others)}
        if found and (common or self.ids or self.organization_id):
            # The rest is checked for these applications alone.
            parts = [_one_of("a.row_id", list(found))]
            parts += [_has(word, "a.row_id") for word in common] + self._ids("a")
            if self.organization_id:
                parts.append(("a.organization_id = %s", [self.organization_id]))
            where, values = _all(*parts)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT a.row_id FROM {APPLICATIONS} AS a WHERE {where}", values)
                kept = {key for (key,) in cursor.fetchall()}
            found = {key: dynamic for key, dynamic in found.items() if key in kept}
        return found

    def matches(self, registration: str) -> Matches:
        """Where the matching applications of `registration` are read: through the longest
        word's terms, the others checked for each (what counting reads when no word is rare),
        or the applications themselves without words."""
        if not self.words:
            where, values = self.applications(registration)
            return Matches(
                "a.row_id",
                "a.was_dynamically_registered",
                f"FROM {APPLICATIONS} AS a WHERE {where}",
                values,
            )
        first, *others = sorted(self.words, key=len, reverse=True)
        parts = self._first_terms(first) + [_has(word, "t.application_id") for word in others]
        if self.ids or self.organization_id:
            conditions = [("i.row_id = t.application_id", []), *self._ids("i")]
            if self.organization_id:
                conditions.append(("i.organization_id = %s", [self.organization_id]))
            where, values = _all(*conditions)
            parts.append((_exists(f"{APPLICATIONS} AS i", where), values))
        where, values = _all(*parts, *self._filters("t", registration))
        return Matches(
            "t.application_id",
            "t.was_dynamically_registered",
            f"FROM {TERMS} AS t WHERE {where}",
            values,
        )

    def _candidates(self, registration: str) -> list[int]:
        wanted = {"both": (False, True), "authenticated": (False,), "dynamic": (True,)}
        return [key for key, dynamic in self.candidates.items() if dynamic in wanted[registration]]

    def keys(self, registration: str) -> Sql:
        """A statement of the row keys of the matching applications of `registration`, one
        row each, in the column `application`."""
        if self.candidates is not None:
            where, values = _one_of("c.row_id", self._candidates(registration))
            return f"SELECT c.row_id AS application FROM {APPLICATIONS} AS c WHERE {where}", values
        return self.matches(registration).keys()

    def count(self, registration: str, limit: int) -> int:
        """How many applications of `registration` match, counted up to `limit`."""
        if self.candidates is not None:
            return min(len(self._candidates(registration)), limit)
        matches = self.matches(registration)
        (count,) = _fetchone(
            f"SELECT COUNT(*) FROM (SELECT 1 AS one {matches.source} LIMIT %s) AS found",
            [*matches.values, limit],
        )
        return count

    def counts(self, registration: str) -> tuple[int, int]:
        """How many applications of `registration` match, up to COUNT_LIMIT + 1, and how
        many dynamically registered ones: exactly, or at least HIDDEN_LIMIT + 1 when more
        match. A search that matches few (up to RARE) is counted in one reading that tells
        both; beyond, each count stops at what the page shows of it (the first reading may
        already tell that more than HIDDEN_LIMIT are dynamically registered)."""
        dynamic = None
        if self.candidates is None:
            limit = RARE + 1
            matches = self.matches("both")
            every, dynamic = _fetchone(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE dynamic) FROM"
                f" (SELECT {matches.dynamic} AS dynamic {matches.source} LIMIT %s) AS found",
                [*matches.values, limit],
            )
            if every < limit:
                total = {"both": every, "dynamic": dynamic}.get(registration, every - dynamic)
                return total, dynamic
            if dynamic <= HIDDEN_LIMIT:
                dynamic = None
        if dynamic is None:
            dynamic = self.count("dynamic", HIDDEN_LIMIT + 1)
        return self.count(registration, COUNT_LIMIT + 1), dynamic

    def page(
        self, registration: str, sort: str, start: int, size: int, *, how: Reading
    ) -> list[IndexedApplication]:
        """The matching applications of `registration` from the `start`th in `sort`'s order,
        `size` of them, read `how` (`search` chooses): "read" every match and sort them;
        "walk" the order and check each row's terms until the page is full; "walk keys"
        (SQLite): the same, each row checked against the matches' keys, gathered first."""
        if how == "walk" or not self.words:
            where, values = self.applications(registration, walk=how == "walk")
            source = f"{APPLICATIONS} AS a"
        elif how == "walk keys":
            keys, key_values = self.keys(registration)
            # The unary plus keeps SQLite from finding the rows by their keys: it walks the
            # order's index (environment, order, type, registration), checking each entry
            # against the keys before it reads the row.
            where, values = _all(
                ("a.environment = %s", [self.environment]),
                *self._filters("a", registration),
                (f"+a.row_id IN ({keys})", key_values),
            )
            source = f"{APPLICATIONS} AS a"
        else:
            # Joined rather than IN, which PostgreSQL may plan as the matches read again for
            # each application; the keys are one row per application (see `IndexedTerm`).
            keys, values = self.keys(registration)
            source = f"({keys}) AS found JOIN {APPLICATIONS} AS a ON a.row_id = found.application"
            where = "TRUE"
        return list(
            IndexedApplication.objects.raw(
                f"SELECT a.* FROM {source} WHERE {where}"
                f" ORDER BY {ORDERS[sort]} LIMIT %s OFFSET %s",
                [*values, size, start],
            )
        )

    def first(self, count: int) -> list[str]:
        """The IDs of `count` of the matching applications, whichever the index gives first."""
        keys, values = self.keys("both")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT a.application_id FROM ({keys} LIMIT %s) AS found"
                f" JOIN {APPLICATIONS} AS a ON a.row_id = found.application",
                [*values, count],
            )
            return [application_id for (application_id,) in cursor.fetchall()]


def count(
    environment: str, *, registration: str = "both", known: "Totals | None" = None, **filters
) -> int:
    """How many indexed applications match, read from the indexes alone: up to
    COUNT_LIMIT + 1 (more than COUNT_LIMIT), exactly when the totals tell (`known`, when
    they were read already)."""
    query = Query.of(environment, **filters)
    if query.type_only:
        return (known if known is not None else totals(environment)).of(
            application_type=query.application_type, registration=registration
        )
    return query.count(registration, COUNT_LIMIT + 1)


def first_matches(environment: str, q: str, count: int) -> list[str]:
    """The IDs of up to `count` of the applications that every word of `q` finds, whichever
    the index gives first: enough to know whether one is the match."""
    return Query.of(environment, q).first(count)


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


# The application types the API has. Another (a newer API's) is found by a seek each, and
# only when the ranges of the index between these hold an application.
TYPES = ("m2m", "oauth")
_COUNT = f"(SELECT COUNT(*) FROM {APPLICATIONS} WHERE environment = %s AND "


def _counts(environment: str) -> tuple[list[str], list]:
    """Scalar subqueries counting the applications of each of TYPES, one registration at a
    time (True: dynamically registered), then those of any other type: each a range of the
    index on (environment, type, registration), counted from the index alone, which costs
    about half what grouping every row of the environment does."""
    parts, values = [], []
    for kind in TYPES:
        for dynamic in (False, True):
            parts.append(_COUNT + "application_type = %s AND was_dynamically_registered = %s)")
            values += [environment, kind, dynamic]
    others = []
    # Below the first type, between two, above the last.
    for low, high in pairwise((None, *TYPES, None)):
        limits = [("application_type > %s", low), ("application_type < %s", high)]
        others.append(_COUNT + " AND ".join(sql for sql, bound in limits if bound) + ")")
        values += [environment, *(bound for _, bound in limits if bound)]
    parts.append(" + ".join(others))
    return parts, values


def _totals(environment: str, counts: tuple) -> Totals:
    """The totals from `_counts`' values, the types beyond TYPES counted on the way."""
    ranges = [(kind, dynamic) for kind in TYPES for dynamic in (False, True)]
    tally = {key: count for key, count in zip(ranges, counts, strict=False) if count}
    if counts[len(ranges)]:
        tally |= _other_types(environment)
    return Totals(tally=tally)


def _other_types(environment: str) -> dict[tuple[str, bool], int]:
    """The counts of the types beyond TYPES, which only a newer API has."""
    rows = IndexedApplication.objects.filter(environment=environment)
    kinds, kind = [], ""
    while kind := (
        rows.filter(application_type__gt=kind)
        .order_by("application_type")
        .values_list("application_type", flat=True)
        .first()
    ):
        if kind not in TYPES:
            kinds.append(kind)
    counted = (
        rows.filter(application_type__in=kinds)
        .values_list("application_type", "was_dynamically_registered")
        .annotate(count=Count("row_id"))
        .order_by()
    )
    return {(kind, dynamic): count for kind, dynamic, count in counted}


def totals(environment: str) -> Totals:
    """The environment's applications by type and registration, in one statement."""
    parts, values = _counts(environment)
    return _totals(environment, _fetchone("SELECT " + ", ".join(parts), values))


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


# What reading a page costs, in microseconds (SQLite, bench/search.py's index of 100,000):
# reading a match's row, to sort the matches; checking a row's terms as a walk of the list's
# order passes it; gathering a match's key; passing a row of the order's index.
ROW_READ, ROW_CHECKED, KEY_GATHERED, ENTRY_PASSED = 1.9, 1.9, 0.45, 0.3


def _reading(query: Query, total: int, more: bool, reached: int, environment_size: int) -> str:
    """How `Query.page` reads the page that ends at the `reached`th match: the cheapest
    way. A walk of the list's order passes about environment_size / total rows for each
    match it reaches. Past the count's limit the matches are too many to read or gather."""
    if more:
        return "walk"
    passed = reached * environment_size / max(total, 1)
    costs = {"read": total * ROW_READ, "walk": passed * ROW_CHECKED}
    if query.words and _sqlite():
        costs["walk keys"] = total * KEY_GATHERED + passed * ENTRY_PASSED
    return min(costs, key=costs.get)


def search(
    environment: str,
    *,
    sort: str = "name",
    page: int = 1,
    per_page: int = 25,
    registration: str = "both",
    known: Totals | None = None,
    **filters,
) -> Results:
    """A page of the matching applications in `sort`'s order, and how many match (up to
    COUNT_LIMIT).

    The counts come first, from the indexes alone. Then the page is read the cheapest of
    three ways: when matches are common, by walking the list's order and checking each row
    until the page is full (a few rows per match); when they are fewer, by walking it and
    checking each row against the matches' keys, gathered first; when they are rare, by
    reading every match and sorting them (one row per match). `known`: the environment's
    totals, when they were read already."""
    query = Query.of(environment, **filters)
    environment_totals = known if known is not None else totals(environment)
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
    shown = query.page(
        registration,
        sort,
        start,
        per_page,
        how=_reading(query, total, more, start + per_page, environment_totals.all),
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
    return _freshness(state)


def overview(environment: str) -> tuple[Totals, Freshness]:
    """The totals and the freshness of the environment's index, which the list shows above
    its rows, in one statement: the sync's row (a row of nulls when there is none yet) and
    the counts beside it."""
    parts, values = _counts(environment)
    columns = [field.column for field in Sync._meta.concrete_fields if not field.primary_key]
    counts = [f"{part} AS count_{number}" for number, part in enumerate(parts)]
    state = next(
        iter(
            Sync.objects.raw(
                f"SELECT %s AS environment, {', '.join(f'y.{c}' for c in columns)},"
                f" {', '.join(counts)} FROM (SELECT 1) AS one"
                f" LEFT JOIN {Sync._meta.db_table} AS y ON y.environment = %s",
                [environment, *values, environment],
            )
        )
    )
    found = tuple(getattr(state, f"count_{number}") for number in range(len(parts)))
    if state.seen is None:
        # No sync yet: the model's defaults, as `freshness` has them.
        state = Sync(environment=environment)
    return _totals(environment, found), _freshness(state)


def _freshness(state: Sync) -> Freshness:
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


# Enough to choose from when a name is several applications or organizations.
NAMED_LIMIT = 20


def applications_named_in(environments: list[str], name: str) -> list[IndexedApplication]:
    """The applications called `name` (case and accents ignored) in these environments."""
    return list(
        IndexedApplication.objects.filter(
            environment__in=environments, folded_name=fold(name.strip())[:255]
        ).order_by("environment", "application_id")[:NAMED_LIMIT]
    )


def organizations_named_in(environments: list[str], name: str) -> list[IndexedOrganization]:
    """The organizations called `name` (in any case) in these environments."""
    return list(
        IndexedOrganization.objects.filter(
            environment__in=environments, name__iexact=name.strip()
        ).order_by("environment", "organization_id")[:NAMED_LIMIT]
    )


def applications_of(organization_ids: list[str]) -> list[str]:
    """The IDs of the applications that belong to these organizations, as last indexed."""
    return list(
        IndexedApplication.objects.filter(organization_id__in=organization_ids).values_list(
            "application_id", flat=True
        )
    )
