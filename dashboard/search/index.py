"""Keeping the index fresh: one application at a time when the dashboard reads or writes
it, and a full sync that walks every page of the API and removes what is gone."""

import logging
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from dashboard import connect, environments

from .models import IndexedApplication, Sync

PAGE = 100

logger = logging.getLogger("dashboard.search")


def fold(text: str) -> str:
    """`text` without case or accents: "Équipe" and "equipe" match."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _row(app: Any, environment: str, at) -> IndexedApplication:
    return IndexedApplication(
        environment=environment,
        application_id=app.id,
        client_id=app.client_id,
        name=app.name,
        folded_name=fold(app.name)[:255],
        application_type=app.application_type,
        is_first_party=getattr(app, "is_first_party", None),
        dynamically_registered=bool(getattr(app, "was_dynamically_registered", False)),
        organization_id=getattr(app, "organization_id", None) or "",
        redirect_uris=[entry.uri for entry in getattr(app, "redirect_uris", None) or []],
        scopes=list(app.scopes),
        created_at=app.created_at,
        indexed_at=at,
    )


# What a row says of its application: compared to skip rows that would not change.
COMPARED = [
    "client_id", "name", "folded_name", "application_type", "is_first_party",
    "dynamically_registered", "organization_id", "redirect_uris", "scopes", "created_at",
]  # fmt: skip
FIELDS = [*COMPARED, "indexed_at"]


def record(apps: Iterable[Any], *, touch: bool = False) -> None:
    """Write these applications of the current environment into the index, as read now.

    Rows that already say the same are left alone, so that a page that reads applications
    costs one query here, not a write; `touch` (the full sync) marks them seen anyway."""
    environment, at = environments.current().name, timezone.now()
    rows = {app.id: _row(app, environment, at) for app in apps}
    if not touch and rows:
        stored = IndexedApplication.objects.filter(
            environment=environment, application_id__in=rows
        ).values_list("application_id", *COMPARED)
        for application_id, *values in stored:
            if tuple(values) == _values(rows[application_id]):
                del rows[application_id]
    if rows:
        IndexedApplication.objects.bulk_create(
            rows.values(),
            update_conflicts=True,
            unique_fields=["environment", "application_id"],
            update_fields=FIELDS,
        )


def _values(row: IndexedApplication) -> tuple:
    return tuple(getattr(row, name) for name in COMPARED)


def record_quietly(apps: Iterable[Any]) -> None:
    """`record`, for pages that read applications: an index that cannot be written just now
    (a busy database) must not fail the page; the next read or sync catches up."""
    try:
        record(apps)
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


def sync(on_page: Callable[[int], None] | None = None) -> int:
    """Walk every page of the current environment's applications into the index, then
    remove the rows of applications the walk did not see. Answers how many it saw."""
    environment = environments.current().name
    started = timezone.now()
    Sync.objects.update_or_create(
        environment=environment,
        defaults={"started_at": started, "finished_at": None, "seen": 0},
    )
    seen, after = 0, None
    while True:
        page = connect.application_list(
            limit=PAGE, order="asc", after=after, registration_types=["authenticated", "dynamic"]
        )
        record(page.data, touch=True)
        # A record that cannot be read is still there: its row stays as it was.
        unreadable = [row.id for row in page.unreadable if row.id]
        IndexedApplication.objects.filter(
            environment=environment, application_id__in=unreadable
        ).update(indexed_at=timezone.now())
        seen += len(page.rows)
        Sync.objects.filter(environment=environment).update(seen=seen)
        if on_page:
            on_page(seen)
        if not page.has_more:
            break
        after = page.after
    with transaction.atomic():
        IndexedApplication.objects.filter(environment=environment, indexed_at__lt=started).delete()
        Sync.objects.filter(environment=environment).update(finished_at=timezone.now())
    return seen
