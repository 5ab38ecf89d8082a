"""The hand-over sheet: a pure function of an application, the issuer and the environment;
and its examples, which run (Python, curl) or parse (Node) as written."""

import json
import os
import re
import shlex
import shutil
import subprocess
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet

from dashboard import connect
from dashboard.connect.models import (
    M2MApplication,
    OAuthApplication,
    RedirectUri,
    UnknownApplication,
)
from dashboard.connect.oauth import Endpoints
from dashboard.emulator import store
from dashboard.onboarding.sheet import (
    SECRET_PLACEHOLDER,
    AuthorizationServer,
    Pkce,
    Sheet,
)

NOW = datetime(2026, 1, 15, 12, tzinfo=UTC)
WORKOS = AuthorizationServer(Endpoints("https://acme.authkit.app"), "sandbox", embedded=False)


def oauth_app(**changes) -> OAuthApplication:
    fields = {
        "id": "conn_app_01",
        "client_id": "client_01",
        "name": "Customer Portal",
        "application_type": "oauth",
        "is_first_party": True,
        "uses_pkce": True,
        "scopes": ["openid", "email"],
        "redirect_uris": [
            RedirectUri(uri="https://portal.example.com/other", default=False),
            RedirectUri(uri="https://portal.example.com/callback?from=workos&x=1", default=True),
        ],
        "created_at": NOW,
        "updated_at": NOW,
    }
    return OAuthApplication(**(fields | changes))


def m2m_app(**changes) -> M2MApplication:
    fields = {
        "id": "conn_app_02",
        "client_id": "client_02",
        "name": "Billing worker",
        "application_type": "m2m",
        "organization_id": "org_01",
        "scopes": ["billing:read", "billing:manage"],
        "created_at": NOW,
        "updated_at": NOW,
    }
    return M2MApplication(**(fields | changes))


def test_the_pkce_challenge_is_s256_of_the_verifier():
    pkce = Pkce.fresh()

    assert 43 <= len(pkce.verifier) <= 128
    assert pkce.challenge == create_s256_code_challenge(pkce.verifier)
    assert pkce.method == "S256"


def test_the_authorization_url_asks_for_the_default_redirect_uri_and_the_apps_scopes():
    sheet = Sheet.build(oauth_app(), WORKOS)

    request = sheet.authorization
    url = urlsplit(request.url)
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://acme.authkit.app/oauth2/authorize"
    assert query == {
        "response_type": "code",
        "client_id": "client_01",
        "redirect_uri": "https://portal.example.com/callback?from=workos&x=1",
        "scope": "openid email",
        "state": request.state,
        "nonce": request.nonce,
        "code_challenge": create_s256_code_challenge(request.pkce.verifier),
        "code_challenge_method": "S256",
    }
    assert "%20" in request.url and "+" not in request.url


def test_every_sheet_has_a_fresh_state_nonce_and_verifier():
    first, second = (Sheet.build(oauth_app(), WORKOS).authorization for _ in range(2))

    assert first.state != second.state and first.nonce != second.nonce
    assert first.pkce.verifier != second.pkce.verifier


def test_an_oauth_app_without_a_redirect_uri_or_scopes_gets_no_ready_url_and_asks_for_openid():
    sheet = Sheet.build(oauth_app(redirect_uris=[], scopes=[]), WORKOS)

    assert sheet.authorization is None and sheet.exchange is None
    assert sheet.scope == "openid"
    assert "CONNECT_REDIRECT_URI" not in sheet.env()


def test_the_env_block_names_everything_but_the_secret():
    env = Sheet.build(oauth_app(name="Portal\nINJECTED=1"), WORKOS).env()

    lines = env.splitlines()
    assert lines[0] == "# Portal INJECTED=1: OAuth · first-party application, WorkOS sandbox."
    assert lines[2:] == [
        "CONNECT_ISSUER=https://acme.authkit.app",
        "CONNECT_CLIENT_ID=client_01",
        f"CONNECT_CLIENT_SECRET={SECRET_PLACEHOLDER}",
        "CONNECT_REDIRECT_URI='https://portal.example.com/callback?from=workos&x=1'",
        "CONNECT_SCOPES='openid email'",
    ]


def test_the_env_block_reads_back_the_same_in_a_shell(tmp_path):
    sheet = Sheet.build(oauth_app(), WORKOS)
    path = tmp_path / ".env"
    path.write_text(sheet.env())

    shown = subprocess.run(
        ["sh", "-c", f'. {shlex.quote(str(path))}; printf "%s\\n" "$CONNECT_REDIRECT_URI"'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert shown == "https://portal.example.com/callback?from=workos&x=1\n"


def test_the_json_sheet_has_a_placeholder_where_the_secret_goes():
    data = Sheet.build(m2m_app(), WORKOS).as_json()

    assert data["client_secret"] == SECRET_PLACEHOLDER
    assert data["environment"] == "sandbox" and data["issuer"] == "https://acme.authkit.app"
    assert data["endpoints"] == {
        "token": "https://acme.authkit.app/oauth2/token",
        "jwks": "https://acme.authkit.app/oauth2/jwks",
    }
    assert data["grant_types"] == ["client_credentials"]
    assert data["token_endpoint_auth_methods"] == ["client_secret_post"]
    assert data["application"]["organization_id"] == "org_01"
    json.dumps(data)


def test_the_embedded_server_also_takes_basic_and_oauth_apps_may_be_public_clients():
    embedded = AuthorizationServer(Endpoints("http://127.0.0.1:8000/emulator"), "sandbox", True)

    assert Sheet.build(m2m_app(), embedded).auth_methods == (
        "client_secret_post",
        "client_secret_basic",
    )
    assert Sheet.build(oauth_app(), WORKOS).auth_methods == ("client_secret_post", "none")
    assert Sheet.build(oauth_app(), embedded).as_json()["endpoints"] == {
        "authorization": "http://127.0.0.1:8000/emulator/oauth2/authorize",
        "token": "http://127.0.0.1:8000/emulator/oauth2/token",
        "userinfo": "http://127.0.0.1:8000/emulator/oauth2/userinfo",
        "jwks": "http://127.0.0.1:8000/emulator/oauth2/jwks",
    }


def test_the_curl_commands_are_single_shell_words_per_field():
    sheet = Sheet.build(oauth_app(), WORKOS)

    words = shlex.split(sheet.exchange.text.replace("\\\n", " "))

    assert words[:3] == ["curl", "-X", "POST"]
    assert set(words[4::2]) == {"--data-urlencode"}
    fields = dict(word.split("=", 1) for word in words[5::2])
    assert fields["redirect_uri"] == "https://portal.example.com/callback?from=workos&x=1"
    assert fields["code_verifier"] == sheet.authorization.pkce.verifier
    assert fields["client_secret"] == "$CONNECT_CLIENT_SECRET"


def test_copy_all_holds_every_lasting_block_and_no_secret_nor_one_time_value():
    sheet = Sheet.build(oauth_app(), WORKOS)

    text = sheet.as_text()

    request = sheet.authorization
    for one_time in (request.state, request.nonce, request.pkce.verifier, request.pkce.challenge):
        assert one_time not in text
    assert "state=STATE&nonce=NONCE&code_challenge=CODE_CHALLENGE&" in text
    assert sheet.exchange.text.replace(request.pkce.verifier, "CODE_VERIFIER") in text
    for snippet in sheet.snippets():
        assert snippet.text in text
    assert "Client secret: handed over separately" in text


def test_an_application_type_the_dashboard_does_not_know_gets_the_server_and_the_env_only():
    app = UnknownApplication(
        id="conn_app_03",
        client_id="client_03",
        name="Future",
        application_type="device",
        created_at=NOW,
        updated_at=NOW,
    )

    sheet = Sheet.build(app, WORKOS)

    assert [snippet.key for snippet in sheet.snippets()] == ["env"]
    assert sheet.grant_types == () and sheet.kind_label == "device (unknown type)"


# --- The examples run as written ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_python_and_curl_m2m_examples_get_a_token_from_the_embedded_server(
    live_server, organization, monkeypatch
):
    app = store.application_create(
        application_type="m2m",
        name="Billing worker",
        organization_id=organization.id,
        scopes=["billing:read"],
    )
    _, plaintext = store.client_secret_create(app)
    server = AuthorizationServer(Endpoints(f"{live_server.url}/emulator"), "sandbox", True)
    sheet = Sheet.build(connect.application_get(application_id=app.id), server)
    environment = {
        line.split("=", 1)[0]: line.split("=", 1)[1].strip("'")
        for line in sheet.env().splitlines()
        if not line.startswith("#")
    } | {"CONNECT_CLIENT_SECRET": plaintext}
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    python = next(snippet for snippet in sheet.snippets() if snippet.key == "python")
    curl = next(snippet for snippet in sheet.snippets() if snippet.key == "client-credentials")
    printed: list = []

    exec(python.text, {"print": lambda *values: printed.append(values)})  # noqa: S102
    answer = subprocess.run(
        ["sh", "-c", curl.text + " --silent"],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | environment,
    ).stdout

    keys = KeySet.import_key_set(httpx.get(server.endpoints.jwks).json())
    for access_token in (printed[0][0], json.loads(answer)["access_token"]):
        claims = jwt.decode(access_token, keys).claims
        assert claims["sub"] == app.client_id and claims["scope"] == "billing:read"


def test_the_python_oauth_example_makes_an_authorization_url_with_pkce(monkeypatch):
    sheet = Sheet.build(oauth_app(), WORKOS)
    for name, value in {
        "CONNECT_ISSUER": sheet.endpoints.issuer,
        "CONNECT_CLIENT_ID": "client_01",
        "CONNECT_CLIENT_SECRET": "secret",
        "CONNECT_SCOPES": sheet.scope,
        "CONNECT_REDIRECT_URI": sheet.redirect_uri,
    }.items():
        monkeypatch.setenv(name, value)
    python = next(snippet for snippet in sheet.snippets() if snippet.key == "python")
    scope: dict = {}

    exec(python.text, scope)  # noqa: S102

    query = parse_qs(urlsplit(scope["url"]).query)
    assert query["code_challenge"] == [create_s256_code_challenge(scope["code_verifier"])]
    assert query["nonce"] == [scope["nonce"]] and query["state"] == [scope["state"]]
    assert callable(scope["tokens"])


@pytest.mark.parametrize("app", [oauth_app(), m2m_app()], ids=["oauth", "m2m"])
@pytest.mark.parametrize("issuer", ["https://acme.authkit.app", "http://127.0.0.1:8000/emulator"])
def test_the_node_examples_parse(tmp_path, app, issuer):
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    server = AuthorizationServer(Endpoints(issuer), "sandbox", embedded=False)
    example = next(
        snippet for snippet in Sheet.build(app, server).snippets() if snippet.key == "node"
    )
    # Run as the example says it is saved: as an ES module, which its import and
    # top-level await need.
    saved_as = re.search(r"^// Save as (\S+\.mjs) ", example.text, re.MULTILINE)
    assert saved_as, example.text[:200]
    path = tmp_path / saved_as[1]
    path.write_text(example.text)

    subprocess.run([node, "--check", str(path)], check=True)
    assert ("allowInsecureRequests" in example.text) == issuer.startswith("http://")
