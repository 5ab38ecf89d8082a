"""Readers of request input shared by every resource: the fields of a JSON body, and the
paging parameters and texts of a query string."""

from collections.abc import Callable
from typing import Any

from django.http import QueryDict

from dashboard import rules

from ..errors import FieldError, validation_failed
from ..pagination import CURSORS, DEFAULT_LIMIT, MAX_LIMIT, ORDERS, ListQuery, is_cursor

# A problem with one value: (code, message), or None when there is none.
Check = Callable[[str], tuple[str, str] | None]


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """Whether `value` holds a character that `rules.validate_text` refuses."""
    try:
        rules.validate_text(value, multiline=multiline)
    except rules.RuleBroken:
        return True
    return False


def label(name: str) -> str:
    """A field's name as the words of a message: "resource_type_slug" → "Resource type slug"."""
    return name.replace("_", " ").capitalize()


class Fields:
    """Reads the fields of one JSON object, collecting every problem before refusing."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.errors: list[FieldError] = []

    def error(self, field: str, code: str, message: str) -> None:
        self.errors.append(FieldError(field, code, message))

    def given(self, name: str) -> bool:
        """Present and not null: an explicit null means "not set"."""
        return self.data.get(name) is not None

    def reject_null(self, *names: str) -> None:
        """Refuse an explicit null in fields that the contract does not let be null."""
        for name in names:
            if name in self.data and self.data[name] is None:
                self.error(name, "invalid_type", "May not be null; leave the field out instead.")

    def reject_unknown(self, allowed: set[str]) -> None:
        for name in self.data:
            if name not in allowed:
                self.error(name, "unknown_field", f"“{name}” is not a field of this request.")

    def text(
        self,
        name: str,
        *,
        required: bool = False,
        max_length: int = rules.MAX_NAME,
        multiline: bool = False,
        what: str | None = None,
    ) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.error(name, "required", "This field is required.")
            return None
        if not isinstance(value, str):
            self.error(name, "invalid_type", "Must be a string.")
            return None
        if required and not value.strip():
            self.error(name, "blank", "May not be blank.")
            return None
        if len(value) > max_length:
            self.error(
                name, "too_long", rules.too_long(what or label(name), max_length, len(value))
            )
            return None
        try:
            rules.validate_text(value, multiline=multiline)
        except rules.RuleBroken as broken:
            self.error(name, broken.code, broken.message)
            return None
        return value.strip() if required else value

    def boolean(self, name: str, *, required: bool = False) -> bool | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.error(name, "required", "This field is required.")
            return None
        if not isinstance(value, bool):
            self.error(name, "invalid_type", "Must be true or false.")
            return None
        return value

    def list_of(self, name: str, *, what: str) -> list | None:
        """The list in field `name`, of at most `rules.MAX_LIST_ITEMS` `what` (plural)."""
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, list):
            self.error(name, "invalid_type", "Must be a list.")
            return None
        if len(value) > rules.MAX_LIST_ITEMS:
            self.error(name, "too_many", rules.too_many(what, rules.MAX_LIST_ITEMS, len(value)))
            return None
        return value

    def unique_strings(self, name: str, *, what: str, check: Check) -> list[str] | None:
        """A list of distinct strings, each passing `check`."""
        values = self.list_of(name, what=what)
        if values is None:
            return None
        cleaned: list[str] = []
        for index, value in enumerate(values):
            field = f"{name}[{index}]"
            if not isinstance(value, str):
                self.error(field, "invalid_type", "Must be a string.")
                continue
            problem = check(value)
            if problem:
                self.error(field, *problem)
            elif value in cleaned:
                self.error(field, "duplicate", f"“{value}” is listed twice.")
            else:
                cleaned.append(value)
        return cleaned

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise validation_failed(self.errors)


def query_text(
    query: QueryDict, name: str, errors: list[FieldError], max_length: int = rules.MAX_QUERY_TEXT
) -> str | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    if len(value) > max_length:
        errors.append(
            FieldError(name, "invalid_value", rules.too_long(f"“{name}”", max_length, len(value)))
        )
        return None
    try:
        rules.validate_text(value)
    except rules.RuleBroken as broken:
        errors.append(FieldError(name, "invalid_value", f"“{name}”: {broken.message}"))
        return None
    return value


def list_query(
    query: QueryDict, errors: list[FieldError], *, id_prefix: str | None = None
) -> ListQuery:
    """The paging parameters every list shares; problems are added to `errors`.

    `id_prefix` is the prefix of the list's IDs, which its cursors must have."""
    # A parameter that is present must be valid, even when it is empty.
    limit = DEFAULT_LIMIT
    raw_limit = query.get("limit")
    if raw_limit is not None:
        if not (
            len(raw_limit) <= len(str(MAX_LIMIT))
            and raw_limit.isascii()
            and raw_limit.isdigit()
            and 1 <= int(raw_limit) <= MAX_LIMIT
        ):
            errors.append(
                FieldError(
                    "limit",
                    "invalid_value",
                    f"“limit” must be a whole number from 1 to {MAX_LIMIT}.",
                )
            )
        else:
            limit = int(raw_limit)
    order = query.get("order", "desc")
    if order not in ORDERS:
        errors.append(
            FieldError("order", "invalid_value", "“order” must be “desc”, “asc” or “normal”.")
        )
        order = "desc"
    cursors = {name: _cursor(query, name, errors, id_prefix) for name in CURSORS}
    if cursors["before"] and cursors["after"]:
        errors.append(
            FieldError("before", "invalid_value", "Give either “before” or “after”, not both.")
        )
    return ListQuery(limit=limit, order=order, **cursors)


def _cursor(
    query: QueryDict, name: str, errors: list[FieldError], id_prefix: str | None
) -> str | None:
    """A cursor is the ID of one of the list's objects, as a page's list_metadata gives it."""
    # A prefix and a 26-character ULID: "authorized_connect_app_…" is longer than most IDs.
    max_length = max(rules.MAX_ID, len(id_prefix or "") + 26)
    value = query_text(query, name, errors, max_length=max_length)
    if value is None or is_cursor(value, id_prefix):
        return value
    shape = f"“{id_prefix}”" if id_prefix else "a prefix ending in “_”"
    errors.append(
        FieldError(
            name,
            "invalid_value",
            f"“{name}” must be the ID of an object of this list ({shape} and 26 letters and "
            "digits), as the list_metadata of a page gives it.",
        )
    )
    return None
