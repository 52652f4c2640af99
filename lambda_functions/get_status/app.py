"""GetStatus: one poll of a training job, endpoint, or a stage's Processing or Transform job, classified by the status table.

Every result carries ``status``, ``phase``, ``failure_reason`` (a full sentence whenever the
phase is failed, even when SageMaker gives no FailureReason) and ``poll``: the ASL reads them.
"""

import json
import math
from typing import Any

from pipeline_common import config, endpoints, events, gate, polling, rollout, stages, statuses, targets
from pipeline_common.aws import client, describe_or_none, retryable_errors
from pipeline_common.errors import InvalidInput, ResourceVanished
from pipeline_common.log import logger

log = logger("get_status")

STEP = "GetStatus"


def _cause(resource: str, status: str, secondary: str, reason: str) -> str:
    secondary_text = f" (secondary status {secondary})" if secondary and secondary != status else ""
    return f"{resource} is {status}{secondary_text}: " + (reason or "SageMaker gave no FailureReason")


def training_job_status(sagemaker, name: str) -> dict[str, Any]:
    job = describe_or_none(sagemaker.describe_training_job, f"DescribeTrainingJob {name}", TrainingJobName=name)
    if job is None:
        raise ResourceVanished(f"training job {name} no longer exists (DescribeTrainingJob: not found); it was started by this run and is gone")
    status, secondary = job["TrainingJobStatus"], job.get("SecondaryStatus", "")
    phase = statuses.classify("training_job", status)
    reason = job.get("FailureReason", "")
    if phase == statuses.FAILED:
        max_runtime = job.get("StoppingCondition", {}).get("MaxRuntimeInSeconds")
        if secondary == "MaxWaitTimeExceeded" and not reason:
            reason = (f"the spot job did not finish within MaxWaitTimeInSeconds={job.get('StoppingCondition', {}).get('MaxWaitTimeInSeconds')} "
                      "(waiting for spot capacity included); raise SpotMaxWaitSeconds or train on demand")
        elif secondary == "MaxRuntimeExceeded" and not reason:
            reason = f"SageMaker stopped the job at MaxRuntimeInSeconds={max_runtime}; raise the MaxRuntimeSeconds parameter or train on less"
        elif status == "Stopped" and not reason:
            reason = "the job was stopped (StopTrainingJob, by a person or another system) before it produced a model"
        reason = _cause(f"training job {name}", status, secondary, reason)
    result = {
        "status": status,
        "secondary_status": secondary,
        "phase": phase,
        "failure_reason": reason,
        "model_artifacts": job.get("ModelArtifacts", {}).get("S3ModelArtifacts", ""),
        "metrics": {m["MetricName"]: gate.json_safe(m["Value"]) for m in job.get("FinalMetricDataList", [])},
    }
    if "TrainingTimeInSeconds" in job:
        result["training_seconds"] = job["TrainingTimeInSeconds"]
    if "BillableTimeInSeconds" in job:
        result["billable_seconds"] = job["BillableTimeInSeconds"]
    return result


def rollout_stage(endpoint: dict[str, Any]) -> dict[str, Any] | None:
    """Where a blue/green update is (PendingDeploymentSummary): the new fleet's stage and traffic weight."""
    for variant in (endpoint.get("PendingDeploymentSummary") or {}).get("ProductionVariants", []):
        latest = (variant.get("VariantStatus") or [{}])[-1]
        return {"stage": latest.get("Status", ""), "message": latest.get("StatusMessage", ""), "weight": variant.get("CurrentWeight")}
    return None


def stage_text(stage: dict[str, Any] | None) -> str:
    if not stage:
        return ""
    weight = f", weight {stage['weight']:g}" if isinstance(stage.get("weight"), int | float) else ""
    return f" while the new fleet was {stage['stage']}{weight}" + (f" ({stage['message']})" if stage.get("message") else "")


def endpoint_status(sagemaker, name: str, expected_config: str, last_stage: dict[str, Any] | None = None) -> dict[str, Any]:
    """The endpoint's phase; InService on any config but the new one is a failure.

    A failed update rolls back to the previous config and ends InService: that is the old
    model still serving, not a deployment.
    """
    endpoint = describe_or_none(sagemaker.describe_endpoint, f"DescribeEndpoint {name}", EndpointName=name)
    if endpoint is None:
        return {"status": "Missing", "phase": statuses.FAILED, "endpoint_config_name": "",
                "failure_reason": f"endpoint {name} no longer exists (DescribeEndpoint: not found): it was deleted while being deployed"}
    status = endpoint["EndpointStatus"]
    current_config = endpoint.get("EndpointConfigName", "")
    phase = statuses.classify("endpoint", status)
    reason = endpoint.get("FailureReason", "")
    if phase == statuses.SUCCEEDED and current_config != expected_config:
        phase = statuses.FAILED
        fired = alarms_in_alarm(client("cloudwatch"))
        cause = (f"rolled back by alarm {', '.join(fired)}{stage_text(last_stage)} during {rollout.Rollout.from_environment().describe()}" if fired
                 else f"the update rolled back{' (' + reason + ')' if reason else ''}")
        reason = (
            f"endpoint {name} is InService with config {current_config}, not the new {expected_config}: "
            f"{cause}; the previous model is still serving"
        )
        return {"status": status, "phase": phase, "failure_reason": reason, "endpoint_config_name": current_config, "rolled_back_by": fired}
    elif phase == statuses.FAILED:
        advice = endpoints.operator_must_act(name, endpoint)
        if status == endpoints.RECREATE:
            advice = f"the next run deletes endpoint {name} and creates it again"
        reason = _cause(f"endpoint {name}", status, "", reason) + (f". {advice}" if advice and advice not in reason else "")
    return {"status": status, "phase": phase, "failure_reason": reason, "endpoint_config_name": current_config,
            "rollout_stage": rollout_stage(endpoint)}


def alarms_in_alarm(cloudwatch) -> list[str]:
    """The stack's rollback alarms (and the user's) that are firing: what rolled the update back."""
    names = list(rollout.Rollout.from_environment().alarms)
    if not names:
        return []
    with retryable_errors("DescribeAlarms"):
        alarms = cloudwatch.describe_alarms(AlarmNames=names[:100], StateValue="ALARM").get("MetricAlarms", [])
    return sorted(alarm["AlarmName"] for alarm in alarms if alarm.get("StateValue") == "ALARM")


def stage_job_status(sagemaker, s3, kind: str, name: str, summary: str) -> dict[str, Any]:
    """A Processing or Transform job's phase; once it completed, what ``summary`` asks of its output."""
    noun = stages.noun(kind)
    job = stages.describe(sagemaker, kind, name)
    if job is None:
        raise ResourceVanished(f"{noun} job {name} no longer exists (Describe{noun.title()}Job: not found); it was started by this run and is gone")
    status = job[stages.STATUS_KEYS[kind]]
    phase = statuses.classify(kind, status)
    reason = job.get("FailureReason", "")
    if phase == statuses.FAILED:
        if status == "Stopped" and not reason:
            reason = f"the job was stopped (Stop{noun.title()}Job, by a person or another system) before it finished"
        exit_message = job.get("ExitMessage", "")
        reason = _cause(f"{noun} job {name}", status, "", reason) + (f"; the script's exit message: {exit_message}" if exit_message else "")
    result: dict[str, Any] = {"status": status, "phase": phase, "failure_reason": reason}
    if phase == statuses.SUCCEEDED and summary == stages.ROWS:
        output = job["TransformOutput"]["S3OutputPath"]
        result.update(output_uri=output, rows=count_rows(s3, output))
    elif phase == statuses.SUCCEEDED and summary == stages.EVALUATION:
        output = {o["OutputName"]: o["S3Output"]["S3Uri"] for o in job["ProcessingOutputConfig"]["Outputs"]}["evaluation"]
        result["evaluation"] = evaluation(s3, output.rstrip("/") + "/" + stages.EVALUATION_FILE)
    return result


def _objects(s3, uri: str) -> list[tuple[str, str]]:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    with retryable_errors(f"ListObjectsV2 {uri}"):
        return [(bucket, item["Key"]) for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
                for item in page.get("Contents", [])]


def count_rows(s3, uri: str) -> int:
    """Records written under the Transform job's output path (one line each: AssembleWith Line)."""
    rows = 0
    for bucket, key in _objects(s3, uri):
        with retryable_errors(f"GetObject s3://{bucket}/{key}"):
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        rows += sum(1 for line in body.splitlines() if line.strip())
    return rows


def evaluation(s3, uri: str) -> dict[str, Any]:
    """The serving model's objective metric on the day's data, and whether it still meets RetrainBelow."""
    metric, direction = config.required("OBJECTIVE_METRIC_NAME"), config.required("OBJECTIVE_DIRECTION")
    threshold = config.required_float("RETRAIN_BELOW")
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    with retryable_errors(f"GetObject {uri}"):
        document = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    metrics = document.get("metrics") if isinstance(document, dict) else None
    value = gate.metric_value((metrics or {}).get(metric))
    if value is None:
        raise InvalidInput(f"{uri} has no number for {metric} (metrics: {sorted(metrics or {}) or 'none'}): "
                           "the evaluation script must write {\"metrics\": {\"" + metric + "\": value}, \"rows\": n}")
    still_good = math.isfinite(value) and (value >= threshold if direction == gate.MAXIMIZE else value <= threshold)
    return {"metric": metric, "value": gate.json_safe(value), "threshold": threshold, "direction": direction,
            "rows": document.get("rows"), "still_good": still_good, "uri": uri}


@targets.for_target
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    kind = events.read(event, "kind", str, STEP)
    name = events.read(event, "name", str, STEP)
    policy = polling.Policy.from_payload(events.read(event, "policy", dict, STEP))
    budget = events.read(event, "budget_seconds", int, STEP)
    poll = events.read(event, "poll", dict, STEP)
    now = events.read(event, "now", str, STEP, default="")
    started_at = events.read(event, "poll.started_at", str, STEP, default="")
    elapsed = polling.seconds_between(started_at, now) if started_at and now else None
    sagemaker = client("sagemaker")
    if kind == "training_job":
        result = training_job_status(sagemaker, name)
    elif kind == "endpoint":
        last_stage = events.read(event, "poll.last_stage", (dict, type(None)), STEP, default=None)
        result = endpoint_status(sagemaker, name, events.read(event, "expected_config", str, STEP), last_stage)
    elif kind in (stages.PROCESSING_JOB, stages.TRANSFORM_JOB):
        result = stage_job_status(sagemaker, client("s3"), kind, name, events.read(event, "summary", str, STEP, default=""))
    else:
        raise InvalidInput(f"{STEP}: kind {kind!r} is not one of {sorted(statuses.TABLES)}")
    result["poll"] = polling.advance(poll, policy, budget, elapsed)
    if kind == "endpoint":
        # The stage the rollout was last seen in: after a rollback the endpoint no longer says.
        result["poll"]["last_stage"] = result.get("rollout_stage") or poll.get("last_stage")
    log.info("status polled", extra={"kind": kind, "resource": name, **result})
    return result
