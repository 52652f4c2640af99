"""CloudWatch's DescribeAlarms as AWS answers it: every filter given applies (moto applies only the
first of AlarmNames, AlarmNamePrefix, ActionPrefix and StateValue, so a firing-alarm query would
return quiet alarms too)."""

from collections.abc import Iterator
from contextlib import contextmanager

from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult

from .overrides import override


@contextmanager
def strict_describe_alarms() -> Iterator[None]:
    def describe_alarms(response: CloudWatchResponse) -> ActionResult:
        names = response._get_param("AlarmNames", [])
        prefix = response._get_param("AlarmNamePrefix")
        state = response._get_param("StateValue")
        alarms = [a for a in response.cloudwatch_backend.describe_alarms()
                  if (not names or a.name in names) and (not prefix or a.name.startswith(prefix)) and (not state or a.state_value == state)]
        return ActionResult({"MetricAlarms": [a for a in alarms if a.rule is None], "CompositeAlarms": [a for a in alarms if a.rule is not None]})

    with override(CloudWatchResponse, "describe_alarms", describe_alarms, rows=("cloudwatch-describe-alarms-filters",)):
        yield
