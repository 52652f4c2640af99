"""Many targets per stack: each target is a name and a few overrides of the stack's parameters.

A multi-target stack runs today's pipeline once per target (the fan-out state machine's Distributed
Map starts one execution each). Every Lambda of a target's run gets ``target`` in its payload; inside
``for_target`` the target's names and overrides stand in for the stack-wide environment variables,
so the handlers read their config exactly as they do with one target.

Targets are listed in pipeline-config.yaml; a targets file in S3 changes, without a deploy, their
overrides and which of them run, and adds targets (IAM is the stack's prefix; DeployModel creates each
target's rollback alarms).
"""

import functools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from . import config, names, rollout, stages
from .errors import InvalidInput

NAME = re.compile(r"^[a-z0-9](-?[a-z0-9])*$")
INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")     # the TrainingInstanceType parameter's AllowedPattern
HOSTING_MODES = ("Instance", "Serverless")                    # the HostingMode parameter's AllowedValues
SLACK_PER_TARGET = ("all", "failures", "none")
# The fan-out's state after the Map holds the plan and every target's outcome, ≈ 500 bytes a target, within Step
# Functions' 262,144-byte payload (docs/aws-behaviours.md, fan-out-limits): at most this many targets run a day.
MAX_TARGETS = 300
LONGEST_JOB_SUFFIX = max((job.suffix for job in stages.JOBS.values()), key=len)
EXECUTION_NAME_MAX = 80          # botocore stepfunctions StartExecution name: 1..80; a target's run is <target>-<uuid>
UUID_LENGTH = 36


def _hyperparameters(value: Any) -> str:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str | int | float) and not isinstance(v, bool)
                                              for k, v in value.items()):
        return "a mapping of hyperparameter names to strings or numbers"
    return ""


def _instance_type(value: Any) -> str:
    return "" if isinstance(value, str) and INSTANCE_TYPE.match(value) else "a SageMaker instance type such as ml.m5.large"


def _metric_floor(value: Any) -> str:
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)):
        return ""
    return "a number (or null for none)"


def _one_of(allowed: tuple[str, ...]) -> Callable[[Any], str]:
    return lambda value: "" if value in allowed else f"one of {', '.join(allowed)}"


def _as_json(value: Any) -> str:
    return json.dumps({k: str(v) for k, v in value.items()})


@dataclass(frozen=True)
class Override:
    variable: str                      # the environment variable it stands in for
    parameter: str                     # the template parameter it replaces for one target
    expected: Callable[[Any], str]     # "" when the value is right, else what was expected
    as_text: Callable[[Any], str] = str


OVERRIDES = {
    "hyperparameters": Override("HYPERPARAMETERS", "Hyperparameters", _hyperparameters, _as_json),
    "training_instance_type": Override("TRAINING_INSTANCE_TYPE", "TrainingInstanceType", _instance_type),
    "metric_floor": Override("METRIC_FLOOR", "MetricFloor", _metric_floor, lambda v: "" if v is None else repr(float(v))),
    "rollout_strategy": Override("ROLLOUT_STRATEGY", "RolloutStrategy", _one_of(rollout.STRATEGIES)),
    "hosting_mode": Override("HOSTING_MODE", "HostingMode", _one_of(HOSTING_MODES)),
}


def problems(target: Any, prefix: str) -> list[str]:
    """What is wrong with a target entry ({"name": ..., "overrides": {...}}), each naming the bad value."""
    if not isinstance(target, dict) or not isinstance(target.get("name"), str):
        return [f"target {json.dumps(target, default=str)[:200]} is not a mapping with a name"]
    name = target["name"]
    found = []
    if not NAME.match(name):
        found.append(f"name {name!r} is not lowercase letters, digits and single hyphens")
    elif len(name) + 1 + UUID_LENGTH > EXECUTION_NAME_MAX:
        found.append(f"name {name!r} is too long: its run's execution name '{name}-<uuid>' must fit Step Functions' {EXECUTION_NAME_MAX} characters")
    else:
        try:
            names.job_name(prefix, name, date(2000, 1, 1), 9, LONGEST_JOB_SUFFIX)
        except ValueError:
            found.append(f"name {name!r} is too long: '{prefix}-{name}-YYYYMMDD-{LONGEST_JOB_SUFFIX}-a9' must fit SageMaker's "
                         f"{names.MAX_NAME_LENGTH} characters")
    unknown = sorted(set(target) - {"name", "overrides", "enabled"})
    if unknown:
        found.append(f"unknown key {', '.join(unknown)} (expected name, overrides, enabled)")
    overrides = target.get("overrides", {})
    if not isinstance(overrides, dict):
        return found + [f"overrides {overrides!r} is not a mapping"]
    for key, value in overrides.items():
        override = OVERRIDES.get(key)
        if override is None:
            found.append(f"override {key!r} is not one of {', '.join(OVERRIDES)}")
        elif override.expected(value):
            found.append(f"override {key}={json.dumps(value, default=str)} is not {override.expected(value)}")
    return found


def endpoint_name(prefix: str, target: str) -> str:
    return f"{prefix}-{target}"


def group_name(prefix: str, target: str) -> str:
    return f"{prefix}-{target}"


def target_of_group(prefix: str, group: str) -> str:
    """The target whose model package group ``group`` is (an approval names only the group)."""
    if not group.startswith(f"{prefix}-") or len(group) == len(prefix) + 1:
        raise InvalidInput(f"model package group {group!r} is not {prefix}-<target>: not a target of this stack")
    return group[len(prefix) + 1:]


def alarm_names(stack: str, endpoint: str, extra: str) -> list[str]:
    """The rollback alarms of one target's endpoint: the stack creates one per suffix, named so; then the user's."""
    return [f"{stack}-{endpoint}-{suffix}" for suffix in rollout.ALARM_SUFFIXES] + [a for a in extra.split(",") if a.strip()]


def overlay(target: dict[str, Any]) -> dict[str, str]:
    """The environment variables one target's run reads differently from the stack's."""
    name, prefix = target["name"], config.required("RESOURCE_PREFIX")
    endpoint = endpoint_name(prefix, name)
    values = {"TARGET": name, "MODEL_PACKAGE_GROUP": group_name(prefix, name), "ENDPOINT_NAME": endpoint,
              "ROLLBACK_ALARMS": ",".join(alarm_names(config.required("STACK_NAME"), endpoint, config.optional("EXTRA_ROLLBACK_ALARMS")))}
    capture = config.optional("DATA_CAPTURE_PREFIX_URI")
    if capture:
        values["DATA_CAPTURE_URI"] = f"{capture.rstrip('/')}/{endpoint}"
    for key, value in target.get("overrides", {}).items():
        values[OVERRIDES[key].variable] = OVERRIDES[key].as_text(value)
    return values


def for_target(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """A handler that, given ``target`` in its event, runs with that target's names and overrides."""

    @functools.wraps(handler)
    def wrapped(event: Any, context: Any) -> Any:
        target = event.get("target") if isinstance(event, dict) else None
        if target is None:
            return handler(event, context)
        found = problems(target, config.required("RESOURCE_PREFIX"))
        if found:
            raise InvalidInput(f"target {json.dumps(target, default=str)[:300]}: {'; '.join(found)}")
        with config.overlaid(overlay(target)):
            return handler(event, context)

    return wrapped


def plan(declared: list[dict[str, Any]], from_file: list[Any] | None, only: list[str] | None, prefix: str
         ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Today's targets: the config's and the targets file's, with the file's overrides over the config's, less the
    disabled ones and those with a bad override (each named, with why, among the skipped).
    ``only`` (an execution's TARGETS) narrows them to those names."""
    runnable, skipped = [], []
    entries = {t["name"]: {"name": t["name"], "overrides": dict(t.get("overrides", {}))} for t in declared}
    for entry in from_file or []:
        found = problems(entry, prefix)
        name = entry.get("name") if isinstance(entry, dict) else None
        if found:
            skipped.append({"name": name if isinstance(name, str) else "?", "why": "targets file: " + "; ".join(found)})
            entries.pop(name, None)
        elif entry.get("enabled", True) is False:
            skipped.append({"name": name, "why": "disabled in the targets file"})
            entries.pop(name, None)
        else:
            entries.setdefault(name, {"name": name, "overrides": {}})["overrides"].update(entry.get("overrides", {}))
    if only is not None:
        unknown = sorted(set(only) - set(entries) - {s["name"] for s in skipped})
        for name in unknown:
            skipped.append({"name": name, "why": f"asked for by the execution input, but not a target (targets: {', '.join(entries)})"})
    for name, entry in entries.items():
        if only is None or name in only:
            runnable.append(entry)
    for entry in runnable[MAX_TARGETS:]:
        skipped.append({"name": entry["name"], "why": f"more than {MAX_TARGETS} targets: a fan-out runs at most {MAX_TARGETS} a day "
                                                      "(its state holds every outcome, within Step Functions' 256 KiB)"})
    return runnable[:MAX_TARGETS], skipped
