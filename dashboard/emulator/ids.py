"""WorkOS-style identifiers: a prefix and a ULID, and the API's timestamp format.

A ULID starts with its creation time in milliseconds, so ordering by ID is ordering
by creation time; that is what makes the keyset pagination in `pagination.py` work.
IDs made in the same millisecond by this process still sort in creation order
(the random part is incremented, as in the ULID spec's monotonic mode).
"""

import secrets
import threading
import time
from datetime import UTC, datetime

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_BITS = 80

_lock = threading.Lock()
_last_ms = 0
_last_random = 0


def _encode(value: int) -> str:
    chars = []
    for _ in range(26):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_ulid(at: datetime | None = None) -> tuple[str, datetime]:
    """A new ULID and the creation time it encodes: now, or `at` for a record that is made
    to look older than it is (the demo seed's)."""
    global _last_ms, _last_random
    if at is not None:
        at_ms = int(at.timestamp() * 1000)
        ulid = _encode((at_ms << _RANDOM_BITS) | secrets.randbits(_RANDOM_BITS - 1))
        return ulid, datetime.fromtimestamp(at_ms / 1000, tz=UTC)
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms <= _last_ms:
            now_ms = _last_ms
            random_part = _last_random + 1
            if random_part >= 1 << _RANDOM_BITS:
                now_ms += 1
                random_part = secrets.randbits(_RANDOM_BITS - 1)
        else:
            # One bit of headroom keeps the increments above from overflowing.
            random_part = secrets.randbits(_RANDOM_BITS - 1)
        _last_ms, _last_random = now_ms, random_part
    created = datetime.fromtimestamp(now_ms / 1000, tz=UTC)
    return _encode((now_ms << _RANDOM_BITS) | random_part), created


def new_id(prefix: str, at: datetime | None = None) -> tuple[str, datetime]:
    ulid, created = new_ulid(at)
    return f"{prefix}{ulid}", created


def timestamp(value: datetime) -> str:
    """`2026-01-15T12:00:00.000Z`: UTC, milliseconds, a Z."""
    # isoformat, not strftime: a page of a hundred applications writes two hundred, at
    # half the cost.
    return value.astimezone(UTC).isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


def now() -> datetime:
    """The current time, truncated to the API's millisecond precision."""
    value = datetime.now(tz=UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)
