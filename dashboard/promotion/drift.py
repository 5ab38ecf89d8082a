"""How two copies of an application in different environments compare, and what copying
one's values onto the other makes: pure functions over the table's values (fields.py).

Environments have different rules: production refuses the `http` and `localhost` redirect
URIs and origins a sandbox takes. An entry that one side holds and the other side's rules
refuse is an expected difference: a copy never sends it, and a copy the other way never
removes it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dashboard import uris
from dashboard.applications.fields import BY_NAME, EDITABLE, AppField


def _redirect_uri_rule(entry: dict, production: bool) -> None:
    uris.validate_redirect_uri(entry["uri"], production=production, is_default=entry["default"])


def _origin_rule(entry: str, production: bool) -> None:
    uris.validate_cors_origin(entry, production=production)


# The fields whose entries an environment's rules judge one by one.
_JUDGED = {"redirect_uris": _redirect_uri_rule, "cors_origins": _origin_rule}


def refusal_rule(field: str, entry: Any, *, production: bool) -> str | None:
    """Why an environment with these rules refuses `entry` of list `field`, or None."""
    try:
        _JUDGED[field](entry, production)
    except uris.UriRejected as rejected:
        return rejected.message
    return None


def entry_text(entry: Any) -> str:
    """A redirect URI's URI, or an origin."""
    return entry["uri"] if isinstance(entry, dict) else entry


@dataclass(frozen=True)
class Refusal:
    """An entry of a list field that an environment's rules refuse, and the rule."""

    field: AppField
    # Its position in the field's list.
    index: int
    entry: Any
    rule: str

    @property
    def value(self) -> str:
        return entry_text(self.entry)

    @property
    def default(self) -> bool:
        return isinstance(self.entry, dict) and self.entry["default"]

    def replaced_by(self, value: str) -> Any:
        return {"uri": value, "default": self.default} if isinstance(self.entry, dict) else value


def refusals(values: dict[str, Any], *, production: bool) -> list[Refusal]:
    """The redirect URIs and origins of `values` that an environment with these rules
    refuses, in field then list order."""
    return [
        Refusal(BY_NAME[field], index, entry, rule)
        for field in _JUDGED
        for index, entry in enumerate(values.get(field) or [])
        if (rule := refusal_rule(field, entry, production=production))
    ]


def default_uri(values: dict[str, Any]) -> str | None:
    """The default redirect URI of `values`, if it has one."""
    return next((e["uri"] for e in values.get("redirect_uris") or [] if e["default"]), None)


def _one_default(field: str, entries: list, prefer: str | None = None) -> list:
    """Redirect URIs with exactly one default: the first that is one; if none is, `prefer`
    where it is listed, else the first."""
    if field != "redirect_uris":
        return entries
    chosen = next((index for index, entry in enumerate(entries) if entry["default"]), None)
    if chosen is None:
        chosen = next((index for index, e in enumerate(entries) if e["uri"] == prefer), 0)
    return [
        {"uri": entry["uri"], "default": index == chosen} for index, entry in enumerate(entries)
    ]


def adjusted(
    values: dict[str, Any],
    found: Sequence[Refusal],
    replacements: Sequence[str | None],
    *,
    prefer_default: str | None = None,
) -> dict[str, Any]:
    """`values` with each refused entry replaced by its replacement, or dropped where the
    replacement is empty. A dropped default redirect URI passes its part to
    `prefer_default` if that is listed (the other side's default), else to the first."""
    result = dict(values)
    decided = {
        (refusal.field.name, refusal.index): (refusal, new)
        for refusal, new in zip(found, replacements, strict=True)
    }
    for field in {refusal.field.name for refusal in found}:
        entries = []
        for index, entry in enumerate(values[field]):
            refusal, new = decided.get((field, index), (None, entry))
            if refusal is None:
                entries.append(entry)
            elif new:
                entries.append(refusal.replaced_by(new))
        result[field] = _one_default(field, entries, prefer_default)
    return result


def without_refused(
    values: dict[str, Any], *, production: bool, prefer_default: str | None = None
) -> dict[str, Any]:
    """`values` less every entry that an environment with these rules refuses."""
    found = refusals(values, production=production)
    return adjusted(values, found, [None] * len(found), prefer_default=prefer_default)


@dataclass(frozen=True)
class FieldDrift:
    """A field whose values differ between an application here and its copy there."""

    field: AppField
    here: Any
    there: Any
    # Entries of one side that the other side's rules refuse: {entry text: rule}.
    refused_there: dict[str, str]
    refused_here: dict[str, str]
    # Every difference is such an entry: the environments' rules, not a change, explain it.
    expected: bool

    @property
    def here_entries(self) -> list[tuple[str, bool, str | None]] | None:
        """(text, default, the other side's rule that refuses it) per entry of a list field."""
        return _annotated(self.field, self.here, self.refused_there)

    @property
    def there_entries(self) -> list[tuple[str, bool, str | None]] | None:
        return _annotated(self.field, self.there, self.refused_here)


def _annotated(field: AppField, value: Any, refused: dict[str, str]):
    if field.name not in _JUDGED:
        return None
    return [
        (
            entry_text(entry),
            isinstance(entry, dict) and entry["default"],
            refused.get(entry_text(entry)),
        )
        for entry in value or []
    ]


def compare(
    here: dict[str, Any], there: dict[str, Any], *, here_production: bool, there_production: bool
) -> list[FieldDrift]:
    """Every editable field whose values differ between `here` and `there` (editable values
    of one kind of application), in table order."""
    here_fit = without_refused(here, production=there_production, prefer_default=default_uri(there))
    there_fit = without_refused(there, production=here_production, prefer_default=default_uri(here))
    found = []
    for field in EDITABLE:
        if field.name not in here and field.name not in there:
            continue
        if here.get(field.name) == there.get(field.name):
            continue
        found.append(
            FieldDrift(
                field,
                here.get(field.name),
                there.get(field.name),
                _rules(here, field, there_production),
                _rules(there, field, here_production),
                expected=here_fit.get(field.name) == there_fit.get(field.name),
            )
        )
    return found


def _rules(values: dict[str, Any], field: AppField, production: bool) -> dict[str, str]:
    return {
        refusal.value: refusal.rule
        for refusal in refusals(values, production=production)
        if refusal.field == field
    }


def transfer(
    source: dict[str, Any],
    target: dict[str, Any],
    *,
    source_production: bool,
    target_production: bool,
    replacements: Sequence[str | None] | None = None,
) -> dict[str, Any]:
    """The target's editable values once the source's are copied onto it.

    The source's entries that the target refuses are dropped, or replaced by `replacements`
    (one per `refusals(source, production=target_production)`, in order). The target's own
    entries that the source's rules refuse stay, after the copied ones, and stay the default
    if one was; a list that differs only by such entries stays exactly as it is."""
    found = refusals(source, production=target_production)
    copied = adjusted(
        source,
        found,
        replacements or [None] * len(found),
        prefer_default=default_uri(target),
    )
    target_fit = without_refused(
        target, production=source_production, prefer_default=default_uri(source)
    )
    own = refusals(target, production=source_production)
    result = {}
    for field, value in copied.items():
        if field not in target:
            continue
        if field in _JUDGED and value == target_fit[field]:
            value = target[field]
        elif field in _JUDGED:
            kept = [refusal.entry for refusal in own if refusal.field.name == field]
            if any(refusal.default for refusal in own if refusal.field.name == field):
                value = [{**entry, "default": False} for entry in value]
            value = _one_default(field, [*value, *kept])
        result[field] = value
    return result
