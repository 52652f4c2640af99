"""Typed access to the environment variables the template sets on each function."""

import json
import math
import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any

from .errors import ConfigError

_ENVIRONMENT: ContextVar[dict[str, str] | None] = ContextVar("environment", default=None)


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """While inside, ``values`` are the whole environment this module reads: one function's, as Lambda sets it
    (the local emulator runs every function in one process, many executions at once, and never touches os.environ)."""
    token = _ENVIRONMENT.set(dict(values))
    try:
        yield
    finally:
        _ENVIRONMENT.reset(token)


def overlaid(values: dict[str, str]) -> AbstractContextManager[None]:
    """While inside, ``values`` stand in for environment variables (one target's names and overrides)."""
    return environment({**_current(), **values})


def _current() -> Mapping[str, str]:
    given = _ENVIRONMENT.get()
    return os.environ if given is None else given


def _get(name: str) -> str | None:
    return _current().get(name)


def required(name: str) -> str:
    value = _get(name)
    if value is None or value == "":
        raise ConfigError(f"environment variable {name} is not set: the template must set it")
    return value


def optional(name: str, default: str = "") -> str:
    value = _get(name)
    return default if value is None else value


def required_int(name: str, minimum: int = 0) -> int:
    raw = required(name)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"environment variable {name}={value} is below the minimum {minimum}")
    return value


def one_of(name: str, allowed: tuple[str, ...]) -> str:
    value = required(name)
    if value not in allowed:
        raise ConfigError(f"environment variable {name}={value!r} must be one of {', '.join(allowed)}")
    return value


def optional_float(name: str) -> float | None:
    """A finite number, or None when the variable is empty."""
    raw = optional(name)
    return None if raw == "" else _finite(name, raw, " (or empty for none)")


def required_float(name: str) -> float:
    return _finite(name, required(name))


def _finite(name: str, raw: str, alternative: str = "") -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name}={raw!r} is not a number{alternative}") from None
    if not math.isfinite(value):
        raise ConfigError(f"environment variable {name}={raw!r} is not a finite number")
    return value


def _required_json(name: str, expected: type, description: str) -> Any:
    raw = required(name)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ConfigError(f"environment variable {name} is not valid JSON ({error.msg}): {raw!r}") from None
    if not isinstance(value, expected):
        raise ConfigError(f"environment variable {name} must be a JSON {description}, got {raw!r}")
    return value


def required_json_object(name: str) -> dict[str, Any]:
    return _required_json(name, dict, "object")


def required_json_list(name: str) -> list[Any]:
    return _required_json(name, list, "list")
