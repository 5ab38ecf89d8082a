"""The HTTP edge of the embedded API: one decorator that every endpoint wears.

It decides whether the API is served at all, checks the bearer key, gives every
response an `X-Request-ID`, parses JSON bodies, honours `Idempotency-Key`, and turns
every refusal (and any bug) into a JSON error in WorkOS's shape. Views return
`(status, payload)` and never build responses themselves.
"""

import contextlib
import hashlib
import hmac
import json
import logging
import re
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import faults, partition
from .errors import ApiProblem
from .ids import now
from .models import MAX_IDEMPOTENCY_KEY, IdempotencyRecord

logger = logging.getLogger("dashboard.emulator")

# Sent with every answer of the embedded API, whichever way the request came in
# (HTTP or the in-process transport): request, response.
api_responded = Signal()

IDEMPOTENCY_WINDOW = timedelta(hours=24)

Handler = Callable[..., tuple[int, Any]]


def emulator_enabled() -> bool:
    return not settings.WORKOS_API_KEY or settings.WORKOS_EMULATOR


def _authenticate(request: HttpRequest) -> str:
    """The environment the request's bearer key opens: the sandbox's or production's."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    key = key.strip()
    if scheme.lower() == "bearer":
        for environment in partition.ENVIRONMENTS:
            expected = partition.key_of(environment)
            # An empty key (refused when the settings load) would otherwise let "Bearer " in.
            if expected and hmac.compare_digest(key.encode(), expected.encode()):
                return environment
    raise ApiProblem(
        401,
        "unauthorized",
        "Unauthorized: send one of the embedded API's keys in an “Authorization: Bearer <key>” "
        "header.",
    )


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


# How an operation refuses a body it cannot read: (status, code). An operation whose
# contract lists a generic 400 (`bad_request`) answers with it; the others with 422, which
# every operation that takes a body documents, their 400s being reserved for codes of their
# own (invalid_metadata, external_id_already_used, ...).
UNREADABLE_BODY = (422, "invalid_request_body")
BAD_REQUEST = (400, "bad_request")


def _parse_body(request: HttpRequest, refusal: tuple[int, str]) -> dict[str, Any]:
    status, code = refusal
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiProblem(413, "request_too_large", "The request body is too large.") from None
    if not raw.strip():
        # The contract requires a body of every POST, PUT and PATCH, if only {}.
        raise ApiProblem(
            status, code, "The request body is missing: send a JSON object, {} at least."
        )
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ApiProblem(status, code, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiProblem(status, code, "The request body must be a JSON object.")
    if not _unicode(data):
        # Such a string could be stored but never sent back out.
        raise ApiProblem(
            status,
            code,
            "The request body holds a string that is not valid Unicode (a lone surrogate "
            "escape such as \\udc80).",
        )
    return data


# Half of a UTF-16 surrogate pair: JSON's \u escapes can spell one, no UTF-8 text holds one.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _unicode(value: Any) -> bool:
    """Whether every string in a parsed JSON value (keys included) is valid Unicode."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def _fingerprint(request: HttpRequest, body: dict[str, Any]) -> str:
    canonical = json.dumps([request.path, body], sort_keys=True, separators=(",", ":"))
    # Keyed: a body may hold a user's password, and a plain hash of it kept in the database
    # would be a fast way to guess that password.
    return hmac.new(settings.SECRET_KEY.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> tuple[int, Any]:
    if record.body_sha256 != fingerprint:
        raise ApiProblem(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different request; "
            "use a new key for a new request.",
        )
    if not record.replayable:
        raise ApiProblem(
            422,
            "idempotency_key_reused",
            f"Client secret {record.response_body.get('id')} was already created with this "
            "Idempotency-Key. Its value is shown only once: if it was lost, revoke that secret "
            "and create a new one.",
        )
    return record.status, record.response_body


def _idempotent(
    request: HttpRequest, body: dict[str, Any], key: str, run: Callable[[], tuple[int, Any]]
) -> tuple[int, Any]:
    """Run `run` once per key: the key's row is inserted before the work, in the work's
    transaction, so a concurrent request with the same key waits on that row's unique index
    (PostgreSQL) or on the database's write lock (SQLite) and then replays the first answer;
    if the first request fails, its row goes with its rollback and the next one runs."""
    if len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise ApiProblem(422, "invalid_idempotency_key", "The Idempotency-Key is not valid.")
    fingerprint = _fingerprint(request, body)
    with transaction.atomic():
        cutoff = now() - IDEMPOTENCY_WINDOW
        # Expired records (this key's among them) are of no use any more.
        IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
        try:
            with transaction.atomic():
                reserved = IdempotencyRecord.objects.create(
                    key=key,
                    method=request.method,
                    path=request.path,
                    body_sha256=fingerprint,
                    status=0,
                    response_body={},
                    created_at=now(),
                )
        except IntegrityError:
            return _replay(IdempotencyRecord.objects.get(key=key), fingerprint)
        status, payload = run()
        if not 200 <= status < 300:
            reserved.delete()  # Only successes are replayed; a failure may be retried.
            return status, payload
        stored = dict(payload)
        # A client secret's plaintext is never stored, not even here.
        reserved.replayable = stored.pop("secret", None) is None
        reserved.status, reserved.response_body = status, stored
        reserved.save(update_fields=["status", "response_body", "replayable"])
        return status, payload


def _too_many_fields() -> ApiProblem:
    # 422: what the contract answers a request whose parameters it cannot take.
    return ApiProblem(
        422,
        "too_many_parameters",
        f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} query "
        "parameters or form fields.",
    )


def _respond(status: int, payload: Any, request_id: str, headers: dict[str, str]) -> HttpResponse:
    if payload is None:
        # 204, or an answer that the contract documents without a body (202).
        response = HttpResponse(status=status)
    else:
        response = JsonResponse(payload, status=status, safe=False)
    for name, value in headers.items():
        response[name] = value
    response["X-Request-ID"] = request_id
    response["Cache-Control"] = "no-store"
    return response


# Set by the in-process transport on the requests it carries.
IN_PROCESS = "dashboard.emulator.in_process"


def _injected_problem(decision: faults.Decision) -> ApiProblem:
    if decision.status == 429:
        return ApiProblem(
            429,
            "rate_limit_exceeded",
            "Rate limit exceeded: too many requests for this API key.",
            headers={"Retry-After": str(decision.retry_after or 60)},
        )
    return ApiProblem(
        decision.status,
        "server_error",
        f"The API failed to answer (an injected {decision.status} fault).",
    )


def _drop_connection(request: HttpRequest, request_id: str) -> HttpResponse:
    """Close the connection without an answer where the server allows it (gunicorn)."""
    sock = request.META.get("gunicorn.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    # Other servers cannot drop a connection from a view: a bare 502 stands in for it.
    response = HttpResponse(status=502, headers={"Connection": "close"})
    response["X-Request-ID"] = request_id
    return response


def api_endpoint(
    *methods: str,
    reads_body: bool = True,
    unprocessable_code: str | None = None,
    unreadable_body: tuple[int, str] = UNREADABLE_BODY,
) -> Callable[[Handler], Callable[..., HttpResponse]]:
    """Serve `view(request, body, **path_args) -> (status, payload)` for `methods`.

    `body` is the JSON object of a POST, PUT or PATCH (required), or {} when `reads_body` is
    off; a body that is missing, not JSON or not an object is refused with `unreadable_body`.
    `unprocessable_code` is the code of every 422 answer, the edge's own refusals included,
    for operations whose contract fixes one (User Management's `invalid_request_parameters`).
    A view answers `None` for a status that the contract documents without a body.
    """

    def decorator(view: Handler) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def endpoint(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            if not emulator_enabled():
                raise Http404("The embedded API is off: WORKOS_API_KEY is set.")
            request_id = str(uuid.uuid4())
            headers: dict[str, str] = {}
            in_process = bool(request.META.get(IN_PROCESS))
            try:
                decision = faults.decide(method=request.method, in_process=in_process)
            except faults.Drop:
                if in_process:
                    raise
                return _drop_connection(request, request_id)
            try:
                if decision.status:
                    raise _injected_problem(decision)
                environment = _authenticate(request)
                if request.method not in methods:
                    raise ApiProblem(
                        405,
                        "method_not_allowed",
                        f"“{request.method}” is not allowed here; use {', '.join(methods)}.",
                        headers={"Allow": ", ".join(methods)},
                    )
                takes_body = reads_body and request.method in ("POST", "PUT", "PATCH")
                body = _parse_body(request, unreadable_body) if takes_body else {}
                key = request.headers.get("Idempotency-Key")
                with partition.override(environment):
                    if request.method == "POST" and key:
                        status, payload = _idempotent(
                            request, body, key, lambda: view(request, body, **kwargs)
                        )
                    else:
                        status, payload = view(request, body, **kwargs)
            except (ApiProblem, TooManyFieldsSent) as refused:
                problem = refused if isinstance(refused, ApiProblem) else _too_many_fields()
                if problem.status == 422 and unprocessable_code:
                    problem = replace(problem, code=unprocessable_code)
                status, payload, headers = problem.status, problem.body(), problem.headers
            except Exception:
                logger.exception(
                    "Embedded API error on %s %s [%s]", request.method, request.path, request_id
                )
                status = 500
                payload = {"message": "Internal error of the embedded API.", "code": "server_error"}
            logger.debug("%s %s -> %s [%s]", request.method, request.path, status, request_id)
            response = _respond(status, payload, request_id, headers)
            api_responded.send(sender=endpoint, request=request, response=response)
            if decision.lose_answer:
                # Carried out, but the client never hears back: as a timeout would look.
                if in_process:
                    raise faults.Hang()
                time.sleep(faults.current().hang_seconds)
            return response

        return endpoint

    return decorator
