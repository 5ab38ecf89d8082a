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
