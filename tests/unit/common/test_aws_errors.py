import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from pipeline_common import aws
from pipeline_common.errors import AwsThrottled, AwsUnavailable


def client_error(code: str, message: str = "", status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Describe")


@pytest.mark.parametrize(("code", "message"), [
    ("ValidationException", "Requested resource not found."),                      # DescribeTrainingJob on AWS (boto/boto3#2808)
    ("ValidationException", 'Could not find endpoint "multiclass".'),               # DescribeEndpoint
    ("ValidationException", 'Could not find endpoint configuration "cfg".'),        # DescribeEndpointConfig
    ("ValidationException", "ModelPackageGroup arn:...:model-package-group/x does not exist."),
    ("ResourceNotFound", "Training job x not found"),                              # the code botocore's model declares
    ("404", "Not Found"),                                                           # S3 HEAD
])
def test_every_wording_aws_uses_for_a_missing_resource_is_not_found(code, message):
    assert aws.is_not_found(client_error(code, message))


@pytest.mark.parametrize(("code", "message"), [
    ("ValidationException", "1 validation error detected: Value 'x_y' at 'trainingJobName' failed to satisfy constraint"),
    ("AccessDeniedException", "User is not authorized to perform: sagemaker:DescribeTrainingJob"),
    ("403", "Forbidden"),
])
def test_other_errors_are_not_mistaken_for_a_missing_resource(code, message):
    assert not aws.is_not_found(client_error(code, message))


def test_describe_or_none_returns_none_only_for_not_found():
    def missing(**kwargs):
        raise client_error("ValidationException", "Requested resource not found.")

    def denied(**kwargs):
        raise client_error("AccessDeniedException", "not authorized")

    assert aws.describe_or_none(missing, "DescribeTrainingJob x", TrainingJobName="x") is None
    with pytest.raises(ClientError, match="not authorized"):
        aws.describe_or_none(denied, "DescribeTrainingJob x", TrainingJobName="x")


@pytest.mark.parametrize(("error", "expected"), [
    (client_error("ThrottlingException", "Rate exceeded"), AwsThrottled),
    (client_error("InternalFailure", "unknown error", 500), AwsUnavailable),
    (client_error("ServiceUnavailable", "", 503), AwsUnavailable),
    (client_error("Whatever", "", 502), AwsUnavailable),
    (EndpointConnectionError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com"), AwsUnavailable),
])
def test_transient_errors_become_the_ones_the_state_machine_retries(error, expected):
    with pytest.raises(expected, match="DescribeTrainingJob x"):
        with aws.retryable_errors("DescribeTrainingJob x"):
            raise error


def test_a_permanent_error_passes_through_unchanged():
    with pytest.raises(ClientError, match="ValidationException"):
        with aws.retryable_errors("CreateTrainingJob x"):
            raise client_error("ValidationException", "bad request")
