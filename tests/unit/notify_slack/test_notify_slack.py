import json
import logging
import uuid

import boto3
import pytest
from moto import mock_aws
from werkzeug import Response

from pipeline_common.errors import ConfigError, InvalidInput, SlackDeliveryFailed
from tests.conftest import event, load_handler

app = load_handler("notify_slack")
WEBHOOK_PATH = "/services/T0/B0/very-secret-token"


@pytest.fixture
def secret(monkeypatch, httpserver):
    """A secret holding the test server's webhook URL, wired into the function's environment."""
    monkeypatch.setenv("STACK_NAME", "retrain-prod")
    monkeypatch.setenv("SLACK_MAX_RETRIES", "2")
    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(Name=f"slack-{uuid.uuid4().hex}", SecretString=httpserver.url_for(WEBHOOK_PATH))["ARN"]
        monkeypatch.setenv("SLACK_WEBHOOK_SECRET_ARN", arn)
        yield arn


def sent(httpserver) -> list[dict]:
    return [json.loads(request.data) for request, _ in httpserver.log if request.path == WEBHOOK_PATH]


def test_failure_message_carries_error_cause_and_console_link(secret, httpserver):
    httpserver.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")
    assert app.lambda_handler(event("notify_failed"), None) == {"delivered": True, "kind": "failed", "retries": 0}
    (message,) = sent(httpserver)
    assert message["text"].startswith("Pipeline FAILED")
    body = json.dumps(message["blocks"])
    assert "TrainingFailed" in body and "AlgorithmError: out of memory" in body
    assert "stackTrace" not in body
    assert "us-east-1.console.aws.amazon.com/states/home" in body
    assert "sagemaker/home?region=us-east-1#/jobs/retrain-multiclass-20261123" in body


@pytest.mark.parametrize(("kind", "headline"), [
    ("started", "Training started"), ("training_done", "Training complete"), ("deployed", "New model deployed"),
    ("not_deployed", "Model not deployed"), ("no_data", "No new data"), ("failed", "Pipeline FAILED"),
    ("already_serving", "Already deployed"), ("registered", "New model in use"),
])
def test_every_kind_has_its_headline(secret, httpserver, kind, headline):
    httpserver.expect_request(WEBHOOK_PATH).respond_with_data("ok")
    app.lambda_handler({**event("notify_failed"), "kind": kind}, None)
    assert sent(httpserver)[0]["blocks"][0]["text"]["text"] == f"{headline} — retrain-prod"


def test_not_deployed_shows_both_metrics(secret, httpserver):
    httpserver.expect_request(WEBHOOK_PATH).respond_with_data("ok")
    state = {"data": {"data_date": "2026-11-23"}, "deployment": {"previous_config": "retrain-multiclass-20261122", "gate": {
        "metric": "validation:accuracy", "candidate": 0.91, "current": 0.955, "floor": 0.8, "reason": "not clearly better",
        "comparison": "same-data", "rows": 45}}}
    app.lambda_handler({"kind": "not_deployed", "state": state, "execution": "arn:x"}, None)
    body = json.dumps(sent(httpserver)[0]["blocks"])
    assert "new 0.91, champion 0.955 on 45 rows of data 2026-11-23, floor 0.8; comparison: champion scored on the same rows" in body
    assert "retrain-multiclass-20261122" in body


def test_rate_limited_message_is_delivered_after_retry_after(secret, httpserver):
    httpserver.expect_ordered_request(WEBHOOK_PATH).respond_with_response(Response("rate_limited", status=429, headers={"Retry-After": "1"}))
    httpserver.expect_ordered_request(WEBHOOK_PATH).respond_with_data("ok")
    assert app.lambda_handler(event("notify_failed"), None)["delivered"] is True
    assert len(httpserver.log) == 2


def test_slack_down_raises_without_the_url_anywhere(secret, httpserver, caplog, capsys):
    httpserver.expect_request(WEBHOOK_PATH).respond_with_data("internal_error", status=500)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SlackDeliveryFailed, match=r"HTTP 500 after 2 retries \(HTTP 500, HTTP 500\)") as error:
        app.lambda_handler(event("notify_failed"), None)
    assert len(httpserver.log) == 3
    captured = capsys.readouterr()
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")
    for text in (str(error.value), ours, captured.out, captured.err):
        assert "very-secret-token" not in text


def test_unreachable_slack_raises_without_the_url(monkeypatch):
    with pytest.raises(SlackDeliveryFailed, match="unreachable") as error:
        app.send("http://127.0.0.1:9/services/T0/B0/very-secret-token", {"text": "t", "blocks": []}, max_retries=1)
    assert "very-secret-token" not in str(error.value)


def test_no_webhook_configured_logs_and_continues(monkeypatch):
    monkeypatch.setenv("STACK_NAME", "retrain-prod")
    monkeypatch.setenv("SLACK_WEBHOOK_SECRET_ARN", "")
    assert app.lambda_handler(event("notify_failed"), None) == {"delivered": False, "kind": "failed"}


def test_secret_may_be_json_with_webhook_url(monkeypatch, httpserver):
    httpserver.expect_request(WEBHOOK_PATH).respond_with_data("ok")
    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(
            Name=f"slack-{uuid.uuid4().hex}", SecretString=json.dumps({"webhook_url": httpserver.url_for(WEBHOOK_PATH)}))["ARN"]
        assert app.webhook_url(arn) == httpserver.url_for(WEBHOOK_PATH)


def test_a_secret_that_is_not_a_url_is_rejected_without_showing_it():
    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(Name=f"slack-{uuid.uuid4().hex}", SecretString="xoxb-not-a-url")["ARN"]
        with pytest.raises(ConfigError, match="value not shown") as error:
            app.webhook_url(arn)
    assert "xoxb" not in str(error.value)


def test_unknown_kind_is_rejected_listing_the_kinds(secret):
    with pytest.raises(InvalidInput, match="'celebrate'.*started"):
        app.lambda_handler({**event("notify_failed"), "kind": "celebrate"}, None)


TOKEN = "very-secret-token"


def test_a_gateway_that_echoes_the_url_leaks_the_token_nowhere(secret, httpserver, caplog, capsys, monkeypatch):
    """A proxy error page quoting the request URL: the token must not reach logs, the result or the error."""
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    echo = f"<html>502 Bad Gateway while proxying POST {httpserver.url_for(WEBHOOK_PATH)}</html>"
    httpserver.expect_request(WEBHOOK_PATH).respond_with_data(echo, status=502)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SlackDeliveryFailed) as error:
        app.lambda_handler(event("notify_failed"), None)
    captured = capsys.readouterr()
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.__dict__}" for r in caplog.records if r.name != "werkzeug")
    for text in (str(error.value), repr(error.value.__cause__), logged, captured.out, captured.err):
        assert TOKEN not in text
    assert "HTTP 502" in str(error.value) and "Bad Gateway" not in str(error.value)


def test_redact_hides_every_webhook_path():
    assert app.redact("POST https://hooks.slack.com/services/T0/B0/abc123 failed") == "POST https://hooks.slack.com/services/*** failed"


def test_a_retry_after_longer_than_the_invocation_is_not_waited_for(secret, httpserver):
    import time
    from types import SimpleNamespace

    httpserver.expect_request(WEBHOOK_PATH).respond_with_response(Response("rate_limited", status=429, headers={"Retry-After": "3600"}))
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 55_000)
    started = time.monotonic()
    with pytest.raises(SlackDeliveryFailed, match="HTTP 429 with no retry"):
        app.lambda_handler(event("notify_failed"), context)
    assert time.monotonic() - started < 5 and len(httpserver.log) == 1


def test_a_short_retry_after_within_the_invocation_is_waited_for_and_counted(secret, httpserver):
    from types import SimpleNamespace

    httpserver.expect_ordered_request(WEBHOOK_PATH).respond_with_response(Response("rate_limited", status=429, headers={"Retry-After": "0"}))
    httpserver.expect_ordered_request(WEBHOOK_PATH).respond_with_data("ok")
    result = app.lambda_handler(event("notify_failed"), SimpleNamespace(get_remaining_time_in_millis=lambda: 55_000))
    assert result == {"delivered": True, "kind": "failed", "retries": 1}


@pytest.mark.parametrize("value", ['{"webhook_url": 42}', '{"webhook_url": null}', '{"webhook_url": ["https://x"]}'])
def test_a_webhook_url_that_is_not_a_string_is_a_config_error(value):
    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(Name=f"slack-{uuid.uuid4().hex}", SecretString=value)["ARN"]
        with pytest.raises(ConfigError, match="webhook_url that is a"):
            app.webhook_url(arn)


@pytest.mark.parametrize(("bad_event", "named"), [
    ([], "the event is list"),
    ({"kind": 7}, "'kind' is int 7, expected string"),
    ({"kind": "failed", "state": "boom"}, "'state' is str 'boom', expected object"),
])
def test_a_malformed_event_names_the_key(secret, bad_event, named):
    with pytest.raises(InvalidInput, match=named):
        app.lambda_handler(bad_event, None)


def test_a_state_with_mistyped_sections_still_gives_a_message(secret, httpserver):
    httpserver.expect_request(WEBHOOK_PATH).respond_with_data("ok")
    state = {"data": "2026-11-23", "training": ["x"], "failure": {"Error": "StartTrainingResultMalformed", "Cause": "StartTraining returned …"}}
    app.lambda_handler({"kind": "failed", "state": state, "execution": "arn:x"}, None)
    assert "StartTrainingResultMalformed" in json.dumps(sent(httpserver)[0]["blocks"])


def message_lines(kind: str, state: dict) -> str:
    from messages import build

    return json.dumps(build(kind, state, "arn:aws:states:us-east-1:1:execution:m:x", "us-east-1", "retrain-prod")["blocks"])


def test_on_call_facts_are_in_the_messages_without_opening_the_console():
    data = {"data_date": "2026-11-23", "uris": {"train": "s3://b/input-data-training/2026-11-23/multiclass/iris.csv",
                                                  "validation": "s3://b/input-data-validation/2026-11-23/multiclass/iris.csv"}}
    training = {"job_name": "retrain-multiclass-20261123", "instance_type": "ml.m5.large", "hyperparameters": {"num_class": "3", "objective": "multi:softmax"},
                "status": {"metrics": {"validation:accuracy": 0.95}, "training_seconds": 420, "billable_seconds": 420,
                           "model_artifacts": "s3://b/output-model/2026-11-23/multiclass/retrain-multiclass-20261123/output/model.tar.gz"}}
    started = message_lines("started", {"data": data, "training": training})
    assert "input-data-validation/2026-11-23" in started and "num_class=3, objective=multi:softmax" in started
    done = message_lines("training_done", {"data": data, "training": training})
    assert "420 s, billable 420 s" in done and "output/model.tar.gz" in done
    assert "cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Fsagemaker$252FTrainingJobs" in done
    deployed = message_lines("deployed", {"data": data, "training": training, "deployment": {
        "endpoint_name": "multiclass", "action": "updated", "previous_model": "retrain-multiclass-20261122",
        "previous_model_package": "arn:aws:sagemaker:us-east-1:1:model-package/retrain-multiclass/7"}})
    assert "model retrain-multiclass-20261122 (package arn:aws:sagemaker:us-east-1:1:model-package/retrain-multiclass/7)" in deployed


def test_a_held_model_says_it_is_registered_but_not_deployed_and_why():
    text = message_lines("not_deployed", {"data": {"data_date": "2026-11-23"}, "deployment": {"action": "held", "gate": {"approved": True}}})
    assert "Model registered, not deployed" in text and "PROMOTE=false" in text


def test_a_failure_before_the_data_date_is_known_names_the_date_input():
    text = message_lines("failed", {"DATE": "2026-02-30", "failure": {"Error": "InvalidInput", "Cause": "DATE '2026-02-30' is not a date"}})
    assert "The run for DATE '2026-02-30' (data date not determined) failed" in text
