"""Writing audit events: who did what, from where, to which application, and how it ended."""

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from dashboard import environments
from dashboard.addresses import client_address
from dashboard.connect.errors import ApiError

from .models import AuditEvent

# What callers record: the actions and outcomes of the trail.
Action = AuditEvent.Action
Outcome = AuditEvent.Outcome

logger = logging.getLogger("dashboard.audit")


def client_ip(request: HttpRequest) -> str | None:
    return client_address(request)


@dataclass(frozen=True)
class Actor:
    """Who acts, as the audit trail records them."""

    user: Any
    username: str
    ip: str | None

    @classmethod
    def of(cls, request: HttpRequest) -> "Actor":
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return cls(None, "", client_ip(request))
        return cls(user, user.get_username(), client_ip(request))


def _outcome(error: ApiError | None) -> str:
    if error is None:
        return AuditEvent.Outcome.SUCCESS
    if error.status is not None and 400 <= error.status < 500:
        return AuditEvent.Outcome.REFUSED
    return AuditEvent.Outcome.FAILED


def _application(app) -> dict[str, str]:
    return {
        "application_id": getattr(app, "id", "") or "",
        "client_id": getattr(app, "client_id", "") or "",
        "application_name": getattr(app, "name", "") or "",
    }


def record(
    actor: Actor,
    action: str,
    *,
    app=None,
    application_id: str = "",
    application_name: str = "",
    error: ApiError | None = None,
    outcome: str | None = None,
    username: str | None = None,
    environment: str | None = None,
    **fields,
) -> AuditEvent:
    """Record what `actor` did; `error` makes it a refused or failed attempt. It was done in
    the current environment unless `environment` names another, or is "" for none."""
    known = {k: v for k, v in _application(app).items() if v}
    event = AuditEvent.objects.create(
        user=actor.user,
        username=username if username is not None else actor.username,
        ip=actor.ip,
        environment=environments.current().name if environment is None else environment,
        action=action,
        application_id=known.get("application_id", application_id),
        client_id=known.get("client_id", ""),
        application_name=known.get("application_name", application_name),
        outcome=outcome or _outcome(error),
        detail=fields.pop("detail", error.message if error else ""),
        request_id=(error.request_id if error else None) or fields.pop("request_id", "") or "",
        **fields,
    )
    _log(event)
    return event


def begin(actor: Actor, action: str, **fields) -> AuditEvent:
    """Record that `actor` is about to ask the API for `action`, before asking: its outcome
    is unknown until `finish`, and stays so if the process dies in between."""
    return record(actor, action, outcome=AuditEvent.Outcome.UNKNOWN, **fields)


def finish(
    event: AuditEvent,
    *,
    app=None,
    error: ApiError | None = None,
    outcome: str | None = None,
    **fields,
) -> AuditEvent:
    """Complete an event `begin` recorded, with how the call ended."""
    for name, value in _application(app).items():
        if value:
            setattr(event, name, value)
    event.outcome = outcome or _outcome(error)
    if error is not None:
        fields.setdefault("detail", error.message)
        fields.setdefault("request_id", error.request_id or "")
    for name, value in fields.items():
        setattr(event, name, value)
    event.save()
    _log(event)
    return event


@contextmanager
def recorded(
    actor: Actor,
    action: str,
    *,
    refusals: Mapping[type[Exception], Callable[[Any], str]] | None = None,
    **event: Any,
) -> Iterator[dict[str, Any]]:
    """Record `action` before the block asks the API for it, with an unknown outcome, and
    complete the event when the block ends: done, or refused or failed with the API's error
    (added to the event's detail). The block may add to the event. `refusals` names the
    dashboard's own refusals the block may raise, each with the detail it records."""
    pending = begin(actor, action, **event)
    refused = tuple(refusals or ())
    try:
        yield event
    except ApiError as error:
        detail = event.pop("detail", "")
        if detail:
            event["detail"] = f"{detail}: {error.message}"
        finish(pending, error=error, **event)
        raise
    except refused as refusal:
        detail = next(say(refusal) for kind, say in refusals.items() if isinstance(refusal, kind))
        finish(pending, outcome=AuditEvent.Outcome.REFUSED, detail=detail)
        raise
    finish(pending, **event)


def _log(event: AuditEvent) -> None:
    logger.info(
        "audit: %s %s %s %s %s",
        event.username or "-",
        event.environment or "-",
        event.action,
        event.application_id,
        event.outcome,
    )
