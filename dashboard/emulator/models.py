"""Storage of the embedded Connect API.

Primary keys are the public IDs (prefix + ULID), so the primary-key index is also
the creation-order index that list pages walk.
"""

from functools import cache
from typing import Any

from django.db import models

from dashboard import rules

from . import partition

# Idempotency-Key headers longer than this are refused.
MAX_IDEMPOTENCY_KEY = 255
# RFC 5321: a forward path of at most 256 characters, two of them the angle brackets.
MAX_EMAIL = 254
# The contract sets no limit; Stripe's customer IDs ("cus_…") are far shorter.
MAX_STRIPE_CUSTOMER_ID = 255


class Organization(models.Model):
    id = models.CharField(primary_key=True, max_length=rules.MAX_ID)
    environment = partition.field()
    name = models.CharField(max_length=rules.MAX_NAME)
    external_id = models.CharField(max_length=rules.MAX_EXTERNAL_ID, null=True)
    stripe_customer_id = models.CharField(max_length=MAX_STRIPE_CUSTOMER_ID, null=True)
    metadata = models.JSONField(default=dict)
    allow_profiles_outside_organization = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = partition.manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["environment", "id"], name="organization_env_id")]
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "external_id"], name="organization_external_id"
            ),
            models.UniqueConstraint(
                fields=["environment", "stripe_customer_id"],
                name="organization_stripe_customer_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class OrganizationDomain(models.Model):
    id = models.CharField(primary_key=True, max_length=rules.MAX_ID)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=rules.MAX_DOMAIN)
    state = models.CharField(max_length=20)
    verification_strategy = models.CharField(max_length=10, default="manual")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = partition.manager(through="organization")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["domain"])]

    def __str__(self) -> str:
        return self.domain


class Permission(models.Model):
    id = models.CharField(primary_key=True, max_length=rules.MAX_ID)
    environment = partition.field()
    slug = models.CharField(max_length=rules.MAX_PERMISSION_SLUG)
    name = models.CharField(max_length=rules.MAX_PERMISSION_NAME)
    description = models.TextField(null=True)
    system = models.BooleanField(default=False)
    resource_type_slug = models.CharField(max_length=rules.MAX_RESOURCE_TYPE_SLUG)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = partition.manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["environment", "id"], name="permission_env_id")]
        constraints = [
            models.UniqueConstraint(fields=["environment", "slug"], name="permission_slug")
        ]

    def __str__(self) -> str:
        return self.slug


class Application(models.Model):
    OAUTH = "oauth"
    M2M = "m2m"
    TYPES = [(OAUTH, "OAuth"), (M2M, "Machine-to-machine")]

    id = models.CharField(primary_key=True, max_length=rules.MAX_ID)
    environment = partition.field()
    client_id = models.CharField(max_length=rules.MAX_ID, unique=True)
    name = models.CharField(max_length=rules.MAX_NAME)
    description = models.TextField(null=True)
    application_type = models.CharField(max_length=10, choices=TYPES)
    # None for M2M apps, which are always third-party and have no such setting.
    is_first_party = models.BooleanField(null=True)
    was_dynamically_registered = models.BooleanField(default=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, related_name="applications"
    )
    uses_pkce = models.BooleanField(null=True)
    # Whether the application has ever had a client secret, revoked since or not: from its
    # first one on it is a confidential client, which authenticates with a secret at the
    # token endpoint; one that never had a secret is a public client.
    had_client_secret = models.BooleanField(default=False)
    scopes = models.JSONField(default=list)
    # [{"uri": str, "default": bool}], in the order the client sent them.
    redirect_uris = models.JSONField(default=list)
    cors_origins = models.JSONField(default=list)
    # The values of the fields of the table (`dashboard.api_fields`) that have no column of
    # their own, by name: a new optional field needs no migration.
    more_fields = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = partition.manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["was_dynamically_registered", "id"], name="app_regtype_id"),
            models.Index(fields=["organization", "id"], name="app_org_id"),
            models.Index(fields=["environment", "id"], name="app_env_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    @classmethod
    def has_column(cls, name: str) -> bool:
        return name in cls._columns()

    @classmethod
    @cache
    def _columns(cls) -> frozenset[str]:
        return frozenset(field.attname for field in cls._meta.concrete_fields)

    def field_value(self, name: str) -> Any:
        """The value of a field of the table, from its column or from `more_fields`."""
        return getattr(self, name) if self.has_column(name) else self.more_fields.get(name)


class ClientSecret(models.Model):
    id = models.CharField(primary_key=True, max_length=rules.MAX_ID)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="client_secrets"
    )
    # SHA-256 of the plaintext; the plaintext itself is returned once and never stored.
    secret_hash = models.CharField(max_length=64, unique=True)
    secret_hint = models.CharField(max_length=8)
    last_used_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = partition.manager(through="application")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.id} (…{self.secret_hint})"


class IdempotencyRecord(models.Model):
    """The first answer to a POST that carried an Idempotency-Key, replayed on a repeat."""

    environment = partition.field()
    key = models.CharField(max_length=MAX_IDEMPOTENCY_KEY)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2048)
    body_sha256 = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    # False when the first answer held a client secret's plaintext, which is never stored:
    # a repeat is refused instead of replayed.
    replayable = models.BooleanField(default=True)
    created_at = models.DateTimeField(db_index=True)

    objects = partition.manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["environment", "key"], name="idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class User(models.Model):
    """An end user of User Management: who signs in at the authorization server."""

    id = models.CharField(primary_key=True, max_length=rules.MAX_ID)
    environment = partition.field()
    # Trimmed and lowercased, as WorkOS stores it: one user per address, whatever its case.
    email = models.CharField(max_length=MAX_EMAIL)
    email_verified = models.BooleanField(default=False)
    first_name = models.CharField(max_length=rules.MAX_NAME, null=True)
    last_name = models.CharField(max_length=rules.MAX_NAME, null=True)
    name = models.CharField(max_length=rules.MAX_NAME, null=True)
    external_id = models.CharField(max_length=rules.MAX_EXTERNAL_ID, null=True)
    metadata = models.JSONField(default=dict)
    # Django's password hash (salted and slow); "" for a user who has no password.
    password_hash = models.CharField(max_length=128, default="")
    last_sign_in_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = partition.manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["environment", "id"], name="user_env_id")]
        constraints = [
            models.UniqueConstraint(fields=["environment", "email"], name="user_email"),
            models.UniqueConstraint(fields=["environment", "external_id"], name="user_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.id})"
