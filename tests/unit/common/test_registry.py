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


def test_the_rollback_target_is_the_approved_version_that_served_before_the_current_one(sagemaker):
    first, second = register(sagemaker, "Approved", "2026-11-22"), register(sagemaker, "Approved", "2026-11-23")
    register(sagemaker, "Rejected", "2026-11-24")
    records = [{"at": "2026-11-22T00:00:00Z", "model_package_arn": first}, {"at": "2026-11-23T00:00:00Z", "model_package_arn": second}]
    versions = registry.packages(sagemaker, GROUP)
    assert registry.rollback_target(versions, records, second)["ModelPackageArn"] == first
    assert registry.rollback_target(versions, list(reversed(records)), second)["ModelPackageArn"] == first, "records are ordered by time"
    assert registry.rollback_target(versions, records, second, to_version=2)["Version"] == 2
    with pytest.raises(InvalidInput, match="version 3 is Rejected: only an Approved version"):
        registry.rollback_target(versions, records, second, to_version=3)
    with pytest.raises(InvalidInput, match="there is no version 9.*versions: 1, 2, 3"):
        registry.rollback_target(versions, records, second, to_version=9)
    with pytest.raises(InvalidInput, match="version 1 serves and the deployment history shows no Approved version that served before it"):
        registry.rollback_target(versions, records, first)
    with pytest.raises(InvalidInput, match="version 2 serves and the deployment history shows no"):
        registry.rollback_target(versions, [], second)


def test_a_recorded_version_that_left_the_registry_stays_in_the_history_and_is_never_a_rollback_target(sagemaker):
    first, second = register(sagemaker, "Approved", "2026-11-22"), register(sagemaker, "Approved", "2026-11-23")
    gone = first.rsplit("/", 1)[0] + "/77"
    records = [{"at": "1", "model_package_arn": first}, {"at": "2", "model_package_arn": gone}, {"at": "3", "model_package_arn": second}]
    versions = registry.packages(sagemaker, GROUP)
    assert [(entry["model_package_arn"], package and package["Version"]) for entry, package in registry.serving_history(versions, records)] == [
        (first, 1), (gone, None), (second, 2)]
    assert registry.rollback_target(versions, records, second)["ModelPackageArn"] == first


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
