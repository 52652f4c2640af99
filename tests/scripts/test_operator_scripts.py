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


def test_start_execution_sends_the_date_and_backfills_a_range():
    start_execution = load_script("start-execution")
    assert start_execution.dates(date(2026, 11, 1), date(2026, 11, 3)) == [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
    with pytest.raises(SystemExit, match="before"):
        start_execution.dates(date(2026, 11, 3), date(2026, 11, 1))
    with mock_aws():
        sfn = boto3.client("stepfunctions")
        role = boto3.client("iam").create_role(RoleName="states", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        machine = sfn.create_state_machine(name="m", definition='{"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}', roleArn=role)["stateMachineArn"]
        arn = start_execution.start(sfn, machine, date(2026, 11, 23))
        assert json.loads(sfn.describe_execution(executionArn=arn)["input"]) == {"DATE": "2026-11-23"}


def test_stack_names_come_from_samconfig():
    from scripts.pipeline_stack import stack_name

    assert stack_name("prod") == "sagemaker-retrain-pipeline"
    assert stack_name("dev") == "sagemaker-retrain-pipeline-dev"
    with pytest.raises(SystemExit, match="'qa'"):
        stack_name("qa")


def test_invoke_endpoint_locally_prints_real_predictions(capsys, tmp_path):
    invoke_endpoint = load_script("invoke-endpoint")
    rows = tmp_path / "rows.csv"
    rows.write_text("5.1,3.5,1.4,0.2\n6.9,3.1,5.4,2.1\n")
    assert invoke_endpoint.main(["--local", "--file", str(rows)]) == 0
    assert capsys.readouterr().out.splitlines() == ["5.1,3.5,1.4,0.2 -> 0", "6.9,3.1,5.4,2.1 -> 2"]
