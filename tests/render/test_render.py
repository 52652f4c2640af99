"""The rendered template and state machine: structure, safety rules and the history-limit proof."""

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

import render
from local_aws.template import TemplateError, load
from pipeline_common import names, polling

HISTORY_LIMIT = 25_000
# Retried tasks add events the formula does not count: keep a fifth of the limit for them.
HISTORY_BUDGET = int(HISTORY_LIMIT * 0.8)
TRANSIENT_ERRORS = {"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException",
                    "AwsThrottled", "AwsUnavailable"}
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


@pytest.mark.parametrize("fan_out", [None, {"targets": ["a", "b"]}], ids=["one target", "many targets"])
def test_rendering_is_deterministic(tmp_path, fan_out):
    first, second = tmp_path / "a", tmp_path / "b"
    written = render.render(out_dir=first, fan_out=fan_out)
    render.render(out_dir=second, fan_out=fan_out)
    assert (render.FAN_OUT_TEMPLATE in written) == bool(fan_out)
    for name in [render.OUTPUTS[template] for template in written]:
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


def is_failure(states: dict, name: str) -> bool:
    state = states[name]
    return state["Type"] == "Pass" and state.get("ResultPath") == "$.failure" and state["Next"] == "NotifyFailure"


def test_every_choice_has_a_default_that_fails_loudly(rendered):
    states = rendered["asl"]["States"]
    choices = {n: s for n, s in states.items() if s["Type"] == "Choice"}
    assert len(choices) == 6
    for name, choice in choices.items():
        assert is_failure(states, choice["Default"]), (name, choice["Default"])


def test_every_task_retries_transient_errors_with_backoff_and_jitter(rendered):
    config = rendered["config"]["retry"]
    for name, state in rendered["asl"]["States"].items():
        if state["Type"] != "Task":
            continue
        retry = state["Retry"][0]
        assert set(retry["ErrorEquals"]) == TRANSIENT_ERRORS, name
        assert (retry["BackoffRate"], retry["MaxAttempts"], retry["JitterStrategy"]) == (config["backoff_rate"], config["max_attempts"], "FULL")
        assert len(state["Retry"]) == (2 if name in ("DeployModel", "DeployPackage") else 1), name


def test_deploy_model_waits_for_a_busy_endpoint_longer_than_for_a_transient_error(rendered):
    busy = rendered["asl"]["States"]["DeployModel"]["Retry"][1]
    config = rendered["config"]["endpoint_busy_retry"]
    assert busy["ErrorEquals"] == ["EndpointNotReady"]
    assert (busy["IntervalSeconds"], busy["MaxAttempts"]) == (config["interval_seconds"], config["max_attempts"])
    assert sum(polling.RetryPolicy(config["interval_seconds"], config["max_attempts"], config["backoff_rate"], config["max_delay_seconds"]).delays()) >= 30 * 60


def test_work_tasks_catch_into_the_failure_notification_and_notifications_never_stop_the_run(rendered):
    for name, state in rendered["asl"]["States"].items():
        if state["Type"] != "Task":
            continue
        (catch,) = state["Catch"]
        assert catch["ErrorEquals"] == ["States.ALL"]
        if name.startswith("Notify") or name == "RecordDeployment":
            assert catch["Next"] == state["Next"], f"{name} must continue: the endpoint already serves, or Slack failed"
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
    suffixes = ["Init{}Poll", "WaitFor{}", "Get{}Status", "{}Status?", "{}StatusMalformed", "{}Failed", "{}TimedOut", "{}StatusUnexpected"]

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


def worst_task(state: dict, lambda_timeout: int) -> float:
    """Read from the rendered Task itself: every attempt to the Lambda timeout, every pause at its longest."""
    retriers = [polling.RetryPolicy(r["IntervalSeconds"], r["MaxAttempts"], r["BackoffRate"], r["MaxDelaySeconds"]) for r in state["Retry"]]
    return polling.worst_task_seconds(retriers, lambda_timeout)


@pytest.mark.parametrize("seconds_per_invocation", [None, 6])
def test_a_polling_loop_always_times_out_and_notifies_before_the_execution_times_out(rendered, seconds_per_invocation):
    """The longest run: every Task at its worst, both loops until their budgets are spent, then the failure notification.

    With ``None`` every invocation runs to the Lambda timeout with every retry; 6 s is a slow but healthy Lambda.
    """
    states, config = rendered["asl"]["States"], rendered["config"]
    lambda_timeout = config["lambda_timeout_seconds"]
    task = (lambda name: worst_task(states[name], lambda_timeout)) if seconds_per_invocation is None else (lambda name: seconds_per_invocation)
    training, endpoint = config["polling"]["training_job"], config["polling"]["endpoint"]
    training_loop = polling.worst_loop_seconds(polling.Policy(**render.policy(training)),
                                               config["max_training_runtime_seconds"] + training["grace_seconds"], task("GetTrainingStatus"))
    endpoint_loop = polling.worst_loop_seconds(polling.Policy(**render.policy(endpoint)), endpoint["timeout_seconds"], task("GetEndpointStatus"))
    path = ["CheckData", "StartTraining", "NotifyTrainingStarted", "NotifyTrainingDone", "DeployModel", "RecordDeployment", "NotifyDeployed"]
    longest = training_loop + endpoint_loop + sum(task(name) for name in path)
    assert longest < rendered["asl"]["TimeoutSeconds"] <= 365 * 86400
    if seconds_per_invocation is None:
        assert rendered["asl"]["TimeoutSeconds"] - longest < 3600, "the margin should stay small: a stuck run is noticed late otherwise"


def test_the_timeout_proof_would_have_caught_a_budget_counting_only_waits(rendered):
    """Waits alone reach the budget 2,025 polls in; 6 s of Lambda per poll adds more than the old 2-hour margin."""
    config = rendered["config"]
    training = config["polling"]["training_job"]
    budget = config["max_training_runtime_seconds"] + training["grace_seconds"]
    polls = polling.max_polls(polling.Policy(**render.policy(training)), budget)
    assert polls * 6 > 2 * 3600


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


def is_read_only(action: str) -> bool:
    """Describe/List calls change nothing: the quota check reads the whole account's usage."""
    return action.split(":", 1)[1].startswith(("Describe", "List"))


SAGEMAKER_PATTERNS = ("${ResourcePrefix}-${Target}-*", ":model-package-group/${ResourcePrefix}-${Target}", ":model-package/${ResourcePrefix}-${Target}/*",
                      ":endpoint/${EndpointName}")


def test_iam_is_least_privilege(rendered):
    template = rendered["template"]
    text = json.dumps(template)
    assert "FullAccess" not in text
    for name, statement in iam_statements(template):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions if name != "LogsKey"), (name, actions)
        if "iam:PassRole" in actions:
            assert statement["Condition"]["StringEquals"]["iam:PassedToService"] == "sagemaker.amazonaws.com"
        if any(action.startswith("sagemaker:") for action in actions) and not all(is_read_only(action) for action in actions):
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in resources:
                assert resource["Fn::Sub"].endswith(SAGEMAKER_PATTERNS), resource
        if any(action.startswith("ecr:") and action != "ecr:GetAuthorizationToken" for action in actions):
            assert "repository/*" not in json.dumps(statement), "ECR pulls are scoped to the image's repository"


@pytest.mark.parametrize(("enabled", "deploy_target"), render.every_build(), ids=lambda v: v if isinstance(v, str) else "+".join(v) or "none")
def test_sagemaker_list_actions_are_granted_on_star_alone_in_every_build(tmp_path, enabled, deploy_target):
    """"Except for the ListTags API, resource-level restrictions are not available on List- calls" (SageMaker developer
    guide, api-permissions-reference): a List action granted on an ARN is denied on AWS, and mixed into a statement with
    scoped resources it would be too."""
    template = load(render.render(out_dir=tmp_path, enabled_stages=enabled, deploy_target=deploy_target)[render.TEMPLATE])
    granted = []
    for name, statement in iam_statements(template):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        lists = [a for a in actions if a.startswith("sagemaker:List") and a != "sagemaker:ListTags"]
        if lists:
            assert statement["Resource"] == "*", (name, lists, statement["Resource"])
            granted += lists
    assert "sagemaker:ListModelPackages" in granted and "sagemaker:ListTrainingJobs" in granted


def test_autoscaling_writes_are_scoped_to_sagemaker_variants_and_only_describe_is_on_star(rendered):
    """Application Auto Scaling's Register/Put act on the scalable-target resource type (an ARN ending in an ID it assigns),
    narrowed by its service-namespace and scalable-dimension condition keys; its Describe actions take "*" alone."""
    statements = [st for _, st in iam_statements(rendered["template"]) if any(str(a).startswith("application-autoscaling:") for a in st["Action"])]
    writes = [st for st in statements if "application-autoscaling:RegisterScalableTarget" in st["Action"]]
    assert len(writes) == 1 and set(writes[0]["Action"]) == {"application-autoscaling:RegisterScalableTarget",
                                                         "application-autoscaling:DeregisterScalableTarget", "application-autoscaling:PutScalingPolicy"}
    assert writes[0]["Resource"]["Fn::Sub"].endswith(":scalable-target/*")
    assert writes[0]["Condition"]["StringEquals"] == {"application-autoscaling:service-namespace": "sagemaker",
                                                      "application-autoscaling:scalable-dimension": "sagemaker:variant:DesiredInstanceCount"}
    for statement in statements:
        if statement is not writes[0]:
            assert statement["Resource"] == "*" and all(a.split(":")[1].startswith("Describe") for a in statement["Action"])


def test_each_function_has_its_own_role_writing_only_to_its_own_log_group(rendered):
    resources = rendered["template"]["Resources"]
    for logical_id in names.FUNCTIONS.values():
        function = resources[logical_id]["Properties"]
        assert function["Role"] == {"Fn::GetAtt": [f"{logical_id}Role", "Arn"]}
        assert function["LoggingConfig"] == {"LogGroup": {"Ref": f"{logical_id}LogGroup"}}
        logs = [st for policy in resources[f"{logical_id}Role"]["Properties"]["Policies"] for st in policy["PolicyDocument"]["Statement"]
                if any(a.startswith("logs:") for a in st["Action"])]
        assert logs == [{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": {"Fn::GetAtt": [f"{logical_id}LogGroup", "Arn"]}}]
    assert "AWSLambdaBasicExecutionRole" not in json.dumps(rendered["template"])


def test_every_log_group_is_encrypted_with_the_stacks_key_which_logs_may_use_only_for_them(rendered):
    resources = rendered["template"]["Resources"]
    groups = {n: r for n, r in resources.items() if r["Type"] == "AWS::Logs::LogGroup"}
    assert "StateMachineLogGroup" in groups and len(groups) == len(names.FUNCTIONS) + 1
    for name, group in groups.items():
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["LogsKey", "Arn"]}, name
    key = resources["LogsKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    (logs,) = [s for s in key["KeyPolicy"]["Statement"] if s["Sid"] == "CloudWatchLogsEncryptsThisStacksLogGroups"]
    allowed = [a["Fn::Sub"] for a in logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]]
    assert allowed == ["arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/vendedlogs/states/${AWS::StackName}",
                       "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/${AWS::StackName}/*"]


def test_failed_timed_out_or_aborted_executions_alarm_to_a_topic_with_an_optional_email(rendered):
    resources = rendered["template"]["Resources"]
    alarm = resources["ExecutionsFailedAlarm"]["Properties"]
    metrics = {m["MetricStat"]["Metric"]["MetricName"] for m in alarm["Metrics"] if "MetricStat" in m}
    assert metrics == {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"}
    for metric in alarm["Metrics"]:
        if "MetricStat" in metric:
            assert metric["MetricStat"]["Metric"]["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": "RetrainStateMachine"}}]
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}] and alarm["Threshold"] == 1
    assert resources["AlarmEmailSubscription"]["Condition"] == "HasAlarmEmail"
    assert resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["LogsKey", "Arn"]}


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


def resolver_for(rendered, **parameters):
    from local_aws.template import Resolver

    values = {"Bucket": "data-bucket", "TrainingImage": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/retrain-model:abc123", **parameters}
    return Resolver(rendered["template"], values, pseudo={"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "210987654321",
                                                           "AWS::StackName": "s"})


@pytest.mark.parametrize(("image", "arn"), [
    ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/retrain-model:abc123", "arn:aws:ecr:eu-west-1:123456789012:repository/team/retrain-model"),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com/retrain.model@sha256:" + "a" * 64, "arn:aws:ecr:us-east-1:123456789012:repository/retrain.model"),
    ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/retrain-model:1", "arn:aws:ecr:cn-north-1:123456789012:repository/retrain-model"),
])
def test_ecr_pulls_are_scoped_to_the_repository_the_image_uri_names(rendered, image, arn):
    role = rendered["template"]["Resources"]["SageMakerExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    (pull,) = [s for s in role if "ecr:BatchGetImage" in s["Action"]]
    resolver = resolver_for(rendered, TrainingImage=image)
    assert resolver.resolve(pull["Resource"]) == [arn, arn]


@pytest.mark.parametrize(("parameter", "value", "accepted"), [
    ("SlackWebhookSecretArn", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:retrain/slack-webhook-AbCdEf", True),
    ("SlackWebhookSecretArn", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:retrain/slack-webhook", False),
    ("TrainingPrefix", "input-data-training", True),
    ("TrainingPrefix", "team/input-data-training", True),
    ("TrainingPrefix", "input-data-training/", False),
    ("ValidationPrefix", "/input-data-validation", False),
    ("OutputPrefix", "output//model", False),
    ("AlarmEmail", "oncall@example.com", True),
    ("AlarmEmail", "oncall", False),
])
def test_deploy_time_values_iam_would_deny_are_rejected_by_their_pattern(rendered, parameter, value, accepted):
    pattern = rendered["template"]["Parameters"][parameter]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is accepted


def environment_defaults(environment: str) -> dict[str, str]:
    text = (render.ROOT / "create-stack.sh").read_text()
    (line,) = re.findall(rf'^\s*{environment}\)\s+defaults="([^"]+)"', text, re.MULTILINE)
    return dict(pair.split("=", 1) for pair in line.split())


def test_prod_and_dev_sagemaker_permissions_cannot_change_each_others_resources(rendered):
    import fnmatch

    def patterns_and_names(environment: str) -> tuple[list[str], list[str]]:
        resolver = resolver_for(rendered, **environment_defaults(environment))
        patterns = []
        for _name, statement in iam_statements(rendered["template"]):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if any(action.startswith("sagemaker:") and not is_read_only(action) for action in actions):
                resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                patterns += [resolver.resolve(r).split(":", 5)[5] for r in resources]
        p = resolver.parameters
        job = names.training_job_name(p["ResourcePrefix"], p["Target"], __import__("datetime").date(2026, 11, 24), 2)
        created = [f"training-job/{job}", f"model/{job}", f"endpoint-config/{job}", f"endpoint/{p['EndpointName']}",
                   f"model-package-group/{p['ResourcePrefix']}-{p['Target']}", f"model-package/{p['ResourcePrefix']}-{p['Target']}/3"]
        return patterns, created

    prod_patterns, prod_names = patterns_and_names("prod")
    dev_patterns, dev_names = patterns_and_names("dev")
    for own, other in ((prod_patterns, dev_names), (dev_patterns, prod_names)):
        assert not [(p, n) for p in own for n in other if fnmatch.fnmatchcase(n, p)]
    for own, created in ((prod_patterns, prod_names), (dev_patterns, dev_names)):
        assert all(any(fnmatch.fnmatchcase(n, p) for p in own) for n in created)


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


def test_the_rollback_alarms_are_created_enabled_on_the_endpoints_variant_and_given_to_both_functions(rendered):
    resources = rendered["template"]["Resources"]
    for logical_id, metric in (("EndpointErrorAlarm", "Invocation5XXErrors"), ("EndpointLatencyAlarm", "ModelLatency")):
        alarm = resources[logical_id]["Properties"]
        assert alarm["ActionsEnabled"] is True and alarm["MetricName"] == metric and alarm["Namespace"] == "AWS/SageMaker"
        assert alarm["Dimensions"] == [{"Name": "EndpointName", "Value": {"Ref": "EndpointName"}}, {"Name": "VariantName", "Value": names.VARIANT}]
    for function in ("DeployModelFunction", "GetStatusFunction"):
        alarms = resources[function]["Properties"]["Environment"]["Variables"]["ROLLBACK_ALARMS"]
        assert alarms == {"Fn::Join": [",", [{"Ref": "EndpointErrorAlarm"}, {"Ref": "EndpointLatencyAlarm"}, {"Ref": "ExtraRollbackAlarms"}]]}


def test_rollout_settings_sagemaker_would_refuse_are_refused_when_the_stack_is_deployed(rendered):
    """Deployment guardrails' limits (docs/aws-behaviours.md, guardrail-limits) as parameter constraints, so an out-of-range
    setting fails `sam deploy`, not an update after a day's training."""
    import botocore.session

    from pipeline_common import rollout

    model = botocore.session.get_session().get_service_model("sagemaker")
    assert model.shape_for("AlarmList").metadata["max"] == rollout.ALARM_LIST_MAX
    wait = model.shape_for("TrafficRoutingConfig").members["WaitIntervalInSeconds"].metadata
    assert (wait["min"], wait["max"]) == rollout.WAIT_INTERVAL_SECONDS
    assert "10-50%" in model.shape_for("TrafficRoutingConfig").members["LinearStepSize"].documentation
    parameters = rendered["template"]["Parameters"]
    for name, limits in (("RolloutWaitSeconds", rollout.WAIT_INTERVAL_SECONDS), ("BakingPeriodSeconds", rollout.WAIT_INTERVAL_SECONDS),
                         ("LinearStepPercent", rollout.LINEAR_STEP_PERCENT), ("CanarySizePercent", rollout.CANARY_PERCENT)):
        assert (parameters[name]["MinValue"], parameters[name]["MaxValue"]) == limits, name
    pattern = re.compile(parameters["ExtraRollbackAlarms"]["AllowedPattern"])
    stack_alarms = len(render.ENDPOINT_ALARMS)
    assert pattern.fullmatch("") and pattern.fullmatch("team-a-errors")
    assert pattern.fullmatch(",".join(f"alarm-{i}" for i in range(rollout.ALARM_LIST_MAX - stack_alarms)))
    assert not pattern.fullmatch(",".join(f"alarm-{i}" for i in range(rollout.ALARM_LIST_MAX - stack_alarms + 1))), "one alarm too many"
    assert not pattern.fullmatch("a,,b") and not pattern.fullmatch("x" * 256)


@pytest.mark.parametrize(("parameters", "refusal"), [
    ({"HostingMode": "Serverless", "DataCapturePercent": "20"}, "template rule ServerlessEndpointsCaptureNoData: serverless endpoints support no data capture"),
    ({"LinearStepPercent": "5"}, "template parameter LinearStepPercent=5 is below its MinValue 10"),
    ({"RolloutWaitSeconds": "3601"}, "template parameter RolloutWaitSeconds=3601 is above its MaxValue 3600"),
    ({"ExtraRollbackAlarms": ",".join(f"a{i}" for i in range(9))}, "template parameter ExtraRollbackAlarms="),
])
def test_settings_sagemaker_refuses_fail_the_deploy_locally_as_on_aws(rendered, parameters, refusal):
    with pytest.raises(TemplateError, match=re.escape(refusal)):
        resolver_for(rendered, **parameters)
    resolver_for(rendered, HostingMode="Serverless", DataCapturePercent="0")
    resolver_for(rendered, HostingMode="Instance", DataCapturePercent="20")


@pytest.mark.parametrize("hosting", ["Instance", "Serverless"])
@pytest.mark.parametrize("strategy", ["AllAtOnce", "Canary", "Linear"])
def test_one_rendered_template_serves_every_hosting_mode_and_rollout_strategy(rendered, hosting, strategy):
    """Hosting mode and strategy are deploy-time parameters: the template the gates lint is the one deployed in every combination."""
    resolver = resolver_for(rendered, HostingMode=hosting, RolloutStrategy=strategy, ManagedSpotTraining="Enabled")
    resolver.physical_ids.update({"EndpointErrorAlarm": "s-e-invocation-5xx", "EndpointLatencyAlarm": "s-e-model-latency"})
    function = rendered["template"]["Resources"]["DeployModelFunction"]["Properties"]["Environment"]["Variables"]
    resolved = {name: resolver.resolve(value) for name, value in function.items() if name != "SAGEMAKER_ROLE_ARN"}
    assert (resolved["HOSTING_MODE"], resolved["ROLLOUT_STRATEGY"]) == (hosting, strategy)
    assert resolved["ROLLBACK_ALARMS"] == "s-e-invocation-5xx,s-e-model-latency,"
