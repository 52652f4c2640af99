import pytest

from pipeline_common import rollout
from pipeline_common.errors import ConfigError

ENVIRONMENT = {"ROLLOUT_STRATEGY": "Canary", "CANARY_PERCENT": "10", "LINEAR_PERCENT": "20", "ROLLOUT_WAIT_SECONDS": "300",
               "BAKING_SECONDS": "600", "ROLLBACK_ALARMS": "s-5xx,s-latency,"}


@pytest.fixture
def environment(monkeypatch):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_every_update_is_blue_green_with_baking_and_the_alarms(environment):
    plan = rollout.Rollout.from_environment()
    assert plan.alarms == ("s-5xx", "s-latency"), "an empty ExtraRollbackAlarms adds no name"
    assert plan.deployment_config() == {
        "BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {"Type": "CANARY", "WaitIntervalInSeconds": 300,
                                                                  "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10}},
                                  "TerminationWaitInSeconds": 600},
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "s-5xx"}, {"AlarmName": "s-latency"}]},
    }


@pytest.mark.parametrize(("strategy", "steps", "routing"), [
    ("AllAtOnce", 0, {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}),
    ("Linear", 4, {"Type": "LINEAR", "WaitIntervalInSeconds": 300, "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 20}}),
])
def test_all_at_once_waits_nothing_and_linear_waits_once_per_step(environment, strategy, steps, routing):
    environment.setenv("ROLLOUT_STRATEGY", strategy)
    plan = rollout.Rollout.from_environment()
    assert plan.steps() == steps and plan.longest_seconds() == steps * 300 + 600
    assert plan.deployment_config()["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"] == routing


def test_an_unknown_strategy_is_named(environment):
    environment.setenv("ROLLOUT_STRATEGY", "Shadow")
    with pytest.raises(ConfigError, match="ROLLOUT_STRATEGY='Shadow' must be one of AllAtOnce, Canary, Linear"):
        rollout.Rollout.from_environment()


def test_the_request_satisfies_botocores_model_for_every_strategy(environment):
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("sagemaker").operation_model("UpdateEndpoint").input_shape
    for strategy in ("AllAtOnce", "Canary", "Linear"):
        environment.setenv("ROLLOUT_STRATEGY", strategy)
        request = {"EndpointName": "e", "EndpointConfigName": "c", "DeploymentConfig": rollout.Rollout.from_environment().deployment_config()}
        report = ParamValidator().validate(request, model)
        assert not report.has_errors(), report.generate_report()
