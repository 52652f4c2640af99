import pytest
from botocore.exceptions import ClientError

from pipeline_common import statuses
from pipeline_common.errors import AwsThrottled, AwsUnavailable, InvalidInput, ResourceVanished
from tests.conftest import event, load_handler

app = load_handler("get_status")


class FakeSageMaker:
    """SageMaker (and CloudWatch's alarms) as GetStatus sees them."""

    def __init__(self, job=None, endpoint=None, error=None):
        self.job, self.endpoint, self.error = job, endpoint, error
        self.firing: list[str] = []

    def describe_alarms(self, AlarmNames, StateValue):
        return {"MetricAlarms": [{"AlarmName": name, "StateValue": StateValue} for name in AlarmNames if name in self.firing]}

    def describe_training_job(self, TrainingJobName):
        if self.error:
            raise self.error
        return self.job

    def describe_endpoint(self, EndpointName):
        if self.error:
            raise self.error
        return self.endpoint


ROLLOUT = {"ROLLOUT_STRATEGY": "Canary", "CANARY_PERCENT": "10", "LINEAR_PERCENT": "20", "ROLLOUT_WAIT_SECONDS": "300",
           "BAKING_SECONDS": "600", "ROLLBACK_ALARMS": "s-multiclass-invocation-5xx,s-multiclass-model-latency,custom-business-kpi"}


@pytest.fixture
def fake(monkeypatch):
    for name, value in ROLLOUT.items():
        monkeypatch.setenv(name, value)
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
    assert (result["phase"], result["failure_reason"]) == ("failed", "training job retrain-multiclass-20261123 is Failed: AlgorithmError: boom")


def test_a_job_stopped_at_max_runtime_names_job_status_secondary_status_and_the_limit(fake):
    fake.job = {"TrainingJobStatus": "Stopped", "SecondaryStatus": "MaxRuntimeExceeded", "StoppingCondition": {"MaxRuntimeInSeconds": 7200}}
    reason = app.lambda_handler(event("get_training_status"), None)["failure_reason"]
    assert reason == ("training job retrain-multiclass-20261123 is Stopped (secondary status MaxRuntimeExceeded): "
                      "SageMaker stopped the job at MaxRuntimeInSeconds=7200; raise the MaxRuntimeSeconds parameter or train on less")


@pytest.mark.parametrize(("status", "secondary", "expected"), [
    ("Stopped", "Stopped", "is Stopped: the job was stopped (StopTrainingJob"),
    ("Deleting", "", "is Deleting: SageMaker gave no FailureReason"),
])
def test_a_failure_without_failure_reason_still_has_a_cause(fake, status, secondary, expected):
    fake.job = {"TrainingJobStatus": status, "SecondaryStatus": secondary}
    assert expected in app.lambda_handler(event("get_training_status"), None)["failure_reason"]


@pytest.mark.parametrize(("status", "expected"), [
    ("OutOfService", "endpoint multiclass is OutOfService: SageMaker gave no FailureReason. endpoint multiclass is OutOfService"),
    ("UpdateRollbackFailed", "is UpdateRollbackFailed: SageMaker gave no FailureReason. endpoint multiclass is UpdateRollbackFailed"),
    ("Failed", "endpoint multiclass is Failed: SageMaker gave no FailureReason. the next run deletes endpoint multiclass and creates it again"),
])
def test_an_endpoint_failure_without_failure_reason_names_endpoint_status_and_what_to_do(fake, status, expected):
    fake.endpoint = {"EndpointStatus": status, "EndpointConfigName": "cfg-new"}
    result = app.lambda_handler(endpoint_payload(), None)
    assert result["phase"] == statuses.FAILED and expected in result["failure_reason"]


def test_a_vanished_training_job_names_the_job(fake):
    fake.error = ClientError({"Error": {"Code": "ValidationException", "Message": "Requested resource not found."}}, "DescribeTrainingJob")
    with pytest.raises(ResourceVanished, match="training job retrain-multiclass-20261123 no longer exists"):
        app.lambda_handler(event("get_training_status"), None)


@pytest.mark.parametrize(("code", "status"), [("InternalFailure", 500), ("ServiceUnavailable", 503), ("SomethingNew", 502)])
def test_a_transient_sagemaker_error_is_raised_as_the_retryable_error(fake, code, status):
    fake.error = ClientError({"Error": {"Code": code, "Message": "try again"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "DescribeTrainingJob")
    with pytest.raises(AwsUnavailable, match="DescribeTrainingJob retrain-multiclass-20261123 failed with a transient AWS error"):
        app.lambda_handler(event("get_training_status"), None)


def test_a_connection_reset_is_raised_as_the_retryable_error(fake):
    from botocore.exceptions import ConnectionClosedError

    fake.error = ConnectionClosedError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com")
    with pytest.raises(AwsUnavailable, match="could not reach AWS"):
        app.lambda_handler(event("get_training_status"), None)


def test_metrics_that_are_not_finite_travel_as_names_not_bare_nan_tokens(fake):
    import json

    fake.job = {"TrainingJobStatus": "Completed", "FinalMetricDataList": [{"MetricName": "validation:accuracy", "Value": float("nan")},
                                                                           {"MetricName": "loss", "Value": float("inf")}]}
    result = app.lambda_handler(event("get_training_status"), None)
    assert result["metrics"] == {"validation:accuracy": "NaN", "loss": "Infinity"}
    json.dumps(result, allow_nan=False)


def test_the_budget_counts_elapsed_time_from_the_state_machines_timestamps_not_only_waits(fake):
    fake.job = {"TrainingJobStatus": "InProgress"}
    poll = {"count": 3, "waited_seconds": 300, "wait_seconds": 60, "timed_out": False, "started_at": "2026-11-24T06:00:00.000Z"}
    payload = {**event("get_training_status"), "budget_seconds": 1000, "poll": poll, "now": "2026-11-24T06:17:00.000Z"}
    result = app.lambda_handler(payload, None)["poll"]
    assert (result["waited_seconds"], result["elapsed_seconds"], result["timed_out"]) == (360, 1020, True)
    assert result["started_at"] == poll["started_at"]


def test_each_poll_advances_the_poll_record(fake):
    fake.job = {"TrainingJobStatus": "InProgress"}
    result = app.lambda_handler(event("get_training_status"), None)
    assert result["poll"] == {"count": 1, "waited_seconds": 60, "elapsed_seconds": 60, "wait_seconds": 90, "timed_out": False, "started_at": "2026-11-24T06:05:00.000Z"}


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
    fake.error = ClientError({"Error": {"Code": "ValidationException", "Message": 'Could not find endpoint "multiclass".'}}, "DescribeEndpoint")
    result = app.lambda_handler(endpoint_payload(), None)
    assert result["phase"] == statuses.FAILED and "endpoint multiclass no longer exists" in result["failure_reason"]


def test_a_validation_error_that_is_not_not_found_is_raised_not_taken_for_a_vanished_endpoint(fake):
    fake.error = ClientError({"Error": {"Code": "ValidationException", "Message": "1 validation error detected"}}, "DescribeEndpoint")
    with pytest.raises(ClientError):
        app.lambda_handler(endpoint_payload(), None)


def test_throttling_is_raised_as_the_retryable_error(fake):
    fake.error = ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "DescribeTrainingJob")
    with pytest.raises(AwsThrottled):
        app.lambda_handler(event("get_training_status"), None)


def test_bad_kind_and_missing_fields_are_named(fake):
    with pytest.raises(InvalidInput, match="'notebook'"):
        app.lambda_handler({**event("get_training_status"), "kind": "notebook"}, None)
    with pytest.raises(InvalidInput, match="GetStatus: the event has no 'budget_seconds'"):
        app.lambda_handler({"kind": "endpoint", "name": "x", "policy": event("get_training_status")["policy"], "poll": {}}, None)


def test_a_rollback_by_alarm_names_the_alarm_and_the_traffic_share_it_happened_at(fake):
    fake.endpoint = {"EndpointStatus": "InService", "EndpointConfigName": "cfg-old"}
    fake.firing = ["s-multiclass-model-latency"]
    result = app.lambda_handler(endpoint_payload(), None)
    assert result["phase"] == statuses.FAILED and result["rolled_back_by"] == ["s-multiclass-model-latency"]
    assert "rolled back by alarm s-multiclass-model-latency during the canary (10 % of capacity for 300 s)" in result["failure_reason"]
    assert "the previous model is still serving" in result["failure_reason"]


def test_the_rollout_stage_is_remembered_so_a_later_rollback_can_say_where_it_happened(fake):
    fake.endpoint = {"EndpointStatus": "Updating", "EndpointConfigName": "cfg-old", "PendingDeploymentSummary": {
        "EndpointConfigName": "cfg-new", "ProductionVariants": [{"VariantName": "AllTraffic", "CurrentWeight": 0.1, "DesiredWeight": 1.0,
                                                                  "VariantStatus": [{"Status": "ActivatingTraffic", "StatusMessage": "canary"}]}]}}
    polled = app.lambda_handler(endpoint_payload(), None)
    assert polled["poll"]["last_stage"] == {"stage": "ActivatingTraffic", "message": "canary", "weight": 0.1}
    fake.endpoint = {"EndpointStatus": "InService", "EndpointConfigName": "cfg-old"}
    fake.firing = ["s-multiclass-invocation-5xx"]
    result = app.lambda_handler({**endpoint_payload(), "poll": polled["poll"]}, None)
    assert "rolled back by alarm s-multiclass-invocation-5xx while the new fleet was ActivatingTraffic, weight 0.1 (canary)" in result["failure_reason"]
