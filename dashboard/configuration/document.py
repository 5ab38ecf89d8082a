"""The configuration file: an environment's Connect applications as code (version 1).

    version: 1
    applications:
      customer-portal:
        name: Customer Portal
        application_type: oauth
        is_first_party: true
        uses_pkce: true
        redirect_uris:
          - uri: https://portal.example.com/callback
            default: true
        cors_origins: []
        scopes: [openid, profile]

`schema.json` beside this module is the format's JSON Schema. Reading checks the text
against it, then against the rules the API applies (`dashboard.rules`, `dashboard.uris`,
production's included), and reports every problem with its line and field; nothing else
runs until a file is free of them. Writing gives the same text for the same applications
in any environment: no ID, client ID, secret or date, organizations by name, entries in
the order of their keys.

This module knows nothing of the API: `services` reads and changes environments.
"""

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from django.utils.text import slugify

from dashboard import rules, uris
from dashboard.applications import fields

VERSION = 1
FORMATS = ("yaml", "json")
SCHEMA_PATH = Path(__file__).with_name("schema.json")
MAX_KEY_BASE = 60

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_HEADER = (
    "# Connect applications as code, version 1: matched by name, organizations by name.\n"
    "# Check with `manage.py connect plan FILE`, apply with `manage.py connect apply FILE`.\n"
)
_NESTING_LIMIT = 20

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """What is wrong with a file, where: its `line` (1-based) and `field`, when known."""

    message: str
    field: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = ", ".join(
            part for part in (f"line {self.line}" if self.line else "", self.field) if part
        )
        return f"{where}: {self.message}" if where else self.message


class InvalidDocument(ValueError):
    """The file cannot be used; `problems` says every reason, each with its line and field."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems), key=lambda p: (p.line or 0, p.field, p.message))
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class Entry:
    """One application of a file, its values as the file means them: `description` None
    when empty, lists present (maybe empty), the default redirect URI marked."""

    key: str
    values: dict[str, Any]
    line: int | None = None

    @property
    def name(self) -> str:
        return self.values["name"]


@dataclass(frozen=True)
class Document:
    entries: tuple[Entry, ...]
    # The line of each field of the file, by path: ("applications", "portal", "scopes", 0).
    lines: Mapping[Path_, int] = field(default_factory=dict, repr=False)

    def line_of(self, path: Path_) -> int | None:
        """The line of `path`, or of the nearest field that holds it."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def field_path(path: Iterable[str | int]) -> str:
    """("applications", "portal", "redirect_uris", 0, "uri") as
    “applications.portal.redirect_uris[0].uri”."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


# --- Reading ------------------------------------------------------------------------------------


def parse(text: str, *, production: bool, file_format: str | None = None) -> Document:
    """The document in `text` (YAML, or JSON, found from the text when `file_format` is None),
    checked for an environment where production rules apply or not; or `InvalidDocument`."""
    file_format = file_format or detect_format(text)
    data, lines = _load_json(text) if file_format == "json" else _load_yaml(text)
    document = Document((), lines)

    def problem(path: Path_, message: str) -> Problem:
        return Problem(message, field_path(path), document.line_of(path))

    # One problem per field: the first the schema finds (an unknown field, before what a
    # type's own rules say of it).
    found: dict[Path_, str] = {}
    for path, message in _schema_problems(data):
        found.setdefault(path, message)
    if found:
        raise InvalidDocument(problem(path, message) for path, message in found.items())
    entries, rule_problems = [], []
    for key, values in data["applications"].items():
        path = ("applications", key)
        found = list(_rule_problems(values, production=production))
        rule_problems += [problem(path + where, message) for where, message in found]
        if not found:
            entries.append(Entry(key, _normalized(values), document.line_of(path)))
    if rule_problems:
        raise InvalidDocument(rule_problems)
    return Document(tuple(entries), lines)


def detect_format(text: str) -> str:
    return "json" if text.lstrip("\ufeff \t\r\n").startswith("{") else "yaml"


class _Unusable(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


def _load_yaml(text: str) -> tuple[Any, dict[Path_, int]]:
    loader = _YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InvalidDocument([Problem("The file is empty.")])
        reader = _NodeReader(loader)
        data = reader.read(node, ())
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = " ".join(part for part in (error.problem, error.context) if part)
        raise InvalidDocument(
            [Problem(f"Not valid YAML: {what}.", line=mark.line + 1 if mark else None)]
        ) from error
    except yaml.YAMLError as error:
        raise InvalidDocument([Problem(f"Not valid YAML: {error}.")]) from error
    except RecursionError as error:
        raise InvalidDocument([Problem("The file is nested too deeply to be read.")]) from error
    except _Unusable as unusable:
        raise InvalidDocument([unusable.problem]) from None
    finally:
        loader.dispose()
    if reader.problems:
        raise InvalidDocument(reader.problems)
    return data, reader.lines


def _load_json(text: str) -> tuple[Any, dict[Path_, int]]:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                duplicates.append(key)
            seen[key] = value
        return seen

    try:
        data = json.loads(text.lstrip("\ufeff"), object_pairs_hook=pairs)
    except json.JSONDecodeError as error:
        raise InvalidDocument(
            [Problem(f"Not valid JSON: {error.msg} (column {error.colno}).", line=error.lineno)]
        ) from error
    except RecursionError as error:
        raise InvalidDocument([Problem("The file is nested too deeply to be read.")]) from error
    lines = _json_lines(text)
    if duplicates:
        # The YAML reader of the same text says where, when it can read it.
        try:
            _load_yaml(text)
        except InvalidDocument as invalid:
            located = [
                problem for problem in invalid.problems if "written twice" in problem.message
            ]
            if located:
                raise InvalidDocument(located) from None
        raise InvalidDocument([Problem(f"“{key}” is written twice.") for key in duplicates])
    return data, lines


def _json_lines(text: str) -> dict[Path_, int]:
    """Where each field of a JSON text is, read as YAML (which JSON nearly always is); no
    lines when it cannot be read so."""
    try:
        return _load_yaml(text)[1]
    except InvalidDocument:
        return {}


class _NodeReader:
    """Plain data from YAML nodes, with the line of each field. Anchors and aliases are
    refused (an alias repeats a node: a few lines could stand for billions of values),
    so are keys that are not text, and keys written twice."""

    def __init__(self, loader: yaml.SafeLoader):
        self.loader = loader
        self.lines: dict[Path_, int] = {}
        self.problems: list[Problem] = []
        self.seen: set[int] = set()

    def read(self, node: yaml.Node, path: Path_) -> Any:
        line = node.start_mark.line + 1
        if id(node) in self.seen:
            raise _Unusable(
                Problem(
                    "Anchors and aliases (& and *) are not supported: write each value out "
                    f"(this one repeats line {line}).",
                    field_path(path),
                    line,
                )
            )
        self.seen.add(id(node))
        if len(path) > _NESTING_LIMIT:
            raise _Unusable(Problem("Nested too deeply.", field_path(path), line))
        self.lines.setdefault(path, line)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.read(item, (*path, index)) for index, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict:
        result: dict = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = (
                self.loader.construct_object(key_node, deep=True)
                if isinstance(key_node, yaml.ScalarNode)
                else None
            )
            if not isinstance(key, str):
                self.problems.append(
                    Problem("A key must be text (put it in quotes).", field_path(path), line=line)
                )
                continue
            if key in result:
                first = self.lines[(*path, key)]
                self.problems.append(
                    Problem(
                        f"“{key}” is written twice (first on line {first}).",
                        field_path((*path, key)),
                        line,
                    )
                )
                continue
            self.lines[(*path, key)] = line
            result[key] = self.read(value_node, (*path, key))
        return result


# --- The schema ---------------------------------------------------------------------------------


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


@cache
def _validator() -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema())
    return jsonschema.Draft202012Validator(schema())


_TYPE_WORDS = {
    "string": "text",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of fields",
    "null": "null",
    "integer": "a whole number",
    "number": "a number",
}


def _schema_problems(data: Any) -> Iterator[tuple[Path_, str]]:
    """(path, message) of each place where `data` breaks the schema, in words."""
    if not isinstance(data, dict):
        yield (), "The file must be a mapping with “version” and “applications”."
        return
    for error in _validator().iter_errors(data):
        yield from _explained(error)


def _explained(error: jsonschema.ValidationError) -> Iterator[tuple[Path_, str]]:
    path: Path_ = tuple(error.absolute_path)
    schema_path = tuple(error.absolute_schema_path)
    validator, value, instance = error.validator, error.validator_value, error.instance
    # The conditional rules of the schema say in words what they require.
    said = error.schema.get("description") if "then" in schema_path else None
    if "propertyNames" in schema_path:
        yield (
            (*path, instance),
            f"“{instance}” cannot be a key: use lowercase letters and digits, words joined by "
            "hyphens (such as “customer-portal”), at most 80 characters.",
        )
    elif validator == "required":
        for name in value:
            if name not in instance:
                yield (*path, name), said or f"“{name}” is required."
    elif validator == "additionalProperties":
        known = error.schema.get("properties", {})
        for name in instance:
            if name not in known:
                yield (
                    (*path, name),
                    said or f"“{name}” is not a field here; the fields are {', '.join(known)}.",
                )
    elif validator == "not" and said:
        for name in value.get("required", []):
            yield (*path, name), said
    elif validator == "type":
        expected = [value] if isinstance(value, str) else value
        words = " or ".join(_TYPE_WORDS.get(kind, kind) for kind in expected)
        hint = (
            " YAML reads yes, no, on and off as true or false: put the text in quotes."
            if isinstance(instance, bool) and "string" in expected
            else ""
        )
        yield path, f"Must be {words}.{hint}"
    elif validator == "const" and path == ("version",):
        yield path, f"This dashboard reads version {VERSION} files; this one says {instance!r}."
    elif validator in ("const", "enum"):
        allowed = [value] if validator == "const" else value
        yield path, f"Must be {' or '.join(json.dumps(item) for item in allowed)}."
    elif validator == "minLength":
        yield path, "May not be empty."
    elif validator == "maxLength":
        yield path, rules.too_long("The value", value, len(instance))
    elif validator == "maxItems":
        yield path, rules.too_many("entries", value, len(instance))
    else:
        yield path, error.message


# --- The API's rules ----------------------------------------------------------------------------


def _rule_problems(values: dict, *, production: bool) -> Iterator[tuple[Path_, str]]:
    """(path within the application, message) for each value the API would refuse."""
    try:
        rules.validate_text(values["name"])
        if not values["name"].strip():
            yield ("name",), "May not be blank."
    except rules.RuleBroken as broken:
        yield ("name",), broken.message
    for name, multiline in (("description", True), ("organization", False)):
        if values.get(name):
            try:
                rules.validate_text(values[name], multiline=multiline)
            except rules.RuleBroken as broken:
                yield (name,), broken.message
    yield from _distinct(values.get("scopes", []), "scopes", rules.validate_scope)
    yield from _distinct(
        values.get("cors_origins", []),
        "cors_origins",
        lambda origin: uris.validate_cors_origin(origin, production=production),
    )
    entries = values.get("redirect_uris", [])
    marked = [index for index, entry in enumerate(entries) if entry.get("default")]
    if len(marked) > 1:
        yield ("redirect_uris",), "At most one redirect URI may be the default."
    default = marked[0] if marked else 0
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = ("redirect_uris", index, "uri")
        try:
            uris.validate_redirect_uri(
                entry["uri"], production=production, is_default=index == default
            )
        except uris.UriRejected as rejected:
            yield where, rejected.message
        if entry["uri"] in seen:
            yield where, f"“{rules.visible(entry['uri'])}” is listed twice."
        seen.add(entry["uri"])


def _distinct(values: list[str], name: str, check) -> Iterator[tuple[Path_, str]]:
    seen: set[str] = set()
    for index, value in enumerate(values):
        try:
            check(value)
        except (rules.RuleBroken, uris.UriRejected) as broken:
            yield (name, index), broken.message
        if value in seen:
            yield (name, index), f"“{rules.visible(value)}” is listed twice."
        seen.add(value)


def _normalized(values: dict) -> dict[str, Any]:
    """An application's values as the API will hold them once applied."""
    oauth = values["application_type"] == "oauth"
    result: dict[str, Any] = {
        # The API keeps a name without the spaces around it.
        "name": values["name"].strip(),
        "application_type": values["application_type"],
        "organization": values.get("organization"),
        "description": values.get("description") or None,
        "scopes": list(values.get("scopes", [])),
    }
    if oauth:
        entries = [
            {"uri": entry["uri"], "default": bool(entry.get("default"))}
            for entry in values.get("redirect_uris", [])
        ]
        if entries and not any(entry["default"] for entry in entries):
            entries[0]["default"] = True  # As the API does.
        result |= {
            "is_first_party": values["is_first_party"],
            "uses_pkce": values.get("uses_pkce", False),
            "redirect_uris": entries,
            "cors_origins": list(values.get("cors_origins", [])),
        }
    return result


# --- Writing ------------------------------------------------------------------------------------


def values_of(app: Any, organization_name: str | None) -> dict[str, Any]:
    """An application of the API as a file's values (as `_normalized` gives them)."""
    data = fields.as_data(app)
    oauth = data["application_type"] == fields.OAUTH
    fixed = {"application_type": data["application_type"], "organization": organization_name}
    if oauth:
        fixed["is_first_party"] = bool(data.get("is_first_party"))
        fixed["uses_pkce"] = bool(data.get("uses_pkce"))
    return fixed | fields.editable_values(data)


def key_base(name: str) -> str:
    """The key a name gives before clashes: “Mobile App (iOS)” → “mobile-app-ios”."""
    slug = re.sub(r"[^a-z0-9]+", "-", slugify(name)).strip("-")
    return slug[:MAX_KEY_BASE].strip("-") or "application"


def keyed(names: list[str]) -> list[tuple[int, str]]:
    """(index into `names`, key) in the order the file lists them. `names` are in order of
    creation; names that give the same key base are ordered by name, then creation, and the
    first takes the base, the others -2, -3... (skipping another name's base)."""
    bases = [key_base(name) for name in names]
    natural = set(bases)
    taken: set[str] = set()
    result = []
    for index in sorted(range(len(names)), key=lambda i: (bases[i], names[i], i)):
        key, number = bases[index], 1
        while key in taken:
            number += 1
            key = f"{bases[index]}-{number}"
            if key in natural:
                key = bases[index]  # Another name's own key: try the next number.
        taken.add(key)
        result.append((index, key))
    return result


def file_data(values: list[dict[str, Any]]) -> dict[str, Any]:
    """The file's data for applications given as `values_of` them, in order of creation."""
    applications = {}
    for index, key in keyed([item["name"] for item in values]):
        applications[key] = as_written(values[index])
    return {"version": VERSION, "applications": applications}


def as_written(values: dict[str, Any]) -> dict[str, Any]:
    """An application's values as the file writes them: every field its type has, but no
    organization where it has none, no empty description, `default` only where true."""
    written: dict[str, Any] = {
        "name": values["name"],
        "application_type": values["application_type"],
    }
    oauth = values["application_type"] == "oauth"
    if oauth:
        written["is_first_party"] = values["is_first_party"]
    if values["organization"] is not None:
        written["organization"] = values["organization"]
    if values["description"]:
        written["description"] = values["description"]
    if oauth:
        written["uses_pkce"] = values["uses_pkce"]
        written["redirect_uris"] = [
            {"uri": entry["uri"], **({"default": True} if entry["default"] else {})}
            for entry in values["redirect_uris"]
        ]
        written["cors_origins"] = values["cors_origins"]
    written["scopes"] = values["scopes"]
    return written


class _Dumper(_YAML_DUMPER):
    """Block style throughout; text of several lines as a literal block (`|`)."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def render(data: dict[str, Any], file_format: str = "yaml") -> str:
    if file_format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    body = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        # One line per value however long: a changed word changes one line of a diff.
        width=2**31 - 1,
    )
    return _HEADER + body
