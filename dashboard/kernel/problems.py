"""Service errors turned into what a user reads: a 404 page, or a banner that says what
happened, whether trying again will help, and the request ID for support.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import reswap, retarget

from dashboard.connect import errors


@dataclass(frozen=True)
class Problem:
    title: str
    detail: str
    retry_helps: bool
    request_id: str | None
    status: int


def describe(error: errors.ApiError) -> Problem:
    request_id = error.request_id
    if isinstance(error, errors.UnreadableRecordError):
        # The page answers as the list does for such a record, which is shown as unreadable:
        # a 5xx would count every look at it as an outage of the dashboard.
        return Problem(
            f"This {error.kind} could not be read",
            f"{error.message} The API sent it in a shape the dashboard does not expect: it is "
            "not shown rather than shown wrong, until it is corrected where it is stored.",
            False,
            request_id,
            200,
        )
    if isinstance(error, errors.RateLimitedError):
        wait = f" It asked to wait {error.retry_after:.0f} seconds." if error.retry_after else ""
        return Problem(
            "WorkOS is limiting requests",
            "Too many requests were sent to the API in a short time." + wait,
            True,
            request_id,
            429,
        )
    if isinstance(error, errors.ApiTimeoutError):
        return Problem(
            "The API did not answer in time",
            "It may be slow or overloaded. Nothing you entered was lost.",
            True,
            request_id,
            504,
        )
    if isinstance(error, errors.ApiConnectionError):
        return Problem(
            "The API could not be reached",
            f"{error.message} Nothing you entered was lost.",
            True,
            request_id,
            503,
        )
    if isinstance(error, errors.ServerError | errors.ConflictError | errors.RequestTimeoutError):
        return Problem(
            "The API failed to complete the request",
            f"It answered {error.status}: {error.message}",
            True,
            request_id,
            502,
        )
    if isinstance(error, errors.AuthenticationError):
        return Problem(
            "The dashboard's API key was refused",
            "An operator must check WORKOS_API_KEY.",
            False,
            request_id,
            502,
        )
    if isinstance(error, errors.InvalidResponseError):
        return Problem("The API's answer could not be read", error.message, False, request_id, 502)
    if isinstance(error, errors.BadRequestError | errors.UnprocessableEntityError):
        # Refused for what the request carried, such as a cursor edited in the page's URL.
        return Problem("The API refused the request", error.message, False, request_id, 400)
    return Problem("The API refused the request", error.message, False, request_id, 502)


def problem_page(request: HttpRequest, error: errors.ApiError) -> HttpResponse:
    """A page for a plain request; for HTMX, the banner alone, shown above the page."""
    problem = describe(error)
    if request.htmx:
        response = render(request, "_problem.html", {"problem": problem}, status=problem.status)
        return reswap(retarget(response, "#messages"), "innerHTML")
    return render(request, "problem.html", {"problem": problem}, status=problem.status)


def api_errors_as_pages(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view that only reads: an API 404 is a 404 page, any other failure a problem page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except errors.NotFoundError as error:
            raise Http404(error.message) from error
        except errors.ApiError as error:
            return problem_page(request, error)

    return wrapper
