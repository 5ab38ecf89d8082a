"""The signing key: generated on first use, stored, and published without its private half."""

from joserfc.jwk import KeySet, RSAKey

from dashboard.emulator.ids import new_id

from .models import SigningKey

ALGORITHM = "RS256"

# Imported keys by kid: importing a private key checks it, which costs tens of milliseconds,
# far more than signing with it.
_imported: dict[str, RSAKey] = {}


def _newest() -> SigningKey:
    key = SigningKey.objects.first()
    if key is None:
        kid, _ = new_id("key_")
        generated = RSAKey.generate_key(
            2048, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM}
        )
        key = SigningKey.objects.create(kid=kid, private_jwk=generated.as_dict(private=True))
    return key


def _key(stored: SigningKey) -> RSAKey:
    key = _imported.get(stored.kid)
    if key is None:
        key = _imported[stored.kid] = RSAKey.import_key(stored.private_jwk)
    return key


def signing_keys() -> KeySet:
    """The key set that signs tokens: the newest key."""
    return KeySet([_key(_newest())])


def signing_key_id() -> str:
    return _newest().kid


def public_jwks() -> dict:
    """The JSON Web Key Set clients verify tokens with: every stored key's public half, so
    that a token signed by a key that two processes made at once still verifies."""
    _newest()
    return {"keys": [_key(key).as_dict(private=False) for key in SigningKey.objects.all()]}
