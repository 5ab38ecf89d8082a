"""Faults the embedded API can inject, to show how the dashboard copes with a failing API.

Off unless configured, from the environment when the process starts or with
`configure()` / `injected()` at run time (tests, benchmarks):

    EMULATOR_LATENCY_MS=50          fixed added latency; `20-200` for a random range
    EMULATOR_ERROR_RATE=0.2         fraction of requests answered with a server error
    EMULATOR_ERROR_STATUSES=503     which statuses those are (default 500,502,503)
    EMULATOR_RATE_LIMIT=6000/60     429 with Retry-After past N requests per window (seconds)
    EMULATOR_HANG_RATE=0.01         fraction of requests that hang past the client's timeout
    EMULATOR_HANG_SECONDS=30        how long a hang lasts
    EMULATOR_DROP_RATE=0.01         fraction of requests whose connection is dropped

`script` makes the next requests fail in a given way, one entry each, for tests:
a status such as `503` or `429`, `hang` (no answer), `lost` (the request is carried out
but its answer never arrives), `drop` (the connection closes without an answer) or `ok`.
An entry may name the method it is for: `POST:lost` waits for the next POST.

The rate limit and the script are counted per process.
"""

import math
import os
import random
import threading
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from dashboard.env import env_float, env_value


class Hang(Exception):
    """No answer: in-process, the transport reports a read timeout at once."""


class Drop(Exception):
    """The connection closes without an answer."""


def _latency(value: str) -> tuple[float, float]:
    low, separator, high = value.partition("-")
    bounds = (float(low), float(high) if separator else float(low))
    if not 0 <= bounds[0] <= bounds[1] < math.inf:
        raise ValueError(value)
    return bounds


def _error_statuses(value: str) -> tuple[int, ...]:
    statuses = tuple(int(status) for status in value.split(","))
    if not all(400 <= status <= 599 for status in statuses):
        raise ValueError(value)
    return statuses


def _rate_limit(value: str) -> tuple[int, float]:
    count, separator, window = value.partition("/")
    limit = (int(count), float(window) if separator else 60.0)
    if limit[0] < 0 or not 0 < limit[1] < math.inf:
        raise ValueError(value)
    return limit


@dataclass
class Faults:
    latency_ms: tuple[float, float] = (0.0, 0.0)
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503)
    rate_limit: int = 0
    rate_window: float = 60.0
    hang_rate: float = 0.0
    hang_seconds: float = 30.0
    drop_rate: float = 0.0
    script: list[str] = field(default_factory=list)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "Faults":
        defaults = cls()
        rate_limit, rate_window = env_value(
            "EMULATOR_RATE_LIMIT",
            (defaults.rate_limit, defaults.rate_window),
            parse=_rate_limit,
            expected="a number of requests per window of seconds, such as 6000/60",
            environ=environ,
        )
        return cls(
            latency_ms=env_value(
                "EMULATOR_LATENCY_MS",
                defaults.latency_ms,
                parse=_latency,
                expected="milliseconds, such as 50, or a range such as 20-200",
                environ=environ,
            ),
            error_rate=env_float(
                "EMULATOR_ERROR_RATE", defaults.error_rate, minimum=0, maximum=1, environ=environ
            ),
            error_statuses=env_value(
                "EMULATOR_ERROR_STATUSES",
                defaults.error_statuses,
                parse=_error_statuses,
                expected="HTTP error statuses separated by commas, such as 500,502,503",
                environ=environ,
            ),
            rate_limit=rate_limit,
            rate_window=rate_window,
            hang_rate=env_float(
                "EMULATOR_HANG_RATE", defaults.hang_rate, minimum=0, maximum=1, environ=environ
            ),
            hang_seconds=env_float(
                "EMULATOR_HANG_SECONDS", defaults.hang_seconds, minimum=0, environ=environ
            ),
            drop_rate=env_float(
                "EMULATOR_DROP_RATE", defaults.drop_rate, minimum=0, maximum=1, environ=environ
            ),
        )

    @property
    def active(self) -> bool:
        return bool(
            self.latency_ms[1]
            or self.error_rate
            or self.rate_limit
            or self.hang_rate
            or self.drop_rate
            or self.script
        )


_lock = threading.Lock()
_current = Faults.from_environment()
_window_start = 0.0
_window_count = 0


def current() -> Faults:
    return _current


def configure(faults: Faults) -> None:
    global _current, _window_start, _window_count
    with _lock:
        _current = faults
        _window_start, _window_count = time.monotonic(), 0


@contextmanager
def injected(**settings):
    """Faults for the duration of a block: `with injected(script=["503"]): ...`."""
    previous = _current
    configure(Faults(**settings))
    try:
        yield _current
    finally:
        configure(previous)


@dataclass
class Decision:
    """What to do to one request: answer `status` instead, `lose` its answer, or nothing."""

    status: int | None = None
    retry_after: int | None = None
    lose_answer: bool = False


def _next_scripted(faults: Faults, method: str) -> str | None:
    with _lock:
        for index, entry in enumerate(faults.script):
            wanted, _, action = entry.rpartition(":")
            if not wanted or wanted == method:
                del faults.script[index]
                return action
    return None


def _over_rate_limit(faults: Faults) -> int | None:
    """Seconds until the window resets when this request is over the limit."""
    global _window_start, _window_count
    with _lock:
        now = time.monotonic()
        if now - _window_start >= faults.rate_window:
            _window_start, _window_count = now, 0
        _window_count += 1
        if _window_count > faults.rate_limit:
            return max(1, round(faults.rate_window - (now - _window_start)))
    return None


def decide(*, method: str, in_process: bool) -> Decision:
    """Apply latency, hangs and drops now; answer what else to do to this request."""
    faults = _current
    if not faults.active:
        return Decision()
    low, high = faults.latency_ms
    if high:
        time.sleep(random.uniform(low, high) / 1000)
    scripted = _next_scripted(faults, method)
    if scripted == "ok":
        return Decision()
    if scripted == "hang" or (scripted is None and random.random() < faults.hang_rate):
        if in_process:
            raise Hang()
        time.sleep(faults.hang_seconds)
        return Decision(status=503)
    if scripted == "drop" or (scripted is None and random.random() < faults.drop_rate):
        raise Drop()
    if scripted == "lost":
        return Decision(lose_answer=True)
    if scripted == "429":
        return Decision(status=429, retry_after=int(faults.rate_window))
    if scripted and scripted.isdigit() and int(scripted) >= 400:
        return Decision(status=int(scripted))
    if faults.rate_limit:
        retry_after = _over_rate_limit(faults)
        if retry_after is not None:
            return Decision(status=429, retry_after=retry_after)
    if faults.error_rate and random.random() < faults.error_rate:
        return Decision(status=random.choice(faults.error_statuses))
    return Decision()
