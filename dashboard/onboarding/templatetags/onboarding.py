from datetime import UTC, datetime
from html import escape
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from dashboard.onboarding import services
from dashboard.onboarding.sheet import AuthorizationServer

register = template.Library()

# Claims that are times, in seconds since the epoch (RFC 7519, OpenID Connect Core).
TIME_CLAIMS = frozenset({"iat", "exp", "auth_time", "nbf"})


@register.simple_tag(takes_context=True)
def authorization_server(context) -> AuthorizationServer | None:
    """The environment's authorization server, as the page's request reaches it."""
    request = context.get("request")
    return services.authorization_server(request) if request is not None else None


@register.simple_tag
def sign_in_try_callbacks(app) -> list[str]:
    """The dashboard's test callbacks among the application's redirect URIs."""
    return sorted(services.sign_in_try_callbacks(app))


@register.simple_tag
def claim_value(name: str, value: Any) -> SafeString | str:
    """A token's claim as the dashboard shows values: a time as its other pages show times
    (UTC, local with JavaScript) with the claim's number on hover, a boolean as Yes or No,
    a list as its items, anything else as code."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name in TIME_CLAIMS and isinstance(value, int | float):
        try:
            moment = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return format_html("<code>{}</code>", value)
        return format_html(
            '<time datetime="{}" title="{} ({})" data-local-time>{}</time>',
            moment.isoformat().replace("+00:00", "Z"),
            value,
            moment.strftime("%Y-%m-%d %H:%M:%S UTC"),
            moment.strftime("%Y-%m-%d %H:%M UTC"),
        )
    if isinstance(value, list | tuple):
        return format_html("<code>{}</code>", ", ".join(str(item) for item in value))
    return format_html("<code>{}</code>", value)


@register.simple_tag
def copy_text(value: str, label: str, text: str = "Copy"):
    """A button that copies a block of text. Unlike `copy_button`, its accessible name is
    `label` alone: a screen reader should not read a whole code block to name a button."""
    value, label, text = escape(value), escape(label), escape(text)
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<button type="button" class="copy" data-copy="{value}" aria-label="{label}" '
        f"hidden>{text}</button>"
    )
