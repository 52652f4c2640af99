"""DeployModel with deploy_target batch: no endpoint; the last deployment recorded in the history is the version in use."""

import boto3
import pytest
from botocore.exceptions import ClientError

from pipeline_common import history, in_use, names
from pipeline_common.errors import ConfigError, ResourceConflict
from tests.unit.deploy_model.test_deploy_model import ENVIRONMENT, app, approved_package, deploy_event, finished_training_job

ENDPOINT_ONLY = ("ENDPOINT_NAME", "HOSTING_MODE", "HOSTING_INSTANCE_TYPE", "HOSTING_INSTANCE_COUNT", "SERVERLESS_MEMORY_MB",
                 "SERVERLESS_MAX_CONCURRENCY", "DATA_CAPTURE_PERCENT", "DATA_CAPTURE_URI", "AUTOSCALING_MIN", "AUTOSCALING_MAX",
                 "AUTOSCALING_TARGET", "ROLLOUT_STRATEGY", "CANARY_PERCENT", "LINEAR_PERCENT", "ROLLOUT_WAIT_SECONDS", "BAKING_SECONDS",
                 "ROLLBACK_ALARMS", "ENDPOINT_BUDGET_SECONDS")
GROUP = ENVIRONMENT["MODEL_PACKAGE_GROUP"]
YESTERDAY, TODAY = "retrain-multiclass-20261122", "retrain-multiclass-20261123"


@pytest.fixture
def batch(sagemaker, monkeypatch):
    """The batch template sets none of the endpoint's variables: DeployModel must not need them."""
    monkeypatch.setenv("DEPLOY_TARGET", "batch")
    for name in ENDPOINT_ONLY:
        monkeypatch.delenv(name)
    return sagemaker


def tags_of(sagemaker, arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in sagemaker.list_tags(ResourceArn=arn)["Tags"]}


def marked_in_use(sagemaker) -> str:
    last = history.latest(boto3.client("s3"), history.location())
    return last["model_package_arn"] if last else ""


def recorded(at: str) -> str:
    """The deployment record written at ``at``, as model-history prints it."""
    (entry,) = [r for r in history.records(boto3.client("s3"), history.location()) if r["at"] == at]
    return history.describe(entry)


def put_yesterdays_model_in_use(sagemaker, emulator, accuracy=0.93) -> dict:
    finished_training_job(sagemaker, emulator, YESTERDAY, accuracy)
    result = app.lambda_handler(deploy_event(job=YESTERDAY, accuracy=accuracy), None)
    assert result["action"] == "registered"
    return result


def test_the_first_model_is_registered_created_and_marked_in_use_with_no_endpoint(batch):
    result = app.lambda_handler(deploy_event(job=TODAY), None)
    assert (result["action"], result["endpoint_name"], result["endpoint_config_name"], result["model_name"]) == ("registered", "", "", TODAY)
    assert result["gate"]["approved"] and result["gate"]["comparison"] == "none"
    assert marked_in_use(batch) == result["model_package_arn"]
    model = batch.describe_model(ModelName=TODAY)
    assert tags_of(batch, model["ModelArn"])[names.TAG_MODEL_PACKAGE] == result["model_package_arn"]
    assert batch.list_endpoints()["Endpoints"] == [] and batch.list_endpoint_configs()["EndpointConfigs"] == []
    assert recorded(result["record"]["recorded_at"]).startswith("target=batch predictions; origin=daily; replaced=nothing")


def test_the_gate_compares_with_the_version_in_use_and_a_better_model_replaces_it(batch, emulator):
    first = put_yesterdays_model_in_use(batch, emulator)
    result = app.lambda_handler(deploy_event(job=TODAY, accuracy=0.95), None)
    assert result["action"] == "registered"
    assert (result["previous_model"], result["previous_model_package"]) == (YESTERDAY, first["model_package_arn"])
    assert result["gate"]["current"] == 0.93, "the version in use's own metric, read from its training job"
    assert marked_in_use(batch) == result["model_package_arn"]
    assert "replaced=version 1" in recorded(result["record"]["recorded_at"])


def test_a_worse_model_is_rejected_and_the_version_in_use_stays(batch, emulator):
    first = put_yesterdays_model_in_use(batch, emulator)
    result = app.lambda_handler(deploy_event(job=TODAY, accuracy=0.85), None)
    assert (result["action"], result["model_name"]) == ("rejected", "")
    assert marked_in_use(batch) == first["model_package_arn"]
    assert [m["ModelName"] for m in batch.list_models()["Models"]] == [YESTERDAY]


def test_a_rerun_finds_todays_model_in_use_and_registers_nothing_again(batch):
    first = app.lambda_handler(deploy_event(job=TODAY), None)
    again = app.lambda_handler(deploy_event(job=TODAY), None)
    assert again["action"] == "already_serving"
    assert len(batch.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]) == 1
    assert marked_in_use(batch) == first["model_package_arn"]


def test_a_rollback_marks_the_named_version_in_use_and_recreates_its_deleted_model(batch, emulator):
    old = approved_package(batch)
    put_yesterdays_model_in_use(batch, emulator)
    result = app.lambda_handler({"input": {"DEPLOY_PACKAGE": old, "ORIGIN": "rollback", "REQUESTED_BY": "alice", "REASON": "drift"},
                                 "execution": "arn:aws:states:us-east-1:1:execution:m:rb"}, None)
    assert (result["action"], result["version"], result["origin"], result["previous_model"]) == ("registered", 1, "rollback", YESTERDAY)
    assert marked_in_use(batch) == old
    assert batch.describe_model(ModelName="retrain-multiclass-20261120")["PrimaryContainer"]["ModelDataUrl"] == "s3://b/m/model.tar.gz"
    assert recorded(result["record"]["recorded_at"]).endswith("origin=rollback; replaced=version 2; execution=rb")


def test_a_version_that_is_not_approved_is_never_put_in_use(batch, emulator):
    first = put_yesterdays_model_in_use(batch, emulator)
    pending = batch.create_model_package(ModelPackageGroupName=GROUP, ModelApprovalStatus="PendingManualApproval",
                                         InferenceSpecification={"Containers": [{"Image": "img", "ModelDataUrl": "s3://b/x.tar.gz"}],
                                                                 "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]})["ModelPackageArn"]
    with pytest.raises(ResourceConflict, match="is PendingManualApproval, not Approved"):
        app.lambda_handler({"input": {"DEPLOY_PACKAGE": pending}, "execution": "arn:x"}, None)
    assert marked_in_use(batch) == first["model_package_arn"]


def test_a_deleted_model_of_the_version_in_use_is_named_with_the_way_back(batch, emulator):
    first = put_yesterdays_model_in_use(batch, emulator)
    batch.delete_model(ModelName=YESTERDAY)
    found = in_use.in_history(batch, boto3.client("s3"), history.location())
    assert found["model_name"] == "" and found["model_package_arn"] == first["model_package_arn"]
    assert found["why"] == f"model {YESTERDAY} of version 1 in use was deleted: scripts/rollback --to 1 creates it again"


def test_an_unknown_deploy_target_is_named(batch, monkeypatch):
    monkeypatch.setenv("DEPLOY_TARGET", "lambda")
    with pytest.raises(ConfigError, match="DEPLOY_TARGET='lambda' must be one of endpoint, batch"):
        app.lambda_handler(deploy_event(), None)


def test_a_version_in_use_that_left_the_registry_is_named(batch, emulator):
    first = put_yesterdays_model_in_use(batch, emulator)
    gone = first["model_package_arn"].rsplit("/", 1)[0] + "/9"
    history.record(boto3.client("s3"), history.location(), gone, "", "arn:x:execution:m:by-hand", "", "rollback")
    found = in_use.in_history(batch, boto3.client("s3"), history.location())
    assert (found["model_name"], found["why"]) == ("", f"the version in use ({gone}) is no longer in the registry")


def test_a_deployment_record_that_cannot_be_written_changes_nothing_in_use_and_says_so(batch, emulator, monkeypatch):
    first = put_yesterdays_model_in_use(batch, emulator)

    def denied(*args, **kwargs):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "PutObject")

    monkeypatch.setattr(history, "record", denied)
    with pytest.raises(app.DeployRefused, match=r"the deployment record s3://data-bucket/deployment-history/retrain-multiclass/ could not be "
                                                r"written: AccessDenied: Access Denied. The model in use for batch predictions was not changed"):
        app.lambda_handler(deploy_event(job=TODAY, accuracy=0.95), None)
    assert marked_in_use(batch) == first["model_package_arn"]
