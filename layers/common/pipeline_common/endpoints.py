"""What the endpoint's state means for today's deployment, decided once for StartTraining and DeployModel."""

from typing import Any

from . import gate
from .aws import describe_or_none, retryable_errors
from .errors import ResourceConflict
from .names import TAG_MODEL_PACKAGE, TAG_TRAINING_JOB

BUSY = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"})
RECREATE = "Failed"


def _reason(endpoint: dict[str, Any]) -> str:
    reason = endpoint.get("FailureReason")
    return f" (FailureReason: {reason})" if reason else " (SageMaker gave no FailureReason)"


def operator_must_act(name: str, endpoint: dict[str, Any] | None) -> str:
    """Why no model can be deployed to the endpoint until someone acts, or "" when it can be."""
    if endpoint is None:
        return ""
    status = endpoint.get("EndpointStatus", "")
    delete = f"aws sagemaker delete-endpoint --endpoint-name {name}"
    if status == "UpdateRollbackFailed":
        return (
            f"endpoint {name} is UpdateRollbackFailed{_reason(endpoint)}: SageMaker could neither apply nor roll back its last update, "
            f"so it cannot be updated. Inspect it (aws sagemaker describe-endpoint --endpoint-name {name}), then restore its variants "
            f"with update-endpoint-weights-and-capacities or delete it ({delete}); the next run then deploys again"
        )
    if status == "OutOfService":
        return (
            f"endpoint {name} is OutOfService{_reason(endpoint)}: it serves no traffic and cannot be updated. "
            f"Delete it ({delete}); the next run creates it again"
        )
    return ""


def check_deployable(name: str, endpoint: dict[str, Any] | None) -> None:
    problem = operator_must_act(name, endpoint)
    if problem:
        raise ResourceConflict(problem)


def resource_tags(sagemaker, arn: str) -> dict[str, str]:
    with retryable_errors(f"ListTags {arn}"):
        return {t["Key"]: t["Value"] for t in sagemaker.list_tags(ResourceArn=arn).get("Tags", [])}


def serving_model(sagemaker, endpoint: dict[str, Any] | None, metric: str | None = None) -> dict[str, Any]:
    """What the endpoint serves now: model, model package, training job, and that job's objective metric.

    ``metric`` is None, and ``why`` says so, when there is no comparable serving model.
    """
    serving = nothing_serving("")
    if endpoint is None:
        return {**serving, "why": "no endpoint yet"}
    if endpoint.get("EndpointStatus") == RECREATE:
        return {**serving, "why": "the endpoint is Failed: nothing is serving"}
    endpoint_config = describe_or_none(
        sagemaker.describe_endpoint_config, "DescribeEndpointConfig", EndpointConfigName=endpoint["EndpointConfigName"]
    )
    if not endpoint_config:
        return {**serving, "why": f"endpoint config {endpoint['EndpointConfigName']} not found"}
    serving["model_name"] = model_name = endpoint_config["ProductionVariants"][0]["ModelName"]
    model = describe_or_none(sagemaker.describe_model, "DescribeModel", ModelName=model_name)
    if not model:
        return {**serving, "why": f"serving model {model_name} not found"}
    tags = resource_tags(sagemaker, model["ModelArn"])
    serving.update(model_package_arn=tags.get(TAG_MODEL_PACKAGE, ""), training_job=tags.get(TAG_TRAINING_JOB, ""),
                   artifact=model.get("PrimaryContainer", {}).get("ModelDataUrl", ""))
    if not serving["training_job"]:
        return {**serving, "why": f"serving model {model_name} was not trained by this pipeline"}
    return with_metric(sagemaker, serving, metric)


def nothing_serving(why: str) -> dict[str, Any]:
    return {"model_name": "", "model_package_arn": "", "training_job": "", "artifact": "", "metric": None, "why": why}


def with_metric(sagemaker, serving: dict[str, Any], metric: str | None) -> dict[str, Any]:
    """The serving model's record with its training job's ``metric`` (None, and ``why`` says so, when there is none)."""
    if metric is None:
        return {**serving, "why": serving["training_job"]}
    job = describe_or_none(sagemaker.describe_training_job, "DescribeTrainingJob", TrainingJobName=serving["training_job"])
    metrics = {m["MetricName"]: m["Value"] for m in (job or {}).get("FinalMetricDataList", [])}
    if metric not in metrics:
        return {**serving, "why": f"serving model's job {serving['training_job']} has no {metric}"}
    return {**serving, "metric": gate.metric_value(metrics[metric]), "why": serving["training_job"]}
