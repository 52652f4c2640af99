"""Emulated time: Wait states and retry backoffs advance it instead of sleeping.

With several executions running at once (many targets), waits overlap as they do on AWS: a waiting
execution sleeps until the clock reaches its wake time, and the clock moves to the earliest wake
time once every running execution is waiting (``active`` counts them). An execution busy in real
work (a Lambda, a training container) holds the clock back; if none wakes within
``STALL_SECONDS`` of wall time (an execution counted but not waiting), the clock moves on anyway.
"""

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

STALL_SECONDS = 2.0
RECHECK_SECONDS = 0.01


class Clock:
    def __init__(self, start: datetime | None = None) -> None:
        self.start = self._start = start or datetime.now(UTC)
        self._offset = 0.0
        self._changed = threading.Condition(threading.RLock())
        self._wakes: dict[int, float] = {}
        self.active: Callable[[], int] = lambda: 1

    def now(self) -> datetime:
        with self._changed:
            return self._start + timedelta(seconds=self._offset)

    def elapsed(self) -> float:
        with self._changed:
            return self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"cannot move the emulated clock back by {seconds} s")
        with self._changed:
            self._offset += seconds
            self._changed.notify_all()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of emulated time, alongside every other execution that waits."""
        if seconds < 0:
            raise ValueError(f"cannot move the emulated clock back by {seconds} s")
        with self._changed:
            key = threading.get_ident()
            self._wakes[key] = wake = self._offset + seconds
            self._changed.notify_all()
            since = time.monotonic()
            try:
                while self._offset < wake:
                    due = any(w <= self._offset for k, w in self._wakes.items() if k != key)
                    if not due and (len(self._wakes) >= self.active() or time.monotonic() - since > STALL_SECONDS):
                        self._offset = min(self._wakes.values())
                        self._changed.notify_all()
                        since = time.monotonic()
                    else:
                        self._changed.wait(timeout=RECHECK_SECONDS)
            finally:
                del self._wakes[key]
                self._changed.notify_all()
