"""System checks of the dashboard's own settings; `manage.py check --deploy` runs them."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from dashboard.emulator.http import emulator_enabled

# The embedded API's default key: the README and every example publish it.
PUBLISHED_EMULATOR_API_KEY = "sk_test_emulator"
MIN_EMULATOR_API_KEY_LENGTH = 32

EMULATOR_API_KEY_HINT = (
    "Set WORKOS_EMULATOR_API_KEY to a random key of at least "
    f"{MIN_EMULATOR_API_KEY_LENGTH} characters (python -c 'import secrets; "
    "print(secrets.token_urlsafe(32))'), or manage WorkOS with WORKOS_API_KEY and "
    "without WORKOS_EMULATOR=1, which turns the embedded API off."
)


@register(Tags.security, deploy=True)
def embedded_api_key_check(app_configs, **kwargs) -> list[CheckMessage]:
    """Whoever holds the embedded API's key can change and delete every application and
    create secrets, whatever their role in the dashboard: in production it must be secret."""
    if not emulator_enabled():
        return []
    key = settings.WORKOS_EMULATOR_API_KEY
    if key == PUBLISHED_EMULATOR_API_KEY:
        problem = (
            f"The embedded API under /emulator/ accepts the published key {key}: anyone "
            "who can reach the dashboard can change and delete applications."
        )
        return [Error(problem, hint=EMULATOR_API_KEY_HINT, id="dashboard.E001")]
    if not key:
        problem = "The embedded API's key is empty: it accepts a bearer header with no key."
        return [Error(problem, hint=EMULATOR_API_KEY_HINT, id="dashboard.E002")]
    if len(key) < MIN_EMULATOR_API_KEY_LENGTH:
        problem = (
            f"The embedded API's key is {len(key)} characters long, too short to resist guessing."
        )
        return [Error(problem, hint=EMULATOR_API_KEY_HINT, id="dashboard.E003")]
    return []
