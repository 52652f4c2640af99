"""A pipeline's executions as scripts/runs and scripts/stop-run read them: from Step Functions' own history.

Each Slack message's inputs are in the history (``LambdaFunctionScheduled.input`` of the notify
function: botocore stepfunctions ``LambdaFunctionScheduledEventDetails``), so the headline shown is
the one Slack got, built by the notify function's own code.
"""

import json
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lambda_functions" / "notify_slack"))

import messages  # noqa: E402


@dataclass
class Run:
    name: str
    arn: str
    status: str
    started: datetime
    stopped: datetime | None
    data_date: str
    headline: str
    training_job: str
    state: dict[str, Any]
    target: str = ""          # with many targets: whose run it was

    def seconds(self, now: datetime) -> int:
        return int(((self.stopped or now) - self.started).total_seconds())


def final_status(sfn, arn: str, poll_seconds: float) -> str:
    """Wait for the execution to end (Step Functions has no waiter for it); its status."""
    while (status := sfn.describe_execution(executionArn=arn)["status"]) == "RUNNING":
        time.sleep(poll_seconds)
    return status


def history(sfn, arn: str) -> list[dict[str, Any]]:
    return [event for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn) for event in page["events"]]


def notifications(events: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(kind, state) of every Slack message the execution sent, in order."""
    found = []
    for event in events:
        details = event.get("lambdaFunctionScheduledEventDetails") or {}
        try:
            payload = json.loads(details.get("input") or "null")
        except ValueError:
            continue
        if isinstance(payload, dict) and payload.get("kind") in messages.KINDS and isinstance(payload.get("state"), dict):
            found.append((payload["kind"], payload["state"]))
    return found


def describe(sfn, summary: dict[str, Any], stack: str) -> Run:
    events = history(sfn, summary["executionArn"])
    sent = notifications(events)
    kind, state = sent[-1] if sent else ("", {})
    started = next((e for e in events if e["type"] == "ExecutionStarted"), {})
    run_input = json.loads((started.get("executionStartedEventDetails") or {}).get("input") or "{}")
    data = state.get("data") if isinstance(state.get("data"), dict) else {}
    training = state.get("training") if isinstance(state.get("training"), dict) else {}
    latest_training = next((s.get("training", {}).get("job_name") for _, s in reversed(sent) if isinstance(s.get("training"), dict)), "")
    return Run(
        name=summary["name"], arn=summary["executionArn"], status=summary["status"], started=summary["startDate"], stopped=summary.get("stopDate"),
        data_date=str(data.get("data_date") or run_input.get("DATE") or (run_input.get("ORIGIN") or "approval" if run_input.get("DEPLOY_PACKAGE") else "—")),
        headline=messages.facts(kind, state, stack)[0] if kind else ("(running: no message yet)" if summary["status"] == "RUNNING" else "(no Slack message)"),
        training_job=str(training.get("job_name") or latest_training or ""), state=state,
        target=str((run_input.get("target") or {}).get("name", "")) if isinstance(run_input.get("target"), dict) else "")


def recent(sfn, state_machine_arn: str, stack: str, last: int, target: str | None = None) -> list[Run]:
    """The ``last`` runs, newest first (with ``target``: that target's; a child execution's name starts with its target)."""
    summaries = []
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=state_machine_arn):
        summaries += [s for s in page["executions"] if not target or s["name"].startswith(f"{target}-")]
        if len(summaries) >= last:
            break
    summaries.sort(key=lambda s: s["startDate"], reverse=True)
    runs = [describe(sfn, summary, stack) for summary in summaries[:last]]
    return [run for run in runs if not target or run.target == target]


def billable_seconds(sagemaker, job: str) -> int | None:
    if not job:
        return None
    try:
        return sagemaker.describe_training_job(TrainingJobName=job).get("BillableTimeInSeconds")
    except sagemaker.exceptions.ClientError:
        return None


def console_link(region: str, arn: str) -> str:
    return messages.console_links(region, {}, arn)[0][1]


def now() -> datetime:
    return datetime.now(UTC)
