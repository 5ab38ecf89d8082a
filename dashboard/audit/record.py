"""Writing audit events: who did what, from where, to which application, and how it ended."""

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from dashboard.connect.errors import ApiError

from .models import AuditEvent

logger = logging.getLogger("dashboard.audit")


def client_ip(request: HttpRequest) -> str | None:
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


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
    **fields,
) -> AuditEvent:
    """Record what `actor` did; `error` makes it a refused or failed attempt."""
    if outcome is None:
        if error is None:
            outcome = AuditEvent.Outcome.SUCCESS
        elif error.status is not None and 400 <= error.status < 500:
            outcome = AuditEvent.Outcome.REFUSED
        else:
            outcome = AuditEvent.Outcome.FAILED
    event = AuditEvent.objects.create(
        user=actor.user,
        username=username if username is not None else actor.username,
        ip=actor.ip,
        action=action,
        application_id=getattr(app, "id", "") or application_id,
        client_id=getattr(app, "client_id", "") or "",
        application_name=getattr(app, "name", "") or application_name,
        outcome=outcome,
        detail=fields.pop("detail", error.message if error else ""),
        request_id=(error.request_id if error else None) or fields.pop("request_id", "") or "",
        **fields,
    )
    logger.info("audit: %s %s %s %s", event.username or "-", action, event.application_id, outcome)
    return event
