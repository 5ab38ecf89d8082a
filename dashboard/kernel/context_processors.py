from django.http import HttpRequest

from dashboard import environments
from dashboard.connect import backend as current_backend
from dashboard.kernel.access import environments_allowing
from dashboard.kernel.reversing import environment_reverse
from dashboard.kernel.roles import VIEW


def backend(request: HttpRequest) -> dict:
    """Which environment the page is in, and the others to switch to, for every header."""
    current = current_backend()
    others = [
        (environment, environment_reverse(environment.name, "applications:list"))
        for environment in environments.all()
    ]
    user = getattr(request, "user", None)
    # The audit trail is shared: open to whoever may view applications in any environment.
    audit = bool(user and user.is_authenticated and environments_allowing(user, VIEW))
    return {
        "backend": current,
        "environments": others if len(others) > 1 else [],
        "may_view_audit": audit,
    }
