"""Before spending money: do the account's SageMaker quotas have room for today's training job and,
for an endpoint update (blue/green starts a second fleet), for the extra endpoint instances?

The quota is read from Service Quotas (the applied value); the usage from SageMaker itself:
running training jobs and in-service endpoints of the same instance type. A quota Service Quotas
does not list, or cannot be read, is not a reason to stop: it is logged and the run goes on.
"""

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from .aws import describe_or_none, error_code, retryable_errors
from .errors import PipelineError

SERVICE_CODE = "sagemaker"


class QuotaShort(PipelineError):
    """A SageMaker quota has no room for what today's run needs."""


@dataclass(frozen=True)
class Need:
    quota: str
    usage: float
    need: float

    def shortfall(self, limit: float) -> str:
        if self.usage + self.need <= limit:
            return ""
        return f"quota '{self.quota}' is {limit:g}: {self.usage:g} in use + {self.need:g} needed = {self.usage + self.need:g}"


def applied_quotas(service_quotas) -> dict[str, float]:
    """Quota name -> applied value, for SageMaker."""
    with retryable_errors("ListServiceQuotas sagemaker"):
        return {quota["QuotaName"]: float(quota["Value"])
                for page in service_quotas.get_paginator("list_service_quotas").paginate(ServiceCode=SERVICE_CODE)
                for quota in page.get("Quotas", [])}


def training_usage(sagemaker, instance_type: str) -> float:
    """Instances of ``instance_type`` that running training jobs hold."""
    with retryable_errors("ListTrainingJobs"):
        running = [s["TrainingJobName"] for page in sagemaker.get_paginator("list_training_jobs").paginate(StatusEquals="InProgress")
                   for s in page.get("TrainingJobSummaries", [])]
    usage = 0.0
    for name in running:
        resources = (describe_or_none(sagemaker.describe_training_job, "DescribeTrainingJob", TrainingJobName=name) or {}).get("ResourceConfig", {})
        usage += resources.get("InstanceCount", 0) if resources.get("InstanceType") == instance_type else 0
    return usage


def endpoint_usage(sagemaker, instance_type: str) -> float:
    """Instances of ``instance_type`` that the account's endpoints run."""
    with retryable_errors("ListEndpoints"):
        names = [s["EndpointName"] for page in sagemaker.get_paginator("list_endpoints").paginate() for s in page.get("Endpoints", [])]
    usage = 0.0
    for name in names:
        endpoint = describe_or_none(sagemaker.describe_endpoint, "DescribeEndpoint", EndpointName=name) or {}
        config = describe_or_none(sagemaker.describe_endpoint_config, "DescribeEndpointConfig",
                                  EndpointConfigName=endpoint["EndpointConfigName"]) if endpoint.get("EndpointConfigName") else None
        usage += sum(v.get("InitialInstanceCount", 0) for v in (config or {}).get("ProductionVariants", []) if v.get("InstanceType") == instance_type)
    return usage


def check_room(service_quotas, sagemaker, training: tuple[str, int], hosting: tuple[str, int] | None, updating: bool, log: Any) -> None:
    """Fail with every shortfall named, or return; ``hosting`` None when there are no endpoint instances (serverless, or batch predictions)."""
    try:
        limits = applied_quotas(service_quotas)
    except ClientError as error:
        log.warning("SageMaker quotas could not be read; not checked", extra={"error": error_code(error)})
        return
    needs = [Need(f"{training[0]} for training job usage", training_usage(sagemaker, training[0]), training[1])]
    if hosting:
        # Blue/green keeps the old fleet while the new one starts: an update needs the instances twice.
        needs.append(Need(f"{hosting[0]} for endpoint usage", endpoint_usage(sagemaker, hosting[0]), hosting[1] * (2 if updating else 1)))
    problems = []
    for need in needs:
        if need.quota not in limits:
            log.warning("quota not listed by Service Quotas; not checked", extra={"quota": need.quota})
            continue
        problems.append(need.shortfall(limits[need.quota]))
    problems = [p for p in problems if p]
    if problems:
        raise QuotaShort("; ".join(problems) + ". Request an increase in Service Quotas (Amazon SageMaker) or lower the instance count. "
                         "No training job was started")
