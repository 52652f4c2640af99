"""--target: with many targets, what each operator script acts on; with one, the option is refused."""

import json
from datetime import date

import boto3
import pytest
from moto import mock_aws

import registry_cli  # scripts/, on sys.path through tests/conftest.py
from tests.scripts.test_operator_scripts import load_script

MANY = {"StateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:p", "FanOutStateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:f",
        "Targets": "churn,fraud", "ResourcePrefix": "retrain", "DeployTarget": "endpoint", "DeploymentHistory": "s3://b/deployments/"}
ONE = {"StateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:p", "ResourcePrefix": "retrain", "ModelPackageGroup": "retrain-multiclass",
       "EndpointName": "multiclass", "DeploymentHistory": "s3://b/deployments/retrain-multiclass/"}


def test_a_target_of_a_many_target_stack_has_its_own_group_endpoint_history_and_starts_through_the_fan_out():
    churn = registry_cli.for_target(MANY, "retrain-prod", "churn")
    assert (churn["ModelPackageGroup"], churn["EndpointName"]) == ("retrain-churn", "retrain-churn")
    assert registry_cli.history_of(churn).group == "retrain-churn" and registry_cli.history_of(churn).prefix == "deployments"
    assert registry_cli.start_arn(churn) == MANY["FanOutStateMachineArn"]
    assert registry_cli.run_input(churn, {"DEPLOY_PACKAGE": "arn:p"}) == {"DEPLOY_PACKAGE": "arn:p", "TARGETS": ["churn"]}
    assert registry_cli.for_target(ONE, "retrain-prod", None) == ONE and registry_cli.start_arn(ONE) == ONE["StateMachineArn"]
    assert registry_cli.for_target(MANY, "retrain-prod", "upsell")["ModelPackageGroup"] == "retrain-upsell"   # one the targets file added


@pytest.mark.parametrize(("outputs", "target", "message"), [
    (MANY, None, "stack retrain-prod runs many targets (churn, fraud and any its targets file adds): name one with --target"),
    (MANY, "Upsell", "--target 'Upsell': name 'Upsell' is not lowercase letters, digits and single hyphens"),
    (ONE, "churn", "--target churn: stack retrain-prod has one target (no fan-out): leave --target out"),
])
def test_a_wrong_or_missing_target_is_a_usage_error_naming_the_choices(outputs, target, message, capsys):
    with pytest.raises(SystemExit) as refused:
        registry_cli.for_target(outputs, "retrain-prod", target)
    assert refused.value.code == 2 and message in capsys.readouterr().err


def test_start_execution_for_one_target_starts_the_fan_out_with_that_target():
    start_execution = load_script("start-execution")
    with mock_aws():
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        role = boto3.client("iam", region_name="us-east-1").create_role(RoleName="states", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        machine = sfn.create_state_machine(name="f", definition='{"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}', roleArn=role)["stateMachineArn"]
        arn = start_execution.start(sfn, machine, date(2026, 11, 23), extra=registry_cli.run_input(registry_cli.for_target(MANY, "s", "fraud"), {}))
        assert json.loads(sfn.describe_execution(executionArn=arn)["input"]) == {"DATE": "2026-11-23", "TARGETS": ["fraud"]}


def test_runs_shows_whose_run_each_was():
    runs = load_script("runs")
    from datetime import UTC, datetime

    import executions

    now = datetime(2026, 11, 24, 8, tzinfo=UTC)
    made = [executions.Run(name=f"{t}-1", arn=f"arn:{t}", status="SUCCEEDED", started=now, stopped=now, data_date="2026-11-23",
                           headline="New model deployed", training_job="", state={}, target=t) for t in ("churn", "fraud")]
    lines = runs.lines(made, {}, "us-east-1", now)
    assert lines[0].split()[2] == "target" and lines[1].split()[2] == "churn" and lines[3].split()[2] == "fraud"
    assert "target" not in runs.lines([executions.Run(**{**made[0].__dict__, "target": ""})], {}, "us-east-1", now)[0]
