import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local_aws.s3 import S3Emulator
from pipeline_common.errors import AwsThrottled, AwsUnavailable, BucketMissing, ConfigError, DataAccessDenied, DataInvalid, InvalidInput
from tests.conftest import event, load_handler

app = load_handler("data_checker")
BUCKET = "data-bucket"
TRAIN_KEY = "input-data-training/2026-11-23/multiclass/iris.csv"
VALIDATION_KEY = "input-data-validation/2026-11-23/multiclass/iris.csv"


@pytest.fixture
def s3(monkeypatch, aws_client):
    for name, value in {
        "BUCKET": BUCKET, "TRAINING_PREFIX": "input-data-training", "VALIDATION_PREFIX": "input-data-validation/",
        "TARGET": "multiclass", "DATA_FILE_NAME": "iris.csv", "DATA_LAG_DAYS": "1", "TIMEZONE": "UTC",
        "HYPERPARAMETERS": '{"objective": "multi:softmax", "num_class": "3"}',
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws(), S3Emulator().installed():   # S3's bodiless HEAD answers, not moto's NoSuchBucket body
        client = aws_client("s3")
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


@pytest.mark.parametrize("date_value", ["", None, "   "])
def test_an_explicit_empty_or_null_date_is_a_caller_error_naming_date(s3, date_value):
    with pytest.raises(InvalidInput, match=r"DATE is .*leave DATE out to use the execution's start time"):
        app.lambda_handler({"input": {"DATE": date_value}, "execution_start_time": "2026-11-24T06:00:00Z"}, None)


def test_the_first_day_of_year_one_names_the_value_instead_of_overflowing(s3):
    with pytest.raises(InvalidInput, match="DATE 0001-01-01 minus the 1-day data lag is before year 1"):
        app.lambda_handler({"input": {"DATE": "0001-01-01"}, "execution_start_time": "2026-11-24T06:00:00Z"}, None)


@pytest.mark.parametrize(("bad_event", "named"), [
    ([], "the event is list"),
    ({"input": {}, "execution_start_time": 42}, "'execution_start_time' is int 42, expected string"),
])
def test_a_malformed_event_names_the_key(s3, bad_event, named):
    with pytest.raises(InvalidInput, match=named):
        app.lambda_handler(bad_event, None)


def test_a_missing_bucket_is_a_failure_naming_it_not_a_quiet_no_data_day(s3, monkeypatch):
    monkeypatch.setenv("BUCKET", "no-such-bucket")
    with pytest.raises(BucketMissing, match="bucket no-such-bucket does not exist"):
        app.lambda_handler(event("check_data_scheduled"), None)


class FailingS3:
    """An S3 client whose HEAD calls answer as real S3 does: a bodiless error with only a status code."""

    def __init__(self, object_status: int, bucket_status: int | None = None) -> None:
        self.object_status, self.bucket_status = object_status, bucket_status

    @staticmethod
    def _raise(status: int, operation: str):
        codes = {403: "403", 404: "404", 500: "500", 503: "503"}
        raise ClientError({"Error": {"Code": codes.get(status, str(status)), "Message": ""}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation)

    def head_object(self, **kwargs):
        self._raise(self.object_status, "HeadObject")

    def head_bucket(self, **kwargs):
        if self.bucket_status:
            self._raise(self.bucket_status, "HeadBucket")
        return {}


def test_throttling_becomes_the_retryable_error():
    class SlowDown(FailingS3):
        def head_object(self, **kwargs):
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, "HeadObject")

    with pytest.raises(AwsThrottled, match="HeadObject s3://b/k"):
        app.object_size(SlowDown(200), "b", "k")


@pytest.mark.parametrize("status", [500, 503])
def test_a_5xx_becomes_the_retryable_error(status):
    with pytest.raises(AwsUnavailable, match="HeadObject s3://b/k failed with a transient AWS error"):
        app.object_size(FailingS3(status), "b", "k")


def test_access_denied_names_bucket_key_and_the_permissions_needed():
    with pytest.raises(DataAccessDenied, match=r"s3://b/input/2026/k was denied.*s3:GetObject on arn:aws:s3:::b/input/\*.*s3:ListBucket on arn:aws:s3:::b"):
        app.object_size(FailingS3(403), "b", "input/2026/k")


def test_a_bodiless_404_on_a_missing_bucket_is_told_apart_from_a_missing_key():
    assert app.object_size(FailingS3(404), "b", "k") is None
    assert app.check_data(FailingS3(404, bucket_status=None), "b", {"train": "k"})["status"] == "absent"
    with pytest.raises(BucketMissing, match="bucket b does not exist"):
        app.check_data(FailingS3(404, bucket_status=404), "b", {"train": "k"})


def test_a_promote_flag_that_is_not_a_boolean_is_refused_before_training(s3):
    with pytest.raises(InvalidInput, match="'input.PROMOTE' is str 'no', expected boolean"):
        app.lambda_handler({"input": {"DATE": "2026-11-20", "PROMOTE": "no"}, "execution_start_time": "2026-11-24T06:00:00Z"}, None)


def put_day(s3, training: bytes, validation: bytes = b"0,5.1,3.5,1.4,0.2\n1,6.2,2.9,4.3,1.3\n") -> None:
    s3.put_object(Bucket=BUCKET, Key=TRAIN_KEY, Body=training)
    s3.put_object(Bucket=BUCKET, Key=VALIDATION_KEY, Body=validation)


@pytest.mark.parametrize(("training", "validation", "named"), [
    (b"label,sepal_length,sepal_width\n0,5.1,3.5\n", None,
     f"s3://{BUCKET}/{TRAIN_KEY} line 1 looks like a header ('label,sepal_length,sepal_width'): the data contract has no header row"),
    (b"0,5.1,3.5,1.4,0.2\n1,6.2,red,4.3,1.3\n", None,
     f"s3://{BUCKET}/{TRAIN_KEY} line 2 column 3: 'red' is not a number: every column must be numeric (label first)"),
    (b"0,5.1,3.5,1.4,0.2\n1,6.2,2.9,4.3\n", None, f"s3://{BUCKET}/{TRAIN_KEY} line 2: 4 columns, expected 5 like line 1"),
    (b"0,5.1,3.5,1.4,0.2\n", b"0,5.1,3.5,1.4\n",
     "the day's files have different numbers of columns (train has 5, validation has 4): training and validation must have the same columns"),
    (b"0,5.1,3.5,1.4,0.2\n3,6.2,2.9,4.3,1.3\n", None,
     f"s3://{BUCKET}/{TRAIN_KEY} line 2 column 1: label '3' is not a class index 0..2 (num_class=3)"),
    (b"0.5,5.1,3.5,1.4,0.2\n", None, f"s3://{BUCKET}/{TRAIN_KEY} line 1 column 1: label '0.5' is not a class index 0..2 (num_class=3)"),
    (b"0\n1\n", None, f"s3://{BUCKET}/{TRAIN_KEY} line 1: 1 column: expected the label and at least one feature"),
])
def test_files_that_break_the_data_contract_are_named_before_any_training(s3, training, validation, named):
    put_day(s3, training, *([validation] if validation else []))
    with pytest.raises(DataInvalid) as refused:
        app.lambda_handler(event("check_data_scheduled"), None)
    assert str(refused.value).startswith(named), str(refused.value)


def test_a_large_file_is_checked_on_its_first_64_kib_with_one_ranged_read(s3):
    rows = b"".join(b"%d,5.1,3.5,1.4,0.2\n" % (i % 3) for i in range(10000))
    put_day(s3, rows + b"2,not,a,number,here\n")
    result = app.lambda_handler(event("check_data_scheduled"), None)
    assert result["status"] == "complete" and result["columns"] == {"train": 5, "validation": 5}, "the bad line is past the first 64 KiB"


def test_labels_are_only_checked_against_num_class_when_it_is_set(s3, monkeypatch):
    monkeypatch.setenv("HYPERPARAMETERS", '{"objective": "multi:softmax"}')
    put_day(s3, b"0,5.1\n7,6.2\n", b"0,5.1\n")
    assert app.lambda_handler(event("check_data_scheduled"), None)["columns"] == {"train": 2, "validation": 2}
