"""scripts/aws-check, exercised end to end against the emulator: everything but the real account."""

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import aws_check  # noqa: E402
from check_accounts import EmulatedAccount  # noqa: E402

STACK = "retrain-check-test"
PARAMETERS = aws_check.check_parameters("awscheck-test")
FIRST = date(2026, 11, 20)
CLEAN_ENV = {"HOME": "/tmp", "PATH": os.environ["PATH"], "AWS_EC2_METADATA_DISABLED": "true"}
def test_make_aws_check_local_passes_every_check_and_leaves_nothing_behind():
    """The README's `make aws-check ARGS=--local`: one whole check (deploy, the day, 77 TestState calls,
    delete) on the emulator; its run is shared by every assertion here."""
    run = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "aws-check", "ARGS=--local"], capture_output=True, text=True,
                         env=CLEAN_ENV, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    rows = dict(re.findall(r"^PASS  (.+?: .+?)  +(.*)$", run.stdout, re.MULTILINE))
    assert "FAIL  " not in run.stdout and run.stdout.rstrip().endswith("aws-check: 19 of 19 checks passed")
    assert {"day 1: endpoint serves version 1", "day 2: execution FAILED", "day 2: endpoint still serves version 1",
            "day 3: endpoint serves version 2", "rollback: endpoint serves version 1 again",
            "rollback: three deployments recorded, the last a rollback"} <= set(rows)
    assert re.search(r"/aws-check/training/\d{4}-\d{2}-\d{2}/check/iris.csv line 4 column 3: 'three point five' is not a num",
                     rows["day 2: the cause names the day's data or job"])
    assert rows["day 2: Slack message 'failed'"].startswith("sent: failed;"), "the data check failed the day before any training"
    assert rows["TestState: Choice guards (28 calls)"] == rows["TestState: Task Retry/Catch (49 calls)"] == "all as expected"
    assert rows["delete: nothing left behind"] == "stack, endpoint, configs, models, versions, data gone"
    assert "deleted endpoint awscheck-dev-check" in run.stdout and "deleted model package group awscheck-dev-check and its versions" in run.stdout


class _Interrupted(EmulatedAccount):
    """Ctrl-C on day 2, while the day's training job is running."""

    def run(self, run_input):
        if run_input.get("DATE") == "2026-11-21":
            sagemaker = self.clients["sagemaker"]
            sagemaker.create_training_job(
                TrainingJobName="awscheck-test-check-20261121", RoleArn="arn:aws:iam::123456789012:role/sagemaker",
                AlgorithmSpecification={"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/img:1", "TrainingInputMode": "File"},
                InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
                    "S3DataType": "S3Prefix", "S3Uri": f"s3://{self.bucket}/aws-check/training/2026-11-20/"}}}],
                OutputDataConfig={"S3OutputPath": f"s3://{self.bucket}/aws-check/output-model"},
                ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
                StoppingCondition={"MaxRuntimeInSeconds": 900})
            raise KeyboardInterrupt
        return super().run(run_input)


def test_an_interrupted_check_stops_its_training_job_and_deletes_everything():
    lines: list[str] = []
    with _Interrupted(lines.append) as account:
        result = aws_check.run_check(account, STACK, PARAMETERS, FIRST, lines.append)
        left = aws_check.leftovers(account, STACK, PARAMETERS)
        stopped = account.clients["sagemaker"].describe_training_job(TrainingJobName="awscheck-test-check-20261121")["TrainingJobStatus"]
    assert result.interrupted and not result.passed
    assert ("check", "ran to the end", False, "interrupted (Ctrl-C)") in result.rows
    assert result.rows[-1][:3] == ("delete", "nothing left behind", True)
    assert "stopped training job awscheck-test-check-20261121" in lines and stopped in ("Stopping", "Stopped")
    assert left == []


def test_a_step_that_breaks_is_reported_and_the_copy_is_still_deleted():
    class Broken(EmulatedAccount):
        def run(self, run_input):
            raise RuntimeError("the state machine could not be started (emulated)")

    lines: list[str] = []
    with Broken(lines.append) as account:
        result = aws_check.run_check(account, STACK, PARAMETERS, FIRST, lines.append)
    assert not result.passed and not result.interrupted
    assert ("check", "ran to the end", False, "RuntimeError: the state machine could not be started (emulated)") in result.rows
    assert result.rows[-1][:3] == ("delete", "nothing left behind", True)
    assert "FAIL  check: ran to the end" in "\n".join(result.table())


def test_a_wrong_answer_from_teststate_fails_its_row():
    from state_tests import Case

    class Answers:
        clients = {"stepfunctions": type("Sfn", (), {"test_state": staticmethod(lambda **request: {"status": "SUCCEEDED", "nextState": "B"})})()}

    result = aws_check.Result()
    aws_check.ask_teststate(Answers(), "{}", "arn:role", [Case("choice", "Pick", "Pick rule 1", {}, "SUCCEEDED", "A")], result)
    assert result.rows == [("TestState", "Choice guards (1 calls)", False, "Pick rule 1: expected SUCCEEDED → A, AWS answered SUCCEEDED → B"),
                           ("TestState", "Task Retry/Catch (0 calls)", False, "all as expected")]


def _script(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "scripts" / "aws-check"), *args], capture_output=True, text=True, env={**CLEAN_ENV, **env},
                          stdin=subprocess.DEVNULL, timeout=120)


def test_dry_run_prints_the_plan_and_its_cost_and_creates_nothing():
    run = _script("--dry-run")
    assert run.returncode == 0, run.stderr
    assert "sagemaker-retrain-pipeline-dev-check" in run.stdout and "cost       ≤ $0.23" in run.stdout
    assert "TestState  77 calls: 28 Choice guards, 49 Task Retry/Catch answers" in run.stdout
    assert run.stdout.rstrip().endswith("aws-check: dry run: nothing was created")


def test_make_aws_check_with_makes_dry_run_flag_prints_the_plan():
    run = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "aws-check", "--dry-run"], capture_output=True, text=True,
                         env={**CLEAN_ENV, "PATH": os.environ["PATH"]}, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "aws-check: dry run: nothing was created" in run.stdout


@pytest.mark.parametrize(("env", "message"), [
    ({}, "aws-check: set BUCKET and TRAINING_IMAGE as for create-stack.sh (the data bucket, the ECR image URI)"),
    ({"BUCKET": "b", "TRAINING_IMAGE": "i"}, "aws-check: not a terminal: pass --yes to deploy without asking"),
])
def test_setup_errors_exit_2_before_anything_is_created(env, message):
    run = _script(**env)
    assert run.returncode == 2 and run.stderr.strip() == message


@pytest.mark.parametrize(("env", "message"), [
    ({}, "aws-check: no AWS region"),
    ({"AWS_DEFAULT_REGION": "eu-west-1"}, "aws-check: no AWS credentials"),
])
def test_missing_region_or_credentials_exit_2_with_how_to_set_them(env, message):
    run = _script("--yes", BUCKET="b", TRAINING_IMAGE="i", AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent", **env)
    assert run.returncode == 2 and run.stderr.startswith(message), run.stderr


def test_the_plan_counts_the_rendered_templates_resources():
    template = {"Resources": {"A": {"Type": "AWS::Serverless::Function"}, "B": {"Type": "AWS::Serverless::Function"},
                              "C": {"Type": "AWS::Serverless::StateMachine"}}}
    lines = aws_check.plan("s", "here", "bucket", template, [])
    assert "resources  3 from the rendered template: 2 Function, 1 StateMachine" in lines
    assert "\n".join(lines).count("≤") >= 3, "the cost lines give upper bounds"


def test_every_question_aws_check_asks_gets_the_answer_it_expects_from_the_emulator(teststate_sfn, tmp_path):
    """Every stage enabled (the default build's states are among them): so on AWS a disagreement is AWS
    contradicting the emulator, not the check's reading of the States Language."""
    from state_tests import cases_for

    import render

    definition = json.loads(render.render(out_dir=tmp_path, enabled_stages=["preprocess", "evaluate_first", "batch_predict"])
                            [render.STATE_MACHINE_TEMPLATE].read_text())
    cases = cases_for(definition)
    wrong = []
    for case in cases:
        answer = teststate_sfn.test_state(definition=json.dumps(definition), stateName=case.state, input=json.dumps(case.input),
                                         roleArn="arn:aws:iam::123456789012:role/states", **case.request)
        if (answer["status"], answer.get("nextState")) != (case.status, case.next_state):
            wrong.append(f"{case.label}: expected {case.status} → {case.next_state}, got {answer['status']} → {answer.get('nextState')}")
    assert len(cases) > 77 and {c.kind for c in cases} == {"choice", "task"}
    assert wrong == []


def test_a_many_target_build_is_refused_naming_what_the_check_checks(monkeypatch, tmp_path, capsys):
    import yaml

    from tests.scripts.test_operator_scripts import load_script

    aws_check_script = load_script("aws-check")
    config = yaml.safe_load((ROOT / "pipeline-config.yaml").read_text())
    config["fan_out"]["targets"] = ["churn", "fraud"]
    (tmp_path / "many.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setattr(aws_check_script.render, "DEFAULT_CONFIG", tmp_path / "many.yaml")
    assert aws_check_script.main(["--dry-run"]) == 2
    assert "pipeline-config.yaml lists fan_out.targets: the check deploys and checks the one-target pipeline" in capsys.readouterr().err
