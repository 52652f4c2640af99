"""PlanTargets: the declared targets with the targets file's changes, the data date they all share, and how many run at once."""

import json

import pytest
from moto import mock_aws

from pipeline_common.errors import InvalidInput
from tests.conftest import event, load_handler

app = load_handler("data_checker")
BUCKET = "data-bucket"
TARGETS_FILE = "config/targets.json"


class Quotas:
    """Service Quotas' two listings (applied, AWS defaults), as its paginators give them."""

    def __init__(self, applied: dict[str, float], defaults: dict[str, float] | None = None, error: Exception | None = None):
        self.listed = {"list_service_quotas": applied, "list_aws_default_service_quotas": defaults or {}}
        self.error = error

    def get_paginator(self, operation):
        quotas, error = self.listed[operation], self.error

        class Pages:
            def paginate(self, ServiceCode):
                if error:
                    raise error
                assert ServiceCode == "sagemaker"
                return [{"Quotas": [{"QuotaName": name, "Value": value} for name, value in quotas.items()]}]

        return Pages()


@pytest.fixture
def s3(monkeypatch, aws_client):
    for name, value in {"BUCKET": BUCKET, "DATA_LAG_DAYS": "1", "TIMEZONE": "UTC", "RESOURCE_PREFIX": "retrain", "TARGETS_FILE_KEY": TARGETS_FILE,
                        "TRAINING_INSTANCE_TYPE": "ml.m5.large", "TRAINING_INSTANCE_COUNT": "1", "MANAGED_SPOT_TRAINING": "false",
                        "HOSTING_MODE": "Instance", "HOSTING_INSTANCE_TYPE": "ml.m5.large", "HOSTING_INSTANCE_COUNT": "2"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = aws_client("s3")
        client.create_bucket(Bucket=BUCKET)
        yield client


def plan(s3, quotas: Quotas | None = None, **changes):
    request = event("plan_targets")
    request["plan"].update(changes)
    return app.plan.plan(request, s3, quotas or Quotas({}), "2026-11-24")


def test_without_a_targets_file_every_declared_target_runs_with_its_config_overrides_and_the_note_says_so(s3):
    result = plan(s3)
    assert [t["name"] for t in result["targets"]] == ["churn", "fraud", "upsell"] and result["skipped"] == []
    assert result["targets"][0]["overrides"] == {"metric_floor": 0.7}
    assert result["run_input"] == {"DATE": "2026-11-24"} and result["max_concurrency"] == 3
    assert result["notes"] == [f"targets file s3://{BUCKET}/{TARGETS_FILE} does not exist: every declared target ran with pipeline-config.yaml's overrides"]


def test_the_targets_file_changes_overrides_and_skips_a_bad_one_by_name(s3):
    s3.put_object(Bucket=BUCKET, Key=TARGETS_FILE, Body=json.dumps({"targets": [
        {"name": "churn", "overrides": {"rollout_strategy": "Canary"}}, {"name": "fraud", "overrides": {"training_instance_type": "big"}}]}))
    result = plan(s3)
    assert [t["name"] for t in result["targets"]] == ["churn", "upsell"]
    assert result["targets"][0]["overrides"] == {"metric_floor": 0.7, "rollout_strategy": "Canary"}
    assert result["skipped"] == [{"name": "fraud", "why": 'targets file: override training_instance_type="big" is not a SageMaker instance type such as ml.m5.large'}]


def test_a_targets_file_that_is_not_json_fails_the_plan_naming_it(s3):
    s3.put_object(Bucket=BUCKET, Key=TARGETS_FILE, Body=b"targets: [churn]")
    with pytest.raises(InvalidInput, match=f"targets file s3://{BUCKET}/{TARGETS_FILE} is not JSON"):
        plan(s3)
    s3.put_object(Bucket=BUCKET, Key=TARGETS_FILE, Body=b'["churn"]')
    with pytest.raises(InvalidInput, match="has no list 'targets'"):
        plan(s3)


def test_quotas_lower_how_many_run_at_once_and_the_note_names_the_quota(s3):
    quotas = Quotas({"ml.m5.large for endpoint usage": 4}, {"ml.m5.large for training job usage": 15})
    result = plan(s3, quotas)
    assert result["max_concurrency"] == 2        # two instances per endpoint: a blue/green update needs room for two more each
    assert "2 targets at once instead of 4: quota 'ml.m5.large for endpoint usage' is 4 (2 per target)" in result["notes"]


def test_quotas_that_cannot_be_read_leave_the_configured_concurrency_and_say_so(s3):
    from botocore.exceptions import ClientError

    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListServiceQuotas")
    result = plan(s3, Quotas({}, error=denied))
    assert result["max_concurrency"] == 3 and any("Service Quotas could not be read (ClientError)" in note for note in result["notes"])


def test_the_approval_rule_names_the_group_and_plan_runs_its_target(s3):
    result = plan(s3, input={"DEPLOY_PACKAGE": "arn:aws:sagemaker:us-east-1:1:model-package/retrain-upsell/2", "ORIGIN": "approval",
                             "REQUESTED_BY": "", "REASON": "ok", "GROUP": "retrain-upsell"})
    assert [t["name"] for t in result["targets"]] == ["upsell"] and result["targets"][0]["overrides"] == {"hosting_mode": "Serverless"}


def test_an_approval_or_a_rollback_of_one_target_runs_that_target_with_its_package(s3):
    result = plan(s3, input={"TARGETS": ["fraud"], "DEPLOY_PACKAGE": "arn:aws:sagemaker:us-east-1:1:model-package/retrain-fraud/3",
                             "ORIGIN": "rollback", "REQUESTED_BY": "ana", "REASON": "bad day"})
    assert [t["name"] for t in result["targets"]] == ["fraud"]
    assert result["run_input"] == {"DATE": "2026-11-24", "DEPLOY_PACKAGE": "arn:aws:sagemaker:us-east-1:1:model-package/retrain-fraud/3",
                                   "ORIGIN": "rollback", "REQUESTED_BY": "ana", "REASON": "bad day"}
    with pytest.raises(InvalidInput, match="execution input TARGETS is 'fraud': expected a list of target names"):
        plan(s3, input={"TARGETS": "fraud"})


def test_the_handler_plans_for_the_scheduled_date(s3):
    result = app.lambda_handler(event("plan_targets"), None)
    assert result["run_input"] == {"DATE": "2026-11-24"} and len(result["targets"]) == 3
