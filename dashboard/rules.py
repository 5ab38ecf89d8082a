"""Rules for the fields of applications, organizations and permissions, shared by the
dashboard's forms and the embedded API.

One place per rule: a form refuses what the API would refuse, with the same words, and
never spends an API round trip on input that cannot pass. Redirect URIs and CORS origins
have their own module, `dashboard.uris`.
"""

import re
import unicodedata
from dataclasses import dataclass

MAX_NAME = 255
MAX_DESCRIPTION = 2000
# Scopes, redirect URIs and CORS origins of one application.
MAX_LIST_ITEMS = 100
# IDs are a prefix and a ULID (org_01H…): well under this.
MAX_ID = 40
MAX_SCOPE = 128

# Permissions, as the public contract's CreateAuthorizationPermissionDto limits them.
MAX_PERMISSION_SLUG = 48
MAX_PERMISSION_NAME = 48
MAX_PERMISSION_DESCRIPTION = 150
MAX_RESOURCE_TYPE_SLUG = 48

# Organizations, as the public contract's OrganizationDto limits them.
MAX_EXTERNAL_ID = 128
MAX_METADATA_KEYS = 50
MAX_METADATA_KEY = 40
MAX_METADATA_VALUE = 600
# RFC 1035: a domain name of at most 253 characters, in labels of at most 63.
MAX_DOMAIN = 253

# A search text or filter in a list's query string.
MAX_QUERY_TEXT = 255

# A scope is a permission slug, or one of the OpenID scopes.
SCOPE_PATTERN = re.compile(rf"^[a-z0-9][a-z0-9_\-:.*]{{0,{MAX_SCOPE - 1}}}$")
PERMISSION_SLUG_PATTERN = re.compile(rf"^[a-z0-9*][a-z0-9_\-:.*]{{0,{MAX_PERMISSION_SLUG - 1}}}$")
DOMAIN_PATTERN = re.compile(
    rf"^(?=.{{1,{MAX_DOMAIN}}}$)([a-z0-9](?:[a-z0-9\-]{{0,61}}[a-z0-9])?\.)+[a-z]{{2,63}}$"
)

# What a name or a description may not hold: control characters (C0 and C1; multiline
# text keeps its line breaks and tabs), the bidirectional embeddings, overrides and isolates,
# which make the text around them read in another order than it is stored, and halves of
# surrogate pairs, which are no text. Direction marks and zero-width joiners stay: scripts
# and emoji sequences need them.
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_NOT_IN_TEXT = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_CONTROLS}\ud800-\udfff]")
_NOT_IN_MULTILINE_TEXT = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI_CONTROLS}\ud800-\udfff]"
)


@dataclass(frozen=True)
class RuleBroken(ValueError):
    code: str
    message: str

    def __str__(self) -> str:
        return self.message


def too_long(what: str, limit: int, length: int) -> str:
    """The one wording of a length limit, for the forms and the embedded API alike."""
    return f"{what} may be at most {limit:,} characters long; this one has {length:,}."


def too_many(what: str, limit: int, count: int) -> str:
    """The one wording of a limit on the entries of a list."""
    return f"At most {limit:,} {what} are allowed; there are {count:,}."


def validate_scope(value: str) -> None:
    """Raise `RuleBroken` unless `value` may be one of an application's scopes."""
    if len(value) > MAX_SCOPE:
        raise RuleBroken("invalid_scope", too_long("A scope", MAX_SCOPE, len(value)))
    if not SCOPE_PATTERN.match(value):
        raise RuleBroken(
            "invalid_scope",
            "A scope is a permission slug: lowercase letters, digits and _ - : . *, "
            "starting with a letter or digit.",
        )


def validate_permission_slug(value: str) -> None:
    """Raise `RuleBroken` unless `value` may be the slug of a new permission."""
    if len(value) > MAX_PERMISSION_SLUG:
        raise RuleBroken("too_long", too_long("A slug", MAX_PERMISSION_SLUG, len(value)))
    if not PERMISSION_SLUG_PATTERN.match(value):
        raise RuleBroken(
            "invalid_slug",
            "Use lowercase letters, digits, hyphens, underscores, colons, periods and asterisks.",
        )


def validate_domain(value: str) -> None:
    """Raise `RuleBroken` unless `value` (already lowercased) is a domain name."""
    if not DOMAIN_PATTERN.match(value):
        raise RuleBroken("invalid_domain", "Must be a domain name such as “example.com”.")


def character_name(char: str) -> str:
    """“U+202E RIGHT-TO-LEFT OVERRIDE”: a character named so that people can see it."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}".rstrip()


def visible(value: str) -> str:
    """`value` with each invisible or direction-changing character written as its code
    point (“[U+202E]”), to quote a refused value without it spoofing the message."""
    return "".join(f"[U+{ord(char):04X}]" if is_invisible(char) else char for char in value)


def is_invisible(char: str) -> bool:
    """A character that shows nothing where it stands, or changes how the text around it
    reads: a control or format character (zero-width spaces and joiners, direction marks,
    embeddings, overrides and isolates, the byte order mark, the soft hyphen), half of a
    surrogate pair, a private-use or an unassigned code point."""
    return unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"}


def validate_text(value: str, *, multiline: bool = False) -> None:
    """Raise `RuleBroken` unless `value` may be a name (or, `multiline`, a description)."""
    found = (_NOT_IN_MULTILINE_TEXT if multiline else _NOT_IN_TEXT).search(value)
    if found is None:
        return
    char = found.group()
    if unicodedata.category(char) == "Cc":
        raise RuleBroken("invalid_character", "Contains a control character.")
    if unicodedata.category(char) == "Cs":
        raise RuleBroken(
            "invalid_character", "Contains half of a surrogate pair, which is not valid Unicode."
        )
    raise RuleBroken(
        "invalid_character",
        f"Contains {character_name(char)}, an invisible character that changes the order in "
        "which the text around it reads.",
    )
