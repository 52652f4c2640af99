"""The emulator answers as AWS does where moto does not (each case names where AWS documents it)."""

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from local_aws.clock import Clock
from local_aws.s3 import S3Emulator
from local_aws.sagemaker import VANISHED, SageMakerEmulator, TrainingOutcome

ROLE = "arn:aws:iam::123456789012:role/sagemaker"


@pytest.fixture
def emulated():
    emulator = SageMakerEmulator(Clock())
    with mock_aws(), emulator.installed():
        # One attempt per call, as the pipeline's clients make: botocore would otherwise retry a 5xx itself.
        yield boto3.client("sagemaker", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})), emulator


def start_job(sagemaker, name="job-1"):
    sagemaker.create_training_job(
        TrainingJobName=name, AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"}, RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://b/o"}, ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": 600})


def test_describe_training_job_on_a_missing_job_answers_as_sagemaker_does(emulated):
    """boto/boto3#2808, aws/aws-sdk#165: ValidationException "Requested resource not found.", not ResourceNotFound."""
    sagemaker, _ = emulated
    with pytest.raises(ClientError) as error:
        sagemaker.describe_training_job(TrainingJobName="never-started")
    assert error.value.response["Error"] == {"Code": "ValidationException", "Message": "Requested resource not found."}


@pytest.mark.parametrize(("operation", "key"), [("describe_processing_job", "ProcessingJobName"), ("describe_transform_job", "TransformJobName")])
def test_describe_of_a_missing_stage_job_answers_as_sagemaker_does_and_counts_as_not_found(emulated, operation, key):
    from pipeline_common import aws

    sagemaker, _ = emulated
    with pytest.raises(ClientError) as error:
        getattr(sagemaker, operation)(**{key: "never-started"})
    assert error.value.response["Error"] == {"Code": "ValidationException", "Message": "Could not find requested job with name: never-started"}
    assert aws.is_not_found(error.value)


def test_describe_endpoint_on_a_missing_endpoint_says_could_not_find(emulated):
    sagemaker, _ = emulated
    with pytest.raises(ClientError, match='Could not find endpoint "nope"'):
        sagemaker.describe_endpoint(EndpointName="nope")


def test_a_job_stopped_at_max_runtime_has_its_secondary_status_and_no_failure_reason(emulated):
    """DescribeTrainingJob: FailureReason is filled only for Failed jobs."""
    sagemaker, emulator = emulated
    emulator.training = lambda name, request: TrainingOutcome(status="Stopped", secondary_status="MaxRuntimeExceeded", duration_seconds=600)
    start_job(sagemaker)
    emulator.clock.advance(3600)
    job = sagemaker.describe_training_job(TrainingJobName="job-1")
    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Stopped", "MaxRuntimeExceeded") and "FailureReason" not in job


def test_a_vanished_job_is_not_found(emulated):
    sagemaker, emulator = emulated
    emulator.training = lambda name, request: TrainingOutcome(status=VANISHED, duration_seconds=60)
    start_job(sagemaker)
    emulator.clock.advance(120)
    with pytest.raises(ClientError, match="Requested resource not found"):
        sagemaker.describe_training_job(TrainingJobName="job-1")


def test_a_5xx_is_answered_with_status_500_after_the_calls_that_succeed_first(emulated):
    sagemaker, emulator = emulated
    start_job(sagemaker)
    emulator.unavailable = {"DescribeTrainingJob": [1, 1]}
    sagemaker.describe_training_job(TrainingJobName="job-1")
    with pytest.raises(ClientError) as error:
        sagemaker.describe_training_job(TrainingJobName="job-1")
    assert error.value.response["Error"]["Code"] == "InternalFailure" and error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    sagemaker.describe_training_job(TrainingJobName="job-1")


def test_a_deleted_endpoint_is_deleting_for_a_while_and_its_name_cannot_be_reused_until_gone(emulated):
    sagemaker, emulator = emulated
    sagemaker.create_model(ModelName="m", PrimaryContainer={"Image": "img"}, ExecutionRoleArn=ROLE)
    sagemaker.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    sagemaker.create_endpoint(EndpointName="e", EndpointConfigName="c")
    emulator.clock.advance(3600)
    sagemaker.delete_endpoint(EndpointName="e")
    assert sagemaker.describe_endpoint(EndpointName="e")["EndpointStatus"] == "Deleting"
    with pytest.raises(ClientError, match="already existing endpoint"):
        sagemaker.create_endpoint(EndpointName="e", EndpointConfigName="c")
    emulator.clock.advance(emulator.deleting_seconds)
    with pytest.raises(ClientError, match="Could not find endpoint"):
        sagemaker.describe_endpoint(EndpointName="e")


def test_a_failed_endpoint_cannot_be_updated(emulated):
    from local_aws.sagemaker import EndpointOutcome

    sagemaker, emulator = emulated
    emulator.endpoint = EndpointOutcome(result="Failed")
    sagemaker.create_model(ModelName="m", PrimaryContainer={"Image": "img"}, ExecutionRoleArn=ROLE)
    sagemaker.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    sagemaker.create_endpoint(EndpointName="e", EndpointConfigName="c")
    emulator.clock.advance(3600)
    with pytest.raises(ClientError, match=r"Cannot update in-progress endpoint .*\(Failed\)"):
        sagemaker.update_endpoint(EndpointName="e", EndpointConfigName="c")


def test_s3_head_on_a_missing_bucket_is_a_bodiless_404_like_a_missing_key():
    """A HEAD response has no body, so S3 cannot say NoSuchBucket (S3 API reference, HeadObject)."""
    with mock_aws(), S3Emulator().installed():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="data-bucket")
        answers = []
        for bucket in ("data-bucket", "no-such-bucket"):
            with pytest.raises(ClientError) as error:
                s3.head_object(Bucket=bucket, Key="input/2026-11-24/x.csv")
            answers.append((error.value.response["Error"]["Code"], error.value.response["ResponseMetadata"]["HTTPStatusCode"]))
        assert answers == [("404", 404), ("404", 404)]


def test_s3_head_denied_is_a_bodiless_403():
    with mock_aws(), S3Emulator(("data-bucket/input/",)).installed() as emulator:
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="data-bucket")
        with pytest.raises(ClientError) as error:
            s3.head_object(Bucket="data-bucket", Key="input/x.csv")
        assert error.value.response["Error"]["Code"] == "403"
        assert emulator.denied_calls == ["HeadObject s3://data-bucket/input/x.csv: 403"]


@pytest.mark.parametrize("has_data_filter", [True, False], ids=["python>=3.11.4", "python<3.11.4"])
def test_model_archives_are_extracted_safely_on_every_python_3_11(tmp_path, monkeypatch, has_data_filter):
    import io
    import tarfile

    from local_aws.containers import extract

    if not has_data_filter:
        monkeypatch.delattr(tarfile, "data_filter", raising=False)

    def archive(name: str) -> tarfile.TarFile:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            info = tarfile.TarInfo(name)
            info.size = 2
            tar.addfile(info, io.BytesIO(b"ok"))
        buffer.seek(0)
        return tarfile.open(fileobj=buffer, mode="r:gz")

    extract(archive("model.joblib"), tmp_path / "good")
    assert (tmp_path / "good" / "model.joblib").read_bytes() == b"ok"
    with pytest.raises(tarfile.TarError):
        extract(archive("../escape.txt"), tmp_path / "bad")
    assert not (tmp_path / "escape.txt").exists()


def test_describe_alarms_applies_every_filter_as_cloudwatch_does():
    from local_aws.cloudwatch import strict_describe_alarms

    with mock_aws(), strict_describe_alarms():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        for name in ("a-5xx", "a-latency"):
            cloudwatch.put_metric_alarm(AlarmName=name, Namespace="AWS/SageMaker", MetricName="ModelLatency", Statistic="Average",
                                        Period=60, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanThreshold")
        cloudwatch.set_alarm_state(AlarmName="a-latency", StateValue="ALARM", StateReason="test")
        firing = cloudwatch.describe_alarms(AlarmNames=["a-5xx", "a-latency"], StateValue="ALARM")["MetricAlarms"]
        assert [a["AlarmName"] for a in firing] == ["a-latency"]


def test_blue_green_shifts_canary_then_all_then_bakes():
    from local_aws.sagemaker import traffic_shifts

    canary = {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {"Type": "CANARY", "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
                                                                        "WaitIntervalInSeconds": 300}, "TerminationWaitInSeconds": 600}}
    assert traffic_shifts(canary, 480) == ([(480, 10), (780, 100)], 1380)
    linear = {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {"Type": "LINEAR", "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 40},
                                                                        "WaitIntervalInSeconds": 60}, "TerminationWaitInSeconds": 0}}
    assert traffic_shifts(linear, 0) == ([(0, 40), (60, 80), (120, 100)], 120)


def test_add_tags_overwrites_a_key_as_sagemaker_does(emulated):
    """AddTags "adds or overwrites one or more tags"; tag keys are unique per resource (moto appends a second one)."""
    sagemaker, _ = emulated
    arn = sagemaker.create_model_package_group(ModelPackageGroupName="group")["ModelPackageGroupArn"]
    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "in-use", "Value": "v1"}, {"Key": "other", "Value": "x"}])
    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "in-use", "Value": "v2"}])
    assert sorted((t["Key"], t["Value"]) for t in sagemaker.list_tags(ResourceArn=arn)["Tags"]) == [("in-use", "v2"), ("other", "x")]
