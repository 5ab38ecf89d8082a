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
            # Pattern operators (as on the indexes below that a search finds IDs by):
            # PostgreSQL then answers the beginning of an ID (LIKE) from the index whatever
            # the database's collation; equality is the same.
            models.UniqueConstraint(
                fields=["environment", "application_id"],
                name="one_row_per_application",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            )
        ]
        indexes = [
            # The list's orders, ties broken by ID as the searches break them: a page of a
            # search that matches many walks one of these and stops after the page, the
            # filters checked from the index before the row is read.
            models.Index(
                fields=[
                    "environment",
                    "folded_name",
                    "application_id",
                    "application_type",
                    "was_dynamically_registered",
                ],
                name="index_env_name",
            ),
            models.Index(
                fields=[
                    "environment",
                    "created_at",
                    "application_id",
                    "application_type",
                    "was_dynamically_registered",
                ],
                name="index_env_created",
            ),
            # Totals and counts read these alone, never the rows.
            models.Index(
                fields=["environment", "application_type", "was_dynamically_registered"],
                name="index_env_type",
            ),
            models.Index(
                fields=[
                    "environment",
                    "client_id",
                    "application_type",
                    "was_dynamically_registered",
                ],
                name="index_env_client",
                opclasses=[
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "bool_ops",
                ],
            ),
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
    a redirect URI, a redirect URI's host, a scope. Folded; a query word matches the terms
    it begins.

    Counting the applications a word matches reads the index below alone: a term row
    carries its application's type and registration, and `previous`, the term before it
    among its application's terms in code point order. The terms that begin with a word
    are consecutive in that order, so exactly one per application, the first, has a
    `previous` that does not begin with the word: counting those counts each application
    once, without DISTINCT over every match."""

    application = models.ForeignKey(
        IndexedApplication,
        on_delete=models.CASCADE,
        related_name="terms",
        # The index below begins with it.
        db_index=False,
    )
    environment = models.CharField(max_length=20)
    term = models.CharField(max_length=255)
    previous = models.CharField(max_length=255, blank=True)
    application_type = models.CharField(max_length=10)
    was_dynamically_registered = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # Pattern operators: PostgreSQL can then find the terms that begin with a word
            # through the index whatever the database's collation (other databases ignore them).
            models.Index(
                fields=[
                    "environment",
                    "term",
                    "previous",
                    "application_type",
                    "was_dynamically_registered",
                    "application",
                ],
                name="index_env_term",
                opclasses=[
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "bool_ops",
                    "int8_ops",
                ],
            ),
            # Whether an application has a term that begins with a word, one application at a
            # time (and the rows a deleted application takes with it).
            models.Index(
                fields=["application", "term"],
                name="index_term_application",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
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
