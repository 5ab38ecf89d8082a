from dashboard.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WORKOS_API_KEY = ""
WORKOS_EMULATOR = False
WORKOS_EMULATOR_API_KEY = "sk_test_emulator"
WORKOS_TIMEOUT = 5.0
WORKOS_CONNECT_TIMEOUT = 2.0
WORKOS_MAX_RETRIES = 2
WORKOS_RETRY_AFTER_CAP = 5.0
WORKOS_DEADLINE = 10.0
WORKOS_BREAKER_COOLDOWN = 10.0

# Live-server threads must not keep connections open past a test.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
