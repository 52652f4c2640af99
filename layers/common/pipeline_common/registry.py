"""The model registry as the pipeline uses it: versions, approval, and the record of deployments.

Every deployment is recorded on the model package it deployed, as a tag
`retrain-pipeline:deployed:<UTC time>` whose value says where, by which execution and what it
replaced. Tags, not UpdateModelPackage: a registry update would emit another "Model Package
State Change" event, and in Manual approval mode that event starts deployments.
"""

import re
from datetime import UTC, datetime
from typing import Any

from .aws import retryable_errors
from .errors import InvalidInput

DEPLOYED_TAG_PREFIX = "retrain-pipeline:deployed:"
APPROVED, REJECTED, PENDING = "Approved", "Rejected", "PendingManualApproval"
DEPLOY_PACKAGE = "DEPLOY_PACKAGE"           # execution input key: deploy exactly this package, skip data and training
ORIGINS = ("approval", "rollback")
TAG_VALUE_MAX = 256


def version_of(arn: str) -> int:
    match = re.search(r":model-package/[^/]+/(\d+)$", arn)
    if not match:
        raise InvalidInput(f"{arn!r} is not a versioned model package ARN (…:model-package/GROUP/VERSION)")
    return int(match.group(1))


def packages(sagemaker, group: str) -> list[dict[str, Any]]:
    """Every version of the group, oldest first, each with its deployment records."""
    with retryable_errors(f"ListModelPackages {group}"):
        found = [summary for page in sagemaker.get_paginator("list_model_packages").paginate(
            ModelPackageGroupName=group, SortBy="CreationTime", SortOrder="Ascending") for summary in page["ModelPackageSummaryList"]]
    return [describe(sagemaker, summary["ModelPackageArn"]) for summary in found]


def describe(sagemaker, arn: str) -> dict[str, Any]:
    with retryable_errors(f"DescribeModelPackage {arn}"):
        package = sagemaker.describe_model_package(ModelPackageName=arn)
    with retryable_errors(f"ListTags {arn}"):
        tags = {t["Key"]: t["Value"] for t in sagemaker.list_tags(ResourceArn=arn).get("Tags", [])}
    package["Deployments"] = sorted(
        ({"at": key.removeprefix(DEPLOYED_TAG_PREFIX), "record": value} for key, value in tags.items() if key.startswith(DEPLOYED_TAG_PREFIX)),
        key=lambda d: d["at"],
    )
    package["Version"] = version_of(package["ModelPackageArn"])
    return package


def record_deployment(sagemaker, arn: str, endpoint: str, execution: str, replaced: str, origin: str, live_since: datetime | None = None) -> str:
    """Tag the package with when it went live (the endpoint's LastModifiedTime once it serves it), where
    (``endpoint``, or "" for batch predictions),
    by which execution, and what it replaced.

    Once per going live: SageMaker may emit a package state change more than once (its EventBridge
    documentation says so), and every copy starts an execution that ends here; a record of the same
    moment is kept, not written again.
    """
    at = (live_since or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with retryable_errors(f"ListTags {arn}"):
        existing = {t["Key"] for t in sagemaker.list_tags(ResourceArn=arn).get("Tags", [])}
    if f"{DEPLOYED_TAG_PREFIX}{at}" in existing:
        return at
    replaced_text = "nothing" if not replaced else f"version {version_of(replaced)}" if re.search(r"/\d+$", replaced) else replaced
    where = f"endpoint={endpoint}" if endpoint else "target=batch predictions"
    record = f"{where}; origin={origin}; replaced={replaced_text}; execution={execution.rsplit(':', 1)[-1]}"[:TAG_VALUE_MAX]
    with retryable_errors(f"AddTags {arn}"):
        sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": f"{DEPLOYED_TAG_PREFIX}{at}", "Value": record}])
    return at


def set_approval(sagemaker, arn: str, approved: bool, description: str) -> None:
    """Approve or reject a version; the description (who and why) is kept by the registry."""
    with retryable_errors(f"UpdateModelPackage {arn}"):
        sagemaker.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=APPROVED if approved else REJECTED,
                                       ApprovalDescription=description[:1024])


def deployment_input(arn: str, origin: str, requested_by: str = "", reason: str = "") -> dict[str, str]:
    """The execution input that deploys exactly ``arn`` through the pipeline's deploy and endpoint loop."""
    if origin not in ORIGINS:
        raise InvalidInput(f"origin {origin!r} is not one of {ORIGINS}")
    return {DEPLOY_PACKAGE: arn, "ORIGIN": origin, "REQUESTED_BY": requested_by, "REASON": reason}


def serving_history(versions: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], str]]:
    """(went live at, package, record) for every deployment, in time order."""
    return sorted(((d["at"], package, d["record"]) for package in versions for d in package["Deployments"]), key=lambda item: item[0])


def previous_served(versions: list[dict[str, Any]], current_arn: str) -> dict[str, Any] | None:
    """The Approved version that served before the current one went live (the rollback target)."""
    history = serving_history(versions)
    current_index = max((i for i, (_, package, _) in enumerate(history) if package["ModelPackageArn"] == current_arn), default=None)
    if current_index is None:
        return None
    for _, package, _ in reversed(history[:current_index]):
        if package["ModelPackageArn"] != current_arn and package["ModelApprovalStatus"] == APPROVED:
            return package
    return None


def find_version(versions: list[dict[str, Any]], version: int) -> dict[str, Any]:
    for package in versions:
        if package["Version"] == version:
            return package
    known = ", ".join(str(p["Version"]) for p in versions) or "none"
    raise InvalidInput(f"there is no version {version} in the model package group (versions: {known})")


def latest_pending(versions: list[dict[str, Any]]) -> dict[str, Any]:
    pending = [p for p in versions if p["ModelApprovalStatus"] == PENDING]
    if not pending:
        raise InvalidInput("no version is PendingManualApproval: nothing to approve or reject")
    return pending[-1]


def rollback_target(versions: list[dict[str, Any]], serving_arn: str, to_version: int | None = None) -> dict[str, Any]:
    """The named version, or the Approved version that served before the one serving now."""
    if to_version is not None:
        target = find_version(versions, to_version)
        if target["ModelApprovalStatus"] != APPROVED:
            raise InvalidInput(f"version {to_version} is {target['ModelApprovalStatus']}: only an Approved version can be rolled back to")
        return target
    if not serving_arn:
        raise InvalidInput("no version of this pipeline serves now: name one with --to VERSION")
    previous = previous_served(versions, serving_arn)
    if previous is None:
        raise InvalidInput(f"version {version_of(serving_arn)} serves and nothing served before it: name one with --to VERSION")
    return previous
