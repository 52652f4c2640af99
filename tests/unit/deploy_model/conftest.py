"""The deploy_model tests' environment (as the template sets it) and emulated SageMaker."""

import pytest
from moto import mock_aws

from local_aws.clock import Clock
from local_aws.sagemaker import SageMakerEmulator

ENVIRONMENT = {
    "DEPLOY_TARGET": "endpoint", "ENDPOINT_NAME": "multiclass", "SERVING_IMAGE": "123456789012.dkr.ecr.us-east-1.amazonaws.com/retrain:1",
    "SAGEMAKER_ROLE_ARN": "arn:aws:iam::123456789012:role/sagemaker", "MODEL_PACKAGE_GROUP": "retrain-multiclass",
    "STACK_NAME": "retrain-prod", "HOSTING_MODE": "Instance", "HOSTING_INSTANCE_TYPE": "ml.m5.large", "HOSTING_INSTANCE_COUNT": "1",
    "SERVERLESS_MEMORY_MB": "2048", "SERVERLESS_MAX_CONCURRENCY": "5", "DATA_CAPTURE_PERCENT": "0", "DATA_CAPTURE_URI": "s3://data-bucket/output-model/data-capture/multiclass",
    "AUTOSCALING_MIN": "1", "AUTOSCALING_MAX": "0", "AUTOSCALING_TARGET": "100",
    "QUALITY_GATE": "Enabled", "OBJECTIVE_METRIC": "validation:accuracy", "OBJECTIVE_DIRECTION": "Maximize",
    "METRIC_FLOOR": "0.8", "MIN_IMPROVEMENT": "0", "POOLED_MIN_IMPROVEMENT": "-0.005", "STALE_AFTER_DAYS": "0", "GATE_RULE": "PairedInterval",
    "CHAMPION_FALLBACK": "Recorded", "APPROVAL_MODE": "Auto",
    "ROLLOUT_STRATEGY": "AllAtOnce", "CANARY_PERCENT": "10", "LINEAR_PERCENT": "20", "ROLLOUT_WAIT_SECONDS": "300", "BAKING_SECONDS": "600",
    "ROLLBACK_ALARMS": "s-multiclass-invocation-5xx,s-multiclass-model-latency,", "ENDPOINT_BUDGET_SECONDS": "5400",
    "BUCKET": "data-bucket", "DEPLOYMENT_HISTORY_PREFIX": "deployment-history",
}


@pytest.fixture
def emulator():
    """moto lacks update_endpoint and job lifecycles; the local run's emulator supplies them."""
    return SageMakerEmulator(Clock())


@pytest.fixture
def sagemaker(monkeypatch, emulator, aws_client):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with mock_aws(), emulator.installed():
        aws_client("s3").create_bucket(Bucket=ENVIRONMENT["BUCKET"])
        cloudwatch = aws_client("cloudwatch")
        for name in filter(None, ENVIRONMENT["ROLLBACK_ALARMS"].split(",")):
            cloudwatch.put_metric_alarm(  # the stack's rollback alarms, as the template creates them (actions enabled)
                AlarmName=name, ActionsEnabled=True, Namespace="AWS/SageMaker", MetricName="Invocation5XXErrors", Statistic="Sum", Period=60,
                EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanOrEqualToThreshold")
        yield aws_client("sagemaker")


