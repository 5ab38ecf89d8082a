"""Settings read from the environment, one function per type.

Each answers `default` when the variable is unset or blank, and stops with an
ImproperlyConfigured that names the variable and says what it expected when the value
cannot be used: a typo in a deployment fails at start-up with one clear line rather
than a bare ValueError, or worse, a silently wrong setting. A value read with
`blank_is_default=False` is refused when blank, as a value that cannot be used.

`environ` is `os.environ` unless given, so code that reads a mapping of its own
(the embedded API's fault injection, its tests) reads it the same way.
"""

import math
import os
from collections.abc import Callable, Iterable, Mapping

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def env_value[T](
    name: str,
    default: T,
    *,
    parse: Callable[[str], T],
    expected: str,
    secret: bool = False,
    blank_is_default: bool = True,
    environ: Mapping[str, str] = os.environ,
) -> T:
    """The variable's value through `parse`, which raises ValueError on a value it refuses.

    `expected` completes the error message: "NAME must be {expected}, not 'value'." A
    `secret` value (a URL with a password in it) is left out of the message, which may
    end up in a log. `blank_is_default=False` is for a key whose default is public: a
    variable set but left blank (a secret a deployment forgot to fill in) is refused
    rather than quietly read as that default.
    """
    value = environ.get(name, "").strip()
    if not value:
        if name in environ and not blank_is_default:
            raise ImproperlyConfigured(f"{name} is set but blank: it must be {expected}.")
        return default
    try:
        return parse(value)
    except ValueError:
        found = "" if secret else f", not {value!r}"
        raise ImproperlyConfigured(f"{name} must be {expected}{found}.") from None


def env_str(
    name: str,
    default: str = "",
    *,
    choices: Iterable[str] | None = None,
    environ: Mapping[str, str] = os.environ,
) -> str:
    """Text; with `choices`, one of them in any case, answered as spelled in `choices`."""
    if choices is None:
        return env_value(name, default, parse=str, expected="text", environ=environ)
    by_key = {choice.lower(): choice for choice in choices}

    def parse(value: str) -> str:
        try:
            return by_key[value.lower()]
        except KeyError:
            raise ValueError(value) from None

    return env_value(
        name, default, parse=parse, expected=f"one of {', '.join(by_key.values())}", environ=environ
    )


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] = os.environ) -> bool:
    def parse(value: str) -> bool:
        if value.lower() in TRUE:
            return True
        if value.lower() in FALSE:
            return False
        raise ValueError(value)

    return env_value(
        name, default, parse=parse, expected="1/0, true/false, yes/no or on/off", environ=environ
    )


def _bounds(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum:g} to {maximum:g}"
    if minimum is not None:
        return f" of at least {minimum:g}"
    if maximum is not None:
        return f" of at most {maximum:g}"
    return ""


def _within[N: (int, float)](
    convert: Callable[[str], N], minimum: N | None, maximum: N | None
) -> Callable[[str], N]:
    def parse(value: str) -> N:
        number = convert(value)
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise ValueError(value)
        return number

    return parse


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] = os.environ,
) -> int:
    return env_value(
        name,
        default,
        parse=_within(int, minimum, maximum),
        expected="a whole number" + _bounds(minimum, maximum),
        environ=environ,
    )


def _finite(value: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def env_float(
    name: str,
    default: float,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    environ: Mapping[str, str] = os.environ,
) -> float:
    return env_value(
        name,
        default,
        parse=_within(_finite, minimum, maximum),
        expected="a number" + _bounds(minimum, maximum),
        environ=environ,
    )


def env_list(
    name: str, default: list[str], *, environ: Mapping[str, str] = os.environ
) -> list[str]:
    """Comma-separated items, blanks around them dropped; no items at all is `default`."""
    items = [item.strip() for item in environ.get(name, "").split(",") if item.strip()]
    return items or list(default)
