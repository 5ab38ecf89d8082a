"""The dashboard's own actions on applications: call the service layer, record the
audit event, success or not, and answer the outcome. API errors are recorded, then
raised for the view to show.
"""

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


def application_create(
    *,
    actor: Actor,
    application: OAuthApplicationCreate | M2MApplicationCreate,
    idempotency_key: str | None,
) -> Any:
    try:
        created = connect.application_create(
            application=application, idempotency_key=idempotency_key
        )
    except errors.ApiError as error:
        record(actor, Action.CREATE, application_name=application.name, error=error)
        raise
    record(actor, Action.CREATE, app=created)
    return created


def application_update(*, actor: Actor, app: Any, changes: ApplicationUpdate) -> Any:
    try:
        updated = connect.application_update(application_id=app.id, changes=changes)
    except errors.ApiError as error:
        record(actor, Action.UPDATE, app=app, error=error)
        raise
    record(
        actor,
        Action.UPDATE,
        app=updated,
        changes=differences(editable_values(app), editable_values(updated)),
    )
    return updated


def application_delete(*, actor: Actor, app: Any) -> None:
    """Delete `app`; one that is already gone counts as deleted."""
    try:
        connect.application_delete(application_id=app.id)
    except errors.NotFoundError:
        pass
    except errors.ApiError as error:
        record(actor, Action.DELETE, app=app, error=error)
        raise
    record(actor, Action.DELETE, app=app, snapshot=snapshot(app))


def _secret_detail(secret: ClientSecret) -> str:
    return f"Secret {secret.id} ending in {secret.secret_hint}"


def client_secret_create(*, actor: Actor, app: Any, idempotency_key: str | None) -> NewClientSecret:
    try:
        created = connect.client_secret_create(
            application_id=app.id, idempotency_key=idempotency_key
        )
    except errors.ApiError as error:
        record(actor, Action.SECRET_CREATED, app=app, error=error)
        raise
    # The hint only: the plaintext is never recorded.
    record(actor, Action.SECRET_CREATED, app=app, detail=_secret_detail(created))
    return created


def client_secret_revoke(*, actor: Actor, app: Any, secret: ClientSecret) -> None:
    try:
        connect.client_secret_revoke(secret_id=secret.id)
    except errors.ApiError as error:
        record(actor, Action.SECRET_REVOKED, app=app, error=error, detail=_secret_detail(secret))
        raise
    record(actor, Action.SECRET_REVOKED, app=app, detail=_secret_detail(secret))
