"""Many targets, locally: the fan-out state machine runs the day's pipeline once per target on one emulated
account, with different data per target; one timeline per target (replayed from its own execution's
history, on the shared emulated clock) and the digest."""

import json
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import runner
from .scenarios import Scenario
from .slack_receiver import text_of
from .timeline import Printer, Timeline


class _At:
    """The emulated time of the history event being replayed."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def elapsed(self) -> float:
        return self.seconds


def replay(history: list[dict[str, Any]], origin: datetime, printer: Printer, verbose: bool = False) -> None:
    """One execution's timeline from its history: states as they exited, emulated time since ``origin``."""
    at = _At()
    timeline = Timeline(at, printer, verbose, wall=False)
    timeline.start()
    for event in history:
        at.seconds = (event["timestamp"] - origin).total_seconds()
        timeline(event["type"], {key: value for key, value in event.items() if key.endswith("EventDetails")})
    timeline.stop()


def training_intervals(sagemaker) -> list[tuple[datetime, datetime]]:
    """Every training job's [creation, end] on the emulated clock (end: when the run saw it end)."""
    intervals = []
    for summary in sagemaker.list_training_jobs(MaxResults=100)["TrainingJobSummaries"]:
        job = sagemaker.describe_training_job(TrainingJobName=summary["TrainingJobName"])
        intervals.append((job["CreationTime"], job.get("TrainingEndTime") or job["LastModifiedTime"]))
    return intervals


def most_at_once(intervals: list[tuple[datetime, datetime]]) -> int:
    """The most intervals that overlap at any instant (one ending as another starts does not overlap)."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals], key=lambda edge: (edge[0], edge[1]))
    most = current = 0
    for _, step in edges:
        current += step
        most = max(most, current)
    return most


def _dispatch(trainers: dict[str, Callable], prefix: str) -> Callable:
    """The training outcome of a job by the target its name carries (<prefix>-<target>-YYYYMMDD...)."""
    by_length = sorted(trainers, key=len, reverse=True)

    def train(name: str, request: dict[str, Any]):
        target = next((t for t in by_length if name.startswith(f"{prefix}-{t}-")), None)
        if target is None:
            raise KeyError(f"training job {name} belongs to no target of {sorted(trainers)}")
        return trainers[target](name, request)

    return train


def build(scenario: Scenario) -> dict[str, Any]:
    """The scenario's fan_out settings (pipeline-config.yaml's, for this build)."""
    fan_out: dict[str, Any] = {"targets": [{"name": t.name, "overrides": dict(t.overrides)} for t in scenario.targets]}
    if scenario.max_concurrency:
        fan_out["max_concurrency"] = scenario.max_concurrency
    return fan_out


def prepare(pipeline: runner.LocalPipeline, scenario: Scenario, day: date) -> None:
    """Each target's data for ``day``, and each target's training outcome."""
    for target in scenario.targets:
        pipeline.seed(target.run, day, target.name)
    pipeline.emulator.training = _dispatch({t.name: pipeline.training_for(t.run) for t in scenario.targets},
                                           pipeline.stack.parameters["ResourcePrefix"])


def run(scenario: Scenario, run_date: date | None = None, config: Path = runner.render.DEFAULT_CONFIG, printer: Printer = print,
        verbose: bool = False) -> runner.Summary:
    """Run ``scenario``'s targets through the fan-out on emulated AWS and return what happened."""
    started = time.monotonic()
    with runner.emulated_account(scenario, config, printer, verbose=verbose, fan_out=build(scenario)) as account:
        pipeline, receiver, clients = account.pipeline, account.receiver, account.clients
        day = run_date or pipeline.today()
        prepare(pipeline, scenario, day)
        receiver.messages.clear()
        run_input = {"DATE": run_date.isoformat()} if run_date else pipeline.scheduled_input()
        printer(f"scenario {scenario.name}: {scenario.description}")
        printer(f"starting the fan-out over {len(scenario.targets)} targets with input {json.dumps(run_input)}")
        result = pipeline.start(pipeline.stack.fan_out_arn, run_input)
        sfn = clients["stepfunctions"]
        origin = result["history"][0]["timestamp"]
        targets: dict[str, dict[str, Any]] = {}
        for listed in sfn.list_executions(stateMachineArn=pipeline.stack.state_machine_arn)["executions"]:
            described = sfn.describe_execution(executionArn=listed["executionArn"])
            history = sfn.get_execution_history(executionArn=listed["executionArn"], maxResults=1000)["events"]
            name = json.loads(described["input"])["target"]["name"]
            targets[name] = {"status": described["status"], "execution": listed["executionArn"],
                             "error": described.get("error", ""), "cause": described.get("cause", ""),
                             "states": [e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("StateEntered")],
                             "deployment": runner.task_result(history, "DeployModel", "deployment"),
                             "training": runner.task_result(history, "StartTraining", "training"), "history": history}
        for target in scenario.targets:
            found = targets.get(target.name)
            printer("")
            printer(f"target {target.name}: {found['status'] if found else 'not run'}")
            if found:
                printer("           emulated    state")
                replay(found["history"], origin, printer, verbose)
        printer("")
        printer("fan-out:")
        replay(result["history"], origin, printer, verbose)
        for message in receiver.messages:
            printer("")
            printer("slack: " + "\n       ".join(text_of(message.get("blocks", []))))
        summary = runner.Summary(
            scenario=scenario.name, status=result["status"], error=result.get("error", ""), cause=result.get("cause", ""),
            run_input=run_input, states=[e["stateEnteredEventDetails"]["name"] for e in result["history"] if e["type"].endswith("StateEntered")],
            slack=[runner.slack_entry(m) for m in receiver.messages], slack_rejected=list(receiver.rejected), resources=pipeline.resources(),
            training_events=list(pipeline.training_events), emulated_seconds=account.clock.elapsed(), history=result["history"],
            targets={name: {key: value for key, value in found.items() if key != "history"} for name, found in targets.items()},
        )
        summary.resources["most_training_jobs_at_once"] = most_at_once(training_intervals(clients["sagemaker"]))
    summary.wall_seconds = round(time.monotonic() - started, 2)
    return summary


def report(summary: runner.Summary, printer: Printer = print, verbose: bool = False) -> None:
    printer("")
    printer(f"result: {summary.status}" + (f" ({summary.error})" if summary.error else ""))
    for name, target in sorted(summary.targets.items()):
        deployment = target["deployment"]
        what = deployment.get("action", "") + (f" {deployment.get('endpoint_name')}" if deployment.get("endpoint_name") else "")
        printer(f"target {name}: {target['status']}" + (f" ({target['error']})" if target["error"] else f" ({what.strip() or target['states'][-1]})"))
    resources = summary.resources
    printer(f"slack messages: {len(summary.slack)} delivered ({', '.join(summary.headlines)})")
    for endpoint in resources.get("endpoints", []):
        printer(f"endpoint {endpoint['name']}: {endpoint['status']} on {endpoint['config']}")
    printer(f"training jobs: {len(resources.get('training_jobs', []))}, at most {resources['most_training_jobs_at_once']} at once")
    printer(f"wall time {summary.wall_seconds:.1f} s, emulated time {runner.timedelta(seconds=int(summary.emulated_seconds))}")
