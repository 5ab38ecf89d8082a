"""Answers the dashboard's views share: a page or its HTMX partial, and where to go after a
change."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django_htmx.http import HttpResponseClientRedirect


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


def page_or_partial(request: HttpRequest, page: str, partial: str) -> str:
    """The template to render: the page's named partial for an HTMX swap, else the page."""
    return f"{page}#{partial}" if request.htmx and not request.htmx.boosted else page


def redirect_after_change(request: HttpRequest, url: str) -> HttpResponse:
    """After a change: an HTMX client redirect, or a 303 so a reload never posts again."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return HttpResponseSeeOther(url)
