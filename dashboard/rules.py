"""Rules for an application's fields, shared by the dashboard's forms and the embedded API.

One place per rule: a form refuses what the API would refuse, with the same words, and
never spends an API round trip on input that cannot pass. Redirect URIs and CORS origins
have their own module, `dashboard.uris`.
"""

import re
from dataclasses import dataclass

MAX_NAME = 255
MAX_DESCRIPTION = 2000
# Scopes, redirect URIs and CORS origins of one application.
MAX_LIST_ITEMS = 100
# IDs are a prefix and a ULID (`org_01H…`): well under this.
MAX_ID = 40
MAX_SCOPE = 128

# A scope is a permission slug, or one of the OpenID scopes.
SCOPE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-:.*]{0,127}$")
PERMISSION_SLUG_PATTERN = re.compile(r"^[a-z0-9*][a-z0-9_\-:.*]{0,47}$")


@dataclass(frozen=True)
class RuleBroken(ValueError):
    code: str
    message: str

    def __str__(self) -> str:
        return self.message


def validate_scope(value: str) -> None:
    """Raise `RuleBroken` unless `value` may be one of an application's scopes."""
    if len(value) > MAX_SCOPE:
        raise RuleBroken("invalid_scope", f"A scope is at most {MAX_SCOPE} characters long.")
    if not SCOPE_PATTERN.match(value):
        raise RuleBroken(
            "invalid_scope",
            "A scope is a permission slug: lowercase letters, digits and _ - : . *, "
            "starting with a letter or digit.",
        )


def too_long(what: str, limit: int, length: int) -> str:
    """The one wording of a length limit, for the forms and the embedded API alike."""
    return f"{what} may be at most {limit:,} characters long; this one has {length:,}."
