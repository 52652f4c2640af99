import json
from datetime import date

import boto3
import pytest
from moto import mock_aws

from local_aws.clock import Clock
from local_aws.sagemaker import SageMakerEmulator
from local_aws.servicequotas import applied_quotas
from pipeline_common import history, names
from pipeline_common.errors import ConfigError, InvalidInput
from tests.conftest import event, load_handler

app = load_handler("start_training")
ENVIRONMENT = {
    "BUCKET": "data-bucket", "OUTPUT_PREFIX": "output-model", "TARGET": "multiclass", "RESOURCE_PREFIX": "retrain",
    "STACK_NAME": "retrain-prod", "TRAINING_IMAGE": "123456789012.dkr.ecr.us-east-1.amazonaws.com/retrain:1",
    "SAGEMAKER_ROLE_ARN": "arn:aws:iam::123456789012:role/sagemaker", "TRAINING_INSTANCE_TYPE": "ml.m5.large",
    "TRAINING_INSTANCE_COUNT": "1", "TRAINING_VOLUME_SIZE_GB": "10", "MAX_RUNTIME_SECONDS": "86400",
    "MANAGED_SPOT_TRAINING": "Disabled", "SPOT_MAX_WAIT_SECONDS": "172800",
    "HYPERPARAMETERS": '{"objective": "multi:softmax", "num_class": 3}',
    "METRIC_DEFINITIONS": '[{"Name": "validation:accuracy", "Regex": "validation:accuracy=([0-9.]+)"}]',
    "DEPLOY_TARGET": "endpoint", "ENDPOINT_NAME": "multiclass", "HOSTING_MODE": "Instance", "HOSTING_INSTANCE_TYPE": "ml.m5.large", "HOSTING_INSTANCE_COUNT": "1",
    "GATE_RULE": "PooledEvidence", "POOLED_SHORT_DAYS": "3", "POOLED_LONG_DAYS": "14", "VALIDATION_PREFIX": "input-data-validation",
    "DATA_FILE_NAME": "iris.csv",
}


@pytest.fixture
def sagemaker(monkeypatch, aws_client):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with mock_aws(), applied_quotas({}):
        yield aws_client("sagemaker")


def test_starts_a_job_named_after_the_data_date_with_everything_from_parameters(sagemaker):
    result = app.lambda_handler(event("start_training"), None)
    assert result["job_name"] == "retrain-multiclass-20261123" and not result["adopted"]
    job = sagemaker.describe_training_job(TrainingJobName=result["job_name"])
    assert job["AlgorithmSpecification"]["TrainingImage"] == ENVIRONMENT["TRAINING_IMAGE"]
    assert job["HyperParameters"] == {"objective": "multi:softmax", "num_class": "3"}
    assert job["ResourceConfig"] == {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10}
    assert job["StoppingCondition"]["MaxRuntimeInSeconds"] == 86400
    assert job["OutputDataConfig"]["S3OutputPath"] == "s3://data-bucket/output-model/2026-11-23/multiclass"
    channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"] for c in job["InputDataConfig"]}
    assert channels == event("start_training")["data"]["uris"]
    tags = {t["Key"]: t["Value"] for t in sagemaker.list_tags(ResourceArn=job["TrainingJobArn"])["Tags"]}
    assert tags[names.TAG_PIPELINE] == "retrain-prod" and tags[names.TAG_DATA_DATE] == "2026-11-23"


def test_metric_definitions_are_sent_as_configured():
    settings = {"image": "i", "role_arn": "r", "hyperparameters": {}, "output_path": "s3://b/o", "instance_type": "t",
                "instance_count": 1, "volume_size_gb": 1, "max_runtime_seconds": 60, "spot_max_wait_seconds": 0,
                "metric_definitions": json.loads(ENVIRONMENT["METRIC_DEFINITIONS"])}
    request = app.job_request("job", settings, event("start_training")["data"], [])
    assert request["AlgorithmSpecification"]["MetricDefinitions"][0]["Name"] == "validation:accuracy"


def test_a_retried_invocation_adopts_the_job_instead_of_starting_a_second(sagemaker):
    first = app.lambda_handler(event("start_training"), None)
    second = app.lambda_handler(event("start_training"), None)
    assert second == {**first, "adopted": True}
    assert len(sagemaker.list_training_jobs()["TrainingJobSummaries"]) == 1


class FakeSageMaker:
    """Jobs with chosen statuses, answering a missing job with real SageMaker's words (boto/boto3#2808)."""

    def __init__(self, statuses, not_found=("ValidationException", "Requested resource not found.")):
        self.statuses, self.created, self.not_found = dict(statuses), [], not_found

    def describe_training_job(self, TrainingJobName):
        from botocore.exceptions import ClientError

        if TrainingJobName not in self.statuses:
            code, message = self.not_found
            raise ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}, "DescribeTrainingJob")
        return {"TrainingJobStatus": self.statuses[TrainingJobName]}

    def create_training_job(self, **request):
        self.created.append(request["TrainingJobName"])
        self.statuses[request["TrainingJobName"]] = "InProgress"


def test_after_a_failed_or_stopped_attempt_the_next_attempt_number_is_used():
    from datetime import date

    fake = FakeSageMaker({"retrain-multiclass-20261123": "Failed", "retrain-multiclass-20261123-a2": "Stopped"})
    name, adopted = app.start_or_adopt(fake, "retrain", "multiclass", date(2026, 11, 23), lambda n: {"TrainingJobName": n})
    assert (name, adopted, fake.created) == ("retrain-multiclass-20261123-a3", False, ["retrain-multiclass-20261123-a3"])


def test_a_completed_job_for_the_date_is_adopted():
    from datetime import date

    fake = FakeSageMaker({"retrain-multiclass-20261123": "Completed"})
    assert app.start_or_adopt(fake, "retrain", "multiclass", date(2026, 11, 23), lambda n: {}) == ("retrain-multiclass-20261123", True)
    assert fake.created == []


@pytest.mark.parametrize("not_found", [
    ("ValidationException", "Requested resource not found."),
    ("ValidationException", "Could not find training job 'arn:aws:sagemaker:us-east-1:123456789012:training-job/x'."),
    ("ResourceNotFound", "Training job x does not exist"),
])
def test_a_missing_job_in_any_of_sagemakers_wordings_starts_the_job(not_found):
    from datetime import date

    fake = FakeSageMaker({}, not_found)
    assert app.start_or_adopt(fake, "retrain", "multiclass", date(2026, 11, 23), lambda n: {"TrainingJobName": n}) == ("retrain-multiclass-20261123", False)


def test_a_validation_error_that_is_not_a_missing_job_is_not_mistaken_for_one():
    from datetime import date

    from botocore.exceptions import ClientError

    fake = FakeSageMaker({}, ("ValidationException", "1 validation error detected: Value 'x' at 'trainingJobName' failed to satisfy constraint"))
    with pytest.raises(ClientError, match="failed to satisfy constraint"):
        app.start_or_adopt(fake, "retrain", "multiclass", date(2026, 11, 23), lambda n: {"TrainingJobName": n})
    assert fake.created == []


@pytest.mark.parametrize(("bad_event", "named"), [
    ({"data": {"data_date": "2026-11-23"}}, "no 'data.uris.train'"),
    ({"data": "complete"}, "'data' is str 'complete', expected object"),
    ([], "the event is list"),
    ({"data": {"data_date": 20261123, "uris": {}}}, "'data.data_date' is int 20261123, expected string"),
    ({"data": {"data_date": "23/11/2026", "uris": {"train": "s3://b/t", "validation": "s3://b/v"}}}, "'data.data_date' is '23/11/2026', expected YYYY-MM-DD"),
])
def test_a_malformed_event_names_the_key(sagemaker, bad_event, named):
    with pytest.raises(InvalidInput, match=named):
        app.lambda_handler(bad_event, None)


@pytest.mark.parametrize(("status", "advice"), [
    ("UpdateRollbackFailed", "update-endpoint-weights-and-capacities or delete it"),
    ("OutOfService", "Delete it"),
])
def test_an_endpoint_that_cannot_be_updated_fails_before_any_training_starts(status, advice):
    class Fake(FakeSageMaker):
        def describe_endpoint(self, EndpointName):
            return {"EndpointName": EndpointName, "EndpointStatus": status}

    fake = Fake({})
    with pytest.raises(app.ResourceConflict, match=f"endpoint multiclass is {status}.*{advice}.*No training job was started"):
        app.check_endpoint_first(fake, "multiclass")
    assert fake.created == []


@pytest.mark.parametrize("status", ["InService", "Failed", "Updating", "Deleting"])
def test_an_endpoint_the_deploy_step_can_handle_does_not_stop_training(status):
    class Fake(FakeSageMaker):
        def describe_endpoint(self, EndpointName):
            return {"EndpointName": EndpointName, "EndpointStatus": status}

    app.check_endpoint_first(Fake({}), "multiclass")


def test_malformed_hyperparameters_name_the_variable(sagemaker, monkeypatch):
    monkeypatch.setenv("HYPERPARAMETERS", "{objective: softmax}")
    with pytest.raises(ConfigError, match="HYPERPARAMETERS is not valid JSON"):
        app.lambda_handler(event("start_training"), None)


def test_non_numeric_instance_count_is_named(sagemaker, monkeypatch):
    monkeypatch.setenv("TRAINING_INSTANCE_COUNT", "two")
    with pytest.raises(ConfigError, match="TRAINING_INSTANCE_COUNT='two'"):
        app.lambda_handler(event("start_training"), None)


SETTINGS = {"image": "i", "role_arn": "r", "hyperparameters": {}, "output_path": "s3://b/o", "instance_type": "t",
            "instance_count": 1, "volume_size_gb": 1, "max_runtime_seconds": 60, "metric_definitions": [], "spot_max_wait_seconds": 0}


def test_the_serving_models_artifact_becomes_the_champion_channel():
    settings = SETTINGS
    artifact = "s3://b/output-model/2026-11-22/multiclass/retrain-multiclass-20261122/output/model.tar.gz"
    request = app.job_request("job", settings, event("start_training")["data"], [], artifact)
    (champion,) = [c for c in request["InputDataConfig"] if c["ChannelName"] == "champion"]
    assert champion["DataSource"]["S3DataSource"]["S3Uri"] == artifact
    assert [c["ChannelName"] for c in app.job_request("job", settings, event("start_training")["data"], [])["InputDataConfig"]] == ["train", "validation"]
    assert app.scored_champion(request) == artifact


def test_managed_spot_training_sets_a_wait_limit_checkpoints_and_the_polling_budget(sagemaker, monkeypatch):
    monkeypatch.setenv("MANAGED_SPOT_TRAINING", "Enabled")
    result = app.lambda_handler(event("start_training"), None)
    job = sagemaker.describe_training_job(TrainingJobName=result["job_name"])
    assert job["EnableManagedSpotTraining"] is True
    assert job["StoppingCondition"] == {"MaxRuntimeInSeconds": 86400, "MaxWaitTimeInSeconds": 172800}
    assert job["CheckpointConfig"] == {"S3Uri": f"s3://data-bucket/output-model/checkpoints/2026-11-23/multiclass/{result['job_name']}",
                                       "LocalPath": "/opt/ml/checkpoints"}
    assert result["spot"] is True and result["max_runtime_seconds"] == 172800, "the loop waits for the spot limit"


def test_a_spot_wait_shorter_than_the_runtime_is_refused_naming_both(sagemaker, monkeypatch):
    monkeypatch.setenv("MANAGED_SPOT_TRAINING", "Enabled")
    monkeypatch.setenv("SPOT_MAX_WAIT_SECONDS", "3600")
    with pytest.raises(ConfigError, match="SpotMaxWaitSeconds=3600 is below MaxRuntimeSeconds=86400"):
        app.lambda_handler(event("start_training"), None)


@pytest.fixture
def emulated_registry():
    """The registry as AWS answers it (a versioned package takes no tags); the local emulator adds that to moto."""
    with SageMakerEmulator(Clock()).installed():
        yield


def test_with_deploy_target_batch_the_version_in_use_is_the_champion_and_no_endpoint_is_looked_at(sagemaker, emulated_registry, monkeypatch):
    monkeypatch.setenv("DEPLOY_TARGET", "batch")
    monkeypatch.setenv("MODEL_PACKAGE_GROUP", "retrain-multiclass")
    monkeypatch.setenv("DEPLOYMENT_HISTORY_PREFIX", "deployment-history")
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=ENVIRONMENT["BUCKET"])
    for key in event("start_training")["data"]["keys"].values():
        s3.put_object(Bucket=ENVIRONMENT["BUCKET"], Key=key, Body=b"0,5.1,3.5,1.4,0.2\n")
    for name in ("ENDPOINT_NAME", "HOSTING_MODE", "HOSTING_INSTANCE_TYPE", "HOSTING_INSTANCE_COUNT"):
        monkeypatch.delenv(name)
    first = app.lambda_handler(event("start_training"), None)
    assert first["champion"]["artifact"] == "" and first["champion"]["why_none"].startswith("no version of retrain-multiclass is in use yet")

    artifact = "s3://data-bucket/output-model/2026-11-22/multiclass/retrain-multiclass-20261122/output/model.tar.gz"
    s3.put_object(Bucket=ENVIRONMENT["BUCKET"], Key=artifact.removeprefix("s3://data-bucket/"), Body=b"model")
    sagemaker.create_model_package_group(ModelPackageGroupName="retrain-multiclass")
    package = sagemaker.create_model_package(
        ModelPackageGroupName="retrain-multiclass", ModelApprovalStatus="Approved",
        InferenceSpecification={"Containers": [{"Image": "img", "ModelDataUrl": artifact}], "SupportedContentTypes": ["text/csv"],
                                "SupportedResponseMIMETypes": ["text/csv"]},
        CustomerMetadataProperties={"training_job": "retrain-multiclass-20261122"})["ModelPackageArn"]
    sagemaker.create_model(ModelName="retrain-multiclass-20261122", PrimaryContainer={"Image": "img", "ModelDataUrl": artifact},
                           ExecutionRoleArn=ENVIRONMENT["SAGEMAKER_ROLE_ARN"])
    history.record(boto3.client("s3"), history.location(), package, "", "arn:x:execution:m:day", "", "daily")
    later = event("start_training")
    later["data"]["data_date"] = "2026-11-24"
    result = app.lambda_handler(later, None)
    assert result["champion"] == {"model_name": "retrain-multiclass-20261122", "model_package_arn": package,
                                  "training_job": "retrain-multiclass-20261122", "artifact": artifact, "why_none": ""}
    job = sagemaker.describe_training_job(TrainingJobName=result["job_name"])
    assert app.scored_champion(job) == artifact


def test_pooled_manifests_list_the_days_that_have_validation_rows_and_skip_pools_that_add_nothing(sagemaker, aws_client, monkeypatch):
    import pooled

    s3 = aws_client("s3")
    s3.create_bucket(Bucket="data-bucket")
    for day in ("2026-11-08", "2026-11-20", "2026-11-22", "2026-11-23"):
        s3.put_object(Bucket="data-bucket", Key=f"input-data-validation/{day}/multiclass/iris.csv", Body=b"0,5.1,3.5,1.4,0.2\n")
    output = "s3://data-bucket/output-model/2026-11-23/multiclass"
    pools = pooled.write_manifests(s3, date(2026, 11, 23), output)
    assert pools == {"pooled-short": {"days": 2, "uri": f"{output}/pooled-short.manifest"},
                     "pooled-long": {"days": 3, "uri": f"{output}/pooled-long.manifest"}}, "11-08 is older than 14 days"
    manifest = json.loads(s3.get_object(Bucket="data-bucket", Key="output-model/2026-11-23/multiclass/pooled-long.manifest")["Body"].read())
    assert manifest == [{"prefix": "s3://data-bucket/input-data-validation/"}, "2026-11-20/multiclass/iris.csv",
                        "2026-11-22/multiclass/iris.csv", "2026-11-23/multiclass/iris.csv"]

    request = app.job_request("retrain-multiclass-20261123", SETTINGS, event("start_training")["data"], [],
                              "s3://data-bucket/output-model/champion/model.tar.gz", pools)
    channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"] for c in request["InputDataConfig"]}
    assert channels["pooled-long"] == {"S3DataType": "ManifestFile", "S3Uri": f"{output}/pooled-long.manifest", "S3DataDistributionType": "FullyReplicated"}
    assert pooled.of_job(s3, request) == pools, "a rerun that adopts the job reads its pools back"
    assert "pooled-long" not in {c["ChannelName"] for c in app.job_request("j", SETTINGS,
                                                                             event("start_training")["data"], [], "", pools)["InputDataConfig"]}, \
        "no champion, nothing to compare on the pools"

    assert pooled.write_manifests(s3, date(2026, 11, 9), output) == {}, "one day of rows is today's test again"
    monkeypatch.setenv("GATE_RULE", "PairedInterval")
    assert pooled.write_manifests(s3, date(2026, 11, 23), output) == {}, "only PooledEvidence pools"
