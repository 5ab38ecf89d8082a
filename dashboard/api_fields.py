"""The fields of a Connect application that a request may set, declared once.

Every part of the project reads this table rather than a list of its own: the service
layer's request models (`dashboard.connect.models`), the embedded API's checks, storage
and answers (`dashboard.emulator`), and, through the dashboard's field table
(`dashboard.kernel.fields`), the forms, pages, audit trail, configuration files,
promotion and drift.

Each field has a kind of value, and each kind one meaning everywhere: its JSON type in a
request, its check in the embedded API, its form field, display and canonical value in
the dashboard, its entry in a configuration file. A new optional text field is one row of
kind "text"; a field that needs a rule of its own is a row of a new kind, with its rule
(in `dashboard.rules` or `dashboard.uris`) and that kind's entry in each of those places.

Only fields a request may set are here: `application_type` and `is_first_party` choose
what an application is and are part of every consumer's own logic; IDs and dates are
the API's.
"""

from dataclasses import dataclass

OAUTH = "oauth"
M2M = "m2m"
BOTH = frozenset({OAUTH, M2M})
OAUTH_ONLY = frozenset({OAUTH})
M2M_ONLY = frozenset({M2M})

# The kinds of value. "name": one line of text that may not be blank; "multiline": text
# of several lines, none when empty; "text": one line of text, none when empty;
# "organization": an organization's ID; "pkce": whether PKCE is required;
# "redirect_uris": [{"uri", "default"}] with one default; "origins": CORS origins;
# "scopes": permission slugs and OpenID scopes.
KINDS_OF_VALUE = (
    "name", "multiline", "text", "organization", "pkce", "redirect_uris", "origins", "scopes",
)  # fmt: skip
# The kinds of free text: an empty one is none, and an update clears one with "".
TEXTS = ("multiline", "text")


@dataclass(frozen=True)
class ApiField:
    name: str
    label: str
    # The application types that have this field.
    kinds: frozenset[str]
    # Whether it can change after creation; the others are set once, when it is created.
    editable: bool
    # Its kind of value, one of KINDS_OF_VALUE.
    value: str
    # The application types whose creation requires it.
    required: frozenset[str] = frozenset()


FIELDS: tuple[ApiField, ...] = (
    ApiField("name", "Name", BOTH, True, "name", required=BOTH),
    ApiField("description", "Description", BOTH, True, "multiline"),
    ApiField("organization_id", "Organization", BOTH, False, "organization", required=M2M_ONLY),
    ApiField("uses_pkce", "PKCE", OAUTH_ONLY, False, "pkce"),
    ApiField("redirect_uris", "Redirect URIs", OAUTH_ONLY, True, "redirect_uris"),
    ApiField("cors_origins", "CORS origins", OAUTH_ONLY, True, "origins"),
    ApiField("scopes", "Scopes", BOTH, True, "scopes"),
)  # fmt: skip


# fields_of's answers, each with the table it was read from: serializing a page of a
# hundred applications asks the same question a hundred times. One answer stands for
# every type the table does not know, so the types an API sends cannot grow it.
_FIELDS_OF: dict[tuple[str | None, bool], tuple[tuple[ApiField, ...], tuple[ApiField, ...]]] = {}


def fields_of(kind: str, *, editable_only: bool = False) -> tuple[ApiField, ...]:
    """The fields an application of type `kind` has, in table order; every field for a type
    this table does not know. Read from `FIELDS` as it is now, whatever replaced it."""
    key = (kind if kind in BOTH else None, editable_only)
    table, answer = _FIELDS_OF.get(key, (None, ()))
    if table is not FIELDS:
        answer = tuple(
            field
            for field in FIELDS
            if (kind in field.kinds or kind not in BOTH) and (field.editable or not editable_only)
        )
        _FIELDS_OF[key] = (FIELDS, answer)
    return answer


def only_of(kind: str) -> tuple[ApiField, ...]:
    """The fields only applications of type `kind` have."""
    return tuple(field for field in FIELDS if field.kinds == {kind})
