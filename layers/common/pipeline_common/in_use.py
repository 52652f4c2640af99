"""The model in use, decided once for every step and script.

With ``deploy_target: endpoint`` it is the model the endpoint serves. With ``deploy_target: batch``
there is no endpoint: it is the version of the last deployment recorded in the deployment history
(``history``), written by DeployModel when a version goes into use (a daily run, an approval, a rollback).
"""

from typing import Any

from botocore.exceptions import ClientError

from . import config, endpoints, history, registry
from .aws import describe_or_none, is_not_found

ENDPOINT, BATCH = "endpoint", "batch"
DEPLOY_TARGETS = (ENDPOINT, BATCH)


def deploy_target() -> str:
    return config.one_of("DEPLOY_TARGET", DEPLOY_TARGETS)


def model_name(package: dict[str, Any], group: str) -> str:
    """The SageMaker model a version runs as: named after its training job (or the version, for one registered by hand)."""
    return package.get("CustomerMetadataProperties", {}).get("training_job") or f"{group}-v{package['Version']}"


def in_history(sagemaker, s3, where: history.Location, metric: str | None = None) -> dict[str, Any]:
    """The version of the last recorded deployment, as ``endpoints.serving_model`` describes a served one."""
    last = history.latest(s3, where)
    if last is None:
        return endpoints.nothing_serving(f"no version of {where.group} is in use yet (no deployment recorded under {where.uri})")
    package_arn = last["model_package_arn"]
    try:
        package = registry.describe(sagemaker, package_arn)
    except ClientError as error:
        if not is_not_found(error):
            raise
        return endpoints.nothing_serving(f"the version in use ({package_arn}) is no longer in the registry")
    name = model_name(package, where.group)
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


def of_endpoint(sagemaker, endpoint_name: str, metric: str | None = None) -> dict[str, Any]:
    endpoint = describe_or_none(sagemaker.describe_endpoint, f"DescribeEndpoint {endpoint_name}", EndpointName=endpoint_name)
    return endpoints.serving_model(sagemaker, endpoint, metric)


def of_stack(sagemaker, s3, target: str, endpoint_name: str, where: history.Location, metric: str | None = None) -> dict[str, Any]:
    """The model in use for a stack with ``target`` (its endpoint's, or the last deployment recorded under ``where``)."""
    return in_history(sagemaker, s3, where, metric) if target == BATCH else of_endpoint(sagemaker, endpoint_name, metric)


def current(sagemaker, s3, metric: str | None = None) -> dict[str, Any]:
    """The model in use for this function's stack (the environment says which target, endpoint and history)."""
    if deploy_target() == BATCH:
        return in_history(sagemaker, s3, history.location(), metric)
    return of_endpoint(sagemaker, config.required("ENDPOINT_NAME"), metric)
