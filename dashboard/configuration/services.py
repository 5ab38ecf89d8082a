"""Configuration as code against the current environment (`environments.current()`):
export what it holds, plan a file against it, apply a plan.

Reading an environment costs one request per page of applications and one per page of
organizations, whatever the file says; applying adds one audited call per change (an
update re-reads its application first, as every save does). Apply stops at the first
failure and says what was done, what failed and what was not done; applying the same file
again plans again from what the environment then holds, so it finishes the job.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.template.defaultfilters import pluralize

from dashboard import connect, environments
from dashboard.applications import services as application_services
from dashboard.audit.record import Actor
from dashboard.connect import errors
from dashboard.connect.models import Organization, Page, UnreadableRecord
from dashboard.kernel import footprint
from dashboard.kernel.fields import BOTH

from . import document
from .document import Document
from .planning import Action, Plan, plan_changes

# The API's largest page.
PAGE_SIZE = 100
# What the audit trail says of a change made by applying a file.
DETAIL = "Applied from a configuration file"

# Called after each page read: (pages so far, records so far).
OnPage = Callable[[int, int], None]
# Called after each change applied: (changes done, changes planned, the action).
OnStep = Callable[[int, int, Action], None]


class ExportError(Exception):
    """The environment holds something a file could not say faithfully."""


@dataclass(frozen=True)
class Inventory:
    """What the current environment holds, read page after page."""

    # OAuth and M2M applications, dynamically registered ones aside, in order of creation.
    applications: list[Any]
    # Applications of a type this dashboard does not know.
    unmanaged: list[Any]
    unreadable: list[UnreadableRecord]
    organizations: list[Organization]


def _pages(fetch: Callable[..., Page]) -> Iterator[Page]:
    cursor = None
    while True:
        page = fetch(limit=PAGE_SIZE, order="asc", after=cursor)
        yield page
        if not page.has_more or not page.rows:
            return
        cursor = page.after


def inventory(*, on_page: OnPage | None = None) -> Inventory:
    applications, unmanaged, unreadable, organizations = [], [], [], []
    authenticated = partial(connect.application_list, registration_types=["authenticated"])
    for number, page in enumerate(_pages(authenticated), start=1):
        for app in page.data:
            (applications if app.application_type in BOTH else unmanaged).append(app)
        unreadable += page.unreadable
        if on_page:
            on_page(number, len(applications) + len(unmanaged) + len(unreadable))
    for page in _pages(connect.organization_list):
        organizations += page.data
    return Inventory(applications, unmanaged, unreadable, organizations)


@dataclass(frozen=True)
class Export:
    text: str
    count: int
    # Applications not written, and why.
    skipped: list[str]


def export(*, file_format: str = "yaml", on_page: OnPage | None = None) -> Export:
    """The current environment's applications as a file's text, but what is the dashboard's
    own (`dashboard.footprint`): its staff sign-in application and its test callbacks."""
    held = inventory(on_page=on_page)
    environment = environments.current().name
    if held.unreadable:
        listed = "; ".join(
            f"{record.id or '(ID unknown)'}: {record.problem}" for record in held.unreadable[:10]
        )
        raise ExportError(
            f"{len(held.unreadable)} application{pluralize(held.unreadable)} of {environment} "
            f"could not be read ({listed}). "
            "Nothing was written rather than a file without them: correct them where they are "
            "stored, then export again."
        )
    names = {organization.id: organization.name for organization in held.organizations}
    own = footprint.staff_sign_on_client_ids()
    values, named = [], {}
    for app in held.applications:
        if footprint.is_staff_sign_on(app, own):
            continue
        twin = named.setdefault(app.name.strip(), app)
        if twin is not app:
            raise ExportError(
                f"Applications {twin.id} and {app.id} of {environment} are both named "
                f"“{app.name.strip()}”; a file matches applications by name, so it could not "
                "tell them apart. Rename one, then export again. Nothing was written."
            )
        organization_id = getattr(app, "organization_id", None)
        if organization_id and organization_id not in names:
            raise ExportError(
                f"Application {app.id} (“{app.name}”) belongs to organization {organization_id}, "
                f"which {environment} does not list among its organizations, so the file could "
                "not name it. Nothing was written."
            )
        app_values = document.values_of(app, names.get(organization_id))
        if "redirect_uris" in app_values:
            app_values["redirect_uris"] = footprint.without_test_callbacks(
                app_values["redirect_uris"]
            )
        values.append(app_values)
    skipped = [
        f"{app.id} (“{app.name}”) is the application the dashboard's staff sign in "
        "through: no other environment is to get it."
        for app in held.applications
        if footprint.is_staff_sign_on(app, own)
    ] + [
        f"{app.id} (“{app.name}”) is of type “{app.application_type}”, which this dashboard "
        "does not know."
        for app in held.unmanaged
    ]
    text = document.render(document.file_data(values), file_format)
    return Export(text, len(values), skipped)


def read(text: str, *, file_format: str | None = None) -> Document:
    """A file's document, checked against the rules of the current environment (production's
    refuse http and localhost redirect URIs); `document.InvalidDocument` otherwise."""
    production = environments.current().production
    return document.parse(text, production=production, file_format=file_format)


def plan(source: Document, *, prune: bool = False, on_page: OnPage | None = None) -> Plan:
    """What applying `source` to the current environment would do; changes nothing."""
    held = inventory(on_page=on_page)
    return plan_changes(
        source,
        environment=environments.current().name,
        applications=held.applications,
        organizations=held.organizations,
        unreadable=held.unreadable,
        unmanaged=held.unmanaged,
        prune=prune,
        protected=footprint.staff_sign_on_client_ids(),
    )


@dataclass(frozen=True)
class Failure:
    action: Action
    error: errors.ApiError | application_services.EditConflict

    @property
    def maybe_done(self) -> bool:
        """Whether the API may have carried the request out: no answer said either way."""
        return isinstance(self.error, errors.ApiError) and self.error.status is None

    @property
    def message(self) -> str:
        if isinstance(self.error, application_services.EditConflict):
            return "Someone changed the application after the plan was made."
        detail = str(self.error)
        if isinstance(self.error, errors.UnprocessableEntityError) and self.error.errors:
            fields = "; ".join(f"{item.field}: {item.message}" for item in self.error.errors)
            detail = f"{detail} {fields}"
        return detail


@dataclass(frozen=True)
class Report:
    plan: Plan
    done: list[tuple[Action, Any]]
    failure: Failure | None = None
    not_done: list[Action] = ()

    @property
    def complete(self) -> bool:
        return self.failure is None

    @property
    def counts(self) -> str:
        """“2 created, 1 changed, 0 deleted”."""
        done = [action.verb for action, _ in self.done]
        return (
            f"{done.count('create')} created, {done.count('update')} changed, "
            f"{done.count('delete')} deleted"
        )


class PlanNotApplicable(Exception):
    """A plan with problems: nothing of it may be applied."""


def apply(plan: Plan, *, actor: Actor, on_step: OnStep | None = None) -> Report:
    """Carry out `plan` in the current environment, in order, stopping at the first failure.
    Each change is an audited action of the dashboard."""
    if plan.problems:
        raise PlanNotApplicable(
            f"The plan has {len(plan.problems)} problem{pluralize(plan.problems)}."
        )
    if plan.environment != environments.current().name:
        raise PlanNotApplicable(f"The plan is for {plan.environment}.")
    done: list[tuple[Action, Any]] = []
    for index, action in enumerate(plan.actions):
        try:
            result = _carry_out(action, actor)
        except (errors.ApiError, application_services.EditConflict) as error:
            return Report(plan, done, Failure(action, error), list(plan.actions[index + 1 :]))
        done.append((action, result))
        if on_step:
            on_step(index + 1, len(plan.actions), action)
    return Report(plan, done)


def _carry_out(action: Action, actor: Actor) -> Any:
    if action.verb == "create":
        return application_services.application_create(
            actor=actor, application=action.request, idempotency_key=None, detail=DETAIL
        )
    if action.verb == "update":
        return application_services.application_update(
            actor=actor,
            app=action.app,
            changes=action.request,
            # Saved by someone else since the plan: refused, not overwritten.
            version=action.app.updated_at.isoformat(),
            detail=DETAIL,
        )
    application_services.application_delete(actor=actor, app=action.app)
    return action.app
