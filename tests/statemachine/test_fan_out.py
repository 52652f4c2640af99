"""Many targets: the fan-out state machine runs the day's pipeline once per target (a Distributed Map of child
executions), then Slack gets one digest; each scenario's run is shared by its assertions."""

import json
from dataclasses import replace
from datetime import timedelta

from local_aws import fan_out, runner
from local_aws.scenarios import SCENARIOS, Run, Target, targets_of
from local_aws.slack_receiver import text_of
from pipeline_common import registry
from scripts import cleanup_sagemaker
from tests.statemachine.conftest import collapse

FAN_OUT_DONE = ["PlanTargets", "PlanReady?", "RunTargets", "Digest", "Statuses", "Tally", "AnyTargetFailed?"]
DEPLOYED = ["RunKind?", "CheckData", "DataArrived?", "StartTraining", "TrainingStarted?", "NotifyTrainingStarted", "InitTrainingPoll",
            "poll:Training", "NotifyTrainingDone", "DeployModel", "Deploy?", "InitEndpointPoll", "poll:Endpoint", "RecordDeployment",
            "NotifyDeployed", "Deployed"]


def digest_lines(summary) -> list[str]:
    """The digest's lines after its header."""
    (digest,) = [m for m in summary.slack if "target" in m["headline"]]
    return [line for block in digest["lines"][1:] for line in block.split("\n")]


def test_three_targets_each_train_gate_and_deploy_their_own_endpoint_and_slack_gets_one_digest(run_scenario):
    summary = run_scenario("three-targets")
    assert summary.states == FAN_OUT_DONE + ["AllTargetsDone"]
    assert sorted(summary.targets) == ["iris-a", "iris-b", "iris-c"]
    for name, target in summary.targets.items():
        assert target["status"] == "SUCCEEDED" and collapse(target["states"]) == DEPLOYED, name
        assert target["deployment"]["endpoint_name"] == f"retrain-{name}" and target["training"]["job_name"].startswith(f"retrain-{name}-")
        assert target["execution"].split(":")[-1].startswith(f"{name}-")      # its own execution, named after the target
    assert sorted((e["name"], e["status"]) for e in summary.resources["endpoints"]) == [
        ("retrain-iris-a", "InService"), ("retrain-iris-b", "InService"), ("retrain-iris-c", "InService")]
    groups = sorted(p["arn"].split(":model-package/")[1].split("/")[0] for p in summary.resources["model_packages"])
    assert groups == ["retrain-iris-a", "retrain-iris-b", "retrain-iris-c"]
    assert all(len(p["deployments"]) == 1 for p in summary.resources["model_packages"])   # each target's own history
    # the overrides reached iris-b's run only
    assert summary.targets["iris-b"]["training"]["hyperparameters"]["max_depth"] == "3"
    assert "max_depth" not in summary.targets["iris-a"]["training"]["hyperparameters"]
    # fan_out.slack_per_target is 'failures': on a good day the digest is the one message
    assert summary.headlines == ["Daily run of 3 targets"]
    lines = digest_lines(summary)
    assert lines[0] == "3 deployed."
    for name in ("iris-a", "iris-b", "iris-c"):
        (line,) = [line for line in lines if f"*{name}*" in line]
        assert f"New model deployed: Endpoint retrain-{name} serves" in line and "|execution>" in line


def test_one_targets_training_fails_the_others_deploy_and_the_digest_names_it_after_they_finished(run_scenario):
    summary = run_scenario("targets-one-fails")
    assert summary.states == FAN_OUT_DONE + ["TargetsFailed"] and summary.error == "TargetsFailed"
    assert {name: t["status"] for name, t in summary.targets.items()} == {"iris-a": "SUCCEEDED", "iris-b": "FAILED", "iris-c": "SUCCEEDED"}
    assert summary.targets["iris-b"]["error"] == "TrainingFailed"
    assert sorted(e["name"] for e in summary.resources["endpoints"]) == ["retrain-iris-a", "retrain-iris-c"]
    # the failure as it happened (its header names the target), then the digest once all three were done
    assert summary.headlines == ["Pipeline FAILED", "FAILED: Daily run of 3 targets"]
    assert summary.slack[0]["lines"][0].endswith("retrain-local · iris-b")
    lines = digest_lines(summary)
    assert lines[0] == "2 deployed, 1 failed."
    (failed,) = [line for line in lines if "*iris-b*" in line]
    assert "FAILED: TrainingFailed: training job retrain-iris-b-" in failed and "AlgorithmError: the training script exited 1" in failed


def test_a_target_without_data_is_a_quiet_skip_in_the_digest(run_scenario):
    summary = run_scenario("targets-one-without-data")
    assert summary.states == FAN_OUT_DONE + ["AllTargetsDone"]
    assert collapse(summary.targets["iris-b"]["states"]) == ["RunKind?", "CheckData", "DataArrived?", "NotifyNoData", "NoNewData"]
    assert not any(job["name"].startswith("retrain-iris-b-") for job in summary.resources["training_jobs"])
    assert summary.headlines == ["Daily run of 3 targets"]
    lines = digest_lines(summary)
    assert lines[0] == "2 deployed, 1 no data."
    (quiet,) = [line for line in lines if "*iris-b*" in line]
    assert quiet.startswith(":zzz: *iris-b* — No new data")


def test_max_concurrency_caps_the_training_jobs_running_at_once_on_the_emulated_clock(run_scenario):
    summary = run_scenario("targets-concurrency-capped")
    assert summary.states == FAN_OUT_DONE + ["AllTargetsDone"]
    assert summary.resources["most_training_jobs_at_once"] == 2          # never more than the cap, and the cap is used
    assert len(summary.resources["training_jobs"]) == 4 and len(summary.resources["endpoints"]) == 4
    assert digest_lines(summary)[0] == "4 deployed."


def test_approving_one_targets_version_deploys_that_target_alone_through_the_fan_out_with_its_overrides():
    """ApprovalMode=Manual with many targets: each target's approval rule starts the fan-out for that target."""
    scenario = replace(SCENARIOS["three-targets"], parameters={"ApprovalMode": "Manual"})
    with runner.emulated_account(scenario, printer=lambda line: None, fan_out=fan_out.build(scenario)) as account:
        pipeline, sagemaker = account.pipeline, account.clients["sagemaker"]
        fan_out.prepare(pipeline, scenario, pipeline.today())
        daily = pipeline.start(pipeline.stack.fan_out_arn, {"DATE": pipeline.today().isoformat()})
        assert daily["status"] == "SUCCEEDED" and account.clients["sagemaker"].list_endpoints()["Endpoints"] == []
        pending = registry.latest_pending(registry.packages(sagemaker, "retrain-iris-b"))
        account.receiver.messages.clear()
        registry.set_approval(sagemaker, pending["ModelPackageArn"], True, "approved by ana: looks right")
        (started,) = pipeline.started_by_rules
        assert started.split(":")[6] == "retrain-local-fan-out"
        approval = pipeline.wait(started)
        assert approval["status"] == "SUCCEEDED"
        assert [e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]] == ["retrain-iris-b"]
        children = account.clients["stepfunctions"].list_executions(stateMachineArn=pipeline.stack.state_machine_arn)["executions"]
        (child,) = [c for c in children if c["startDate"] >= approval["startDate"] and c["name"].startswith("iris-b-")]
        child_input = json.loads(account.clients["stepfunctions"].describe_execution(executionArn=child["executionArn"])["input"])
        assert child_input["DEPLOY_PACKAGE"] == pending["ModelPackageArn"] and child_input["ORIGIN"] == "approval"
        assert child_input["target"]["overrides"]["rollout_strategy"] == "Canary"     # the config's overrides reached the approval's run
        (digest,) = [text_of(m.get("blocks", [])) for m in account.receiver.messages]
        assert digest[0] == "Approval of iris-b — retrain-local" and digest[1] == "1 deployed."


def test_with_deploy_target_batch_each_target_registers_its_version_and_writes_its_own_predictions():
    scenario = replace(SCENARIOS["three-targets"], targets=targets_of(2), stages=("batch_predict",), deploy_target="batch")
    summary = fan_out.run(scenario, printer=lambda line: None)
    assert summary.status == "SUCCEEDED" and summary.resources["endpoints"] == []
    for name in ("iris-a", "iris-b"):
        assert summary.targets[name]["states"][-2:] == ["NotifyPredictions", "Predicted"]
    assert sorted(job["name"].rsplit("-", 2)[0] for job in summary.resources["transform_jobs"]) == ["retrain-iris-a", "retrain-iris-b"]
    assert digest_lines(summary)[0] == "2 predictions."


def test_a_target_the_targets_file_adds_runs_without_a_deploy_and_its_updates_roll_back_on_alarms_deploymodel_created():
    scenario = replace(SCENARIOS["three-targets"], targets=targets_of(2), parameters={"GateRule": "PlainComparison"})
    added = Target("iris-z", Run(seed=5))
    with runner.emulated_account(scenario, printer=lambda line: None, fan_out=fan_out.build(scenario),
                                 parameters={"TargetsFileKey": "config/targets.json"}) as account:
        pipeline, clients = account.pipeline, account.clients
        clients["s3"].put_object(Bucket=runner.BUCKET, Key="config/targets.json", Body=json.dumps({"targets": [
            {"name": "iris-z", "overrides": {"rollout_strategy": "Linear"}}, {"name": "iris-b", "enabled": False}]}))
        today = pipeline.today()
        for day in (today - timedelta(days=1), today):
            fan_out.prepare(pipeline, replace(scenario, targets=(scenario.targets[0], added)), day)
            account.receiver.messages.clear()
            assert pipeline.start(pipeline.stack.fan_out_arn, {"DATE": day.isoformat()})["status"] == "SUCCEEDED"
        assert sorted(e["EndpointName"] for e in clients["sagemaker"].list_endpoints()["Endpoints"]) == ["retrain-iris-a", "retrain-iris-z"]
        alarms = clients["cloudwatch"].describe_alarms(AlarmNamePrefix="retrain-local-retrain-iris-z-")["MetricAlarms"]
        assert sorted(a["AlarmName"] for a in alarms) == ["retrain-local-retrain-iris-z-invocation-5xx", "retrain-local-retrain-iris-z-model-latency"]
        assert all(a["ActionsEnabled"] and a["Dimensions"][0] == {"Name": "EndpointName", "Value": "retrain-iris-z"} for a in alarms)
        linear = [c for c in account.emulator.deployment_configs
                  if c.get("BlueGreenUpdatePolicy", {}).get("TrafficRoutingConfiguration", {}).get("Type") == "LINEAR"]
        assert [a["AlarmName"] for a in linear[0]["AutoRollbackConfiguration"]["Alarms"]] == sorted(a["AlarmName"] for a in alarms)
        (digest,) = [text_of(m.get("blocks", [])) for m in account.receiver.messages]
        assert any(":no_entry_sign: *iris-b* — skipped: disabled in the targets file" in line for line in digest)
        # delete-stack.sh finds every target's by the stack's tag (the config's iris-a and the file's iris-z)
        assert sorted(cleanup_sagemaker.tagged_alarms(clients["cloudwatch"], runner.STACK)) == [
            f"retrain-local-retrain-{t}-{suffix}" for t in ("iris-a", "iris-z") for suffix in ("invocation-5xx", "model-latency")]
