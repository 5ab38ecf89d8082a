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
against it and against the rules the API applies (`dashboard.rules`, `dashboard.uris`,
production's included), and reports every problem at once, each with its line and field;
nothing else runs until a file is free of them. YAML is read as YAML 1.2 reads it: only
`true` and `false` are booleans (`yes`, `no`, `on` and `off` are text, as are dates).
Writing gives the same text for the same applications in any environment: no ID, client
ID, secret or date, organizations by name, entries in the order of their keys.

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

from dashboard import api_fields, rules, uris
from dashboard.kernel import fields

VERSION = 1
FORMATS = ("yaml", "json")
SCHEMA_PATH = Path(__file__).with_name("schema.json")
MAX_KEY_BASE = 60

_HEADER = (
    "# Connect applications as code, version 1: matched by name, organizations by name.\n"
    "# Check with `manage.py connect plan FILE`, apply with `manage.py connect apply FILE`.\n"
    "# Left out: the dashboard's own staff sign-in application and the test callbacks\n"
    "# (.../try-sign-in/callback) of its “Try the sign-in”; applying leaves them as they are.\n"
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


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML 1.2's core schema. PyYAML reads YAML 1.1, where `yes`, `no`, `on` and `off` are
    booleans, `010` is eight and `2024-01-01` a date: here they are text and numbers as
    YAML 1.2 (and every other reader of this file format) takes them."""

    yaml_implicit_resolvers: dict = {}


_CORE_SCHEMA = (
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    (
        "float",
        r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?(?:\.inf|\.Inf|\.INF)|\.nan|\.NaN|\.NAN",
        "-+0123456789.",
    ),
    ("null", r"null|Null|NULL|~|", ["n", "N", "~", ""]),
)
for _kind, _pattern, _first in _CORE_SCHEMA:
    _Loader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_kind}", re.compile(f"^(?:{_pattern})$"), list(_first)
    )


def _core_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    value = loader.construct_scalar(node)
    try:
        if value.startswith(("0o", "0x")):
            return int(value[2:], 8 if value[1] == "o" else 16)
        return int(value)
    except ValueError:  # Tagged `!!int` by hand.
        raise yaml.constructor.ConstructorError(
            None, None, f"“{value}” is not a whole number", node.start_mark
        ) from None


def _core_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    value = loader.construct_scalar(node)
    try:
        return float(value.lower().replace(".inf", "inf").replace(".nan", "nan"))
    except ValueError:  # Tagged `!!float` by hand.
        raise yaml.constructor.ConstructorError(
            None, None, f"“{value}” is not a number", node.start_mark
        ) from None


_Loader.add_constructor("tag:yaml.org,2002:int", _core_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _core_float)
# YAML 1.1's words for true and false, which a boolean field is told are text here.
_YAML_1_1_BOOLEANS = {"yes", "no", "on", "off", "y", "n"}


def parse(text: str, *, production: bool, file_format: str | None = None) -> Document:
    """The document in `text` (YAML, or JSON, found from the text when `file_format` is None),
    checked for an environment where production rules apply or not; or `InvalidDocument`
    with every problem of the file (a file that is not YAML or JSON at all has one)."""
    file_format = file_format or detect_format(text)
    data, lines, read = _load_json(text) if file_format == "json" else _load_yaml(text)
    document = Document((), lines)

    def problem(path: Path_, message: str) -> Problem:
        return Problem(message, field_path(path), document.line_of(path))

    # One problem per field: the first found (a key written twice, an unknown field,
    # before what a type's own rules say of it).
    reported = {path for path, _ in read}
    found: dict[Path_, str] = {}
    for path, message in _schema_problems(data):
        if path not in reported:
            found.setdefault(path, message)
    applications = data.get("applications") if isinstance(data, dict) else None
    if isinstance(applications, dict):
        for key, values in applications.items():
            path = ("applications", key)
            if not isinstance(values, dict) or path in found or path in reported:
                continue
            checked = {
                name: value
                for name, value in values.items()
                # Values the schema refused are not judged again by the API's rules.
                if not any(where[:3] == (*path, name) for where in found)
            }
            for where, message in _rule_problems(checked, production=production):
                found.setdefault(path + where, message)
        for where, message in _same_names(applications, document):
            found.setdefault(where, message)
    if read or found:
        raise InvalidDocument(
            [located for _, located in read]
            + [problem(path, message) for path, message in found.items()]
        )
    entries = tuple(
        Entry(key, _normalized(values), document.line_of(("applications", key)))
        for key, values in applications.items()
    )
    return Document(entries, lines)


def _same_names(applications: dict, document: Document) -> Iterator[tuple[Path_, str]]:
    """Entries named as an earlier one: applications are matched by name, so a name that
    two entries give could pair either with the environment's application."""
    first: dict[str, str] = {}
    for key, values in applications.items():
        name = values.get("name") if isinstance(values, dict) else None
        if not isinstance(name, str) or not name.strip():
            continue
        earlier = first.setdefault(name.strip(), key)
        if earlier != key:
            lines = [document.line_of(("applications", k, "name")) for k in (earlier, key)]
            yield (
                ("applications", key, "name"),
                f"“{rules.visible(name.strip())}” names two entries, {earlier} (line "
                f"{lines[0]}) and {key} (line {lines[1]}): applications are matched by name, "
                "so each entry needs a name of its own.",
            )


def detect_format(text: str) -> str:
    return "json" if text.lstrip("\ufeff \t\r\n").startswith("{") else "yaml"


# A problem the reader found, with the path of the field it is about.
_Found = tuple[Path_, Problem]


def _load_yaml(text: str) -> tuple[Any, dict[Path_, int], list[_Found]]:
    """The data of `text`, the line of each field, and the problems of its keys and nodes
    (the data leaves out what they are about); `InvalidDocument` when it is not YAML."""
    loader = _Loader(text)
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
    finally:
        loader.dispose()
    return data, reader.lines, reader.problems


def _load_json(text: str) -> tuple[Any, dict[Path_, int], list[_Found]]:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                duplicates.append(key)
            else:
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
    # Read as YAML (which JSON nearly always is) for the line of each field, and of each key
    # written twice; without lines when it cannot be read so.
    try:
        _, lines, found = _load_yaml(text)
    except InvalidDocument:
        lines, found = {}, []
    located = [(path, problem) for path, problem in found if "written twice" in problem.message]
    if duplicates and not located:
        located = [((), Problem(f"“{key}” is written twice.")) for key in duplicates]
    return data, lines, located if duplicates else []


class _NodeReader:
    """Plain data from YAML nodes, with the line of each field. Anchors and aliases are
    refused (an alias repeats a node: a few lines could stand for billions of values),
    so are keys that are not text, and keys written twice: each is a problem, and what it
    is about is left out of the data (None in place of an alias)."""

    def __init__(self, loader: yaml.SafeLoader):
        self.loader = loader
        self.lines: dict[Path_, int] = {}
        self.problems: list[_Found] = []
        self.seen: set[int] = set()

    def _problem(self, path: Path_, message: str, line: int) -> None:
        self.problems.append((path, Problem(message, field_path(path), line)))

    def read(self, node: yaml.Node, path: Path_) -> Any:
        line = node.start_mark.line + 1
        self.lines.setdefault(path, line)
        if id(node) in self.seen:
            self._problem(
                path,
                "Anchors and aliases (& and *) are not supported: write each value out "
                f"(this one repeats line {line}).",
                line,
            )
            return None
        self.seen.add(id(node))
        if len(path) > _NESTING_LIMIT:
            self._problem(path, "Nested too deeply.", line)
            return None
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
                self._problem(path, "A key must be text (put it in quotes).", line)
                continue
            if key in result:
                first = self.lines[(*path, key)]
                self._problem(
                    (*path, key), f"“{key}” is written twice (first on line {first}).", line
                )
                continue
            self.lines[(*path, key)] = line
            result[key] = self.read(value_node, (*path, key))
        return result


# --- The schema ---------------------------------------------------------------------------------


# The schema of a field that `schema.json` does not describe, by its kind of value.
_SCHEMA_OF_KIND = {
    "text": {"type": ["string", "null"], "maxLength": rules.MAX_NAME},
}


def _file_key(row: api_fields.ApiField) -> str:
    """A field's key in a file: organizations are named there, not identified."""
    return "organization" if row.name == "organization_id" else row.name


def schema() -> dict:
    return _schema(api_fields.FIELDS)


@cache
def _schema(table: tuple[api_fields.ApiField, ...]) -> dict:
    """`schema.json`, with every field of the table: those it does not describe are
    described by their kind of value, and M2M entries have exactly the fields the table
    gives M2M applications."""
    written = json.loads(SCHEMA_PATH.read_text())
    application = written["$defs"]["application"]
    for row in table:
        if row.name != "organization_id" and row.name not in application["properties"]:
            described = {"description": row.label} | _SCHEMA_OF_KIND[row.value]
            application["properties"][row.name] = described
    m2m_only = next(rule["then"] for rule in application["allOf"] if "properties" in rule["then"])
    m2m_keys = [_file_key(row) for row in table if api_fields.M2M in row.kinds]
    m2m_only["properties"] = dict.fromkeys(["application_type", *m2m_keys], True)
    return written


def _validator() -> jsonschema.Draft202012Validator:
    return _checker(api_fields.FIELDS)


@cache
def _checker(table: tuple[api_fields.ApiField, ...]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(_schema(table))
    return jsonschema.Draft202012Validator(_schema(table))


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
            f" “{instance}” is text here, as YAML 1.2 reads it: write true or false."
            if isinstance(instance, str)
            and instance.lower() in _YAML_1_1_BOOLEANS
            and "boolean" in expected
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
    """(path within the application, message) for each value the API would refuse, of the
    values given (those the schema found well-formed)."""
    if "name" in values:
        try:
            rules.validate_text(values["name"])
            if not values["name"].strip():
                yield ("name",), "May not be blank."
        except rules.RuleBroken as broken:
            yield ("name",), broken.message
    texts = [(row.name, row.value == "multiline") for row in _texts()]
    for name, multiline in (*texts, ("organization", False)):
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


def _texts() -> tuple[api_fields.ApiField, ...]:
    """The table's fields of free text, which a file leaves out when empty."""
    return tuple(row for row in api_fields.FIELDS if row.value in api_fields.TEXTS)


def _read(row: api_fields.ApiField, values: dict) -> Any:
    """The value of `row` that a file's entry means, as the API will hold it once applied."""
    value = values.get(row.name)
    if row.value == "name":
        return value.strip()  # The API keeps a name without the spaces around it.
    if row.value in api_fields.TEXTS:
        return value or None
    if row.value == "pkce":
        return bool(value)
    if row.value == "redirect_uris":
        entries = [{"uri": entry["uri"], "default": bool(entry.get("default"))}
                   for entry in value or []]  # fmt: skip
        if entries and not any(entry["default"] for entry in entries):
            entries[0]["default"] = True  # As the API does.
        return entries
    return list(value or [])


def _normalized(values: dict) -> dict[str, Any]:
    """An application's values as the API will hold them once applied."""
    kind = values["application_type"]
    result: dict[str, Any] = {"application_type": kind, "organization": values.get("organization")}
    if kind == api_fields.OAUTH:
        result["is_first_party"] = values["is_first_party"]
    return result | {
        row.name: _read(row, values)
        for row in api_fields.fields_of(kind)
        if row.name != "organization_id"
    }


# --- Writing ------------------------------------------------------------------------------------


def values_of(app: Any, organization_name: str | None) -> dict[str, Any]:
    """An application of the API as a file's values (as `_normalized` gives them)."""
    data = fields.as_data(app)
    kind = data["application_type"]
    values = {"application_type": kind, "organization": organization_name}
    if kind == fields.OAUTH:
        values["is_first_party"] = bool(data.get("is_first_party"))
    return values | {
        field.name: field.value(data)
        for field in fields.fields_of(kind)
        if field.name != "organization_id"
    }


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
    """An application's values as the file writes them: what it is first (name, type,
    party, organization), then every field its type has in the table's order, but no
    organization where it has none, no empty text, `default` only where true."""
    kind = values["application_type"]
    written: dict[str, Any] = {"name": values["name"], "application_type": kind}
    if kind == api_fields.OAUTH:
        written["is_first_party"] = values["is_first_party"]
    if values["organization"] is not None:
        written["organization"] = values["organization"]
    for row in api_fields.fields_of(kind):
        value = values.get(row.name)
        if row.name in written or row.name == "organization_id":
            continue
        if row.value in api_fields.TEXTS and not value:
            continue
        if row.value == "redirect_uris":
            value = [
                {"uri": entry["uri"], **({"default": True} if entry["default"] else {})}
                for entry in value
            ]
        written[row.name] = value
    return written


class _Dumper(yaml.SafeDumper):
    """Block style throughout; text of several lines as a literal block (`|`). PyYAML's own
    emitter rather than libyaml's, which writes a character beyond U+FFFF (an emoji) as an
    escape such as \\U0001F3E5 whatever `allow_unicode` says."""


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
