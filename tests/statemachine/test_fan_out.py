"""Many targets: the fan-out state machine runs the day's pipeline once per target (a Distributed Map of child
executions), then Slack gets one digest; each scenario's run is shared by its assertions."""

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
