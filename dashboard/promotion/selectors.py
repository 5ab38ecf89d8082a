"""What promotion pages read: applications and organizations of other environments, and
how the two sides of each promotion compare."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from dashboard import connect, environments
from dashboard.connect import errors
from dashboard.connect.models import Organization
from dashboard.environments import Environment
from dashboard.kernel.fields import differences, editable_values
from dashboard.kernel.problems import Problem, describe

from . import drift
from .models import Promotion


def application_in(environment: Environment, application_id: str) -> Any:
    """An application of `environment`; the service layer's errors as they come."""
    with environments.override(environment.name):
        return connect.application_get(application_id=application_id)


@dataclass(frozen=True)
class OrganizationMatch:
    """The source application's organization, and the target's organizations of that name."""

    source_id: str
    # None when the source's organization could not be read.
    source_name: str | None
    matches: list[Organization]

    @property
    def organization(self) -> Organization | None:
        """The target's organization of that name, when exactly one has it."""
        return self.matches[0] if len(self.matches) == 1 else None


def organization_match(
    organization_id: str, *, source: Environment, target: Environment
) -> OrganizationMatch:
    """Organizations have their own IDs in each environment: they match by name."""
    try:
        with environments.override(source.name):
            name = connect.organization_get(organization_id=organization_id).name
        with environments.override(target.name):
            found = connect.organization_list(search=name, limit=100).data
    except errors.ApiError:
        # The admin chooses the organization instead.
        return OrganizationMatch(organization_id, None, [])
    same = [org for org in found if org.name.casefold() == name.casefold()]
    return OrganizationMatch(organization_id, name, same)


State = Literal["compared", "deleted", "unconfigured", "forbidden", "unavailable"]


@dataclass
class Comparison:
    """One promotion seen from one of its two applications ("here")."""

    link: Promotion
    # Here is the promotion's source (else its target).
    outgoing: bool
    # The other side's environment, by name; None when it is no longer configured.
    environment_name: str
    environment: Environment | None
    application_id: str
    state: State = "compared"
    application: Any = None
    problem: Problem | None = None
    fields: list[drift.FieldDrift] = field(default_factory=list)
    # What applying the differences would change: there from here, and here from there.
    pending_there: dict = field(default_factory=dict)
    pending_here: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.environment.label if self.environment else self.environment_name

    @property
    def drifted(self) -> list[drift.FieldDrift]:
        """The fields whose difference the environments' rules do not explain."""
        return [row for row in self.fields if not row.expected]


def comparisons(app: Any, *, may_view: Callable[[str], bool]) -> list[Comparison]:
    """Every promotion `app` (of the current environment) is a side of, each compared with
    the application at its other end where `may_view` allows reading that environment."""
    here = environments.current()
    return [_compare(app, here, link, may_view) for link in Promotion.of(here.name, app.id)]


def _compare(app: Any, here: Environment, link: Promotion, may_view) -> Comparison:
    name, other_id = link.other_side(here.name, app.id)
    there = environments.get(name)
    comparison = Comparison(link, link.outgoing(here.name, app.id), name, there, other_id)
    if there is None:
        comparison.state = "unconfigured"
    elif not may_view(there.name):
        comparison.state = "forbidden"
    else:
        try:
            comparison.application = application_in(there, other_id)
        except errors.NotFoundError:
            comparison.state = "deleted"
        except errors.ApiError as error:
            comparison.state, comparison.problem = "unavailable", describe(error)
    if comparison.application is None:
        return comparison
    ours, theirs = editable_values(app), editable_values(comparison.application)
    counterparts = link.counterparts(here.name, app.id)
    comparison.fields = drift.compare(
        ours,
        theirs,
        here_production=here.production,
        there_production=there.production,
        counterparts=counterparts,
    )
    comparison.pending_there = pending(ours, theirs, here, there, counterparts)
    comparison.pending_here = pending(theirs, ours, there, here, drift.inverse(counterparts))
    return comparison


def pending(
    source: dict,
    target: dict,
    source_environment: Environment,
    target_environment: Environment,
    counterparts: drift.Counterparts,
) -> dict:
    """{field: {"before", "after"}}: what copying `source`'s values onto `target` changes,
    every value the target refuses and that has no counterpart there dropped."""
    copied = drift.transfer(
        source,
        target,
        source_production=source_environment.production,
        target_production=target_environment.production,
        counterparts=counterparts,
    )
    return differences(target, copied)
