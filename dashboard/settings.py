"""Settings, read from the environment (12-factor) through `dashboard.env`, so a value
that cannot be used stops the dashboard at start-up with a message naming the variable.

With no WORKOS_API_KEY the dashboard manages the embedded Connect API that this
project serves itself under /emulator/; with one it manages real WorkOS
applications at WORKOS_BASE_URL.
"""

import os
from datetime import timedelta
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from dashboard import environments, uris
from dashboard.env import env_bool, env_float, env_int, env_list, env_str, env_value

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. A production configuration (DJANGO_DEBUG=0) needs a "
            "long random secret key, for example the output of: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    # Development only: DEBUG is on, so this key never signs a production session.
    SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: `runserver` leaves static files to WhiteNoise, as gunicorn does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_tasks_db",
    "dashboard.emulator",
    "dashboard.emulator.authkit",
    "dashboard.kernel",
    "dashboard.signin",
    "dashboard.applications",
    "dashboard.audit",
    "dashboard.onboarding",
    "dashboard.promotion",
    "dashboard.configuration",
    "dashboard.search",
    "dashboard.organizations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything resolves a URL: it picks the environment's URL configuration.
    "dashboard.kernel.middleware.EnvironmentMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dashboard.kernel.middleware.SlidingSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dashboard.kernel.middleware.VaryOnHtmxMiddleware",
    # Last, as django-axes requires: it turns locked-out sign-ins into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dashboard.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.kernel.context_processors.backend",
            ],
        },
    },
]

WSGI_APPLICATION = "dashboard.wsgi.application"
ASGI_APPLICATION = "dashboard.asgi.application"

_database = partial(
    dj_database_url.parse,
    # Seconds a connection is kept for the next request; 0 closes it after each one.
    conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
    conn_health_checks=True,
)
DATABASES = {
    "default": env_value(
        "DATABASE_URL",
        _database(f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        parse=_database,
        expected="a database URL such as postgres://user:password@host:5432/name",
        secret=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The dashboard and its embedded API write from several threads of one server.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with permissions per environment (roles per environment).
    "dashboard.kernel.backends.EnvironmentRoleBackend",
    # Sessions begun by single sign-on: the same permissions, no password.
    "dashboard.kernel.backends.SingleSignOnBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves the static files under any server. With DEBUG it finds them where they
# are written, at each request, with no collectstatic; in production it serves what
# collectstatic made: compressed, and cached forever by hashed name.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if not DEBUG:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# --- Security -------------------------------------------------------------------------------

# No inline scripts, no eval: htmx and the page script load from this site, htmx with a nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

# Sessions end after this much inactivity; activity extends them (at most once a minute,
# see dashboard.kernel.middleware).
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_REFRESH_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# How many proxies that append to X-Forwarded-For stand in front of the dashboard (nginx, a
# load balancer): the client is the hop before them (dashboard/addresses.py). 0 reads
# no header: REMOTE_ADDR is the client. DJANGO_TRUST_X_FORWARDED_FOR=1 means one proxy.
TRUSTED_PROXY_COUNT = env_int(
    "DJANGO_TRUSTED_PROXY_COUNT",
    1 if env_bool("DJANGO_TRUST_X_FORWARDED_FOR", False) else 0,
    minimum=0,
)


def _issuer(value: str) -> str:
    """An https URL (http only on this machine, for trying a provider locally)."""
    parts = urlsplit(value)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ValueError(value)
    if not parts.hostname or parts.query or parts.fragment:
        raise ValueError(value)
    return value.rstrip("/")


ROLE_NAMES = ("Viewer", "Editor", "Admin")


def _role_map(value: str) -> dict[str, list[tuple[str, str | None]]]:
    """`ops=Editor, ops=Viewer@production` -> {claim value: [(role, environment), ...]}."""
    mapping: dict[str, list[tuple[str, str | None]]] = {}
    for item in value.split(","):
        claim, equals, target = (part.strip() for part in item.partition("="))
        role, _, environment = target.partition("@")
        canonical = next((name for name in ROLE_NAMES if name.lower() == role.lower()), None)
        if not claim or not equals or canonical is None:
            raise ValueError(value)
        mapping.setdefault(claim, []).append((canonical, environment.strip().lower() or None))
    return mapping


# Single sign-on (OpenID Connect, dashboard/signin/sso.py). With DASHBOARD_OIDC_ISSUER unset and
# the embedded API served, the dashboard signs staff in at the embedded authorization
# server, as the client `quickstart` registers there.
DASHBOARD_OIDC_ISSUER = env_value(
    "DASHBOARD_OIDC_ISSUER",
    "",
    parse=_issuer,
    expected="the identity provider's issuer URL, such as https://example.okta.com",
)
DASHBOARD_OIDC_CLIENT_ID = env_str("DASHBOARD_OIDC_CLIENT_ID")
DASHBOARD_OIDC_CLIENT_SECRET = env_str("DASHBOARD_OIDC_CLIENT_SECRET")
DASHBOARD_OIDC_SCOPES = env_str("DASHBOARD_OIDC_SCOPES", "openid profile email")
# What the sign-in button says: "Sign in with Okta".
DASHBOARD_OIDC_NAME = env_str("DASHBOARD_OIDC_NAME", "SSO")
# The ID token claim that holds someone's roles or groups (a string or a list of them),
# and how its values map to the dashboard's roles: `value=Role` or `value=Role@environment`,
# comma-separated. Unset, the values viewer, editor and admin (any case) are those roles.
DASHBOARD_OIDC_ROLE_CLAIM = env_str("DASHBOARD_OIDC_ROLE_CLAIM", "roles")
DASHBOARD_OIDC_ROLE_MAP = env_value(
    "DASHBOARD_OIDC_ROLE_MAP",
    {},
    parse=_role_map,
    expected="comma-separated value=Role or value=Role@environment, Role one of "
    "Viewer, Editor, Admin",
)
# 0: roles come only from the dashboard's own mappings of issuer and subject (`sso_roles`),
# never from the role claim: for a provider whose claims are written by people who must not
# choose their own dashboard role. The embedded server's claim, and that of the AuthKit of
# an environment managed here (WORKOS_AUTHKIT_DOMAIN), are never trusted.
DASHBOARD_OIDC_TRUST_ROLE_CLAIM = env_bool("DASHBOARD_OIDC_TRUST_ROLE_CLAIM", True)
# 0: single sign-on is the only way in, but for the user names listed in
# DASHBOARD_BREAK_GLASS_USERS (superusers), kept for when the identity provider is down.
DASHBOARD_PASSWORD_LOGIN = env_bool("DASHBOARD_PASSWORD_LOGIN", True)
DASHBOARD_BREAK_GLASS_USERS = env_list("DASHBOARD_BREAK_GLASS_USERS", [])

# Sign-in throttling: after this many failures from one client address, whatever user names
# they tried, sign-in from that address is locked. Per address, never per user name alone,
# so that no one can lock another person out. django-axes compares one limit with the most
# failures of any lockout parameter set, so a ["username", "ip_address"] set beside this one
# could never lock first, and a higher limit per address than per user name is not possible.
AXES_FAILURE_LIMIT = env_int("DASHBOARD_SIGNIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DASHBOARD_SIGNIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "dashboard.addresses.client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
# A successful sign-in does not clear the address's failures: otherwise anyone with one
# account could go on guessing others' passwords by signing in between guesses.
AXES_RESET_ON_SUCCESS = False

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
        # The proxy terminates TLS and says so; only trust this behind such a proxy.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "client_address": {"()": "dashboard.addresses.ClientAddressFilter"},
    },
    "formatters": {
        "with_client": {"format": "%(levelname)s %(name)s %(message)s (client %(client_address)s)"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # Django's refused and failed requests (4xx, 5xx, CSRF, bad hosts) with the client's
        # address. With DEBUG, Django prints them itself.
        "requests": {
            "class": "logging.StreamHandler",
            "filters": ["require_debug_false", "client_address"],
            "formatter": "with_client",
        },
    },
    "loggers": {
        "dashboard": {
            "handlers": ["console"],
            "level": env_str(
                "DASHBOARD_LOG_LEVEL",
                "INFO",
                choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
            ),
        },
        "django.request": {"handlers": ["requests"], "level": "WARNING"},
        "django.security": {"handlers": ["requests"], "level": "WARNING"},
    },
}

# --- WorkOS -------------------------------------------------------------------------------

WORKOS_API_KEY = env_str("WORKOS_API_KEY")
WORKOS_BASE_URL = env_str("WORKOS_BASE_URL", "https://api.workos.com").rstrip("/")
# Serve the embedded API even when a real key is configured (for demos and benchmarks).
WORKOS_EMULATOR = env_bool("WORKOS_EMULATOR", False)
# The one bearer key the embedded API accepts. The default is published in the README, so
# `check --deploy` refuses it, or any short key, while the embedded API is served
# (dashboard/kernel/checks.py). Blank is refused here: it would otherwise mean that default.
WORKOS_EMULATOR_API_KEY = env_value(
    "WORKOS_EMULATOR_API_KEY",
    "sk_test_emulator",
    parse=str,
    expected="a long random key, such as the output of: "
    "python -c 'import secrets; print(secrets.token_urlsafe(32))'",
    secret=True,
    blank_is_default=False,
)


def _host_name(value: str) -> str:
    host = value.removeprefix("https://").rstrip("/")
    if not host or any(character in host for character in "/?#@ :\\") or not host.isprintable():
        raise ValueError(value)
    return host


# The environment's AuthKit domain (yourcompany.authkit.app): its authorization server, the
# issuer of Connect tokens. The embedded API is its own authorization server.
WORKOS_AUTHKIT_DOMAIN = env_value(
    "WORKOS_AUTHKIT_DOMAIN",
    "",
    parse=_host_name,
    expected="a host name such as yourcompany.authkit.app",
)

# The embedded API's second environment, production (production rules apply), chosen by
# this key as WorkOS chooses an environment by key. Checked like the key above.
WORKOS_EMULATOR_PRODUCTION_API_KEY = env_value(
    "WORKOS_EMULATOR_PRODUCTION_API_KEY",
    "sk_live_emulator",
    parse=str,
    expected="a long random key starting with sk_live_",
    secret=True,
    blank_is_default=False,
)


def _login_uri(*, production: bool):
    def parse(value: str) -> str:
        try:
            uris.validate_login_uri(value, production=production)
        except uris.UriRejected as rejected:
            raise ValueError(value) from rejected
        return value

    return parse


# Standalone Connect: the page of an application that keeps its own sign-in, where each
# environment's authorization server sends people to sign in (with an external_auth_id)
# instead of signing them in itself. Unset: it signs them in itself.
WORKOS_EMULATOR_LOGIN_URI = env_value(
    "WORKOS_EMULATOR_LOGIN_URI",
    "",
    parse=_login_uri(production=False),
    expected="an https address (http only on a loopback address) without a fragment",
)
WORKOS_EMULATOR_PRODUCTION_LOGIN_URI = env_value(
    "WORKOS_EMULATOR_PRODUCTION_LOGIN_URI",
    "",
    parse=_login_uri(production=True),
    expected="an https address without a fragment, not on localhost",
)

# The embedded authorization server's answer to someone guessing client secrets: past this
# many failed client authentications within the window, from one address or naming one
# client ID, the token endpoint answers 429 with Retry-After until the oldest failure is out
# of the window. Counted in the database, which every server process shares. A client ID's
# limit is the higher one: anyone may name it, and should not lock its owner out alone.
WORKOS_EMULATOR_CLIENT_AUTH_WINDOW = env_int(
    "WORKOS_EMULATOR_CLIENT_AUTH_WINDOW_SECONDS", 300, minimum=1
)
WORKOS_EMULATOR_CLIENT_AUTH_FAILURES_PER_ADDRESS = env_int(
    "WORKOS_EMULATOR_CLIENT_AUTH_FAILURES_PER_ADDRESS", 20, minimum=1
)
WORKOS_EMULATOR_CLIENT_AUTH_FAILURES_PER_CLIENT = env_int(
    "WORKOS_EMULATOR_CLIENT_AUTH_FAILURES_PER_CLIENT", 100, minimum=1
)

# Several environments, each with its own key: WORKOS_ENVIRONMENTS=sandbox,production with
# WORKOS_API_KEY_SANDBOX and WORKOS_API_KEY_PRODUCTION (dashboard/environments.py). Unset,
# the dashboard manages WORKOS_API_KEY's one environment, or the embedded API's two.
WORKOS_ENVIRONMENTS = environments.named(
    os.environ, base_url=WORKOS_BASE_URL, authkit_domain=WORKOS_AUTHKIT_DOMAIN
)

# Background work (the search index's syncs): queued in the database, so that every
# instance shares the queue; `manage.py connect worker` runs it (quickstart starts one).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Seconds: the worker syncs an environment's search index when it is older than this.
DASHBOARD_INDEX_MAX_AGE = env_int("DASHBOARD_INDEX_MAX_AGE", 15 * 60, minimum=10)
# Credential health: a secret older than this many days is due for rotation; one not used
# for this many days (or never, this long after its creation) is unused.
DASHBOARD_SECRET_ROTATION_DAYS = env_int("DASHBOARD_SECRET_ROTATION_DAYS", 90, minimum=1)
DASHBOARD_SECRET_UNUSED_DAYS = env_int("DASHBOARD_SECRET_UNUSED_DAYS", 30, minimum=1)

# Seconds; a dashboard request should fail fast rather than hang on a slow upstream.
WORKOS_TIMEOUT = env_float("WORKOS_TIMEOUT", 5.0, minimum=0)
WORKOS_CONNECT_TIMEOUT = env_float("WORKOS_CONNECT_TIMEOUT", 2.0, minimum=0)
WORKOS_MAX_RETRIES = env_int("WORKOS_MAX_RETRIES", 2, minimum=0)
# A request and all its retries end within this many seconds.
WORKOS_DEADLINE = env_float("WORKOS_DEADLINE", 10.0, minimum=0)
# After requests keep failing to reach the API, fail at once for this many seconds.
WORKOS_BREAKER_COOLDOWN = env_float("WORKOS_BREAKER_COOLDOWN", 10.0, minimum=0)
# A Retry-After longer than this is not waited for: the user is told when to try again.
WORKOS_RETRY_AFTER_CAP = env_float("WORKOS_RETRY_AFTER_CAP", 5.0, minimum=0)
