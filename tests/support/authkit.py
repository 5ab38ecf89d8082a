"""The embedded authorization server's side of a sign-in, as a client application sees it:
PKCE, the token endpoint, the claims of a token, the authorization URL a browser opens."""

import base64
import hashlib
import secrets
from urllib.parse import urlencode

from django.test import Client
from joserfc import jwt
from joserfc.jwk import KeySet

from dashboard.emulator.authkit.keys import public_jwks

REDIRECT = "https://portal.example.com/cb"
CALLBACK = "https://portal.example.com/callback"
PASSWORD = "correct-horse-battery-staple"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token(browser: Client, **form):
    return browser.post("/emulator/oauth2/token", form)


def claims_of(encoded: str) -> dict:
    decoded = jwt.decode(encoded, KeySet.import_key_set(public_jwks()), algorithms=["RS256"])
    return decoded.claims


def authorization_url(issuer: str, app) -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {
        "client_id": app.client_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid profile email documents:read",
        "state": "st-1",
        "nonce": "no-1",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    return f"{issuer}/oauth2/authorize?{urlencode(query)}", verifier
