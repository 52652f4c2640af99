"""The model registry as the pipeline uses it: versions and approval. Which version served when is
not kept here but in the deployment history (``history``): a versioned model package takes no tags.
"""

import re
from typing import Any

from .aws import retryable_errors
from .errors import InvalidInput

APPROVED, REJECTED, PENDING = "Approved", "Rejected", "PendingManualApproval"
DEPLOY_PACKAGE = "DEPLOY_PACKAGE"           # execution input key: deploy exactly this package, skip data and training
ORIGINS = ("approval", "rollback")


def version_of(arn: str) -> int:
    match = re.search(r":model-package/[^/]+/(\d+)$", arn)
    if not match:
        raise InvalidInput(f"{arn!r} is not a versioned model package ARN (…:model-package/GROUP/VERSION)")
    return int(match.group(1))


def packages(sagemaker, group: str) -> list[dict[str, Any]]:
    """Every version of the group, oldest first."""
    with retryable_errors(f"ListModelPackages {group}"):
        found = [summary for page in sagemaker.get_paginator("list_model_packages").paginate(
            ModelPackageGroupName=group, SortBy="CreationTime", SortOrder="Ascending") for summary in page["ModelPackageSummaryList"]]
    return [describe(sagemaker, summary["ModelPackageArn"]) for summary in found]


def describe(sagemaker, arn: str) -> dict[str, Any]:
    with retryable_errors(f"DescribeModelPackage {arn}"):
        package = sagemaker.describe_model_package(ModelPackageName=arn)
    package["Version"] = version_of(package["ModelPackageArn"])
    return package


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


def serving_history(versions: list[dict[str, Any]], records: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """(record, the version it deployed, or None when that version left the registry) for every deployment, in time order."""
    by_arn = {package["ModelPackageArn"]: package for package in versions}
    return [(entry, by_arn.get(entry["model_package_arn"])) for entry in sorted(records, key=lambda entry: entry["at"])]


def previous_served(versions: list[dict[str, Any]], records: list[dict[str, Any]], current_arn: str) -> dict[str, Any] | None:
    """The Approved version that served before the current one went live (the rollback target)."""
    history = serving_history(versions, records)
    current_index = max((i for i, (entry, _) in enumerate(history) if entry["model_package_arn"] == current_arn), default=None)
    if current_index is None:
        return None
    for entry, package in reversed(history[:current_index]):
        if package and entry["model_package_arn"] != current_arn and package["ModelApprovalStatus"] == APPROVED:
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


def rollback_target(versions: list[dict[str, Any]], records: list[dict[str, Any]], serving_arn: str, to_version: int | None = None) -> dict[str, Any]:
    """The named version, or the Approved version that served before the one serving now (from the deployment history)."""
    if to_version is not None:
        target = find_version(versions, to_version)
        if target["ModelApprovalStatus"] != APPROVED:
            raise InvalidInput(f"version {to_version} is {target['ModelApprovalStatus']}: only an Approved version can be rolled back to")
        return target
    if not serving_arn:
        raise InvalidInput("no version of this pipeline serves now: name one with --to VERSION")
    previous = previous_served(versions, records, serving_arn)
    if previous is None:
        raise InvalidInput(f"version {version_of(serving_arn)} serves and the deployment history shows no Approved version that served "
                           "before it: name one with --to VERSION")
    return previous
