"""The model in use, decided once for every step and script.

With ``deploy_target: endpoint`` it is the model the endpoint serves. With ``deploy_target: batch``
there is no endpoint: the model package group carries a tag naming the version in use, moved by
DeployModel when a version goes into use (a daily run, an approval, a rollback). The deployment
records on the versions stay the history; the tag is the one answer to "which model now".
"""

from typing import Any

from botocore.exceptions import ClientError

from . import config, endpoints, registry
from .aws import describe_or_none, is_not_found, retryable_errors

ENDPOINT, BATCH = "endpoint", "batch"
DEPLOY_TARGETS = (ENDPOINT, BATCH)
TAG_IN_USE = "retrain-pipeline:in-use"


def deploy_target() -> str:
    return config.one_of("DEPLOY_TARGET", DEPLOY_TARGETS)


def model_name(package: dict[str, Any], group: str) -> str:
    """The SageMaker model a version runs as: named after its training job (or the version, for one registered by hand)."""
    return package.get("CustomerMetadataProperties", {}).get("training_job") or f"{group}-v{package['Version']}"


def group_arn(sagemaker, group: str) -> str:
    found = describe_or_none(sagemaker.describe_model_package_group, f"DescribeModelPackageGroup {group}", ModelPackageGroupName=group)
    return found["ModelPackageGroupArn"] if found else ""


def in_registry(sagemaker, group: str, metric: str | None = None) -> dict[str, Any]:
    """The version the group marks as in use, as ``endpoints.serving_model`` describes a served one."""
    arn = group_arn(sagemaker, group)
    if not arn:
        return endpoints.nothing_serving(f"no model package group {group} yet")
    package_arn = endpoints.resource_tags(sagemaker, arn).get(TAG_IN_USE, "")
    if not package_arn:
        return endpoints.nothing_serving(f"no version of {group} is in use yet")
    try:
        package = registry.describe(sagemaker, package_arn)
    except ClientError as error:
        if not is_not_found(error):
            raise
        return endpoints.nothing_serving(f"the version in use ({package_arn}) is no longer in the registry")
    name = model_name(package, group)
    serving = {**endpoints.nothing_serving(""), "model_package_arn": package_arn,
               "training_job": package.get("CustomerMetadataProperties", {}).get("training_job", ""),
               "artifact": package["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]}
    if not describe_or_none(sagemaker.describe_model, f"DescribeModel {name}", ModelName=name):
        return {**serving, "why": f"model {name} of version {package['Version']} in use was deleted: "
                                  f"scripts/rollback --to {package['Version']} creates it again"}
    serving["model_name"] = name
    if not serving["training_job"]:
        return {**serving, "why": f"version {package['Version']} in use was not trained by this pipeline"}
    return endpoints.with_metric(sagemaker, serving, metric)


def put_in_use(sagemaker, group: str, package_arn: str) -> None:
    arn = group_arn(sagemaker, group)
    with retryable_errors(f"AddTags {arn}"):
        sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": TAG_IN_USE, "Value": package_arn}])


def of_stack(sagemaker, target: str, endpoint_name: str, group: str, metric: str | None = None) -> dict[str, Any]:
    """The model in use for a stack with ``target`` (its endpoint's, or its group's marked version)."""
    if target == BATCH:
        return in_registry(sagemaker, group, metric)
    endpoint = describe_or_none(sagemaker.describe_endpoint, f"DescribeEndpoint {endpoint_name}", EndpointName=endpoint_name)
    return endpoints.serving_model(sagemaker, endpoint, metric)


def current(sagemaker, metric: str | None = None) -> dict[str, Any]:
    """The model in use for this function's stack (the environment says which target, endpoint and group)."""
    target = deploy_target()
    return of_stack(sagemaker, target, config.required("ENDPOINT_NAME") if target == ENDPOINT else "",
                    config.required("MODEL_PACKAGE_GROUP") if target == BATCH else "", metric)
