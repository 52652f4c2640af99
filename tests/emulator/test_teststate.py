"""The emulated TestState answers as AWS's API reference says, from moto's own interpreter (the questions
scripts/aws-check asks are checked against it in tests/scripts/test_aws_check.py)."""

import json

ROLE = "arn:aws:iam::123456789012:role/states"
RETRY = {"ErrorEquals": ["Lambda.ServiceException", "AwsThrottled"], "MaxAttempts": 3, "IntervalSeconds": 2}
MACHINE = {
    "StartAt": "Pick",
    "States": {
        "Pick": {"Type": "Choice", "Choices": [
            {"And": [{"Variable": "$.status", "IsPresent": True}, {"Variable": "$.status", "StringEquals": "done"}], "Next": "Work"},
            {"Variable": "$.retry", "BooleanEquals": True, "Next": "Pick"}], "Default": "Failed"},
        "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f", "Payload.$": "$"},
                 "Retry": [RETRY], "Catch": [{"ErrorEquals": ["InvalidInput"], "Next": "Refused"}, {"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
                 "End": True},
        "Strict": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
                   "Catch": [{"ErrorEquals": ["InvalidInput"], "Next": "Refused"}], "End": True},
        "Refused": {"Type": "Fail"},
        "Failed": {"Type": "Fail"},
    },
}


def ask(sfn, state: str, data: dict, **request):
    answer = sfn.test_state(definition=json.dumps(MACHINE), stateName=state, input=json.dumps(data), roleArn=ROLE, **request)
    return answer["status"], answer.get("nextState"), answer.get("error")


def mocked(error: str, retries: int = 0) -> dict:
    return {"mock": {"errorOutput": {"error": error, "cause": "test"}}, "stateConfiguration": {"retrierRetryCount": retries}}


def test_a_choice_names_the_state_its_first_true_rule_picks(teststate_sfn):
    assert ask(teststate_sfn, "Pick", {"status": "done", "retry": True}) == ("SUCCEEDED", "Work", None)
    assert ask(teststate_sfn, "Pick", {"status": "later", "retry": True}) == ("SUCCEEDED", "Pick", None)
    assert ask(teststate_sfn, "Pick", {"status": "later", "retry": False}) == ("SUCCEEDED", "Failed", None)


def test_a_mocked_error_a_retrier_matches_is_retriable_while_attempts_are_left(teststate_sfn):
    assert ask(teststate_sfn, "Work", {}, **mocked("AwsThrottled", retries=2)) == ("RETRIABLE", None, "AwsThrottled")


def test_once_the_retrier_is_spent_the_error_goes_to_the_first_catcher_that_matches(teststate_sfn):
    assert ask(teststate_sfn, "Work", {}, **mocked("AwsThrottled", retries=3)) == ("CAUGHT_ERROR", "Failed", "AwsThrottled")
    assert ask(teststate_sfn, "Work", {}, **mocked("InvalidInput")) == ("CAUGHT_ERROR", "Refused", "InvalidInput")


def test_an_error_no_catcher_takes_fails_the_state_with_its_name(teststate_sfn):
    assert ask(teststate_sfn, "Strict", {}, **mocked("KeyError")) == ("FAILED", None, "KeyError")
