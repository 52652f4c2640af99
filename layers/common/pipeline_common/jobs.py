"""Which attempt of a dated SageMaker job a run works with: the one running or done, else the next."""

from collections.abc import Callable
from typing import Any

from . import statuses
from .errors import ResourceConflict

MAX_ATTEMPTS_PER_DATE = 20


def current_attempt(describe: Callable[[str], dict[str, Any] | None], name_for: Callable[[int], str], kind: str,
                    status_key: str, what: str) -> tuple[str, dict[str, Any] | None]:
    """The name to use and the existing job under it (None: create it).

    A job that is running or completed is adopted, so a retry or a rerun never starts a second
    one; after a failed or stopped job the next attempt number is used.
    """
    for attempt in range(1, MAX_ATTEMPTS_PER_DATE + 1):
        name = name_for(attempt)
        existing = describe(name)
        if existing is None or statuses.classify(kind, existing[status_key]) != statuses.FAILED:
            return name, existing
    raise ResourceConflict(f"{MAX_ATTEMPTS_PER_DATE} {what}s for this data date already failed; not starting another")
