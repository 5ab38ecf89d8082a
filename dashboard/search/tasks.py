"""Full syncs in the background, with Django's tasks framework: the database backend keeps
the queue, so that every dashboard instance shares it, and `manage.py connect worker` runs
them (and asks for one whenever an environment's index is older than its allowed age).

An environment has one sync at a time: a sync claims its environment's Sync row, and a
request is answered by any sync that starts after it, so asking twice runs one.
"""

import enum
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.tasks import task
from django.utils import timezone

from dashboard import environments
from dashboard.connect import errors

from . import index
from .models import Sync

# A sync writes its heartbeat once a page, and about once a second while it reads client
# secrets; one silent this long was killed.
STALE = timedelta(minutes=2)

logger = logging.getLogger("dashboard.search")


def max_age() -> timedelta:
    return timedelta(seconds=settings.DASHBOARD_INDEX_MAX_AGE)


def _not_running(now: datetime) -> Q:
    return (
        Q(started_at__isnull=True)
        | Q(ended_at__gte=F("started_at"))
        | Q(heartbeat_at__isnull=True)
        | Q(heartbeat_at__lt=now - STALE)
    )


def request_sync(environment: str, *, only_if_due: bool = False) -> bool:
    """Ask the worker for a full sync of `environment`. Answers False when one is already
    asked for and not started yet, or (`only_if_due`) when the index is fresh enough or a
    sync is running."""
    now = timezone.now()
    Sync.objects.get_or_create(environment=environment)
    waiting = Q(requested_at__gte=now - STALE) & (
        Q(started_at__isnull=True) | Q(started_at__lt=F("requested_at"))
    )
    rows = Sync.objects.filter(environment=environment).exclude(waiting)
    if only_if_due:
        rows = rows.filter(
            Q(completed_at__isnull=True) | Q(completed_at__lt=now - max_age())
        ).filter(_not_running(now))
    # The queue is a table of the same database: the request and its task commit together.
    with transaction.atomic():
        if not rows.update(requested_at=now):
            return False
        sync_environment.enqueue(environment, now.isoformat())
    return True


def request_due_syncs() -> list[str]:
    """Ask for a sync of every environment whose index is older than its allowed age."""
    return [
        environment.name
        for environment in environments.all()
        if request_sync(environment.name, only_if_due=True)
    ]


class Claim(enum.Enum):
    STARTED = "started"
    # A sync that started after the request answers it.
    ANSWERED = "answered"
    # A sync that started before the request still runs: the request waits for its end.
    BUSY = "busy"


def claim(environment: str, requested_at: datetime) -> Claim:
    """Start a sync of `environment`, unless one started since `requested_at` (which
    answers the request) or one is running."""
    now = timezone.now()
    Sync.objects.get_or_create(environment=environment)
    rows = Sync.objects.filter(environment=environment)
    with transaction.atomic():
        if rows.filter(started_at__gte=requested_at).exists():
            return Claim.ANSWERED
        started = rows.filter(_not_running(now)).update(
            started_at=now, heartbeat_at=now, ended_at=None, error="", seen=0, phase="starting"
        )
    return Claim.STARTED if started else Claim.BUSY


def run_sync(
    environment: str,
    requested_at: datetime,
    *,
    on_page: Callable[[int], None] | None = None,
    on_application: Callable[[int, int], None] | None = None,
    on_busy: Callable[[], None] | None = None,
) -> int | None:
    """A full sync of `environment`, here and now, unless another answers the request:
    applications and organizations, then every application's client secrets. Answers how
    many applications it saw, or None when it did not run; `on_busy` is called when it did
    not because another sync still runs."""
    claimed = claim(environment, requested_at)
    if claimed is not Claim.STARTED:
        if claimed is Claim.BUSY and on_busy:
            on_busy()
        return None
    rows = Sync.objects.filter(environment=environment)
    try:
        with environments.override(environment):
            seen = index.sync(on_page=on_page)
            rows.update(completed_at=timezone.now())
            index.analyze()
            index.check_credentials(on_application=on_application)
    except (errors.ApiError, LookupError) as error:
        rows.update(ended_at=timezone.now(), error=str(error)[:500], phase="")
        raise
    except BaseException:
        rows.update(ended_at=timezone.now(), error="The sync stopped unexpectedly.", phase="")
        raise
    rows.update(ended_at=timezone.now(), phase="")
    return seen


# How long a request that found a sync running waits before it looks again.
RETRY_AFTER = timedelta(seconds=5)


@task()
def sync_environment(environment: str, requested_at: str) -> int | None:
    def later() -> None:
        # Asked for while another sync ran: that one may have missed what the request was
        # for, so this one runs after it (another worker may be running it).
        sync_environment.using(run_after=timezone.now() + RETRY_AFTER).enqueue(
            environment, requested_at
        )

    return run_sync(environment, datetime.fromisoformat(requested_at), on_busy=later)
