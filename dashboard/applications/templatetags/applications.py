from datetime import UTC, datetime

from django import template
from django.utils.html import format_html

register = template.Library()

KIND_LABELS = {
    "first_party": "OAuth · first-party",
    "third_party": "OAuth · third-party",
    "dynamic": "OAuth · dynamically registered",
}


@register.filter
def kind_label(app) -> str:
    if app.application_type == "m2m":
        return "M2M"
    if app.application_type == "oauth":
        return KIND_LABELS[app.registration]
    return f"{app.application_type} (unknown type)"


@register.simple_tag
def timestamp(value: datetime | None, never: str = "never"):
    """A time readable at a glance: local time with JavaScript, exact UTC on hover."""
    if value is None:
        return never
    value = value.astimezone(UTC)
    exact = value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d} UTC"
    return format_html(
        '<time datetime="{}" title="{}" data-local-time>{}</time>',
        value.isoformat().replace("+00:00", "Z"),
        exact,
        value.strftime("%Y-%m-%d %H:%M UTC"),
    )


@register.inclusion_tag("applications/_copy.html")
def copy_button(value: str, label: str = "Copy"):
    return {"value": value, "label": label}


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key)
