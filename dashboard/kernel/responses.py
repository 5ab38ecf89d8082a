"""Answers the dashboard's views share: a page or its HTMX partial, where to go after a
change, a CSV download.

One idiom for HTMX, django-htmx's: a view names its page's template, and for an HTMX swap
the named partial of it (`{% partialdef %}`) that the swap replaces, plus any out-of-band
partials that change beside it; `render_page()` renders whichever the request asks for."""

import csv
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it."""

    htmx: HtmxDetails


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


def swapping(request: HtmxHttpRequest) -> bool:
    """Whether the request asks for part of a page (an HTMX swap), not a whole page (a
    plain or boosted navigation)."""
    return bool(request.htmx) and not request.htmx.boosted


def _named(template: str, partial: str) -> str:
    # "rows" is a partial of the page's template; "other/page.html#rows" of another one,
    # "other/_part.html" a template of its own.
    return partial if "#" in partial or "/" in partial else f"{template}#{partial}"


def render_page(
    request: HtmxHttpRequest,
    template: str,
    context: dict,
    *,
    partial: str | None = None,
    oob: Iterable[str] = (),
    whole: Callable[[], dict] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The page `template`; for an HTMX swap, its `partial` then each `oob` partial (with
    `oob` set in their context, so that they mark themselves out-of-band). `whole` adds
    what only the whole page shows, computed only when it is shown."""
    if partial is None or not swapping(request):
        return render(request, template, context | (whole() if whole else {}), status=status)
    html = render_to_string(_named(template, partial), context, request)
    for name in oob:
        html += render_to_string(_named(template, name), context | {"oob": True}, request)
    return HttpResponse(html, status=status)


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
