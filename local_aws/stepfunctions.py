"""moto's Step Functions executor, made to answer like AWS, on emulated time.

Where moto's executor is more forgiving than Step Functions, it is made as strict, so a local
run cannot pass on a path that fails on AWS:

- a Choice rule comparing a path that does not exist fails the execution with States.Runtime
  (moto treats the rule as false); only ``IsPresent`` may look at a missing path;
- ``States.ALL`` in a Catch or Retry does not match States.Runtime or States.DataLimitExceeded
  (moto matches everything), so a runtime error ends the execution with no Catch;
- Wait states, Retry intervals, history timestamps and ``$$.State.EnteredTime`` use the
  emulated clock;
- an error SageMaker answers a call of the optimized SageMaker integration (``arn:aws:states:::sagemaker:…``)
  is a Task failure named as Step Functions names it, ``SageMaker.AmazonSageMakerException`` (or
  ``SageMaker.ResourceLimitExceededException``), not moto's ``States.Runtime``, which no Catch takes.

``parsed_once`` only saves time: moto parses the definition (ANTLR) at CreateStateMachine and again
at every StartExecution; the syntax tree of a definition is kept and turned into fresh evaluation
components each time, so no execution shares state with another.
"""

import datetime as _datetime
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

from botocore.exceptions import ClientError
from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name import error_equals_decl
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import StatesErrorNameType
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state import state as state_module
from moto.stepfunctions.parser.asl.component.state.choice.comparison.comparison_operator_type import ComparisonOperatorType
from moto.stepfunctions.parser.asl.component.state.choice.comparison.comparison_variable import ComparisonVariable
from moto.stepfunctions.parser.asl.component.state.choice.comparison.variable import NoSuchVariable
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import StateTaskServiceSfn
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported import StateTaskServiceUnsupported
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager
from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped
from moto.stepfunctions.parser.asl.parse import asl_parser
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
from moto.stepfunctions.parser.asl.utils.json_path import NoSuchJsonPathError

from .clock import Clock
from .overrides import override

Listener = Callable[[str, dict[str, Any]], None]
NOT_CAUGHT_BY_STATES_ALL = frozenset({StatesErrorNameType.StatesRuntime, StatesErrorNameType.StatesStatesDataLimitExceeded})


def _strict_comparison(self: ComparisonVariable, env) -> None:
    self.variable.eval(env)
    sampled = env.stack[-1]
    if isinstance(sampled, NoSuchVariable) and self.comparison_function.operator_type != ComparisonOperatorType.IsPresent:
        path = self.variable.string_sampler.literal_value
        raise NoSuchJsonPathError(json_path=path, data=env.states.get_input())
    self.comparison_function.eval(env)


def _error_equals(self, env) -> None:
    error_name = env.stack[-1]
    if (
        isinstance(error_name, StatesErrorName)
        and error_name.typ in NOT_CAUGHT_BY_STATES_ALL
        and error_equals_decl.ErrorEqualsDecl._STATE_ALL_ERROR in self.error_names
    ):
        env.stack.pop()
        env.stack.append(error_name in self.error_names)
        return
    _original_error_equals(self, env)


_original_error_equals = error_equals_decl.ErrorEqualsDecl._eval_body
_original_service_error = StateTaskServiceUnsupported._from_error


def integration_error_name(code: str) -> str:
    """How Step Functions names a SageMaker error in its optimized integration (docs/aws-behaviours.md)."""
    return "SageMaker.ResourceLimitExceededException" if code == "ResourceLimitExceeded" else "SageMaker.AmazonSageMakerException"


def _service_error(self, env, ex: Exception):
    if not (isinstance(ex, ClientError) and self._get_boto_service_name() == "sagemaker"):
        return _original_service_error(self, env, ex)
    error, meta = ex.response.get("Error", {}), ex.response.get("ResponseMetadata", {})
    cause = (f"{error.get('Message', '')} (Service: AmazonSageMaker; Status Code: {meta.get('HTTPStatusCode')}; "
             f"Error Code: {error.get('Code')}; Request ID: {meta.get('RequestId')}; Proxy: null)")
    name = integration_error_name(error.get("Code", ""))
    return FailureEvent(env=env, error_name=CustomErrorName(name), event_type=HistoryEventType.TaskFailed,
                        event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(
                            resource=self._get_sfn_resource(), resourceType=self._get_sfn_resource_type(), error=name, cause=cause)))


_original_set_error = Environment.set_error


def _set_error_unless_stopped(self: Environment, error) -> None:
    with self._state_mutex:
        if not isinstance(self._program_state, ProgramStopped):
            _original_set_error(self, error)


_original_sfn_parameters = StateTaskServiceSfn._normalise_parameters
_original_sfn_task = StateTaskServiceSfn._eval_service_task
_USER_JSON = {"input", "output"}


def _api_case(name: str) -> str:
    return name[:1].upper() + name[1:]


def _asl_cased(value: Any) -> Any:
    """botocore's answer as Step Functions gives it to the state: keys capitalised, user JSON (Input, Output) as is,
    timestamps as ISO text."""
    if isinstance(value, dict):
        return {_api_case(k): (v if k in _USER_JSON else _asl_cased(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_asl_cased(v) for v in value]
    if isinstance(value, _datetime.datetime):
        return value.isoformat()
    return value


def _sfn_parameters(self, parameters, boto_service_name=None, service_action_name=None) -> None:
    _original_sfn_parameters(self, parameters, boto_service_name, service_action_name)
    for key in [k for k in parameters if k[:1].isupper()]:
        parameters[key[:1].lower() + key[1:]] = parameters.pop(key)


def _sfn_response(self, response, boto_service_name=None, service_action_name=None) -> None:
    cased = _asl_cased(response)
    response.clear()
    response.update(cased)


def _sfn_task(self, env, resource_runtime_part, normalised_parameters, state_credentials) -> None:
    _original_sfn_task(self, env, resource_runtime_part, normalised_parameters, state_credentials)
    env.stack.append(_asl_cased(env.stack.pop()))


_TREES: dict[str, Any] = {}
_TREES_LOCK = threading.Lock()
_original_parse = asl_parser.AmazonStateLanguageParser.parse


def _parse_once(definition: str):
    with _TREES_LOCK:
        tree = _TREES.get(definition)
    if tree is None:
        _, tree = _original_parse(definition)
        with _TREES_LOCK:
            _TREES[definition] = tree
    return Preprocessor().visit(tree), tree


@contextmanager
def parsed_once() -> Iterator[None]:
    """Each distinct definition is parsed once per process (see the module's docstring)."""
    with override(asl_parser.AmazonStateLanguageParser, "parse", staticmethod(_parse_once), rows=("emulator-speed-only",)):
        yield


@contextmanager
def emulated_time(clock: Clock, listener: Listener | None = None) -> Iterator[None]:
    """Wait states and Retry intervals advance ``clock``; timestamps come from it; AWS's strictness applies."""

    def wait_interval(self, env, wait_seconds):
        clock.sleep(max(0, wait_seconds))

    original_add_event = EventManager.add_event

    def add_event(self, context, event_type, event_details=None, timestamp=None, update_source_event_id=True):
        event_id = original_add_event(self, context, event_type, event_details, timestamp, update_source_event_id)
        if listener:
            listener(str(event_type), dict(event_details or {}))
        return event_id

    retry_time = mock.Mock(wraps=retrier_decl.time)
    retry_time.sleep = lambda seconds: clock.sleep(seconds)
    state_datetime = mock.Mock(wraps=_datetime)
    state_datetime.timezone = _datetime.timezone
    state_datetime.datetime = mock.Mock(wraps=_datetime.datetime)
    state_datetime.datetime.now = lambda tz=None: clock.now().astimezone(tz) if tz else clock.now()

    with ExitStack() as stack:
        stack.enter_context(override(WaitFunction, "_wait_interval", wait_interval, rows=("emulated-time",)))
        stack.enter_context(override(EventManager, "_get_current_timestamp", staticmethod(clock.now), rows=("emulated-time",)))
        stack.enter_context(override(EventManager, "add_event", add_event, rows=("emulator-timeline-only",)))
        stack.enter_context(override(retrier_decl, "time", retry_time, rows=("emulated-time",)))
        stack.enter_context(override(state_module, "datetime", state_datetime, rows=("emulated-time",)))
        stack.enter_context(override(ComparisonVariable, "_eval_body", _strict_comparison, rows=("states-runtime-missing-path",)))
        stack.enter_context(override(error_equals_decl.ErrorEqualsDecl, "_eval_body", _error_equals, rows=("states-all-excludes-runtime",)))
        stack.enter_context(override(StateTaskServiceUnsupported, "_from_error", _service_error, rows=("sfn-sagemaker-integration-errors",)))
        for attribute, replacement in (("_normalise_parameters", _sfn_parameters), ("_normalise_response", _sfn_response),
                                       ("_eval_service_task", _sfn_task)):
            stack.enter_context(override(StateTaskServiceSfn, attribute, replacement, rows=("sfn-start-execution-sync2",)))
        stack.enter_context(override(Environment, "set_error", _set_error_unless_stopped, rows=("sfn-stop-execution-final",)))
        yield
