"""The embedded API's environments: one database, separate data, chosen by API key.

WorkOS picks an environment by the key a request carries (`sk_test_...` a sandbox,
`sk_live_...` production). The embedded API does the same with its two keys, and keeps
each environment's records apart with an `environment` column that every query of the
models below is filtered on, through their default manager. Code that works on stored
records (the HTTP edge, the authorization server's pages, the seed) says which environment
it works in with `override`; anything else works in the sandbox.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import models

SANDBOX, PRODUCTION = "sandbox", "production"
ENVIRONMENTS = (SANDBOX, PRODUCTION)

_current: ContextVar[str] = ContextVar("emulator_environment", default=SANDBOX)


def current() -> str:
    return _current.get()


def production() -> bool:
    """Whether production rules apply (no `http` or `localhost` redirect URIs)."""
    return current() == PRODUCTION


@contextmanager
def override(environment: str) -> Iterator[None]:
    if environment not in ENVIRONMENTS:
        raise LookupError(f"The embedded API has no environment {environment!r}.")
    token = _current.set(environment)
    try:
        yield
    finally:
        _current.reset(token)


def key_of(environment: str) -> str:
    """The API key that opens `environment`."""
    if environment == PRODUCTION:
        return settings.WORKOS_EMULATOR_PRODUCTION_API_KEY
    return settings.WORKOS_EMULATOR_API_KEY


def field() -> models.CharField:
    """The `environment` column: set from the current environment when a record is made.
    Lists walk an index on (environment, id), which each model declares."""
    return models.CharField(max_length=20, default=current, editable=False)


class Manager(models.Manager):
    """Only the current environment's records, for models with an `environment` column, or
    whose owner (`through`, a foreign key path) has one. A class attribute, not an argument:
    Django makes related managers by subclassing a model's manager."""

    through = ""

    def deconstruct(self):
        return False, "django.db.models.Manager", None, (), {}

    def get_queryset(self) -> models.QuerySet:
        path = f"{self.through}__environment" if self.through else "environment"
        return super().get_queryset().filter(**{path: current()})


def manager(through: str = "") -> Manager:
    """The manager of a model whose records belong to an environment, directly or `through`
    the model a foreign key leads to."""
    return type("EnvironmentManager", (Manager,), {"through": through})()
