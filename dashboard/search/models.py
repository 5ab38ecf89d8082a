"""The dashboard's own index of every environment's applications: what search and totals
need, never a secret. The Connect API has no search and no totals; this index does."""

from django.db import models


class IndexedApplication(models.Model):
    environment = models.CharField(max_length=20)
    application_id = models.CharField(max_length=200)
    client_id = models.CharField(max_length=200)
    name = models.CharField(max_length=255)
    # Case and accents removed, for matching words in any order.
    folded_name = models.CharField(max_length=255)
    application_type = models.CharField(max_length=10)
    is_first_party = models.BooleanField(null=True)
    dynamically_registered = models.BooleanField(default=False)
    organization_id = models.CharField(max_length=200, blank=True)
    redirect_uris = models.JSONField(default=list)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField()
    # When this row was last written from the API: a full sync removes rows it did not see.
    indexed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "application_id"], name="one_row_per_application"
            )
        ]
        indexes = [
            models.Index(fields=["environment", "folded_name"], name="index_env_name"),
            models.Index(fields=["environment", "created_at"], name="index_env_created"),
        ]

    def __str__(self) -> str:
        return f"{self.environment}/{self.application_id} {self.name}"


class Sync(models.Model):
    """The last full sync of an environment: when it ran and how far it got."""

    environment = models.CharField(primary_key=True, max_length=20)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    # Applications seen by the sync running or last run.
    seen = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.environment}: {self.seen} seen"
