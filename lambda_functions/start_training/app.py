"""StartTraining: start (or adopt) the day's SageMaker training job."""

from datetime import date
from typing import Any

import pooled
import stage_jobs
from botocore.exceptions import ClientError

from pipeline_common import config, endpoints, events, history, in_use, jobs, names, quotas, targets
from pipeline_common.aws import client, describe_or_none, error_code, retryable_errors
from pipeline_common.errors import ConfigError, InvalidInput, ResourceConflict
from pipeline_common.log import logger

log = logger("start_training")

STEP = "StartTraining"


def describe_job(sagemaker, name: str) -> dict[str, Any] | None:
    return describe_or_none(sagemaker.describe_training_job, f"DescribeTrainingJob {name}", TrainingJobName=name)


CHAMPION_CHANNEL = "champion"
CHECKPOINT_LOCAL_PATH = "/opt/ml/checkpoints"


def job_request(name: str, settings: dict[str, Any], data: dict[str, Any], tags: list[dict[str, str]], champion_artifact: str = "",
                pools: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The CreateTrainingJob request; with ``champion_artifact`` (the serving model's model.tar.gz) a
    `champion` channel lets the container score the serving model on the same validation rows, and on
    each pool's rows (``pools``: channel -> its manifest)."""
    def channel(channel_name: str, uri: str | None = None, content_type: str = "text/csv", data_type: str = "S3Prefix") -> dict[str, Any]:
        return {
            "ChannelName": channel_name,
            "ContentType": content_type,
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": data_type,
                    "S3Uri": uri or data["uris"][channel_name],
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
        "InputDataConfig": [channel("train"), channel("validation")]
        + ([channel(CHAMPION_CHANNEL, champion_artifact, "application/x-gzip")] if champion_artifact else [])
        + ([channel(window, pool["uri"], data_type=pooled.MANIFEST) for window, pool in (pools or {}).items()] if champion_artifact else []),
        "OutputDataConfig": {"S3OutputPath": settings["output_path"]},
        "ResourceConfig": {
            "InstanceType": settings["instance_type"],
            "InstanceCount": settings["instance_count"],
            "VolumeSizeInGB": settings["volume_size_gb"],
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": settings["max_runtime_seconds"]},
        "Tags": tags,
    } | (spot_settings(name, settings) if settings["spot_max_wait_seconds"] else {})


def spot_settings(name: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Managed spot training: a wait limit, and checkpoints in S3 the container resumes from after an interruption."""
    return {
        "EnableManagedSpotTraining": True,
        "StoppingCondition": {"MaxRuntimeInSeconds": settings["max_runtime_seconds"], "MaxWaitTimeInSeconds": settings["spot_max_wait_seconds"]},
        "CheckpointConfig": {"S3Uri": f"{settings['checkpoint_path']}/{name}", "LocalPath": CHECKPOINT_LOCAL_PATH},
    }


def start_or_adopt(sagemaker, prefix: str, target: str, data_day: date, build_request) -> tuple[str, bool]:
    """Name of the job that trains on this date's data, and whether it already existed."""
    name, existing = jobs.current_attempt(lambda job: describe_job(sagemaker, job),
                                          lambda attempt: names.training_job_name(prefix, target, data_day, attempt),
                                          "training_job", "TrainingJobStatus", "training job")
    if existing is not None:
        return name, True
    try:
        with retryable_errors(f"CreateTrainingJob {name}"):
            sagemaker.create_training_job(**build_request(name))
    except ClientError as error:
        if error_code(error) in ("ResourceInUse", "ResourceInUseException"):
            return name, True
        raise
    return name, False


def check_endpoint_first(sagemaker, endpoint_name: str) -> dict[str, Any] | None:
    """Training is wasted when its model could not be deployed: fail before it starts. Returns the endpoint."""
    endpoint = describe_or_none(sagemaker.describe_endpoint, f"DescribeEndpoint {endpoint_name}", EndpointName=endpoint_name)
    problem = endpoints.operator_must_act(endpoint_name, endpoint)
    if problem:
        raise ResourceConflict(f"{problem}. No training job was started")
    return endpoint


def champion_of(serving: dict[str, Any]) -> dict[str, str]:
    """The model in use, when this pipeline trained it and its artifact is known: the job scores it too."""
    if not (serving["training_job"] and serving["artifact"]):
        return {"model_name": serving["model_name"], "model_package_arn": "", "training_job": "", "artifact": "", "why_none": serving["why"]}
    return {**{key: serving[key] for key in ("model_name", "model_package_arn", "training_job", "artifact")}, "why_none": ""}


def with_artifact_present(s3, champion: dict[str, str]) -> dict[str, str]:
    """The champion, without its channel when its artifact is gone: CreateTrainingJob refuses a channel whose S3
    prefix holds no object ("No S3 objects found under S3 URL", docs/aws-behaviours.md empty-input-prefix), which
    would fail every day. Without the channel the gate takes ChampionFallback, and says why."""
    if not champion["artifact"]:
        return champion
    try:
        present = stage_jobs.has_objects(s3, champion["artifact"])
    except ClientError as error:
        log.warning("the serving model's artifact could not be checked; given to the job as is", extra={"error": error_code(error)})
        return champion
    if present:
        return champion
    return {**champion, "artifact": "", "why_none": f"the serving model's artifact {champion['artifact']} is gone (no object under it)"}


def scored_champion(job: dict[str, Any]) -> str:
    """The champion artifact an existing job was given (a rerun may find another model serving now)."""
    for channel in job.get("InputDataConfig", []):
        if channel.get("ChannelName") == CHAMPION_CHANNEL:
            return channel["DataSource"]["S3DataSource"]["S3Uri"]
    return ""


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
        "checkpoint_path": f"s3://{config.required('BUCKET')}/{output_prefix}/checkpoints/{data_day.isoformat()}/{target}",
        "spot_max_wait_seconds": spot_max_wait(config.required_int("MAX_RUNTIME_SECONDS", minimum=1)),
    }


def spot_max_wait(max_runtime: int) -> int:
    """0 without spot; otherwise the wait limit, which SageMaker requires to be at least MaxRuntimeInSeconds."""
    if config.one_of("MANAGED_SPOT_TRAINING", ("Enabled", "Disabled")) == "Disabled":
        return 0
    wait = config.required_int("SPOT_MAX_WAIT_SECONDS", minimum=1)
    if wait < max_runtime:
        raise ConfigError(f"SpotMaxWaitSeconds={wait} is below MaxRuntimeSeconds={max_runtime}: SageMaker requires the wait limit to be at least the runtime limit")
    return wait


@targets.for_target
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if isinstance(event, dict) and "stage" in event:
        result = stage_jobs.prepare(event, client("sagemaker"), client("s3"))
        log.info("stage job prepared", extra={key: result[key] for key in ("job_name", "adopt", "skip", "why")})
        return result
    data = events.read(event, "data", dict, STEP)
    raw_date = events.read(event, "data.data_date", str, STEP)
    for channel in ("train", "validation"):
        events.read(event, f"data.uris.{channel}", str, STEP)
    try:
        data_day = date.fromisoformat(raw_date)
    except ValueError:
        raise InvalidInput(f"{STEP}: 'data.data_date' is {raw_date!r}, expected YYYY-MM-DD") from None
    execution = events.read(event, "execution", str, STEP, default="")
    settings = settings_from_environment(data_day)
    tags = names.tags(settings["stack"], data_day.isoformat(), execution)
    sagemaker = client("sagemaker")
    spot = bool(settings["spot_max_wait_seconds"])
    if in_use.deploy_target() == in_use.BATCH:
        quota_warnings = quotas.check_room(client("service-quotas"), sagemaker, (settings["instance_type"], settings["instance_count"]), None,
                                           updating=False, log=log, spot=spot)
        serving = in_use.in_history(sagemaker, client("s3"), history.location())
    else:
        endpoint = check_endpoint_first(sagemaker, config.required("ENDPOINT_NAME"))
        serverless = config.required("HOSTING_MODE") == "Serverless"
        quota_warnings = quotas.check_room(
            client("service-quotas"), sagemaker, (settings["instance_type"], settings["instance_count"]),
            None if serverless else (config.required("HOSTING_INSTANCE_TYPE"), config.required_int("HOSTING_INSTANCE_COUNT", minimum=1)),
            updating=endpoint is not None, log=log, spot=spot)
        serving = endpoints.serving_model(sagemaker, endpoint)
    champion = with_artifact_present(client("s3"), champion_of(serving))
    pools: dict[str, dict[str, Any]] = {}

    def build_request(job: str) -> dict[str, Any]:
        pools.update(pooled.write_manifests(client("s3"), data_day, settings["output_path"]) if champion.get("artifact") else {})
        return job_request(job, settings, data, tags, champion.get("artifact", ""), pools)

    name, adopted = start_or_adopt(sagemaker, settings["prefix"], settings["target"], data_day, build_request)
    if adopted:
        existing = describe_job(sagemaker, name) or {}
        champion["artifact"] = scored_champion(existing)
        pools = pooled.of_job(client("s3"), existing)
    log.info("training job adopted" if adopted else "training job started", extra={"job": name})
    return {
        "job_name": name,
        "adopted": adopted,
        "output_path": settings["output_path"],
        "instance_type": settings["instance_type"],
        # The longest the job can take: the polling budget's base (with spot, waiting for capacity counts).
        "max_runtime_seconds": settings["spot_max_wait_seconds"] or settings["max_runtime_seconds"],
        "spot": spot,
        "quota_warnings": quota_warnings,
        "hyperparameters": {key: str(value) for key, value in settings["hyperparameters"].items()},
        "champion": champion,
        "pooled_days": {window: pool["days"] for window, pool in pools.items()},
    }
