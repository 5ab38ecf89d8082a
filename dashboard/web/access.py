"""Who may do what: every view names the permission it needs, checked on the server.

A refusal is logged and announced with the `access_refused` signal, which the audit
trail records; this module knows nothing of the audit trail itself.
"""

import logging
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("dashboard.access")

# Sent when a signed-in user asks for something their role does not allow:
# request, permission, application_id.
access_refused = Signal()


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
                access_refused.send(
                    sender=requires,
                    request=request,
                    permission=permission,
                    application_id=kwargs.get("application_id", ""),
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
