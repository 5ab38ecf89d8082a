"""What the embedded authorization server keeps: its signing key."""

from django.db import models


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


class AuthorizationCode(models.Model):
    """A code issued by the authorize endpoint; only its hash is kept, and it is used once."""

    code_sha256 = models.CharField(max_length=64, unique=True)
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
    """A refresh token, kept as its hash; using it revokes it and issues the next one."""

    token_sha256 = models.CharField(max_length=64, unique=True)
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
