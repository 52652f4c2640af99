"""Step Functions' TestState, which moto does not have: one state of a definition, run once.

AWS's contract (botocore's TestState model; docs/aws-behaviours.md row ``sfn-test-state``): with
``stateName`` the definition is a whole state machine and only that state runs; a ``mock.errorOutput``
stands for the Task's own answer; the status is SUCCEEDED (``nextState`` named), CAUGHT_ERROR (a Catch
took the error: ``nextState`` is its Next), RETRIABLE (a Retry matches and has attempts left after
``stateConfiguration.retrierRetryCount``) or FAILED.

The emulation leaves every decision to moto's interpreter: the state runs in a one-state machine whose
other states are Succeed markers; a mocked error is raised by a stand-in Lambda function; each Retry
becomes a Catch to a marker placed before the real Catchers, so which retrier or catcher takes the error
is decided by moto's ErrorEquals matching. When the retrier that matched has used up its attempts, the
error goes on to the Catchers (no other retrier is tried), as the ASL specification says.
"""

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from moto.core.botocore_stubber import BotocoreStubber
from moto.core.responses import ActionResult
from moto.stepfunctions.responses import StepFunctionResponse, get_backend

from .lambdas import LocalFunction, Runtime
from .overrides import override

NEXT_MARKER = "__next__"
RETRIER = "__retrier__"
STAND_IN = "aws-check-mocked-task"
WALL_TIMEOUT_SECONDS = 30


def _raiser(error: str, cause: str):
    def handler(event, context):
        raise type(error, (Exception,), {})(cause)

    return SimpleNamespace(handler=handler)


def _machine(state_name: str, state: dict[str, Any]) -> dict[str, Any]:
    """The state alone, every transition it can take ending in a Succeed marker named after its target."""
    state = json.loads(json.dumps(state))
    markers: dict[str, dict[str, Any]] = {}

    def to_marker(holder: dict[str, Any], key: str) -> None:
        if key in holder:
            holder[key] = NEXT_MARKER + holder[key]
            markers[holder[key]] = {"Type": "Succeed"}

    to_marker(state, "Next")
    to_marker(state, "Default")
    for rule in state.get("Choices", []):
        to_marker(rule, "Next")
    for catcher in state.get("Catch", []):
        to_marker(catcher, "Next")
    return {"StartAt": state_name, "States": {state_name: state, **markers}}


def _run(account: str, region: str, machine: dict[str, Any], run_input: str) -> tuple[str, list[dict[str, Any]], Any]:
    backend = get_backend(account, region)
    name = f"TestState-{uuid.uuid4().hex[:12]}"
    created = backend.create_state_machine(name=name, definition=json.dumps(machine), roleArn=f"arn:aws:iam::{account}:role/TestState")
    execution = backend.start_execution(created.arn, name=name, execution_input=run_input)
    deadline = time.monotonic() + WALL_TIMEOUT_SECONDS
    while getattr(backend.describe_execution(execution.execution_arn).exec_status, "value", "RUNNING") == "RUNNING":
        if time.monotonic() > deadline:
            raise TimeoutError(f"TestState of {next(iter(machine['States']))}: still running after {WALL_TIMEOUT_SECONDS} s")
        time.sleep(0.005)
    described = backend.describe_execution(execution.execution_arn)
    events = backend.get_execution_history(execution.execution_arn)["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
    backend.delete_state_machine(created.arn)
    return getattr(described.exec_status, "value", str(described.exec_status)), entered, described


def run_test_state(runtime: Runtime, account: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
    definition = json.loads(request["definition"])
    state_name = request.get("stateName") or next(iter(definition.get("States", {})), "")
    state = dict(definition["States"][state_name]) if "stateName" in request else dict(definition)
    run_input = request.get("input") or "{}"
    error = (request.get("mock") or {}).get("errorOutput")
    if error is None:
        status, entered, described = _run(account, region, _machine(state_name, state), run_input)
        if status == "SUCCEEDED":
            return {"status": "SUCCEEDED", "nextState": entered[1].removeprefix(NEXT_MARKER) if len(entered) > 1 else None,
                    "output": described.output}
        return {"status": "FAILED", "error": described.error, "cause": described.cause}

    runtime.register(LocalFunction(STAND_IN, Path("."), "mock.handler", {}, [], 3, module=_raiser(error["error"], error.get("cause", ""))))
    state.pop("Parameters", None)
    state.pop("Arguments", None)
    state.update(Resource="arn:aws:states:::lambda:invoke", Parameters={"FunctionName": STAND_IN, "Payload.$": "$"})
    retriers = state.pop("Retry", [])
    used = (request.get("stateConfiguration") or {}).get("retrierRetryCount", 0)
    catchers = state.get("Catch", [])
    state["Catch"] = [{"ErrorEquals": r["ErrorEquals"], "Next": f"{RETRIER}{i}"} for i, r in enumerate(retriers)] + catchers
    status, entered, described = _run(account, region, _machine(state_name, state), run_input)
    taken = entered[1].removeprefix(NEXT_MARKER) if status == "SUCCEEDED" and len(entered) > 1 else None
    if taken and taken.startswith(RETRIER):
        index = int(taken.removeprefix(RETRIER))
        if used < retriers[index].get("MaxAttempts", 3):
            return {"status": "RETRIABLE", "error": error["error"], "cause": error.get("cause", ""),
                    "inspectionData": {"errorDetails": {"retryIndex": index}}}
        exhausted = {**definition, "States": {**definition["States"], state_name: {**definition["States"][state_name], "Retry": []}}}
        return run_test_state(runtime, account, region, {**request, "stateName": state_name, "definition": json.dumps(exhausted)})
    if taken:
        index = [c["Next"] for c in catchers].index(taken)
        return {"status": "CAUGHT_ERROR", "nextState": taken, "error": error["error"], "cause": error.get("cause", ""),
                "inspectionData": {"errorDetails": {"catchIndex": index}}}
    return {"status": "FAILED", "error": described.error or error["error"], "cause": described.cause or error.get("cause", "")}


@contextmanager
def emulated_test_state(runtime: Runtime) -> Iterator[None]:
    def handle(response: StepFunctionResponse) -> ActionResult:
        request = json.loads(response.body or "{}")
        return ActionResult(run_test_state(runtime, response.current_account, response.region, request))

    original = BotocoreStubber.process_request

    def process_request(stubber, request):
        """TestState's endpoint is sync-states.<region> (botocore's hostPrefix "sync-"), which moto does not serve."""
        request.url = request.url.replace("://sync-states.", "://states.", 1)
        return original(stubber, request)

    with (override(StepFunctionResponse, "test_state", handle, rows=("sfn-test-state",), create=True),
          override(BotocoreStubber, "process_request", process_request, rows=("sfn-test-state",))):
        yield
