from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from dashboard.kernel.access import access_refused

from .models import AuditEvent
from .record import Actor, record

SINGLE_SIGN_ON = "dashboard.kernel.backends.SingleSignOnBackend"
# Signing in is to the dashboard, not to one of its environments.
NO_ENVIRONMENT = ""


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs) -> None:
    if request.session.get(BACKEND_SESSION_KEY) == SINGLE_SIGN_ON:
        return  # Recorded with the provider's issuer and subject (dashboard/signin/signon.py).
    record(Actor.of(request), AuditEvent.Action.SIGN_IN, environment=NO_ENVIRONMENT)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    if request is not None:
        # The user name that was tried, never the password.
        record(
            Actor.of(request),
            AuditEvent.Action.SIGN_IN_FAILED,
            outcome=AuditEvent.Outcome.REFUSED,
            username=credentials.get("username", "")[:150],
            environment=NO_ENVIRONMENT,
        )


@receiver(access_refused)
def _access_refused(sender, request, permission, application_id, environment, **kwargs) -> None:
    record(
        Actor.of(request),
        AuditEvent.Action.PERMISSION_REFUSED,
        outcome=AuditEvent.Outcome.REFUSED,
        application_id=application_id,
        environment=environment,
        detail=f"{request.method} {request.path} needs {permission}",
    )
