"""Keeping the index fresh: one application at a time when the dashboard reads or writes
it, and a full sync that walks every page of the API and removes what is gone."""

import contextvars
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from dashboard import connect, environments
from dashboard.connect import errors
from dashboard.connect.models import Page

from .models import IndexedApplication, IndexedOrganization, IndexedSecret, IndexedTerm, Sync

PAGE = 100
# Terms and query words are cut to what the index holds; a longer word still matches
# everything that begins with its first 255 characters.
TERM_LENGTH = 255
QUOTES = "()[]{}<>\"'“”‘’«»,;!?"

logger = logging.getLogger("dashboard.search")


def fold(text: str) -> str:
    """`text` without case or accents: "Équipe" and "equipe" match."""
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
            terms.add(host)
    return {term[:TERM_LENGTH] for term in terms if term}


def term_rows(key: int, row: IndexedApplication) -> list[IndexedTerm]:
    """The rows of the terms of the indexed application `key`, each with the one before it
    in code point order (see `IndexedTerm`)."""
    terms = sorted(terms_of(row))
    return [
        IndexedTerm(
            application_id=key,
            environment=row.environment,
            term=term,
            previous=previous,
            application_type=row.application_type,
            was_dynamically_registered=row.was_dynamically_registered,
        )
        for previous, term in zip(["", *terms[:-1]], terms, strict=True)
    ]


def _host(uri: str) -> str:
    try:
        return (urlsplit(uri).hostname or "").casefold()
    except ValueError:
        return ""


def _row(app: Any, environment: str, at: datetime, organizations) -> IndexedApplication:
    organization_id = getattr(app, "organization_id", None) or ""
    return IndexedApplication(
        environment=environment,
        application_id=app.id,
        client_id=app.client_id,
        name=app.name,
        folded_name=fold(app.name)[:255],
        application_type=app.application_type,
        is_first_party=getattr(app, "is_first_party", None),
        was_dynamically_registered=bool(getattr(app, "was_dynamically_registered", False)),
        uses_pkce=getattr(app, "uses_pkce", None),
        organization_id=organization_id,
        organization_name=(organizations or {}).get(organization_id, "")[:255],
        redirect_uris=[entry.uri for entry in getattr(app, "redirect_uris", None) or []],
        scopes=list(app.scopes),
        created_at=app.created_at,
        indexed_at=at,
    )


# What a row says of its application: compared to skip rows that would not change.
COMPARED = [
    "client_id", "name", "folded_name", "application_type", "is_first_party",
    "was_dynamically_registered", "uses_pkce", "organization_id", "organization_name",
    "redirect_uris", "scopes", "created_at",
]  # fmt: skip
FIELDS = [*COMPARED, "indexed_at"]


def _values(row: IndexedApplication) -> tuple:
    return tuple(getattr(row, name) for name in COMPARED)


def record(apps: Iterable[Any], *, touch: bool = False) -> None:
    """Write these applications of the current environment into the index, as read now.

    Rows that already say the same are left alone, so that a page that reads applications
    costs a query or two here, not a write; `touch` (the full sync) marks them seen anyway."""
    apps = list(apps)
    environment, at = environments.current().name, timezone.now()
    organization_ids = {getattr(app, "organization_id", None) for app in apps} - {None, ""}
    organizations = organization_ids and dict(
        IndexedOrganization.objects.filter(
            environment=environment, organization_id__in=organization_ids
        ).values_list("organization_id", "name")
    )
    rows = {app.id: _row(app, environment, at, organizations) for app in apps}
    if not rows:
        return
    stored = IndexedApplication.objects.filter(environment=environment, application_id__in=rows)
    unchanged = {
        application_id
        for application_id, *values in stored.values_list("application_id", *COMPARED)
        if tuple(values) == _values(rows[application_id])
    }
    changed = [row for application_id, row in rows.items() if application_id not in unchanged]
    if touch and unchanged:
        stored.filter(application_id__in=unchanged).update(indexed_at=at)
    if not changed:
        return
    with transaction.atomic():
        IndexedApplication.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["environment", "application_id"],
            update_fields=FIELDS,
        )
        # bulk_create does not give back the keys of updated rows on every database.
        keys = dict(
            IndexedApplication.objects.filter(
                environment=environment, application_id__in=[row.application_id for row in changed]
            ).values_list("application_id", "row_id")
        )
        IndexedTerm.objects.filter(application_id__in=keys.values()).delete()
        IndexedTerm.objects.bulk_create(
            term for row in changed for term in term_rows(keys[row.application_id], row)
        )


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
            IndexedTerm.objects.bulk_create(
                term for row in renamed for term in term_rows(row.row_id, row)
            )
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


def sync(on_page: Callable[[int], None] | None = None) -> int:
    """Walk every organization, then every application of the current environment into the
    index, and remove the rows of those the walk did not see. Answers how many applications
    it saw. The Sync row says how far it got as it goes."""
    environment = environments.current().name
    started = timezone.now()
    state, _ = Sync.objects.get_or_create(environment=environment)
    expected = IndexedApplication.objects.filter(environment=environment).count()
    _progress(environment, phase="organizations", seen=0, expected=expected)
    _sync_organizations(environment, started)
    _progress(environment, phase="applications")
    seen = 0
    for page in _application_pages():
        record(page.data, touch=True)
        # A record that cannot be read is still there: its row stays as it was.
        unreadable = [row.id for row in page.unreadable if row.id]
        IndexedApplication.objects.filter(
            environment=environment, application_id__in=unreadable
        ).update(indexed_at=timezone.now())
        seen += len(page.rows)
        _progress(environment, seen=seen)
        if on_page:
            on_page(seen)
    IndexedApplication.objects.filter(environment=environment, indexed_at__lt=started).delete()
    return seen


def _application_pages() -> Iterator[Page]:
    """Every page of the current environment's applications, oldest first. From a remote
    API the next page is asked for while the caller writes this one, so that the sync
    costs about the pages' latency; the embedded API answers in this process, from the
    same database, so there one page follows the other."""

    def fetch(after: str | None) -> Page:
        return connect.application_list(
            limit=PAGE, order="asc", after=after, registration_types=["authenticated", "dynamic"]
        )

    if environments.current().embedded:
        page = fetch(None)
        yield page
        while page.has_more:
            page = fetch(page.after)
            yield page
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(contextvars.copy_context().run, fetch, None)
        while True:
            page = future.result()
            if page.has_more:
                future = pool.submit(contextvars.copy_context().run, fetch, page.after)
            yield page
            if not page.has_more:
                return


def analyze() -> None:
    """Fresh statistics of the index's tables, so that the database plans searches by how
    many rows a term or an ID matches (a full sync may have changed most of them)."""
    with connection.cursor() as cursor:
        for model in (IndexedApplication, IndexedTerm):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _progress(environment: str, **values: Any) -> None:
    Sync.objects.filter(environment=environment).update(heartbeat_at=timezone.now(), **values)


def _sync_organizations(environment: str, started: datetime) -> None:
    after = None
    while True:
        page = connect.organization_list(limit=PAGE, order="asc", after=after)
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
        if not page.has_more:
            break
        after = page.after
    IndexedOrganization.objects.filter(environment=environment, indexed_at__lt=started).delete()


def check_credentials(on_application: Callable[[int, int], None] | None = None) -> int:
    """Read the client secrets of every indexed application of the current environment (one
    request each: the API lists secrets per application). Answers how many it read."""
    environment = environments.current().name
    rows = list(
        IndexedApplication.objects.filter(environment=environment)
        .order_by("secrets_checked_at", "row_id")
        .values_list("application_id", flat=True)
    )
    _progress(environment, phase="credentials", seen=0, expected=len(rows))
    for done, application_id in enumerate(rows, start=1):
        try:
            secrets = connect.client_secret_list(application_id=application_id)
        except errors.NotFoundError:
            forget(application_id)
            continue
        except errors.UnreadableRecordError:
            continue
        record_secrets(application_id, secrets)
        _progress(environment, seen=done)
        if on_application:
            on_application(done, len(rows))
    return len(rows)
