"""The template tags and filters every page shares: `{% load dashboard %}`."""

import json
from datetime import UTC, datetime
from html import escape
from urllib.parse import urlencode

from django import forms, template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from dashboard.kernel import fields, lookups
from dashboard.kernel.roles import CHANGE

register = template.Library()

register.filter("kind_label", fields.kind_label)


@register.filter
def shown_fields(app) -> list:
    """(field, value) for every field of the table the application has."""
    return fields.shown_values(app)


@register.filter
def app_field(name: str) -> fields.AppField:
    """The table's field of this name; a name the table no longer has shows as text."""
    return fields.by_name(name) or fields.AppField(
        name, name, fields.BOTH, False, "text", forms.CharField
    )


@register.filter
def field_labels(changes: dict) -> str:
    return ", ".join(app_field(name).label for name in changes)


@register.simple_tag
def organization_label(organization_id: str) -> str:
    """An organization's name, or its ID when the name cannot be found."""
    return lookups.organization_name(organization_id) or organization_id


# The list's filter box finds organizations; only the boxes of forms that create or edit an
# application offer to create one.
FILTER_PARAMETER = "organization"


def organization_offer_context(
    user, box: str, typed: str, *, next_url: str = "", parameter: str = ""
) -> dict:
    """What an organization box offers when no organization has the name typed in it: to
    create it, for those who may (CHANGE). Rendered by `_organization_offer.html`, which
    asks again (`offers`) each time a name is complete in the box, never while it is typed."""
    offer = typed.strip()
    offers = user.has_perm(CHANGE) and parameter != FILTER_PARAMETER
    if not offers or lookups.looks_like_organization_id(offer):
        offer = ""
    query = {"name": offer, "next": next_url, "parameter": parameter}
    return {
        "box": box,
        "offers": offers,
        "offer": offer,
        "create_query": urlencode({name: value for name, value in query.items() if value}),
        "picked": json.dumps({"picked_name": offer, "box": box}),
        "asks": json.dumps({"offer": box, "next": next_url, "parameter": parameter}),
    }


@register.inclusion_tag("kernel/_organization_offer.html", takes_context=True)
def organization_offer(
    context, field, next_url: str = "", parameter: str = "", oob: bool = False, unknown: str = ""
) -> dict:
    """The offer under an organization box whose typed name no organization has; `oob` for
    an HTMX answer that updates it beside the part of the page it swaps; `unknown`, a name
    the page already knows no organization has (the box opens with it)."""
    codes = []
    if field.form.is_bound:
        codes = [error.code for error in field.form.errors.as_data().get(field.name, [])]
        unknown = ""
    typed = field.value() if "organization_unknown" in codes else unknown
    user = context["request"].user
    offer = organization_offer_context(
        user, field.auto_id, typed or "", next_url=next_url, parameter=parameter
    )
    return offer | {"oob": oob}


@register.simple_tag
def timestamp(value: datetime | None, never: str = "never"):
    """A time readable at a glance: local time with JavaScript, exact UTC on hover."""
    if value is None:
        return never
    value = value.astimezone(UTC)
    # isoformat, not strftime: a list page writes a hundred of these, at half the cost.
    exact = value.isoformat(sep=" ", timespec="milliseconds").removesuffix("+00:00") + " UTC"
    iso = value.isoformat().replace("+00:00", "Z")
    # Only digits and separators: nothing here needs escaping.
    return mark_safe(  # noqa: S308
        f'<time datetime="{iso}" title="{exact}" data-local-time>{exact[:16]} UTC</time>'
    )


@register.simple_tag
def ago(value: datetime):
    """ "just now" or "2 minutes ago", with the exact UTC time on hover."""
    value = value.astimezone(UTC)
    seconds = (datetime.now(UTC) - value).total_seconds()
    words = "just now" if seconds < 60 else f"{timesince(value)} ago"
    exact = value.strftime("%Y-%m-%d %H:%M:%S UTC")
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), exact, words)


@register.simple_tag
def copy_button(value: str, label: str = "Copy"):
    """A button that copies `value`; hidden until the page script can copy."""
    value, label = escape(value), escape(label)
    return mark_safe(  # noqa: S308 - both values are escaped
        f'<button type="button" class="copy" data-copy="{value}" aria-label="{label} {value}" '
        f"hidden>{label}</button>"
    )
