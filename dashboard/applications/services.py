"""The dashboard's own actions on applications: call the service layer, record the
audit event, success or not, and answer the outcome. API errors are recorded, then
raised for the view to show.
"""

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from django.db import transaction

from dashboard import connect
from dashboard.audit.record import Action, Actor, recorded
from dashboard.connect import errors
from dashboard.connect.models import (
    ApplicationUpdate,
    ClientSecret,
    M2MApplicationCreate,
    NewClientSecret,
    OAuthApplicationCreate,
)
from dashboard.kernel.fields import differences, editable_values, snapshot
from dashboard.search import index

from .models import EditLock


class EditConflict(Exception):
    """Someone saved the application after the version an edit started from."""

    def __init__(self, current: Any):
        super().__init__(f"Application {current.id} was saved since.")
        self.current = current


def _conflict_detail(conflict: EditConflict) -> str:
    return (
        "Not saved: someone else saved the application after the version this edit "
        f"started from (saved at {conflict.current.updated_at.isoformat()})."
    )


def _recorded(actor: Actor, action: str, **event: Any):
    """The audit trail's `recorded`, with an edit refused for a conflict recorded as such."""
    return recorded(actor, action, refusals={EditConflict: _conflict_detail}, **event)


@contextmanager
def _locked(application_id: str) -> Iterator[None]:
    """One critical section per application across every process sharing the database: a
    locked row on PostgreSQL, the database's write lock on SQLite (whose transactions begin
    IMMEDIATE). With the real API the lock is held for the length of its calls."""
    with transaction.atomic():
        EditLock.objects.select_for_update().get_or_create(application_id=application_id)
        yield


def application_create(
    *,
    actor: Actor,
    application: OAuthApplicationCreate | M2MApplicationCreate,
    idempotency_key: str | None,
    detail: str = "",
) -> Any:
    """Create `application`; `detail` says more in the audit trail (where it came from)."""
    noted = {"detail": detail} if detail else {}
    noted |= {"idempotency_key": idempotency_key or ""}
    with _recorded(actor, Action.CREATE, application_name=application.name, **noted) as event:
        event["app"] = connect.application_create(
            application=application, idempotency_key=idempotency_key
        )
    index.record_quietly([event["app"]])
    return event["app"]


def application_update(
    *,
    actor: Actor,
    app: Any,
    changes: ApplicationUpdate,
    version: str | None = None,
    detail: str = "",
) -> Any:
    """Write `changes` to `app`. The application is re-read and written in one critical
    section, so that of several saves of one `version` (the `updated_at` an edit started
    from) exactly one goes through and the others raise `EditConflict`, whichever process
    serves them. Changes made outside this dashboard cannot be detected: the API's PUT has
    no condition. `detail` says more in the audit trail."""
    noted = {"detail": detail} if detail else {}
    with _recorded(actor, Action.UPDATE, app=app, **noted) as event:
        with _locked(app.id):
            current = connect.application_get(application_id=app.id)
            if version is not None and current.updated_at.isoformat() != version:
                raise EditConflict(current)
            updated = connect.application_update(application_id=app.id, changes=changes)
        event["app"] = updated
        event["changes"] = differences(editable_values(current), editable_values(updated))
    index.record_quietly([updated])
    return updated


def application_delete(*, actor: Actor, app: Any) -> None:
    """Delete `app`; one that is already gone counts as deleted."""
    with _recorded(actor, Action.DELETE, app=app) as event:
        with suppress(errors.NotFoundError):  # Already gone: the outcome asked for.
            connect.application_delete(application_id=app.id)
        event["snapshot"] = snapshot(app)
    index.forget(app.id)


def _secret_detail(secret: ClientSecret) -> str:
    return f"Secret {secret.id} ending in {secret.secret_hint}"


def client_secret_create(*, actor: Actor, app: Any, idempotency_key: str | None) -> NewClientSecret:
    with _recorded(actor, Action.SECRET_CREATED, app=app) as event:
        created = connect.client_secret_create(
            application_id=app.id, idempotency_key=idempotency_key
        )
        # The hint only: the plaintext is never recorded.
        event["detail"] = _secret_detail(created)
    return created


def client_secret_revoke(*, actor: Actor, app: Any, secret: ClientSecret) -> None:
    with _recorded(actor, Action.SECRET_REVOKED, app=app, detail=_secret_detail(secret)):
        connect.client_secret_revoke(secret_id=secret.id)
