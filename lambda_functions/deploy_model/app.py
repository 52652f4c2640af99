"""DeployModel: gate the new model, register it, and create or update the endpoint (or, with
deploy_target batch, create its model and mark it as the version in use for batch predictions).

The endpoint is looked at before anything is created: an endpoint that already serves this
model ends the step at once; one the operator must repair fails it naming what to do; one left
Failed by an earlier creation is deleted and created again; a busy one is waited for (the state
machine retries EndpointNotReady). Whatever this step created is removed when the rollout
itself is refused.
"""

import math
from dataclasses import replace
from datetime import date
from typing import Any

import alarms
from botocore.exceptions import ClientError

from pipeline_common import config, endpoints, events, gate, history, in_use, names, registry, rollout, targets
from pipeline_common.aws import client, describe_or_none, error_code, error_message, retryable_errors
from pipeline_common.errors import ConfigError, EndpointNotReady, InvalidInput, PipelineError, ResourceConflict
from pipeline_common.log import logger

log = logger("deploy_model")

STEP = "DeployModel"
TAG_REPLACES = "retrain-pipeline:replaces-failed-endpoint"


class MetricMissing(PipelineError):
    """The training job reported no value for the objective metric."""


class DeployRefused(PipelineError):
    """SageMaker refused to create the endpoint resources (limits, instance type, ...)."""


def register_model_package(sagemaker, group: str, job_name: str, model_data: str, image: str, decision: gate.Decision, data_date: str, tags,
                           status: str = "") -> str:
    """Record the trained model in the registry, Approved or Rejected by the gate.

    Idempotent: a retried call finds the package it registered for the same job.
    """
    if not describe_or_none(sagemaker.describe_model_package_group, "DescribeModelPackageGroup", ModelPackageGroupName=group):
        with retryable_errors("CreateModelPackageGroup"):
            sagemaker.create_model_package_group(
                ModelPackageGroupName=group, ModelPackageGroupDescription="Models trained by sagemaker-retrain-pipeline", Tags=tags[:1]
            )
    with retryable_errors("ListModelPackages"):
        recent = sagemaker.list_model_packages(
            ModelPackageGroupName=group, SortBy="CreationTime", SortOrder="Descending", MaxResults=10
        )["ModelPackageSummaryList"]
    for summary in recent:
        with retryable_errors("DescribeModelPackage"):
            package = sagemaker.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
        if package.get("CustomerMetadataProperties", {}).get("training_job") == job_name:
            return summary["ModelPackageArn"]
    metadata = {
        "training_job": job_name,
        "data_date": data_date,
        "metric_name": decision.metric,
        "metric_value": f"{decision.candidate:g}" if decision.candidate is not None else "none",
        "gate_reason": decision.reason[:256],
    }
    metadata["comparison"] = decision.comparison
    if decision.evidence:
        metadata["evidence"] = decision.evidence[:256]
    if decision.current is not None:
        metadata["champion_metric_value" if decision.comparison == gate.SAME_DATA else "serving_metric_value"] = f"{decision.current:g}"
    for key in ("rows", "diff", "lower", "upper"):
        if getattr(decision, key) is not None:
            metadata[f"same_data_{key}"] = f"{getattr(decision, key):g}"
    with retryable_errors("CreateModelPackage"):
        return sagemaker.create_model_package(
            ModelPackageGroupName=group,
            ModelPackageDescription=f"{job_name} trained on data of {data_date}",
            InferenceSpecification={
                "Containers": [{"Image": image, "ModelDataUrl": model_data}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            ModelApprovalStatus=status or (registry.APPROVED if decision.approved else registry.REJECTED),
            CustomerMetadataProperties=metadata,
        )["ModelPackageArn"]


def create_unless_exists(describe, create, action: str, **identity) -> bool:
    """Create a resource named after the job, or keep the one a retried invocation already made.
    True when this call created it."""
    if describe_or_none(describe, f"Describe{action}", **identity):
        return False
    with retryable_errors(f"Create{action}"):
        create(**identity)
    return True


def ensure_model(sagemaker, name: str, image: str, model_data: str, role_arn: str, tags) -> bool:
    return create_unless_exists(
        sagemaker.describe_model,
        lambda **identity: sagemaker.create_model(
            **identity, PrimaryContainer={"Image": image, "ModelDataUrl": model_data}, ExecutionRoleArn=role_arn, Tags=tags
        ),
        "Model",
        ModelName=name,
    )


def hosting_variant(model_name: str) -> dict[str, Any]:
    """The endpoint's one variant: instances, or Serverless Inference's memory and concurrency."""
    variant: dict[str, Any] = {"VariantName": names.VARIANT, "ModelName": model_name}
    if config.one_of("HOSTING_MODE", ("Instance", "Serverless")) == "Serverless":
        return variant | {"ServerlessConfig": {"MemorySizeInMB": config.required_int("SERVERLESS_MEMORY_MB", minimum=1024),
                                               "MaxConcurrency": config.required_int("SERVERLESS_MAX_CONCURRENCY", minimum=1)}}
    return variant | {"InstanceType": config.required("HOSTING_INSTANCE_TYPE"),
                      "InitialInstanceCount": config.required_int("HOSTING_INSTANCE_COUNT", minimum=1), "InitialVariantWeight": 1.0}


def data_capture() -> dict[str, Any] | None:
    """The endpoint config's DataCaptureConfig, or None when capture is off."""
    percent = config.required_int("DATA_CAPTURE_PERCENT")
    if not percent:
        return None
    if config.required("HOSTING_MODE") == "Serverless":
        raise ConfigError(f"DataCapturePercent={percent} with HostingMode=Serverless: Serverless Inference does not support data capture")
    return {"EnableCapture": True, "InitialSamplingPercentage": percent, "DestinationS3Uri": config.required("DATA_CAPTURE_URI"),
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}]}


def ensure_endpoint_config(sagemaker, name: str, model_name: str, tags) -> bool:
    variant = hosting_variant(model_name)
    capture = data_capture()
    return create_unless_exists(
        sagemaker.describe_endpoint_config,
        lambda **identity: sagemaker.create_endpoint_config(**identity, ProductionVariants=[variant], Tags=tags,
                                                            **({"DataCaptureConfig": capture} if capture else {})),
        "EndpointConfig",
        EndpointConfigName=name,
    )


def remove_created(sagemaker, created: list[tuple[str, str]]) -> list[str]:
    """Delete what this invocation created (newest first); returns what could not be deleted."""
    left = []
    for kind, name in reversed(created):
        try:
            with retryable_errors(f"Delete{kind} {name}"):
                if kind == "EndpointConfig":
                    sagemaker.delete_endpoint_config(EndpointConfigName=name)
                else:
                    sagemaker.delete_model(ModelName=name)
        except Exception as error:  # noqa: BLE001 - the refusal being reported matters more; what is left is named
            log.warning("could not remove a resource this step created", extra={"kind": kind, "name": name, "error": repr(error)})
            left.append(f"{kind} {name}")
    return left


def refused(sagemaker, created: list[tuple[str, str]], action: str, error: ClientError) -> DeployRefused:
    left = remove_created(sagemaker, created)
    removed = [f"{kind} {name}" for kind, name in created if f"{kind} {name}" not in left]
    return DeployRefused(
        f"{action} was refused: {error_code(error)}: {error_message(error)}. "
        + (f"Removed what this step had created ({', '.join(removed)}). " if removed else "")
        + (f"Could not remove {', '.join(left)}: delete-stack.sh or scripts/cleanup_sagemaker.py removes it. " if left else "")
        + "The endpoint was not changed"
    )


def replace_failed_endpoint(sagemaker, name: str, endpoint: dict[str, Any], config_arn: str) -> None:
    """An endpoint whose creation failed stays Failed and cannot be updated: delete it, note on
    today's endpoint config what it replaces, and let the state machine retry until it is gone."""
    reason = endpoint.get("FailureReason") or "no FailureReason"
    note = f"endpoint {name} was Failed on config {endpoint.get('EndpointConfigName')} ({reason}); it was deleted and created again"
    with retryable_errors(f"AddTags {config_arn}"):
        sagemaker.add_tags(ResourceArn=config_arn, Tags=[{"Key": TAG_REPLACES, "Value": note[:256]}])
    with retryable_errors(f"DeleteEndpoint {name}"):
        sagemaker.delete_endpoint(EndpointName=name)
    raise EndpointNotReady(f"endpoint {name} was Failed and is being deleted so that it can be created again; retrying")


def roll_out(sagemaker, endpoint_name: str, endpoint: dict[str, Any] | None, config_name: str, tags) -> str:
    """Create the endpoint the first time, update it after; 'unchanged' when a retry finds it under way."""
    if endpoint is None:
        with retryable_errors("CreateEndpoint"):
            sagemaker.create_endpoint(EndpointName=endpoint_name, EndpointConfigName=config_name, Tags=tags)
        return "created"
    if endpoint["EndpointConfigName"] == config_name:
        return "unchanged"
    if endpoint["EndpointStatus"] in endpoints.BUSY:
        raise EndpointNotReady(
            f"endpoint {endpoint_name} is {endpoint['EndpointStatus']} (config {endpoint['EndpointConfigName']}): "
            "it cannot be updated until that finishes; retrying"
        )
    retain = prepare_autoscaled_update(sagemaker, client("application-autoscaling"), endpoint_name, endpoint["EndpointConfigName"], config_name)
    with retryable_errors("UpdateEndpoint"):
        sagemaker.update_endpoint(EndpointName=endpoint_name, EndpointConfigName=config_name,
                                  DeploymentConfig=rollout.Rollout.from_environment().deployment_config(),
                                  **({"RetainAllVariantProperties": True} if retain else {}))
    return "updated"


def prepare_autoscaled_update(sagemaker, autoscaling, endpoint_name: str, current_config: str, new_config: str) -> bool:
    """An autoscaled variant, updated as the endpoint-scaling-update guide says: an update that changes its instance type
    fails while it is a scalable target, so the target is deregistered first (RecordDeployment registers it again);
    otherwise the fleet keeps the size autoscaling gave it (RetainAllVariantProperties) instead of shrinking to the new
    config's InitialInstanceCount in the middle of a rollout. Returns whether to retain the variant's properties."""
    resource, dimension = autoscaled_variant(endpoint_name)
    with retryable_errors("DescribeScalableTargets"):
        if not autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[resource], ScalableDimension=dimension)["ScalableTargets"]:
            return False
    types = [(describe_or_none(sagemaker.describe_endpoint_config, f"DescribeEndpointConfig {name}", EndpointConfigName=name) or {})
             .get("ProductionVariants", [{}])[0].get("InstanceType") for name in (current_config, new_config)]
    if types[0] == types[1]:
        return True
    log.info("instance type changes: the scalable target is deregistered for the update", extra={"from": types[0], "to": types[1]})
    with retryable_errors("DeregisterScalableTarget"):
        autoscaling.deregister_scalable_target(ServiceNamespace="sagemaker", ResourceId=resource, ScalableDimension=dimension)
    return False


def autoscaled_variant(endpoint_name: str) -> tuple[str, str]:
    """The Application Auto Scaling resource id and dimension of the endpoint's one variant."""
    return f"endpoint/{endpoint_name}/variant/{names.VARIANT}", "sagemaker:variant:DesiredInstanceCount"


def check_guardrails(cloudwatch, alarms: tuple[str, ...], endpoint_name: str) -> None:
    """An update relies on its rollback alarms to undo itself: each must exist with its actions enabled, or nothing is updated."""
    if not alarms:
        return
    with retryable_errors("DescribeAlarms"):
        found = {alarm["AlarmName"]: alarm for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNames=list(alarms))
                 for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])}
    missing = [name for name in alarms if name not in found]
    disabled = [name for name in alarms if name in found and not found[name].get("ActionsEnabled", True)]
    if missing or disabled:
        problems = ([f"rollback alarm(s) {', '.join(missing)} do not exist"] if missing else []) + \
                   ([f"rollback alarm(s) {', '.join(disabled)} have their actions disabled"] if disabled else [])
        raise DeployRefused(
            f"{'; '.join(problems)}: an update of endpoint {endpoint_name} could not roll itself back, so it was not updated and still "
            "serves the current model. Restore them: the stack's own alarms by deploying the stack again (./create-stack.sh), yours "
            "(ExtraRollbackAlarms) by recreating them; disabled actions with aws cloudwatch enable-alarm-actions --alarm-names NAME")


def gate_settings() -> dict[str, Any]:
    return {
        "enabled": config.one_of("QUALITY_GATE", ("Enabled", "Disabled")) == "Enabled",
        "metric": config.required("OBJECTIVE_METRIC"),
        "direction": config.required("OBJECTIVE_DIRECTION"),
        "floor": config.optional_float("METRIC_FLOOR"),
        "min_improvement": config.optional_float("MIN_IMPROVEMENT") or 0.0,
        "pooled_min_improvement": config.optional_float("POOLED_MIN_IMPROVEMENT") or 0.0,
        "rule": config.one_of("GATE_RULE", gate.RULES),
        "stale_after_days": config.required_int("STALE_AFTER_DAYS"),
        "fallback": config.one_of("CHAMPION_FALLBACK", ("Recorded", "Reject")),
    }


def pooled_evidence(metric: str, metrics: dict[str, Any], pooled_days: dict[str, Any]) -> tuple[gate.Pooled, ...]:
    """The pools the job reported a paired interval for (a container that reports none: today's rows decide alone)."""
    pools = []
    for window in gate.POOLED_WINDOWS:
        parts = [gate.metric_value(metrics.get(gate.paired_metric(metric, part, window))) for part in ("diff", "lower", "upper")]
        if None not in parts and window in pooled_days:
            pools.append(gate.Pooled(window, int(pooled_days[window]), gate.metric_value(metrics.get(gate.rows_metric(window))), *parts))
    return tuple(pools)


def decide(settings: dict[str, Any], serving: dict[str, Any], metrics: dict[str, Any], scored_artifact: str,
           evaluation: dict[str, Any] | None = None, no_channel_because: str = "", pooled_days: dict[str, Any] | None = None) -> gate.Decision:
    """Same-data comparison when the job scored the model serving now, or the evaluate_first stage did;
    otherwise the fallback, named (``no_channel_because``: why StartTraining gave the job no champion channel)."""
    metric = settings["metric"]
    candidate = gate.metric_value(metrics.get(metric))
    if candidate is None:
        if settings["enabled"]:
            raise MetricMissing(
                f"the training job reported no {metric} (metrics: {sorted(metrics) or 'none'}): "
                "check MetricDefinitions and ObjectiveMetricName"
            )
        return gate.Decision(True, metric, None, None, None, "quality gate disabled")
    if not settings["enabled"]:
        if not math.isfinite(candidate):
            return gate.Decision(False, metric, candidate, serving["metric"], None,
                                 f"{metric} is {gate.json_safe(candidate)}: a model whose metric is not a finite number is never deployed, even with the quality gate disabled")
        return gate.Decision(True, metric, candidate, serving["metric"], settings["floor"], "quality gate disabled")
    champion = gate.metric_value(metrics.get(gate.champion_metric(metric)))
    evaluated = evaluated_before_training(evaluation or {}, serving["model_name"], metric)
    if champion is not None and serving["artifact"] and scored_artifact == serving["artifact"]:
        parts = [gate.metric_value(metrics.get(gate.paired_metric(metric, part))) for part in ("diff", "lower", "upper")]
        decision = gate.evaluate_same_data(metric, settings["direction"], candidate, champion, tuple(parts) if None not in parts else None,
                                           settings["floor"], settings["min_improvement"], settings["rule"], gate.metric_value(metrics.get(gate.ROWS_METRIC)),
                                           pooled_evidence(metric, metrics, pooled_days or {}), settings["pooled_min_improvement"])
        if evaluated is None:
            return decision
        return replace(decision, reason=f"{decision.reason}; before training the serving model scored {evaluated[0]:g} on the day's data (evaluate_first)")
    if not serving["model_name"]:
        return gate.evaluate(metric, settings["direction"], candidate, None, settings["floor"], settings["min_improvement"])
    if evaluated is not None:
        decision = gate.evaluate_same_data(metric, settings["direction"], candidate, evaluated[0], None, settings["floor"],
                                           settings["min_improvement"], gate.PLAIN_COMPARISON, evaluated[1])
        return replace(decision, reason=f"{decision.reason} (the serving model was evaluated on the day's validation data before training)")
    why = unscorable_because(serving, metric, champion, scored_artifact, no_channel_because)
    if settings["fallback"] == "Reject":
        return gate.Decision(False, metric, candidate, None, settings["floor"],
                             f"the champion could not be scored on the same data ({why}); ChampionFallback=Reject", gate.RECORDED)
    decision = gate.evaluate(metric, settings["direction"], candidate, serving["metric"], settings["floor"], settings["min_improvement"])
    recorded = "its recorded metric" if serving["metric"] is not None else f"nothing ({serving['why']}): floor only"
    return replace(decision, reason=f"fallback: the champion could not be scored on the same data ({why}); compared with {recorded}. {decision.reason}",
                   comparison=gate.RECORDED)


def staleness(sagemaker, group: str, serving: dict[str, Any], data_date: str, stale_after_days: int) -> dict[str, Any]:
    """When the serving model's training data is ``stale_after_days`` or more older than today's: its age, since when,
    and the versions the gate kept out since it was registered. Empty otherwise (and with StaleAfterDays 0)."""
    if not stale_after_days or not serving["model_package_arn"]:
        return {}
    versions = registry.packages(sagemaker, group)
    current = next((v for v in versions if v["ModelPackageArn"] == serving["model_package_arn"]), None)
    if current is None:
        return {}
    since = current.get("CustomerMetadataProperties", {}).get("data_date", "")
    try:
        age = (date.fromisoformat(data_date) - date.fromisoformat(since)).days
    except ValueError:
        return {}
    if age < stale_after_days:
        return {}
    kept_out = [v for v in versions if v["Version"] > current["Version"] and v["ModelApprovalStatus"] == registry.REJECTED]
    return {"age_days": age, "since": since, "version": current["Version"], "stale_after_days": stale_after_days, "kept_out": len(kept_out)}


def evaluated_before_training(evaluation: dict[str, Any], serving_model: str, metric: str) -> tuple[float, float | None] | None:
    """The evaluate_first stage's number for the model serving now (same validation rows as the new model's), if any."""
    result = evaluation.get("status", {}).get("evaluation", {}) if isinstance(evaluation.get("status"), dict) else {}
    value = gate.metric_value(result.get("value"))
    if evaluation.get("model_name") != serving_model or result.get("metric") != metric or value is None:
        return None
    return value, gate.metric_value(result.get("rows"))


def unscorable_because(serving: dict[str, Any], metric: str, champion: float | None, scored_artifact: str, no_channel_because: str = "") -> str:
    if not serving["training_job"]:
        return f"serving model {serving['model_name']} was not trained by this pipeline"
    if not scored_artifact:
        return f"the training job was given no champion channel: {no_channel_because}" if no_channel_because else \
            "the training job was given no champion channel"
    if scored_artifact != serving["artifact"]:
        return "the job scored another model than the one serving now"
    return f"the container reported no {gate.champion_metric(metric)}: it could not load the champion or does not follow the contract"


def deploy(sagemaker, endpoint_name: str, endpoint: dict[str, Any] | None, job_name: str, image: str, model_data: str,
           package_arn: str, tags: list[dict[str, str]]) -> tuple[str, str]:
    """Create model and endpoint config named after the job (or keep them), then create or update the
    endpoint. Returns the action and the failed endpoint it replaced, if any."""
    limits = alarms.thresholds()
    if limits is not None:
        created = alarms.ensure(client("cloudwatch"), config.required("STACK_NAME"), endpoint_name, limits)
        if created:
            log.info("rollback alarms created", extra={"alarms": created})
    if endpoint is not None and endpoint["EndpointStatus"] != endpoints.RECREATE:
        check_guardrails(client("cloudwatch"), rollout.Rollout.from_environment().alarms, endpoint_name)
    resource_tags_ = tags + [{"Key": names.TAG_TRAINING_JOB, "Value": job_name}, {"Key": names.TAG_MODEL_PACKAGE, "Value": package_arn}]
    created: list[tuple[str, str]] = []
    try:
        if ensure_model(sagemaker, job_name, image, model_data, config.required("SAGEMAKER_ROLE_ARN"), resource_tags_):
            created.append(("Model", job_name))
        if ensure_endpoint_config(sagemaker, job_name, job_name, resource_tags_):
            created.append(("EndpointConfig", job_name))
    except ClientError as error:
        raise refused(sagemaker, created, f"creating model and endpoint config {job_name}", error) from None
    config_arn = describe_or_none(sagemaker.describe_endpoint_config, "DescribeEndpointConfig", EndpointConfigName=job_name)["EndpointConfigArn"]
    if endpoint and endpoint["EndpointStatus"] == endpoints.RECREATE:
        replace_failed_endpoint(sagemaker, endpoint_name, endpoint, config_arn)
    try:
        action = roll_out(sagemaker, endpoint_name, endpoint, job_name, tags)
    except ClientError as error:
        raise refused(sagemaker, created, f"{'UpdateEndpoint' if endpoint else 'CreateEndpoint'} {endpoint_name} with config {job_name}", error) from None
    return action, endpoints.resource_tags(sagemaker, config_arn).get(TAG_REPLACES, "")


def start(sagemaker, endpoint_name: str, group: str, job_name: str, metric: str | None = None) -> tuple[dict[str, Any] | None, dict[str, Any], dict[str, Any]]:
    """The endpoint as it is (None for batch predictions), the model in use (with ``metric`` recorded for it), and the
    result fields every deployment reports."""
    if not endpoint_name:
        endpoint, serving = None, in_use.in_history(sagemaker, client("s3"), history.location(), metric)
    else:
        check_rollout_fits()
        endpoint = describe_or_none(sagemaker.describe_endpoint, f"DescribeEndpoint {endpoint_name}", EndpointName=endpoint_name)
        serving = endpoints.serving_model(sagemaker, endpoint, metric)
    return endpoint, serving, {"endpoint_name": endpoint_name, "endpoint_config_name": job_name if endpoint_name else "", "model_name": job_name,
                      "previous_config": endpoint["EndpointConfigName"] if endpoint else "", "previous_model": serving["model_name"],
                      "previous_model_package": serving["model_package_arn"], "replaced": "", "gate": {}, "model_package_arn": "",
                      "origin": "daily", "version": 0, "requested_by": "", "reason": "", "data_date": ""}


def already_serving(endpoint: dict[str, Any] | None, serving: dict[str, Any], job_name: str) -> bool:
    if endpoint is None:
        return bool(serving["model_name"]) and serving["model_name"] == job_name
    return endpoint["EndpointConfigName"] == job_name and endpoint["EndpointStatus"] == "InService"


def put_into_use(sagemaker, group: str, job_name: str, image: str, model_data: str, package_arn: str, tags: list[dict[str, str]],
                 previous_package: str, execution: str, origin: str) -> dict[str, Any]:
    """deploy_target batch: the version's model (named after its job, or kept), then the deployment record that makes
    it the one in use. Batch predictions run it from the next Transform job on."""
    resource_tags_ = tags + [{"Key": names.TAG_TRAINING_JOB, "Value": job_name}, {"Key": names.TAG_MODEL_PACKAGE, "Value": package_arn}]
    try:
        ensure_model(sagemaker, job_name, image, model_data, config.required("SAGEMAKER_ROLE_ARN"), resource_tags_)
    except ClientError as error:
        raise DeployRefused(f"CreateModel {job_name} was refused: {error_code(error)}: {error_message(error)}. "
                            "The model in use for batch predictions was not changed") from None
    where = history.location()
    try:
        return {"recorded_at": history.record(client("s3"), where, package_arn, "", execution, previous_package, origin)}
    except ClientError as error:
        raise DeployRefused(f"the deployment record {where.uri} could not be written: {error_code(error)}: {error_message(error)}. "
                            "The model in use for batch predictions was not changed") from None


def daily(event: dict[str, Any], sagemaker, endpoint_name: str, group: str) -> dict[str, Any]:
    """Gate today's model, register it, and deploy it when it passes (and may be promoted)."""
    job_name = events.read(event, "training.job_name", str, STEP)
    model_data = events.read(event, "training.status.model_artifacts", str, STEP)
    metrics = events.read(event, "training.status.metrics", dict, STEP, default={})
    data_date = events.read(event, "data.data_date", str, STEP)
    execution = events.read(event, "execution", str, STEP, default="")
    promote = events.read(event, "input.PROMOTE", bool, STEP, default=True)
    if not model_data:
        raise InvalidInput(f"{STEP}: training job {job_name} has no model artifacts to deploy")
    image = config.required("SERVING_IMAGE")
    manual = approval_mode() == "Manual"
    tags = names.tags(config.required("STACK_NAME"), data_date, execution)

    settings = gate_settings()
    endpoint, serving, result = start(sagemaker, endpoint_name, group, job_name, settings["metric"])
    result["data_date"] = data_date
    if already_serving(endpoint, serving, job_name):
        log.info("the endpoint already serves this model", extra=result)
        return {**result, "action": "already_serving"}
    endpoints.check_deployable(endpoint_name, endpoint)

    decision = decide(settings, serving, metrics, events.read(event, "training.champion.artifact", str, STEP, default=""),
                      events.read(event, "evaluation", dict, STEP, default={}),
                      events.read(event, "training.champion.why_none", str, STEP, default=""),
                      events.read(event, "training.pooled_days", dict, STEP, default={}))
    status = registry.PENDING if decision.approved and manual else registry.APPROVED if decision.approved else registry.REJECTED
    package_arn = register_model_package(sagemaker, group, job_name, model_data, image, decision, data_date, tags, status)
    result.update(model_package_arn=package_arn, gate=decision.as_dict(), version=registry.version_of(package_arn))
    if not decision.approved:
        result["stale"] = staleness(sagemaker, group, serving, data_date, settings["stale_after_days"])
        log.info("model rejected by the quality gate", extra=result)
        return {**result, "action": "rejected", "model_name": "", "endpoint_config_name": ""}
    if not promote:
        log.info("model approved but not promoted: the execution input says PROMOTE=false", extra=result)
        return {**result, "action": "held", "model_name": "", "endpoint_config_name": ""}
    if manual:
        log.info("model passed the gate and waits for manual approval", extra=result)
        return {**result, "action": "pending_approval", "model_name": "", "endpoint_config_name": ""}
    if not endpoint_name:
        result["record"] = put_into_use(sagemaker, group, job_name, image, model_data, package_arn, tags, serving["model_package_arn"], execution, "daily")
        log.info("model in use for batch predictions", extra=result)
        return {**result, "action": "registered"}
    action, result["replaced"] = deploy(sagemaker, endpoint_name, endpoint, job_name, image, model_data, package_arn, tags)
    log.info("deployment started", extra={**result, "action": action})
    return {**result, "action": action}


def deploy_package(event: dict[str, Any], sagemaker, endpoint_name: str, group: str) -> dict[str, Any]:
    """Deploy exactly the version the execution input names (an approval, a rollback), skipping data and training."""
    arn = events.read(event, f"input.{registry.DEPLOY_PACKAGE}", str, STEP)
    origin = events.read(event, "input.ORIGIN", str, STEP, default="approval")
    if origin not in registry.ORIGINS:
        raise InvalidInput(f"{STEP}: 'input.ORIGIN' is {origin!r}, expected one of {', '.join(registry.ORIGINS)}")
    execution = events.read(event, "execution", str, STEP, default="")
    package = registry.describe(sagemaker, arn)
    if package.get("ModelPackageGroupName", "").lower() != group.lower():
        raise InvalidInput(f"{STEP}: model package {arn} is in group {package.get('ModelPackageGroupName')!r}, not this pipeline's {group}")
    status = package.get("ModelApprovalStatus", "")
    if status != registry.APPROVED:
        raise ResourceConflict(f"model package version {package['Version']} is {status}, not Approved: approve it first "
                               f"(scripts/approve-model VERSION) or choose an Approved version; nothing was deployed")
    metadata = package.get("CustomerMetadataProperties", {})
    container = package["InferenceSpecification"]["Containers"][0]
    job_name = in_use.model_name(package, group)
    endpoint, serving, result = start(sagemaker, endpoint_name, group, job_name)
    result.update(model_package_arn=arn, version=package["Version"], origin=origin, data_date=metadata.get("data_date", ""),
                  requested_by=events.read(event, "input.REQUESTED_BY", (str, type(None)), STEP, default="") or "",
                  reason=events.read(event, "input.REASON", (str, type(None)), STEP, default="") or "")
    if already_serving(endpoint, serving, job_name):
        return {**result, "action": "already_serving"}
    tags = names.tags(config.required("STACK_NAME"), metadata.get("data_date", ""), execution)
    if not endpoint_name:
        result["record"] = put_into_use(sagemaker, group, job_name, container["Image"], container["ModelDataUrl"], arn, tags,
                                        serving["model_package_arn"], execution, origin)
        log.info("registered version in use for batch predictions", extra=result)
        return {**result, "action": "registered"}
    endpoints.check_deployable(endpoint_name, endpoint)
    action, result["replaced"] = deploy(sagemaker, endpoint_name, endpoint, job_name, container["Image"], container["ModelDataUrl"], arn, tags)
    log.info("deployment of a registered version started", extra={**result, "action": action})
    return {**result, "action": action}


def record(event: dict[str, Any], sagemaker, endpoint_name: str) -> dict[str, Any]:
    """The endpoint serves the new version: check that it really does with the stack's settings, keep
    autoscaling registered, and record the deployment in the deployment history."""
    deployment = events.read(event, "record", dict, STEP)
    arn = events.read(event, "record.model_package_arn", str, STEP)
    endpoint = describe_or_none(sagemaker.describe_endpoint, f"DescribeEndpoint {endpoint_name}", EndpointName=endpoint_name) or {}
    checks, problems = after_update(sagemaker, client("application-autoscaling"), endpoint_name, str(deployment.get("endpoint_config_name") or ""),
                                    endpoint)
    if not arn:
        return {"recorded_at": "", "checks": checks, "problems": problems, "why": "no model package (quality gate disabled without a metric)"}
    at = history.record(client("s3"), history.location(), arn, endpoint_name, events.read(event, "execution", str, STEP, default=""),
                        str(deployment.get("previous_model_package") or ""), str(deployment.get("origin") or "daily"),
                        endpoint.get("LastModifiedTime"))
    return {"recorded_at": at, "checks": checks, "problems": problems}


def after_update(sagemaker, autoscaling, endpoint_name: str, expected_config: str, endpoint: dict[str, Any] | None = None) -> tuple[list[str], list[str]]:
    """What the endpoint really runs after the update (``endpoint``: its description, if already read): its
    config, data capture, autoscaling (registered again on the stable variant name when it is missing).
    Returns what held and what did not."""
    checks, problems = [], []
    if endpoint is None:
        endpoint = describe_or_none(sagemaker.describe_endpoint, f"DescribeEndpoint {endpoint_name}", EndpointName=endpoint_name) or {}
    serving = endpoint.get("EndpointConfigName", "")
    (checks if serving == expected_config else problems).append(f"serves config {serving or 'none'}" + ("" if serving == expected_config else f", not {expected_config}"))
    wanted = data_capture()
    actual = endpoint.get("DataCaptureConfig") or {}
    if wanted:
        kept = actual.get("EnableCapture") and actual.get("DestinationS3Uri") == wanted["DestinationS3Uri"]
        (checks if kept else problems).append(f"data capture {wanted['InitialSamplingPercentage']} % to {wanted['DestinationS3Uri']}"
                                              + ("" if kept else f": the endpoint reports {actual or 'none'}"))
    maximum = config.required_int("AUTOSCALING_MAX")
    if maximum and config.required("HOSTING_MODE") == "Instance":
        checks.append(keep_autoscaling(autoscaling, endpoint_name, config.required_int("AUTOSCALING_MIN", minimum=1), maximum,
                                       config.required_int("AUTOSCALING_TARGET", minimum=1)))
    return checks, problems


def keep_autoscaling(autoscaling, endpoint_name: str, minimum: int, maximum: int, target: int) -> str:
    """Register (or re-register, idempotently) target tracking on the variant; say whether it had survived."""
    resource, dimension = autoscaled_variant(endpoint_name)
    with retryable_errors("DescribeScalableTargets"):
        found = autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[resource], ScalableDimension=dimension)["ScalableTargets"]
    with retryable_errors("RegisterScalableTarget"):
        autoscaling.register_scalable_target(ServiceNamespace="sagemaker", ResourceId=resource, ScalableDimension=dimension,
                                             MinCapacity=minimum, MaxCapacity=maximum)
    with retryable_errors("PutScalingPolicy"):
        autoscaling.put_scaling_policy(
            PolicyName=f"{endpoint_name}-invocations-per-instance", ServiceNamespace="sagemaker", ResourceId=resource,
            ScalableDimension=dimension, PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={"TargetValue": float(target),
                                                      "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}},
        )
    state = "kept" if found else "registered"
    return f"autoscaling {minimum}-{maximum} instances at {target} invocations per instance ({state})"


def approval_mode() -> str:
    return config.one_of("APPROVAL_MODE", ("Auto", "Manual"))


def check_rollout_fits() -> None:
    """A rollout longer than the endpoint loop's budget would be reported as a timeout while it is fine:
    refuse the settings before anything is created."""
    plan = rollout.Rollout.from_environment()
    budget = config.required_int("ENDPOINT_BUDGET_SECONDS", minimum=1)
    needed = plan.longest_seconds() + rollout.PROVISIONING_ALLOWANCE_SECONDS
    if needed > budget:
        raise ConfigError(
            f"RolloutStrategy={plan.strategy} shifts for {plan.steps()} x {plan.wait_seconds} s and bakes {plan.baking_seconds} s: with "
            f"{rollout.PROVISIONING_ALLOWANCE_SECONDS} s to provision, {needed} s, more than the endpoint loop's {budget} s "
            "(pipeline-config.yaml polling.endpoint.timeout_seconds): shorten RolloutWaitSeconds or BakingPeriodSeconds, or raise the timeout"
        )


@targets.for_target
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """With deploy_target batch there is no endpoint: ``endpoint_name`` is "" all the way down."""
    endpoint_name = config.required("ENDPOINT_NAME") if in_use.deploy_target() == in_use.ENDPOINT else ""
    group = config.required("MODEL_PACKAGE_GROUP")
    sagemaker = client("sagemaker")
    if isinstance(event, dict) and "record" in event:
        return record(event, sagemaker, endpoint_name)
    if events.read(event, f"input.{registry.DEPLOY_PACKAGE}", str, STEP, default=""):
        return deploy_package(event, sagemaker, endpoint_name, group)
    return daily(event, sagemaker, endpoint_name, group)
