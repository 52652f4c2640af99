"""Targets as data: names and overrides checked with the bad value named, the day's plan, one target's view of the config."""

import json
import re

import pytest

import render
from local_aws.template import load
from pipeline_common import config, rollout, targets
from pipeline_common.errors import InvalidInput

DECLARED = [{"name": "churn", "overrides": {"metric_floor": 0.7}}, {"name": "fraud", "overrides": {}}]


@pytest.mark.parametrize(("entry", "problem"), [
    ({"name": "Churn"}, "name 'Churn' is not lowercase letters, digits and single hyphens"),
    ({"name": "a" * 40}, f"name '{'a' * 40}' is too long"),
    ({"name": "churn", "overrides": {"rollout_strategy": "Fast"}}, 'override rollout_strategy="Fast" is not one of AllAtOnce, Canary, Linear'),
    ({"name": "churn", "overrides": {"training_instance_type": "m5.large"}}, "is not a SageMaker instance type such as ml.m5.large"),
    ({"name": "churn", "overrides": {"metric_floor": "high"}}, 'override metric_floor="high" is not a number (or null for none)'),
    ({"name": "churn", "overrides": {"hyperparameters": ["max_depth"]}}, "is not a mapping of hyperparameter names to strings or numbers"),
    ({"name": "churn", "overrides": {"epochs": 3}}, "override 'epochs' is not one of hyperparameters, training_instance_type"),
    ({"name": "churn", "color": "red"}, "unknown key color (expected name, overrides, enabled)"),
    ("churn", "target \"churn\" is not a mapping with a name"),
])
def test_a_bad_target_is_named_with_what_was_expected(entry, problem):
    assert any(problem in found for found in targets.problems(entry, prefix="retrain")), targets.problems(entry, prefix="retrain")


def test_a_good_target_has_no_problem():
    assert targets.problems({"name": "churn-eu", "overrides": {"hyperparameters": {"max_depth": 3}, "metric_floor": None,
                                                                "hosting_mode": "Serverless"}}, prefix="retrain") == []


def test_the_targets_file_overrides_the_config_adds_disables_and_skips_with_why_and_the_rest_run():
    from_file = [{"name": "churn", "overrides": {"rollout_strategy": "Canary"}},
                 {"name": "fraud", "enabled": False},
                 {"name": "upsell", "overrides": {"hosting_mode": "Serverless"}},
                 {"name": "promo", "overrides": {"hosting_mode": "Both"}}]
    runnable, skipped = targets.plan(DECLARED, from_file, None, prefix="retrain")
    assert runnable == [{"name": "churn", "overrides": {"metric_floor": 0.7, "rollout_strategy": "Canary"}},
                        {"name": "upsell", "overrides": {"hosting_mode": "Serverless"}}]      # added without a deploy
    assert skipped == [{"name": "fraud", "why": "disabled in the targets file"},
                       {"name": "promo", "why": 'targets file: override hosting_mode="Both" is not one of Instance, Serverless'}]
    runnable, _ = targets.plan(DECLARED, [{"name": "churn", "overrides": {"training_instance_type": "nope"}}], None, prefix="retrain")
    assert [t["name"] for t in runnable] == ["fraud"]          # a bad override in the file skips even a configured target


def test_an_approval_names_its_group_and_the_target_is_found_from_it():
    assert targets.target_of_group("retrain", "retrain-churn-eu") == "churn-eu"
    with pytest.raises(InvalidInput, match="model package group 'other-churn' is not retrain-<target>"):
        targets.target_of_group("retrain", "other-churn")


def test_an_execution_may_run_some_targets_and_an_unknown_one_is_named():
    runnable, skipped = targets.plan(DECLARED, None, ["fraud", "nope"], prefix="retrain")
    assert [t["name"] for t in runnable] == ["fraud"]
    assert skipped == [{"name": "nope", "why": "asked for by the execution input, but not a target (targets: churn, fraud)"}]


def test_inside_a_targets_run_its_names_and_overrides_stand_in_for_the_stacks_variables(monkeypatch):
    for name, value in {"RESOURCE_PREFIX": "retrain", "STACK_NAME": "retrain-prod", "TARGET": "multiclass", "METRIC_FLOOR": "0.8",
                        "EXTRA_ROLLBACK_ALARMS": "my-alarm", "DATA_CAPTURE_PREFIX_URI": "s3://b/out/data-capture"}.items():
        monkeypatch.setenv(name, value)
    seen = {}

    @targets.for_target
    def handler(event, context):
        seen.update({name: config.optional(name) for name in ("TARGET", "ENDPOINT_NAME", "MODEL_PACKAGE_GROUP", "METRIC_FLOOR",
                                                              "ROLLBACK_ALARMS", "DATA_CAPTURE_URI", "HYPERPARAMETERS")})
        return "ok"

    assert handler({"target": {"name": "churn", "overrides": {"metric_floor": 0.7, "hyperparameters": {"max_depth": 3}}}}, None) == "ok"
    assert seen == {"TARGET": "churn", "ENDPOINT_NAME": "retrain-churn", "MODEL_PACKAGE_GROUP": "retrain-churn", "METRIC_FLOOR": "0.7",
                    "ROLLBACK_ALARMS": "retrain-prod-retrain-churn-invocation-5xx,retrain-prod-retrain-churn-model-latency,my-alarm",
                    "DATA_CAPTURE_URI": "s3://b/out/data-capture/retrain-churn", "HYPERPARAMETERS": json.dumps({"max_depth": "3"})}
    assert config.optional("TARGET") == "multiclass"          # outside, the stack's own
    with pytest.raises(InvalidInput, match="override rollout_strategy=\"Fast\""):
        handler({"target": {"name": "churn", "overrides": {"rollout_strategy": "Fast"}}}, None)


def test_each_override_meets_the_constraint_of_the_parameter_it_replaces(tmp_path):
    parameters = load(render.render(out_dir=tmp_path)[render.TEMPLATE])["Parameters"]
    assert targets.INSTANCE_TYPE.pattern == parameters["TrainingInstanceType"]["AllowedPattern"]
    assert targets.HOSTING_MODES == tuple(parameters["HostingMode"]["AllowedValues"])
    assert rollout.STRATEGIES == tuple(parameters["RolloutStrategy"]["AllowedValues"])
    assert re.fullmatch(parameters["MetricFloor"]["AllowedPattern"], targets.OVERRIDES["metric_floor"].as_text(-0.25))
    for override in targets.OVERRIDES.values():
        assert override.parameter in parameters, override


def test_a_name_must_fit_its_runs_execution_name_as_well_as_its_job_names():
    (problem,) = targets.problems({"name": "a" * 44}, prefix="r")
    assert problem == f"name '{'a' * 44}' is too long: its run's execution name '{'a' * 44}-<uuid>' must fit Step Functions' 80 characters"
    assert targets.problems({"name": "a" * 43}, prefix="r") == []
