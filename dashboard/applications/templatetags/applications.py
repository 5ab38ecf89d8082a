import json
from datetime import UTC, datetime
from functools import cache
from html import escape
from urllib.parse import quote, urlencode

from django import forms, template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from dashboard import environments
from dashboard.applications import fields, lookups
from dashboard.connect.models import UnreadableRecord
from dashboard.web.roles import CHANGE

register = template.Library()

KIND_LABELS = {
    "first_party": "OAuth · first-party",
    "third_party": "OAuth · third-party",
    "dynamic": "OAuth · dynamically registered",
}


@register.filter
def kind_label(app) -> str:
    """ "OAuth · third-party", "M2M": of an application, or of a snapshot of one."""

    def value(name: str):
        # Read where it is: the list labels every row, and a whole dump of each cost more
        # than the rest of its row.
        return app.get(name) if isinstance(app, dict) else getattr(app, name, None)

    kind = value("application_type")
    if kind == "m2m":
        return "M2M"
    if kind == "oauth":
        if value("is_first_party"):
            return KIND_LABELS["first_party"]
        return KIND_LABELS["dynamic" if value("was_dynamically_registered") else "third_party"]
    return f"{kind} (unknown type)"


@register.filter
def shown_fields(app) -> list:
    """(field, value) for every field of the table the application has."""
    return fields.shown_values(app)


@register.filter
def app_field(name: str) -> fields.AppField:
    """The table's field of this name; a name the table no longer has shows as text."""
    return fields.BY_NAME.get(name) or fields.AppField(
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


@register.inclusion_tag("applications/_organization_offer.html", takes_context=True)
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
    exact = value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d} UTC"
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


@cache
def _detail_url_pattern(environment: str) -> str:
    """The detail URL with a placeholder, in `environment` (whose URLs the page reverses)."""
    return reverse("applications:detail", args=["APPLICATION_ID"])


DETAIL_URL_PATTERN = "applications:detail-url-pattern"


@register.simple_tag(takes_context=True)
def application_row(context, app, organization_names: dict, health: dict | None = None):
    """One row of the application list (an application of the API, a row of the search
    index, or a record that could not be read), with what needs attention in its
    credentials from `health`.

    Built with plain escaping rather than template tags: with a hundred rows a page,
    this is the dashboard's hottest markup. What every row shares is found once a page.
    """
    if isinstance(app, UnreadableRecord):
        return render_to_string("applications/_unreadable_row.html", {"record": app})
    if DETAIL_URL_PATTERN not in context.render_context:
        pattern = _detail_url_pattern(environments.current().name)
        context.render_context[DETAIL_URL_PATTERN] = pattern
    organization_id = getattr(app, "organization_id", None)
    if not organization_id:
        organization = '<span class="muted">—</span>'
    elif organization_id in organization_names:
        organization = (
            f'<span title="{escape(organization_id)}">'
            f"{escape(organization_names[organization_id])}</span>"
        )
    else:
        organization = f"<code>{escape(organization_id)}</code>"
    if app.application_type == "oauth":
        pkce = "Required" if app.uses_pkce else "No"
    else:
        pkce = '<span class="muted">n/a</span>'
    pattern = context.render_context[DETAIL_URL_PATTERN]
    detail = pattern.replace("APPLICATION_ID", quote(app.id, safe=""))
    findings = (health or {}).get(app.id)
    if findings:
        titles = escape("; ".join(dict.fromkeys(finding.problem.title for finding in findings)))
        attention = (
            f'<a class="attention" href="{escape(detail)}#secrets" title="{titles}">'
            f'{len(findings)} to look at<span class="visually-hidden">: {titles}</span></a>'
        )
    else:
        attention = '<span class="muted">—</span>'
    # The application the dashboard's own staff sign in through.
    staff_sign_on = app.client_id in context.get("staff_sign_on", ())
    mark = ' <span class="tag">Dashboard sign-in</span>' if staff_sign_on else ""
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<tr><th scope="row"><a href="{escape(detail)}">{escape(app.name)}</a>{mark}</th>'
        f'<td class="col-optional">{escape(kind_label(app))}</td>'
        f'<td class="nowrap col-optional"><code>{escape(app.client_id)}</code> '
        f"{copy_button(app.client_id)}</td>"
        f'<td>{organization}</td><td class="col-optional">{pkce}</td>'
        f'<td class="nowrap col-optional">{timestamp(app.created_at)}</td>'
        f'<td class="nowrap col-optional">{attention}</td></tr>'
    )
