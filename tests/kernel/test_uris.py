"""The redirect URI and origin rules, including the known ways around them."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.uris import (
    UriRejected,
    match_redirect_uri,
    validate_cors_origin,
    validate_redirect_uri,
)


def code_of(uri: str, **options) -> str | None:
    try:
        validate_redirect_uri(uri, **options)
    except UriRejected as rejected:
        return rejected.code
    return None


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example.com/callback",
        "https://app.example.com:8443/callback?tenant=1",
        "http://127.0.0.1:8080/callback",
        "http://127.0.0.1:*/callback",
        "http://[::1]:3000/callback",
        "http://localhost:5173/auth",
        "com.example.app:/oauth2redirect",
        "https://*.example.com/callback",
        "https://pr-*.preview.example.com/callback",
        "https://*-staging.example.com/callback",
    ],
)
def test_it_accepts(uri):
    assert code_of(uri) is None


REFUSALS = [
    ("", "required"),
    ("/callback", "not_absolute"),
    ("app.example.com/callback", "not_absolute"),
    ("javascript:alert(1)", "forbidden_scheme"),
    ("JaVaScRiPt:alert(1)", "forbidden_scheme"),
    ("data:text/html,hi", "forbidden_scheme"),
    ("file:///etc/passwd", "forbidden_scheme"),
    ("myapp://callback", "unsupported_scheme"),
    ("https://app.example.com/cb#token", "fragment_not_allowed"),
    ("https://user@app.example.com/cb", "userinfo_not_allowed"),
    ("https://app.example.com@evil.com/cb", "userinfo_not_allowed"),
    ("https://app.example.com/a/../admin", "dot_segment"),
    ("https://app.example.com/a/..;/admin", "dot_segment"),
    ("https://app.example.com/a/%2e%2e/admin", "dot_segment"),
    ("https://app.example.com/a/%2E%2e/admin", "dot_segment"),
    ("https://app.example.com\\@evil.com/", "invalid_character"),
    ("https://app.example.com/ cb", "invalid_character"),
    ("https://app.example.com/\tcb", "invalid_character"),
    ("https://app.example.com/\x00", "invalid_character"),
    ("http://app.example.com/cb", "https_required"),
    ("http://[::ffff:127.0.0.1]/cb", "https_required"),
    ("http://[fe80::1]/cb", "https_required"),
    ("https://app.example.com%2eevil.com/cb", "invalid_host"),
    ("https://*.com/cb", "invalid_wildcard"),
    ("https://*.ngrok-free.app/cb", "invalid_wildcard"),
    ("https://*.co.uk/cb", "invalid_wildcard"),
    ("https://a.*.example.com/cb", "invalid_wildcard"),
    ("https://**.example.com/cb", "invalid_wildcard"),
    ("https://app.example.com/*", "invalid_wildcard"),
    ("https://app.example.com:99999/cb", "invalid_port"),
    ("https://app.example.com:*/cb", "invalid_port"),
    ("https://app.example.com/" + "x" * 2048, "too_long"),
]


@pytest.mark.parametrize(("uri", "code"), REFUSALS)
def test_it_refuses_with_the_rule_that_was_broken(uri, code):
    assert code_of(uri) == code


@pytest.mark.parametrize(
    "uri", [uri for uri, _ in REFUSALS] + ["https://*.example.com/cb", "http://127.0.0.1/cb"]
)
def test_refusals_are_plain_text_as_people_see_them(uri):
    for check in (validate_redirect_uri, validate_cors_origin):
        try:
            check(uri, production=True)
        except UriRejected as rejected:
            assert "`" not in rejected.message


def test_a_uri_too_long_says_by_how_much():
    with pytest.raises(UriRejected) as rejected:
        validate_redirect_uri("https://app.example.com/" + "x" * 3000)

    assert rejected.value.message == (
        "The redirect URI may be at most 2,048 characters long; this one has 3,024."
    )


def test_the_default_uri_may_not_be_a_wildcard():
    assert code_of("https://*.example.com/cb", is_default=True) == "wildcard_not_allowed"


@pytest.mark.parametrize(
    "uri", ["http://127.0.0.1:8080/cb", "https://localhost/cb", "http://localhost:3000/cb"]
)
def test_production_refuses_http_and_localhost(uri):
    assert code_of(uri) is None
    assert code_of(uri, production=True) == "insecure_in_production"


def test_every_refusal_explains_itself():
    with pytest.raises(UriRejected) as rejected:
        validate_redirect_uri("https://user@app.example.com/cb")

    assert "user name or password" in rejected.value.message


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        ("https://app.example.com", True),
        ("https://app.example.com:8443", True),
        ("http://localhost:3000", True),
        ("https://app.example.com/", False),
        ("https://app.example.com/path", False),
        ("https://app.example.com?x", False),
        ("https://user@app.example.com", False),
        ("http://app.example.com", False),
        ("https://*.example.com", False),
        ("ftp://app.example.com", False),
    ],
)
def test_cors_origins_are_scheme_host_and_port_only(origin, accepted):
    try:
        validate_cors_origin(origin)
        ok = True
    except UriRejected:
        ok = False
    assert ok is accepted


# --- Matching -------------------------------------------------------------------------------

REGISTERED = ["https://app.example.com/cb", "https://*.example.com/cb", "http://127.0.0.1:*/cb"]


def test_exact_matches_win():
    assert match_redirect_uri("https://app.example.com/cb", REGISTERED) == (
        "https://app.example.com/cb",
        "exact",
    )


def test_matching_is_exact_string_matching():
    assert match_redirect_uri("HTTPS://APP.EXAMPLE.COM/cb", REGISTERED[:1]) is None
    assert match_redirect_uri("https://app.example.com/cb/", REGISTERED[:1]) is None
    assert match_redirect_uri("https://app.example.com/cb?x=1", REGISTERED[:1]) is None
    assert match_redirect_uri("https://app.example.com/CB", REGISTERED[:1]) is None


labels = st.text(alphabet=string.ascii_lowercase + string.digits + "-_", min_size=1, max_size=20)
hosts = st.lists(labels, min_size=1, max_size=4).map(".".join)


@given(label=labels)
def test_a_wildcard_stands_for_exactly_one_label(label):
    assert match_redirect_uri(f"https://{label}.example.com/cb", REGISTERED) is not None


@given(label=labels, extra=labels)
def test_a_wildcard_never_spans_two_labels(label, extra):
    assert match_redirect_uri(f"https://{label}.{extra}.example.com/cb", REGISTERED[1:2]) is None


@given(label=labels, suffix=hosts)
def test_a_host_that_merely_starts_with_a_registered_one_never_matches(label, suffix):
    for host in (f"{label}.example.com.{suffix}", f"app.example.com.{suffix}"):
        assert match_redirect_uri(f"https://{host}/cb", REGISTERED) is None


@given(
    user=st.text(min_size=1, max_size=15).filter(
        lambda s: "/" not in s and "#" not in s and "?" not in s
    ),
    host=hosts,
)
def test_userinfo_is_always_refused_and_never_matches(user, host):
    uri = f"https://{user}@{host}.example.com/cb"
    assert code_of(uri) is not None
    assert match_redirect_uri(uri, REGISTERED) is None


@given(
    prefix=st.lists(labels, max_size=3).map("/".join),
    dots=st.sampled_from(["..", "%2e%2e", "%2E%2E", ".%2e", "..;", "..;x", "%2e."]),
)
def test_dot_segments_are_refused_however_they_are_written(prefix, dots):
    assert code_of(f"https://app.example.com/{prefix}/{dots}/admin") == "dot_segment"


@given(port=st.integers(min_value=1, max_value=65535))
def test_a_loopback_port_wildcard_matches_any_port(port):
    assert match_redirect_uri(f"http://127.0.0.1:{port}/cb", REGISTERED) is not None
    assert match_redirect_uri(f"http://127.0.0.2:{port}/cb", REGISTERED) is None


@given(uri=st.text(max_size=60))
def test_whatever_is_accepted_is_absolute_plain_and_fragment_free(uri):
    if code_of(uri) is None:
        assert ":" in uri and "#" not in uri and "\\" not in uri
        assert not any(char.isspace() or ord(char) < 32 for char in uri)
        assert "@" not in uri.split("/")[2] if "://" in uri else True
