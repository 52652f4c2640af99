"""The emulator refuses what AWS refuses: every request checked against botocore's service model in full."""

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local_aws.clock import Clock
from local_aws.sagemaker import SageMakerEmulator
from local_aws.validation import check, problems


@pytest.fixture
def sagemaker():
    with mock_aws(), SageMakerEmulator(Clock()).installed():
        yield boto3.client("sagemaker", region_name="us-east-1")


def refusal(call, **kwargs) -> str:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    assert error.value.response["Error"]["Code"] == "ValidationException"
    return error.value.response["Error"]["Message"]


def test_an_out_of_range_deployment_config_is_refused_naming_member_value_and_limit(sagemaker):
    config = {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {"Type": "LINEAR", "WaitIntervalInSeconds": 5000,
                                                                        "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 20}},
                                        "MaximumExecutionTimeoutInSeconds": 30000},
              "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": f"a{i}"} for i in range(11)]}}
    message = refusal(sagemaker.update_endpoint, EndpointName="multiclass", EndpointConfigName="c", DeploymentConfig=config)
    assert message.startswith("3 validation errors detected: ")
    assert ("Value '5000' at 'deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration.waitIntervalInSeconds' failed to "
            "satisfy constraint: Member must have value less than or equal to 3600") in message
    assert "at 'deploymentConfig.blueGreenUpdatePolicy.maximumExecutionTimeoutInSeconds' failed to satisfy constraint: " \
           "Member must have value less than or equal to 28800" in message
    assert "at 'deploymentConfig.autoRollbackConfiguration.alarms' failed to satisfy constraint: Member must have length less than or equal to 10" \
        in message


def test_enums_and_patterns_botocore_does_not_check_are_refused(sagemaker):
    message = refusal(sagemaker.create_endpoint, EndpointName="bad_name!", EndpointConfigName="c")
    assert "at 'endpointName' failed to satisfy constraint: Member must satisfy regular expression pattern" in message
    message = refusal(sagemaker.list_training_jobs, StatusEquals="Finished")
    assert "Value 'Finished' at 'statusEquals' failed to satisfy constraint: Member must satisfy enum value set: [InProgress, Completed" in message


def test_a_valid_request_is_not_touched_and_unknown_operations_are_left_to_moto():
    assert check("SageMaker.DescribeEndpoint", b'{"EndpointName": "multiclass"}') == ""
    assert check("SageMaker.NoSuchOperation", b"{}") == "" and check("Unknown_20200101.X", b"{}") == ""


def test_required_members_lists_and_maps_are_checked_deep_inside():
    model = botocore.session.get_session().get_service_model("sagemaker")
    shape = model.operation_model("CreateModelPackage").input_shape
    found = problems({"ModelPackageGroupName": "g", "CustomerMetadataProperties": {"k" * 300: "v"},
                      "InferenceSpecification": {"SupportedContentTypes": ["text/csv"]}}, shape)
    assert any("at 'customerMetadataProperties." in p and "length less than or equal to 128" in p for p in found), found
    assert "Value null at 'inferenceSpecification.containers' failed to satisfy constraint: Member must not be null" in found


def test_query_and_rest_json_services_are_checked_too_with_the_code_each_answers(sagemaker):
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    with pytest.raises(ClientError) as error:
        cloudwatch.describe_alarms(AlarmNames=[f"alarm-{i}" for i in range(101)])
    assert error.value.response["Error"]["Code"] in ("ValidationError", "ValidationException")
    assert "at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to 100" in error.value.response["Error"]["Message"]
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    with pytest.raises(scheduler.exceptions.ValidationException, match="at 'name' failed to satisfy constraint: Member must have length less than or equal to 64"):
        scheduler.get_schedule(Name="s" * 65)
    iam = boto3.client("iam", region_name="us-east-1")
    with pytest.raises(ClientError) as error:
        iam.get_role(RoleName="no spaces allowed")
    assert error.value.response["Error"]["Code"] == "ValidationError"
    assert "Value 'no spaces allowed' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern" \
        in error.value.response["Error"]["Message"]


def test_s3_is_left_to_moto_and_valid_requests_of_every_protocol_go_through(sagemaker):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="bucket")
    s3.put_object(Bucket="bucket", Key="k" * 1500, Body=b"x")
    assert boto3.client("cloudwatch", region_name="us-east-1").describe_alarms(AlarmNames=["a"])["MetricAlarms"] == []
