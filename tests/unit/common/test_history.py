"""The deployment history: one S3 object per model going live, read back in time order."""

import json
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from pipeline_common import history

WHERE = history.Location("retrain-data", "deployment-history", "retrain-multiclass")
PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/retrain-multiclass/{}"


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=WHERE.bucket)
        yield client


def test_each_deployment_is_one_object_under_the_groups_folder_and_reads_back_in_time_order(s3):
    history.record(s3, WHERE, PACKAGE.format(2), "multiclass", "arn:x:execution:m:day-2", PACKAGE.format(1), "daily", datetime(2026, 11, 23, 7, tzinfo=UTC))
    history.record(s3, WHERE, PACKAGE.format(1), "multiclass", "arn:x:execution:m:day-1", "", "daily", datetime(2026, 11, 22, 7, tzinfo=UTC))
    history.record(s3, WHERE, PACKAGE.format(1), "multiclass", "arn:x:execution:m:rb", PACKAGE.format(2), "rollback", datetime(2026, 11, 23, 9, tzinfo=UTC))
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=WHERE.bucket)["Contents"]]
    assert keys == [f"deployment-history/retrain-multiclass/2026-11-2{d}.json" for d in ("2T07:00:00.000Z-v1", "3T07:00:00.000Z-v2", "3T09:00:00.000Z-v1")]
    records = history.records(s3, WHERE)
    assert [(r["at"], r["version"]) for r in records] == [("2026-11-22T07:00:00.000Z", 1), ("2026-11-23T07:00:00.000Z", 2), ("2026-11-23T09:00:00.000Z", 1)]
    assert history.describe(records[2]) == "endpoint=multiclass; origin=rollback; replaced=version 2; execution=rb"
    assert history.latest(s3, WHERE)["at"] == "2026-11-23T09:00:00.000Z"
    assert json.loads(s3.get_object(Bucket=WHERE.bucket, Key=keys[0])["Body"].read())["model_package_arn"] == PACKAGE.format(1)


def test_a_deployment_is_recorded_once_however_many_executions_a_repeated_event_starts(s3):
    live = datetime(2026, 11, 22, 7, 30, tzinfo=UTC)
    first = history.record(s3, WHERE, PACKAGE.format(1), "multiclass", "arn:x:execution:m:approval-1", "", "approval", live)
    again = history.record(s3, WHERE, PACKAGE.format(1), "multiclass", "arn:x:execution:m:approval-2", "", "approval", live)
    assert first == again == "2026-11-22T07:30:00.000Z"
    assert [r["execution"] for r in history.records(s3, WHERE)] == ["approval-1"], "If-None-Match: * keeps the first record"


def test_batch_predictions_and_an_empty_history_read_as_such(s3):
    assert history.records(s3, WHERE) == [] and history.latest(s3, WHERE) is None
    history.record(s3, WHERE, PACKAGE.format(3), "", "arn:x:execution:m:d", "", "daily")
    assert history.describe(history.latest(s3, WHERE)).startswith("target=batch predictions; origin=daily; replaced=nothing")
    other = history.Location(WHERE.bucket, WHERE.prefix, "retrain-other")
    assert history.records(s3, other) == [], "each group reads only its own folder"


def test_a_refused_write_is_raised_naming_nothing_secret(s3):
    missing = history.Location("no-such-bucket", "h", "g")
    with pytest.raises(Exception, match="NoSuchBucket"):
        history.record(s3, missing, PACKAGE.format(1), "e", "x", "", "daily")
