"""Writing audit events. Views call `record()`; sign-ins are recorded by signals."""

import logging

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


def record(
    request: HttpRequest,
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
    """Record what `request`'s user did; `error` makes it a refused or failed attempt."""
    if outcome is None:
        if error is None:
            outcome = AuditEvent.Outcome.SUCCESS
        elif error.status is not None and 400 <= error.status < 500:
            outcome = AuditEvent.Outcome.REFUSED
        else:
            outcome = AuditEvent.Outcome.FAILED
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    event = AuditEvent.objects.create(
        user=user if authenticated else None,
        username=username
        if username is not None
        else (user.get_username() if authenticated else ""),
        ip=client_ip(request),
        action=action,
        application_id=getattr(app, "id", "") or application_id,
        application_name=getattr(app, "name", "") or application_name,
        outcome=outcome,
        detail=fields.pop("detail", error.message if error else ""),
        request_id=(error.request_id if error else None) or fields.pop("request_id", "") or "",
        **fields,
    )
    logger.info("audit: %s %s %s %s", event.username or "-", action, event.application_id, outcome)
    return event
