"""System checks of the dashboard's own settings; `manage.py check --deploy` runs them."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from dashboard.emulator.http import emulator_enabled

# The embedded API's default keys: the README and every example publish them.
PUBLISHED_EMULATOR_API_KEYS = {
    "WORKOS_EMULATOR_API_KEY": "sk_test_emulator",
    "WORKOS_EMULATOR_PRODUCTION_API_KEY": "sk_live_emulator",
}
MIN_EMULATOR_API_KEY_LENGTH = 32


def _hint(setting: str) -> str:
    return (
        f"Set {setting} to a random key of at least {MIN_EMULATOR_API_KEY_LENGTH} characters "
        "(python -c 'import secrets; print(secrets.token_urlsafe(32))'), or manage WorkOS "
        "with WORKOS_API_KEY and without WORKOS_EMULATOR=1, which turns the embedded API off."
    )


@register(Tags.security, deploy=True)
def embedded_api_key_check(app_configs, **kwargs) -> list[CheckMessage]:
    """Whoever holds one of the embedded API's keys can change and delete every application
    of its environment and create secrets, whatever their role in the dashboard: in
    production they must be secret."""
    if not emulator_enabled():
        return []
    return [
        problem
        for setting, published in PUBLISHED_EMULATOR_API_KEYS.items()
        for problem in _key_problems(setting, getattr(settings, setting), published)
    ]


def _key_problems(setting: str, key: str, published: str) -> list[CheckMessage]:
    if key == published:
        problem = (
            f"The embedded API under /emulator/ accepts the published key {key} ({setting}): "
            "anyone who can reach the dashboard can change and delete applications."
        )
        return [Error(problem, hint=_hint(setting), id="dashboard.E001")]
    if not key:
        problem = f"{setting} is empty: the embedded API would accept a bearer header with no key."
        return [Error(problem, hint=_hint(setting), id="dashboard.E002")]
    if len(key) < MIN_EMULATOR_API_KEY_LENGTH:
        problem = f"{setting} is {len(key)} characters long, too short to resist guessing."
        return [Error(problem, hint=_hint(setting), id="dashboard.E003")]
    return []
