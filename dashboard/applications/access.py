"""Who may do what: every view names the permission it needs, checked on the server."""

import logging
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from dashboard.audit.models import AuditEvent
from dashboard.audit.record import record

logger = logging.getLogger("dashboard.access")


def requires(permission: str) -> Callable:
    """Signed in (else to the sign-in page) and holding `permission` (else a logged 403)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.has_perm(permission):
                logger.warning(
                    "Refused %s %s to %s: needs %s",
                    request.method,
                    request.path,
                    request.user.get_username(),
                    permission,
                )
                record(
                    request,
                    AuditEvent.Action.PERMISSION_REFUSED,
                    outcome=AuditEvent.Outcome.REFUSED,
                    application_id=kwargs.get("application_id", ""),
                    detail=f"{request.method} {request.path} needs {permission}",
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
