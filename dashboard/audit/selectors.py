"""What other features read from the audit trail."""

from dashboard.kernel.statements import Prepared

from .models import AuditEvent

Action = AuditEvent.Action
HISTORY = 10

_APPLICATION_HISTORY = Prepared(
    lambda application_id: AuditEvent.objects.filter(application_id=application_id)[:HISTORY]
)


def application_history(application_id: str) -> list[AuditEvent]:
    """The latest events of an application, newest first: its page's history."""
    return _APPLICATION_HISTORY.objects(application_id)


def organization_history(organization_id: str) -> list[AuditEvent]:
    """The latest events of an organization, newest first: its page's history."""
    return list(AuditEvent.objects.filter(organization_id=organization_id)[:HISTORY])


def created_with(idempotency_key: str) -> str | None:
    """The ID of the application a create with this Idempotency-Key made, if one did."""
    return AuditEvent.created_with(idempotency_key)


def deleted_configuration(event_id: str) -> dict | None:
    """The configuration of the application that event `event_id` deleted, if any."""
    return AuditEvent.deleted_configuration(event_id)


def had_secrets_here(application_id: str) -> bool:
    """Whether a client secret of the application was created or revoked through this
    dashboard."""
    return AuditEvent.objects.filter(
        application_id=application_id, action__in=[Action.SECRET_CREATED, Action.SECRET_REVOKED]
    ).exists()


def secret_revoked_here(application_id: str, ending: str) -> AuditEvent | None:
    """The revocation of a secret of the application with this ending, made through this
    dashboard."""
    return (
        AuditEvent.objects.filter(
            application_id=application_id,
            action=Action.SECRET_REVOKED,
            outcome=AuditEvent.Outcome.SUCCESS,
            # As applications.services words it: "Secret <id> ending in <hint>".
            detail__endswith=f" ending in {ending}",
        )
        .order_by("-at")
        .first()
    )
