import logging

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local_aws.servicequotas import applied_quotas
from pipeline_common import quotas

ROLE = "arn:aws:iam::123456789012:role/sagemaker"
log = logging.getLogger("test")


def serving(sagemaker, name: str, instances: int) -> None:
    sagemaker.create_model(ModelName=name, PrimaryContainer={"Image": "img"}, ExecutionRoleArn=ROLE)
    sagemaker.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": name, "InstanceType": "ml.m5.large", "InitialInstanceCount": instances}])
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)


@pytest.mark.parametrize(("limits", "updating", "problem"), [
    ({"ml.m5.large for endpoint usage": 2}, True, "quota 'ml.m5.large for endpoint usage' is 2: 2 in use + 2 needed = 4"),
    ({"ml.m5.large for endpoint usage": 5}, True, ""),
    ({"ml.m5.large for endpoint usage": 3}, False, ""),
    ({"ml.m5.large for training job usage": 0}, False, "quota 'ml.m5.large for training job usage' is 0: 0 in use + 1 needed = 1"),
])
def test_a_shortfall_names_the_quota_its_limit_the_usage_and_the_need(limits, updating, problem):
    with mock_aws(), applied_quotas(limits):
        sagemaker = boto3.client("sagemaker", region_name="us-east-1")
        serving(sagemaker, "other-team", 2)
        call = lambda: quotas.check_room(boto3.client("service-quotas", region_name="us-east-1"), sagemaker,  # noqa: E731
                                         ("ml.m5.large", 1), ("ml.m5.large", 1), updating, log)
        if problem:
            with pytest.raises(quotas.QuotaShort, match=problem.replace("+", r"\+") + ".*No training job was started"):
                call()
        else:
            call()


def test_spot_training_counts_against_its_own_quota_and_running_spot_jobs_only(monkeypatch):
    with mock_aws(), applied_quotas({"ml.m5.large for spot training job usage": 1}):
        sagemaker = boto3.client("sagemaker", region_name="us-east-1")
        service_quotas = boto3.client("service-quotas", region_name="us-east-1")
        assert quotas.check_room(service_quotas, sagemaker, ("ml.m5.large", 1), None, False, log, spot=True) == []
        with pytest.raises(quotas.QuotaShort, match=r"quota 'ml.m5.large for spot training job usage' is 1: 0 in use \+ 2 needed"):
            quotas.check_room(service_quotas, sagemaker, ("ml.m5.large", 2), None, False, log, spot=True)


def test_a_quota_without_an_applied_value_is_checked_against_the_aws_default():
    with mock_aws(), applied_quotas({"ml.m5.large for endpoint usage": None}):
        sagemaker = boto3.client("sagemaker", region_name="us-east-1")
        serving(sagemaker, "other-team", 1)
        with pytest.raises(quotas.QuotaShort, match=r"quota 'ml.m5.large for endpoint usage' is 2: 1 in use \+ 2 needed = 3"):
            quotas.check_room(boto3.client("service-quotas", region_name="us-east-1"), sagemaker, ("ml.m5.large", 1), ("ml.m5.large", 1), True, log)


@pytest.mark.parametrize("code", ["AccessDeniedException", "TooManyRequestsException", "ServiceException"])
def test_a_quota_api_that_cannot_answer_is_a_warning_not_a_failure(code):
    with mock_aws(), applied_quotas({}, refusal=code):
        warnings = quotas.check_room(boto3.client("service-quotas", region_name="us-east-1"), boto3.client("sagemaker", region_name="us-east-1"),
                                     ("ml.m5.large", 1), None, False, log)
    (warning,) = warnings
    assert f"Service Quotas could not be read ({'AwsThrottled' if code == 'TooManyRequestsException' else code})" in warning
    assert "'ml.m5.large for training job usage' was not checked" in warning and "ResourceLimitExceeded" in warning


def test_quotas_that_cannot_be_read_do_not_stop_the_run(caplog):
    class Denied:
        def get_paginator(self, operation):
            class Pages:
                def paginate(self, **kwargs):
                    raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListServiceQuotas")

            return Pages()

    class NoJobs:
        def get_paginator(self, operation):
            class Pages:
                def paginate(self, **kwargs):
                    return [{}]

            return Pages()

    caplog.set_level(logging.WARNING)
    assert quotas.check_room(Denied(), NoJobs(), ("ml.m5.large", 1), None, False, log)[0].startswith("Service Quotas could not be read (AccessDeniedException)")
    assert "could not be read" in caplog.text
