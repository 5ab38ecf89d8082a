"""Answers the dashboard's views share: a page or its HTMX partial, where to go after a
change, a CSV download."""

import csv
from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
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


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    filename: str, header: list[str], rows: Iterable[Iterable]
) -> StreamingHttpResponse:
    """A CSV download, streamed row by row."""
    # Every cell quoted: a spreadsheet that splits on ";" or tabs keeps a user name such as
    # "x;=cmd|..." in one cell instead of starting a formula in the next.
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
