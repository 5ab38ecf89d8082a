"""Who may act across environments. Roles are per environment: copying an application to
production needs the Editor role in production, and reading the sandbox's copy needs a role
in the sandbox, whatever the page's own environment allows."""

import logging

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from dashboard import environments
from dashboard.kernel.access import access_refused

logger = logging.getLogger("dashboard.access")


def may(user, permission: str, environment: str) -> bool:
    """Whether `user` holds `permission` in `environment`."""
    with environments.override(environment):
        return user.has_perm(permission)


def require(request: HttpRequest, permission: str, environment: str, application_id: str) -> None:
    """A logged and recorded 403 unless the user holds `permission` in `environment`, as
    `requires` answers for the page's own environment."""
    if may(request.user, permission, environment):
        return
    logger.warning(
        "Refused %s %s to %s: needs %s in %s",
        request.method,
        request.path,
        request.user.get_username(),
        permission,
        environment,
    )
    access_refused.send(
        sender=require,
        request=request,
        permission=f"{permission} in {environment}",
        application_id=application_id,
        environment=environment,
    )
    raise PermissionDenied
