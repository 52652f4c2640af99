"""What approve-model, rollback and model-history share: the deployed stack's registry, and who is asking."""

import argparse
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


def stack_of(args: argparse.Namespace) -> str:
    from pipeline_stack import stack_name

    return args.stack or stack_name(args.env)


def stack_outputs(session, stack: str) -> dict[str, str]:
    from pipeline_stack import outputs

    return outputs(session.client("cloudformation"), stack)


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
