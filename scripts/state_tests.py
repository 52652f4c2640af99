"""TestState questions about a rendered definition, each with the answer the States Language gives.

For every Choice state: one input per rule, built to satisfy it (and a "none of them" input), and the
state the rules pick for it. For every Task with Retry or Catch: a mocked error per retrier (RETRIABLE
while attempts are left, then the Catcher that takes it) and per Catcher (CAUGHT_ERROR and its Next).
AWS's TestState answers them (scripts/aws-check); locally the emulator does (local_aws/teststate.py).
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

OTHER = "__aws-check-other__"
UNLISTED = "AwsCheck.UnexpectedError"
#: A context object for Tasks that read $$ (TestState's ``context`` member).
CONTEXT = {"Execution": {"Id": "arn:aws:states:us-east-1:123456789012:execution:check:teststate", "Input": {},
                         "StartTime": "2026-01-01T06:00:00Z"}, "State": {"EnteredTime": "2026-01-01T06:00:00Z", "RetryCount": 0}}
_PATH = re.compile(r"(?<!\$)\$((?:\.[A-Za-z0-9_]+)+)")


@dataclass
class Case:
    kind: str                      # "choice" or "task"
    state: str
    label: str
    input: dict[str, Any]
    status: str
    next_state: str | None
    request: dict[str, Any] = field(default_factory=dict)


class _Missing(Exception):
    """A comparison read a path the input lacks: AWS fails the state (States.Runtime)."""


def _get(document: Any, path: str) -> Any:
    node = document
    for part in path.removeprefix("$.").split("."):
        if not isinstance(node, dict) or part not in node:
            raise _Missing(path)
        node = node[part]
    return node


def _set(document: dict[str, Any], path: str, value: Any) -> None:
    parts = path.removeprefix("$.").split(".")
    node = document
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value


def _remove(document: dict[str, Any], path: str) -> None:
    parts = path.removeprefix("$.").split(".")
    node = document
    for part in parts[:-1]:
        node = node.get(part)
        if not isinstance(node, dict):
            return
    node.pop(parts[-1], None)


def holds(rule: dict[str, Any], document: dict[str, Any]) -> bool:
    """The States Language's reading of one Choice rule (the operators the templates use)."""
    if "And" in rule:
        return all(holds(r, document) for r in rule["And"])
    if "Or" in rule:
        return any(holds(r, document) for r in rule["Or"])
    if "Not" in rule:
        return not holds(rule["Not"], document)
    path = rule["Variable"]
    if "IsPresent" in rule:
        try:
            _get(document, path)
            return rule["IsPresent"] is True
        except _Missing:
            return rule["IsPresent"] is False
    value = _get(document, path)
    if "StringEquals" in rule:
        return isinstance(value, str) and value == rule["StringEquals"]
    if "BooleanEquals" in rule:
        return isinstance(value, bool) and value == rule["BooleanEquals"]
    raise NotImplementedError(f"Choice operator of {rule} is not read by scripts/state_tests.py")


def _leaves(rule: dict[str, Any]) -> list[dict[str, Any]]:
    if "And" in rule or "Or" in rule:
        return [leaf for r in rule.get("And", rule.get("Or", [])) for leaf in _leaves(r)]
    if "Not" in rule:
        return _leaves(rule["Not"])
    return [rule]


def _base(choices: list[dict[str, Any]]) -> dict[str, Any]:
    """Every path the rules read, present, with a value no rule names."""
    document: dict[str, Any] = {}
    for leaf in (leaf for rule in choices for leaf in _leaves(rule)):
        value = not leaf["BooleanEquals"] if "BooleanEquals" in leaf else OTHER
        try:
            _get(document, leaf["Variable"])
        except _Missing:
            _set(document, leaf["Variable"], value)
    return document


def _satisfy(rule: dict[str, Any], document: dict[str, Any], want: bool = True) -> None:
    if "And" in rule or "Or" in rule:
        parts = rule.get("And", rule.get("Or"))
        every = ("And" in rule) == want
        for part in parts if every else parts[:1]:
            _satisfy(part, document, want)
        return
    if "Not" in rule:
        _satisfy(rule["Not"], document, not want)
        return
    path = rule["Variable"]
    if "IsPresent" in rule:
        if rule["IsPresent"] is not want:
            _remove(document, path)
    elif "StringEquals" in rule:
        _set(document, path, rule["StringEquals"] if want else OTHER)
    elif "BooleanEquals" in rule:
        _set(document, path, rule["BooleanEquals"] if want else not rule["BooleanEquals"])


def _chosen(state: dict[str, Any], document: dict[str, Any]) -> tuple[str, str | None] | None:
    try:
        for rule in state["Choices"]:
            if holds(rule, document):
                return "SUCCEEDED", rule["Next"]
    except _Missing:
        return None
    return ("SUCCEEDED", state["Default"]) if "Default" in state else ("FAILED", None)


def choice_cases(name: str, state: dict[str, Any]) -> list[Case]:
    cases, seen = [], set()
    inputs = []
    for index, rule in enumerate(state["Choices"]):
        document = _base(state["Choices"])
        _satisfy(rule, document)
        inputs.append((f"{name} rule {index + 1}", document))
    inputs.append((f"{name} no rule", _base(state["Choices"])))
    for label, document in inputs:
        key = repr(sorted(document.items(), key=str))
        answer = _chosen(state, document)
        if answer is None or key in seen:
            continue
        seen.add(key)
        cases.append(Case("choice", name, label, document, answer[0], answer[1]))
    return cases


def matches(error: str, names: list[str]) -> bool:
    """ASL: States.ALL matches any error but States.Runtime and States.DataLimitExceeded; States.TaskFailed any but States.Timeout."""
    if error in names:
        return True
    if "States.ALL" in names:
        return error not in ("States.Runtime", "States.DataLimitExceeded")
    return "States.TaskFailed" in names and error not in ("States.Timeout", "States.Runtime", "States.DataLimitExceeded")


def _error_of(names: list[str]) -> str:
    """An error the list names; for a catch-all, one no list names (as a handler's unexpected exception is)."""
    return next((n for n in names if not n.startswith("States.")), UNLISTED)


def _task_input(state: dict[str, Any]) -> dict[str, Any]:
    """Every $. path the Task reads or writes, present: objects, numbers where an intrinsic function takes them."""
    document: dict[str, Any] = {}
    read = json.dumps({k: v for k, v in state.items() if k in ("Parameters", "InputPath", "ResultPath", "Catch")})
    numbers = set(_PATH.findall(" ".join(re.findall(r"States\.Math\w+\([^)]*\)", read))))
    for path in sorted(set(_PATH.findall(read)), key=len, reverse=True):
        try:
            _get(document, f"${path}")
        except _Missing:
            _set(document, f"${path}", 1 if path in numbers else {})
    return document


def task_cases(name: str, state: dict[str, Any]) -> list[Case]:
    retriers, catchers = state.get("Retry", []), state.get("Catch", [])
    document = _task_input(state)
    cases = []

    def caught(error: str) -> tuple[str, str | None, int | None]:
        for index, catcher in enumerate(catchers):
            if matches(error, catcher["ErrorEquals"]):
                return "CAUGHT_ERROR", catcher["Next"], index
        return "FAILED", None, None

    def mocked(error: str, used: int) -> dict[str, Any]:
        return {"mock": {"errorOutput": {"error": error, "cause": "mocked by aws-check"}},
                "stateConfiguration": {"retrierRetryCount": used}, "context": json.dumps(CONTEXT)}

    for index, retrier in enumerate(retriers):
        error = _error_of(retrier["ErrorEquals"])
        if any(matches(error, earlier["ErrorEquals"]) for earlier in retriers[:index]):
            continue
        attempts = retrier.get("MaxAttempts", 3)
        if attempts > 0:
            cases.append(Case("task", name, f"{name} {error} first attempt", document, "RETRIABLE", None, mocked(error, 0)))
        status, next_state, _ = caught(error)
        cases.append(Case("task", name, f"{name} {error} after {attempts} retries", document, status, next_state, mocked(error, attempts)))
    for catcher in catchers:
        error = _error_of(catcher["ErrorEquals"])
        if any(matches(error, retrier["ErrorEquals"]) for retrier in retriers):
            continue
        status, next_state, _ = caught(error)
        cases.append(Case("task", name, f"{name} {error}", document, status, next_state, mocked(error, 0)))
    return cases


def cases_for(definition: dict[str, Any]) -> list[Case]:
    """Every question for the definition's Choice and Task states, in definition order."""
    cases = []
    for name, state in definition["States"].items():
        if state["Type"] == "Choice":
            cases += choice_cases(name, state)
        elif state["Type"] == "Task" and (state.get("Retry") or state.get("Catch")):
            cases += task_cases(name, state)
    return cases
