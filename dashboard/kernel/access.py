"""Who may do what: every view names the permission it needs, checked on the server.

Permissions are per environment (dashboard.kernel.backends): a page of an environment needs
the permission there; a page all environments share (the audit trail) needs it in at least
one of them. A refusal is logged and announced with the `access_refused` signal, which the
audit trail records; this module knows nothing of the audit trail itself.
"""

import logging
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse

from dashboard import environments
from dashboard.environments import Environment

logger = logging.getLogger("dashboard.access")

# Sent when a signed-in user asks for something their role does not allow: request,
# permission, application_id, environment (its name; "" on a page all environments share).
access_refused = Signal()


def environments_allowing(user, permission: str) -> list[Environment]:
    """The environments in which `user` holds `permission`."""
    allowed = []
    for environment in environments.all():
        with environments.override(environment.name):
            if user.has_perm(permission):
                allowed.append(environment)
    return allowed


def requires(permission: str, *, anywhere: bool = False) -> Callable:
    """Signed in (else to the sign-in page) and holding `permission` (else a logged 403) in
    the request's environment, or with `anywhere`, in at least one environment (for the
    pages all environments share)."""

    def allowed(user) -> bool:
        if anywhere:
            return bool(environments_allowing(user, permission))
        return user.has_perm(permission)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not allowed(request.user):
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
                    environment="" if anywhere else environments.current().name,
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
