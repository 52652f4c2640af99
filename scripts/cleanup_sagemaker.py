#!/usr/bin/env python3
"""Delete the SageMaker endpoints, endpoint configs and models a pipeline stack created, and the
rollback alarms DeployModel created for a many-target stack's targets.

They are found by the retrain-pipeline=<stack> tag the functions put on everything they create,
so nothing else in the account is touched. Endpoints go first (they cost money by the hour).
"""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli import use_project_venv  # noqa: E402

use_project_venv()

import boto3  # noqa: E402
from botocore.exceptions import BotoCoreError, ClientError  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "layers" / "common"))

from pipeline_common.names import TAG_PIPELINE  # noqa: E402

KINDS = (
    ("endpoint", "list_endpoints", "Endpoints", "EndpointName", "EndpointArn", "delete_endpoint"),
    ("endpoint config", "list_endpoint_configs", "EndpointConfigs", "EndpointConfigName", "EndpointConfigArn", "delete_endpoint_config"),
    ("model", "list_models", "Models", "ModelName", "ModelArn", "delete_model"),
)


def tagged(sagemaker, stack: str) -> list[tuple[str, str, str]]:
    """(kind, name, delete method) of every resource tagged for ``stack``, endpoints first."""
    found = []
    for kind, lister, key, name_field, arn_field, deleter in KINDS:
        for page in sagemaker.get_paginator(lister).paginate():
            for item in page[key]:
                tags = {t["Key"]: t["Value"] for t in sagemaker.list_tags(ResourceArn=item[arn_field]).get("Tags", [])}
                if tags.get(TAG_PIPELINE) == stack:
                    found.append((kind, item[name_field], deleter))
    return found


ALARMS_PER_DELETE = 100      # botocore cloudwatch DeleteAlarms: AlarmNames at most 100


def tagged_alarms(cloudwatch, stack: str) -> list[str]:
    """Rollback alarms named <stack>-… and tagged for ``stack`` (with one target the stack's own alarms are its
    resources, untagged: CloudFormation deletes them)."""
    found = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"{stack}-", AlarmTypes=["MetricAlarm"]):
        for alarm in page.get("MetricAlarms", []):
            tags = {t["Key"]: t["Value"] for t in cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"]).get("Tags", [])}
            if tags.get(TAG_PIPELINE) == stack:
                found.append(alarm["AlarmName"])
    return found


def delete_alarms(cloudwatch, alarms: list[str], printer: Callable[[str], None] = print) -> list[str]:
    errors = []
    for start in range(0, len(alarms), ALARMS_PER_DELETE):
        chunk = alarms[start:start + ALARMS_PER_DELETE]
        try:
            cloudwatch.delete_alarms(AlarmNames=chunk)
            printer(f"deleted rollback alarm(s) {', '.join(chunk)}")
        except ClientError as error:
            errors.append(f"rollback alarms {', '.join(chunk)}: {error}")
    return errors


def delete(sagemaker, resources: list[tuple[str, str, str]], printer: Callable[[str], None] = print) -> list[str]:
    """Delete each resource; returns the errors, so one failure does not leave the rest behind."""
    errors = []
    for kind, name, deleter in resources:
        argument = {"delete_endpoint": "EndpointName", "delete_endpoint_config": "EndpointConfigName", "delete_model": "ModelName"}[deleter]
        try:
            getattr(sagemaker, deleter)(**{argument: name})
            printer(f"deleted {kind} {name}")
        except ClientError as error:
            errors.append(f"{kind} {name}: {error}")
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack", required=True, help="the pipeline's CloudFormation stack name")
    parser.add_argument("--region", help="AWS region (default: your AWS configuration's)")
    parser.add_argument("--yes", action="store_true", help="do not ask before deleting")
    args = parser.parse_args(argv)
    try:
        sagemaker, cloudwatch = boto3.client("sagemaker", region_name=args.region), boto3.client("cloudwatch", region_name=args.region)
        resources = tagged(sagemaker, args.stack)
        alarms = tagged_alarms(cloudwatch, args.stack)
    except (BotoCoreError, ClientError) as error:
        print(f"cannot list SageMaker resources and rollback alarms: {error}", file=sys.stderr)
        return 1
    if not resources and not alarms:
        print(f"no SageMaker endpoints, endpoint configs, models or rollback alarms tagged {TAG_PIPELINE}={args.stack}")
        return 0
    for kind, name, _ in resources:
        print(f"  {kind}: {name}")
    for name in alarms:
        print(f"  rollback alarm: {name}")
    if not args.yes and input(f"Delete these {len(resources) + len(alarms)} resources? [y/N] ").strip().lower() not in ("y", "yes"):
        print("nothing deleted")
        return 1
    errors = delete(sagemaker, resources) + delete_alarms(cloudwatch, alarms)
    for error in errors:
        print(f"could not delete {error}", file=sys.stderr)
    return 1 if errors else 0

if __name__ == "__main__":
    sys.exit(main())
