"""EventBridge rules that start the state machine, as AWS delivers them (moto matches and transforms
events but delivers to no Step Functions target), and the events SageMaker itself emits."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from jsonpath_ng.ext import parse as jsonpath
from moto.events.models import Rule, events_backends
from moto.utilities.arns import parse_arn

from .overrides import override

MODEL_PACKAGE_STATE_CHANGE = "SageMaker Model Package State Change"


def emit(account: str, region: str, detail_type: str, detail: dict[str, Any]) -> None:
    """An event from SageMaker itself onto the default bus (PutEvents may not use an aws.* source)."""
    events_backends[account][region].put_events([{"Source": "aws.sagemaker", "DetailType": detail_type, "Detail": json.dumps(detail)}])


def transform(transformer: dict[str, Any], event: dict[str, Any]) -> Any:
    """An InputTransformer as EventBridge applies it to a JSON template: <name> becomes the JSON value at
    its InputPathsMap path (a string with its quotes), null when the event has no such path. moto
    inserts strings without quotes, which is not JSON."""
    template = transformer["InputTemplate"]
    for name, path in transformer.get("InputPathsMap", {}).items():
        matches = jsonpath(path).find(event)
        template = template.replace(f"<{name}>", json.dumps(matches[0].value) if matches else "null")
    return json.loads(template)


@contextmanager
def delivering_to_state_machines(started: list[str]) -> Iterator[None]:
    """Rules whose target is a state machine start an execution with the (transformed) event as input."""
    original = Rule.send_to_targets

    def send_to_targets(rule: Rule, event: dict[str, Any], transform_input: bool = True) -> None:
        if any(parse_arn(target["Arn"]).service != "states" for target in rule.targets):
            original(rule, event, transform_input)
        if not rule.event_pattern.matches_event(event):
            return
        for target in rule.targets:
            arn = parse_arn(target["Arn"])
            if arn.service != "states":
                continue
            transformer = target.get("InputTransformer", {})
            payload = transform(transformer, event) if transformer else event
            sfn = boto3.client("stepfunctions", region_name=arn.region)
            execution = sfn.start_execution(stateMachineArn=target["Arn"], input=json.dumps(payload),
                                            name=f"{rule.name}-{len(started) + 1}"[:80])
            started.append(execution["executionArn"])

    with override(Rule, "send_to_targets", send_to_targets, rows=("eventbridge-starts-state-machines", "model-package-events")):
        yield
