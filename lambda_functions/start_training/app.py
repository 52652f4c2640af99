"""StartTraining: start (or adopt) the day's SageMaker training job."""

from datetime import date
from typing import Any

from botocore.exceptions import ClientError

from pipeline_common import config, names, statuses
from pipeline_common.aws import client, error_code, throttling_is_retryable
from pipeline_common.errors import InvalidInput, ResourceConflict
from pipeline_common.log import logger

log = logger("start_training")

MAX_ATTEMPTS_PER_DATE = 20


def describe_job(sagemaker, name: str) -> dict[str, Any] | None:
    try:
        with throttling_is_retryable(f"DescribeTrainingJob {name}"):
            return sagemaker.describe_training_job(TrainingJobName=name)
    except ClientError as error:
        if error_code(error) == "ValidationException" and "not find" in str(error).lower():
            return None
        raise


def job_request(name: str, settings: dict[str, Any], data: dict[str, Any], tags: list[dict[str, str]]) -> dict[str, Any]:
    def channel(channel_name: str) -> dict[str, Any]:
        return {
            "ChannelName": channel_name,
            "ContentType": "text/csv",
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": data["uris"][channel_name],
                    "S3DataDistributionType": "FullyReplicated",
                }
            },
        }

    return {
        "TrainingJobName": name,
        "AlgorithmSpecification": {
            "TrainingImage": settings["image"],
            "TrainingInputMode": "File",
            "MetricDefinitions": settings["metric_definitions"],
        },
        "RoleArn": settings["role_arn"],
        "HyperParameters": {key: str(value) for key, value in settings["hyperparameters"].items()},
        "InputDataConfig": [channel("train"), channel("validation")],
        "OutputDataConfig": {"S3OutputPath": settings["output_path"]},
        "ResourceConfig": {
            "InstanceType": settings["instance_type"],
            "InstanceCount": settings["instance_count"],
            "VolumeSizeInGB": settings["volume_size_gb"],
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": settings["max_runtime_seconds"]},
        "Tags": tags,
    }


def start_or_adopt(sagemaker, prefix: str, target: str, data_day: date, build_request) -> tuple[str, bool]:
    """Name of the job that trains on this date's data, and whether it already existed.

    A job that is running or completed is adopted (a Lambda retry or a rerun never starts a
    second one); after a failed or stopped job, the next attempt number is used.
    """
    for attempt in range(1, MAX_ATTEMPTS_PER_DATE + 1):
        name = names.training_job_name(prefix, target, data_day, attempt)
        existing = describe_job(sagemaker, name)
        if existing is None:
            try:
                with throttling_is_retryable(f"CreateTrainingJob {name}"):
                    sagemaker.create_training_job(**build_request(name))
            except ClientError as error:
                if error_code(error) == "ResourceInUse":
                    return name, True
                raise
            return name, False
        if statuses.classify("training_job", existing["TrainingJobStatus"]) != statuses.FAILED:
            return name, True
        log.info("earlier attempt ended without a model; starting the next", extra={"job": name, "status": existing["TrainingJobStatus"]})
    raise ResourceConflict(f"{MAX_ATTEMPTS_PER_DATE} training jobs for data date {data_day} already failed; not starting another")


def settings_from_environment(data_day: date) -> dict[str, Any]:
    target = config.required("TARGET")
    output_prefix = config.required("OUTPUT_PREFIX").strip("/")
    return {
        "prefix": config.required("RESOURCE_PREFIX"),
        "target": target,
        "stack": config.required("STACK_NAME"),
        "image": config.required("TRAINING_IMAGE"),
        "role_arn": config.required("SAGEMAKER_ROLE_ARN"),
        "instance_type": config.required("TRAINING_INSTANCE_TYPE"),
        "instance_count": config.required_int("TRAINING_INSTANCE_COUNT", minimum=1),
        "volume_size_gb": config.required_int("TRAINING_VOLUME_SIZE_GB", minimum=1),
        "max_runtime_seconds": config.required_int("MAX_RUNTIME_SECONDS", minimum=1),
        "hyperparameters": config.required_json_object("HYPERPARAMETERS"),
        "metric_definitions": config.required_json_list("METRIC_DEFINITIONS"),
        "output_path": f"s3://{config.required('BUCKET')}/{output_prefix}/{data_day.isoformat()}/{target}",
    }


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    data = event.get("data") or {}
    try:
        data_day = date.fromisoformat(data["data_date"])
        data["uris"]["train"], data["uris"]["validation"]
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(f"StartTraining needs the CheckData result with data_date and uris, got {data!r}") from None
    execution = str(event.get("execution") or "")
    settings = settings_from_environment(data_day)
    tags = names.tags(settings["stack"], data_day.isoformat(), execution)
    sagemaker = client("sagemaker")
    name, adopted = start_or_adopt(
        sagemaker, settings["prefix"], settings["target"], data_day, lambda job: job_request(job, settings, data, tags)
    )
    log.info("training job adopted" if adopted else "training job started", extra={"job": name})
    return {
        "job_name": name,
        "adopted": adopted,
        "output_path": settings["output_path"],
        "instance_type": settings["instance_type"],
        "max_runtime_seconds": settings["max_runtime_seconds"],
    }
