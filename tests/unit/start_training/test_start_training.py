import json

import boto3
import pytest
from moto import mock_aws

from pipeline_common import names
from pipeline_common.errors import ConfigError, InvalidInput
from tests.conftest import event, load_handler

app = load_handler("start_training")
ENVIRONMENT = {
    "BUCKET": "data-bucket", "OUTPUT_PREFIX": "output-model", "TARGET": "multiclass", "RESOURCE_PREFIX": "retrain",
    "STACK_NAME": "retrain-prod", "TRAINING_IMAGE": "123456789012.dkr.ecr.us-east-1.amazonaws.com/retrain:1",
    "SAGEMAKER_ROLE_ARN": "arn:aws:iam::123456789012:role/sagemaker", "TRAINING_INSTANCE_TYPE": "ml.m5.large",
    "TRAINING_INSTANCE_COUNT": "1", "TRAINING_VOLUME_SIZE_GB": "10", "MAX_RUNTIME_SECONDS": "86400",
    "HYPERPARAMETERS": '{"objective": "multi:softmax", "num_class": 3}',
    "METRIC_DEFINITIONS": '[{"Name": "validation:accuracy", "Regex": "validation:accuracy=([0-9.]+)"}]',
}


@pytest.fixture
def sagemaker(monkeypatch):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield boto3.client("sagemaker")


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
                "instance_count": 1, "volume_size_gb": 1, "max_runtime_seconds": 60,
                "metric_definitions": json.loads(ENVIRONMENT["METRIC_DEFINITIONS"])}
    request = app.job_request("job", settings, event("start_training")["data"], [])
    assert request["AlgorithmSpecification"]["MetricDefinitions"][0]["Name"] == "validation:accuracy"


def test_a_retried_invocation_adopts_the_job_instead_of_starting_a_second(sagemaker):
    first = app.lambda_handler(event("start_training"), None)
    second = app.lambda_handler(event("start_training"), None)
    assert second == {**first, "adopted": True}
    assert len(sagemaker.list_training_jobs()["TrainingJobSummaries"]) == 1


class FakeSageMaker:
    """Jobs with chosen statuses; records what is created."""

    def __init__(self, statuses):
        self.statuses, self.created = dict(statuses), []

    def describe_training_job(self, TrainingJobName):
        from botocore.exceptions import ClientError

        if TrainingJobName not in self.statuses:
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "Could not find training job"}}, "DescribeTrainingJob")
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


def test_missing_data_result_is_rejected(sagemaker):
    with pytest.raises(InvalidInput, match="CheckData result"):
        app.lambda_handler({"data": {"data_date": "2026-11-23"}}, None)


def test_malformed_hyperparameters_name_the_variable(sagemaker, monkeypatch):
    monkeypatch.setenv("HYPERPARAMETERS", "{objective: softmax}")
    with pytest.raises(ConfigError, match="HYPERPARAMETERS is not valid JSON"):
        app.lambda_handler(event("start_training"), None)


def test_non_numeric_instance_count_is_named(sagemaker, monkeypatch):
    monkeypatch.setenv("TRAINING_INSTANCE_COUNT", "two")
    with pytest.raises(ConfigError, match="TRAINING_INSTANCE_COUNT='two'"):
        app.lambda_handler(event("start_training"), None)
