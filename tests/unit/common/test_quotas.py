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


def test_quotas_that_cannot_be_read_do_not_stop_the_run(caplog):
    class Denied:
        def get_paginator(self, operation):
            class Pages:
                def paginate(self, **kwargs):
                    raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListServiceQuotas")

            return Pages()

    caplog.set_level(logging.WARNING)
    quotas.check_room(Denied(), None, ("ml.m5.large", 1), None, False, log)
    assert "could not be read" in caplog.text
