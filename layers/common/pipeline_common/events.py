"""Typed reads of a handler's event: a missing or mistyped key is named, never a traceback."""

from typing import Any

from .errors import InvalidInput

_MISSING = object()


def _type_names(expected: type | tuple[type, ...]) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join({dict: "object", list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(t, t.__name__) for t in types)


def read(event: Any, path: str, expected: type | tuple[type, ...], step: str, default: Any = _MISSING) -> Any:
    """The value at dotted ``path`` in ``event``; ``default`` when absent (required if not given)."""
    value: Any = event
    walked = []
    for key in path.split("."):
        if not isinstance(value, dict):
            where = f"'{'.'.join(walked)}'" if walked else "the event"
            raise InvalidInput(f"{step}: {where} is {_describe(value)}, expected an object (reading '{path}')")
        walked.append(key)
        if key not in value:
            if default is not _MISSING:
                return default
            raise InvalidInput(f"{step}: the event has no '{path}' (expected {_type_names(expected)})")
        value = value[key]
    if isinstance(value, bool) and bool not in (expected if isinstance(expected, tuple) else (expected,)) or not isinstance(value, expected):
        raise InvalidInput(f"{step}: '{path}' is {_describe(value)}, expected {_type_names(expected)}")
    return value


def _describe(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:80] + '…' if len(text) > 80 else text}"
