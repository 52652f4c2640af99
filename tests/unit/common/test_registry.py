from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from local_aws.clock import Clock
from local_aws.sagemaker import SageMakerEmulator
from pipeline_common import registry
from pipeline_common.errors import InvalidInput

GROUP = "retrain-multiclass"


@pytest.fixture
def sagemaker():
    with mock_aws(), SageMakerEmulator(Clock()).installed():
        client = boto3.client("sagemaker")
        client.create_model_package_group(ModelPackageGroupName=GROUP)
        yield client


def register(sagemaker, status: str, data_date: str) -> str:
    return sagemaker.create_model_package(
        ModelPackageGroupName=GROUP, ModelApprovalStatus=status,
        InferenceSpecification={"Containers": [{"Image": "img", "ModelDataUrl": f"s3://b/{data_date}/model.tar.gz"}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
        CustomerMetadataProperties={"data_date": data_date, "training_job": f"retrain-multiclass-{data_date.replace('-', '')}"},
    )["ModelPackageArn"]


def test_versions_come_from_the_arn_and_bad_arns_are_named():
    assert registry.version_of("arn:aws:sagemaker:us-east-1:1:model-package/retrain-multiclass/12") == 12
    with pytest.raises(InvalidInput, match="not a versioned model package ARN"):
        registry.version_of("arn:aws:sagemaker:us-east-1:1:model-package/unversioned")


def test_deployments_are_recorded_on_the_package_and_read_back_in_time_order(sagemaker):
    first, second = register(sagemaker, "Approved", "2026-11-22"), register(sagemaker, "Approved", "2026-11-23")
    registry.record_deployment(sagemaker, first, "multiclass", "arn:x:execution:m:day-1", "", "daily", datetime(2026, 11, 22, 7, tzinfo=UTC))
    registry.record_deployment(sagemaker, second, "multiclass", "arn:x:execution:m:day-2", first, "daily", datetime(2026, 11, 23, 7, tzinfo=UTC))
    registry.record_deployment(sagemaker, first, "multiclass", "arn:x:execution:m:rb", second, "rollback", datetime(2026, 11, 23, 9, tzinfo=UTC))
    history = registry.serving_history(registry.packages(sagemaker, GROUP))
    assert [(at, package["Version"]) for at, package, _ in history] == [
        ("2026-11-22T07:00:00Z", 1), ("2026-11-23T07:00:00Z", 2), ("2026-11-23T09:00:00Z", 1)]
    assert history[2][2] == "endpoint=multiclass; origin=rollback; replaced=version 2; execution=rb"


def test_the_rollback_target_is_the_approved_version_that_served_before_the_current_one(sagemaker):
    first, second = register(sagemaker, "Approved", "2026-11-22"), register(sagemaker, "Approved", "2026-11-23")
    register(sagemaker, "Rejected", "2026-11-24")
    registry.record_deployment(sagemaker, first, "e", "x", "", "daily", datetime(2026, 11, 22, tzinfo=UTC))
    registry.record_deployment(sagemaker, second, "e", "x", first, "daily", datetime(2026, 11, 23, tzinfo=UTC))
    versions = registry.packages(sagemaker, GROUP)
    assert registry.rollback_target(versions, second)["ModelPackageArn"] == first
    assert registry.rollback_target(versions, second, to_version=2)["Version"] == 2
    with pytest.raises(InvalidInput, match="version 3 is Rejected: only an Approved version"):
        registry.rollback_target(versions, second, to_version=3)
    with pytest.raises(InvalidInput, match="there is no version 9.*versions: 1, 2, 3"):
        registry.rollback_target(versions, second, to_version=9)
    with pytest.raises(InvalidInput, match="version 1 serves and nothing served before it"):
        registry.rollback_target(versions, first)


def test_approval_keeps_the_packages_metadata_and_records_who_and_why(sagemaker):
    arn = register(sagemaker, "PendingManualApproval", "2026-11-23")
    assert registry.latest_pending(registry.packages(sagemaker, GROUP))["ModelPackageArn"] == arn
    registry.set_approval(sagemaker, arn, False, "rejected by alice: drift in f3")
    package = sagemaker.describe_model_package(ModelPackageName=arn)
    assert package["ModelApprovalStatus"] == "Rejected" and package["ApprovalDescription"] == "rejected by alice: drift in f3"
    assert package["CustomerMetadataProperties"]["data_date"] == "2026-11-23", "UpdateModelPackage keeps what it is not given"
    with pytest.raises(InvalidInput, match="no version is PendingManualApproval"):
        registry.latest_pending(registry.packages(sagemaker, GROUP))


def test_a_deployment_input_names_the_package_and_its_origin():
    assert registry.deployment_input("arn:p/1", "rollback", "alice", "why") == {
        "DEPLOY_PACKAGE": "arn:p/1", "ORIGIN": "rollback", "REQUESTED_BY": "alice", "REASON": "why"}
    with pytest.raises(InvalidInput, match="origin 'daily'"):
        registry.deployment_input("arn:p/1", "daily")


def test_a_deployment_is_recorded_once_however_many_executions_a_repeated_event_starts(sagemaker):
    arn = register(sagemaker, "Approved", "2026-11-22")
    live = datetime(2026, 11, 22, 7, 30, tzinfo=UTC)
    first = registry.record_deployment(sagemaker, arn, "multiclass", "arn:x:execution:m:approval-1", "", "approval", live)
    again = registry.record_deployment(sagemaker, arn, "multiclass", "arn:x:execution:m:approval-2", "", "approval", live)
    (package,) = registry.packages(sagemaker, GROUP)
    assert first == again == "2026-11-22T07:30:00Z"
    assert [d["record"].rsplit("=", 1)[-1] for d in package["Deployments"]] == ["approval-1"]
