"""One test per path of the optional stages: the states visited, the Slack messages, the jobs and data left behind."""

from dataclasses import replace

import pytest

from local_aws import runner
from local_aws.runner import BUCKET
from local_aws.scenarios import SCENARIOS
from tests.statemachine.conftest import collapse
from tests.statemachine.test_scenarios import DEPLOYED, DEPLOYED_HEADLINES, failure_text, message


def job_states(state: str) -> list[str]:
    return [f"Prepare{state}", f"{state}Ready?", f"Create{state}", f"Init{state}Poll", f"poll:{state}"]


PREPROCESS = job_states("Preprocess")
EVALUATE = job_states("ScoreServingModel") + job_states("EvaluateServingModel") + ["StillGood?"]
PREDICT = ["BatchPredictToday?"] + job_states("BatchPredict")


def deployed_with(before_training: list[str]) -> list[str]:
    start = DEPLOYED.index("StartTraining")
    return DEPLOYED[:start] + before_training + DEPLOYED[start:]


def test_preprocess_turns_raw_data_into_the_channels_training_reads(run_scenario):
    summary = run_scenario("preprocess")
    assert collapse(summary.states) == deployed_with(PREPROCESS)
    assert summary.headlines == DEPLOYED_HEADLINES
    assert summary.resources["processing_jobs"] == [{"name": f"{next(iter(summary.resources['training_jobs']))['name']}-pre", "status": "Completed"}]
    started = message(summary, "Training started")
    assert "input-data-training/" in started and "-pre" in started, "training reads what preprocessing wrote, and says which job wrote it"


def test_preprocess_failure_notifies_with_the_scripts_message_and_trains_nothing(run_scenario):
    summary = run_scenario("preprocess-fails")
    assert collapse(summary.states)[-3:] == ["PreprocessFailed", "NotifyFailure", "PipelineFailed"]
    assert summary.error == "PreprocessFailed"
    text = failure_text(summary)
    assert "-pre is Failed" in text and "no column species" in text
    assert summary.resources["training_jobs"] == [] and summary.resources["endpoints"] == []


def test_batch_predict_writes_the_days_predictions_after_the_deploy(run_scenario):
    summary = run_scenario("batch-predict")
    assert collapse(summary.states) == DEPLOYED[:-1] + PREDICT + ["NotifyPredictions", "Predicted"]
    assert summary.headlines == DEPLOYED_HEADLINES + ["Predictions written"]
    text = message(summary, "Predictions written")
    assert "24 predictions for" in text and "Rows: 24" in text
    assert "today's model" in text
    output = summary.slack[-1]["text"]
    assert f"s3://{BUCKET}/output-prediction/" in output
    assert [job["status"] for job in summary.resources["transform_jobs"]] == ["Completed"]


def test_a_day_without_prediction_input_is_a_quiet_skip(run_scenario):
    summary = run_scenario("batch-predict-no-input")
    assert collapse(summary.states) == DEPLOYED[:-1] + ["BatchPredictToday?", "PrepareBatchPredict", "BatchPredictReady?",
                                                        "NotifyNoPredictions", "NoPredictionInput"]
    assert summary.headlines[-1] == "No predictions today"
    assert "no prediction input under" in message(summary, "No predictions today")
    assert summary.resources["transform_jobs"] == []


def test_a_failed_transform_job_fails_the_run_naming_the_job_and_the_models_answer(run_scenario):
    summary = run_scenario("batch-predict-fails")
    assert summary.error == "BatchPredictFailed"
    text = failure_text(summary)
    assert "-bp is Failed" in text and "2 columns" in text
    assert summary.resources["endpoints"][0]["status"] == "InService", "the deployed model keeps serving"
    assert "endpoint multiclass was created and serves the new model (version 1); what failed came after" in text
    assert "had started to" not in text, "the endpoint was InService: Slack must not say it was left half-made"


def test_a_serving_model_still_good_skips_training_and_says_so(run_scenario):
    summary = run_scenario("evaluate-still-good")
    assert collapse(summary.states) == ["RunKind?", "CheckData", "DataArrived?"] + EVALUATE + ["NotifyStillGood", "StillGood"]
    assert summary.headlines == ["Not retrained"]
    text = message(summary, "Not retrained")
    assert "still at 0.97" in text and "≥ 0.9" in text and "not retrained" in text
    assert len(summary.resources["training_jobs"]) == 1, "only yesterday's"


def test_a_degraded_serving_model_is_retrained_and_the_gate_sees_its_number(run_scenario):
    summary = run_scenario("evaluate-degraded")
    assert collapse(summary.states) == deployed_with(EVALUATE + ["Degraded"])
    assert summary.headlines == DEPLOYED_HEADLINES
    evaluation = summary.deployment["gate"]["reason"]
    assert "before training the serving model scored" in evaluation
    assert "degraded (RetrainBelow 0.9)" in message(summary, "Training started")


def test_batch_target_gates_against_the_version_in_use_marks_todays_and_predicts_with_it_leaving_no_endpoint(run_scenario):
    summary = run_scenario("batch-target")
    training = DEPLOYED[:DEPLOYED.index("InitEndpointPoll")]
    assert collapse(summary.states) == training + ["NotifyRegistered"] + PREDICT + ["NotifyPredictions", "Predicted"]
    assert summary.headlines == ["Training started", "Training complete", "New model in use", "Predictions written"]
    gate = summary.deployment["gate"]
    assert gate["comparison"] == "same-data", "the job scored yesterday's version (the one in use) on today's rows"
    yesterday, today = (job["name"] for job in summary.resources["training_jobs"])
    assert f"Replaces: model {yesterday}" in message(summary, "New model in use")
    assert f"Model: {today} (today's model)" in message(summary, "Predictions written")
    assert summary.resources["endpoints"] == [] and summary.resources["endpoint_configs"] == []
    assert summary.resources["models"] == [yesterday, today]
    newest = summary.resources["model_packages"][-1]
    assert summary.resources["in_use"] == {"retrain-multiclass": newest["arn"]}
    assert newest["deployments"][0]["record"].startswith("target=batch predictions; origin=daily; replaced=version 1")


def test_with_batch_target_a_rollback_marks_the_previous_version_in_use_and_predicts_nothing_by_itself():
    scenario = replace(SCENARIOS["rollback"], name="rollback-batch", stages=("batch_predict",), deploy_target="batch")
    summary = runner.run(scenario, printer=lambda line: None)
    assert summary.status == "SUCCEEDED", (summary.error, summary.cause)
    assert collapse(summary.states) == ["RunKind?", "DeployPackage", "Deploy?", "NotifyRegistered", "BatchPredictToday?", "NoPredictionRun"]
    (first, second) = summary.resources["model_packages"]
    assert summary.resources["in_use"] == {"retrain-multiclass": first["arn"]}
    assert "Rolled back to version 1" in summary.slack[-1]["text"] and "Batch predictions use it from now on" in summary.slack[-1]["text"]
    assert summary.resources["endpoints"] == []
    assert first["deployments"][-1]["record"].startswith("target=batch predictions; origin=rollback; replaced=version 2")


def test_a_throttled_create_of_a_stage_job_is_retried_by_the_name_step_functions_gives_it():
    """SageMaker's throttling through the state machine's SageMaker integration is SageMaker.AmazonSageMakerException: retried,
    not taken for a job that was not started."""
    summary = runner.run(replace(SCENARIOS["preprocess"], throttle={"CreateProcessingJob": 2}), printer=lambda line: None)
    assert summary.status == "SUCCEEDED", (summary.error, summary.cause)
    assert [e["taskFailedEventDetails"]["error"] for e in summary.history if e["type"] == "TaskFailed"] == ["SageMaker.AmazonSageMakerException"] * 2
    assert "Error Code: ThrottlingException" in next(e for e in summary.history if e["type"] == "TaskFailed")["taskFailedEventDetails"]["cause"]
    assert "AdoptPreprocess" not in summary.states and summary.resources["processing_jobs"][0]["status"] == "Completed"


@pytest.mark.parametrize("stage", ["preprocess", "evaluate_first", "batch_predict"])
def test_the_happy_run_with_a_stage_enabled_from_the_command_line_still_deploys(run_scenario, stage):
    summary = run_scenario("happy", stages=[stage])
    assert summary.resources["endpoints"][0]["status"] == "InService"
    assert (stage == "batch_predict") == bool(summary.resources["transform_jobs"])
    assert (stage == "preprocess") == bool(summary.resources["processing_jobs"])
