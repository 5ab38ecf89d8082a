"""Keeping the index fresh: one application at a time when the dashboard reads or writes
it, and a full sync that walks every page of the API and removes what is gone."""

import contextlib
import contextvars
import json
import logging
import re
import threading
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from functools import partial
from itertools import islice
from time import monotonic, sleep
from typing import Any, Literal
from urllib.parse import urlsplit

from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from dashboard import connect, environments, uris
from dashboard.connect import errors
from dashboard.connect.models import Page, UnreadableRecord

from .models import IndexedApplication, IndexedOrganization, IndexedSecret, IndexedTerm, Sync

PAGE = 100
# Terms and query words are cut to what the index holds; a longer word still matches
# everything that begins with its first 255 characters.
TERM_LENGTH = 255
QUOTES = "()[]{}<>\"'“”‘’«»,;!?"

logger = logging.getLogger("dashboard.search")


def fold(text: str) -> str:
    """`text` without case or accents: "Équipe" and "equipe" match."""
    if text.isascii():
        # Decomposition leaves ASCII as it is.
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(query: str) -> list[str]:
    """The folded words of a query, without the punctuation around them, cut to what the
    index holds."""
    # A NUL is in no term, and no database column takes one.
    found = (word.strip(QUOTES)[:TERM_LENGTH] for word in fold(query).replace("\x00", " ").split())
    return [word for word in found if word]


def name_terms(name: str) -> set[str]:
    """A name's words, split at spaces and at punctuation: "Slack-Bot (iOS)" is found by
    "slack-bot", "slack", "bot" and "ios"."""
    folded = fold(name)
    return set(words(folded)) | {word[:TERM_LENGTH] for word in re.findall(r"\w+", folded)}


def terms_of(row: IndexedApplication) -> set[str]:
    """What an application is found by (see `IndexedTerm`); its IDs are found by their
    own indexed columns (see `selectors`)."""
    terms = name_terms(row.name) | name_terms(row.organization_name)
    terms |= set(map(fold, row.scopes))
    for uri in row.redirect_uris:
        terms.add(fold(uri))
        host = _host(uri)
        if host:
            # A customer's domain finds its hosts ("acme.com", login.acme.com), and the
            # domain with its hyphens left out too ("northwindhealth").
            for domain in uris.domains_of(host):
                terms.update({domain, domain.replace("-", "")})
    return {term[:TERM_LENGTH] for term in terms if term}


TERM_FIELDS = [
    "application", "environment", "term", "previous", "application_type",
    "was_dynamically_registered",
]  # fmt: skip


def write_terms(rows: Iterable[tuple[int, IndexedApplication]]) -> None:
    """Insert the terms of these indexed applications (each with its key), each term with
    the one before it in code point order (see `IndexedTerm`). One statement without a model
    per term: a sync writes about fifteen terms per application, and building models for
    them cost more than reading the API's pages."""
    values = [
        (key, row.environment, term, previous, row.application_type, row.was_dynamically_registered)
        for key, row in rows
        for terms in [sorted(terms_of(row))]
        for previous, term in zip(["", *terms[:-1]], terms, strict=True)
    ]
    if not values:
        return
    quote, meta = connection.ops.quote_name, IndexedTerm._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in TERM_FIELDS)
    placeholders = ", ".join(["%s"] * len(TERM_FIELDS))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})", values
        )


def _host(uri: str) -> str:
    try:
        return (urlsplit(uri).hostname or "").casefold()
    except ValueError:
        return ""


# What a row says of its application: compared to skip rows that would not change.
COMPARED = [
    "client_id", "name", "folded_name", "application_type", "is_first_party",
    "was_dynamically_registered", "uses_pkce", "organization_id", "organization_name",
    "redirect_uris", "scopes", "created_at",
]  # fmt: skip
FIELDS = [*COMPARED, "indexed_at"]


def _compared(app: Any, organization_name: str) -> tuple:
    """What the row of `app` says of it, in COMPARED's order: with its organization's name
    as the organizations' index has it."""
    return (
        app.client_id,
        app.name,
        fold(app.name)[:255],
        app.application_type,
        getattr(app, "is_first_party", None),
        bool(getattr(app, "was_dynamically_registered", False)),
        getattr(app, "uses_pkce", None),
        getattr(app, "organization_id", None) or "",
        organization_name[:255],
        [entry.uri for entry in getattr(app, "redirect_uris", None) or []],
        list(app.scopes),
        app.created_at,
    )


def _row(app: Any, environment: str, at: datetime, organization_name: str) -> IndexedApplication:
    values = dict(zip(COMPARED, _compared(app, organization_name), strict=True))
    return IndexedApplication(
        environment=environment, application_id=app.id, indexed_at=at, **values
    )


def _from_database(name: str, value: Any) -> Any:
    """A COMPARED column's value as a statement of this module's gives it (JSON as text,
    dates as text on SQLite), as the model's field would read it."""
    if isinstance(value, str) and name in ("redirect_uris", "scopes"):
        return json.loads(value)
    if name == "created_at" and isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and timezone.is_naive(value):
        return timezone.make_aware(value, UTC)
    return value


# The COMPARED columns that _from_database changes; the others read as they are.
_CONVERTED = frozenset({"redirect_uris", "scopes", "created_at"})


def _held(environment: str, application_ids: list[str]) -> dict[str, tuple[str, tuple]]:
    """What the index holds of these applications: by ID, the name their organization has in
    the organizations' index now, and their COMPARED values. One statement in SQL: a page's
    check of its rows, which building and compiling as a queryset cost as much as running."""
    meta = IndexedApplication._meta
    columns = ", ".join(f"a.{meta.get_field(name).column}" for name in COMPARED)
    statement = (
        f"SELECT a.application_id, COALESCE(o.name, ''), {columns}"
        f" FROM {meta.db_table} a LEFT JOIN {IndexedOrganization._meta.db_table} o"
        " ON o.environment = a.environment AND o.organization_id = a.organization_id"
        f" WHERE a.environment = %s"
        f" AND a.application_id IN ({', '.join(['%s'] * len(application_ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [environment, *application_ids])
        return {
            application_id: (
                organization_now,
                tuple(
                    _from_database(name, value) if name in _CONVERTED else value
                    for name, value in zip(COMPARED, values, strict=True)
                ),
            )
            for application_id, organization_now, *values in cursor.fetchall()
        }


def record(apps: Iterable[Any], *, touch: bool = False) -> None:
    """Write these applications of the current environment into the index, as read now.

    Rows that already say the same are left alone, so that a page that reads applications
    costs one query here (its rows as stored, each with its organization's indexed name),
    not a write; `touch` (the full sync) marks them seen anyway."""
    by_id = {app.id: app for app in apps}
    if not by_id:
        return
    environment, at = environments.current().name, timezone.now()
    unchanged = {
        application_id
        for application_id, (organization_now, values) in _held(environment, list(by_id)).items()
        if values == _compared(by_id[application_id], organization_now)
    }
    if touch and unchanged:
        IndexedApplication.objects.filter(
            environment=environment, application_id__in=unchanged
        ).update(indexed_at=at)
    changed = [app for application_id, app in by_id.items() if application_id not in unchanged]
    if not changed:
        return
    organization_ids = {getattr(app, "organization_id", None) for app in changed} - {None, ""}
    names = organization_ids and dict(
        IndexedOrganization.objects.filter(
            environment=environment, organization_id__in=organization_ids
        ).values_list("organization_id", "name")
    )
    rows = [
        _row(app, environment, at, (names or {}).get(getattr(app, "organization_id", None), ""))
        for app in changed
    ]
    with transaction.atomic():
        IndexedApplication.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["environment", "application_id"],
            update_fields=FIELDS,
        )
        # bulk_create does not give back the keys of updated rows on every database.
        keys = dict(
            IndexedApplication.objects.filter(
                environment=environment, application_id__in=[row.application_id for row in rows]
            ).values_list("application_id", "row_id")
        )
        IndexedTerm.objects.filter(application_id__in=keys.values()).delete()
        write_terms((keys[row.application_id], row) for row in rows)


def record_quietly(apps: Iterable[Any]) -> None:
    """`record`, for pages that read applications: an index that cannot be written just now
    (a busy database) must not fail the page; the next read or sync catches up."""
    try:
        record(apps)
    except DatabaseError:
        logger.warning("The search index could not be updated just now.", exc_info=True)


def record_secrets(application_id: str, secrets: Iterable[Any]) -> None:
    """The dates of an application's client secrets, as just read (never the secrets)."""
    environment, at = environments.current().name, timezone.now()
    with transaction.atomic():
        row = IndexedApplication.objects.filter(
            environment=environment, application_id=application_id
        ).first()
        if row is None:
            return
        IndexedSecret.objects.filter(application=row).delete()
        IndexedSecret.objects.bulk_create(
            IndexedSecret(
                application=row,
                secret_id=secret.id,
                secret_hint=secret.secret_hint[:20],
                created_at=secret.created_at,
                last_used_at=secret.last_used_at,
            )
            for secret in secrets
        )
        IndexedApplication.objects.filter(row_id=row.row_id).update(secrets_checked_at=at)


def record_secrets_quietly(application_id: str, secrets: Iterable[Any]) -> None:
    try:
        record_secrets(application_id, secrets)
    except DatabaseError:
        logger.warning("The search index could not be updated just now.", exc_info=True)


def forget(application_id: str) -> None:
    """Remove a deleted application of the current environment from the index (the next
    sync does, if the database is busy just now)."""
    try:
        IndexedApplication.objects.filter(
            environment=environments.current().name, application_id=application_id
        ).delete()
    except DatabaseError:
        logger.warning("The search index could not be updated just now.", exc_info=True)


def record_organization(org: Any) -> None:
    """An organization just created or renamed through the dashboard, and the organization's
    name on its indexed applications, at once (the next sync does, if the database is busy)."""
    environment, name = environments.current().name, org.name[:255]
    try:
        with transaction.atomic():
            IndexedOrganization.objects.update_or_create(
                environment=environment,
                organization_id=org.id,
                defaults={"name": name, "indexed_at": timezone.now()},
            )
            renamed = list(
                IndexedApplication.objects.filter(
                    environment=environment, organization_id=org.id
                ).exclude(organization_name=name)
            )
            for row in renamed:
                row.organization_name = name
            IndexedApplication.objects.bulk_update(renamed, ["organization_name"])
            IndexedTerm.objects.filter(application_id__in=[row.row_id for row in renamed]).delete()
            write_terms((row.row_id, row) for row in renamed)
    except DatabaseError:
        logger.warning("The search index could not be updated just now.", exc_info=True)


def forget_organization(organization_id: str) -> None:
    """Remove a deleted organization of the current environment from the index."""
    try:
        IndexedOrganization.objects.filter(
            environment=environments.current().name, organization_id=organization_id
        ).delete()
    except DatabaseError:
        logger.warning("The search index could not be updated just now.", exc_info=True)


# --- The full sync ------------------------------------------------------------------------------

REGISTRATION_TYPES = ["authenticated", "dynamic"]
# Client secrets are read with one request per application. From a remote API this many are
# asked for at once, and at most SECRET_READS_PER_MINUTE: WorkOS allows 6,000 requests a
# minute per API key, and the rest is left to the dashboard's pages (of every instance
# sharing the key), however near the API answers. Four readers keep that pace with answers
# of up to 60 ms.
SECRET_READERS = 4
SECRET_READS_PER_MINUTE = 4_000
# The credential check writes how far it got (and so its heartbeat) at most this often, in
# seconds, rather than once per application.
PROGRESS_INTERVAL = 1.0


class _Pace:
    """Calls spaced evenly, at most `per_minute` a minute, across threads: each call to
    `wait` returns at its turn."""

    def __init__(self, per_minute: int):
        self.interval = 60 / per_minute
        self.lock = threading.Lock()
        self.next = 0.0

    def wait(self) -> None:
        with self.lock:
            now = monotonic()
            turn = max(now, self.next)
            self.next = turn + self.interval
        if turn > now:
            sleep(turn - now)


class _Walk:
    """One listing read page after page from one end. Given a pool, a walk asks for its next
    page as soon as the caller follows on from one, in the pool's thread and the caller's
    environment; without a pool, the caller's thread reads each page when it takes it."""

    def __init__(self, fetch: Callable[[str | None], Page], pool: ThreadPoolExecutor | None):
        self.fetch, self.pool = fetch, pool
        self.ended = False
        self.next: Future[Page] | None = None
        self._ask(None)

    def _ask(self, after: str | None) -> None:
        self.after = after
        if self.pool:
            self.next = self.pool.submit(contextvars.copy_context().run, self.fetch, after)

    def take(self) -> Page:
        page = self.next.result() if self.next else self.fetch(self.after)
        self.next = None
        return page

    def follow(self, page: Page) -> None:
        """Go on from `page`, the last one taken, unless it was the last."""
        # A page without rows ends the walk whatever it says: a cursor that does not move
        # would walk for ever.
        if page.has_more and page.rows:
            self._ask(page.after)
        else:
            self.ended = True

    def stop(self) -> None:
        if self.next:
            self.next.cancel()
        self.ended = True


def _organization_page(after: str | None) -> Page:
    return connect.organization_list(limit=PAGE, order="asc", after=after)


def _application_pages_from(order: Literal["asc", "desc"]) -> Callable[[str | None], Page]:
    # In either order `after` continues the listing: newer IDs ascending, older descending.
    def fetch(after: str | None) -> Page:
        return connect.application_list(
            limit=PAGE, order=order, after=after, registration_types=REGISTRATION_TYPES
        )

    return fetch


def _closing(fetch: Callable[[str | None], Page]) -> Callable[[str | None], Page]:
    """`fetch`, closing the database connections it opened in its thread when it is done:
    the embedded API reads the database, and a pool's thread would keep them open."""

    def run(after: str | None) -> Page:
        try:
            return fetch(after)
        finally:
            connections.close_all()

    return run


def sync(on_page: Callable[[int], None] | None = None) -> int:
    """Walk every organization, then every application of the current environment into the
    index, and remove the rows of those the walk did not see. Answers how many applications
    it saw. The Sync row says how far it got as it goes.

    The organizations and the first pages of applications, from the oldest and from the
    newest at once, are read together, and every walk asks for its next page while this
    thread writes: the sync costs about the latency of half the pages. The embedded API
    answers from this database: inside a transaction (a test's) its threads could not see
    what the transaction holds, so there one page follows the other in this thread."""
    environment = environments.current().name
    started = timezone.now()
    Sync.objects.get_or_create(environment=environment)
    expected = IndexedApplication.objects.filter(environment=environment).count()
    _progress(environment, phase="organizations", seen=0, expected=expected)
    embedded = environments.current().embedded
    threads = not (embedded and connection.in_atomic_block)

    def read(fetch: Callable[[str | None], Page]) -> Callable[[str | None], Page]:
        # In a pool's thread the embedded API opens database connections of its own.
        return _closing(fetch) if embedded and threads else fetch

    with ThreadPoolExecutor(max_workers=3) if threads else contextlib.nullcontext() as pool:
        organizations = _Walk(read(_organization_page), pool)
        walks = [_Walk(read(_application_pages_from("asc")), pool)]
        if threads:
            walks.append(_Walk(read(_application_pages_from("desc")), pool))
        # Before any application: a row takes its organization's name from the index.
        _sync_organizations(environment, started, organizations)
        _progress(environment, phase="applications")
        seen = 0
        for readable, unreadable in _applications(walks):
            record(readable, touch=True)
            # A record that cannot be read is still there: its row stays as it was.
            IndexedApplication.objects.filter(
                environment=environment, application_id__in=[row.id for row in unreadable if row.id]
            ).update(indexed_at=timezone.now())
            seen += len(readable) + len(unreadable)
            _progress(environment, seen=seen)
            if on_page:
                on_page(seen)
        IndexedApplication.objects.filter(environment=environment, indexed_at__lt=started).delete()
    return seen


def _applications(walks: list[_Walk]) -> Iterator[tuple[list[Any], list[UnreadableRecord]]]:
    """The applications of each page of `walks` as it arrives, but those an earlier page
    gave: (readable, unreadable).

    One walk reads to the end. Two, from either end, stop as soon as a page of one holds an
    application the other gave: between them they have then read every application there
    was when they started. Should the applications where they meet be deleted meanwhile,
    neither page holds one the other gave; the walks pass each other and one reads to its
    end, which is every application too."""
    given: set[str] = set()
    while not any(walk.ended for walk in walks):
        walk = _first_arrived(walks)
        page = walk.take()
        readable, unreadable, met = [], [], False
        for row in page.rows:
            if row.id is not None and row.id in given:
                met = True
            # A row whose ID could not be read past the meeting point is one the other
            # walk gave.
            elif not (met and row.id is None):
                (unreadable if isinstance(row, UnreadableRecord) else readable).append(row)
        given.update(row.id for row in [*readable, *unreadable] if row.id)
        if not met:
            walk.follow(page)
        if met or walk.ended:
            for other in walks:
                other.stop()
        yield readable, unreadable


def _first_arrived(walks: list[_Walk]) -> _Walk:
    """The walk whose page arrived first; the first walk when none is read in a pool."""
    asked = [walk.next for walk in walks if walk.next]
    if asked:
        wait(asked, return_when=FIRST_COMPLETED)
    return next((walk for walk in walks if walk.next and walk.next.done()), walks[0])


def analyze() -> None:
    """Fresh statistics of the index's tables, so that the database plans searches by how
    many rows a term or an ID matches (a full sync may have changed most of them)."""
    with connection.cursor() as cursor:
        for model in (IndexedApplication, IndexedTerm):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _progress(environment: str, **values: Any) -> None:
    Sync.objects.filter(environment=environment).update(heartbeat_at=timezone.now(), **values)


def _sync_organizations(environment: str, started: datetime, walk: _Walk) -> None:
    while not walk.ended:
        page = walk.take()
        walk.follow(page)
        at = timezone.now()
        IndexedOrganization.objects.bulk_create(
            [
                IndexedOrganization(
                    environment=environment,
                    organization_id=org.id,
                    name=org.name[:255],
                    indexed_at=at,
                )
                for org in page.data
            ],
            update_conflicts=True,
            unique_fields=["environment", "organization_id"],
            update_fields=["name", "indexed_at"],
        )
        _progress(environment)
    IndexedOrganization.objects.filter(environment=environment, indexed_at__lt=started).delete()


def check_credentials(on_application: Callable[[int, int], None] | None = None) -> int:
    """Read the client secrets of every indexed application of the current environment (one
    request each: the API lists secrets per application). Answers how many it read."""
    environment = environments.current().name
    application_ids = list(
        IndexedApplication.objects.filter(environment=environment)
        .order_by("secrets_checked_at", "row_id")
        .values_list("application_id", flat=True)
    )
    total = len(application_ids)
    _progress(environment, phase="credentials", seen=0, expected=total)
    written = monotonic()
    # Closed at once should this fail, so that the reads asked for meanwhile are cancelled.
    with contextlib.closing(_secret_reads(application_ids)) as reads:
        for done, (application_id, read) in enumerate(reads, start=1):
            try:
                secrets = read()
            except errors.NotFoundError:
                forget(application_id)
            except errors.UnreadableRecordError:
                pass  # Its row keeps the dates read before.
            else:
                record_secrets(application_id, secrets)
            # The first one too: the status page shows at once that the check has begun.
            if done in (1, total) or monotonic() - written >= PROGRESS_INTERVAL:
                _progress(environment, seen=done)
                written = monotonic()
            if on_application:
                on_application(done, total)
    return total


def _secret_reads(application_ids: list[str]) -> Iterator[tuple[str, Callable[[], list[Any]]]]:
    """Each application's ID, in order, with what answers its client secrets or raises the
    API's error. From a remote API `SECRET_READERS` are asked for at once, in threads and
    the caller's environment, at most SECRET_READS_PER_MINUTE a minute; the embedded API
    answers each in the caller's thread."""

    def reader(application_id: str) -> Callable[[], list[Any]]:
        return partial(connect.client_secret_list, application_id=application_id)

    if environments.current().embedded:
        for application_id in application_ids:
            yield application_id, reader(application_id)
        return
    waiting = iter(application_ids)
    asked: deque[tuple[str, Future]] = deque()
    pace = _Pace(SECRET_READS_PER_MINUTE)

    def paced(application_id: str) -> list[Any]:
        pace.wait()
        return reader(application_id)()

    with ThreadPoolExecutor(max_workers=SECRET_READERS) as pool:

        def ask() -> None:
            for application_id in islice(waiting, 1):
                future = pool.submit(contextvars.copy_context().run, paced, application_id)
                asked.append((application_id, future))

        try:
            # Twice as many as the readers, so that none waits while the caller writes.
            for _ in range(2 * SECRET_READERS):
                ask()
            while asked:
                application_id, future = asked.popleft()
                ask()
                yield application_id, future.result
        finally:
            for _, future in asked:
                future.cancel()
