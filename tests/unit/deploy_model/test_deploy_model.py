import boto3
import pytest
from moto import mock_aws

from local_aws.clock import Clock
from local_aws.sagemaker import SageMakerEmulator, TrainingOutcome
from pipeline_common import names
from pipeline_common.errors import ConfigError, InvalidInput, ResourceConflict
from tests.conftest import event, load_handler

app = load_handler("deploy_model")
ENVIRONMENT = {
    "ENDPOINT_NAME": "multiclass", "SERVING_IMAGE": "123456789012.dkr.ecr.us-east-1.amazonaws.com/retrain:1",
    "SAGEMAKER_ROLE_ARN": "arn:aws:iam::123456789012:role/sagemaker", "MODEL_PACKAGE_GROUP": "retrain-multiclass",
    "STACK_NAME": "retrain-prod", "HOSTING_INSTANCE_TYPE": "ml.m5.large", "HOSTING_INSTANCE_COUNT": "1",
    "QUALITY_GATE": "Enabled", "OBJECTIVE_METRIC": "validation:accuracy", "OBJECTIVE_DIRECTION": "Maximize",
    "METRIC_FLOOR": "0.8", "MIN_IMPROVEMENT": "0",
}


@pytest.fixture
def emulator():
    """moto lacks update_endpoint and job lifecycles; the local run's emulator supplies them."""
    return SageMakerEmulator(Clock())


@pytest.fixture
def sagemaker(monkeypatch, emulator):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with mock_aws(), emulator.installed():
        yield boto3.client("sagemaker")


def deploy_event(job="retrain-multiclass-20261123", accuracy=0.95):
    payload = event("deploy_model")
    payload["training"]["job_name"] = job
    payload["training"]["status"]["metrics"] = {"validation:accuracy": accuracy}
    return payload


def serve_existing_model(sagemaker, emulator, job="retrain-multiclass-20261122", accuracy=0.93):
    """An endpoint serving a model of this pipeline, trained by a job that reported ``accuracy``."""
    emulator.training = lambda name, request: TrainingOutcome(duration_seconds=0, metrics={"validation:accuracy": accuracy})
    sagemaker.create_training_job(
        TrainingJobName=job, AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
        RoleArn=ENVIRONMENT["SAGEMAKER_ROLE_ARN"], OutputDataConfig={"S3OutputPath": "s3://b/o"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
    )
    sagemaker.create_model(ModelName=job, PrimaryContainer={"Image": "img"}, ExecutionRoleArn=ENVIRONMENT["SAGEMAKER_ROLE_ARN"],
                           Tags=[{"Key": app.TAG_TRAINING_JOB, "Value": job}])
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
    assert tags[app.TAG_MODEL_PACKAGE] == result["model_package_arn"]
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


def test_an_endpoint_busy_updating_is_a_conflict_not_a_second_update():
    class Busy:
        def update_endpoint(self, **kwargs):
            raise AssertionError("must not update a busy endpoint")

    with pytest.raises(ResourceConflict, match="Updating"):
        app.roll_out(Busy(), "multiclass", {"EndpointConfigName": "old", "EndpointStatus": "Updating"}, "new", [])


def test_missing_artifacts_and_bad_gate_settings_are_named(sagemaker, monkeypatch):
    payload = deploy_event()
    payload["training"]["status"]["model_artifacts"] = ""
    with pytest.raises(InvalidInput, match="no model artifacts"):
        app.lambda_handler(payload, None)
    monkeypatch.setenv("METRIC_FLOOR", "high")
    with pytest.raises(ConfigError, match="METRIC_FLOOR='high'"):
        app.lambda_handler(deploy_event(), None)
