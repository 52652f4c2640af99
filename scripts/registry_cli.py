"""What approve-model, rollback and model-history share: the deployed stack's registry, and who is asking."""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cli import ENV_HELP, UsageError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "common"))


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--env", default="dev", help=ENV_HELP)
    where.add_argument("--stack", help="the CloudFormation stack name instead (as the Slack message names it)")
    parser.add_argument("--region", help="AWS region of the stack (default: AWS_REGION / your profile's)")
    parser.add_argument("--target", help="with many targets (fan_out): the one to act on (the stack's Targets output lists them)")


def stack_of(args: argparse.Namespace) -> str:
    from pipeline_stack import stack_name

    return args.stack or stack_name(args.env)


def raw_outputs(session, stack: str) -> dict[str, str]:
    """The stack's outputs, whatever its targets."""
    from pipeline_stack import outputs

    return outputs(session.client("cloudformation"), stack)


def stack_outputs(session, stack: str, target: str | None = None) -> dict[str, str]:
    return for_target(raw_outputs(session, stack), stack, target)


def for_target(outputs: dict[str, str], stack: str, target: str | None) -> dict[str, str]:
    """The stack's outputs as seen by one target: with many targets, that target's group, endpoint and history,
    and TargetInput, what an execution of the fan-out gets to run that target alone."""
    from pipeline_common import targets

    configured = [name for name in outputs.get("Targets", "").split(",") if name]
    if not configured:
        if target:
            raise UsageError(f"--target {target}: stack {stack} has one target (no fan-out): leave --target out")
        return outputs
    if not target:
        raise UsageError(f"stack {stack} runs many targets ({', '.join(configured)} and any its targets file adds): name one with --target")
    prefix = outputs["ResourcePrefix"]
    problems = targets.problems({"name": target}, prefix)
    if problems:
        raise UsageError(f"--target {target!r}: {'; '.join(problems)}")
    group = targets.group_name(prefix, target)
    return {**outputs, "ModelPackageGroup": group, "DeploymentHistory": f"{outputs['DeploymentHistory'].rstrip('/')}/{group}/",
            **({"EndpointName": targets.endpoint_name(prefix, target)} if outputs.get("DeployTarget", "endpoint") == "endpoint" else {}),
            "StartArn": outputs["FanOutStateMachineArn"], "TargetInput": json.dumps({"TARGETS": [target]})}


def run_input(outputs: dict[str, str], values: dict[str, Any]) -> dict[str, Any]:
    """An execution's input on the state machine ``start_arn`` starts: with many targets, for the one chosen."""
    return {**values, **json.loads(outputs.get("TargetInput", "{}"))}


def start_arn(outputs: dict[str, str]) -> str:
    """Where a run for a date or a deployment starts: the pipeline, or with many targets the fan-out (overrides, digest)."""
    return outputs.get("StartArn") or outputs["StateMachineArn"]


def history_of(outputs: dict[str, str]):
    """The stack's deployment history (its DeploymentHistory output, s3://BUCKET/PREFIX/GROUP/)."""
    from pipeline_common import history

    uri = outputs.get("DeploymentHistory", "")
    if not uri.startswith("s3://"):
        raise UsageError("the stack has no DeploymentHistory output: deploy this version of the pipeline first (./create-stack.sh)")
    bucket, _, folder = uri.removeprefix("s3://").partition("/")
    prefix, _, group = folder.rstrip("/").rpartition("/")
    return history.Location(bucket, prefix, group)


def caller(session) -> str:
    """Who is asking, as the deployment record and Slack will name them."""
    arn = session.client("sts").get_caller_identity()["Arn"]
    return arn.rsplit("/", 1)[-1] if ":assumed-role/" in arn else arn.rsplit(":", 1)[-1]


def describe_version(package: dict[str, Any]) -> str:
    metadata = package.get("CustomerMetadataProperties", {})
    return (f"version {package['Version']}: {package['ModelApprovalStatus']}, data of {metadata.get('data_date', '?')}, "
            f"{metadata.get('metric_name', 'metric')} {metadata.get('metric_value', '?')} ({metadata.get('comparison', 'no comparison')})")
