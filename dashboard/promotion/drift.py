"""How two copies of an application in different environments compare, and what copying
one's values onto the other makes: pure functions over the table's values (fields.py).

Environments have different rules: production refuses the `http` and `localhost` redirect
URIs and origins a sandbox takes. An entry that one side holds and the other side's rules
refuse is an expected difference: a copy never sends it, and a copy the other way never
removes it. So is an entry that was replaced when the application was copied: the two
values are counterparts (`http://localhost:3000/cb` here, `https://staging.example.com/cb`
there), and a copy either way turns one into the other.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dashboard import uris
from dashboard.kernel.fields import AppField, by_name, editable

# {(field, a value here): the value that stands for it there}.
Counterparts = Mapping[tuple[str, str], str]


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


def _with_text(entry: Any, text: str) -> Any:
    return {"uri": text, "default": entry["default"]} if isinstance(entry, dict) else text


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
        return _with_text(self.entry, value)


def refusals(
    values: dict[str, Any], *, production: bool, counterparts: Counterparts | None = None
) -> list[Refusal]:
    """The redirect URIs and origins of `values` that an environment with these rules
    refuses and that have no counterpart there, in field then list order."""
    counterparts = counterparts or {}
    return [
        Refusal(by_name(field), index, entry, rule)
        for field in _JUDGED
        for index, entry in enumerate(values.get(field) or [])
        if (field, entry_text(entry)) not in counterparts
        and (rule := refusal_rule(field, entry, production=production))
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
    counterparts: Counterparts | None = None,
    prefer_default: str | None = None,
) -> dict[str, Any]:
    """`values` as the other side is to hold them: each refused entry replaced by its
    replacement, or dropped where that is empty; each entry with a counterpart there turned
    into it. A dropped default redirect URI passes its part to `prefer_default` if that is
    listed (the other side's default), else to the first."""
    counterparts = counterparts or {}
    decided = {
        (refusal.field.name, refusal.index): new
        for refusal, new in zip(found, replacements, strict=True)
    }
    result = dict(values)
    for field in _JUDGED:
        if field not in values:
            continue
        entries = []
        for index, entry in enumerate(values[field]):
            if (field, index) in decided:
                new = decided[field, index]
            else:
                new = counterparts.get((field, entry_text(entry)), entry_text(entry))
            if new:
                entries.append(_with_text(entry, new))
        result[field] = _one_default(field, entries, prefer_default)
    return result


def translated(
    values: dict[str, Any],
    *,
    production: bool,
    counterparts: Counterparts | None = None,
    prefer_default: str | None = None,
) -> dict[str, Any]:
    """`values` as the other side holds them: counterparts turned into theirs, and every
    other entry that the other side's rules refuse left out."""
    found = refusals(values, production=production, counterparts=counterparts)
    return adjusted(
        values,
        found,
        [None] * len(found),
        counterparts=counterparts,
        prefer_default=prefer_default,
    )


def _images(counterparts: Counterparts) -> dict[tuple[str, str], str]:
    """The other side's ends of `counterparts`, each standing for itself."""
    return {(field, there): there for (field, _), there in counterparts.items()}


def inverse(counterparts: Counterparts) -> dict[tuple[str, str], str]:
    """The same counterparts seen from the other side."""
    return {(field, there): here for (field, here), there in counterparts.items()}


# An entry of a compared list: its text, whether it is the default, the other side's rule
# that refuses it, and its counterpart on the other side.
Entry = tuple[str, bool, str | None, str | None]


@dataclass(frozen=True)
class FieldDrift:
    """A field whose values differ between an application here and its copy there."""

    field: AppField
    here: Any
    there: Any
    # Every difference is explained by the environments' rules or by counterparts.
    expected: bool
    here_entries: list[Entry] | None = None
    there_entries: list[Entry] | None = None


def _entries(
    field: AppField, value: Any, production: bool, counterparts: Counterparts
) -> list[Entry] | None:
    if field.name not in _JUDGED:
        return None
    entries = []
    for entry in value or []:
        text, counterpart = entry_text(entry), counterparts.get((field.name, entry_text(entry)))
        rule = None if counterpart else refusal_rule(field.name, entry, production=production)
        entries.append((text, isinstance(entry, dict) and entry["default"], rule, counterpart))
    return entries


def compare(
    here: dict[str, Any],
    there: dict[str, Any],
    *,
    here_production: bool,
    there_production: bool,
    counterparts: Counterparts | None = None,
) -> list[FieldDrift]:
    """Every editable field whose values differ between `here` and `there` (editable values
    of one kind of application), in table order. `counterparts` go from here to there."""
    counterparts = counterparts or {}
    # Both sides as the other side holds them: here's turned into there's, and there's
    # own entries that here's rules refuse left out.
    here_fit = translated(
        here,
        production=there_production,
        counterparts=counterparts,
        prefer_default=default_uri(there),
    )
    there_fit = translated(
        there,
        production=here_production,
        counterparts=_images(counterparts),
        prefer_default=default_uri(here),
    )
    back = inverse(counterparts)
    found = []
    for field in editable():
        if field.name not in here and field.name not in there:
            continue
        if here.get(field.name) == there.get(field.name):
            continue
        found.append(
            FieldDrift(
                field,
                here.get(field.name),
                there.get(field.name),
                expected=here_fit.get(field.name) == there_fit.get(field.name),
                here_entries=_entries(field, here.get(field.name), there_production, counterparts),
                there_entries=_entries(field, there.get(field.name), here_production, back),
            )
        )
    return found


def transfer(
    source: dict[str, Any],
    target: dict[str, Any],
    *,
    source_production: bool,
    target_production: bool,
    replacements: Sequence[str | None] | None = None,
    counterparts: Counterparts | None = None,
) -> dict[str, Any]:
    """The target's editable values once the source's are copied onto it.

    The source's entries with a counterpart in the target become it; the others that the
    target refuses are dropped, or replaced by `replacements` (one per
    `refusals(source, production=target_production, counterparts=counterparts)`, in order).
    The target's own entries that the source's rules refuse stay, after the copied ones,
    and stay the default if one was; a list that differs only by such entries and
    counterparts stays exactly as it is."""
    counterparts = counterparts or {}
    found = refusals(source, production=target_production, counterparts=counterparts)
    copied = adjusted(
        source,
        found,
        replacements or [None] * len(found),
        counterparts=counterparts,
        prefer_default=default_uri(target),
    )
    images = _images(counterparts)
    target_fit = translated(
        target,
        production=source_production,
        counterparts=images,
        prefer_default=default_uri(source),
    )
    own = refusals(target, production=source_production, counterparts=images)
    result = {}
    for field, value in copied.items():
        if field not in target:
            continue
        if field in _JUDGED and value == target_fit[field]:
            value = target[field]
        elif field in _JUDGED:
            kept = [refusal for refusal in own if refusal.field.name == field]
            if any(refusal.default for refusal in kept):
                value = [{**entry, "default": False} for entry in value]
            value = _one_default(field, [*value, *(refusal.entry for refusal in kept)])
        result[field] = value
    return result
