import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from pipeline_common.errors import AwsThrottled, ConfigError, InvalidInput
from tests.conftest import event, load_handler

app = load_handler("data_checker")
BUCKET = "data-bucket"
TRAIN_KEY = "input-data-training/2026-11-23/multiclass/iris.csv"
VALIDATION_KEY = "input-data-validation/2026-11-23/multiclass/iris.csv"


@pytest.fixture
def s3(monkeypatch):
    for name, value in {
        "BUCKET": BUCKET, "TRAINING_PREFIX": "input-data-training", "VALIDATION_PREFIX": "input-data-validation/",
        "TARGET": "multiclass", "DATA_FILE_NAME": "iris.csv", "DATA_LAG_DAYS": "1", "TIMEZONE": "UTC",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_both_files_present_is_complete_for_yesterday(s3):
    s3.put_object(Bucket=BUCKET, Key=TRAIN_KEY, Body=b"0,1,2\n")
    s3.put_object(Bucket=BUCKET, Key=VALIDATION_KEY, Body=b"0,1,2\n")
    result = app.lambda_handler(event("check_data_scheduled"), None)
    assert result["status"] == "complete"
    assert (result["run_date"], result["data_date"]) == ("2026-11-24", "2026-11-23")
    assert result["uris"]["train"] == f"s3://{BUCKET}/{TRAIN_KEY}"


def test_nothing_arrived_is_absent(s3):
    result = app.lambda_handler(event("check_data_scheduled"), None)
    assert result["status"] == "absent"
    assert result["missing"] == ["train", "validation"]


def test_validation_missing_is_partial(s3):
    s3.put_object(Bucket=BUCKET, Key=TRAIN_KEY, Body=b"0,1,2\n")
    result = app.lambda_handler(event("check_data_scheduled"), None)
    assert (result["status"], result["present"], result["missing"]) == ("partial", ["train"], ["validation"])
    assert result["summary"] == f"train present (s3://{BUCKET}/{TRAIN_KEY}); validation missing or empty (s3://{BUCKET}/{VALIDATION_KEY})"


def test_empty_file_counts_as_missing(s3):
    s3.put_object(Bucket=BUCKET, Key=TRAIN_KEY, Body=b"0,1,2\n")
    s3.put_object(Bucket=BUCKET, Key=VALIDATION_KEY, Body=b"")
    assert app.lambda_handler(event("check_data_scheduled"), None)["missing"] == ["validation"]


def test_only_the_exact_key_counts_not_neighbours_under_the_prefix(s3):
    s3.put_object(Bucket=BUCKET, Key=TRAIN_KEY + ".tmp", Body=b"0,1,2\n")
    s3.put_object(Bucket=BUCKET, Key="input-data-training/2026-11-23/multiclass/other.csv", Body=b"0,1,2\n")
    assert app.lambda_handler(event("check_data_scheduled"), None)["status"] == "absent"


def test_plain_date_input_checks_the_day_before(s3):
    assert app.lambda_handler(event("check_data_date"), None)["data_date"] == "2026-11-19"


def test_no_date_uses_the_execution_start_time(s3):
    assert app.lambda_handler(event("check_data_no_date"), None)["data_date"] == "2026-11-23"


def test_future_date_is_rejected_naming_today(s3):
    with pytest.raises(InvalidInput, match="'2026-12-01' is in the future.*2026-11-24"):
        app.lambda_handler({"input": {"DATE": "2026-12-01"}, "execution_start_time": "2026-11-24T06:00:00Z"}, None)


def test_malformed_date_is_rejected(s3):
    with pytest.raises(InvalidInput, match="'2026-02-30' is not a date"):
        app.lambda_handler({"input": {"DATE": "2026-02-30"}, "execution_start_time": "2026-11-24T06:00:00Z"}, None)


def test_non_object_input_is_rejected(s3):
    with pytest.raises(InvalidInput, match="not a JSON object"):
        app.lambda_handler({"input": "2026-11-24", "execution_start_time": "2026-11-24T06:00:00Z"}, None)


def test_missing_configuration_fails_fast_naming_the_variable(s3, monkeypatch):
    monkeypatch.delenv("BUCKET")
    with pytest.raises(ConfigError, match="BUCKET"):
        app.lambda_handler(event("check_data_scheduled"), None)


class FailingS3:
    """An S3 client whose HeadObject answers with the given error code."""

    def __init__(self, code: str) -> None:
        self.code = code

    def head_object(self, **kwargs):
        raise ClientError({"Error": {"Code": self.code, "Message": self.code}}, "HeadObject")


def test_throttling_becomes_the_retryable_error():
    with pytest.raises(AwsThrottled, match="HeadObject s3://b/k"):
        app.object_size(FailingS3("SlowDown"), "b", "k")


def test_access_denied_is_not_mistaken_for_missing_data():
    with pytest.raises(ClientError, match="403"):
        app.object_size(FailingS3("403"), "b", "k")
