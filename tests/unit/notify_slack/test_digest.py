"""The fan-out's digest: a line per target (deployed, not deployed and why, no data, failed and why, skipped), with links."""

import json

import pytest

from tests.conftest import event, load_handler

app = load_handler("notify_slack")
digest = app.digest
REGION = "us-east-1"


class Executions:
    """DescribeExecution of each target's run: a success's output keeps the last Slack message (``notified``)."""

    def __init__(self, outputs: dict[str, dict], failures: dict[str, tuple[str, str]] | None = None):
        self.outputs, self.failures = outputs, failures or {}

    def describe_execution(self, executionArn):
        name = executionArn.rsplit(":", 1)[-1]
        if name in self.failures:
            error, cause = self.failures[name]
            return {"executionArn": executionArn, "status": "FAILED", "error": error, "cause": cause}
        if name not in self.outputs:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "ExecutionDoesNotExist", "Message": f"Execution Does Not Exist: '{executionArn}'"}}, "DescribeExecution")
        return {"executionArn": executionArn, "status": "SUCCEEDED", "output": json.dumps(self.outputs[name])}


EXECUTIONS = Executions({
    "churn-1": {"notified": {"kind": "deployed", "text": "New model deployed: Endpoint retrain-churn serves the model trained on data of 2026-11-23."}},
    "upsell-1": {"notified": {"kind": "not_deployed", "text": "Model not deployed: accuracy 0.91 is below the serving model's 0.95."}},
}, {"fraud-1": ("TrainingFailed", "training job retrain-fraud-20261123 is Failed: AlgorithmError: out of memory")})
PIPELINE = "arn:aws:states:us-east-1:123456789012:stateMachine:retrain-prod-RetrainStateMachine"


def lines_of(message: dict) -> list[str]:
    return [line for block in message["blocks"] if block["type"] == "section" for line in block["text"]["text"].split("\n")]


def test_the_digest_has_a_line_per_target_with_why_and_a_link_and_names_the_failed_ones():
    message, failed = digest.build(EXECUTIONS, event("notify_digest")["state"], "arn:aws:states:us-east-1:1:execution:x-fan-out:daily", REGION,
                                   "retrain-prod", PIPELINE)
    assert failed == ["fraud"]
    assert message["text"] == "FAILED: Daily run of 3 targets: 1 deployed, 1 failed, 1 not deployed, 1 skipped"
    lines = lines_of(message)
    assert lines[0] == "1 deployed, 1 failed, 1 not deployed, 1 skipped."
    churn, fraud, upsell, promo = lines[1:]
    assert churn.startswith(":white_check_mark: *churn* — New model deployed") and "executions/details/" in churn and "churn-1|execution>" in churn
    assert fraud.startswith(":red_circle: *fraud* — FAILED: TrainingFailed: training job retrain-fraud-20261123 is Failed: AlgorithmError: out of memory")
    assert "fraud-1|execution>" in fraud
    assert upsell.startswith(":warning: *upsell* — Model not deployed: accuracy 0.91 is below")
    assert promo == ':no_entry_sign: *promo* — skipped: targets file: override rollout_strategy="Fast" is not one of AllAtOnce, Canary, Linear'
    context = message["blocks"][-1]["elements"][0]["text"]
    assert "quota 'ml.m5.large for training job usage' is 2" in context and "at 2 at once" in context


def test_a_target_whose_run_could_not_start_is_failed_with_the_error_it_got():
    state = {"plan": {}, "outcomes": [{"status": "FAILED", "target": "churn", "execution_name": "churn-never",
                                       "error": "StepFunctions.ExecutionLimitExceededException"}]}
    message, failed = digest.build(EXECUTIONS, state, "arn:x", REGION, "retrain-prod", PIPELINE)
    assert failed == ["churn"]
    assert lines_of(message)[1] == ":red_circle: *churn* — FAILED: its run could not start (StepFunctions.ExecutionLimitExceededException)"


def test_fifty_targets_fit_slacks_limits():
    outputs = {f"t{i}-1": {"notified": {"kind": "deployed", "text": "New model deployed: " + "x" * 400}} for i in range(50)}
    state = {"plan": {}, "outcomes": [{"target": f"t{i}", "status": "SUCCEEDED", "execution_arn": f"arn:a:states:r:1:execution:m:t{i}-1"}
                                      for i in range(50)]}
    message, _ = digest.build(Executions(outputs), state, "arn:x", REGION, "retrain-prod")
    assert len(message["blocks"]) <= 50
    assert all(len(block["text"]["text"]) <= 3000 for block in message["blocks"] if block["type"] == "section")
    assert sum(line.startswith(":white_check_mark:") for line in lines_of(message)) == 50


@pytest.fixture
def fan_out_environment(monkeypatch):
    monkeypatch.setenv("STACK_NAME", "retrain-prod")
    monkeypatch.setenv("SLACK_WEBHOOK_SECRET_ARN", "")
    monkeypatch.setenv("RESOURCE_PREFIX", "retrain")
    monkeypatch.setenv("SLACK_PER_TARGET", "failures")


def test_a_targets_own_messages_follow_slack_per_target_and_keep_their_text_for_the_digest(fan_out_environment, monkeypatch):
    failed = {**event("notify_failed"), "target": {"name": "churn", "overrides": {}}}
    result = app.lambda_handler(failed, None)
    assert result["kind"] == "failed" and result["text"].startswith("Pipeline FAILED") and "withheld" not in result
    quiet = {**failed, "kind": "no_data", "state": {"data": {"data_date": "2026-11-23", "status": "absent"}}}
    result = app.lambda_handler(quiet, None)
    assert result["delivered"] is False and result["withheld"].startswith("fan_out.slack_per_target")
    assert result["text"].startswith("No new data")
    monkeypatch.setenv("SLACK_PER_TARGET", "none")
    assert app.lambda_handler(failed, None)["delivered"] is False
