import pytest
from botocore.exceptions import ClientError

from pipeline_common import statuses
from pipeline_common.errors import AwsThrottled, InvalidInput
from tests.conftest import event, load_handler

app = load_handler("get_status")


class FakeSageMaker:
    def __init__(self, job=None, endpoint=None, error=None):
        self.job, self.endpoint, self.error = job, endpoint, error

    def describe_training_job(self, TrainingJobName):
        if self.error:
            raise self.error
        return self.job

    def describe_endpoint(self, EndpointName):
        if self.error:
            raise self.error
        return self.endpoint


@pytest.fixture
def fake(monkeypatch):
    sagemaker = FakeSageMaker()
    monkeypatch.setattr(app, "client", lambda service: sagemaker)
    return sagemaker


@pytest.mark.parametrize(("status", "phase"), sorted(statuses.TRAINING_JOB.items()))
def test_every_training_status_is_classified_by_the_table(fake, status, phase):
    fake.job = {"TrainingJobStatus": status}
    assert app.lambda_handler(event("get_training_status"), None)["phase"] == phase


def test_completed_job_reports_artifacts_metrics_and_time(fake):
    fake.job = {
        "TrainingJobStatus": "Completed", "SecondaryStatus": "Completed", "TrainingTimeInSeconds": 420,
        "ModelArtifacts": {"S3ModelArtifacts": "s3://b/model.tar.gz"},
        "FinalMetricDataList": [{"MetricName": "validation:accuracy", "Value": 0.93}],
    }
    result = app.lambda_handler(event("get_training_status"), None)
    assert result["model_artifacts"] == "s3://b/model.tar.gz"
    assert result["metrics"] == {"validation:accuracy": 0.93}
    assert result["training_seconds"] == 420


def test_failed_job_reports_its_failure_reason(fake):
    fake.job = {"TrainingJobStatus": "Failed", "FailureReason": "AlgorithmError: boom"}
    result = app.lambda_handler(event("get_training_status"), None)
    assert (result["phase"], result["failure_reason"]) == ("failed", "AlgorithmError: boom")


def test_each_poll_advances_the_poll_record(fake):
    fake.job = {"TrainingJobStatus": "InProgress"}
    result = app.lambda_handler(event("get_training_status"), None)
    assert result["poll"] == {"count": 1, "waited_seconds": 60, "wait_seconds": 90, "timed_out": False}


def test_the_poll_budget_running_out_is_reported(fake):
    fake.job = {"TrainingJobStatus": "InProgress"}
    payload = {**event("get_training_status"), "budget_seconds": 100, "poll": {"count": 5, "waited_seconds": 90, "wait_seconds": 10, "timed_out": False}}
    assert app.lambda_handler(payload, None)["poll"]["timed_out"] is True


def test_unknown_status_is_passed_on_as_unknown(fake):
    fake.job = {"TrainingJobStatus": "Paused"}
    assert app.lambda_handler(event("get_training_status"), None)["phase"] == statuses.UNKNOWN


def endpoint_payload(expected="cfg-new"):
    return {**event("get_training_status"), "kind": "endpoint", "name": "multiclass", "expected_config": expected}


@pytest.mark.parametrize(("status", "phase"), sorted(statuses.ENDPOINT.items()))
def test_every_endpoint_status_is_classified_by_the_table(fake, status, phase):
    fake.endpoint = {"EndpointStatus": status, "EndpointConfigName": "cfg-new"}
    assert app.lambda_handler(endpoint_payload(), None)["phase"] == phase


def test_in_service_on_the_old_config_is_a_rolled_back_failure(fake):
    fake.endpoint = {"EndpointStatus": "InService", "EndpointConfigName": "cfg-old", "FailureReason": "health check failed"}
    result = app.lambda_handler(endpoint_payload(), None)
    assert result["phase"] == statuses.FAILED
    assert "cfg-old, not the new cfg-new" in result["failure_reason"] and "health check failed" in result["failure_reason"]


def test_a_vanished_endpoint_is_a_failure(fake):
    fake.error = ClientError({"Error": {"Code": "ValidationException", "Message": "Could not find endpoint"}}, "DescribeEndpoint")
    result = app.lambda_handler(endpoint_payload(), None)
    assert result["phase"] == statuses.FAILED and "does not exist" in result["failure_reason"]


def test_throttling_is_raised_as_the_retryable_error(fake):
    fake.error = ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "DescribeTrainingJob")
    with pytest.raises(AwsThrottled):
        app.lambda_handler(event("get_training_status"), None)


def test_bad_kind_and_missing_fields_are_named(fake):
    with pytest.raises(InvalidInput, match="'notebook'"):
        app.lambda_handler({**event("get_training_status"), "kind": "notebook"}, None)
    with pytest.raises(InvalidInput, match="budget_seconds"):
        app.lambda_handler({"kind": "endpoint", "name": "x", "policy": event("get_training_status")["policy"], "poll": {}}, None)
