"""How an endpoint update shifts traffic: SageMaker's blue/green DeploymentConfig from the stack's parameters.

Every update is blue/green (SageMaker's default is all at once with no baking and no alarms); the
strategy chooses how traffic moves to the new fleet, the baking period keeps the old fleet ready to
take traffic back, and the stack's CloudWatch alarms (kept enabled) roll it back on their own.
"""

from dataclasses import dataclass

from . import config

ALL_AT_ONCE, CANARY, LINEAR = "AllAtOnce", "Canary", "Linear"
PROVISIONING_ALLOWANCE_SECONDS = 1800   # the new fleet's own start, before any traffic moves
ROUTING = {ALL_AT_ONCE: "ALL_AT_ONCE", CANARY: "CANARY", LINEAR: "LINEAR"}
STRATEGIES = tuple(ROUTING)            # the RolloutStrategy parameter's AllowedValues


@dataclass(frozen=True)
class AlarmSpec:
    """One of the stack's own rollback alarms of an endpoint, named <stack>-<endpoint>-<suffix>: the template creates it
    for one target; with many, DeployModel creates each target's (alarms.py)."""

    logical_id: str
    suffix: str
    metric: str
    statistic: str
    threshold: str          # the template parameter that sets it
    description: str
    period_seconds: int = 60
    evaluation_periods: int = 1
    comparison: str = "GreaterThanOrEqualToThreshold"
    missing_data: str = "notBreaching"


ALARMS = (AlarmSpec("EndpointErrorAlarm", "invocation-5xx", "Invocation5XXErrors", "Sum", "ErrorAlarmThreshold", "Invocation 5XX errors"),
          AlarmSpec("EndpointLatencyAlarm", "model-latency", "ModelLatency", "Average", "LatencyAlarmMicroseconds", "Model latency"))
ALARM_SUFFIXES = tuple(alarm.suffix for alarm in ALARMS)
# SageMaker's limits (docs/aws-behaviours.md, guardrail-limits): the template refuses settings outside them at deploy time.
ALARM_LIST_MAX = 10                    # botocore AutoRollbackConfig.Alarms (AlarmList max)
WAIT_INTERVAL_SECONDS = (0, 3600)      # botocore TrafficRoutingConfig.WaitIntervalInSeconds; TerminationWaitInSeconds alike
LINEAR_STEP_PERCENT = (10, 50)         # TrafficRoutingConfig.LinearStepSize: "Value must be 10-50% of the variant's total instance count"
CANARY_PERCENT = (1, 50)               # TrafficRoutingConfig.CanarySize: "less than or equal to 50%"


@dataclass(frozen=True)
class Rollout:
    strategy: str
    canary_percent: int
    linear_percent: int
    wait_seconds: int
    baking_seconds: int
    alarms: tuple[str, ...]

    @classmethod
    def from_environment(cls) -> "Rollout":
        return cls(
            strategy=config.one_of("ROLLOUT_STRATEGY", tuple(ROUTING)),
            canary_percent=config.required_int("CANARY_PERCENT", minimum=1),
            linear_percent=config.required_int("LINEAR_PERCENT", minimum=1),
            wait_seconds=config.required_int("ROLLOUT_WAIT_SECONDS"),
            baking_seconds=config.required_int("BAKING_SECONDS"),
            alarms=tuple(name.strip() for name in config.required("ROLLBACK_ALARMS").split(",") if name.strip()),
        )

    def steps(self) -> int:
        """How many waits the traffic shift takes."""
        if self.strategy == CANARY:
            return 1
        if self.strategy == LINEAR:
            return -(-100 // self.linear_percent) - 1
        return 0

    def longest_seconds(self) -> int:
        """Shifting plus baking, which the endpoint loop's budget must cover on top of provisioning."""
        return self.steps() * self.wait_seconds + self.baking_seconds

    def deployment_config(self) -> dict:
        # WaitIntervalInSeconds is required whatever the type (botocore's model says so): all at once waits 0.
        routing: dict = {"Type": ROUTING[self.strategy], "WaitIntervalInSeconds": self.wait_seconds if self.steps() else 0}
        if self.strategy == CANARY:
            routing["CanarySize"] = {"Type": "CAPACITY_PERCENT", "Value": self.canary_percent}
        elif self.strategy == LINEAR:
            routing["LinearStepSize"] = {"Type": "CAPACITY_PERCENT", "Value": self.linear_percent}
        config_ = {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": routing, "TerminationWaitInSeconds": self.baking_seconds}}
        if self.alarms:
            config_["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": name} for name in self.alarms]}
        return config_

    def describe(self) -> str:
        if self.strategy == CANARY:
            return f"the canary ({self.canary_percent} % of capacity for {self.wait_seconds} s)"
        if self.strategy == LINEAR:
            return f"linear shifting ({self.linear_percent} % steps every {self.wait_seconds} s)"
        return "the all-at-once shift"
