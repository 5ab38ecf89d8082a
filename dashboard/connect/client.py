"""The HTTP clients that talk to the Connect API, and how requests are sent.

One `httpx.Client` per environment and process (dashboard/environments.py), built from
settings: base URL, bearer key, short timeouts, pooled keep-alive connections. The embedded
API's environments are reached through an in-process transport instead of the network.

Retries: at most WORKOS_MAX_RETRIES, only for 408/409/429/5xx and network errors,
exponential backoff with jitter; a `Retry-After` up to WORKOS_RETRY_AFTER_CAP is
waited for, a longer one is reported at once. Every POST carries one
`Idempotency-Key`, reused by its retries, so a retried create cannot create twice.

A request and its retries together never take longer than WORKOS_DEADLINE. When
requests keep failing to reach the API at all, a circuit breaker fails the next ones
at once for WORKOS_BREAKER_COOLDOWN seconds, so pages answer quickly while the API is
down, and lets one through afterwards to find out whether it is back; one breaker per
environment, so that one's outage does not stop the other's pages.
"""

import logging
import random
import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic, sleep
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import ngettext

from dashboard import environments
from dashboard.environments import Environment

from . import errors
from .transport import transport

logger = logging.getLogger("dashboard.connect")

BACKOFF_BASE = 0.25
BACKOFF_MAX = 2.0

BREAKER_THRESHOLD = 3

# Keyed by the environment itself, its key included: a changed setting builds new ones.
_clients: dict[Environment, httpx.Client] = {}
_breakers: dict[Environment, "CircuitBreaker"] = {}
_client_lock = threading.Lock()


class CircuitBreaker:
    """Counts requests in a row that could not reach the API; opens after a few."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.failures = 0
        self.open_until = 0.0

    def check(self) -> None:
        wait = self.open_until - monotonic()
        if wait > 0:
            seconds = max(1, round(wait))
            raise errors.ApiConnectionError(
                ngettext(
                    "The API could not be reached just now; the dashboard will try again in "
                    "%(seconds)d second.",
                    "The API could not be reached just now; the dashboard will try again in "
                    "%(seconds)d seconds.",
                    seconds,
                )
                % {"seconds": seconds}
            )

    def succeeded(self) -> None:
        with self._lock:
            self.failures = 0

    def failed(self) -> None:
        with self._lock:
            self.failures += 1
            if self.failures >= BREAKER_THRESHOLD:
                self.open_until = monotonic() + settings.WORKOS_BREAKER_COOLDOWN


def backend() -> Environment:
    """The environment the service layer works in now (see dashboard/environments.py)."""
    return environments.current()


def _build_client(environment: Environment) -> httpx.Client:
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=60)
    return httpx.Client(
        transport=transport(embedded=environment.embedded, limits=limits),
        base_url=environment.base_url,
        headers={
            "Authorization": f"Bearer {environment.api_key}",
            "Accept": "application/json",
            "User-Agent": "connect-dashboard/0.1",
        },
        timeout=httpx.Timeout(settings.WORKOS_TIMEOUT, connect=settings.WORKOS_CONNECT_TIMEOUT),
    )


def get_client() -> httpx.Client:
    """The current environment's client: one per environment and process."""
    environment = backend()
    client = _clients.get(environment)
    if client is None:
        with _client_lock:
            client = _clients.get(environment)
            if client is None:
                client = _clients[environment] = _build_client(environment)
    return client


def breaker() -> "CircuitBreaker":
    """The current environment's circuit breaker: an outage of one is not the other's."""
    environment = backend()
    with _client_lock:
        return _breakers.setdefault(environment, CircuitBreaker())


def reset_client() -> None:
    """Drop the clients so the next request builds them from the current settings."""
    with _client_lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
        _breakers.clear()


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("WORKOS_"):
        reset_client()


def encode_path(segments: Sequence[str]) -> str:
    """Percent-encode every segment, so an ID can never reach another resource."""
    for segment in segments:
        if segment in ("", ".", ".."):
            raise errors.InvalidIdentifierError(f"'{segment}' is not a valid ID.")
    return "/".join(quote(segment, safe="") for segment in segments)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - datetime.now(UTC)).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(seconds, 0.0)


def error_from_response(response: httpx.Response) -> errors.ApiError:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    message = body.get("message")
    if not isinstance(message, str) or not message:
        message = f"The API answered {status} {response.reason_phrase}.".replace(" .", ".")
    common = {
        "status": status,
        "request_id": response.headers.get("X-Request-ID"),
        "code": body.get("code") if isinstance(body.get("code"), str) else None,
        "body": body,
    }
    if status == 400:
        return errors.BadRequestError(message, **common)
    if status in (401, 403):
        return errors.AuthenticationError(message, **common)
    if status == 404:
        return errors.NotFoundError(message, **common)
    if status == 408:
        return errors.RequestTimeoutError(message, **common)
    if status == 409:
        return errors.ConflictError(message, **common)
    if status == 422:
        field_errors = [
            errors.FieldError(
                str(item.get("field", "")), str(item.get("code", "")), str(item.get("message", ""))
            )
            for item in body.get("errors") or []
            if isinstance(item, dict)
        ]
        return errors.UnprocessableEntityError(message, errors=field_errors, **common)
    if status == 429:
        return errors.RateLimitedError(message, retry_after=_retry_after(response), **common)
    if status >= 500:
        return errors.ServerError(message, **common)
    return errors.ApiError(message, **common)


def _backoff(attempt: int) -> float:
    delay = min(BACKOFF_BASE * 2**attempt, BACKOFF_MAX)
    # Equal jitter: never less than half the delay, spread over the other half.
    return delay / 2 + random.uniform(0, delay / 2)


def _delay_before_retry(error: errors.ApiError, attempt: int, deadline: float) -> float | None:
    """Seconds to wait before sending again, or None when it is not worth trying."""
    if not error.retryable or attempt >= settings.WORKOS_MAX_RETRIES:
        return None
    if isinstance(error, errors.RateLimitedError) and error.retry_after is not None:
        if error.retry_after > settings.WORKOS_RETRY_AFTER_CAP:
            return None
        delay = error.retry_after
    else:
        delay = _backoff(attempt)
    if monotonic() + delay >= deadline:
        return None  # No time left for another try within the deadline.
    return delay


def _unreachable(exc: httpx.TransportError, timeout: httpx.Timeout) -> errors.ApiConnectionError:
    if isinstance(exc, httpx.TimeoutException):
        return errors.ApiTimeoutError(f"The API did not answer within {timeout.read:g} seconds.")
    return errors.ApiConnectionError(f"The API could not be reached: {exc}.")


def request(
    method: str,
    path: Sequence[str],
    *,
    params: dict[str, Any] | None = None,
    json: Any = None,
    idempotency_key: str | None = None,
) -> httpx.Response:
    """Send one API request with retries; answer the 2xx response or raise an ApiError.

    A POST without an `idempotency_key` gets a new one, shared by its retries.
    """
    url = encode_path(path)
    headers = {}
    if method == "POST":
        headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
    params = {name: value for name, value in (params or {}).items() if value is not None}
    client, circuit = get_client(), breaker()
    circuit.check()
    deadline = monotonic() + settings.WORKOS_DEADLINE
    attempt = 0
    while True:
        started = monotonic()
        budget = max(deadline - started, 0.1)
        timeout = httpx.Timeout(
            min(settings.WORKOS_TIMEOUT, budget),
            connect=min(settings.WORKOS_CONNECT_TIMEOUT, budget),
        )
        try:
            response = client.request(
                method, url, params=params, json=json, headers=headers, timeout=timeout
            )
        except httpx.TransportError as exc:
            error: errors.ApiError = _unreachable(exc, timeout)
            delay = _delay_before_retry(error, attempt, deadline)
            if delay is None:
                circuit.failed()
                raise error from exc
        else:
            circuit.succeeded()
            logger.info(
                "%s /%s -> %s in %.0f ms [%s]",
                method,
                url,
                response.status_code,
                (monotonic() - started) * 1000,
                response.headers.get("X-Request-ID", "-"),
            )
            if response.status_code < 400:
                return response
            error = error_from_response(response)
            delay = _delay_before_retry(error, attempt, deadline)
            if delay is None:
                raise error
        logger.warning("Retrying %s /%s in %.2f s after: %s", method, url, delay, error)
        sleep(delay)
        attempt += 1
