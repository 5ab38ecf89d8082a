import os
from datetime import timedelta

from dashboard.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The suite expects the defaults, whatever the environment it runs in says.
WORKOS_API_KEY = ""
WORKOS_EMULATOR = False
WORKOS_EMULATOR_API_KEY = "sk_test_emulator"
WORKOS_TIMEOUT = 5.0
WORKOS_CONNECT_TIMEOUT = 2.0
WORKOS_MAX_RETRIES = 2
WORKOS_RETRY_AFTER_CAP = 5.0
WORKOS_DEADLINE = 10.0
WORKOS_BREAKER_COOLDOWN = 10.0
SESSION_COOKIE_AGE = 30 * 60
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
# The client is REMOTE_ADDR, whatever the environment says about proxies.
TRUSTED_PROXY_COUNT = 0
LOGGING["loggers"]["dashboard"]["level"] = "INFO"  # noqa: F405

# Live-server threads must not keep connections open past a test.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: Django hands an in-memory test database's one connection to every
    # live-server thread, and SQLite refuses concurrent use of it ("bad parameter or other
    # API misuse") when a page's requests overlap, as an HTMX page's do.
    # One file per test process, so that two runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f"test-db-{os.getpid()}.sqlite3")}  # noqa: F405
