"""What the embedded authorization server keeps: its signing key, the codes and refresh
tokens it issued, the consents users gave, and the sign-ins it handed to an application's
own Login URI."""

from django.db import models

from dashboard.emulator import partition
from dashboard.emulator.models import Application, Organization, User


class SigningKey(models.Model):
    """The RSA key that signs tokens, made once; its public half is published as a JWK."""

    kid = models.CharField(max_length=64, unique=True)
    # The private key as a JWK. It never leaves the server; the JWKS shows the public part.
    private_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.kid


class Consent(models.Model):
    """A user's approval of an application, for one organization: the `sid` of its tokens."""

    id = models.CharField(primary_key=True, max_length=40)
    user_id = models.CharField(max_length=40)
    client_id = models.CharField(max_length=40)
    organization_id = models.CharField(max_length=40, null=True)
    scope = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user_id", "client_id"])]

    def __str__(self) -> str:
        return self.id


class AuthorizedApplication(models.Model):
    """What a user authorized an application to do, for one organization (or none, for a
    first-party application): User Management's authorized application. Each consent the
    user gives the application for that organization adds its scopes."""

    id = models.CharField(primary_key=True, max_length=64)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="authorizations")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="authorizations"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, related_name="authorizations"
    )
    granted_scopes = models.JSONField(default=list)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = partition.manager(through="application")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["user", "id"], name="authorization_user_id"),
            models.Index(fields=["organization", "id"], name="authorization_org_id"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "application", "organization"],
                name="authorization_per_organization",
            ),
            models.UniqueConstraint(
                fields=["user", "application"],
                condition=models.Q(organization__isnull=True),
                name="authorization_without_organization",
            ),
        ]

    def __str__(self) -> str:
        return self.id


class ExternalAuth(models.Model):
    """A sign-in handed to the application's own Login URI (Standalone Connect): the
    authorization request that waits for it and, once the application completes it, the user
    it named. Only the hash of the completion's state is kept."""

    id = models.CharField(primary_key=True, max_length=40)
    environment = partition.field()
    # Where the browser goes back to: the authorization request, on the server it reached.
    issuer = models.TextField()
    authorize_path = models.TextField()
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True)
    state_sha256 = models.CharField(max_length=64, null=True, unique=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True)

    objects = partition.manager()

    def __str__(self) -> str:
        return self.id


class Grant(models.Model):
    """One authorization a user gave a client: its code and every token issued from it, down
    the chain of refresh-token rotations. When the code or a rotated refresh token comes back,
    someone other than the client may hold it, so the whole grant is revoked (RFC 6749
    section 4.1.2, RFC 9700 section 4.14)."""

    id = models.CharField(primary_key=True, max_length=40)
    client_id = models.CharField(max_length=40)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.id


class AuthorizationCode(models.Model):
    """A code issued by the authorize endpoint; only its hash is kept, and it is used once:
    the row stays, marked used, so that a second exchange revokes what the first one got."""

    code_sha256 = models.CharField(max_length=64, unique=True)
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, null=True, related_name="codes")
    used_at = models.DateTimeField(null=True)
    client_id = models.CharField(max_length=40)
    redirect_uri = models.TextField()
    scope = models.TextField()
    user_id = models.CharField(max_length=40)
    organization_id = models.CharField(max_length=40, null=True)
    consent_id = models.CharField(max_length=40, null=True)
    nonce = models.TextField(null=True)
    code_challenge = models.TextField(null=True)
    code_challenge_method = models.CharField(max_length=10, null=True)
    auth_time = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"code for {self.client_id}"

    # authlib's AuthorizationCodeMixin
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class RefreshToken(models.Model):
    """A refresh token, kept as its hash; using it revokes it and issues the next one, of the
    same grant."""

    token_sha256 = models.CharField(max_length=64, unique=True)
    # Null for a token issued before grants were recorded.
    grant = models.ForeignKey(
        Grant, on_delete=models.CASCADE, null=True, related_name="refresh_tokens"
    )
    client_id = models.CharField(max_length=40)
    user_id = models.CharField(max_length=40)
    organization_id = models.CharField(max_length=40, null=True)
    consent_id = models.CharField(max_length=40, null=True)
    scope = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"refresh token for {self.client_id}"

    # authlib's TokenMixin
    def check_client(self, client) -> bool:
        return self.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return 0

    def is_expired(self) -> bool:
        return False

    def is_revoked(self) -> bool:
        return self.revoked


class AccessToken(models.Model):
    """An access token issued to a user, kept as its hash with its grant: the tokens are JWTs
    that verify by themselves until they expire, so userinfo asks here whether their grant
    was revoked meanwhile. Rows go once their token has expired."""

    token_sha256 = models.CharField(max_length=64, unique=True)
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="access_tokens")
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"access token of {self.grant_id}"


class ClientAuthFailure(models.Model):
    """A failed client authentication at the token endpoint, under the client ID it named
    and under the address it came from: counted, across server processes, to slow down
    someone guessing secrets. Rows go once they are older than the counting window."""

    key = models.CharField(max_length=250)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["key", "at"], name="client_auth_failure_key_at")]

    def __str__(self) -> str:
        return f"{self.key} at {self.at:%Y-%m-%d %H:%M:%S}"
