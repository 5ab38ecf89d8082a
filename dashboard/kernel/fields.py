"""The fields of an application, declared once.

This table drives the create and edit forms (each field brings its form field, whose
cleaned value is already the API's value), change detection and the audit trail's
before/after, the conflict merge, and every page that shows an application, a change
or a deleted application's configuration (`kernel/_value.html`, by `display`).

Adding a field to the dashboard is one row here, plus its display if it is a new kind
of value; a field that is in the table cannot be prefilled empty and wiped on save.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms

from . import formfields

OAUTH = "oauth"
M2M = "m2m"
BOTH = frozenset({OAUTH, M2M})


def _same(value: Any) -> Any:
    return value


def _text_or_none(value: Any) -> Any:
    return value or None


def _redirect_uris(value: Any) -> list[dict]:
    return [{"uri": entry["uri"], "default": bool(entry.get("default"))} for entry in value or []]


def _list(value: Any) -> list:
    return list(value or [])


@dataclass(frozen=True)
class AppField:
    name: str
    label: str
    # The application types that have this field.
    kinds: frozenset[str]
    # Whether it can change after creation; the others are set once, by the create form.
    editable: bool
    # How pages show a value: a template branch of kernel/_value.html.
    display: str
    form_field: Callable[[], forms.Field]
    # The value as plain JSON in one canonical form, so that equal values compare equal.
    normalize: Callable[[Any], Any] = _same

    def value(self, data: dict) -> Any:
        return self.normalize(data.get(self.name))


FIELDS: tuple[AppField, ...] = (
    AppField("name", "Name", BOTH, True, "text", formfields.name),
    AppField(
        "description", "Description", BOTH, True, "multiline", formfields.description,
        _text_or_none,
    ),
    AppField(
        "organization_id", "Organization", BOTH, False, "organization", formfields.organization
    ),
    AppField("uses_pkce", "PKCE", frozenset({OAUTH}), False, "pkce", formfields.uses_pkce, bool),
    AppField(
        "redirect_uris", "Redirect URIs", frozenset({OAUTH}), True, "redirect_uris",
        formfields.redirect_uris, _redirect_uris,
    ),
    AppField(
        "cors_origins", "CORS origins", frozenset({OAUTH}), True, "codes",
        formfields.cors_origins, _list,
    ),
    AppField("scopes", "Scopes", BOTH, True, "tags", formfields.scopes, _list),
)  # fmt: skip

BY_NAME = {field.name: field for field in FIELDS}
EDITABLE = tuple(field for field in FIELDS if field.editable)


def as_data(source: Any) -> dict:
    """An application, request or snapshot as the API's JSON."""
    return source if isinstance(source, dict) else source.model_dump(mode="json")


def kind_of(data: dict) -> str:
    return data.get("application_type", OAUTH)


def fields_of(kind: str, *, editable_only: bool = False) -> tuple[AppField, ...]:
    return tuple(
        field
        for field in (EDITABLE if editable_only else FIELDS)
        if kind in field.kinds or kind not in BOTH
    )


def editable_values(source: Any) -> dict[str, Any]:
    """The editable fields of an application (or of a snapshot of one) that its type has."""
    data = as_data(source)
    return {
        field.name: field.value(data)
        for field in fields_of(kind_of(data), editable_only=True)
        if field.name in data
    }


def shown_values(source: Any) -> list[tuple[AppField, Any]]:
    """Every field of the table an application shows, with its value, in table order."""
    data = as_data(source)
    return [
        (field, field.value(data))
        for field in fields_of(kind_of(data))
        # A fixed field that is not set (a first-party app's organization) is not shown.
        if field.editable or data.get(field.name) is not None
    ]


def differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"before": ..., "after": ...}} for every editable field whose value differs."""
    return {
        field.name: {"before": before.get(field.name), "after": after[field.name]}
        for field in EDITABLE
        if field.name in after and before.get(field.name) != after[field.name]
    }


def snapshot(app: Any) -> dict[str, Any]:
    """Everything needed to create the application again."""
    return as_data(app)


KIND_LABELS = {
    "first_party": "OAuth · first-party",
    "third_party": "OAuth · third-party",
    "dynamic": "OAuth · dynamically registered",
}


def kind_label(app) -> str:
    """ "OAuth · third-party", "M2M": of an application, or of a snapshot of one."""

    def value(name: str):
        # Read where it is: the list labels every row, and a whole dump of each cost more
        # than the rest of its row.
        return app.get(name) if isinstance(app, dict) else getattr(app, name, None)

    kind = value("application_type")
    if kind == "m2m":
        return "M2M"
    if kind == "oauth":
        if value("is_first_party"):
            return KIND_LABELS["first_party"]
        return KIND_LABELS["dynamic" if value("was_dynamically_registered") else "third_party"]
    return f"{kind} (unknown type)"
