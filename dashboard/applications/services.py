"""The dashboard's own actions on applications: call the service layer, record the
audit event, success or not, and answer the outcome. API errors are recorded, then
raised for the view to show.
"""

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from dashboard import connect
from dashboard.audit.models import AuditEvent
from dashboard.audit.record import Actor, record
from dashboard.connect import errors
from dashboard.connect.models import (
    ApplicationUpdate,
    ClientSecret,
    M2MApplicationCreate,
    NewClientSecret,
    OAuthApplicationCreate,
)

from .fields import differences, editable_values, snapshot

Action = AuditEvent.Action


@contextmanager
def _recorded(actor: Actor, action: str, **event: Any) -> Iterator[dict[str, Any]]:
    """Record `action` once the block ends: as done, or as refused or failed with the
    API's error. The block may add to the event (the application it made, the changes)."""
    try:
        yield event
    except errors.ApiError as error:
        if "detail" in event:
            event["detail"] = f"{event['detail']}: {error.message}"
        record(actor, action, error=error, **event)
        raise
    record(actor, action, **event)


def application_create(
    *,
    actor: Actor,
    application: OAuthApplicationCreate | M2MApplicationCreate,
    idempotency_key: str | None,
) -> Any:
    with _recorded(actor, Action.CREATE, application_name=application.name) as event:
        event["app"] = connect.application_create(
            application=application, idempotency_key=idempotency_key
        )
    return event["app"]


def application_update(*, actor: Actor, app: Any, changes: ApplicationUpdate) -> Any:
    with _recorded(actor, Action.UPDATE, app=app) as event:
        updated = connect.application_update(application_id=app.id, changes=changes)
        event["app"] = updated
        event["changes"] = differences(editable_values(app), editable_values(updated))
    return updated


def application_delete(*, actor: Actor, app: Any) -> None:
    """Delete `app`; one that is already gone counts as deleted."""
    with _recorded(actor, Action.DELETE, app=app) as event:
        with suppress(errors.NotFoundError):  # Already gone: the outcome asked for.
            connect.application_delete(application_id=app.id)
        event["snapshot"] = snapshot(app)


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
