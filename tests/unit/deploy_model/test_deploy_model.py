import re

import boto3
import pytest
from botocore.exceptions import ClientError

from local_aws.sagemaker import TrainingOutcome
from pipeline_common import history, names
from pipeline_common.errors import ConfigError, EndpointNotReady, InvalidInput, ResourceConflict
from tests.conftest import event, load_handler
from tests.unit.deploy_model.conftest import ENVIRONMENT

app = load_handler("deploy_model")
def deploy_event(job="retrain-multiclass-20261123", accuracy=0.95):
    payload = event("deploy_model")
    payload["training"]["job_name"] = job
    payload["training"]["status"]["metrics"] = {"validation:accuracy": accuracy}
    return payload


def finished_training_job(sagemaker, emulator, job: str, accuracy: float) -> None:
    """A training job of this pipeline that reported ``accuracy``."""
    emulator.training = lambda name, request: TrainingOutcome(duration_seconds=0, metrics={"validation:accuracy": accuracy})
    sagemaker.create_training_job(
        TrainingJobName=job, AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
        RoleArn=ENVIRONMENT["SAGEMAKER_ROLE_ARN"], OutputDataConfig={"S3OutputPath": "s3://b/o"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
    )


def serve_existing_model(sagemaker, emulator, job="retrain-multiclass-20261122", accuracy=0.93):
    """An endpoint serving a model of this pipeline, trained by a job that reported ``accuracy``."""
    finished_training_job(sagemaker, emulator, job, accuracy)
    sagemaker.create_model(ModelName=job, PrimaryContainer={"Image": "img"}, ExecutionRoleArn=ENVIRONMENT["SAGEMAKER_ROLE_ARN"],
                           Tags=[{"Key": names.TAG_TRAINING_JOB, "Value": job}])
    sagemaker.create_endpoint_config(EndpointConfigName=job, ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": job, "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    sagemaker.create_endpoint(EndpointName="multiclass", EndpointConfigName=job)
    emulator.clock.advance(3600)
    assert sagemaker.describe_endpoint(EndpointName="multiclass")["EndpointStatus"] == "InService"


def test_first_deploy_creates_model_config_and_endpoint_tagged_and_registered(sagemaker):
    result = app.lambda_handler(deploy_event(), None)
    assert result["action"] == "created"
    assert result["gate"]["approved"] and result["gate"]["current"] is None
    model = sagemaker.describe_model(ModelName="retrain-multiclass-20261123")
    assert model["PrimaryContainer"]["ModelDataUrl"].endswith("/retrain-multiclass-20261123/output/model.tar.gz")
    assert sagemaker.describe_endpoint(EndpointName="multiclass")["EndpointConfigName"] == "retrain-multiclass-20261123"
    tags = {t["Key"]: t["Value"] for t in sagemaker.list_tags(ResourceArn=model["ModelArn"])["Tags"]}
    assert tags[names.TAG_PIPELINE] == "retrain-prod"
    assert tags[names.TAG_MODEL_PACKAGE] == result["model_package_arn"]
    package = sagemaker.describe_model_package(ModelPackageName=result["model_package_arn"])
    assert package["ModelApprovalStatus"] == "Approved"
    assert package["CustomerMetadataProperties"]["data_date"] == "2026-11-23"
    assert package["CustomerMetadataProperties"]["metric_value"] == "0.95"


def test_a_better_model_updates_the_endpoint(sagemaker, emulator):
    serve_existing_model(sagemaker, emulator, accuracy=0.93)
    result = app.lambda_handler(deploy_event(accuracy=0.95), None)
    assert (result["action"], result["previous_config"]) == ("updated", "retrain-multiclass-20261122")
    assert result["gate"]["current"] == 0.93


def test_a_worse_model_is_registered_rejected_and_the_endpoint_untouched(sagemaker, emulator):
    serve_existing_model(sagemaker, emulator, accuracy=0.96)
    result = app.lambda_handler(deploy_event(accuracy=0.91), None)
    assert result["action"] == "rejected"
    assert "not better than the serving model's 0.96" in result["gate"]["reason"]
    assert sagemaker.describe_model_package(ModelPackageName=result["model_package_arn"])["ModelApprovalStatus"] == "Rejected"
    assert sagemaker.describe_endpoint(EndpointName="multiclass")["EndpointConfigName"] == "retrain-multiclass-20261122"
    assert "retrain-multiclass-20261123" not in [m["ModelName"] for m in sagemaker.list_models()["Models"]]


def test_below_the_floor_is_rejected_on_first_deploy(sagemaker):
    result = app.lambda_handler(deploy_event(accuracy=0.5), None)
    assert result["action"] == "rejected" and "misses the floor 0.8" in result["gate"]["reason"]
    assert sagemaker.list_endpoints()["Endpoints"] == []


def test_gate_disabled_deploys_a_worse_model(sagemaker, emulator, monkeypatch):
    monkeypatch.setenv("QUALITY_GATE", "Disabled")
    serve_existing_model(sagemaker, emulator, accuracy=0.96)
    result = app.lambda_handler(deploy_event(accuracy=0.5), None)
    assert result["action"] == "updated" and result["gate"]["reason"] == "quality gate disabled"


def test_a_missing_objective_metric_fails_naming_the_metrics_seen(sagemaker):
    payload = deploy_event()
    payload["training"]["status"]["metrics"] = {"train:accuracy": 1.0}
    with pytest.raises(app.MetricMissing, match="no validation:accuracy.*train:accuracy"):
        app.lambda_handler(payload, None)


def test_a_retried_invocation_neither_duplicates_nor_fails(sagemaker):
    first = app.lambda_handler(deploy_event(), None)
    second = app.lambda_handler(deploy_event(), None)
    assert second["action"] == "unchanged"
    assert second["model_package_arn"] == first["model_package_arn"]
    assert len(sagemaker.list_model_packages(ModelPackageGroupName="retrain-multiclass")["ModelPackageSummaryList"]) == 1


def test_a_rerun_after_the_model_deployed_says_it_already_serves_and_touches_nothing(sagemaker, emulator):
    first = app.lambda_handler(deploy_event(), None)
    emulator.clock.advance(3600)
    packages = sagemaker.list_model_packages(ModelPackageGroupName="retrain-multiclass")["ModelPackageSummaryList"]
    again = app.lambda_handler(deploy_event(), None)
    assert again["action"] == "already_serving" and again["gate"] == {} and again["model_package_arn"] == ""
    assert sagemaker.list_model_packages(ModelPackageGroupName="retrain-multiclass")["ModelPackageSummaryList"] == packages
    assert sagemaker.describe_model_package(ModelPackageName=first["model_package_arn"])["ModelApprovalStatus"] == "Approved"


def test_an_endpoint_busy_updating_is_retried_not_updated_twice():
    class Busy:
        def update_endpoint(self, **kwargs):
            raise AssertionError("must not update a busy endpoint")

    with pytest.raises(EndpointNotReady, match="Updating"):
        app.roll_out(Busy(), "multiclass", {"EndpointConfigName": "old", "EndpointStatus": "Updating"}, "new", [])


@pytest.mark.parametrize("status", ["UpdateRollbackFailed", "OutOfService"])
def test_an_endpoint_the_operator_must_repair_fails_before_anything_is_created(sagemaker, emulator, status):
    serve_existing_model(sagemaker, emulator)
    sagemaker_backend_endpoint(status)
    with pytest.raises(ResourceConflict, match=f"endpoint multiclass is {status}"):
        app.lambda_handler(deploy_event(), None)
    assert [m["ModelName"] for m in sagemaker.list_models()["Models"]] == ["retrain-multiclass-20261122"]
    assert [c["EndpointConfigName"] for c in sagemaker.list_endpoint_configs()["EndpointConfigs"]] == ["retrain-multiclass-20261122"]
    assert sagemaker.list_model_packages(ModelPackageGroupName="retrain-multiclass")["ModelPackageSummaryList"] == [] if \
        sagemaker.list_model_package_groups()["ModelPackageGroupSummaryList"] else True


def sagemaker_backend_endpoint(status: str) -> None:
    from moto.backends import get_backend

    get_backend("sagemaker")["123456789012"]["us-east-1"].endpoints["multiclass"].endpoint_status = status


def test_an_endpoint_left_failed_is_deleted_then_created_again_and_says_so(sagemaker, emulator):
    from local_aws.sagemaker import EndpointOutcome

    emulator.endpoint = EndpointOutcome(result="Failed", failure_reason="ping health check failed")
    app.lambda_handler(deploy_event(job="retrain-multiclass-20261122"), None)
    emulator.clock.advance(3600)
    assert sagemaker.describe_endpoint(EndpointName="multiclass")["EndpointStatus"] == "Failed"
    emulator.endpoint = EndpointOutcome()
    with pytest.raises(EndpointNotReady, match="was Failed and is being deleted"):
        app.lambda_handler(deploy_event(), None)
    assert sagemaker.describe_endpoint(EndpointName="multiclass")["EndpointStatus"] == "Deleting"
    with pytest.raises(EndpointNotReady, match="Deleting"):
        app.lambda_handler(deploy_event(), None)
    emulator.clock.advance(600)
    result = app.lambda_handler(deploy_event(), None)
    assert result["action"] == "created"
    assert "endpoint multiclass was Failed on config retrain-multiclass-20261122 (ping health check failed)" in result["replaced"]


@pytest.mark.parametrize(("operation", "code", "message"), [
    ("CreateEndpoint", "ResourceLimitExceeded", "The account-level service limit 'ml.m5.large for endpoint usage' is 0 Instances"),
    ("CreateEndpointConfig", "ValidationException", "1 validation error detected: Value 'ml.nope.large' at 'productionVariants.1.member.instanceType'"),
])
def test_a_refused_deploy_removes_what_it_created_and_names_the_refusal(sagemaker, emulator, operation, code, message):
    emulator.refuse[operation] = (code, message)
    with pytest.raises(app.DeployRefused, match=f"was refused: {code}: .*Removed what this step had created.*The endpoint was not changed"):
        app.lambda_handler(deploy_event(), None)
    assert sagemaker.list_models()["Models"] == [] and sagemaker.list_endpoint_configs()["EndpointConfigs"] == []
    assert sagemaker.list_endpoints()["Endpoints"] == []


def test_a_nan_metric_is_never_approved_even_with_no_floor_and_no_serving_model(sagemaker, monkeypatch):
    import json

    monkeypatch.setenv("METRIC_FLOOR", "")
    result = app.lambda_handler(deploy_event(accuracy="NaN"), None)
    assert result["action"] == "rejected" and "is NaN" in result["gate"]["reason"]
    assert result["gate"]["candidate"] == "NaN"
    json.dumps(result, allow_nan=False)
    assert sagemaker.list_endpoints()["Endpoints"] == []


def test_a_nan_metric_is_not_deployed_with_the_gate_disabled_either(sagemaker, monkeypatch):
    monkeypatch.setenv("QUALITY_GATE", "Disabled")
    result = app.lambda_handler(deploy_event(accuracy=float("inf")), None)
    assert result["action"] == "rejected" and "even with the quality gate disabled" in result["gate"]["reason"]


@pytest.mark.parametrize(("mutate", "named"), [
    (lambda e: e["training"].pop("job_name"), "no 'training.job_name'"),
    (lambda e: e["training"].update(status="Completed"), "'training.status' is str 'Completed', expected an object"),
    (lambda e: e.update(data=None), "'data' is NoneType None, expected an object"),
    (lambda e: e["training"]["status"].update(metrics=[0.9]), "'training.status.metrics' is list"),
])
def test_a_malformed_event_names_the_key(sagemaker, mutate, named):
    payload = deploy_event()
    mutate(payload)
    with pytest.raises(InvalidInput, match=named):
        app.lambda_handler(payload, None)


def test_missing_artifacts_and_bad_gate_settings_are_named(sagemaker, monkeypatch):
    payload = deploy_event()
    payload["training"]["status"]["model_artifacts"] = ""
    with pytest.raises(InvalidInput, match="no model artifacts"):
        app.lambda_handler(payload, None)
    monkeypatch.setenv("METRIC_FLOOR", "high")
    with pytest.raises(ConfigError, match="METRIC_FLOOR='high'"):
        app.lambda_handler(deploy_event(), None)


def test_a_run_started_with_promote_false_registers_the_approved_model_and_changes_nothing(sagemaker):
    result = app.lambda_handler({**deploy_event(), "input": {"DATE": "2026-11-24", "PROMOTE": False}}, None)
    assert result["action"] == "held" and result["gate"]["approved"]
    assert result["model_name"] == "" and result["endpoint_config_name"] == ""
    assert sagemaker.describe_model_package(ModelPackageName=result["model_package_arn"])["ModelApprovalStatus"] == "Approved"
    assert sagemaker.list_endpoints()["Endpoints"] == [] and sagemaker.list_models()["Models"] == []


def test_a_rejected_model_names_no_model_or_config_that_was_never_created(sagemaker, emulator):
    serve_existing_model(sagemaker, emulator, accuracy=0.96)
    result = app.lambda_handler(deploy_event(accuracy=0.91), None)
    assert (result["model_name"], result["endpoint_config_name"]) == ("", "")


def test_an_update_names_the_model_and_package_it_replaces(sagemaker, emulator):
    serve_existing_model(sagemaker, emulator, accuracy=0.93)
    result = app.lambda_handler(deploy_event(accuracy=0.95), None)
    assert result["previous_model"] == "retrain-multiclass-20261122"


SETTINGS = {"enabled": True, "metric": "validation:accuracy", "direction": "Maximize", "floor": 0.8, "min_improvement": 0.0,
            "pooled_min_improvement": -0.005, "rule": "PairedInterval", "fallback": "Recorded", "stale_after_days": 0}
SERVING = {"model_name": "retrain-multiclass-20261122", "model_package_arn": "p", "training_job": "retrain-multiclass-20261122",
           "artifact": "s3://b/output-model/2026-11-22/m/retrain-multiclass-20261122/output/model.tar.gz", "metric": 0.97, "why": ""}
SAME_DATA_METRICS = {"validation:accuracy": 0.87, "validation:rows": 45, "champion:validation:accuracy": 0.58,
                     "paired:validation:accuracy:diff": 0.29, "paired:validation:accuracy:lower": 0.16, "paired:validation:accuracy:upper": 0.44}


def test_the_gate_compares_with_the_champion_scored_on_the_same_rows_not_its_recorded_metric():
    decision = app.decide(SETTINGS, SERVING, SAME_DATA_METRICS, SERVING["artifact"])
    assert decision.approved and decision.comparison == "same-data" and decision.current == 0.58 and decision.rows == 45


@pytest.mark.parametrize(("serving", "scored", "why"), [
    ({**SERVING, "training_job": "", "artifact": ""}, "", "was not trained by this pipeline"),
    (SERVING, "", "was given no champion channel"),
    (SERVING, "s3://b/another/model.tar.gz", "scored another model than the one serving now"),
])
def test_when_the_champion_was_not_scored_the_gate_falls_back_and_says_why(serving, scored, why):
    metrics = {"validation:accuracy": 0.98}
    decision = app.decide(SETTINGS, serving, metrics, scored)
    assert decision.comparison == "recorded" and why in decision.reason and decision.reason.startswith("fallback:")


def test_a_container_that_reports_no_champion_metric_is_named_in_the_fallback():
    decision = app.decide(SETTINGS, SERVING, {"validation:accuracy": 0.98}, SERVING["artifact"])
    assert "the container reported no champion:validation:accuracy" in decision.reason and decision.approved


def test_champion_fallback_reject_refuses_a_model_the_champion_could_not_be_compared_with():
    decision = app.decide({**SETTINGS, "fallback": "Reject"}, SERVING, {"validation:accuracy": 0.99}, "")
    assert not decision.approved and "ChampionFallback=Reject" in decision.reason


def test_the_model_package_records_the_comparison_its_numbers_and_rows(sagemaker):
    decision = app.decide(SETTINGS, SERVING, SAME_DATA_METRICS, SERVING["artifact"])
    arn = app.register_model_package(sagemaker, "retrain-multiclass", "retrain-multiclass-20261123", "s3://b/m.tar.gz", "img", decision, "2026-11-23", [
        {"Key": names.TAG_PIPELINE, "Value": "s"}])
    metadata = sagemaker.describe_model_package(ModelPackageName=arn)["CustomerMetadataProperties"]
    assert metadata["comparison"] == "same-data" and metadata["champion_metric_value"] == "0.58"
    assert (metadata["same_data_rows"], metadata["same_data_lower"], metadata["same_data_upper"]) == ("45", "0.16", "0.44")


def approved_package(sagemaker, status="Approved") -> str:
    sagemaker.create_model_package_group(ModelPackageGroupName="retrain-multiclass")
    return sagemaker.create_model_package(
        ModelPackageGroupName="retrain-multiclass", ModelApprovalStatus=status,
        InferenceSpecification={"Containers": [{"Image": "img", "ModelDataUrl": "s3://b/m/model.tar.gz"}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
        CustomerMetadataProperties={"training_job": "retrain-multiclass-20261120", "data_date": "2026-11-20"})["ModelPackageArn"]


def test_a_package_input_deploys_exactly_that_version_without_gate_or_training(sagemaker):
    arn = approved_package(sagemaker)
    result = app.lambda_handler({"input": {"DEPLOY_PACKAGE": arn, "ORIGIN": "rollback", "REQUESTED_BY": "alice", "REASON": "why"},
                                 "execution": "arn:x"}, None)
    assert (result["action"], result["version"], result["origin"], result["data_date"]) == ("created", 1, "rollback", "2026-11-20")
    assert sagemaker.describe_model(ModelName="retrain-multiclass-20261120")["PrimaryContainer"]["ModelDataUrl"] == "s3://b/m/model.tar.gz"
    assert result["gate"] == {} and (result["requested_by"], result["reason"]) == ("alice", "why")


@pytest.mark.parametrize("status", ["PendingManualApproval", "Rejected"])
def test_a_package_that_is_not_approved_is_never_deployed(sagemaker, status):
    arn = approved_package(sagemaker, status)
    with pytest.raises(ResourceConflict, match=f"version 1 is {status}, not Approved: approve it first"):
        app.lambda_handler({"input": {"DEPLOY_PACKAGE": arn}, "execution": "arn:x"}, None)
    assert sagemaker.list_endpoints()["Endpoints"] == []


def test_a_package_from_another_group_is_refused(sagemaker, monkeypatch):
    arn = approved_package(sagemaker)
    monkeypatch.setenv("MODEL_PACKAGE_GROUP", "other-group")
    with pytest.raises(InvalidInput, match="is in group 'retrain-multiclass', not this pipeline's other-group"):
        app.lambda_handler({"input": {"DEPLOY_PACKAGE": arn}, "execution": "arn:x"}, None)


def test_manual_mode_registers_a_passing_model_pending_and_deploys_nothing(sagemaker, monkeypatch):
    monkeypatch.setenv("APPROVAL_MODE", "Manual")
    result = app.lambda_handler(deploy_event(), None)
    assert result["action"] == "pending_approval" and result["version"] == 1
    assert sagemaker.describe_model_package(ModelPackageName=result["model_package_arn"])["ModelApprovalStatus"] == "PendingManualApproval"
    assert sagemaker.list_endpoints()["Endpoints"] == []


def test_recording_a_deployment_writes_when_where_and_what_it_replaced_to_the_history_not_to_the_package(sagemaker):
    arn = approved_package(sagemaker)
    result = app.lambda_handler({"record": {"model_package_arn": arn, "previous_model_package": "", "origin": "daily"},
                                 "execution": "arn:aws:states:us-east-1:1:execution:m:run-1"}, None)
    (entry,) = history.records(boto3.client("s3"), history.location())
    assert entry["at"] == result["recorded_at"] and entry["model_package_arn"] == arn
    assert history.describe(entry) == "endpoint=multiclass; origin=daily; replaced=nothing; execution=run-1"
    with pytest.raises(ClientError, match="versioned model package"):
        sagemaker.list_tags(ResourceArn=arn)


def test_a_model_package_in_a_group_takes_no_tags_of_its_own(sagemaker):
    """CreateModelPackage, Tags: with ModelPackageGroupName "you cannot supply a tag argument"; the emulator refuses as AWS does."""
    sagemaker.create_model_package_group(ModelPackageGroupName="g")
    with pytest.raises(ClientError, match="Tags cannot be supplied with ModelPackageGroupName"):
        sagemaker.create_model_package(ModelPackageGroupName="g", Tags=[{"Key": "k", "Value": "v"}], InferenceSpecification={
            "Containers": [{"Image": "img"}], "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]})


def test_a_rollout_longer_than_the_endpoint_loop_is_refused_before_anything_is_created(sagemaker, monkeypatch):
    monkeypatch.setenv("ROLLOUT_STRATEGY", "Linear")
    monkeypatch.setenv("LINEAR_PERCENT", "10")
    monkeypatch.setenv("ROLLOUT_WAIT_SECONDS", "3600")
    with pytest.raises(ConfigError, match="RolloutStrategy=Linear shifts for 9 x 3600 s.*more than the endpoint loop's 5400 s"):
        app.lambda_handler(deploy_event(), None)
    assert sagemaker.list_models()["Models"] == []


def test_an_update_sends_the_blue_green_deployment_config(sagemaker, emulator, monkeypatch):
    monkeypatch.setenv("ROLLOUT_STRATEGY", "Canary")
    serve_existing_model(sagemaker, emulator, accuracy=0.93)
    app.lambda_handler(deploy_event(accuracy=0.95), None)
    (deployment,) = emulator.deployment_configs
    assert deployment["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "CANARY"


def test_settings_lost_in_an_update_are_reported_and_autoscaling_is_registered_again(sagemaker, monkeypatch):
    monkeypatch.setenv("DATA_CAPTURE_PERCENT", "20")
    monkeypatch.setenv("AUTOSCALING_MAX", "4")

    class Endpoint:
        def describe_endpoint(self, EndpointName):
            return {"EndpointName": EndpointName, "EndpointConfigName": "new", "EndpointStatus": "InService"}

    class Autoscaling:
        def __init__(self):
            self.registered, self.policies = [], []

        def describe_scalable_targets(self, **kwargs):
            return {"ScalableTargets": []}

        def register_scalable_target(self, **kwargs):
            self.registered.append(kwargs)

        def put_scaling_policy(self, **kwargs):
            self.policies.append(kwargs)

    autoscaling = Autoscaling()
    checks, problems = app.after_update(Endpoint(), autoscaling, "multiclass", "new")
    assert checks == ["serves config new", "autoscaling 1-4 instances at 100 invocations per instance (registered)"]
    assert problems == ["data capture 20 % to s3://data-bucket/output-model/data-capture/multiclass: the endpoint reports none"]
    assert autoscaling.registered[0]["ResourceId"] == "endpoint/multiclass/variant/AllTraffic"
    assert autoscaling.policies[0]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 100.0


def test_data_capture_with_serverless_hosting_is_refused(sagemaker, monkeypatch):
    monkeypatch.setenv("DATA_CAPTURE_PERCENT", "20")
    monkeypatch.setenv("HOSTING_MODE", "Serverless")
    with pytest.raises(ConfigError, match="Serverless Inference does not support data capture"):
        app.data_capture()


@pytest.mark.parametrize(("remove", "disable", "said"), [
    ("s-multiclass-model-latency", "", "rollback alarm(s) s-multiclass-model-latency do not exist"),
    ("", "s-multiclass-invocation-5xx", "rollback alarm(s) s-multiclass-invocation-5xx have their actions disabled"),
])
def test_an_update_whose_rollback_alarms_are_gone_or_disabled_is_not_made(sagemaker, emulator, remove, disable, said):
    serve_existing_model(sagemaker, emulator, accuracy=0.93)
    cloudwatch = boto3.client("cloudwatch")
    if remove:
        cloudwatch.delete_alarms(AlarmNames=[remove])
    if disable:
        cloudwatch.disable_alarm_actions(AlarmNames=[disable])
    serving = sagemaker.describe_endpoint(EndpointName="multiclass")["EndpointConfigName"]
    models = sagemaker.list_models()["Models"]
    with pytest.raises(app.DeployRefused, match=re.escape(said) + ".*it was not updated and still serves the current model.*create-stack.sh"):
        app.lambda_handler(deploy_event(accuracy=0.95), None)
    assert sagemaker.describe_endpoint(EndpointName="multiclass")["EndpointConfigName"] == serving
    assert sagemaker.list_models()["Models"] == models, "nothing was created for an update that is not made"


def register_autoscaling(maximum: int = 4) -> None:
    boto3.client("application-autoscaling").register_scalable_target(
        ServiceNamespace="sagemaker", ResourceId="endpoint/multiclass/variant/AllTraffic", ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1, MaxCapacity=maximum)


def test_an_autoscaled_fleet_keeps_the_size_autoscaling_gave_it_through_an_update(sagemaker, emulator):
    """The new config's InitialInstanceCount is 1; autoscaling grew the fleet to 3: the update retains 3 (RetainAllVariantProperties)."""
    serve_existing_model(sagemaker, emulator, accuracy=0.93)
    register_autoscaling()
    emulator.fleet_sizes["multiclass"] = 3
    assert app.lambda_handler(deploy_event(accuracy=0.95), None)["action"] == "updated"
    assert emulator.fleet_sizes["multiclass"] == 3


def test_without_autoscaling_an_update_takes_the_configs_instance_count(sagemaker, emulator):
    serve_existing_model(sagemaker, emulator, accuracy=0.93)
    emulator.fleet_sizes["multiclass"] = 3
    assert app.lambda_handler(deploy_event(accuracy=0.95), None)["action"] == "updated"
    assert emulator.fleet_sizes["multiclass"] == 1


def test_an_instance_type_change_deregisters_the_scalable_target_before_the_update(sagemaker, emulator, monkeypatch):
    """SageMaker refuses an update that changes the instance type of a scalable target (the emulator too): deregister first."""
    serve_existing_model(sagemaker, emulator, accuracy=0.93)
    register_autoscaling()
    monkeypatch.setenv("HOSTING_INSTANCE_TYPE", "ml.m5.xlarge")
    assert app.lambda_handler(deploy_event(accuracy=0.95), None)["action"] == "updated"
    assert boto3.client("application-autoscaling").describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []


def test_the_emulator_refuses_an_instance_type_change_of_a_scalable_target(sagemaker, emulator):
    serve_existing_model(sagemaker, emulator, accuracy=0.93)
    register_autoscaling()
    sagemaker.create_endpoint_config(EndpointConfigName="bigger", ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": "retrain-multiclass-20261122", "InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 1}])
    with pytest.raises(ClientError, match="changes the instance type of variant AllTraffic .*registered as a scalable target"):
        sagemaker.update_endpoint(EndpointName="multiclass", EndpointConfigName="bigger")


def test_the_jobs_pooled_lines_reach_the_gate_with_the_days_starttraining_pooled():
    inconclusive = {**SAME_DATA_METRICS, "paired:validation:accuracy:diff": 0.02, "paired:validation:accuracy:lower": -0.04,
                    "paired:validation:accuracy:upper": 0.09, "pooled-long:validation:rows": 630, "pooled-long:paired:validation:accuracy:diff": 0.02,
                    "pooled-long:paired:validation:accuracy:lower": 0.001, "pooled-long:paired:validation:accuracy:upper": 0.04}
    settings = {**SETTINGS, "rule": "PooledEvidence"}
    decision = app.decide(settings, SERVING, inconclusive, SERVING["artifact"], pooled_days={"pooled-long": 14})
    assert decision.approved and decision.evidence == "the last 14 days' 630 rows (pooled-long)" and decision.rows == 630
    unasked = app.decide(settings, SERVING, inconclusive, SERVING["artifact"], pooled_days={})
    assert not unasked.approved, "pooled lines for a pool StartTraining did not give the job are not evidence"
    assert unasked.reason.endswith("(no pooled rows: the container reported none)")
