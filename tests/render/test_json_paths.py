"""No JsonPath read can end the run without a message.

On AWS, a path that is missing when a state reads it is States.Runtime: no Catch takes it
(States.ALL excludes it), so the run would end with no Slack message. This test lists every
path the rendered definition reads and proves, by data flow over the state graph, that each one
is present whenever it is read: written by the state that ran before it, put there by a Catch,
or tested with IsPresent by a Choice rule on the way.
"""

import json
import re

import pytest

import render

INTRINSIC_PATH = re.compile(r"\$\$?(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\$(?=[,)])")


@pytest.fixture(scope="module")
def definition(tmp_path_factory):
    out = tmp_path_factory.mktemp("paths")
    return json.loads(render.render(out_dir=out)[render.STATE_MACHINE_TEMPLATE].read_text())


@pytest.fixture(scope="module")
def states(definition):
    return definition["States"]


def parameter_paths(value) -> set[str]:
    """Paths read by a Parameters block (keys ending in .$, plain paths or intrinsic functions)."""
    found = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith(".$"):
                found |= set(INTRINSIC_PATH.findall(item)) if item.startswith("States.") else {item}
            else:
                found |= parameter_paths(item)
    return found


def written_keys(value, prefix: str) -> set[str]:
    """Paths a Parameters/Result object creates under ``prefix``."""
    keys = {prefix}
    if isinstance(value, dict):
        for key, item in value.items():
            keys |= written_keys(item, f"{prefix}.{key.removesuffix('.$')}")
    return keys


def presence(rule: dict) -> tuple[set[str], set[str]]:
    """(paths the rule proves present when it matches, paths it proves present when it does not)."""
    if rule.get("IsPresent") is True:
        return {rule["Variable"]}, set()
    if "Not" in rule:
        when, unless = presence(rule["Not"])
        return unless, when
    if "And" in rule:
        return set().union(*(presence(r)[0] for r in rule["And"])), set()
    return set(), set()


def reads(rule: dict) -> list[str]:
    """Variables a rule compares, in evaluation order; IsPresent tests read nothing."""
    if "Not" in rule:
        return reads(rule["Not"])
    if "And" in rule or "Or" in rule:
        return [path for r in rule.get("And", rule.get("Or", [])) for path in reads(r)]
    return [] if "IsPresent" in rule else [rule["Variable"]]


def state_reads(state: dict) -> set[str]:
    paths = parameter_paths(state.get("Parameters", {}))
    for field in ("SecondsPath", "ErrorPath", "CausePath", "InputPath", "OutputPath"):
        if field in state:
            paths.add(state[field])
    return paths


def flows(name: str, state: dict) -> list[tuple[str, set[str]]]:
    """(next state, paths the transition guarantees in addition to what held on entry)."""
    kind = state["Type"]
    out = []
    if kind == "Task":
        out.append((state["Next"], {state["ResultPath"]}))
        for catch in state.get("Catch", []):
            path = catch["ResultPath"]
            out.append((catch["Next"], {path, f"{path}.Error", f"{path}.Cause"}))
    elif kind == "Pass":
        body = state.get("Parameters", state.get("Result"))
        out.append((state["Next"], written_keys(body, state["ResultPath"]) if state.get("ResultPath") else set()))
    elif kind == "Wait":
        out.append((state["Next"], set()))
    elif kind == "Choice":
        failed_before: set[str] = set()
        for rule in state["Choices"]:
            when, unless = presence(rule)
            out.append((rule["Next"], failed_before | when))
            failed_before |= unless
        out.append((state["Default"], failed_before))
    return out


def guaranteed_on_entry(states: dict, start: str) -> dict[str, set[str]]:
    """For each state, the paths present on every way into it (a fixpoint over the graph, loops included).
    The execution input guarantees nothing."""
    everything = {"*"}
    entry = {name: everything for name in states}
    entry[start] = set()
    changed = True
    while changed:
        changed = False
        incoming: dict[str, list[set[str]]] = {name: [] for name in states}
        for name, state in states.items():
            for target, added in flows(name, state):
                held = entry[name]
                incoming[target].append(everything if held == everything else held | added)
        for name in states:
            if name == start:
                continue
            sets = [s for s in incoming[name] if s != everything]
            new = set.intersection(*sets) if sets else everything
            if new != entry[name]:
                entry[name], changed = new, True
    return entry


def is_present(path: str, held: set[str]) -> bool:
    return path == "$" or path.startswith("$$.") or path in held


def test_the_definition_reads_these_paths_and_each_is_present_whenever_it_is_read(definition, states):
    entry = guaranteed_on_entry(states, definition["StartAt"])
    read_anywhere, unguarded = set(), []
    for name, state in states.items():
        for path in state_reads(state):
            read_anywhere.add(path)
            if not is_present(path, entry[name]):
                unguarded.append((name, path))
        if state["Type"] == "Choice":
            held = set(entry[name])
            for rule in state["Choices"]:
                for path in reads(rule):
                    read_anywhere.add(path)
                    if not is_present(path, held | presence(rule)[0]):
                        unguarded.append((name, path))
                held |= presence(rule)[1]
    assert unguarded == []
    assert {p for p in read_anywhere if not p.startswith("$$")} >= {
        "$.data.status", "$.data.data_date", "$.data.summary", "$.training.job_name", "$.training.max_runtime_seconds",
        "$.training.status.phase", "$.training.status.poll.timed_out", "$.training.status.poll.wait_seconds",
        "$.training.status.failure_reason", "$.deployment.action", "$.deployment.endpoint_name", "$.deployment.endpoint_config_name",
        "$.deployment.status.phase", "$.failure.Error", "$.failure.Cause",
    }


def test_the_analysis_catches_a_read_of_a_result_key_nothing_guarantees(definition, states):
    broken = json.loads(json.dumps(states))
    broken["Deploy?"]["Choices"] = broken["Deploy?"]["Choices"][1:]
    entry = guaranteed_on_entry(broken, definition["StartAt"])
    assert not is_present("$.deployment.action", entry["Deploy?"])
    assert not is_present("$.deployment.endpoint_name", entry["GetEndpointStatus"])


def test_every_failure_ends_with_the_failing_steps_own_error_and_cause(states):
    fail = states["PipelineFailed"]
    assert (fail["ErrorPath"], fail["CausePath"]) == ("$.failure.Error", "$.failure.Cause")
    assert "Error" not in fail and "Cause" not in fail
