from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One thing someone did, or tried to do, through the dashboard.

    Never holds a client secret's plaintext or an API key.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Application created"
        UPDATE = "update", "Application updated"
        DELETE = "delete", "Application deleted"
        SECRET_CREATED = "secret_created", "Client secret created"
        SECRET_REVOKED = "secret_revoked", "Client secret revoked"
        CREDENTIALS_CHECKED = "credentials_checked", "Client credentials checked"
        SIGN_IN_TRIED = "sign_in_tried", "Sign-in tried"
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
        PERMISSION_REFUSED = "permission_refused", "Permission refused"
        SSO_SIGN_IN = "sso_sign_in", "Signed in with single sign-on"
        SSO_REFUSED = "sso_refused", "Single sign-on refused"
        ROLE_CHANGED = "role_changed", "Role changed by the identity provider"
        ORGANIZATION_CREATED = "organization_created", "Organization created"
        ORGANIZATION_RENAMED = "organization_renamed", "Organization renamed"
        ORGANIZATION_DELETED = "organization_deleted", "Organization deleted"
        CONSENT_REVOKED = "consent_revoked", "Consent revoked"

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Succeeded"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"
        # Recorded before the API call; a process that died during the call leaves it so.
        UNKNOWN = "unknown", "Outcome unknown"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    # Kept as written at the time: users may be renamed or deleted later.
    username = models.CharField(max_length=150, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # The name of the environment the action was in (dashboard.environments); blank for
    # what belongs to none: signing in, a refusal on a page all environments share.
    environment = models.CharField(max_length=20, blank=True, db_index=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    application_id = models.CharField(max_length=200, blank=True, db_index=True)
    client_id = models.CharField(max_length=200, blank=True, db_index=True)
    application_name = models.CharField(max_length=255, blank=True)
    # The organization an organization's event is about (its name at the time), or that a
    # revoked authorization was given for.
    organization_id = models.CharField(max_length=200, blank=True, db_index=True)
    organization_name = models.CharField(max_length=255, blank=True)
    # {"field": {"before": ..., "after": ...}} for an update.
    changes = models.JSONField(default=dict, blank=True)
    # The application's whole configuration, kept at deletion to allow recreating it.
    snapshot = models.JSONField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    detail = models.TextField(blank=True)
    request_id = models.CharField(max_length=100, blank=True)
    # The Idempotency-Key a create was sent with: a create form submitted again is known
    # as the same create, not taken for another application of the same name.
    idempotency_key = models.CharField(max_length=255, blank=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["action", "-at"]), models.Index(fields=["username", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '-'} {self.action} {self.outcome}"

    @classmethod
    def created_with(cls, idempotency_key: str) -> str | None:
        """The ID of the application a create with this Idempotency-Key made, if one did."""
        if not idempotency_key:
            return None
        return (
            cls.objects.filter(
                action=cls.Action.CREATE,
                idempotency_key=idempotency_key,
                outcome=cls.Outcome.SUCCESS,
            )
            .values_list("application_id", flat=True)
            .first()
        )

    @property
    def sign_on(self) -> dict[str, str]:
        """A single sign-on event's issuer and subject (those it knew): `changes` holds
        them, as the CSV export shows."""
        if self.action not in SIGN_ON_ACTIONS or not isinstance(self.changes, dict):
            return {}
        return {
            key: str(self.changes[key]) for key in ("issuer", "subject") if self.changes.get(key)
        }

    @property
    def field_changes(self) -> dict:
        """The before and after of the fields an update changed: none for a single sign-on
        event, whose `changes` hold its issuer, subject and roles instead."""
        if self.action in SIGN_ON_ACTIONS or not isinstance(self.changes, dict):
            return {}
        return self.changes

    @classmethod
    def deleted_configuration(cls, event_id: str) -> dict | None:
        """The configuration of the application that event `event_id` deleted, if any."""
        if not event_id.isdigit():
            return None
        event = cls.objects.filter(
            id=int(event_id), action=cls.Action.DELETE, snapshot__isnull=False
        ).first()
        return event.snapshot if event else None


SIGN_ON_ACTIONS = {
    AuditEvent.Action.SSO_SIGN_IN,
    AuditEvent.Action.SSO_REFUSED,
    AuditEvent.Action.ROLE_CHANGED,
}
