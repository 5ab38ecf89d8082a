"""One exception class per kind of API failure.

Each carries the HTTP `status` (None when no answer arrived), the API's `request_id`
for support, a human `message`, the API's error `code` and the decoded error `body`.
`retryable` says whether the same request may succeed if sent again.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str


class ApiError(Exception):
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        code: str | None = None,
        body: Any = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.request_id = request_id
        self.code = code
        self.body = body

    def __str__(self) -> str:
        details = [
            f"status {self.status}" if self.status else None,
            f"request {self.request_id}" if self.request_id else None,
        ]
        details = [detail for detail in details if detail]
        return f"{self.message} ({', '.join(details)})" if details else self.message


class BadRequestError(ApiError):
    """400: the API could not read the request."""


class AuthenticationError(ApiError):
    """401 or 403: the API key is missing, wrong, or not allowed to do this."""


class NotFoundError(ApiError):
    """404: no such application, secret, organization or endpoint."""


class InvalidIdentifierError(NotFoundError):
    """An ID that cannot name anything (empty, `.` or `..`); refused before any request."""


class RequestTimeoutError(ApiError):
    """408: the API gave up waiting for the request."""

    retryable = True


class ConflictError(ApiError):
    """409: the request conflicts with the current state, often briefly."""

    retryable = True


class UnprocessableEntityError(ApiError):
    """422: the API refused the input; `errors` says which field and why."""

    def __init__(self, message: str, *, errors: Iterable[FieldError] = (), **kwargs: Any):
        super().__init__(message, **kwargs)
        self.errors = list(errors)


class RateLimitedError(ApiError):
    """429: too many requests; `retry_after` is in seconds when the API said."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx: the API failed; trying again later may work."""

    retryable = True


class ApiConnectionError(ApiError):
    """The API could not be reached (DNS, refused or dropped connection, TLS)."""

    retryable = True


class ApiTimeoutError(ApiConnectionError):
    """No answer within the configured timeout.

    A kind of connection error: code that handles ApiConnectionError handles timeouts
    too, and code that tells the two apart checks for this class first.
    """


class InvalidResponseError(ApiError):
    """The API answered with something that is not what the contract promises."""


class UnreadableRecordError(InvalidResponseError):
    """A record the API sent is not what its model expects: `kind` ("application"), its
    `record_id` when that could be read, and the `problem`, which names the field."""

    def __init__(self, *, kind: str, record_id: str | None, problem: str, **kwargs: Any):
        record = f"{kind.capitalize()} {record_id}" if record_id else f"The {kind}"
        super().__init__(f"{record} could not be read: {problem}.", **kwargs)
        self.kind = kind
        self.record_id = record_id
        self.problem = problem
