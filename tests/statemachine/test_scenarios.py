"""One test per scenario: the rendered state machine and real handlers on emulated AWS."""

import json

import pytest

import render
from local_aws.scenarios import SCENARIOS
from pipeline_common import polling
from tests.statemachine.conftest import collapse

pytestmark = pytest.mark.timeout(120)

TRAINING = ["RunKind?", "CheckData", "DataArrived?", "StartTraining", "TrainingStarted?", "NotifyTrainingStarted", "InitTrainingPoll", "poll:Training"]
DEPLOY = ["NotifyTrainingDone", "DeployModel", "Deploy?", "InitEndpointPoll", "poll:Endpoint"]
DEPLOYED = TRAINING + DEPLOY + ["RecordDeployment", "NotifyDeployed", "Deployed"]
FAILED = ["NotifyFailure", "PipelineFailed"]
DEPLOYED_HEADLINES = ["Training started", "Training complete", "New model deployed"]


def message(summary, headline: str) -> str:
    (found,) = [m for m in summary.slack if m["headline"] == headline]
    return "\n".join(found["lines"])


def failure_text(summary) -> str:
    return message(summary, "Pipeline FAILED")


def jobs(summary) -> dict[str, str]:
    return {job["name"]: job["status"] for job in summary.resources["training_jobs"]}


def endpoint(summary) -> dict:
    (found,) = summary.resources["endpoints"]
    return found


def test_happy_first_deploy_creates_the_endpoint_and_serves_predictions(run_scenario):
    summary = run_scenario("happy")
    assert collapse(summary.states) == DEPLOYED
    assert summary.headlines == DEPLOYED_HEADLINES
    (job,) = jobs(summary)
    assert jobs(summary)[job] == "Completed"
    assert endpoint(summary) == {"name": "multiclass", "status": "InService", "config": job}
    assert "multiclass (created)" in message(summary, "New model deployed")
    assert "validation:accuracy = 0.95" in message(summary, "Training complete")
    assert "Quotas not checked" not in message(summary, "Training started")
    (package,) = summary.resources["model_packages"]
    assert package["approval"] == "Approved" and package["metadata"]["training_job"] == job
    assert len(summary.predictions) == 4 and all("->" in line for line in summary.predictions)
    assert summary.run_input["DATE"].endswith("Z"), "the schedule fills <aws.scheduler.scheduled-time>"


def test_update_replaces_yesterdays_model_on_the_existing_endpoint(run_scenario):
    summary = run_scenario("update")
    assert collapse(summary.states) == DEPLOYED
    assert "multiclass (updated)" in message(summary, "New model deployed")
    today = max(jobs(summary))
    assert endpoint(summary) == {"name": "multiclass", "status": "InService", "config": today}
    assert len(summary.resources["models"]) == 2


def test_no_data_sends_one_quiet_message_and_succeeds(run_scenario):
    summary = run_scenario("no-data")
    assert summary.states == ["RunKind?", "CheckData", "DataArrived?", "NotifyNoData", "NoNewData"]
    assert summary.headlines == ["No new data"]
    assert "input-data-training/" in message(summary, "No new data")
    assert summary.resources["training_jobs"] == [] and summary.resources["endpoints"] == []


@pytest.mark.parametrize("scenario", ["missing-validation", "empty-validation"])
def test_incomplete_data_fails_loudly_naming_the_missing_channel(run_scenario, scenario):
    summary = run_scenario(scenario)
    assert summary.states == ["RunKind?", "CheckData", "DataArrived?", "DataIncomplete"] + FAILED
    assert summary.headlines == ["Pipeline FAILED"]
    assert "DataIncomplete" in failure_text(summary) and "validation missing or empty (s3://" in failure_text(summary)
    assert summary.resources["training_jobs"] == []


def test_bad_date_fails_naming_the_value(run_scenario):
    summary = run_scenario("bad-date")
    assert summary.states == ["RunKind?", "CheckData"] + FAILED
    assert "InvalidInput" in failure_text(summary) and "'2026-02-30' is not a date" in failure_text(summary)


def test_training_fails_reports_the_failure_reason_and_deploys_nothing(run_scenario):
    summary = run_scenario("training-fails")
    assert collapse(summary.states) == TRAINING + ["TrainingFailed"] + FAILED
    assert summary.headlines == ["Training started", "Pipeline FAILED"]
    assert "AlgorithmError: ran out of memory" in failure_text(summary)
    assert list(jobs(summary).values()) == ["Failed"] and summary.resources["endpoints"] == []


def test_training_stopped_notifies_and_fails(run_scenario):
    summary = run_scenario("training-stopped")
    assert collapse(summary.states) == TRAINING + ["TrainingFailed"] + FAILED
    assert "stopped by an operator" in failure_text(summary)
    assert list(jobs(summary).values()) == ["Stopped"]


def test_training_timeout_gives_up_after_the_poll_budget(run_scenario):
    summary = run_scenario("training-timeout")
    assert collapse(summary.states) == TRAINING + ["TrainingTimedOut"] + FAILED
    training = render.load_config(render.DEFAULT_CONFIG)["polling"]["training_job"]
    budget = int(SCENARIOS["training-timeout"].parameters["MaxRuntimeSeconds"]) + training["grace_seconds"]
    assert summary.states.count("GetTrainingStatus") == polling.max_polls(polling.Policy(**render.policy(training)), budget)
    assert "stopped waiting for training job retrain-multiclass-" in failure_text(summary)
    assert "after 10800 s of polling" in failure_text(summary) and "last status InProgress" in failure_text(summary)
    assert "still billing: stop it with aws sagemaker stop-training-job --training-job-name retrain-multiclass-" in failure_text(summary)
    assert summary.error == "TrainingTimedOut" and "after 10800 s of polling" in summary.cause


def test_deploy_fails_reports_the_endpoint_failure_what_is_left_and_what_the_next_run_does(run_scenario):
    summary = run_scenario("deploy-fails")
    assert collapse(summary.states) == TRAINING + DEPLOY + ["EndpointFailed"] + FAILED
    text = failure_text(summary)
    assert "ping health check" in text and "endpoint multiclass is Failed" in text
    assert "the next run deletes endpoint multiclass and creates it again" in text
    assert "it had started to create endpoint multiclass" in text and "the endpoint was not changed" not in text
    assert endpoint(summary)["status"] == "Failed"


def test_rolled_back_update_is_a_failure_and_the_old_model_keeps_serving(run_scenario):
    summary = run_scenario("deploy-rolls-back")
    assert collapse(summary.states) == TRAINING + DEPLOY + ["EndpointFailed"] + FAILED
    yesterday, today = sorted(jobs(summary))
    assert endpoint(summary) == {"name": "multiclass", "status": "InService", "config": yesterday}
    assert f"not the new {today}: the update rolled back" in failure_text(summary)


def test_slack_down_never_stops_a_deployment(run_scenario):
    summary = run_scenario("slack-down")
    assert collapse(summary.states) == DEPLOYED
    assert summary.slack == [] and set(summary.slack_rejected) == {500}
    assert endpoint(summary)["status"] == "InService"


def test_slack_rate_limit_is_retried_and_every_message_delivered(run_scenario):
    summary = run_scenario("slack-rate-limited")
    assert summary.headlines == DEPLOYED_HEADLINES and summary.slack_rejected == [429]


def test_throttled_sagemaker_is_retried_by_the_state_machine(run_scenario):
    summary = run_scenario("throttled")
    assert collapse(summary.states) == DEPLOYED
    assert summary.throttled_calls == ["CreateTrainingJob", "CreateTrainingJob"]
    assert len(summary.resources["training_jobs"]) == 1


def test_rerun_for_the_same_date_adopts_the_trained_job_and_deploys_it(run_scenario):
    summary = run_scenario("rerun-same-date")
    assert summary.earlier_runs[1].endswith("FAILED"), "the day's first run rolled back"
    assert collapse(summary.states) == DEPLOYED
    yesterday, today = sorted(jobs(summary))
    assert len(jobs(summary)) == 2 and len(summary.resources["model_packages"]) == 2
    assert "Adopted the existing training job" in message(summary, "Training started")
    assert "(updated)" in message(summary, "New model deployed")
    assert endpoint(summary)["config"] == today


def test_rerun_after_the_date_deployed_says_so_once_and_changes_nothing(run_scenario):
    summary = run_scenario("rerun-after-deploy")
    assert collapse(summary.states) == TRAINING + ["NotifyTrainingDone", "DeployModel", "Deploy?", "NotifyAlreadyServing", "AlreadyServing"]
    assert summary.headlines == ["Training started", "Training complete", "Already deployed"]
    assert "already serves the model trained on data of" in message(summary, "Already deployed")
    (package,) = summary.resources["model_packages"]
    assert package["approval"] == "Approved"
    assert summary.deployment["action"] == "already_serving" and summary.deployment["gate"] == {}


def test_worse_model_is_rejected_by_the_gate_and_the_endpoint_untouched(run_scenario):
    summary = run_scenario("worse-model")
    assert collapse(summary.states) == TRAINING + ["NotifyTrainingDone", "DeployModel", "Deploy?", "NotifyNotDeployed", "NotDeployed"]
    text = message(summary, "Model not deployed")
    assert "new 0.911111, champion 0.955556 on 45 rows of data" in text and "not clearly better" in text
    assert summary.deployment["gate"]["comparison"] == "same-data"
    yesterday, _ = sorted(jobs(summary))
    assert endpoint(summary)["config"] == yesterday
    assert [p["approval"] for p in summary.resources["model_packages"]] == ["Approved", "Rejected"]
    assert summary.deployment["action"] == "rejected" and summary.deployment["gate"]["candidate"] < summary.deployment["gate"]["current"]
    assert summary.deployment["model_package_arn"] == summary.resources["model_packages"][1]["arn"]
    assert len(summary.resources["models"]) == 1
    assert summary.deployment["model_name"] == "" and summary.deployment["endpoint_config_name"] == "", "names only what exists"
    assert summary.deployment["stale"] == {} and "Stale serving model" not in text, "a day-old serving model is not stale (StaleAfterDays=7)"


def test_better_model_passes_the_gate_and_updates_the_endpoint(run_scenario):
    summary = run_scenario("better-model")
    assert collapse(summary.states) == DEPLOYED
    text = message(summary, "New model deployed")
    assert "(updated)" in text and "new 0.955556, champion 0.733333 on 45 rows" in text and ": better" in text
    assert endpoint(summary)["config"] == max(jobs(summary))


def test_pooled_evidence_ships_a_model_todays_rows_cannot_tell_and_names_the_rows_that_did(run_scenario):
    summary = run_scenario("pooled-evidence-ships")
    assert collapse(summary.states) == DEPLOYED and summary.headlines == DEPLOYED_HEADLINES
    gate = summary.deployment["gate"]
    assert gate["approved"] and gate["evidence"] == "the last 14 days' 630 rows (pooled-long)"
    assert (gate["rows"], gate["lower"]) == (630, pytest.approx(0.02222, abs=1e-4)), "the registry and Slack carry the pool that decided"
    text = message(summary, "New model deployed")
    assert "decided on the last 14 days' 630 rows (pooled-long)" in text
    assert "on the same 45 rows: difference +0, 95% interval [-0.08889, +0.08889], lower bound -0.08889 vs MinImprovement 0: not clearly better" in text
    assert "on the last 3 days' 135 rows (pooled-short): difference +0.03704" in text and "possibly worse" in text
    metadata = summary.resources["model_packages"][-1]["metadata"]
    assert metadata["evidence"] == gate["evidence"] and metadata["same_data_rows"] == "630"
    assert endpoint(summary)["config"] == max(jobs(summary))


def test_a_stale_serving_model_is_said_with_its_age_and_the_challengers_kept_out(run_scenario):
    summary = run_scenario("stale-serving-model")
    assert summary.status == "SUCCEEDED" and summary.headlines == ["Training started", "Training complete", "Model not deployed"]
    assert summary.deployment["stale"] == {"age_days": 4, "since": summary.resources["model_packages"][0]["metadata"]["data_date"], "version": 1,
                                           "stale_after_days": 3, "kept_out": 1}
    text = message(summary, "Model not deployed")
    assert "Stale serving model: :warning: version 1 has served for 4 days (trained on data of " in text
    assert "StaleAfterDays=3): 1 challenger kept out since, today's by the quality gate above" in text


def test_a_harder_day_deploys_the_model_that_beats_the_champion_on_todays_rows(run_scenario):
    summary = run_scenario("harder-day")
    gate = summary.deployment["gate"]
    yesterday = float(summary.resources["model_packages"][0]["metadata"]["metric_value"])
    assert gate["candidate"] < yesterday, "the new number is below yesterday's recorded one: the old rule would reject it"
    assert gate["comparison"] == "same-data" and gate["lower"] > 0 and gate["candidate"] > gate["current"]
    assert summary.deployment["action"] == "updated" and endpoint(summary)["config"] == max(jobs(summary))
    assert "comparison: champion scored on the same rows" in message(summary, "New model deployed")
    (_, today) = summary.resources["model_packages"]
    assert today["metadata"]["comparison"] == "same-data" and today["metadata"]["same_data_rows"] == "45"


def test_an_easier_day_does_not_ship_a_model_worse_than_the_champion_on_todays_rows(run_scenario):
    summary = run_scenario("easier-day")
    gate = summary.deployment["gate"]
    yesterday = float(summary.resources["model_packages"][0]["metadata"]["metric_value"])
    assert gate["candidate"] > yesterday, "the new number beats yesterday's recorded one: the old rule would ship it"
    assert gate["comparison"] == "same-data" and gate["upper"] < 0 and gate["rows"] == 107
    assert summary.deployment["action"] == "rejected" and endpoint(summary)["config"] == min(jobs(summary))
    assert "Model not deployed" in summary.headlines


def test_an_unscorable_champion_falls_back_to_the_recorded_metric_and_says_so(run_scenario):
    summary = run_scenario("champion-unscorable")
    gate = summary.deployment["gate"]
    assert gate["comparison"] == "recorded" and gate["reason"].startswith("fallback: the champion could not be scored on the same data")
    assert "fallback: the champion could not be scored" in message(summary, "New model deployed")
    assert "comparison: the serving model's recorded metric (not the same data)" in message(summary, "New model deployed")


def test_a_serving_artifact_that_is_gone_trains_without_the_champion_and_the_gate_says_why(run_scenario):
    summary = run_scenario("serving-artifact-missing")
    assert collapse(summary.states) == DEPLOYED
    assert list(jobs(summary).values()) == ["Completed", "Completed"], "AWS would refuse a channel with no object: none was given"
    gate = summary.deployment["gate"]
    assert gate["comparison"] == "recorded"
    assert "the training job was given no champion channel: the serving model's artifact s3://retrain-local-data/output-model/" in gate["reason"]
    assert "is gone (no object under it)" in message(summary, "New model deployed")


def test_a_missing_rollback_alarm_stops_the_update_and_names_it(run_scenario):
    summary = run_scenario("rollback-alarm-missing")
    assert summary.error == "DeployRefused"
    assert collapse(summary.states)[-2:] == FAILED and "poll:Endpoint" not in collapse(summary.states)
    text = failure_text(summary)
    assert "rollback alarm(s) retrain-local-multiclass-model-latency do not exist" in text and "./create-stack.sh" in text
    yesterday = min(jobs(summary))
    assert endpoint(summary) == {"name": "multiclass", "status": "InService", "config": yesterday}
    assert summary.resources["endpoint_configs"] == [yesterday], "nothing was created for the update that was not made"


def test_training_script_crash_puts_its_failure_file_in_slack(run_scenario):
    summary = run_scenario("training-crashes")
    assert collapse(summary.states) == TRAINING + ["TrainingFailed"] + FAILED
    assert "HyperparameterError: hyperparameter max_depth=-4 must be at least 1" in failure_text(summary)


def test_malformed_csv_is_named_by_the_data_check_before_any_training_job(run_scenario):
    summary = run_scenario("bad-data")
    assert summary.status == "FAILED" and summary.error == "DataInvalid"
    assert "input-data-training/" in summary.cause and "/multiclass/iris.csv line 4 column 3: 'three point five' is not a number" in summary.cause
    assert "line 4 column 3: 'three point five' is not a number" in failure_text(summary)
    assert jobs(summary) == {}, "no training job was paid for"
    assert collapse(summary.states)[:3] == ["RunKind?", "CheckData", "NotifyFailure"]


def test_own_data_whose_files_disagree_on_columns_fails_before_any_training_job(run_scenario):
    summary = run_scenario("own-data-bad-columns")
    assert summary.status == "FAILED" and summary.error == "DataInvalid"
    assert "the day's files have different numbers of columns (train has 5, validation has 4)" in failure_text(summary)
    assert jobs(summary) == {} and summary.resources["endpoints"] == []


def test_sagemakers_real_not_found_answer_starts_the_job(run_scenario):
    summary = run_scenario("job-not-found-real-message")
    assert collapse(summary.states) == DEPLOYED
    (job,) = jobs(summary)
    assert f"DescribeTrainingJob {job}: ValidationException Requested resource not found." in summary.failed_calls


def test_a_missing_bucket_fails_naming_it_instead_of_a_quiet_no_data_day(run_scenario):
    summary = run_scenario("bucket-missing")
    assert summary.states == ["RunKind?", "CheckData"] + FAILED
    assert summary.error == "BucketMissing" and "bucket retrain-local-no-such-bucket does not exist" in summary.cause
    assert "bucket retrain-local-no-such-bucket does not exist" in failure_text(summary)
    assert summary.headlines == ["Pipeline FAILED"]


def test_access_denied_names_bucket_key_and_permission(run_scenario):
    summary = run_scenario("s3-access-denied")
    assert summary.states == ["RunKind?", "CheckData"] + FAILED
    text = failure_text(summary)
    assert "s3://retrain-local-data/input-data-training/" in text and "s3:GetObject" in text and "s3:ListBucket" in text
    assert summary.error == "DataAccessDenied"


def test_a_deployment_the_history_refuses_still_serves_and_slack_says_it_was_not_recorded(run_scenario):
    summary = run_scenario("history-not-writable")
    assert collapse(summary.states) == DEPLOYED
    assert endpoint(summary)["status"] == "InService"
    text = message(summary, "New model deployed")
    assert "Not recorded" in text and "AccessDenied" in text and "rollback cannot go back past it" in text
    assert [call for call in summary.failed_calls if call.startswith("PutObject")] == [
        call for call in summary.failed_calls if call.startswith("PutObject s3://retrain-local-data/deployment-history/retrain-multiclass/")] != []
    assert all(package["deployments"] == [] for package in summary.resources["model_packages"])


def test_quotas_that_cannot_be_read_are_said_in_slack_and_the_run_goes_on(run_scenario):
    summary = run_scenario("quota-api-unavailable")
    assert collapse(summary.states) == DEPLOYED
    text = message(summary, "Training started")
    assert "Quotas not checked" in text and "Service Quotas could not be read (AccessDeniedException)" in text
    assert "'ml.m5.large for training job usage'" in text and "ResourceLimitExceeded" in text


def test_a_job_stopped_at_max_runtime_names_job_status_secondary_status_and_limit(run_scenario):
    summary = run_scenario("stopped-at-max-runtime")
    assert collapse(summary.states) == TRAINING + ["TrainingFailed"] + FAILED
    (job,) = jobs(summary)
    assert f"training job {job} is Stopped (secondary status MaxRuntimeExceeded)" in failure_text(summary)
    assert "MaxRuntimeInSeconds=7200" in failure_text(summary) and "no cause given" not in failure_text(summary)
    assert summary.error == "TrainingFailed" and "MaxRuntimeExceeded" in summary.cause


def test_a_vanished_job_names_the_job(run_scenario):
    summary = run_scenario("job-vanishes")
    assert collapse(summary.states) == TRAINING + FAILED
    assert "ResourceVanished" in failure_text(summary) and "training job retrain-multiclass-" in failure_text(summary)
    assert summary.resources["training_jobs"] == []


def test_a_transient_sagemaker_error_mid_poll_is_retried_and_the_model_deploys(run_scenario):
    summary = run_scenario("sagemaker-5xx-mid-poll")
    assert collapse(summary.states) == DEPLOYED
    assert summary.failed_calls.count("DescribeTrainingJob: InternalFailure") == 2
    assert endpoint(summary)["status"] == "InService"


def test_an_endpoint_left_failed_is_deleted_recreated_and_the_message_says_so(run_scenario):
    summary = run_scenario("endpoint-failed-yesterday")
    assert summary.earlier_runs[0].endswith("FAILED")
    assert collapse(summary.states) == DEPLOYED
    today = max(jobs(summary))
    assert endpoint(summary) == {"name": "multiclass", "status": "InService", "config": today}
    text = message(summary, "New model deployed")
    assert "Replaced a failed endpoint: endpoint multiclass was Failed on config" in text and "deleted and created again" in text


def test_a_nan_metric_is_never_approved(run_scenario):
    summary = run_scenario("metric-nan")
    assert summary.deployment["action"] == "rejected" and summary.deployment["gate"]["candidate"] == "NaN"
    assert "is NaN" in message(summary, "Model not deployed")
    assert summary.resources["endpoints"] == [] and summary.resources["models"] == []


def test_a_gateway_echoing_the_webhook_url_leaks_the_token_nowhere(run_scenario, capfd):
    from local_aws.slack_receiver import TOKEN

    summary = run_scenario("slack-echoes-url")
    assert collapse(summary.states) == DEPLOYED and set(summary.slack_rejected) == {502}
    captured = capfd.readouterr()
    for text in (json.dumps(summary.history, default=str), json.dumps(summary.as_dict(), default=str), captured.out, captured.err):
        assert TOKEN not in text
    assert "HTTP 502" in json.dumps(summary.history, default=str)


def test_manual_approval_deploys_exactly_the_approved_version_through_the_approval_rule(run_scenario):
    summary = run_scenario("manual-approval")
    assert summary.earlier_runs[0].endswith("SUCCEEDED")
    assert summary.run_input["DEPLOY_PACKAGE"].endswith("model-package/retrain-multiclass/1") and summary.run_input["ORIGIN"] == "approval"
    assert collapse(summary.states) == ["RunKind?", "DeployPackage", "Deploy?", "InitEndpointPoll", "poll:Endpoint", "RecordDeployment",
                                        "NotifyDeployed", "Deployed"]
    (package,) = summary.resources["model_packages"]
    assert package["approval"] == "Approved" and endpoint(summary)["config"] == package["metadata"]["training_job"]
    text = message(summary, "Approved model deployed")
    assert "Version 1 (trained on data of" in text and "approved by local-operator: checked the confusion matrix" in text
    assert [d["record"].split(";")[1].strip() for d in package["deployments"]] == ["origin=approval"]


def test_manual_mode_waits_for_approval_and_a_rejection_is_recorded_with_its_reason(run_scenario):
    summary = run_scenario("manual-reject")
    assert collapse(summary.states)[-4:] == ["DeployModel", "Deploy?", "NotifyPendingApproval", "AwaitingApproval"]
    text = message(summary, "Model waiting for approval")
    assert "scripts/approve-model --stack retrain-local 1" in text and "--reject --reason" in text
    (package,) = summary.resources["model_packages"]
    assert package["approval"] == "Rejected" and package["description"] == "rejected by local-operator: drift in the new feature"
    assert summary.resources["endpoints"] == [] and summary.later_actions == ["reject: done"]


def test_rollback_redeploys_the_version_that_served_before_and_names_who_and_why(run_scenario):
    summary = run_scenario("rollback")
    yesterday, today = sorted(jobs(summary))
    assert endpoint(summary)["config"] == yesterday
    assert summary.run_input["ORIGIN"] == "rollback" and summary.run_input["REQUESTED_BY"] == "local-operator"
    text = message(summary, "Rolled back")
    assert "Rolled back to version 1" in text and "by local-operator: complaints about class 2" in text
    first, second = summary.resources["model_packages"]
    assert [d["record"].split(";")[1].strip() for d in first["deployments"]] == ["origin=daily", "origin=rollback"]
    assert "replaced=version 2" in first["deployments"][1]["record"] and len(second["deployments"]) == 1


def test_a_canary_update_shifts_a_tenth_then_bakes_with_the_rollback_alarms_watching(run_scenario):
    summary = run_scenario("canary-succeeds")
    assert collapse(summary.states) == DEPLOYED and endpoint(summary)["config"] == max(jobs(summary))
    (deployment,) = summary.deployment_configs
    routing = deployment["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing == {"Type": "CANARY", "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10}, "WaitIntervalInSeconds": 300}
    assert deployment["BlueGreenUpdatePolicy"]["TerminationWaitInSeconds"] == 600
    assert [a["AlarmName"] for a in deployment["AutoRollbackConfiguration"]["Alarms"]] == [
        "retrain-local-multiclass-invocation-5xx", "retrain-local-multiclass-model-latency"]


def test_an_alarm_during_the_canary_rolls_back_and_slack_names_it(run_scenario):
    summary = run_scenario("canary-alarm-rollback")
    assert collapse(summary.states) == TRAINING + DEPLOY + ["EndpointFailed"] + FAILED
    yesterday, today = sorted(jobs(summary))
    assert endpoint(summary) == {"name": "multiclass", "status": "InService", "config": yesterday}
    text = failure_text(summary)
    assert "rolled back by alarm retrain-local-multiclass-model-latency while the new fleet was ActivatingTraffic, weight 0.1" in text
    assert "during the canary (10 % of capacity for 300 s)" in text
    assert "invocation-5xx" not in text and "the previous model is still serving" in text


def test_a_linear_update_shifts_in_steps_and_ships(run_scenario):
    summary = run_scenario("linear-succeeds")
    assert collapse(summary.states) == DEPLOYED and endpoint(summary)["config"] == max(jobs(summary))
    (deployment,) = summary.deployment_configs
    assert deployment["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["LinearStepSize"]["Value"] == 20


def test_a_quota_without_room_fails_before_any_training_starts(run_scenario):
    summary = run_scenario("quota-short")
    assert summary.states == ["RunKind?", "CheckData", "DataArrived?", "StartTraining"] + FAILED
    assert summary.error == "QuotaShort"
    assert "quota 'ml.m5.large for endpoint usage' is 2: 1 in use + 2 needed = 3" in failure_text(summary)
    assert list(jobs(summary)) == [min(jobs(summary))], "only yesterday's job: none was started today"


def test_a_serverless_endpoint_has_memory_and_concurrency_and_no_instances(run_scenario):
    summary = run_scenario("serverless")
    assert collapse(summary.states) == DEPLOYED
    variant = summary.resources["hosting"][endpoint(summary)["config"]]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 5} and "InstanceType" not in variant
    assert len(summary.predictions) == 4


def test_an_interrupted_spot_job_resumes_from_its_checkpoints_and_reports_the_saving(run_scenario):
    summary = run_scenario("spot-interrupted-resumes")
    assert collapse(summary.states) == DEPLOYED
    (event,) = summary.training_events
    assert "spot capacity reclaimed after 25/100 trees; restarted from s3://retrain-local-data/output-model/checkpoints/" in event
    assert "(managed spot saved 70%)" in message(summary, "Training complete")
    assert "validation:accuracy = 0.955556" in message(summary, "Training complete"), "the resumed forest is the same forest"


def test_after_an_update_the_run_checks_config_data_capture_and_autoscaling(run_scenario):
    summary = run_scenario("data-capture-kept")
    assert collapse(summary.states) == DEPLOYED
    today = max(jobs(summary))
    text = message(summary, "New model deployed")
    assert f"serves config {today}" in text and "data capture 20 % to s3://retrain-local-data/output-model/data-capture/multiclass" in text
    assert "autoscaling 1-4 instances at 100 invocations per instance (kept)" in text and "Not as configured" not in text
    assert summary.resources["hosting"][today]["InstanceType"] == "ml.m5.large"


STAGE_SCENARIOS = {"preprocess", "preprocess-fails", "batch-predict", "batch-predict-no-input", "batch-predict-fails",
                   "evaluate-still-good", "evaluate-degraded", "batch-target"}


TARGET_SCENARIOS = {"three-targets", "targets-one-fails", "targets-one-without-data", "targets-concurrency-capped"}


def test_every_scenario_has_a_test():
    tested = {"happy", "update", "no-data", "missing-validation", "empty-validation", "bad-date", "training-fails", "training-stopped",
              "training-timeout", "deploy-fails", "deploy-rolls-back", "slack-down", "slack-rate-limited", "throttled",
              "rerun-same-date", "rerun-after-deploy", "worse-model", "better-model", "training-crashes", "bad-data", "own-data-bad-columns",
              "job-not-found-real-message", "bucket-missing", "s3-access-denied", "stopped-at-max-runtime", "job-vanishes",
              "history-not-writable", "quota-api-unavailable", "serving-artifact-missing", "rollback-alarm-missing",
              "sagemaker-5xx-mid-poll", "endpoint-failed-yesterday", "metric-nan", "slack-echoes-url",
              "harder-day", "easier-day", "champion-unscorable", "manual-approval", "manual-reject", "rollback",
              "canary-succeeds", "canary-alarm-rollback", "linear-succeeds", "quota-short", "serverless", "spot-interrupted-resumes",
              "data-capture-kept", "pooled-evidence-ships", "stale-serving-model"} | STAGE_SCENARIOS | TARGET_SCENARIOS
    # the stage scenarios: tests/statemachine/test_stages.py; the targets: tests/statemachine/test_fan_out.py
    assert tested == set(SCENARIOS)


def test_cli_lists_scenarios_rejects_unknown_ones_and_writes_the_json_summary(tmp_path, capsys):
    from scripts import run_local

    assert run_local.main(["--list-scenarios"]) == 0
    assert "deploy-rolls-back" in capsys.readouterr().out
    assert run_local.main(["--scenario", "nope"]) == 2
    assert "unknown scenario 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        run_local.main(["--date", "24-11-2026"])
    assert exit_info.value.code == 2
    assert run_local.main(["--scenario", "no-data", "--date", "2026-11-20", "--json", str(tmp_path / "s.json")]) == 0
    written = json.loads((tmp_path / "s.json").read_text())
    assert written["status"] == "SUCCEEDED" and written["run_input"] == {"DATE": "2026-11-20"}
    assert written["states"][-1] == "NoNewData" and written["slack"][0]["headline"] == "No new data"
    assert set(written["resources"]) == {"training_jobs", "processing_jobs", "transform_jobs", "endpoints", "endpoint_configs", "hosting",
                                         "models", "model_packages", "in_use"}


def test_cli_exits_1_when_the_execution_fails():
    from scripts import run_local

    assert run_local.main(["--scenario", "bad-date"]) == 1

