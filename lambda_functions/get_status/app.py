"""GetStatus: one poll of a training job or endpoint, classified by the status table."""

from typing import Any

from botocore.exceptions import ClientError

from pipeline_common import polling, statuses
from pipeline_common.aws import client, error_code, throttling_is_retryable
from pipeline_common.errors import InvalidInput
from pipeline_common.log import logger

log = logger("get_status")


def training_job_status(sagemaker, name: str) -> dict[str, Any]:
    with throttling_is_retryable(f"DescribeTrainingJob {name}"):
        job = sagemaker.describe_training_job(TrainingJobName=name)
    status = job["TrainingJobStatus"]
    result = {
        "status": status,
        "secondary_status": job.get("SecondaryStatus", ""),
        "phase": statuses.classify("training_job", status),
        "failure_reason": job.get("FailureReason", ""),
        "model_artifacts": job.get("ModelArtifacts", {}).get("S3ModelArtifacts", ""),
        "metrics": {m["MetricName"]: m["Value"] for m in job.get("FinalMetricDataList", [])},
    }
    if "TrainingTimeInSeconds" in job:
        result["training_seconds"] = job["TrainingTimeInSeconds"]
    return result


def endpoint_status(sagemaker, name: str, expected_config: str) -> dict[str, Any]:
    """The endpoint's phase; InService on any config but the new one is a failure.

    A failed update rolls back to the previous config and ends InService: that is the old
    model still serving, not a deployment.
    """
    try:
        with throttling_is_retryable(f"DescribeEndpoint {name}"):
            endpoint = sagemaker.describe_endpoint(EndpointName=name)
    except ClientError as error:
        if error_code(error) == "ValidationException":
            return {"status": "Missing", "phase": statuses.FAILED, "failure_reason": f"endpoint {name} does not exist: {error}", "endpoint_config_name": ""}
        raise
    status = endpoint["EndpointStatus"]
    current_config = endpoint.get("EndpointConfigName", "")
    phase = statuses.classify("endpoint", status)
    reason = endpoint.get("FailureReason", "")
    if phase == statuses.SUCCEEDED and current_config != expected_config:
        phase = statuses.FAILED
        reason = (
            f"endpoint {name} is InService with config {current_config}, not the new {expected_config}: "
            f"the update rolled back{' (' + reason + ')' if reason else ''}; the previous model is still serving"
        )
    return {"status": status, "phase": phase, "failure_reason": reason, "endpoint_config_name": current_config}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        kind, name = event["kind"], event["name"]
        policy = polling.Policy.from_payload(event["policy"])
        budget = int(event["budget_seconds"])
        poll = event["poll"]
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(f"GetStatus payload {event!r} is missing or has a bad {error}: expected kind, name, policy, budget_seconds and poll") from None
    sagemaker = client("sagemaker")
    if kind == "training_job":
        result = training_job_status(sagemaker, name)
    elif kind == "endpoint":
        result = endpoint_status(sagemaker, name, event.get("expected_config", ""))
    else:
        raise InvalidInput(f"GetStatus kind {kind!r} is not one of {sorted(statuses.TABLES)}")
    result["poll"] = polling.advance(poll, policy, budget)
    log.info("status polled", extra={"kind": kind, "resource": name, **result})
    return result
