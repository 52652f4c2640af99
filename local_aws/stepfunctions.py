"""moto's Step Functions executor on emulated time, with every history event reported live."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

from .clock import Clock

Listener = Callable[[str, dict[str, Any]], None]


@contextmanager
def emulated_time(clock: Clock, listener: Listener | None = None) -> Iterator[None]:
    """Wait states and Retry intervals advance ``clock``; history timestamps come from it."""

    def wait_interval(self, env, wait_seconds):
        clock.advance(max(0, wait_seconds))

    original_add_event = EventManager.add_event

    def add_event(self, context, event_type, event_details=None, timestamp=None, update_source_event_id=True):
        event_id = original_add_event(self, context, event_type, event_details, timestamp, update_source_event_id)
        if listener:
            listener(str(event_type), dict(event_details or {}))
        return event_id

    retry_time = mock.Mock(wraps=retrier_decl.time)
    retry_time.sleep = lambda seconds: clock.advance(seconds)

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(WaitFunction, "_wait_interval", wait_interval))
        stack.enter_context(mock.patch.object(EventManager, "_get_current_timestamp", staticmethod(clock.now)))
        stack.enter_context(mock.patch.object(EventManager, "add_event", add_event))
        stack.enter_context(mock.patch.object(retrier_decl, "time", retry_time))
        yield
