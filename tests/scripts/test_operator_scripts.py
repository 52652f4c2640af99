"""Operator scripts: SageMaker cleanup by tag, starting and backfilling runs, invoking the endpoint."""

import importlib.machinery
import importlib.util
import json
from datetime import date
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from pipeline_common.names import TAG_PIPELINE
from scripts import cleanup_sagemaker

ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/sagemaker"


def load_script(name: str):
    loader = importlib.machinery.SourceFileLoader(name.replace("-", "_"), str(ROOT / "scripts" / name))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def make_serving_set(sagemaker, name: str, stack: str | None) -> None:
    tags = [{"Key": TAG_PIPELINE, "Value": stack}] if stack else []
    sagemaker.create_model(ModelName=name, PrimaryContainer={"Image": "img"}, ExecutionRoleArn=ROLE, Tags=tags)
    sagemaker.create_endpoint_config(EndpointConfigName=name, Tags=tags, ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": name, "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name, Tags=tags)


def test_cleanup_deletes_only_what_the_stack_tagged_endpoints_first():
    with mock_aws():
        sagemaker = boto3.client("sagemaker")
        make_serving_set(sagemaker, "ours", "retrain-prod")
        make_serving_set(sagemaker, "other-stack", "retrain-dev")
        make_serving_set(sagemaker, "untagged", None)
        found = cleanup_sagemaker.tagged(sagemaker, "retrain-prod")
        assert [(kind, name) for kind, name, _ in found] == [("endpoint", "ours"), ("endpoint config", "ours"), ("model", "ours")]
        assert cleanup_sagemaker.main(["--stack", "retrain-prod", "--yes"]) == 0
        assert [e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]] == ["other-stack", "untagged"]
        assert sorted(m["ModelName"] for m in sagemaker.list_models()["Models"]) == ["other-stack", "untagged"]


def test_cleanup_asks_first_and_keeps_everything_on_no(monkeypatch):
    with mock_aws():
        sagemaker = boto3.client("sagemaker")
        make_serving_set(sagemaker, "ours", "retrain-prod")
        monkeypatch.setattr("builtins.input", lambda prompt: "n")
        assert cleanup_sagemaker.main(["--stack", "retrain-prod"]) == 1
        assert len(sagemaker.list_endpoints()["Endpoints"]) == 1


def test_start_execution_sends_the_date_and_backfills_a_range(capsys):
    start_execution = load_script("start-execution")
    assert start_execution.dates(date(2026, 11, 1), date(2026, 11, 3)) == [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
    with pytest.raises(SystemExit) as refused:
        start_execution.dates(date(2026, 11, 3), date(2026, 11, 1))
    assert refused.value.code == 2 and "--to 2026-11-01 is before --from 2026-11-03" in capsys.readouterr().err
    with mock_aws():
        sfn = boto3.client("stepfunctions")
        role = boto3.client("iam").create_role(RoleName="states", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        machine = sfn.create_state_machine(name="m", definition='{"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}', roleArn=role)["stateMachineArn"]
        arn = start_execution.start(sfn, machine, date(2026, 11, 23))
        assert json.loads(sfn.describe_execution(executionArn=arn)["input"]) == {"DATE": "2026-11-23"}


def test_stack_names_come_from_samconfig(capsys):
    from scripts.pipeline_stack import stack_name

    assert stack_name("prod") == "sagemaker-retrain-pipeline"
    assert stack_name("dev") == "sagemaker-retrain-pipeline-dev"
    with pytest.raises(SystemExit) as refused:
        stack_name("qa")
    assert refused.value.code == 2 and "no stack_name for environment 'qa' in samconfig.toml (expected dev or prod)" in capsys.readouterr().err


def test_invoke_endpoint_locally_prints_real_predictions(capsys, tmp_path):
    invoke_endpoint = load_script("invoke-endpoint")
    rows = tmp_path / "rows.csv"
    rows.write_text("5.1,3.5,1.4,0.2\n6.9,3.1,5.4,2.1\n")
    assert invoke_endpoint.main(["--local", "--file", str(rows)]) == 0
    assert capsys.readouterr().out.splitlines() == ["5.1,3.5,1.4,0.2 -> 0", "6.9,3.1,5.4,2.1 -> 2"]


def test_a_backfill_promotes_only_its_last_date_by_default():
    start_execution = load_script("start-execution")
    days = [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
    assert start_execution.promotes(days, "last") == [False, False, True]
    assert start_execution.promotes(days, "all") == [True, True, True]
    assert start_execution.promotes(days, "none") == [False, False, False]
    assert start_execution.run_input(days[0], False) == {"DATE": "2026-11-01", "PROMOTE": False}
    assert start_execution.run_input(days[2], True) == {"DATE": "2026-11-03"}


class FakeStepFunctions:
    """Runs end SUCCEEDED at once; waiting for the run of ``interrupt_on`` is interrupted (Ctrl-C)."""

    def __init__(self, interrupt_on: str | None = None) -> None:
        self.inputs, self.interrupt_on = [], interrupt_on

    def start_execution(self, stateMachineArn, name, input):
        self.inputs.append(json.loads(input))
        return {"executionArn": f"arn:aws:states:us-east-1:123456789012:execution:m:{name}"}

    def describe_execution(self, executionArn):
        if self.interrupt_on and self.interrupt_on in executionArn:
            raise KeyboardInterrupt
        return {"status": "SUCCEEDED"}


def test_a_backfill_sends_promote_false_except_on_its_last_date():
    start_execution = load_script("start-execution")
    sfn = FakeStepFunctions()
    days = start_execution.dates(date(2026, 11, 1), date(2026, 11, 3))
    assert start_execution.backfill(sfn, "arn:m", days, "last", False, "prod", printer=lambda line: None) == 0
    assert [i.get("PROMOTE", True) for i in sfn.inputs] == [False, False, True]


def test_ctrl_c_during_a_backfill_says_which_dates_ran_and_how_to_resume(capsys):
    start_execution = load_script("start-execution")
    sfn = FakeStepFunctions(interrupt_on="2026-11-02")
    days = start_execution.dates(date(2026, 11, 1), date(2026, 11, 4))
    assert start_execution.backfill(sfn, "arn:m", days, "last", False, "prod", printer=lambda line: None) == 130
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("interrupted: finished 2026-11-01 SUCCEEDED; 2026-11-02 was started and goes on in AWS (arn:aws:states:")
    assert line.endswith("resume with: scripts/start-execution --env prod --from 2026-11-03 --to 2026-11-04 --promote last")


def test_a_model_error_exits_1_with_the_endpoints_own_message(capsys):
    from botocore.exceptions import ClientError

    invoke_endpoint = load_script("invoke-endpoint")

    class Runtime:
        def invoke_endpoint(self, **kwargs):
            raise ClientError({"Error": {"Code": "ModelError", "Message": "Received client error (400) from primary"},
                               "OriginalStatusCode": 400, "OriginalMessage": '{"message": "row 1 has 3 features, expected 4"}'}, "InvokeEndpoint")

    with pytest.raises(SystemExit) as exit_info:
        invoke_endpoint.ask(Runtime(), "multiclass", ["1,2,3"])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.strip() == ("invoke-endpoint: endpoint multiclass answered ModelError: row 1 has 3 features, expected 4 "
                                               "(the model answered HTTP 400)")


def test_invoke_endpoint_locally_exits_1_when_the_model_refuses_the_rows(capsys, tmp_path):
    invoke_endpoint = load_script("invoke-endpoint")
    rows = tmp_path / "rows.csv"
    rows.write_text("5.1,3.5\n")
    assert invoke_endpoint.main(["--local", "--file", str(rows)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "the local endpoint answered an error: ModelError" in captured.err
    assert "CloudWatch logs for" not in captured.err and "locally there are no CloudWatch logs" in captured.err


def test_invoke_endpoint_locally_trains_on_the_users_data_and_asks_with_its_rows(capsys, tmp_path):
    from sklearn.datasets import load_wine

    invoke_endpoint = load_script("invoke-endpoint")
    wine = load_wine()
    rows = [",".join([str(int(label))] + [f"{value:g}" for value in features]) for features, label in zip(wine.data, wine.target, strict=True)]
    (tmp_path / "train.csv").write_text("\n".join(rows[0::2]) + "\n")
    (tmp_path / "validation.csv").write_text("\n".join(rows[1::2]) + "\n")
    assert invoke_endpoint.main(["--local", "--data", str(tmp_path)]) == 0
    predictions = capsys.readouterr().out.splitlines()
    assert len(predictions) == 3 and all(line.split(" -> ")[0].count(",") == 12 for line in predictions), "13 features of the user's rows"
    with pytest.raises(SystemExit) as refused:
        invoke_endpoint.main(["--data", str(tmp_path)])
    assert refused.value.code == 2 and "--data trains the local pipeline: use it with --local" in capsys.readouterr().err


def test_model_history_prints_which_version_served_when_from_the_deployment_history():
    script = load_script("model-history")
    group = "arn:aws:sagemaker:us-east-1:1:model-package/retrain-multiclass/"
    versions = [
        {"ModelPackageArn": f"{group}1", "Version": 1, "ModelApprovalStatus": "Approved",
         "CustomerMetadataProperties": {"data_date": "2026-11-21", "metric_name": "validation:accuracy", "metric_value": "0.95", "comparison": "none"}},
        {"ModelPackageArn": f"{group}2", "Version": 2, "ModelApprovalStatus": "Approved",
         "CustomerMetadataProperties": {"data_date": "2026-11-22", "metric_name": "validation:accuracy", "metric_value": "0.97", "comparison": "same-data"}},
        {"ModelPackageArn": f"{group}3", "Version": 3, "ModelApprovalStatus": "Rejected", "CustomerMetadataProperties": {}},
    ]
    records = [
        {"at": "2026-11-24T09:00:00.000Z", "model_package_arn": f"{group}1", "target": "multiclass", "origin": "rollback",
         "replaced": f"{group}2", "execution": "rb"},
        {"at": "2026-11-22T07:00:00.000Z", "model_package_arn": f"{group}1", "target": "multiclass", "origin": "daily", "replaced": "", "execution": "d1"},
        {"at": "2026-11-23T07:00:00.000Z", "model_package_arn": f"{group}2", "target": "multiclass", "origin": "daily", "replaced": f"{group}1",
         "execution": "d2"},
        {"at": "2026-11-25T07:00:00.000Z", "model_package_arn": f"{group}9", "target": "multiclass", "origin": "daily", "replaced": "", "execution": "d9"},
    ]
    lines = script.lines(versions, records, show_all=True)
    assert [line.split("  ")[0] for line in lines[:4]] == ["2026-11-22T07:00:00.000Z", "2026-11-23T07:00:00.000Z", "2026-11-24T09:00:00.000Z",
                                                           "2026-11-25T07:00:00.000Z"]
    assert "version 2: Approved, data of 2026-11-22, validation:accuracy 0.97 (same-data)" in lines[1]
    assert lines[2].endswith("[endpoint=multiclass; origin=rollback; replaced=version 2; execution=rb]")
    assert f"{group}9 (no longer in the registry)" in lines[3]
    assert lines[4].startswith("never served") and "version 3: Rejected" in lines[4]
    assert script.lines([], [], show_all=False) == ["no version has been deployed yet"]


def test_the_deployment_history_is_found_from_the_stacks_output():
    import registry_cli

    where = registry_cli.history_of({"DeploymentHistory": "s3://data-bucket/ops/deployment-history/retrain-multiclass/"})
    assert (where.bucket, where.prefix, where.group, where.uri) == ("data-bucket", "ops/deployment-history", "retrain-multiclass",
                                                                    "s3://data-bucket/ops/deployment-history/retrain-multiclass/")
    with pytest.raises(SystemExit) as refused:
        registry_cli.history_of({})
    assert refused.value.code == 2
