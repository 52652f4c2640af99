"""The emulated clock: concurrent executions' waits overlap, as they do on AWS, instead of adding up."""

import threading
import time

from local_aws import clock as clock_module
from local_aws.clock import Clock


def sleep_together(clock: Clock, waits: list[float]) -> list[float]:
    """Each wait in its own thread (an execution); the emulated time at which each woke."""
    woke: list[float] = [0.0] * len(waits)
    running, lock = [len(waits)], threading.Lock()      # every execution runs from the start until its wait ends

    def sleeper(index: int, seconds: float) -> None:
        clock.sleep(seconds)
        woke[index] = clock.elapsed()
        with lock:
            running[0] -= 1

    threads = [threading.Thread(target=sleeper, args=(i, s)) for i, s in enumerate(waits)]
    clock.active = lambda: running[0]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return woke


def test_waits_of_executions_running_at_once_overlap():
    clock = Clock()
    started = time.monotonic()
    assert sleep_together(clock, [60, 100, 60]) == [60, 100, 60]
    assert clock.elapsed() == 100 and time.monotonic() - started < 1


def test_one_execution_moves_the_clock_at_once():
    clock = Clock()
    started = time.monotonic()
    clock.sleep(3600)
    assert clock.elapsed() == 3600 and time.monotonic() - started < 0.5


def test_an_execution_counted_but_never_waiting_holds_the_clock_only_so_long(monkeypatch):
    monkeypatch.setattr(clock_module, "STALL_SECONDS", 0.2)
    clock = Clock()
    clock.active = lambda: 2            # the other one is busy (a Lambda, a training container)
    started = time.monotonic()
    clock.sleep(60)
    assert clock.elapsed() == 60 and 0.2 <= time.monotonic() - started < 2
