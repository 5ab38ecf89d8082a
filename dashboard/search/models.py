"""The dashboard's own index of every environment's applications: what search, totals and
credential health need, never a secret. The Connect API has no search and no totals; this
index does. It is a copy: a full sync rebuilds it from the API at any time."""

from django.db import models


class IndexedOrganization(models.Model):
    environment = models.CharField(max_length=20)
    organization_id = models.CharField(max_length=200)
    name = models.CharField(max_length=255)
    indexed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "organization_id"], name="one_row_per_organization"
            )
        ]

    def __str__(self) -> str:
        return f"{self.environment}/{self.organization_id} {self.name}"


class IndexedApplication(models.Model):
    row_id = models.BigAutoField(primary_key=True)
    environment = models.CharField(max_length=20)
    application_id = models.CharField(max_length=200)
    client_id = models.CharField(max_length=200)
    name = models.CharField(max_length=255)
    # Case and accents removed: sorting by name as people read it.
    folded_name = models.CharField(max_length=255)
    application_type = models.CharField(max_length=10)
    is_first_party = models.BooleanField(null=True)
    was_dynamically_registered = models.BooleanField(default=False)
    uses_pkce = models.BooleanField(null=True)
    organization_id = models.CharField(max_length=200, blank=True)
    # As the organizations' index had it when the row was written.
    organization_name = models.CharField(max_length=255, blank=True)
    redirect_uris = models.JSONField(default=list)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField()
    # When this row was last written from the API: a full sync removes rows it did not see.
    indexed_at = models.DateTimeField()
    # When its client secrets were last read (their rows are below); never, until then.
    secrets_checked_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "application_id"], name="one_row_per_application"
            )
        ]
        indexes = [
            models.Index(fields=["environment", "folded_name"], name="index_env_name"),
            models.Index(fields=["environment", "created_at"], name="index_env_created"),
            models.Index(fields=["environment", "application_type"], name="index_env_type"),
            models.Index(fields=["environment", "client_id"], name="index_env_client"),
        ]

    def __str__(self) -> str:
        return f"{self.environment}/{self.application_id} {self.name}"

    @property
    def id(self) -> str:
        """The application's ID, as on the API's application: the list's rows take either."""
        return self.application_id

    def model_dump(self, mode: str = "json") -> dict:
        """The row as the API's application JSON, for what labels an application."""
        return {
            "id": self.application_id,
            "application_type": self.application_type,
            "is_first_party": self.is_first_party,
            "was_dynamically_registered": self.was_dynamically_registered,
        }


class IndexedTerm(models.Model):
    """One word an application is found by: a word of its name or its organization's name,
    its IDs, a redirect URI, a redirect URI's host, a scope. Folded; a query word matches
    the terms it begins."""

    application = models.ForeignKey(
        IndexedApplication, on_delete=models.CASCADE, related_name="terms"
    )
    environment = models.CharField(max_length=20)
    term = models.CharField(max_length=255)

    class Meta:
        indexes = [
            # Pattern operators: PostgreSQL can then find the terms that begin with a word
            # through the index whatever the database's collation (other databases ignore them).
            models.Index(
                fields=["environment", "term"],
                name="index_env_term",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return self.term


class IndexedSecret(models.Model):
    """A client secret's dates, for credential health; never the secret."""

    application = models.ForeignKey(
        IndexedApplication, on_delete=models.CASCADE, related_name="secrets"
    )
    secret_id = models.CharField(max_length=200)
    secret_hint = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.secret_id


class Sync(models.Model):
    """An environment's full syncs: the one asked for, the one running or last run, and
    when the index was last complete."""

    environment = models.CharField(primary_key=True, max_length=20)
    # The last time someone (or the schedule) asked for a sync: a sync that starts after
    # that answers it, so asking twice runs one.
    requested_at = models.DateTimeField(null=True)
    started_at = models.DateTimeField(null=True)
    # Written as the sync goes: a sync whose heartbeat stopped (its worker was killed) no
    # longer holds the environment.
    heartbeat_at = models.DateTimeField(null=True)
    ended_at = models.DateTimeField(null=True)
    # The last sync that went to the end: how fresh the index is.
    completed_at = models.DateTimeField(null=True)
    error = models.TextField(blank=True)
    phase = models.CharField(max_length=20, blank=True)
    # Records read by the sync running or last run, and about how many there are.
    seen = models.PositiveIntegerField(default=0)
    expected = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.environment}: {self.seen} seen"
