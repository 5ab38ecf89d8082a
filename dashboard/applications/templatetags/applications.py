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
