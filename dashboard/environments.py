"""The WorkOS environments this dashboard manages, and the one a request works in.

A WorkOS account has several environments (a sandbox with `sk_test_` keys, production with
`sk_live_` keys), each with its own applications. They come from the process environment:

- `WORKOS_ENVIRONMENTS=sandbox,production` with `WORKOS_API_KEY_SANDBOX` and
  `WORKOS_API_KEY_PRODUCTION`, and optionally `WORKOS_BASE_URL_<NAME>` and
  `WORKOS_AUTHKIT_DOMAIN_<NAME>` (defaults: `WORKOS_BASE_URL`, `WORKOS_AUTHKIT_DOMAIN`);
- or, as before, one `WORKOS_API_KEY`: one environment, named `production` for an
  `sk_live_` key and `sandbox` otherwise;
- or no key at all: the embedded API's two environments, `sandbox` (`sk_test_emulator`)
  and `production` (`sk_live_emulator`), chosen by key exactly as WorkOS does.

The first environment is the default. Which one a request works in is carried by its URL
(`/<name>/applications/...`) and held in a context variable for the service layer.
"""

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

# The embedded API's base URL as the service layer addresses it (in-process transport).
EMBEDDED_BASE_URL = "http://embedded.invalid/emulator"
EMBEDDED_SANDBOX_KEY = "sk_test_emulator"
EMBEDDED_PRODUCTION_KEY = "sk_live_emulator"

NAME = re.compile(r"[a-z][a-z0-9-]{0,19}")
# Top-level paths of the dashboard that an environment's name would hide.
RESERVED = {"audit", "emulator", "login", "logout", "static", "applications", "healthz"}


@dataclass(frozen=True)
class Environment:
    name: str
    base_url: str
    embedded: bool
    # The bearer key; never shown, logged or sent anywhere but to `base_url`.
    api_key: str = field(repr=False)
    # The AuthKit domain (yourcompany.authkit.app), "" when not configured.
    authkit_domain: str = ""

    @property
    def production(self) -> bool:
        """Production rules apply (WorkOS: an `sk_live_` key)."""
        return self.api_key.startswith("sk_live_")

    @property
    def label(self) -> str:
        return self.name.replace("-", " ").capitalize()

    @property
    def kind(self) -> str:
        return "production" if self.production else "sandbox"

    @property
    def description(self) -> str:
        where = "embedded API" if self.embedded else f"WorkOS, {self.base_url}"
        return f"{self.label} ({where})"


def named(
    environ: Mapping[str, str], *, base_url: str, authkit_domain: str
) -> tuple[Environment, ...]:
    """The environments `WORKOS_ENVIRONMENTS` names, with their keys; none if it is unset."""
    names = [name.strip() for name in environ.get("WORKOS_ENVIRONMENTS", "").split(",")]
    names = [name for name in names if name]
    return tuple(_named(environ, names, base_url, authkit_domain))


def _named(
    environ: Mapping[str, str], names: list[str], base_url: str, authkit_domain: str
) -> Iterator[Environment]:
    if len(set(names)) != len(names):
        raise ImproperlyConfigured("WORKOS_ENVIRONMENTS names an environment twice.")
    for name in names:
        if not NAME.fullmatch(name) or name in RESERVED:
            raise ImproperlyConfigured(
                f"WORKOS_ENVIRONMENTS: {name!r} cannot name an environment: use lowercase "
                f"letters, digits and hyphens, starting with a letter (at most 20), and none "
                f"of {', '.join(sorted(RESERVED))}."
            )
        suffix = name.upper().replace("-", "_")
        key = environ.get(f"WORKOS_API_KEY_{suffix}", "").strip()
        if not key:
            raise ImproperlyConfigured(
                f"WORKOS_ENVIRONMENTS lists {name!r}, but WORKOS_API_KEY_{suffix} is not set."
            )
        url = environ.get(f"WORKOS_BASE_URL_{suffix}", "").strip().rstrip("/") or base_url
        domain = environ.get(f"WORKOS_AUTHKIT_DOMAIN_{suffix}", "").strip() or authkit_domain
        yield Environment(name, url, False, key, domain.removeprefix("https://").rstrip("/"))


# --- The environment a request works in ----------------------------------------------------

_current: ContextVar[str | None] = ContextVar("dashboard_environment", default=None)


def all() -> tuple[Environment, ...]:  # noqa: A001 - environments.all(), as in a registry
    """The environments configured (see the module's docstring), the default first."""
    from django.conf import settings

    if settings.WORKOS_ENVIRONMENTS:
        return settings.WORKOS_ENVIRONMENTS
    key = settings.WORKOS_API_KEY
    if key:
        name = "production" if key.startswith("sk_live_") else "sandbox"
        url, domain = settings.WORKOS_BASE_URL, settings.WORKOS_AUTHKIT_DOMAIN
        return (Environment(name, url, False, key, domain),)
    return (
        Environment("sandbox", EMBEDDED_BASE_URL, True, settings.WORKOS_EMULATOR_API_KEY),
        Environment(
            "production", EMBEDDED_BASE_URL, True, settings.WORKOS_EMULATOR_PRODUCTION_API_KEY
        ),
    )


def default() -> Environment:
    return all()[0]


def get(name: str) -> Environment | None:
    return next((environment for environment in all() if environment.name == name), None)


def current() -> Environment:
    """The environment this request or command works in: the default unless one is active."""
    name = _current.get()
    return (get(name) if name else None) or default()


@contextmanager
def override(name: str) -> Iterator[Environment]:
    """Work in environment `name` for the block (a command, another environment's link)."""
    environment = get(name)
    if environment is None:
        raise LookupError(f"No environment named {name!r}.")
    token = _current.set(name)
    try:
        yield environment
    finally:
        _current.reset(token)


def activate(name: str) -> None:
    """Work in environment `name` until `deactivate` (the request middleware's pair)."""
    _current.set(name)


def deactivate() -> None:
    _current.set(None)
