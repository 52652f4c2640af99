"""DeployModel: gate the new model, register it, and create or update the endpoint."""

from typing import Any

from botocore.exceptions import ClientError

from pipeline_common import config, gate, names
from pipeline_common.aws import client, error_code, throttling_is_retryable
from pipeline_common.errors import ConfigError, InvalidInput, PipelineError, ResourceConflict
from pipeline_common.log import logger

log = logger("deploy_model")

TAG_TRAINING_JOB = "retrain-pipeline:training-job"
TAG_MODEL_PACKAGE = "retrain-pipeline:model-package"
BUSY_STATUSES = {"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"}


class MetricMissing(PipelineError):
    """The training job reported no value for the objective metric."""


def _is_not_found(error: ClientError) -> bool:
    message = str(error).lower()
    return error_code(error) == "ValidationException" and ("could not find" in message or "does not exist" in message)


def describe_or_none(call, action: str, **kwargs) -> dict[str, Any] | None:
    try:
        with throttling_is_retryable(action):
            return call(**kwargs)
    except ClientError as error:
        if _is_not_found(error):
            return None
        raise


def serving_metric(sagemaker, endpoint: dict[str, Any] | None, metric: str) -> tuple[float | None, str]:
    """The objective metric of the model the endpoint serves now, and where it came from."""
    if endpoint is None:
        return None, "no endpoint yet"
    endpoint_config = describe_or_none(
        sagemaker.describe_endpoint_config, "DescribeEndpointConfig", EndpointConfigName=endpoint["EndpointConfigName"]
    )
    if not endpoint_config:
        return None, f"endpoint config {endpoint['EndpointConfigName']} not found"
    model_name = endpoint_config["ProductionVariants"][0]["ModelName"]
    model = describe_or_none(sagemaker.describe_model, "DescribeModel", ModelName=model_name)
    if not model:
        return None, f"serving model {model_name} not found"
    with throttling_is_retryable("ListTags"):
        tags = {t["Key"]: t["Value"] for t in sagemaker.list_tags(ResourceArn=model["ModelArn"]).get("Tags", [])}
    job_name = tags.get(TAG_TRAINING_JOB)
    if not job_name:
        return None, f"serving model {model_name} was not trained by this pipeline"
    job = describe_or_none(sagemaker.describe_training_job, "DescribeTrainingJob", TrainingJobName=job_name)
    metrics = {m["MetricName"]: m["Value"] for m in (job or {}).get("FinalMetricDataList", [])}
    if metric not in metrics:
        return None, f"serving model's job {job_name} has no {metric}"
    return float(metrics[metric]), job_name


def register_model_package(sagemaker, group: str, job_name: str, model_data: str, image: str, decision: gate.Decision, data_date: str, tags) -> str:
    """Record the trained model in the registry, Approved or Rejected by the gate.

    Idempotent: a retried call finds the package it registered for the same job.
    """
    if not describe_or_none(sagemaker.describe_model_package_group, "DescribeModelPackageGroup", ModelPackageGroupName=group):
        with throttling_is_retryable("CreateModelPackageGroup"):
            sagemaker.create_model_package_group(
                ModelPackageGroupName=group, ModelPackageGroupDescription="Models trained by sagemaker-retrain-pipeline", Tags=tags[:1]
            )
    with throttling_is_retryable("ListModelPackages"):
        recent = sagemaker.list_model_packages(
            ModelPackageGroupName=group, SortBy="CreationTime", SortOrder="Descending", MaxResults=10
        )["ModelPackageSummaryList"]
    for summary in recent:
        package = sagemaker.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
        if package.get("CustomerMetadataProperties", {}).get("training_job") == job_name:
            return summary["ModelPackageArn"]
    metadata = {
        "training_job": job_name,
        "data_date": data_date,
        "metric_name": decision.metric,
        "metric_value": f"{decision.candidate:g}",
        "gate_reason": decision.reason[:256],
    }
    if decision.current is not None:
        metadata["serving_metric_value"] = f"{decision.current:g}"
    with throttling_is_retryable("CreateModelPackage"):
        return sagemaker.create_model_package(
            ModelPackageGroupName=group,
            ModelPackageDescription=f"{job_name} trained on data of {data_date}",
            InferenceSpecification={
                "Containers": [{"Image": image, "ModelDataUrl": model_data}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            ModelApprovalStatus="Approved" if decision.approved else "Rejected",
            CustomerMetadataProperties=metadata,
        )["ModelPackageArn"]


def create_unless_exists(describe, create, action: str, **identity) -> None:
    """Create a resource named after the job, or keep the one a retried invocation already made."""
    if describe_or_none(describe, f"Describe{action}", **identity):
        return
    with throttling_is_retryable(f"Create{action}"):
        create(**identity)


def ensure_model(sagemaker, name: str, image: str, model_data: str, role_arn: str, tags) -> None:
    create_unless_exists(
        sagemaker.describe_model,
        lambda **identity: sagemaker.create_model(
            **identity, PrimaryContainer={"Image": image, "ModelDataUrl": model_data}, ExecutionRoleArn=role_arn, Tags=tags
        ),
        "Model",
        ModelName=name,
    )


def ensure_endpoint_config(sagemaker, name: str, model_name: str, instance_type: str, instance_count: int, tags) -> None:
    variant = {
        "VariantName": "AllTraffic",
        "ModelName": model_name,
        "InstanceType": instance_type,
        "InitialInstanceCount": instance_count,
        "InitialVariantWeight": 1.0,
    }
    create_unless_exists(
        sagemaker.describe_endpoint_config,
        lambda **identity: sagemaker.create_endpoint_config(**identity, ProductionVariants=[variant], Tags=tags),
        "EndpointConfig",
        EndpointConfigName=name,
    )


def roll_out(sagemaker, endpoint_name: str, endpoint: dict[str, Any] | None, config_name: str, tags) -> str:
    """Create the endpoint the first time, update it after; 'unchanged' when a retry finds it done."""
    if endpoint is None:
        with throttling_is_retryable("CreateEndpoint"):
            sagemaker.create_endpoint(EndpointName=endpoint_name, EndpointConfigName=config_name, Tags=tags)
        return "created"
    if endpoint["EndpointConfigName"] == config_name:
        return "unchanged"
    if endpoint["EndpointStatus"] in BUSY_STATUSES:
        raise ResourceConflict(
            f"endpoint {endpoint_name} is {endpoint['EndpointStatus']} (config {endpoint['EndpointConfigName']}): "
            "it cannot be updated until that finishes"
        )
    with throttling_is_retryable("UpdateEndpoint"):
        sagemaker.update_endpoint(EndpointName=endpoint_name, EndpointConfigName=config_name)
    return "updated"


def gate_settings() -> dict[str, Any]:
    def optional_float(name: str) -> float | None:
        raw = config.optional(name)
        if raw == "":
            return None
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"environment variable {name}={raw!r} is not a number (or empty for none)") from None

    enabled = config.required("QUALITY_GATE")
    if enabled not in ("Enabled", "Disabled"):
        raise ConfigError(f"environment variable QUALITY_GATE={enabled!r} must be Enabled or Disabled")
    return {
        "enabled": enabled == "Enabled",
        "metric": config.required("OBJECTIVE_METRIC"),
        "direction": config.required("OBJECTIVE_DIRECTION"),
        "floor": optional_float("METRIC_FLOOR"),
        "min_improvement": optional_float("MIN_IMPROVEMENT") or 0.0,
    }


def decide(sagemaker, settings: dict[str, Any], endpoint, metrics: dict[str, float]) -> gate.Decision:
    metric = settings["metric"]
    candidate = metrics.get(metric)
    if candidate is None:
        if settings["enabled"]:
            raise MetricMissing(
                f"the training job reported no {metric} (metrics: {sorted(metrics) or 'none'}): "
                "check MetricDefinitions and ObjectiveMetricName"
            )
        return gate.Decision(True, metric, None, None, None, "quality gate disabled")
    current, _ = serving_metric(sagemaker, endpoint, metric)
    if not settings["enabled"]:
        return gate.Decision(True, metric, candidate, current, settings["floor"], "quality gate disabled")
    return gate.evaluate(metric, settings["direction"], float(candidate), current, settings["floor"], settings["min_improvement"])


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        job_name = event["training"]["job_name"]
        model_data = event["training"]["status"]["model_artifacts"]
        metrics = event["training"]["status"].get("metrics") or {}
        data_date = event["data"]["data_date"]
    except (KeyError, TypeError):
        raise InvalidInput(f"DeployModel needs training.job_name, training.status.model_artifacts and data.data_date, got {event!r}") from None
    if not model_data:
        raise InvalidInput(f"training job {job_name} has no model artifacts to deploy")
    endpoint_name = config.required("ENDPOINT_NAME")
    image = config.required("SERVING_IMAGE")
    role_arn = config.required("SAGEMAKER_ROLE_ARN")
    group = config.required("MODEL_PACKAGE_GROUP")
    tags = names.tags(config.required("STACK_NAME"), data_date, str(event.get("execution") or ""))
    sagemaker = client("sagemaker")

    endpoint = describe_or_none(sagemaker.describe_endpoint, "DescribeEndpoint", EndpointName=endpoint_name)
    decision = decide(sagemaker, gate_settings(), endpoint, metrics)
    package_arn = register_model_package(sagemaker, group, job_name, model_data, image, decision, data_date, tags)
    result = {
        "endpoint_name": endpoint_name,
        "endpoint_config_name": job_name,
        "model_name": job_name,
        "model_package_arn": package_arn,
        "previous_config": endpoint["EndpointConfigName"] if endpoint else "",
        "gate": decision.as_dict(),
    }
    if not decision.approved:
        log.info("model rejected by the quality gate", extra=result)
        return {**result, "action": "rejected"}

    resource_tags = tags + [{"Key": TAG_TRAINING_JOB, "Value": job_name}, {"Key": TAG_MODEL_PACKAGE, "Value": package_arn}]
    ensure_model(sagemaker, job_name, image, model_data, role_arn, resource_tags)
    ensure_endpoint_config(
        sagemaker, job_name, job_name, config.required("HOSTING_INSTANCE_TYPE"),
        config.required_int("HOSTING_INSTANCE_COUNT", minimum=1), resource_tags,
    )
    action = roll_out(sagemaker, endpoint_name, endpoint, job_name, tags)
    log.info("deployment started", extra={**result, "action": action})
    return {**result, "action": action}
