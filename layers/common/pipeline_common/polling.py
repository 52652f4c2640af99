"""The polling policy of the Wait -> GetStatus -> Choice loops, and the timing it implies.

The waits grow geometrically from ``initial_wait_seconds`` up to ``max_wait_seconds``, so
a short job is noticed quickly while a 28-day job costs few history events. The loop gives
up when the time *elapsed* since the loop began (from the state machine's own timestamps, so
Lambda time and Retry pauses count) reaches its budget. render.py and the tests use the same
functions, so the proofs (history limit, notified timeout before the execution's own) and the
behaviour cannot drift apart.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
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


@dataclass(frozen=True)
class RetryPolicy:
    """One ASL retrier: how long a task can keep failing before its Catch takes over."""

    interval_seconds: int
    max_attempts: int
    backoff_rate: float
    max_delay_seconds: int

    def delays(self) -> list[float]:
        return [min(self.max_delay_seconds, self.interval_seconds * self.backoff_rate**i) for i in range(self.max_attempts)]


def initial_poll(policy: Policy) -> dict[str, Any]:
    return {"count": 0, "waited_seconds": 0, "elapsed_seconds": 0, "wait_seconds": policy.initial_wait_seconds, "timed_out": False}


def seconds_between(started_at: str, now: str) -> int:
    """Whole seconds between two of the state machine's ISO-8601 timestamps ($$.State.EnteredTime)."""
    try:
        start, end = (datetime.fromisoformat(text.replace("Z", "+00:00")) for text in (started_at, now))
        return max(0, int((end - start).total_seconds()))
    except (TypeError, ValueError, AttributeError):
        raise InvalidInput(f"poll timestamps {started_at!r} and {now!r} are not ISO-8601: expected $$.State.EnteredTime values") from None


def advance(poll: dict[str, Any], policy: Policy, budget_seconds: int, elapsed_seconds: int | None = None) -> dict[str, Any]:
    """The poll record after one more Wait of ``poll['wait_seconds']``.

    ``elapsed_seconds`` is the time since the loop began; without it (the history proof) the
    loop is assumed to spend no time outside its Waits, which gives the most polls.
    """
    try:
        waited = int(poll["waited_seconds"]) + int(poll["wait_seconds"])
        count = int(poll["count"]) + 1
        wait = int(poll["wait_seconds"])
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(f"poll record {poll!r} is malformed: expected count, waited_seconds and wait_seconds") from None
    elapsed = waited if elapsed_seconds is None else max(elapsed_seconds, waited)
    result = {
        "count": count,
        "waited_seconds": waited,
        "elapsed_seconds": elapsed,
        "wait_seconds": min(policy.next_wait(wait), max(1, budget_seconds - elapsed)),
        "timed_out": elapsed >= budget_seconds,
    }
    if "started_at" in poll:
        result["started_at"] = poll["started_at"]
    return result


def max_polls(policy: Policy, budget_seconds: int) -> int:
    """How many GetStatus calls a loop makes at most before it times out."""
    poll = initial_poll(policy)
    while not poll["timed_out"]:
        poll = advance(poll, policy, budget_seconds)
    return poll["count"]


def worst_task_seconds(retriers: list[RetryPolicy], lambda_timeout_seconds: int) -> float:
    """The longest a Task can take: every attempt runs to the Lambda timeout, every retry waits its longest."""
    attempts = 1 + sum(r.max_attempts for r in retriers)
    return attempts * lambda_timeout_seconds + sum(sum(r.delays()) for r in retriers)


def worst_loop_seconds(policy: Policy, budget_seconds: int, task_seconds: float) -> float:
    """From the loop's first Wait to the end of the GetStatus that sees the budget spent.

    Each GetStatus plans a wait of at most ``max(1, budget - elapsed)``, so the first poll at
    or past the budget starts by ``budget + 1 + task_seconds`` and ends ``task_seconds`` later.
    Simulated with the real ``advance`` so the bound is the code's, not a formula's.
    """
    poll, now = initial_poll(policy), 0.0
    while True:
        now += poll["wait_seconds"]
        poll = advance(poll, policy, budget_seconds, int(now))
        now += task_seconds
        if poll["timed_out"]:
            return now
