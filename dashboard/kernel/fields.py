"""The fields of an application as the dashboard shows and edits them.

Each field is a row of the API's table (`dashboard.api_fields`) with its presentation
here, chosen by its kind of value: its form field (whose cleaned value is already the
API's value), its display on every page that shows an application, a change or a deleted
application's configuration (`kernel/_value.html`), and its canonical value, which
change detection, the audit trail's before/after, the conflict merge, configuration files
and promotion compare.

The rows are read from the API's table at each call (`table()`, `by_name()`,
`editable()`): a field added there is a field of every form and page, with nothing to
add here unless it is of a new kind of value.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django import forms

from dashboard import api_fields
from dashboard.api_fields import BOTH, M2M, OAUTH, TEXTS, ApiField

from . import formfields

__all__ = ["BOTH", "M2M", "OAUTH", "TEXTS", "AppField"]


def _same(value: Any) -> Any:
    return value


def _text_or_none(value: Any) -> Any:
    return value or None


def _redirect_uris(value: Any) -> list[dict]:
    return [{"uri": entry["uri"], "default": bool(entry.get("default"))} for entry in value or []]


def _list(value: Any) -> list:
    return list(value or [])


@dataclass(frozen=True)
class Presentation:
    # How pages show a value: a template branch of kernel/_value.html.
    display: str
    form_field: Callable[[str], forms.Field]
    # The value as plain JSON in one canonical form, so that equal values compare equal.
    normalize: Callable[[Any], Any] = _same


# By kind of value (`api_fields.KINDS_OF_VALUE`); each form field is given the field's label.
PRESENTATIONS = {
    "name": Presentation("text", formfields.name),
    "multiline": Presentation("multiline", formfields.description, _text_or_none),
    "text": Presentation("text", formfields.optional_text, _text_or_none),
    "organization": Presentation("organization", formfields.organization),
    "pkce": Presentation("pkce", formfields.uses_pkce, bool),
    "redirect_uris": Presentation("redirect_uris", formfields.redirect_uris, _redirect_uris),
    "origins": Presentation("codes", formfields.cors_origins, _list),
    "scopes": Presentation("tags", formfields.scopes, _list),
}


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
    # Its kind of value (`api_fields.KINDS_OF_VALUE`).
    value_kind: str = "text"

    def value(self, data: dict) -> Any:
        return self.normalize(data.get(self.name))

    @classmethod
    def of(cls, row: ApiField) -> "AppField":
        shown = PRESENTATIONS[row.value]
        return cls(
            row.name,
            row.label,
            frozenset(row.kinds),
            row.editable,
            shown.display,
            lambda: shown.form_field(row.label),
            shown.normalize,
            row.value,
        )


@cache
def _rows(api_table: tuple[ApiField, ...]) -> tuple[AppField, ...]:
    return tuple(AppField.of(row) for row in api_table)


def table() -> tuple[AppField, ...]:
    """Every field, in the API's table order."""
    return _rows(api_fields.FIELDS)


def editable() -> tuple[AppField, ...]:
    return tuple(field for field in table() if field.editable)


def by_name(name: str) -> AppField | None:
    return next((field for field in table() if field.name == name), None)


def as_data(source: Any) -> dict:
    """An application, request or snapshot as the API's JSON."""
    return source if isinstance(source, dict) else source.model_dump(mode="json")


def kind_of(data: dict) -> str:
    return data.get("application_type", OAUTH)


def fields_of(kind: str, *, editable_only: bool = False) -> tuple[AppField, ...]:
    return tuple(
        field
        for field in (editable() if editable_only else table())
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
        for field in editable()
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
