"""Rules for redirect URIs and CORS origins, shared by the embedded API and the dashboard.

Each check raises `UriRejected` with a machine-readable code and a sentence that says
which rule the value breaks and why the rule exists, so that the same words can be shown
next to a form field or returned in an API error.
"""

import ipaddress
import re
import string
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote, unquote, urlsplit

import idna
from publicsuffixlist import PublicSuffixList

from dashboard.rules import character_name, is_invisible, too_long

MAX_URI_LENGTH = 2048

# RFC 3986 scheme syntax.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_FORBIDDEN_SCHEMES = {"javascript", "data", "file", "vbscript", "blob", "about", "filesystem"}
_HOST_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?$")
# A wildcard label: `*` alone or with a prefix and/or suffix (`pr-*`, `*-preview`).
_WILDCARD_LABEL = re.compile(r"^[a-z0-9_\-]*\*[a-z0-9_\-]*$")
# RFC 3986's characters: unreserved, reserved, and the "%" of a percent-encoding. Anything
# else is written percent-encoded, and a host name that is not ASCII as punycode.
_URI_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# What follows "//": the authority, then the path, query and fragment.
_AUTHORITY = re.compile(r"([^/?#]*)(.*)", re.DOTALL)


@dataclass(frozen=True)
class UriRejected(ValueError):
    code: str
    message: str

    def __str__(self) -> str:
        return self.message


def _check_characters(value: str, what: str) -> None:
    if not value:
        raise UriRejected("required", f"The {what} is empty.")
    if len(value) > MAX_URI_LENGTH:
        raise UriRejected("too_long", too_long(f"The {what}", MAX_URI_LENGTH, len(value)))
    for char in value:
        if char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F:
            raise UriRejected(
                "invalid_character",
                f"The {what} contains whitespace or a control character, "
                "which browsers and servers read differently.",
            )
    for position, char in enumerate(value, start=1):
        if is_invisible(char):
            raise UriRejected(
                "invisible_character",
                f"The {what} contains an invisible character, {character_name(char)} "
                f"(character {position}), which makes it read as another address than the "
                "one it is: remove it.",
            )
    if "\\" in value:
        raise UriRejected(
            "invalid_character",
            f"The {what} contains a backslash, which some browsers read as a slash.",
        )
    if not value.isascii():
        raise UriRejected("not_ascii", _not_ascii(value, what))
    for char in value:
        if char not in _URI_CHARACTERS:
            raise UriRejected(
                "invalid_character",
                f"The {what} contains “{char}”, which a URI holds only percent-encoded, "
                f"as “{quote(char)}”.",
            )


def _not_ascii(value: str, what: str) -> str:
    """Why a URI that is not ASCII is refused, with the form to use instead when it has one."""
    first = next(char for char in value if not char.isascii())
    # Named, for a letter of another script can look like an ASCII one ("а", not "a").
    refused = f"The {what} contains “{first}” ({character_name(first)}), which is not ASCII"
    encoded = _encoded(value)
    if encoded is None:
        return f"{refused}, in a host name that cannot be written in punycode (IDNA)."
    return (
        f"{refused}. Write it as “{encoded}”: a host name in punycode, other characters "
        "percent-encoded."
    )


def _percent_encoded(text: str) -> str:
    return "".join(char if char in _URI_CHARACTERS else quote(char) for char in text)


def _encoded(uri: str) -> str | None:
    """`uri` in RFC 3986's characters: a host name in punycode (IDNA, as browsers write it),
    anything else that is not ASCII percent-encoded as UTF-8; None when the host name is no
    internationalized domain name."""
    scheme, colon, rest = uri.partition(":")
    if not colon or not rest.startswith("//"):
        return _percent_encoded(uri)
    authority, path = _AUTHORITY.match(rest[2:]).groups()
    userinfo, at, host_and_port = authority.rpartition("@")
    host, port_colon, port = host_and_port.partition(":")
    labels = []
    for label in host.split("."):
        if label.isascii():
            labels.append(label)
            continue
        try:
            labels.append(idna.encode(label, uts46=True).decode("ascii"))
        except (idna.IDNAError, UnicodeError):
            return None
    return (
        f"{_percent_encoded(scheme)}://{_percent_encoded(userinfo)}{at}{'.'.join(labels)}"
        f"{port_colon}{_percent_encoded(port)}{_percent_encoded(path)}"
    )


@cache
def _public_suffixes() -> PublicSuffixList:
    # The list ships with the package (ICANN and private suffixes such as ngrok-free.app).
    return PublicSuffixList()


def domains_of(host: str) -> list[str]:
    """`host` and each domain above it down to its registrable domain, the one a customer
    owns: `login.acme.co.uk` gives itself, `acme.co.uk`, never `co.uk`; `*.acme.com` gives
    itself and `acme.com`. An IP address gives only itself."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return [host]
    except ValueError:
        pass
    registrable = _public_suffixes().privatesuffix(host.replace("*", "x")) or host
    labels = host.split(".")
    above = [".".join(labels[start:]) for start in range(1, len(labels) - registrable.count("."))]
    return [host, *(domain for domain in above if "*" not in domain)]


def is_loopback_host(host: str) -> bool:
    """`localhost`, 127.0.0.0/8 or `::1`; not other spellings such as `::ffff:127.0.0.1`."""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if address.version == 6:
        return address == ipaddress.IPv6Address("::1")
    return address.is_loopback


def _split_authority(uri: str, what: str):
    try:
        parts = urlsplit(uri)
        hostname = parts.hostname or ""
    except ValueError:
        raise UriRejected("invalid_uri", f"The {what} is not a well-formed URI.") from None
    host_and_port = parts.netloc.rpartition("@")[2]
    if host_and_port.startswith("["):
        port_text = host_and_port.partition("]")[2].removeprefix(":")
    else:
        port_text = host_and_port.partition(":")[2]
    if "@" in parts.netloc:
        raise UriRejected(
            "userinfo_not_allowed",
            f"The {what} has a user name or password before the host (“user@host”), "
            "a common way to disguise where a redirect really goes.",
        )
    if not hostname:
        raise UriRejected("host_required", f"The {what} has no host.")
    return parts, hostname, port_text


def _check_host(host: str, port: str, what: str, *, allow_wildcard: bool) -> bool:
    """Validate host and port; answer whether a wildcard was used."""
    loopback = is_loopback_host(host)
    wildcard = False
    if port:
        if port == "*" and allow_wildcard and loopback:
            wildcard = True
        elif not port.isdigit() or not 0 < int(port) < 65536:
            raise UriRejected("invalid_port", f"The {what} has an invalid port “{port}”.")
    if host.startswith("["):
        return wildcard
    try:
        ipaddress.ip_address(host)
        return wildcard
    except ValueError:
        pass
    labels = host.split(".")
    for index, label in enumerate(labels):
        if "*" in label:
            if not allow_wildcard:
                raise UriRejected(
                    "wildcard_not_allowed", f"The {what} may not contain a wildcard “*”."
                )
            if index != 0 or label.count("*") != 1 or not _WILDCARD_LABEL.match(label):
                raise UriRejected(
                    "invalid_wildcard",
                    "A wildcard “*” may stand only once, in the leftmost part of the host name "
                    "(“https://*.example.com”).",
                )
            parent = ".".join(labels[1:])
            if len(labels) < 3 or _public_suffixes().is_public(parent):
                raise UriRejected(
                    "invalid_wildcard",
                    f"A wildcard must sit under a domain you own (“*.example.com”), never "
                    f"under a public suffix such as “{parent}” that anyone can register under.",
                )
            wildcard = True
        elif not _HOST_LABEL.match(label):
            raise UriRejected("invalid_host", f"The {what} has an invalid host name “{host}”.")
    return wildcard


def validate_redirect_uri(uri: str, *, production: bool = False, is_default: bool = False) -> None:
    """Raise `UriRejected` unless `uri` may be registered as an OAuth redirect URI."""
    what = "redirect URI"
    _check_characters(uri, what)
    match = _SCHEME.match(uri)
    if not match:
        raise UriRejected(
            "not_absolute",
            "The redirect URI must be absolute, starting with a scheme such as “https://”.",
        )
    scheme = match.group(1).lower()
    if scheme in _FORBIDDEN_SCHEMES:
        raise UriRejected(
            "forbidden_scheme",
            f"The “{scheme}:” scheme can run code or read local files and is never a redirect URI.",
        )
    if "#" in uri:
        raise UriRejected(
            "fragment_not_allowed",
            "The redirect URI may not contain a fragment (“#…”): RFC 6749 forbids it.",
        )
    if scheme in {"http", "https"}:
        parts, host, port = _split_authority(uri, what)
        wildcard = _check_host(host, port, what, allow_wildcard=not is_default)
        loopback = is_loopback_host(host)
        if production and (scheme == "http" or host == "localhost"):
            raise UriRejected(
                "insecure_in_production",
                "Production environments accept only https redirect URIs and no localhost.",
            )
        if scheme == "http" and not loopback:
            raise UriRejected(
                "https_required",
                "Plain http is allowed only for loopback addresses (“http://127.0.0.1”, "
                "“http://[::1]”, “http://localhost”); use https.",
            )
        path = parts.path
        if "*" in path or "*" in parts.query:
            raise UriRejected(
                "invalid_wildcard", "A wildcard “*” may appear only in the host name."
            )
        if is_default and wildcard:
            raise UriRejected(
                "wildcard_not_allowed", "The default redirect URI may not contain a wildcard."
            )
    elif "." in scheme:
        # RFC 8252 §7.1 private-use scheme of a native app: a reversed domain name.
        path = uri[len(scheme) + 1 :]
        if path.startswith("//") and "@" in path.split("/")[2]:
            raise UriRejected(
                "userinfo_not_allowed", "The redirect URI has a user name before the host."
            )
        if "*" in uri:
            raise UriRejected(
                "invalid_wildcard", "A wildcard “*” may appear only in an https host name."
            )
    else:
        raise UriRejected(
            "unsupported_scheme",
            f"The “{scheme}:” scheme is not allowed: use https, loopback http, or a "
            "native app's reversed-domain scheme such as “com.example.app:/callback”.",
        )
    for segment in path.split("?")[0].split("/"):
        if unquote(segment).split(";")[0] in {"..", "."} and segment not in {""}:
            raise UriRejected(
                "dot_segment",
                "The redirect URI contains a “.” or “..” path segment, which can climb out of "
                "the registered path.",
            )
    # After the host's rules, whose messages quote the host a stray "%" is in.
    if _BAD_PERCENT.search(uri):
        raise UriRejected(
            "invalid_percent_encoding",
            "The redirect URI contains a “%” that does not begin a percent-encoding such as "
            "“%20”; a “%” itself is written “%25”.",
        )


def validate_login_uri(uri: str, *, production: bool = False) -> None:
    """Raise `UriRejected` unless `uri` may be Standalone Connect's Login URI: a web page that
    the authorization server sends people to, by the rules of a default redirect URI."""
    if not uri.lower().startswith(("https://", "http://")):
        raise UriRejected(
            "unsupported_scheme", "The Login URI must be a web address starting with “https://”."
        )
    validate_redirect_uri(uri, production=production, is_default=True)


def validate_cors_origin(origin: str, *, production: bool = False) -> None:
    """Raise `UriRejected` unless `origin` is a scheme, a host and an optional port."""
    what = "origin"
    _check_characters(origin, what)
    match = _SCHEME.match(origin)
    if not match or match.group(1).lower() not in {"http", "https"}:
        raise UriRejected(
            "invalid_origin", "An origin must start with “https://” (or “http://” for loopback)."
        )
    parts, host, port = _split_authority(origin, what)
    _check_host(host, port, what, allow_wildcard=False)
    if parts.path or parts.query or parts.fragment or origin.endswith(("?", "#")):
        raise UriRejected(
            "invalid_origin",
            f"An origin is only a scheme, a host and an optional port, with no path: "
            f"“{parts.scheme}://{parts.netloc}”.",
        )
    if parts.scheme.lower() == "http" and (production or not is_loopback_host(host)):
        raise UriRejected(
            "https_required",
            "Plain http origins are allowed only for loopback addresses in a sandbox.",
        )


def _wildcard_pattern(registered: str) -> re.Pattern | None:
    """The URIs a registered entry with a wildcard stands for, as a regular expression."""
    if "*" not in registered or "://" not in registered:
        return None
    scheme, _, rest = registered.partition("://")
    authority, slash, path = rest.partition("/")
    if authority.startswith("["):
        host, _, port = authority.partition("]")
        host, port = host + "]", port.removeprefix(":")
    else:
        host, _, port = authority.partition(":")
    label = r"[A-Za-z0-9_\-]+"
    host_pattern = re.escape(host).replace(r"\*", label)
    port_pattern = ":" + (r"\d{1,5}" if port == "*" else re.escape(port)) if port else ""
    return re.compile(
        re.escape(scheme) + "://" + host_pattern + port_pattern + re.escape(slash + path)
    )


def match_redirect_uri(uri: str, registered: list[str]) -> tuple[str, str] | None:
    """Which registered entry accepts `uri`: `(entry, "exact")`, `(entry, "wildcard")` or None.

    Matching is by exact string (RFC 9700): `HTTPS://App.Example.com/cb` is not
    `https://app.example.com/cb`. A wildcard stands for exactly one host label.
    """
    if uri in registered:
        return uri, "exact"
    for entry in registered:
        pattern = _wildcard_pattern(entry)
        if pattern is not None and pattern.fullmatch(uri):
            return entry, "wildcard"
    return None
