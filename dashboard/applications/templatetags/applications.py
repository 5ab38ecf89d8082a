"""The application list's own tag: `{% load applications %}`."""

from functools import cache
from html import escape
from urllib.parse import quote

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from dashboard import environments
from dashboard.connect.models import UnreadableRecord
from dashboard.kernel.fields import kind_label
from dashboard.kernel.templatetags.dashboard import copy_button, timestamp

register = template.Library()


@cache
def _detail_url_pattern(environment: str) -> str:
    """The detail URL with a placeholder, in `environment` (whose URLs the page reverses)."""
    return reverse("applications:detail", args=["APPLICATION_ID"])


@register.simple_tag(takes_context=True)
def application_rows(context, apps, organization_names: dict, health: dict | None = None):
    """The rows of the application list (applications of the API, rows of the search index,
    or records that could not be read), each with what needs attention in its credentials
    from `health`.

    Built with plain escaping rather than template tags, and all in one tag rather than one
    a row: with a hundred rows a page, this is the dashboard's hottest markup, and Django's
    loop and tag per row cost as much as the rows. What every row shares is found once."""
    pattern = _detail_url_pattern(environments.current().name)
    staff_sign_on = context.get("staff_sign_on", ())
    return mark_safe(  # noqa: S308 - every row escapes its values
        "\n".join(
            _row(app, organization_names, health or {}, pattern, staff_sign_on) for app in apps
        )
    )


def _row(app, organization_names: dict, health: dict, pattern: str, staff_sign_on) -> str:
    if isinstance(app, UnreadableRecord):
        return render_to_string("applications/_unreadable_row.html", {"record": app})
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
    detail = pattern.replace("APPLICATION_ID", quote(app.id, safe=""))
    findings = health.get(app.id)
    if findings:
        titles = escape("; ".join(dict.fromkeys(finding.problem.title for finding in findings)))
        attention = (
            f'<a class="attention" href="{escape(detail)}#secrets" title="{titles}">'
            f'{len(findings)} to look at<span class="visually-hidden">: {titles}</span></a>'
        )
    else:
        attention = '<span class="muted">—</span>'
    # The application the dashboard's own staff sign in through.
    mark = ' <span class="tag">Dashboard sign-in</span>' if app.client_id in staff_sign_on else ""
    return (
        f'<tr><th scope="row"><a href="{escape(detail)}">{escape(app.name)}</a>{mark}</th>'
        f'<td class="col-optional">{escape(kind_label(app))}</td>'
        f'<td class="nowrap col-optional"><code>{escape(app.client_id)}</code> '
        f"{copy_button(app.client_id)}</td>"
        f'<td>{organization}</td><td class="col-optional">{pkce}</td>'
        f'<td class="nowrap col-optional">{timestamp(app.created_at)}</td>'
        f'<td class="nowrap col-optional">{attention}</td></tr>'
    )
