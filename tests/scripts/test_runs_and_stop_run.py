"""scripts/runs and scripts/stop-run on the emulated account: what ran yesterday, and stopping what runs now."""

import json
import time
import uuid
from datetime import UTC, datetime

import executions  # scripts/, on sys.path through tests/conftest.py
import pytest

from local_aws import runner
from local_aws.sagemaker import TrainingOutcome
from local_aws.scenarios import SCENARIOS, Run
from tests.scripts.test_operator_scripts import load_script


@pytest.fixture
def account():
    with runner.emulated_account(SCENARIOS["happy"], printer=lambda line: None) as emulated:
        yield emulated


def test_runs_lists_each_execution_with_data_date_outcome_duration_billable_seconds_and_the_slack_headline(account):
    pipeline = account.pipeline
    day = pipeline.today()
    pipeline.seed(Run(), day)
    pipeline.execute(Run(), {"DATE": day.isoformat()})
    pipeline.execute(Run(), {"DATE": "not a date"})
    sfn, sagemaker = account.clients["stepfunctions"], account.clients["sagemaker"]
    runs = executions.recent(sfn, pipeline.stack.state_machine_arn, runner.STACK, 5)
    assert [(r.status, r.headline) for r in runs] == [("FAILED", "Pipeline FAILED"), ("SUCCEEDED", "New model deployed")]
    deployed = runs[1]
    assert deployed.data_date == (day.fromordinal(day.toordinal() - 1)).isoformat() and deployed.training_job.startswith("retrain-multiclass-")
    billable = {deployed.training_job: executions.billable_seconds(sagemaker, deployed.training_job)}
    lines = load_script("runs").lines(runs, billable, "us-east-1", datetime.now(UTC))
    assert lines[0].split()[:4] == ["started", "(UTC)", "data", "date"]
    assert "SUCCEEDED" in lines[3] and "New model deployed" in lines[3] and f"{billable[deployed.training_job]} s" in lines[3]
    assert "not a date" in lines[1] and "Pipeline FAILED" in lines[1]
    assert lines[2].strip().startswith("https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/")


def test_stop_run_stops_the_execution_and_its_training_job_and_says_what_was_left(account):
    pipeline = account.pipeline
    day = pipeline.today()
    pipeline.seed(Run(), day)
    pipeline.emulator.training = lambda name, request: TrainingOutcome(duration_seconds=10**9)
    sfn, sagemaker = account.clients["stepfunctions"], account.clients["sagemaker"]
    arn = sfn.start_execution(stateMachineArn=pipeline.stack.state_machine_arn, name=f"manual-{uuid.uuid4().hex[:8]}",
                              input=json.dumps({"DATE": day.isoformat()}))["executionArn"]
    deadline = time.monotonic() + 60
    while not sagemaker.list_training_jobs()["TrainingJobSummaries"] or not executions.notifications(executions.history(sfn, arn)):
        assert time.monotonic() < deadline, "the training job never started"
        time.sleep(0.05)
    stop_run = load_script("stop-run")
    (running,) = sfn.list_executions(stateMachineArn=pipeline.stack.state_machine_arn, statusFilter="RUNNING")["executions"]
    said = stop_run.stop(sfn, sagemaker, running, runner.STACK, "operator@example.com", "wrong data delivered")
    (job,) = sagemaker.list_training_jobs()["TrainingJobSummaries"]
    assert said[0].startswith(f"stopped execution {running['name']} (data date ") and "last Slack message: Training started" in said[0]
    assert said[1] == f"stopped training job {job['TrainingJobName']} (it ends Stopped within minutes; billing ends with it)"
    assert said[-1] == "Slack gets no message for a stopped execution"
    deadline = time.monotonic() + 10
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sfn.describe_execution(executionArn=arn)["status"] == "ABORTED"
    assert sagemaker.describe_training_job(TrainingJobName=job["TrainingJobName"])["TrainingJobStatus"] in ("Stopping", "Stopped")


def test_stop_run_refuses_to_guess_between_several_running_executions(capsys):
    stop_run = load_script("stop-run")
    running = [{"name": "a", "executionArn": "arn:a"}, {"name": "b", "executionArn": "arn:b"}]
    with pytest.raises(SystemExit) as refused:
        stop_run.choose(running, None)
    assert refused.value.code == 2 and "2 executions are running (a, b): name one with --execution" in capsys.readouterr().err
    assert stop_run.choose(running, "b") == running[1] and stop_run.choose([], None) is None
