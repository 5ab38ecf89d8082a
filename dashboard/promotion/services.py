"""The dashboard's promotion actions: copy an application into another environment, and
apply one side's values to the other. Both go through the applications' own services, so
they are audited in the environment they change, like any create or edit."""

from typing import Any

from dashboard import environments
from dashboard.applications import services
from dashboard.audit.record import Actor
from dashboard.connect.models import ApplicationUpdate, M2MApplicationCreate, OAuthApplicationCreate
from dashboard.environments import Environment

from .models import Promotion


def _named(environment: Environment, app: Any) -> str:
    return f"{environment.label}’s “{app.name}” ({app.id})"


def application_promote(
    *,
    actor: Actor,
    source: Environment,
    source_app: Any,
    target: Environment,
    application: OAuthApplicationCreate | M2MApplicationCreate,
    idempotency_key: str | None,
    adjustments: list[dict],
) -> Promotion:
    """Create `application`, copied from `source_app`, in `target`, and remember the link.
    A repeated submit (same idempotency key) gets the first application and link again."""
    with environments.override(target.name):
        created = services.application_create(
            actor=actor,
            application=application,
            idempotency_key=idempotency_key,
            detail=f"Promoted from {_named(source, source_app)}",
        )
    promotion, _ = Promotion.objects.get_or_create(
        target_environment=target.name,
        target_application_id=created.id,
        defaults={
            "source_environment": source.name,
            "source_application_id": source_app.id,
            "application_name": created.name,
            "promoted_by": actor.user,
            "promoted_by_username": actor.username,
            "adjustments": adjustments,
        },
    )
    return promotion


def differences_apply(
    *,
    actor: Actor,
    app: Any,
    changes: ApplicationUpdate,
    version: str,
    source: Environment,
    source_app: Any,
) -> Any:
    """Write `changes`, the values of `source_app` in `source`, to `app` of the current
    environment; `EditConflict` if `app` was saved since `version`."""
    return services.application_update(
        actor=actor,
        app=app,
        changes=changes,
        version=version,
        detail=f"Differences applied from {_named(source, source_app)}",
    )


def promotion_link(
    *,
    source: tuple[str, str],
    target: tuple[str, str],
    application_name: str,
    by: str,
    dropped_redirect_uris: list[str],
) -> Promotion:
    """Link two applications that already exist, `source` and `target` (environment name,
    application ID), as a copy through the dashboard would have: the demo data's pairs."""
    return Promotion.objects.create(
        source_environment=source[0],
        source_application_id=source[1],
        target_environment=target[0],
        target_application_id=target[1],
        application_name=application_name,
        promoted_by_username=by,
        adjustments=[
            {"field": "redirect_uris", "value": uri, "replacement": None}
            for uri in dropped_redirect_uris
        ],
    )
