from html import escape

from django import template
from django.utils.safestring import mark_safe

from dashboard.onboarding import services
from dashboard.onboarding.sheet import AuthorizationServer

register = template.Library()


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
def copy_text(value: str, label: str, text: str = "Copy"):
    """A button that copies a block of text. Unlike `copy_button`, its accessible name is
    `label` alone: a screen reader should not read a whole code block to name a button."""
    value, label, text = escape(value), escape(label), escape(text)
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<button type="button" class="copy" data-copy="{value}" aria-label="{label}" '
        f"hidden>{text}</button>"
    )
