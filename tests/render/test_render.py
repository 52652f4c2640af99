"""The rendered template and state machine: structure, safety rules and the history-limit proof."""

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

import render
from local_aws.template import load
from pipeline_common import names, polling

HISTORY_LIMIT = 25_000
# Retried tasks add events the formula does not count: keep a fifth of the limit for them.
HISTORY_BUDGET = int(HISTORY_LIMIT * 0.8)
TRANSIENT_ERRORS = {"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException", "AwsThrottled"}
EVENTS_PER_STATE = {"Task": 5, "Wait": 2, "Choice": 2, "Pass": 2, "Succeed": 2, "Fail": 1}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("rendered")
    paths = render.render(out_dir=out)
    return {
        "asl": json.loads(paths[render.STATE_MACHINE_TEMPLATE].read_text()),
        "template": load(paths[render.TEMPLATE]),
        "config": render.load_config(render.DEFAULT_CONFIG),
        "out": out,
    }


def successors(state: dict) -> set[str]:
    nexts = {state.get("Next"), state.get("Default")}
    nexts |= {choice["Next"] for choice in state.get("Choices", [])}
    nexts |= {catch["Next"] for catch in state.get("Catch", [])}
    return {n for n in nexts if n}


def test_rendering_is_deterministic(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    render.render(out_dir=first)
    render.render(out_dir=second)
    for name in render.OUTPUTS.values():
        assert (first / name).read_text() == (second / name).read_text()


def test_every_state_is_reachable_and_every_transition_exists(rendered):
    states = rendered["asl"]["States"]
    seen, todo = set(), [rendered["asl"]["StartAt"]]
    while todo:
        name = todo.pop()
        if name not in seen:
            assert name in states, f"transition to missing state {name}"
            seen.add(name)
            todo.extend(successors(states[name]))
    assert seen == set(states)


def test_every_choice_has_a_default(rendered):
    choices = {n: s for n, s in rendered["asl"]["States"].items() if s["Type"] == "Choice"}
    assert len(choices) == 4
    assert all("Default" in s for s in choices.values())


def test_every_task_retries_transient_errors_with_backoff_and_jitter(rendered):
    config = rendered["config"]["retry"]
    for name, state in rendered["asl"]["States"].items():
        if state["Type"] != "Task":
            continue
        (retry,) = state["Retry"]
        assert set(retry["ErrorEquals"]) == TRANSIENT_ERRORS, name
        assert (retry["BackoffRate"], retry["MaxAttempts"], retry["JitterStrategy"]) == (config["backoff_rate"], config["max_attempts"], "FULL")


def test_work_tasks_catch_into_the_failure_notification_and_notifications_never_stop_the_run(rendered):
    for name, state in rendered["asl"]["States"].items():
        if state["Type"] != "Task":
            continue
        (catch,) = state["Catch"]
        assert catch["ErrorEquals"] == ["States.ALL"]
        if name.startswith("Notify"):
            assert catch["Next"] == state["Next"], f"{name} must continue when Slack fails"
        else:
            assert catch["Next"] == "NotifyFailure", name


def test_no_path_ends_without_a_slack_message(rendered):
    states = rendered["asl"]["States"]
    for name, state in states.items():
        if state["Type"] in ("Succeed", "Fail"):
            predecessors = {p for p, s in states.items() if name in successors(s)}
            assert predecessors and all(p.startswith("Notify") for p in predecessors), (name, predecessors)


def test_both_poll_loops_come_from_one_macro(rendered):
    states = rendered["asl"]["States"]
    suffixes = ["Init{}Poll", "WaitFor{}", "Get{}Status", "{}Status?", "{}Failed", "{}TimedOut", "{}StatusUnexpected"]

    def skeleton(prefix: str) -> list:
        loop = [pattern.format(prefix) for pattern in suffixes]
        shape = []
        for name in loop:
            state = states[name]
            inside = sorted(n.replace(prefix, "X") for n in successors(state) if n in loop)
            rules = [sorted(choice) for choice in state.get("Choices", [])]
            shape.append((name.replace(prefix, "X"), state["Type"], sorted(state), inside, rules))
        return shape

    assert skeleton("Training") == skeleton("Endpoint")
    assert states["TrainingStatus?"]["Default"] == "TrainingStatusUnexpected"


def loop_events(states: dict, prefix: str) -> int:
    return sum(EVENTS_PER_STATE[states[name]["Type"]] for name in (f"WaitFor{prefix}", f"Get{prefix}Status", f"{prefix}Status?"))


def test_worst_case_history_stays_under_the_25000_event_limit(rendered):
    states, config = rendered["asl"]["States"], rendered["config"]
    training, endpoint = config["polling"]["training_job"], config["polling"]["endpoint"]
    policy = lambda loop: polling.Policy(**render.policy(loop))  # noqa: E731
    training_polls = polling.max_polls(policy(training), config["max_training_runtime_seconds"] + training["grace_seconds"])
    endpoint_polls = polling.max_polls(policy(endpoint), endpoint["timeout_seconds"])
    loop_states = {f"{kind}{p}" for p in ("Training", "Endpoint") for kind in ("WaitFor", "Get")} | {"TrainingStatus?", "EndpointStatus?"}
    fixed = sum(EVENTS_PER_STATE[s["Type"]] for n, s in states.items() if n not in loop_states) + 2
    worst = training_polls * loop_events(states, "Training") + endpoint_polls * loop_events(states, "Endpoint") + fixed
    assert loop_events(states, "Training") == 9
    assert worst < HISTORY_BUDGET, f"{training_polls} + {endpoint_polls} polls make {worst} events"


def test_the_wait_reads_the_poll_record_the_status_task_writes(rendered):
    states = rendered["asl"]["States"]
    for prefix, path in (("Training", "$.training"), ("Endpoint", "$.deployment")):
        assert states[f"WaitFor{prefix}"]["SecondsPath"] == f"{path}.status.poll.wait_seconds"
        assert states[f"Get{prefix}Status"]["ResultPath"] == f"{path}.status"
        assert states[f"Get{prefix}Status"]["Parameters"]["poll.$"] == f"{path}.status.poll"


def test_state_machine_timeout_covers_the_longest_training_and_endpoint_budgets(rendered):
    config = rendered["config"]
    longest = config["max_training_runtime_seconds"] + config["polling"]["training_job"]["grace_seconds"] + config["polling"]["endpoint"]["timeout_seconds"]
    assert longest < rendered["asl"]["TimeoutSeconds"] <= 365 * 86400


def test_every_asl_placeholder_has_a_substitution_pointing_at_a_function(rendered):
    text = (rendered["out"] / render.OUTPUTS[render.STATE_MACHINE_TEMPLATE]).read_text()
    placeholders = set(re.findall(r"\$\{([^}]+)\}", text))
    resources = rendered["template"]["Resources"]
    substitutions = resources["RetrainStateMachine"]["Properties"]["DefinitionSubstitutions"]
    assert placeholders == set(substitutions)
    for key, value in substitutions.items():
        logical_id, attribute = value["Fn::GetAtt"]
        assert attribute == "Arn" and resources[logical_id]["Type"] == "AWS::Serverless::Function"
        assert key == names.substitution_key(logical_id)


def test_every_function_folder_is_in_the_template_with_its_log_group(rendered):
    resources = rendered["template"]["Resources"]
    root = Path(render.ROOT)
    folders = {p.name for p in (root / "lambda_functions").iterdir() if (p / "app.py").exists()}
    assert folders == set(names.FUNCTIONS)
    for folder, logical_id in names.FUNCTIONS.items():
        assert resources[logical_id]["Properties"]["CodeUri"] == f"lambda_functions/{folder}/"
        assert resources[f"{logical_id}LogGroup"]["Properties"]["RetentionInDays"] == rendered["config"]["log_retention_days"]


def iam_statements(template: dict):
    for name, resource in template["Resources"].items():
        for policy in resource.get("Properties", {}).get("Policies", []):
            if isinstance(policy, dict) and "Fn::If" in policy:
                policy = policy["Fn::If"][1]
            document = policy.get("PolicyDocument", policy) if isinstance(policy, dict) else {}
            for statement in document.get("Statement", []):
                yield name, statement


def test_iam_is_least_privilege(rendered):
    template = rendered["template"]
    text = json.dumps(template)
    assert "FullAccess" not in text
    for name, statement in iam_statements(template):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions), (name, actions)
        if "iam:PassRole" in actions:
            assert statement["Condition"]["StringEquals"]["iam:PassedToService"] == "sagemaker.amazonaws.com"
        if any(action.startswith("sagemaker:") for action in actions):
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in resources:
                assert "${ResourcePrefix}-*" in resource["Fn::Sub"] or resource["Fn::Sub"].endswith(":endpoint/${EndpointName}"), resource


def test_functions_run_python_3_13_with_tracing_and_the_shared_layer(rendered):
    function_globals = rendered["template"]["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.13" and function_globals["Tracing"] == "Active"
    assert function_globals["Layers"] == [{"Ref": "CommonLayer"}]


def test_daily_schedule_sends_the_scheduled_time_with_retries_and_a_dead_letter_queue(rendered):
    machine = rendered["template"]["Resources"]["RetrainStateMachine"]["Properties"]
    (event,) = machine["Events"].values()
    assert event["Type"] == "ScheduleV2"
    assert json.loads(event["Properties"]["Input"]) == {"DATE": "<aws.scheduler.scheduled-time>"}
    assert event["Properties"]["ScheduleExpressionTimezone"] == {"Ref": "ScheduleTimezone"}
    assert event["Properties"]["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert event["Properties"]["DeadLetterConfig"] == {"Type": "SQS"}
    assert machine["Tracing"] == {"Enabled": True} and machine["Logging"]["Level"] == "ALL"


def test_only_bucket_and_image_need_a_value_at_deploy_time(rendered):
    parameters = rendered["template"]["Parameters"]
    assert {name for name, spec in parameters.items() if "Default" not in spec} == {"Bucket", "TrainingImage"}


def write_config(tmp_path: Path, mutate) -> Path:
    config = yaml.safe_load(render.DEFAULT_CONFIG.read_text())
    mutate(config)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda c: c["polling"]["endpoint"].pop("timeout_seconds"), "missing config key 'polling.endpoint.timeout_seconds'"),
    (lambda c: c.update(poling={}), "unknown config key 'poling'"),
    (lambda c: c["retry"].update(max_attempts="six"), "config key 'retry.max_attempts' is 'six', expected int"),
    (lambda c: c["retry"].update(jitter="SOME"), "'retry.jitter' is 'SOME', expected FULL or NONE"),
    (lambda c: c.update(log_retention_days=31), "'log_retention_days' is 31"),
    (lambda c: c["polling"]["training_job"].update(backoff_rate=0.5), "backoff_rate is 0.5"),
])
def test_bad_config_exits_non_zero_naming_the_file_and_key(tmp_path, capsys, mutate, message):
    path = write_config(tmp_path, mutate)
    assert render.main(["--config", str(path), "--out-dir", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert str(path) in error and message in error
    assert not (tmp_path / "out").exists()


def test_undefined_template_value_names_the_template_and_the_key(tmp_path):
    shutil.copytree(render.ROOT / "statemachine", tmp_path / "statemachine")
    shutil.copy(render.ROOT / render.TEMPLATE, tmp_path / render.TEMPLATE)
    asl = tmp_path / render.STATE_MACHINE_TEMPLATE
    asl.write_text(asl.read_text().replace("{{ state_machine_timeout_seconds }}", "{{ config.polling.timeout }}"))
    with pytest.raises(render.RenderError, match=r"statemachine/pipeline.asl.json.j2: undefined value.*'timeout'"):
        render.render(root=tmp_path, out_dir=tmp_path / "out")


def test_template_syntax_error_names_file_and_line(tmp_path):
    shutil.copytree(render.ROOT / "statemachine", tmp_path / "statemachine")
    (tmp_path / render.TEMPLATE).write_text("a: 1\nb: {{ config.polling \n")
    with pytest.raises(render.RenderError, match=r"template.yaml.j2:2: template syntax error"):
        render.render(root=tmp_path, out_dir=tmp_path / "out")


def test_unreadable_config_is_named(tmp_path):
    with pytest.raises(render.RenderError, match="nope.yaml: cannot read config"):
        render.load_config(tmp_path / "nope.yaml")
