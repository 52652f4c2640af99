"""The local executor fails where Step Functions fails: a local run cannot pass on a path AWS would end."""

import json
import time

import boto3
import pytest
from moto import mock_aws

from local_aws.clock import Clock
from local_aws.stepfunctions import emulated_time

ROLE = "arn:aws:iam::123456789012:role/states"


def execute(definition: dict, clock: Clock | None = None) -> dict:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}), emulated_time(clock or Clock()):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = sfn.create_state_machine(name="probe", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
        while (description := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
            time.sleep(0.005)
        description["history"] = sfn.get_execution_history(executionArn=execution)["events"]
        return description


def entered(description: dict) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in description["history"] if "stateEnteredEventDetails" in e]


def test_a_choice_comparing_a_missing_path_is_states_runtime_not_a_false_rule():
    result = execute({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.nope", "StringEquals": "x", "Next": "Done"}], "Default": "Done"},
        "Done": {"Type": "Succeed"}}})
    assert (result["status"], result["error"]) == ("FAILED", "States.Runtime") and "$.nope" in result["cause"]


def test_is_present_may_look_at_a_missing_path():
    result = execute({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Not": {"Variable": "$.nope", "IsPresent": True}, "Next": "Done"}], "Default": "Done"},
        "Done": {"Type": "Succeed"}}})
    assert result["status"] == "SUCCEEDED"


def test_states_all_does_not_catch_states_runtime():
    result = execute({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": {"v.$": "$.missing"}, "Next": "Done"},
        "Done": {"Type": "Succeed"}}})
    assert result["error"] == "States.Runtime"
    caught = execute({"StartAt": "M", "States": {
        "M": {"Type": "Map", "ItemsPath": "$.missing", "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Notified"}], "End": True},
        "Notified": {"Type": "Succeed"}}})
    assert "Notified" not in entered(caught) and caught["status"] == "FAILED"


def test_a_fail_state_reports_the_error_and_cause_its_paths_point_at():
    result = execute({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Result": {"Error": "TrainingFailed", "Cause": "job x is Stopped"}, "ResultPath": "$.failure", "Next": "F"},
        "F": {"Type": "Fail", "ErrorPath": "$.failure.Error", "CausePath": "$.failure.Cause"}}})
    assert (result["error"], result["cause"]) == ("TrainingFailed", "job x is Stopped")


def test_state_entered_time_and_waits_follow_the_emulated_clock():
    clock = Clock()
    result = execute({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 86400, "Next": "P"},
        "P": {"Type": "Pass", "Parameters": {"at.$": "$$.State.EnteredTime"}, "End": True}}}, clock)
    assert clock.elapsed() == pytest.approx(86400)
    entered_at = json.loads(result["output"])["at"]
    assert entered_at.startswith(clock.now().date().isoformat())
