"""With many targets, each target's rollback alarms: DeployModel creates them with its endpoint, since a target the
targets file adds has no stack resources. They are the alarms the template creates for one target (rollout.ALARMS),
named <stack>-<endpoint>-<suffix> and tagged for the stack (delete-stack.sh deletes them by that tag). PutMetricAlarm
creates or updates; its Tags need cloudwatch:TagResource (docs/aws-behaviours.md, rollback-alarms-created)."""

import json

from pipeline_common import config, names, rollout
from pipeline_common.aws import retryable_errors
from pipeline_common.errors import ConfigError


def thresholds() -> dict[str, float] | None:
    """Each alarm's threshold by suffix, when this stack creates its targets' alarms (ROLLBACK_ALARM_THRESHOLDS)."""
    raw = config.optional("ROLLBACK_ALARM_THRESHOLDS")
    if not raw:
        return None
    try:
        values = {suffix: float(value) for suffix, value in json.loads(raw).items()}
    except (ValueError, TypeError, AttributeError):
        raise ConfigError(f"environment variable ROLLBACK_ALARM_THRESHOLDS={raw!r} is not a JSON object of numbers") from None
    missing = [alarm.suffix for alarm in rollout.ALARMS if alarm.suffix not in values]
    if missing:
        raise ConfigError(f"environment variable ROLLBACK_ALARM_THRESHOLDS={raw!r} lacks {', '.join(missing)}")
    return values


def ensure(cloudwatch, stack: str, endpoint: str, limits: dict[str, float]) -> list[str]:
    """Create whichever of the endpoint's rollback alarms does not exist; the names created. An existing one is left
    as it is (disabled actions included: the guardrail check then refuses the update, as with one target)."""
    wanted = {f"{stack}-{endpoint}-{alarm.suffix}": alarm for alarm in rollout.ALARMS}
    with retryable_errors("DescribeAlarms"):
        existing = {a["AlarmName"] for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNames=list(wanted))
                    for a in page.get("MetricAlarms", [])}
    created = []
    for name, alarm in wanted.items():
        if name in existing:
            continue
        with retryable_errors(f"PutMetricAlarm {name}"):
            cloudwatch.put_metric_alarm(
                AlarmName=name, AlarmDescription=f"{alarm.description} on {endpoint}: rolls an endpoint update back.", ActionsEnabled=True,
                Namespace="AWS/SageMaker", MetricName=alarm.metric, Statistic=alarm.statistic,
                Dimensions=[{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": names.VARIANT}],
                Period=alarm.period_seconds, EvaluationPeriods=alarm.evaluation_periods, Threshold=limits[alarm.suffix],
                ComparisonOperator=alarm.comparison, TreatMissingData=alarm.missing_data,
                Tags=[{"Key": names.TAG_PIPELINE, "Value": stack}])
        created.append(name)
    return created
