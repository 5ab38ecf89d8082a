from django.conf import settings
from django.db import models
from django.db.models import Q


class Promotion(models.Model):
    """An application copied from one environment to another through the dashboard. Either
    one's page shows the other and how the two have drifted apart since."""

    source_environment = models.CharField(max_length=20)
    source_application_id = models.CharField(max_length=200)
    target_environment = models.CharField(max_length=20)
    target_application_id = models.CharField(max_length=200)
    # The name at the time: shown when one of the two has since been deleted.
    application_name = models.CharField(max_length=255)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promotions",
    )
    # Kept as written at the time, as the audit trail does.
    promoted_by_username = models.CharField(max_length=150, blank=True)
    promoted_at = models.DateTimeField(auto_now_add=True)
    # The values the target refused and what became of them:
    # [{"field": "redirect_uris", "value": "http://localhost/cb", "replacement": None}].
    adjustments = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-promoted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_environment", "target_application_id"],
                name="one_source_per_promoted_application",
            )
        ]
        indexes = [models.Index(fields=["source_environment", "source_application_id"])]

    def __str__(self) -> str:
        return (
            f"{self.source_environment}/{self.source_application_id} -> "
            f"{self.target_environment}/{self.target_application_id}"
        )

    @classmethod
    def of(cls, environment: str, application_id: str) -> models.QuerySet["Promotion"]:
        """The promotions an application is either side of."""
        return cls.objects.filter(
            Q(source_environment=environment, source_application_id=application_id)
            | Q(target_environment=environment, target_application_id=application_id)
        )

    def outgoing(self, environment: str, application_id: str) -> bool:
        """Whether that application is this promotion's source (else its target)."""
        return (self.source_environment, self.source_application_id) == (
            environment,
            application_id,
        )

    def other_side(self, environment: str, application_id: str) -> tuple[str, str]:
        """The environment and application ID at the other end from that application."""
        if self.outgoing(environment, application_id):
            return self.target_environment, self.target_application_id
        return self.source_environment, self.source_application_id

    def counterparts(self, environment: str, application_id: str) -> dict[tuple[str, str], str]:
        """{(field, a value of that application): the value that stands for it at the other
        end}: the refused values the copy replaced, seen from that application's side."""
        pairs = [
            ((adjustment["field"], adjustment["value"]), adjustment["replacement"])
            for adjustment in self.adjustments
            if adjustment.get("replacement")
        ]
        if self.outgoing(environment, application_id):
            return dict(pairs)
        return {(field, replacement): value for (field, value), replacement in pairs}
