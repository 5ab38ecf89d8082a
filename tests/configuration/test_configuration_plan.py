"""Planning, a pure function of a file and of what an environment holds; and applying a plan
that the environment no longer matches."""

import pydantic
import pytest

from dashboard import environments
from dashboard.audit.record import Actor
from dashboard.configuration import services
from dashboard.configuration.document import parse
from dashboard.configuration.planning import plan_changes
from dashboard.connect.models import Application, Organization, UnreadableRecord
from dashboard.emulator import partition, store

ACME = Organization(
    id="org_01JP8BD0CZ401TDF9X54NT5ZE1",
    name="Acme",
    created_at="2026-01-15T12:00:00Z",
    updated_at="2026-01-15T12:00:00Z",
)
FILE = """\
version: 1
applications:
  worker:
    name: Worker
    application_type: m2m
    organization: Acme
    description: Ships logs.
    scopes: [logs:write]
"""


def app(number: int, **fields) -> Application:
    data = {
        "id": f"conn_app_01JP8BD0CZ401TDF9X54NT5ZE{number}",
        "client_id": f"client_01JP8BD0CZ401TDF9X54NT5ZE{number}",
        "name": "Worker",
        "description": "Ships logs.",
        "application_type": "m2m",
        "organization_id": ACME.id,
        "scopes": ["logs:write"],
        "created_at": "2026-01-15T12:00:00Z",
        "updated_at": "2026-01-15T12:00:00Z",
    } | fields
    return pydantic.TypeAdapter(Application).validate_python(data)


def plan(text: str = FILE, applications=(), organizations=(ACME,), **options):
    return plan_changes(
        parse(text, production=False),
        environment="production",
        applications=list(applications),
        organizations=list(organizations),
        **options,
    )


def test_an_application_as_the_file_says_is_unchanged():
    result = plan(applications=[app(1)])

    assert result.actions == ()
    assert result.unchanged == ("worker",)
    assert result.summary == "0 to create, 0 to change, 0 to delete, 1 unchanged"


def test_clearing_a_description_asks_the_api_for_an_empty_one():
    result = plan(FILE.replace("    description: Ships logs.\n", ""), [app(1)])

    [update] = result.actions
    assert update.changes == {"description": {"before": "Ships logs.", "after": None}}
    assert update.request.to_body() == {"description": ""}


def test_applications_of_the_same_name_pair_in_order_and_extra_ones_are_kept():
    older, newer = app(1), app(2, scopes=[])

    result = plan(applications=[older, newer])

    assert result.unchanged == ("worker",)
    assert result.kept == (newer,)
    assert [(a.verb, a.app) for a in plan(applications=[older, newer], prune=True).actions] == [
        ("delete", newer)
    ]


def test_an_organization_name_two_organizations_share_is_a_problem():
    twin = ACME.model_copy(update={"id": "org_01JP8BD0CZ401TDF9X54NT5ZE2"})

    [problem] = plan(organizations=[ACME, twin]).problems

    assert (problem.line, problem.field) == (6, "applications.worker.organization")
    assert problem.message.startswith("2 organizations of production are named “Acme” (")


def test_an_unreadable_application_stops_the_plan_since_it_could_be_any_of_the_files():
    record = UnreadableRecord(
        kind="application",
        id="conn_app_01JP8BD0CZ401TDF9X54NT5ZE9",
        problem="name: missing",
        position=0,
    )

    [problem] = plan(unreadable=[record]).problems

    assert str(problem).startswith(
        "Application conn_app_01JP8BD0CZ401TDF9X54NT5ZE9 of production could not be read "
        "(name: missing)"
    )


def test_applications_of_an_unknown_type_are_left_alone_even_when_pruning():
    robot = app(3, application_type="robot", name="Robot")

    result = plan(unmanaged=[robot], prune=True)

    assert [action.verb for action in result.actions] == ["create"]
    assert result.unmanaged == (robot,)


def test_the_fingerprint_changes_when_the_environment_does():
    assert plan(applications=[app(1, scopes=[])]).fingerprint == (
        plan(applications=[app(1, scopes=[])]).fingerprint
    )
    assert plan(applications=[app(1, scopes=[])]).fingerprint != (
        plan(applications=[app(1, scopes=[], updated_at="2026-02-01T00:00:00Z")]).fingerprint
    )


@pytest.mark.django_db
def test_an_application_saved_since_the_plan_is_not_overwritten():
    with partition.override("production"):
        acme = store.organization_create(name="Acme", domains=[], metadata={}, external_id=None)
        worker = store.application_create(
            application_type="m2m", name="Worker", organization_id=acme.id, scopes=[]
        )
    with environments.override("production"):
        planned = services.plan(services.read(FILE))
        with partition.override("production"):
            store.application_update(worker, {"description": "Someone else's words."})

        report = services.apply(planned, actor=Actor(None, "ops", None))

    assert report.failure.message == "Someone changed the application after the plan was made."
    assert not report.failure.maybe_done
    with partition.override("production"):
        assert store.application_get(worker.id).description == "Someone else's words."
