#!/usr/bin/env python3
"""Delete the SageMaker endpoints, endpoint configs and models a pipeline stack created.

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
        sagemaker = boto3.client("sagemaker", region_name=args.region)
        resources = tagged(sagemaker, args.stack)
    except (BotoCoreError, ClientError) as error:
        print(f"cannot list SageMaker resources: {error}", file=sys.stderr)
        return 1
    if not resources:
        print(f"no SageMaker endpoints, endpoint configs or models tagged {TAG_PIPELINE}={args.stack}")
        return 0
    for kind, name, _ in resources:
        print(f"  {kind}: {name}")
    if not args.yes and input(f"Delete these {len(resources)} SageMaker resources? [y/N] ").strip().lower() not in ("y", "yes"):
        print("nothing deleted")
        return 1
    errors = delete(sagemaker, resources)
    for error in errors:
        print(f"could not delete {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
