"""The live timeline of a local run: each state as it exits, with wall and emulated time."""

import json
import re
import time
from collections.abc import Callable
from typing import Any, Protocol

from pipeline_common import dates

Printer = Callable[[str], None]


class Elapsed(Protocol):
    def elapsed(self) -> float: ...


_POLL_STATE = re.compile(r"^(?:WaitFor(?P<wait>\w+)|Get(?P<get>\w+)Status|(?P<choice>\w+)Status\?)$")


class Timeline:
    """Prints each state as it exits, with wall time and emulated time since the run started.

    A polling loop's Wait/GetStatus/Choice rows fold into one row per stretch of polls (``verbose``
    prints each); a task's errors print after the row of the state they belong to.
    """

    def __init__(self, clock: Elapsed, printer: Printer, verbose: bool = False, wall: bool = True) -> None:
        self.clock, self.printer, self.verbose, self.wall = clock, printer, verbose, wall
        self.enabled = False
        self.started = time.monotonic()
        self.origin = 0.0
        self.entered: dict[str, float] = {}
        self.errors: list[str] = []
        self.poll: dict[str, Any] | None = None

    def start(self) -> None:
        self.started, self.origin, self.enabled = time.monotonic(), self.clock.elapsed(), True

    def stop(self) -> None:
        self._flush_poll()
        self._flush_errors()
        self.enabled = False

    def _emulated(self) -> float:
        return self.clock.elapsed() - self.origin

    def _stamp(self) -> str:
        emulated = int(self._emulated())
        wall = f"{time.monotonic() - self.started:6.2f}s" if self.wall else " " * 7
        return f"{wall}  T+{emulated // 3600:03d}:{emulated // 60 % 60:02d}:{emulated % 60:02d}"

    def _flush_errors(self) -> None:
        for line in self.errors:
            self.printer(line)
        self.errors.clear()

    def _flush_poll(self) -> None:
        if self.poll:
            poll, self.poll = self.poll, None
            checks = f"{poll['checks']} status check{'s' if poll['checks'] != 1 else ''}"
            self.printer(f"{self._stamp()}  poll {poll['loop']}: {checks} over {dates.duration_text(self._emulated() - poll['from'])}")
            self._flush_errors()

    @staticmethod
    def _loop(name: str) -> str:
        match = _POLL_STATE.match(name)
        return (match.group("wait") or match.group("get") or match.group("choice")) if match else ""

    def _row(self, name: str, spent: float) -> None:
        self._flush_poll()
        self.printer(f"{self._stamp()}  {name}" + (f"  ({spent:.0f} s)" if spent else ""))
        self._flush_errors()

    def __call__(self, event_type: str, details: dict[str, Any]) -> None:
        if not self.enabled:
            return
        kind = getattr(event_type, "value", event_type).rsplit(".", 1)[-1]
        if kind == "FailStateEntered":
            self._row(details["stateEnteredEventDetails"]["name"], 0)
        elif kind.endswith("StateEntered"):
            name = details["stateEnteredEventDetails"]["name"]
            if self.poll and self._loop(name) != self.poll["loop"]:
                self._flush_poll()
            self.entered[name] = self.clock.elapsed()
        elif kind.endswith("StateExited"):
            name = details["stateExitedEventDetails"]["name"]
            spent = self.clock.elapsed() - self.entered.pop(name, self.clock.elapsed())
            loop = "" if self.verbose else self._loop(name)
            if not loop:
                self._row(name, spent)
                return
            if self.poll is None or self.poll["loop"] != loop:
                self._flush_poll()
                self.poll = {"loop": loop, "checks": 0, "from": self._emulated() - spent}
            self.poll["checks"] += name.startswith("Get")
        elif kind in ("TaskFailed", "LambdaFunctionFailed"):
            failure = details.get("taskFailedEventDetails") or details.get("lambdaFunctionFailedEventDetails") or {}
            cause = failure.get("cause", "")
            try:
                cause = json.loads(cause).get("errorMessage", cause)
            except (ValueError, AttributeError):
                pass
            self.errors.append(f"{' ' * 22}! {failure.get('error')}: {str(cause)[:160]}")
