""""Deploy" the rendered SAM template into emulated AWS, from the template's own resources."""

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .lambdas import LocalFunction, Runtime
from .template import Resolver, TemplateError, load, resources_of_type

PIPELINE_MACHINE, FAN_OUT_MACHINE = "RetrainStateMachine", "FanOutStateMachine"
REGION = "us-east-1"
ACCOUNT = "123456789012"


@dataclass
class Stack:
    name: str
    template: dict[str, Any]
    resolver: Resolver
    state_machine_arn: str = ""
    fan_out_arn: str = ""                   # with many targets: the fan-out state machine the schedule starts
    schedules: list[dict[str, Any]] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)

    @property
    def parameters(self) -> dict[str, str]:
        return self.resolver.parameters

    @property
    def deploy_target(self) -> str:
        """The build's deploy_target, as the stack's DeployTarget output tells the operator scripts."""
        return self.resolver.resolve(self.template["Outputs"]["DeployTarget"]["Value"])


def _placeholder_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README", "code runs in-process from the CodeUri folder")
    return buffer.getvalue()


def _role(iam, name: str, service: str) -> str:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(document))["Role"]["Arn"]


def _merged(globals_: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    merged = {**globals_, **properties}
    variables = {**globals_.get("Environment", {}).get("Variables", {}), **properties.get("Environment", {}).get("Variables", {})}
    merged["Environment"] = {"Variables": variables}
    return merged


def deploy(template_path: Path, stack_name: str, parameters: dict[str, str], clients: dict[str, Any], runtime: Runtime,
           code_root: Path | None = None) -> Stack:
    """``code_root``: where CodeUri and ContentUri point from (default: the template's folder)."""
    template = load(template_path)
    root = code_root or template_path.parent
    resolver = Resolver(
        template,
        parameters,
        pseudo={"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws", "AWS::StackName": stack_name, "AWS::URLSuffix": "amazonaws.com"},
    )
    stack = Stack(stack_name, template, resolver)
    schedules: list[tuple[str, str, str, dict[str, Any]]] = []
    layer_dirs: dict[str, Path] = {}
    for logical_id, layer in resources_of_type(template, "AWS::Serverless::LayerVersion").items():
        layer_dirs[logical_id] = root / layer["Properties"]["ContentUri"]
        resolver.physical_ids[logical_id] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{logical_id}:1"

    for logical_id, resource in resources_of_type(template, "AWS::Logs::LogGroup").items():
        name = resolver.resolve(resource["Properties"]["LogGroupName"])
        resolver.physical_ids[logical_id] = name
        resolver.attributes[logical_id] = {"Arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*"}

    for alarm_id, alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").items():
        if "MetricName" not in alarm["Properties"]:
            continue  # metric-math alarms (failed executions) watch nothing the local run emits
        spec = resolver.resolve(alarm["Properties"])
        clients["cloudwatch"].put_metric_alarm(
            AlarmName=spec["AlarmName"], AlarmDescription=spec.get("AlarmDescription", ""), ActionsEnabled=spec.get("ActionsEnabled", True),
            Namespace=spec["Namespace"], MetricName=spec["MetricName"], Dimensions=spec.get("Dimensions", []), Statistic=spec["Statistic"],
            Period=int(spec["Period"]), EvaluationPeriods=int(spec["EvaluationPeriods"]), Threshold=float(spec["Threshold"]),
            ComparisonOperator=spec["ComparisonOperator"], TreatMissingData=spec.get("TreatMissingData", "missing"),
        )
        resolver.physical_ids[alarm_id] = spec["AlarmName"]

    for logical_id, resource in resources_of_type(template, "AWS::IAM::Role").items():
        if "Condition" in resource and not resolver.conditions[resource["Condition"]]:
            continue
        principal = resource["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
        arn = _role(clients["iam"], f"{stack_name}-{logical_id}"[:64], principal)
        resolver.physical_ids[logical_id] = arn.rsplit("/", 1)[1]
        resolver.attributes[logical_id] = {"Arn": arn}

    lambda_role = _role(clients["iam"], f"{stack_name}-lambda", "lambda.amazonaws.com")
    globals_ = template.get("Globals", {}).get("Function", {})
    for logical_id, resource in resources_of_type(template, "AWS::Serverless::Function").items():
        properties = resolver.resolve(_merged(globals_, resource["Properties"]))
        name = f"{stack_name}-{logical_id}"
        environment = {k: str(v) for k, v in properties["Environment"]["Variables"].items()}
        arn = clients["lambda"].create_function(
            FunctionName=name,
            Runtime=properties["Runtime"],
            Role=lambda_role,
            Handler=properties["Handler"],
            Code={"ZipFile": _placeholder_zip()},
            Timeout=int(properties.get("Timeout", 3)),
            Environment={"Variables": environment},
        )["FunctionArn"]
        layers = [layer_dirs[ref.rsplit(":", 2)[1]] for ref in properties.get("Layers", [])]
        runtime.register(LocalFunction(name, root / properties["CodeUri"], properties["Handler"], environment, layers, int(properties.get("Timeout", 3))))
        resolver.physical_ids[logical_id] = name
        resolver.attributes[logical_id] = {"Arn": arn}

    machines = resources_of_type(template, "AWS::Serverless::StateMachine")
    if PIPELINE_MACHINE not in machines or set(machines) - {PIPELINE_MACHINE, FAN_OUT_MACHINE}:
        raise TemplateError(f"expected {PIPELINE_MACHINE} (and, with many targets, {FAN_OUT_MACHINE}) in {template_path}, found {sorted(machines)}")
    states_role = _role(clients["iam"], f"{stack_name}-states", "states.amazonaws.com")
    for machine_id in [m for m in (PIPELINE_MACHINE, FAN_OUT_MACHINE) if m in machines]:   # the fan-out names the pipeline
        properties = machines[machine_id]["Properties"]
        definition = (template_path.parent / properties["DefinitionUri"]).read_text()
        substitutions = {key: str(resolver.resolve(value)) for key, value in properties.get("DefinitionSubstitutions", {}).items()}
        unresolved = sorted(set(re.findall(r"\$\{([^}]+)\}", definition)) - set(substitutions))
        if unresolved:
            raise TemplateError(f"{properties['DefinitionUri']}: no DefinitionSubstitutions for {unresolved}")
        for key, value in substitutions.items():
            definition = definition.replace("${" + key + "}", value)
        name = resolver.resolve(properties["Name"]) if "Name" in properties else f"{stack_name}-{machine_id}"
        arn = clients["stepfunctions"].create_state_machine(name=name, definition=definition, roleArn=states_role,
                                                            type=properties.get("Type", "STANDARD"))["stateMachineArn"]
        resolver.physical_ids[machine_id] = arn
        resolver.attributes[machine_id] = {"Arn": arn, "Name": name}
        if machine_id == PIPELINE_MACHINE:
            stack.state_machine_arn = arn
        else:
            stack.fan_out_arn = arn
        schedules.extend((machine_id, arn, event_id, event) for event_id, event in properties.get("Events", {}).items())
    for rule_id, rule in resources_of_type(template, "AWS::Events::Rule").items():
        if "Condition" in rule and not resolver.conditions[rule["Condition"]]:
            continue
        spec = resolver.resolve(rule["Properties"])
        name = f"{stack_name}-{rule_id}"[:64]
        clients["events"].put_rule(Name=name, EventPattern=json.dumps(spec["EventPattern"]), State="ENABLED", Description=spec.get("Description", ""))
        events_role = _role(clients["iam"], f"{stack_name}-{rule_id}-role"[:64], "events.amazonaws.com")
        clients["events"].put_targets(Rule=name, Targets=[{**target, "RoleArn": events_role} for target in spec["Targets"]])
        stack.rules.append(name)

    scheduler_role = _role(clients["iam"], f"{stack_name}-scheduler", "scheduler.amazonaws.com")
    for machine_id, machine_arn, event_id, event in schedules:
        if event.get("Type") != "ScheduleV2":
            continue
        spec = resolver.resolve(event["Properties"])
        schedule = {
            "Name": f"{stack_name}-{machine_id}-{event_id}",
            "ScheduleExpression": spec["ScheduleExpression"],
            "ScheduleExpressionTimezone": spec.get("ScheduleExpressionTimezone", "UTC"),
            "State": spec.get("State", "ENABLED"),
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": machine_arn, "RoleArn": scheduler_role, "Input": spec.get("Input", "{}"),
                       "RetryPolicy": spec.get("RetryPolicy", {})},
        }
        clients["scheduler"].create_schedule(**schedule)
        stack.schedules.append(schedule)
    return stack
