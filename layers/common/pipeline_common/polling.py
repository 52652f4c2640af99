"""The polling policy of the Wait -> GetStatus -> Choice loops.

The waits grow geometrically from ``initial_wait_seconds`` up to ``max_wait_seconds``, so
a short job is noticed quickly while a 28-day job costs few history events. The loop gives
up when the time waited reaches its budget. render.py and the history-limit test use the
same functions, so the proof and the behaviour cannot drift apart.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import InvalidInput


@dataclass(frozen=True)
class Policy:
    initial_wait_seconds: int
    max_wait_seconds: int
    backoff_rate: float

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> "Policy":
        try:
            return cls(
                initial_wait_seconds=int(payload["initial_wait_seconds"]),
                max_wait_seconds=int(payload["max_wait_seconds"]),
                backoff_rate=float(payload["backoff_rate"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidInput(
                f"polling policy {payload!r} is malformed ({error!r}): expected initial_wait_seconds, "
                "max_wait_seconds and backoff_rate"
            ) from None

    def next_wait(self, previous_wait: int) -> int:
        return min(self.max_wait_seconds, max(1, round(previous_wait * self.backoff_rate)))

    def waits(self) -> Iterator[int]:
        wait = self.initial_wait_seconds
        while True:
            yield wait
            wait = self.next_wait(wait)


def initial_poll(policy: Policy) -> dict[str, Any]:
    return {"count": 0, "waited_seconds": 0, "wait_seconds": policy.initial_wait_seconds, "timed_out": False}


def advance(poll: dict[str, Any], policy: Policy, budget_seconds: int) -> dict[str, Any]:
    """The poll record after one more Wait of ``poll['wait_seconds']``."""
    try:
        waited = int(poll["waited_seconds"]) + int(poll["wait_seconds"])
        count = int(poll["count"]) + 1
        wait = int(poll["wait_seconds"])
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(f"poll record {poll!r} is malformed: expected count, waited_seconds and wait_seconds") from None
    return {
        "count": count,
        "waited_seconds": waited,
        "wait_seconds": min(policy.next_wait(wait), max(1, budget_seconds - waited)),
        "timed_out": waited >= budget_seconds,
    }


def max_polls(policy: Policy, budget_seconds: int) -> int:
    """How many GetStatus calls a loop makes at most before it times out."""
    poll = initial_poll(policy)
    while not poll["timed_out"]:
        poll = advance(poll, policy, budget_seconds)
    return poll["count"]
