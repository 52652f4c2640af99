"""SageMaker as AWS runs it, where moto differs: lifecycles over emulated time, AWS's own errors.

moto creates training jobs Completed and endpoints InService at once, deletes endpoints at
once, has no update_endpoint, and words "not found" its own way. Here:

- a training job is InProgress for its duration and then ends as the scenario says (Completed,
  Failed, Stopped with a secondary status such as MaxRuntimeExceeded and no FailureReason, or
  gone altogether);
- an endpoint is Creating/Updating and then InService, Failed, or rolled back to its previous
  config; a deleted endpoint is Deleting for a while before it disappears; a Failed endpoint
  cannot be updated;
- DescribeTrainingJob on a missing job answers ValidationException "Requested resource not
  found." as SageMaker does (boto/boto3#2808), DescribeProcessingJob/DescribeTransformJob "Could
  not find requested job with name: NAME", other Describe calls "Could not find ...";
- Processing and Transform jobs run (see stage_jobs.py) and are InProgress for a while; a
  duplicate job name is ResourceInUse (moto overwrites the job);
- chosen operations can be throttled, fail with a 5xx (InternalFailure), or be refused
  (ResourceLimitExceeded, ValidationException) on demand.
"""

import copy
import dataclasses
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.applicationautoscaling.models import applicationautoscaling_backends
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.s3.models import s3_backends
from moto.sagemaker.exceptions import ConflictException, ResourceInUseException, ResourceNotFound, SagemakerClientError, ValidationError
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from .clock import Clock
from .eventbridge import MODEL_PACKAGE_STATE_CHANGE, emit
from .overrides import override
from .validation import validated_requests


class Throttled(SagemakerClientError):
    code = "ThrottlingException"


class InternalFailure(JsonRESTError):
    """SageMaker's 500: "The request processing has failed because of an unknown error, exception or failure."."""

    code = 500

    def __init__(self, operation: str) -> None:
        super().__init__("InternalFailure", f"The request processing has failed because of an unknown error, exception or failure ({operation}, emulated).")


class Refused(SagemakerClientError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


REQUESTED_RESOURCE_NOT_FOUND = "Requested resource not found."
# DescribeProcessingJob / DescribeTransformJob on a missing job (moto: "Could not find processing job '<arn>'.").
JOB_NOT_FOUND = "Could not find requested job with name: {}"


# SageMaker's API model lists no ThrottlingException shape (it is a common AWS error); moto warns about it.
warnings.filterwarnings("ignore", message=r"Exception\(Throttled\) with code ThrottlingException", category=UserWarning)


VANISHED = "Vanished"
SPOT_RESTART_SECONDS = 600
SPOT_BILLABLE_SHARE = 0.3   # what on-demand would cost, billed at a typical spot discount


@dataclass
class TrainingOutcome:
    """What a training job does: run for ``duration_seconds`` of emulated time, then end.

    ``status`` VANISHED removes the job from the account instead (someone deleted it).
    """

    status: str = "Completed"
    duration_seconds: int = 2 * 3600
    failure_reason: str = ""
    metrics: dict[str, float] = field(default_factory=lambda: {"validation:accuracy": 0.95})
    stopping_seconds: int = 120
    secondary_status: str = ""
    billable_share: float = 1.0          # managed spot bills a share of the training time
    interrupted_at: int | None = None    # seconds into the job when spot capacity was reclaimed (Interrupted for 10 min)


@dataclass
class EndpointOutcome:
    """What creating or updating an endpoint does: InService, Failed, or RolledBack (InService on the old config).

    ``alarm`` (the end of an alarm's name) fires one minute into an update's first traffic shift:
    SageMaker's AutoRollbackConfiguration then rolls the update back.
    """

    result: str = "InService"
    duration_seconds: int = 8 * 60
    failure_reason: str = ""
    alarm: str = ""
    rollback_seconds: int = 5 * 60


@dataclass
class _Job:
    created: datetime
    outcome: TrainingOutcome
    finished: bool = False


@dataclass
class _StageJob:
    created: datetime
    result: Any                 # stage_jobs.JobResult
    duration_seconds: float


STAGE_JOB_MIN_SECONDS = 5 * 60   # a Processing or Transform job's instance takes minutes to start


@dataclass
class _Rollout:
    started: datetime
    outcome: EndpointOutcome
    target_config: str
    previous_config: str | None
    deployment: dict[str, Any] = field(default_factory=dict)
    shifts: list[tuple[float, int]] = field(default_factory=list)   # (seconds into the rollout, % of capacity on the new fleet)


def traffic_shifts(deployment: dict[str, Any], provisioning: float) -> tuple[list[tuple[float, int]], float]:
    """Blue/green as SageMaker runs it: when each share of capacity moves to the new fleet, and when baking ends."""
    policy = deployment.get("BlueGreenUpdatePolicy", {})
    routing = policy.get("TrafficRoutingConfiguration", {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0})
    wait = routing.get("WaitIntervalInSeconds", 0)
    if routing["Type"] == "CANARY":
        shares = [routing["CanarySize"]["Value"], 100]
    elif routing["Type"] == "LINEAR":
        step = routing["LinearStepSize"]["Value"]
        shares = [min(100, step * n) for n in range(1, -(-100 // step) + 1)]
    else:
        shares = [100]
    shifts = [(provisioning + i * wait, share) for i, share in enumerate(shares)]
    return shifts, shifts[-1][0] + policy.get("TerminationWaitInSeconds", 0)


def _objects_under(account: str, uri: str) -> bool:
    """Whether emulated S3 holds an object under ``uri`` (CreateTrainingJob refuses a channel that holds none)."""
    bucket_name, _, prefix = uri.removeprefix("s3://").partition("/")
    bucket = s3_backends[account]["aws"].buckets.get(bucket_name)
    return bucket is not None and any(key.startswith(prefix) for key in bucket.keys.keys())


class SageMakerEmulator:
    def __init__(
        self,
        clock: Clock,
        training: Callable[[str, dict[str, Any]], TrainingOutcome] | None = None,
        endpoint: EndpointOutcome | None = None,
        throttle: dict[str, int] | None = None,
    ) -> None:
        self.clock = clock
        self.training = training or (lambda name, request: TrainingOutcome())
        self.endpoint = endpoint or EndpointOutcome()
        self.throttle = dict(throttle or {})
        self.unavailable: dict[str, list[int]] = {}       # operation -> [calls that succeed first, calls that then answer 500]
        self.refuse: dict[str, tuple[str, str]] = {}      # operation -> (error code, message) on every call
        self.deleting_seconds = 90
        self.throttled_calls: list[str] = []
        self.failed_calls: list[str] = []
        self.jobs: dict[str, _Job] = {}
        self.rollouts: dict[str, _Rollout] = {}
        self.deletions: dict[str, datetime] = {}
        self.rolled_back: dict[str, int] = {}   # endpoint -> % of capacity the new fleet had when an alarm rolled it back
        self.deployment_configs: list[dict[str, Any]] = []
        self.fleet_sizes: dict[str, int] = {}   # endpoint -> instances its variant runs (what autoscaling set, or the config's count)
        self.stage_jobs: dict[str, _StageJob] = {}
        # Runs a Processing or Transform job for real: (kind, request, model artifact or "") -> stage_jobs.JobResult.
        self.run_stage_job: Callable[[str, dict[str, Any], str], Any] | None = None
        # Called when a rollout would end InService; returns why the new model cannot serve, or "".
        self.start_serving: Callable[[SageMakerModelBackend, str, str], str] | None = None

    def _check_autoscaled_update(self, backend: SageMakerModelBackend, name: str, current: str, new: str) -> None:
        """"If the update would change the instance type for any model that is a target for auto scaling, the update
        fails" (SageMaker developer guide, endpoint-scaling-update). AWS's wording is not documented."""
        targets = applicationautoscaling_backends[backend.account_id][backend.region_name].targets.get("sagemaker:variant:DesiredInstanceCount", {})
        for before, after in zip(backend.endpoint_configs[current].production_variants, backend.endpoint_configs[new].production_variants, strict=False):
            resource = f"endpoint/{name}/variant/{before['VariantName']}"
            if resource in targets and before.get("InstanceType") != after.get("InstanceType"):
                raise ValidationError(message=f"the update of endpoint {name} changes the instance type of variant {before['VariantName']} "
                                              f"({before.get('InstanceType')} to {after.get('InstanceType')}), which is registered as a "
                                              "scalable target: deregister it first (emulated refusal, see docs/aws-behaviours.md)")

    def _maybe_fail(self, operation: str) -> None:
        if self.throttle.get(operation, 0) > 0:
            self.throttle[operation] -= 1
            self.throttled_calls.append(operation)
            raise Throttled(f"Rate exceeded for {operation} (emulated)")
        plan = self.unavailable.get(operation)
        if plan and plan[0] > 0:
            plan[0] -= 1
        elif plan and plan[1] > 0:
            plan[1] -= 1
            self.failed_calls.append(f"{operation}: InternalFailure")
            raise InternalFailure(operation)
        if operation in self.refuse:
            code, message = self.refuse[operation]
            self.failed_calls.append(f"{operation}: {code}")
            raise Refused(code, message)

    def _elapsed(self, since: datetime) -> float:
        return (self.clock.now() - since).total_seconds()

    def _refresh_job(self, backend: SageMakerModelBackend, name: str) -> None:
        state = self.jobs.get(name)
        job = backend.training_jobs.get(name)
        if state is None or job is None or state.finished:
            return
        outcome, elapsed = state.outcome, self._elapsed(state.created)
        if elapsed < outcome.duration_seconds:
            interrupted = outcome.interrupted_at is not None and outcome.interrupted_at <= elapsed < outcome.interrupted_at + SPOT_RESTART_SECONDS
            job.training_job_status, job.secondary_status = "InProgress", "Interrupted" if interrupted else "Training"
            return
        if outcome.status == VANISHED:
            del backend.training_jobs[name]
            state.finished = True
            return
        if outcome.status == "Stopped" and elapsed < outcome.duration_seconds + outcome.stopping_seconds:
            job.training_job_status, job.secondary_status = "Stopping", "Stopping"
            return
        job.training_job_status = outcome.status
        job.secondary_status = outcome.secondary_status or outcome.status
        job.training_end_time = job.last_modified_time = self.clock.now()
        job.training_time_in_seconds = int(min(elapsed, outcome.duration_seconds))
        job.billable_time_in_seconds = int(job.training_time_in_seconds * outcome.billable_share)
        if outcome.failure_reason:
            job.failure_reason = outcome.failure_reason
        job.final_metric_data_list = (
            [{"MetricName": n, "Value": float(v), "Timestamp": self.clock.now()} for n, v in outcome.metrics.items()]
            if outcome.status == "Completed"
            else []
        )
        state.finished = True

    def _refresh_endpoint(self, backend: SageMakerModelBackend, name: str) -> None:
        rollout = self.rollouts.get(name)
        endpoint = backend.endpoints.get(name)
        if rollout is None or endpoint is None:
            return
        outcome, elapsed = rollout.outcome, self._elapsed(rollout.started)
        creating = rollout.previous_config is None
        if rollout.deployment and not creating and self._blue_green(backend, name, endpoint, rollout, elapsed):
            return
        if elapsed < outcome.duration_seconds:
            endpoint.endpoint_status = "Creating" if creating else "Updating"
            return
        if outcome.result == "RolledBack" and not creating and elapsed < 2 * outcome.duration_seconds:
            endpoint.endpoint_status = "RollingBack"
            return
        endpoint.last_modified_time = self.clock.now()
        problem = ""
        if outcome.result == "InService" and self.start_serving:
            problem = self.start_serving(backend, name, rollout.target_config)
        if outcome.result == "InService" and not problem:
            endpoint.endpoint_status, endpoint.endpoint_config_name = "InService", rollout.target_config
            endpoint.failure_reason = None
            # The endpoint now runs the new config: its variants and data capture are the new config's.
            config = backend.endpoint_configs[rollout.target_config]
            endpoint.data_capture_config = config.data_capture_config
            endpoint.production_variants = endpoint._process_production_variants(config.production_variants)
        elif not creating and (outcome.result == "RolledBack" or problem):
            endpoint.endpoint_status, endpoint.endpoint_config_name = "InService", rollout.previous_config
            endpoint.failure_reason = problem or outcome.failure_reason or "update failed: the new variant did not pass health checks; rolled back"
        else:
            endpoint.endpoint_status = "Failed"
            endpoint.failure_reason = problem or outcome.failure_reason or "the primary container did not pass the ping health check"
        del self.rollouts[name]

    def _blue_green(self, backend: SageMakerModelBackend, name: str, endpoint: FakeEndpoint, rollout: _Rollout, elapsed: float) -> bool:
        """Traffic shifting and baking; an alarm during the first shift rolls back. True while it is not over."""
        outcome = rollout.outcome
        shifts, done = traffic_shifts(rollout.deployment, outcome.duration_seconds)
        alarm_at = shifts[0][0] + 60
        moment = min(elapsed, alarm_at) if outcome.alarm else elapsed   # an alarm stops the shifting where it was
        rollout.shifts = [(at, share) for at, share in shifts if at <= moment]
        share = rollout.shifts[-1][1] if rollout.shifts else 0
        stage = "Creating" if not rollout.shifts else "Baking" if moment >= shifts[-1][0] else "ActivatingTraffic"
        endpoint.pending_deployment_summary = {"EndpointConfigName": rollout.target_config, "ProductionVariants": [{
            "VariantName": backend.endpoint_configs[rollout.target_config].production_variants[0]["VariantName"],
            "CurrentWeight": share / 100, "DesiredWeight": 1.0,
            "VariantStatus": [{"Status": stage, "StatusMessage": f"{share} % of capacity on the new fleet (emulated)"}]}]}
        if outcome.alarm and elapsed >= alarm_at:
            self.fire_alarm(backend, outcome.alarm, f"fired {rollout.shifts[-1][1] if rollout.shifts else 0} % into the shift (emulated)")
            if elapsed < alarm_at + outcome.rollback_seconds:
                endpoint.endpoint_status = "RollingBack"
                return True
            endpoint.endpoint_status, endpoint.endpoint_config_name = "InService", rollout.previous_config
            endpoint.failure_reason = None
            endpoint.last_modified_time = self.clock.now()
            endpoint.pending_deployment_summary = None
            self.rolled_back[name] = share
            del self.rollouts[name]
            return True
        if elapsed < done:
            endpoint.endpoint_status = "Updating"
            return True
        endpoint.pending_deployment_summary = None
        return False

    def fire_alarm(self, backend: SageMakerModelBackend, suffix: str, reason: str) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        cloudwatch = cloudwatch_backends[backend.account_id][backend.region_name]
        for alarm in cloudwatch.alarms.values():
            if alarm.name.endswith(suffix) and alarm.state_value != "ALARM":
                cloudwatch.set_alarm_state(alarm.name, reason, "{}", "ALARM")

    def _refresh_deletion(self, backend: SageMakerModelBackend, name: str) -> None:
        started = self.deletions.get(name)
        if started is not None and self._elapsed(started) >= self.deleting_seconds:
            backend.endpoints.pop(name, None)
            del self.deletions[name]

    def _start_stage_job(self, kind: str, name: str, request: dict[str, Any], model_data: str = "") -> None:
        if self.run_stage_job is None:
            raise RuntimeError(f"no runner for {kind} {name}: the local run sets SageMakerEmulator.run_stage_job")
        result = self.run_stage_job(kind, request, model_data)
        self.stage_jobs[name] = _StageJob(self.clock.now(), result, max(STAGE_JOB_MIN_SECONDS, result.seconds))

    def _stage_description(self, name: str, response: dict[str, Any], status_key: str, end_key: str) -> dict[str, Any]:
        """InProgress for the job's duration, then Completed or Failed with SageMaker's FailureReason and ExitMessage."""
        job = self.stage_jobs.get(name)
        if job is None:
            return response
        if self._elapsed(job.created) < job.duration_seconds:
            response[status_key] = "InProgress"
            response.pop(end_key, None)
            return response
        response[status_key] = "Completed" if job.result.ok else "Failed"
        if not job.result.ok:
            response["FailureReason"] = job.result.failure_reason
            if job.result.exit_message:
                response["ExitMessage"] = job.result.exit_message
        return response

    def _start_rollout(self, backend: SageMakerModelBackend, name: str, config: str, previous: str | None,
                       deployment: dict[str, Any] | None = None) -> None:
        self.rollouts[name] = _Rollout(self.clock.now(), copy.copy(self.endpoint), config, previous, deployment or {})
        self._refresh_endpoint(backend, name)

    @contextmanager
    def installed(self) -> Iterator["SageMakerEmulator"]:
        emulator = self
        original = {name: getattr(SageMakerModelBackend, name) for name in (
            "create_training_job", "describe_training_job", "create_endpoint", "describe_endpoint",
            "create_model", "create_endpoint_config", "create_model_package", "update_model_package", "_get_resource_from_arn",
        )}

        def resource_from_arn(backend, arn):
            """A versioned model package (…:model-package/GROUP/VERSION) takes no tags of its own: it "uses the tags
            associated with the model group" (CreateModelPackage, Tags) and AddTags's list of taggable resources does not
            name it (docs/aws-behaviours.md). AWS's exact answer is not documented, so the emulator refuses AddTags and
            ListTags on one: no code here may come to rely on either."""
            if ":model-package/" in arn and arn.count("/") == 2:
                raise ValidationError(message=f"{arn} is a versioned model package: it uses the tags of its model package group "
                                              "and cannot be tagged (emulated refusal, see docs/aws-behaviours.md)")
            return original["_get_resource_from_arn"](backend, arn)

        def add_tags(backend, arn, tags):
            """AddTags "adds or overwrites" (AWS API reference: tag keys are unique per resource); moto appends a second tag."""
            resource = resource_from_arn(backend, arn)
            keys = {tag["Key"] for tag in tags}
            resource.tags = [tag for tag in resource.tags if tag["Key"] not in keys] + list(tags)
            return resource.tags

        def package_state_changed(backend, arn: str) -> None:
            package = backend.model_packages[backend.model_package_name_mapping.get(arn, arn)]
            emit(backend.account_id, backend.region_name, MODEL_PACKAGE_STATE_CHANGE, {
                "ModelPackageGroupName": package.model_package_group_name, "ModelPackageArn": package.arn,
                "ModelPackageVersion": package.model_package_version, "ModelApprovalStatus": package.model_approval_status,
                **({"ApprovalDescription": package.approval_description} if package.approval_description else {}),
            })

        def create_model_package(backend, *args, **kwargs):
            """With ModelPackageGroupName, "you cannot supply a tag argument" (CreateModelPackage, Tags)."""
            if kwargs.get("model_package_group_name") and kwargs.get("tags"):
                raise ValidationError(message="a model package in a model package group uses the group's tags: "
                                              "Tags cannot be supplied with ModelPackageGroupName")
            arn = original["create_model_package"](backend, *args, **kwargs)
            package_state_changed(backend, arn)
            return arn

        def update_model_package(backend, model_package_arn, model_approval_status, approval_description, customer_metadata_properties,
                                 customer_metadata_properties_to_remove, additional_inference_specifications_to_add):
            """UpdateModelPackage keeps what the request leaves out (moto would wipe the metadata), and emits the state change."""
            package = backend.model_packages.get(backend.model_package_name_mapping.get(model_package_arn, model_package_arn))
            kept = dict(package.customer_metadata_properties or {}) if package else {}
            status, description = (package.model_approval_status, package.approval_description) if package else (None, None)
            arn = original["update_model_package"](backend, model_package_arn, model_approval_status, approval_description,
                                                   customer_metadata_properties, customer_metadata_properties_to_remove,
                                                   additional_inference_specifications_to_add)
            if customer_metadata_properties is None:
                package.customer_metadata_properties = {k: v for k, v in kept.items() if k not in (customer_metadata_properties_to_remove or [])}
            if model_approval_status is None:
                package.model_approval_status = status
            if approval_description is None:
                package.approval_description = description
            package_state_changed(backend, arn)
            return arn

        def throttled(operation: str, method: Callable) -> Callable:
            def wrapper(backend, *args, **kwargs):
                emulator._maybe_fail(operation)
                return method(backend, *args, **kwargs)
            return wrapper

        def create_training_job(backend, *args, **kwargs):
            name = kwargs["training_job_name"]
            if name in backend.training_jobs:
                raise ResourceInUseException(f"Training job names must be unique within an AWS account and region, and a training job with this name already exists ({name})")
            for channel in kwargs.get("input_data_config") or []:
                uri = channel["DataSource"]["S3DataSource"]["S3Uri"]
                if not _objects_under(backend.account_id, uri):
                    bucket = uri.removeprefix("s3://").split("/", 1)[0]
                    raise ValidationError(message=f'No S3 objects found under S3 URL "{uri}" given in input data source. Please ensure that the '
                                                  f"bucket exists in the selected region ({backend.region_name}), that objects exist under that "
                                                  f'S3 prefix, and that the role has "s3:ListBucket" permissions on bucket "{bucket}".')
            request = copy.deepcopy(kwargs)
            job = original["create_training_job"](backend, *args, **kwargs)
            job.algorithm_specification["MetricDefinitions"] = request["algorithm_specification"].get("MetricDefinitions", [])
            job.final_metric_data_list = []
            job.creation_time = job.last_modified_time = emulator.clock.now()
            emulator.jobs[name] = _Job(job.creation_time, emulator.training(name, request))
            emulator._refresh_job(backend, name)
            return job

        def describe_training_job(backend, name):
            emulator._refresh_job(backend, name)
            if name not in backend.training_jobs:
                emulator.failed_calls.append(f"DescribeTrainingJob {name}: ValidationException {REQUESTED_RESOURCE_NOT_FOUND}")
                raise ValidationError(message=REQUESTED_RESOURCE_NOT_FOUND)
            return original["describe_training_job"](backend, name)

        def create_endpoint(backend, endpoint_name, endpoint_config_name, tags):
            emulator._refresh_deletion(backend, endpoint_name)
            if endpoint_name in backend.endpoints:
                raise ValidationError(message=f"Cannot create already existing endpoint \"{endpoint_name}\".")
            endpoint = original["create_endpoint"](backend, endpoint_name, endpoint_config_name, tags)
            emulator._start_rollout(backend, endpoint_name, endpoint_config_name, None)
            return endpoint

        def describe_endpoint(backend, name):
            emulator._refresh_deletion(backend, name)
            emulator._refresh_endpoint(backend, name)
            if name not in backend.endpoints:
                raise ValidationError(message=f'Could not find endpoint "{name}".')
            return original["describe_endpoint"](backend, name)

        def update_endpoint(backend, endpoint_name, endpoint_config_name, deployment_config=None, retain_all_variant_properties=False):
            emulator._refresh_deletion(backend, endpoint_name)
            emulator._refresh_endpoint(backend, endpoint_name)
            endpoint: FakeEndpoint | None = backend.endpoints.get(endpoint_name)
            if endpoint is None:
                raise ValidationError(message=f"Could not find endpoint \"{endpoint_name}\".")
            if endpoint.endpoint_status != "InService":
                raise ValidationError(message=f"Cannot update in-progress endpoint \"{endpoint_name}\" ({endpoint.endpoint_status}).")
            if endpoint_config_name not in backend.endpoint_configs:
                raise ValidationError(message=f"Could not find endpoint configuration \"{endpoint_config_name}\".")
            emulator._check_autoscaled_update(backend, endpoint_name, endpoint.endpoint_config_name, endpoint_config_name)
            new_variant = backend.endpoint_configs[endpoint_config_name].production_variants[0]
            if not retain_all_variant_properties or endpoint_name not in emulator.fleet_sizes:
                emulator.fleet_sizes[endpoint_name] = int(new_variant.get("InitialInstanceCount") or 0)
            emulator.deployment_configs.append(deployment_config or {})
            emulator._start_rollout(backend, endpoint_name, endpoint_config_name, endpoint.endpoint_config_name, deployment_config)
            return endpoint

        def update_endpoint_response(response):
            endpoint = response.sagemaker_backend.update_endpoint(
                response._get_param("EndpointName"), response._get_param("EndpointConfigName"), response._get_param("DeploymentConfig"),
                bool(response._get_param("RetainAllVariantProperties"))
            )
            return ActionResult({"EndpointArn": endpoint.arn})

        def delete_endpoint_response(response):
            """Deleting, then gone after ``deleting_seconds``: a name cannot be reused at once."""
            name = response._get_param("EndpointName")
            backend = response.sagemaker_backend
            emulator._refresh_deletion(backend, name)
            endpoint = backend.endpoints.get(name)
            if endpoint is None:
                raise ValidationError(message=f'Could not find endpoint "{name}".')
            if name not in emulator.deletions:
                endpoint.endpoint_status = "Deleting"
                emulator.deletions[name] = emulator.clock.now()
                emulator.rollouts.pop(name, None)
            return EmptyResult()

        def create_processing_job(backend, **kwargs):
            name = kwargs["processing_job_name"]
            if name in backend.processing_jobs:
                raise ResourceInUseException(f"Job name must be unique within an AWS account and region, and a job with this name already exists ({name})")
            job = original_processing["create_processing_job"](backend, **kwargs)
            emulator._start_stage_job("processing_job", name, {
                "ProcessingJobName": name, "AppSpecification": kwargs["app_specification"], "ProcessingInputs": kwargs["processing_inputs"],
                "ProcessingOutputConfig": kwargs["processing_output_config"]})
            return job

        def describe_processing_job(backend, processing_job_name):
            name = processing_job_name
            if name not in backend.processing_jobs:
                raise ValidationError(message=JOB_NOT_FOUND.format(name))
            response = original_processing["describe_processing_job"](backend, name)
            return emulator._stage_description(name, response, "ProcessingJobStatus", "ProcessingEndTime")

        def create_transform_job(backend, **kwargs):
            name = kwargs["transform_job_name"]
            if name in backend.transform_jobs:
                raise ResourceInUseException(f"Job name must be unique within an AWS account and region, and a job with this name already exists ({name})")
            model = backend._models.get(kwargs["model_name"])
            if model is None:
                raise ValidationError(message=f'Could not find model "{kwargs["model_name"]}".')
            job = original_processing["create_transform_job"](backend, **kwargs)
            emulator._start_stage_job("transform_job", name, {
                "TransformJobName": name, "TransformInput": kwargs["transform_input"], "TransformOutput": kwargs["transform_output"],
                "DataProcessing": kwargs.get("data_processing") or {}}, (model.primary_container or {}).get("ModelDataUrl", ""))
            return job

        def describe_transform_job(backend, transform_job_name):
            name = transform_job_name
            if name not in backend.transform_jobs:
                raise ValidationError(message=JOB_NOT_FOUND.format(name))
            response = original_processing["describe_transform_job"](backend, name)
            return emulator._stage_description(name, response, "TransformJobStatus", "TransformEndTime")

        original_processing = {name: getattr(SageMakerModelBackend, name) for name in (
            "create_processing_job", "describe_processing_job", "create_transform_job", "describe_transform_job")}

        def stop_training_job(backend, name):
            emulator._refresh_job(backend, name)
            state, job = emulator.jobs.get(name), backend.training_jobs.get(name)
            if job is None:
                raise ResourceNotFound(f"Training job {name} does not exist.")
            if state is None or job.training_job_status != "InProgress":
                raise ValidationError(message=f"The request was rejected because the training job is in status {job.training_job_status}.")
            elapsed = int(emulator._elapsed(state.created))
            state.outcome = dataclasses.replace(state.outcome, status="Stopped", duration_seconds=elapsed, secondary_status="Stopped",
                                                failure_reason="", metrics={}, interrupted_at=None)
            emulator._refresh_job(backend, name)

        def stop_training_job_response(response):
            response.sagemaker_backend.stop_training_job(response._get_param("TrainingJobName"))
            return EmptyResult()

        def delete_model_package(backend, name):
            arn = next((a for a, p in backend.model_packages.items() if name in (a, p.model_package_name)), None)
            if arn is None:
                raise ValidationError(message=f"Model package {name} does not exist.")
            del backend.model_packages[arn]

        def delete_model_package_group(backend, name):
            if name not in backend.model_package_groups:
                raise ValidationError(message=f"Model package group {name} does not exist.")
            if any(p.model_package_group_name == name for p in backend.model_packages.values()):
                raise ConflictException(f"Model package group {name} still has model packages: delete them first.")
            del backend.model_package_groups[name]

        def delete_model_package_response(response):
            response.sagemaker_backend.delete_model_package(response._get_param("ModelPackageName"))
            return EmptyResult()

        def delete_model_package_group_response(response):
            response.sagemaker_backend.delete_model_package_group(response._get_param("ModelPackageGroupName"))
            return EmptyResult()

        with ExitStack() as stack:
            stack.enter_context(validated_requests())

            def patch(name: str, value: Callable, rows: tuple[str, ...]) -> None:
                stack.enter_context(override(SageMakerModelBackend, name, value, rows=rows, create=True))

            patch("create_training_job", throttled("CreateTrainingJob", create_training_job), rows=("training-job-lifecycle", "empty-input-prefix", "service-faults"))
            patch("describe_training_job", throttled("DescribeTrainingJob", describe_training_job),
                  rows=("training-job-lifecycle", "training-job-not-found", "service-faults"))
            patch("create_endpoint", throttled("CreateEndpoint", create_endpoint), rows=("endpoint-lifecycle", "service-faults"))
            patch("describe_endpoint", throttled("DescribeEndpoint", describe_endpoint), rows=("endpoint-lifecycle", "service-faults"))
            patch("update_endpoint", throttled("UpdateEndpoint", update_endpoint), rows=("endpoint-lifecycle", "autoscaling-update", "service-faults"))
            patch("create_model", throttled("CreateModel", original["create_model"]), rows=("service-faults",))
            patch("create_endpoint_config", throttled("CreateEndpointConfig", original["create_endpoint_config"]), rows=("service-faults",))
            patch("create_model_package", create_model_package, rows=("model-package-no-tags", "model-package-events"))
            patch("create_processing_job", throttled("CreateProcessingJob", create_processing_job), rows=("stage-job-lifecycle", "service-faults"))
            patch("describe_processing_job", throttled("DescribeProcessingJob", describe_processing_job), rows=("stage-job-lifecycle", "service-faults"))
            patch("create_transform_job", throttled("CreateTransformJob", create_transform_job), rows=("stage-job-lifecycle", "service-faults"))
            patch("describe_transform_job", throttled("DescribeTransformJob", describe_transform_job), rows=("stage-job-lifecycle", "service-faults"))
            patch("_get_resource_from_arn", resource_from_arn, rows=("model-package-no-tags",))
            patch("add_tags", add_tags, rows=("addtags-overwrites",))
            patch("update_model_package", update_model_package, rows=("model-package-events",))
            patch("stop_training_job", stop_training_job, rows=("training-job-stop",))
            stack.enter_context(override(SageMakerResponse, "stop_training_job", stop_training_job_response, rows=("training-job-stop",), create=True))
            patch("delete_model_package", delete_model_package, rows=("model-package-delete",))
            patch("delete_model_package_group", delete_model_package_group, rows=("model-package-delete",))
            stack.enter_context(override(SageMakerResponse, "delete_model_package", delete_model_package_response,
                                         rows=("model-package-delete",), create=True))
            stack.enter_context(override(SageMakerResponse, "delete_model_package_group", delete_model_package_group_response,
                                         rows=("model-package-delete",), create=True))
            stack.enter_context(override(SageMakerResponse, "delete_endpoint", delete_endpoint_response, rows=("endpoint-lifecycle",)))
            stack.enter_context(override(SageMakerResponse, "update_endpoint", update_endpoint_response, rows=("endpoint-lifecycle",), create=True))
            yield self
