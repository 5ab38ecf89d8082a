"""What applying a file to an environment would do: a pure function of the file and of what
the environment holds, so that a plan is shown exactly as it will be carried out.

Applications are matched by name: WorkOS applications have no field of their own to carry
a key, and IDs and client IDs differ between environments. A file names each application
once; applications of the environment that share a name are paired in order of creation.
"""

import hashlib
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Literal

from dashboard import api_fields
from dashboard.connect.models import (
    ApplicationUpdate,
    M2MApplicationCreate,
    OAuthApplicationCreate,
    Organization,
    UnreadableRecord,
)
from dashboard.kernel import fields, footprint

from .document import Document, Entry, Problem, field_path


def _fixed() -> tuple[str, ...]:
    """The API's fields set when an application is created, which it refuses to change."""
    return ("application_type", "is_first_party") + tuple(
        row.name for row in api_fields.FIELDS if not row.editable
    )


Verb = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class Action:
    verb: Verb
    name: str
    # The file's key; None for a deletion, which the file does not list.
    key: str | None = None
    line: int | None = None
    # The environment's application, for an update or a deletion.
    app: Any = None
    request: OAuthApplicationCreate | M2MApplicationCreate | ApplicationUpdate | None = None
    # An update's {field: {"before", "after"}}, as the audit trail records changes.
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What a creation makes, as the file says it (organization by name).
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def past_tense(self) -> str:
        return {"create": "created", "update": "changed", "delete": "deleted"}[self.verb]

    @property
    def label(self) -> str:
        return f"{self.key} (“{self.name}”)" if self.key else f"“{self.name}” ({self.app.id})"

    def fingerprint(self) -> list:
        return [
            self.verb,
            self.key,
            self.name,
            getattr(self.app, "id", None),
            self.app.updated_at.isoformat() if self.app is not None else None,
            self.request.to_body() if self.request is not None else None,
        ]


@dataclass(frozen=True)
class Plan:
    environment: str
    prune: bool
    actions: tuple[Action, ...] = ()
    # Keys of the file's applications that are already as the file says.
    unchanged: tuple[str, ...] = ()
    # The environment's applications that the file does not list, kept without --prune.
    kept: tuple[Any, ...] = ()
    # Applications of a type this dashboard does not know: never compared or deleted.
    unmanaged: tuple[Any, ...] = ()
    # The applications the dashboard's staff sign in through that the file does not list:
    # never deleted, even with --prune (staff sign-in would stop).
    own: tuple[Any, ...] = ()
    # Why the plan cannot be applied; nothing is applied while there is one.
    problems: tuple[Problem, ...] = ()

    def of(self, verb: Verb) -> list[Action]:
        return [action for action in self.actions if action.verb == verb]

    @property
    def creates(self) -> list[Action]:
        return self.of("create")

    @property
    def updates(self) -> list[Action]:
        return self.of("update")

    @property
    def deletes(self) -> list[Action]:
        return self.of("delete")

    @property
    def summary(self) -> str:
        counts = [
            f"{len(self.creates)} to create",
            f"{len(self.updates)} to change",
            f"{len(self.deletes)} to delete",
            f"{len(self.unchanged)} unchanged",
        ]
        if self.kept:
            counts.append(f"{len(self.kept)} not in the file, kept")
        return ", ".join(counts)

    @property
    def fingerprint(self) -> str:
        """Equal for equal plans: the dashboard applies only the plan it showed."""
        text = json.dumps(
            [self.environment, self.prune, [action.fingerprint() for action in self.actions]],
            sort_keys=True,
        )
        return hashlib.sha256(text.encode()).hexdigest()


def plan_changes(
    document: Document,
    *,
    environment: str,
    applications: list[Any],
    organizations: list[Organization],
    unreadable: list[UnreadableRecord] = (),
    unmanaged: list[Any] = (),
    prune: bool = False,
    protected: frozenset[str] = frozenset(),
) -> Plan:
    """The plan for `document` against an environment's `applications` (OAuth and M2M, in
    order of creation) and `organizations`. Applications whose client ID is `protected`
    (the dashboard's staff sign-in) are never deleted; the dashboard's test callbacks on
    an application stay (`dashboard.footprint`)."""
    problems = [
        Problem(
            f"{record.kind.capitalize()} {record.id or '(ID unknown)'} of {environment} could "
            f"not be read ({record.problem}), so the file cannot be compared with it. Correct "
            "it where it is stored, then plan again."
        )
        for record in unreadable
    ]
    ids_by_name: dict[str, list[str]] = defaultdict(list)
    for organization in organizations:
        ids_by_name[organization.name].append(organization.id)
    names_by_id = {organization.id: organization.name for organization in organizations}
    unmatched: dict[str, deque] = defaultdict(deque)
    for app in applications:
        unmatched[app.name].append(app)

    creates, updates, unchanged = [], [], []
    for entry in document.entries:
        organization_id, problem = _organization(entry, document, ids_by_name, environment)
        if problem:
            problems.append(problem)
            continue
        desired = _api_data(entry, organization_id)
        app = unmatched[entry.name].popleft() if unmatched[entry.name] else None
        if app is not None and "redirect_uris" in desired:
            desired["redirect_uris"] = footprint.keeping_test_callbacks(
                desired["redirect_uris"], fields.editable_values(app).get("redirect_uris", [])
            )
        if app is None:
            creates.append(
                Action("create", entry.name, entry.key, entry.line, request=_create(desired),
                       values=entry.values)
            )  # fmt: skip
            continue
        fixed = _fixed_problems(entry, document, app, desired, names_by_id, environment)
        if fixed:
            problems += fixed
            continue
        changes = fields.differences(fields.editable_values(app), fields.editable_values(desired))
        if changes:
            updates.append(
                Action("update", entry.name, entry.key, entry.line, app, _update(changes),
                       changes)
            )  # fmt: skip
        else:
            unchanged.append(entry.key)

    unpaired = {id(app) for group in unmatched.values() for app in group}
    left = [app for app in applications if id(app) in unpaired]
    own = [app for app in left if getattr(app, "client_id", None) in protected]
    left = [app for app in left if getattr(app, "client_id", None) not in protected]
    deletes = [Action("delete", app.name, app=app) for app in left] if prune else []
    return Plan(
        environment=environment,
        prune=prune,
        actions=tuple(creates + updates + deletes),
        unchanged=tuple(unchanged),
        kept=() if prune else tuple(left),
        unmanaged=tuple(unmanaged),
        own=tuple(own),
        problems=tuple(problems),
    )


def _organization(
    entry: Entry, document: Document, ids_by_name: dict[str, list[str]], environment: str
) -> tuple[str | None, Problem | None]:
    name = entry.values["organization"]
    if name is None:
        return None, None
    path = ("applications", entry.key, "organization")
    ids = ids_by_name.get(name, [])
    if len(ids) == 1:
        return ids[0], None
    if ids:
        message = (
            f"{len(ids)} organizations of {environment} are named “{name}” ({', '.join(ids)}): "
            "organizations are matched by name, so rename all but one there."
        )
    else:
        message = f"No organization of {environment} is named “{name}”."
    return None, Problem(message, field_path(path), document.line_of(path))


def _api_data(entry: Entry, organization_id: str | None) -> dict[str, Any]:
    """The application the entry describes, as the API's JSON."""
    data = {name: value for name, value in entry.values.items() if name != "organization"}
    return data | {"organization_id": organization_id}


def _fixed_problems(
    entry: Entry,
    document: Document,
    app: Any,
    wanted: dict[str, Any],
    names_by_id: dict[str, str],
    environment: str,
) -> list[Problem]:
    """What the file would change of `app` that cannot change after its creation."""
    current = fields.as_data(app)
    problems = []
    for api_name in _fixed():
        name = "organization" if api_name == "organization_id" else api_name
        before, after = current.get(api_name), wanted.get(api_name)
        if isinstance(before, bool) or isinstance(after, bool):
            before, after = bool(before), bool(after)
        if before == after:
            continue
        path = ("applications", entry.key, name)
        if name == "organization":
            before = names_by_id.get(before, before)
            after = entry.values["organization"]
        problems.append(
            Problem(
                f"“{name}” is set when an application is created and cannot change: “{entry.name}”"
                f" of {environment} ({app.id}) has {_text(before)}, the file says "
                f"{_text(after)}. Make the file say the same, or delete the application "
                f"in {environment} (its client ID then stops working) and apply again.",
                field_path(path),
                document.line_of(path),
            )
        )
    return problems


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"“{value}”"


def _create(data: dict[str, Any]) -> OAuthApplicationCreate | M2MApplicationCreate:
    kind = data["application_type"]
    values = {row.name: data.get(row.name) for row in api_fields.fields_of(kind)}
    if kind == fields.M2M:
        return M2MApplicationCreate(**values)
    return OAuthApplicationCreate(is_first_party=data["is_first_party"], **values)


def _update(changes: dict[str, dict[str, Any]]) -> ApplicationUpdate:
    after = {name: change["after"] for name, change in changes.items()}
    for row in api_fields.FIELDS:
        if row.value in api_fields.TEXTS and row.name in after and after[row.name] is None:
            after[row.name] = ""  # How the API is told to clear a text.
    return ApplicationUpdate(**after)
