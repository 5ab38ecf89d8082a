"""The hand-over sheet: what an application's developer needs to integrate it with the
environment's authorization server, as the Integrate page shows it and as files (JSON, .env).

Pure: built from an application, the issuer and the environment. No client secret ever
enters it: the files carry a placeholder where the secret goes, and the examples read it
from the environment.
"""

import base64
import hashlib
import json
import re
import secrets
import shlex
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from dashboard.connect.oauth import Endpoints
from dashboard.kernel.fields import kind_label

SECRET_PLACEHOLDER = "REPLACE_WITH_THE_CLIENT_SECRET"

ENVIRONMENTS = {
    ("sandbox", True): "Embedded API, sandbox (local development)",
    ("production", True): "Embedded API, production (local development)",
    ("sandbox", False): "WorkOS sandbox",
    ("production", False): "WorkOS production",
}

# How clients authenticate at the token endpoint: the embedded server takes the secret in
# the body or by HTTP Basic; WorkOS documents the body.
EMBEDDED_AUTH_METHODS = ("client_secret_post", "client_secret_basic")
WORKOS_AUTH_METHODS = ("client_secret_post",)
# An OAuth client without a secret (a public client) proves itself with PKCE instead.
PUBLIC_AUTH_METHOD = "none"

ENDPOINT_LABELS = {
    "authorization": "Authorization endpoint",
    "token": "Token endpoint",
    "userinfo": "Userinfo endpoint",
    "jwks": "JWKS",
}

GRANT_TYPES = {
    "oauth": ("authorization_code", "refresh_token"),
    "m2m": ("client_credentials",),
}
# The authorization server issues refresh tokens only to requests with this scope.
OFFLINE_ACCESS = "offline_access"

# Where the hand-over's authorization URL and code exchange name the values an application
# makes anew for every sign-in: the sheet's own are for one test, now, on the page.
STATE_PLACEHOLDER = "STATE"
NONCE_PLACEHOLDER = "NONCE"
CHALLENGE_PLACEHOLDER = "CODE_CHALLENGE"
VERIFIER_PLACEHOLDER = "CODE_VERIFIER"

_PLAIN_ENV_VALUE = re.compile(r"^[A-Za-z0-9_./:@%+=,-]*$")


@dataclass(frozen=True)
class AuthorizationServer:
    """The environment's authorization server, as the sheet names it."""

    endpoints: Endpoints
    # "sandbox" or "production": which rules apply.
    environment: str
    embedded: bool

    @property
    def issuer(self) -> str:
        return self.endpoints.issuer

    @property
    def environment_label(self) -> str:
        return ENVIRONMENTS[self.environment, self.embedded]


@dataclass(frozen=True)
class Pkce:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""

    verifier: str
    method = "S256"

    @classmethod
    def fresh(cls) -> "Pkce":
        # 64 characters of the URL-safe alphabet: within RFC 7636's 43 to 128.
        return cls(secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class AuthorizationRequest:
    """A ready authorization request with its own `state`, `nonce` and PKCE verifier: where
    to send the user, and what to keep for the code exchange."""

    url: str
    redirect_uri: str
    scope: str
    state: str
    nonce: str
    pkce: Pkce

    @classmethod
    def fresh(
        cls,
        endpoints: Endpoints,
        *,
        client_id: str,
        redirect_uri: str,
        scope: str,
        prompt: str = "",
    ) -> "AuthorizationRequest":
        state, nonce, pkce = secrets.token_urlsafe(16), secrets.token_urlsafe(16), Pkce.fresh()
        url = authorization_url(
            endpoints,
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            state=state,
            nonce=nonce,
            code_challenge=pkce.challenge,
            prompt=prompt,
        )
        return cls(url, redirect_uri, scope, state, nonce, pkce)


def authorization_url(
    endpoints: Endpoints,
    *,
    client_id: str,
    redirect_uri: str,
    scope: str,
    state: str,
    nonce: str,
    code_challenge: str,
    prompt: str = "",
) -> str:
    """An authorization request with a PKCE S256 challenge; `prompt=login` asks for a fresh
    sign-in even when the user is signed in already."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": code_challenge,
        "code_challenge_method": Pkce.method,
    }
    if prompt:
        query["prompt"] = prompt
    return f"{endpoints.authorize}?{urlencode(query, quote_via=quote)}"


@dataclass(frozen=True)
class Snippet:
    """One block of code or configuration on the sheet, copied as a whole."""

    key: str
    title: str
    text: str
    # The copy button's accessible name.
    copy_label: str


def _env_value(value: str) -> str:
    """A value a shell's `source` and dotenv readers both take literally."""
    if _PLAIN_ENV_VALUE.match(value):
        return value
    if "'" not in value:
        return f"'{value}'"
    escaped = re.sub(r'([\\"$`])', r"\\\1", value)
    return f'"{escaped}"'


def _comment(text: str) -> str:
    """Text on one comment line, whatever characters a name holds."""
    return " ".join(text.split())


def _curl(url: str, fields: list[tuple[str, str]]) -> str:
    lines = [f"curl -X POST {shlex.quote(url)}"]
    for name, value in fields:
        if value.startswith("$"):
            # Read from the environment: double quotes, so the shell expands it.
            lines.append(f'--data-urlencode "{name}={value}"')
        else:
            lines.append(f"--data-urlencode {shlex.quote(f'{name}={value}')}")
    return " \\\n  ".join(lines)


@dataclass(frozen=True)
class Sheet:
    """The hand-over sheet of one application in one environment."""

    app: Any
    server: AuthorizationServer
    authorization: AuthorizationRequest | None
    # Whether the application has or had a client secret: then it is a confidential client,
    # which must authenticate with one at the token endpoint.
    confidential: bool = False
    # Redirect URIs that are the dashboard's own test callback, not the application's.
    test_callbacks: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        app: Any,
        server: AuthorizationServer,
        *,
        confidential: bool = False,
        test_callbacks: frozenset[str] = frozenset(),
    ) -> "Sheet":
        """The sheet, with a fresh authorization request for an OAuth application that has a
        default redirect URI."""
        authorization = None
        redirect_uri = getattr(app, "default_redirect_uri", None)
        if app.application_type == "oauth" and redirect_uri:
            authorization = AuthorizationRequest.fresh(
                server.endpoints,
                client_id=app.client_id,
                redirect_uri=redirect_uri,
                scope=cls.scope_of(app),
            )
        return cls(app, server, authorization, confidential, frozenset(test_callbacks))

    @property
    def endpoints(self) -> Endpoints:
        return self.server.endpoints

    @staticmethod
    def scope_of(app: Any) -> str:
        scope = " ".join(app.scopes)
        # An OAuth application with no scopes still signs users in with OpenID Connect.
        return scope or ("openid" if app.application_type == "oauth" else "")

    # --- What the page shows ---------------------------------------------------------------

    @property
    def kind(self) -> str:
        kind = self.app.application_type
        return kind if kind in GRANT_TYPES else "unknown"

    @property
    def kind_label(self) -> str:
        return kind_label(self.app)

    @property
    def environment_label(self) -> str:
        return self.server.environment_label

    @property
    def scope(self) -> str:
        return self.scope_of(self.app)

    @property
    def redirect_uri(self) -> str | None:
        return getattr(self.app, "default_redirect_uri", None)

    @property
    def redirect_uris(self) -> list[Any]:
        """The application's redirect URIs, default first, without the dashboard's test
        callback: what its developer registers in the application."""
        entries = [
            entry
            for entry in getattr(self.app, "redirect_uris", [])
            if entry.uri not in self.test_callbacks
        ]
        return sorted(entries, key=lambda entry: not entry.default)

    @property
    def registered_test_callbacks(self) -> list[str]:
        return [
            entry.uri
            for entry in getattr(self.app, "redirect_uris", [])
            if entry.uri in self.test_callbacks
        ]

    @property
    def refresh_tokens(self) -> bool:
        """Whether the application's sign-ins get refresh tokens: only with offline_access."""
        return self.kind == "oauth" and OFFLINE_ACCESS in self.app.scopes

    @property
    def grant_types(self) -> tuple[str, ...]:
        grants = GRANT_TYPES.get(self.kind, ())
        if self.kind == "oauth" and not self.refresh_tokens:
            grants = tuple(grant for grant in grants if grant != "refresh_token")
        return grants

    @property
    def public(self) -> bool:
        """An OAuth application that never had a secret: it proves itself with PKCE."""
        return self.kind == "oauth" and not self.confidential

    @property
    def auth_methods(self) -> tuple[str, ...]:
        methods = EMBEDDED_AUTH_METHODS if self.server.embedded else WORKOS_AUTH_METHODS
        if self.public:
            methods += (PUBLIC_AUTH_METHOD,)
        return methods

    @property
    def endpoint_urls(self) -> dict[str, str]:
        """The endpoints this kind of application uses, by their key in the JSON sheet."""
        urls = {
            "authorization": self.endpoints.authorize,
            "token": self.endpoints.token,
            "userinfo": self.endpoints.userinfo,
            "jwks": self.endpoints.jwks,
        }
        if self.kind != "oauth":
            del urls["authorization"], urls["userinfo"]
        return urls

    @property
    def endpoint_rows(self) -> list[tuple[str, str]]:
        """(label, URL) of the endpoints this kind of application uses."""
        return [(ENDPOINT_LABELS[key], url) for key, url in self.endpoint_urls.items()]

    # --- Files ------------------------------------------------------------------------------

    def env(self) -> str:
        app = self.app
        lines = [
            f"# {_comment(app.name)}: {_comment(self.kind_label)} application, "
            f"{self.environment_label}.",
            "# The client secret is handed over separately: put it in place of the placeholder.",
            f"CONNECT_ISSUER={_env_value(self.endpoints.issuer)}",
            f"CONNECT_CLIENT_ID={_env_value(app.client_id)}",
            f"CONNECT_CLIENT_SECRET={SECRET_PLACEHOLDER}",
        ]
        if self.redirect_uri:
            lines.append(f"CONNECT_REDIRECT_URI={_env_value(self.redirect_uri)}")
        if self.scope:
            lines.append(f"CONNECT_SCOPES={_env_value(self.scope)}")
        return "\n".join(lines) + "\n"

    def as_json(self) -> dict[str, Any]:
        app = self.app
        application = {
            "name": app.name,
            "id": app.id,
            "client_id": app.client_id,
            "application_type": app.application_type,
            "kind": self.kind_label,
            "organization_id": getattr(app, "organization_id", None),
            "scopes": list(app.scopes),
        }
        if self.kind == "oauth":
            application["redirect_uris"] = [entry.uri for entry in self.redirect_uris]
            application["default_redirect_uri"] = self.redirect_uri
            application["uses_pkce"] = app.uses_pkce
        return {
            "environment": self.server.environment,
            "application": application,
            "client_secret": SECRET_PLACEHOLDER,
            "issuer": self.endpoints.issuer,
            "discovery": {
                "openid_configuration": self.endpoints.openid_configuration,
                "oauth_authorization_server": self.endpoints.oauth_metadata,
            },
            "endpoints": self.endpoint_urls,
            "token_endpoint_auth_methods": list(self.auth_methods),
            "grant_types": list(self.grant_types),
        }

    def json_text(self) -> str:
        return json.dumps(self.as_json(), indent=2) + "\n"

    # --- Code -------------------------------------------------------------------------------

    @property
    def exchange(self) -> Snippet | None:
        """The authorization code exchange that follows the authorization request."""
        if self.authorization is None:
            return None
        return self._exchange(self.authorization.pkce.verifier)

    def _exchange(self, code_verifier: str) -> Snippet:
        text = _curl(
            self.endpoints.token,
            [
                ("grant_type", "authorization_code"),
                ("client_id", self.app.client_id),
                ("client_secret", "$CONNECT_CLIENT_SECRET"),
                ("code", "THE_CODE_FROM_THE_REDIRECT"),
                ("redirect_uri", self.redirect_uri or ""),
                ("code_verifier", code_verifier),
            ],
        )
        return Snippet("code-exchange", "Exchange the code (curl)", text, "Copy the code exchange")

    def snippets(self) -> list[Snippet]:
        """The code blocks of the sheet besides the code exchange, in the page's order."""
        blocks = []
        if self.kind == "m2m":
            blocks.append(
                Snippet(
                    "client-credentials",
                    "Get a token (curl)",
                    self._client_credentials(),
                    "Copy the token request",
                )
            )
        blocks.append(Snippet("env", ".env", self.env().rstrip("\n"), "Copy the .env block"))
        if self.kind in GRANT_TYPES:
            blocks.append(
                Snippet("python", "Python (authlib)", self._python(), "Copy the Python example")
            )
            blocks.append(
                Snippet("node", "Node (openid-client)", self._node(), "Copy the Node example")
            )
        return blocks

    def _client_credentials(self) -> str:
        fields = [
            ("grant_type", "client_credentials"),
            ("client_id", self.app.client_id),
            ("client_secret", "$CONNECT_CLIENT_SECRET"),
        ]
        if self.scope:
            fields.append(("scope", self.scope))
        return _curl(self.endpoints.token, fields)

    def _python(self) -> str:
        if self.kind == "m2m":
            return PYTHON_M2M
        return PYTHON_OAUTH

    def _node(self) -> str:
        insecure = self.endpoints.issuer.startswith("http://")
        if self.kind == "m2m":
            allow = (
                "client.allowInsecureRequests(config); // The embedded API is plain HTTP.\n"
                if insecure
                else ""
            )
            return NODE_M2M.replace("{allow}\n", allow)
        option = (
            ",\n  { execute: [client.allowInsecureRequests] }, // The embedded API is plain HTTP."
            if insecure
            else ","
        )
        return NODE_OAUTH.replace("{options}", option)

    def as_text(self) -> str:
        """The whole sheet as text, for "copy all": what lasts, without the page's one-time
        state, nonce and PKCE verifier, which the application makes anew for each sign-in."""
        rows = [
            ("Application", f"{self.app.name} ({self.kind_label})"),
            ("Environment", self.environment_label),
            ("Issuer", self.endpoints.issuer),
            ("OpenID configuration", self.endpoints.openid_configuration),
            ("OAuth metadata", self.endpoints.oauth_metadata),
            *self.endpoint_rows,
            ("Token endpoint authentication", ", ".join(self.auth_methods)),
        ]
        if self.grant_types:
            rows.append(("Grant types", ", ".join(self.grant_types)))
        rows += [("Client ID", self.app.client_id), ("Client secret", "handed over separately")]
        for entry in self.redirect_uris:
            rows.append(("Redirect URI (default)" if entry.default else "Redirect URI", entry.uri))
        if self.scope:
            rows.append(("Scopes", self.scope))
        parts = ["\n".join(f"{label}: {value}" for label, value in rows)]
        if self.authorization:
            url = authorization_url(
                self.endpoints,
                client_id=self.app.client_id,
                redirect_uri=self.authorization.redirect_uri,
                scope=self.authorization.scope,
                state=STATE_PLACEHOLDER,
                nonce=NONCE_PLACEHOLDER,
                code_challenge=CHALLENGE_PLACEHOLDER,
            )
            parts.append(
                "Authorization URL\n"
                f"{url}\n"
                f"For each sign-in, make a new state, nonce and PKCE code verifier; put them "
                f"and the verifier's S256 challenge in place of {STATE_PLACEHOLDER}, "
                f"{NONCE_PLACEHOLDER} and {CHALLENGE_PLACEHOLDER}."
            )
            exchange = self._exchange(VERIFIER_PLACEHOLDER)
            parts.append(f"{exchange.title}\n{exchange.text}")
        parts.extend(f"{snippet.title}\n{snippet.text}" for snippet in self.snippets())
        return "\n\n".join(parts) + "\n"


PYTHON_M2M = """\
# pip install authlib httpx; with the .env above in the environment.
import os

from authlib.integrations.httpx_client import OAuth2Client

issuer = os.environ["CONNECT_ISSUER"]
client = OAuth2Client(
    os.environ["CONNECT_CLIENT_ID"],
    os.environ["CONNECT_CLIENT_SECRET"],
    token_endpoint_auth_method="client_secret_post",
)
token = client.fetch_token(
    f"{issuer}/oauth2/token",
    grant_type="client_credentials",
    scope=os.getenv("CONNECT_SCOPES"),
)
# Send it as "Authorization: Bearer <access_token>"; it expires after expires_in seconds.
print(token["access_token"], token["expires_in"])"""

PYTHON_OAUTH = """\
# pip install authlib httpx; with the .env above in the environment.
import os

from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client

issuer = os.environ["CONNECT_ISSUER"]
client = OAuth2Client(
    os.environ["CONNECT_CLIENT_ID"],
    os.environ["CONNECT_CLIENT_SECRET"],
    scope=os.environ["CONNECT_SCOPES"],
    redirect_uri=os.environ["CONNECT_REDIRECT_URI"],
    code_challenge_method="S256",
    token_endpoint_auth_method="client_secret_post",
)

# 1. Send the user to `url`; keep `state`, `nonce` and `code_verifier` in their session.
code_verifier, nonce = generate_token(48), generate_token(20)
url, state = client.create_authorization_url(
    f"{issuer}/oauth2/authorize", code_verifier=code_verifier, nonce=nonce
)

# 2. Back on the redirect URI, exchange the code for tokens. Verify the ID token
#    against f"{issuer}/oauth2/jwks" and check that its nonce is `nonce`.
def tokens(callback_url: str) -> dict:
    return client.fetch_token(
        f"{issuer}/oauth2/token",
        authorization_response=callback_url,
        state=state,
        code_verifier=code_verifier,
    )"""

NODE_M2M = """\
// Save as connect.mjs (an ES module: it uses import and top-level await), the .env
// above as .env, then run: npm install openid-client && node --env-file=.env connect.mjs
import * as client from "openid-client";

const env = process.env;
const config = new client.Configuration(
  { issuer: env.CONNECT_ISSUER, token_endpoint: `${env.CONNECT_ISSUER}/oauth2/token` },
  env.CONNECT_CLIENT_ID,
  undefined,
  client.ClientSecretPost(env.CONNECT_CLIENT_SECRET),
);
{allow}
const tokens = await client.clientCredentialsGrant(config, { scope: env.CONNECT_SCOPES });
// Send it as "Authorization: Bearer <access_token>"; it expires after expires_in seconds.
console.log(tokens.access_token, tokens.expires_in);"""

NODE_OAUTH = """\
// Save as connect.mjs (an ES module: it uses import and top-level await), the .env
// above as .env, then run: npm install openid-client && node --env-file=.env connect.mjs
import * as client from "openid-client";

const env = process.env;
const config = await client.discovery(
  new URL(env.CONNECT_ISSUER),
  env.CONNECT_CLIENT_ID,
  undefined,
  client.ClientSecretPost(env.CONNECT_CLIENT_SECRET){options}
);

// 1. Send the user to `url`; keep `state`, `nonce` and `codeVerifier` in their session.
const codeVerifier = client.randomPKCECodeVerifier();
const state = client.randomState();
const nonce = client.randomNonce();
const url = client.buildAuthorizationUrl(config, {
  redirect_uri: env.CONNECT_REDIRECT_URI,
  scope: env.CONNECT_SCOPES,
  code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
  code_challenge_method: "S256",
  state,
  nonce,
});

// 2. Back on the redirect URI: exchange the code; the ID token is verified for you.
async function tokens(callbackUrl) {
  const tokens = await client.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  return { tokens, claims: tokens.claims() };
}"""
