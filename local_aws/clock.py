"""Emulated time: Wait states and retry backoffs advance it instead of sleeping."""

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self, start: datetime | None = None) -> None:
        self.start = self._start = start or datetime.now(UTC)
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._start + timedelta(seconds=self._offset)

    def elapsed(self) -> float:
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"cannot move the emulated clock back by {seconds} s")
        with self._lock:
            self._offset += seconds
