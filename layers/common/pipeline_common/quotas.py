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
    values: dict[str, float] = {}
    token = None
    while True:
        with retryable_errors("ListServiceQuotas sagemaker"):
            page = service_quotas.list_service_quotas(ServiceCode=SERVICE_CODE, **({"NextToken": token} if token else {}))
        values |= {quota["QuotaName"]: float(quota["Value"]) for quota in page.get("Quotas", [])}
        token = page.get("NextToken")
        if not token:
            return values


def training_usage(sagemaker, instance_type: str) -> float:
    usage, token = 0.0, None
    while True:
        with retryable_errors("ListTrainingJobs"):
            page = sagemaker.list_training_jobs(StatusEquals="InProgress", MaxResults=100, **({"NextToken": token} if token else {}))
        for summary in page.get("TrainingJobSummaries", []):
            job = describe_or_none(sagemaker.describe_training_job, "DescribeTrainingJob", TrainingJobName=summary["TrainingJobName"]) or {}
            resources = job.get("ResourceConfig", {})
            if resources.get("InstanceType") == instance_type:
                usage += resources.get("InstanceCount", 0)
        token = page.get("NextToken")
        if not token:
            return usage


def endpoint_usage(sagemaker, instance_type: str) -> float:
    usage, token = 0.0, None
    while True:
        with retryable_errors("ListEndpoints"):
            page = sagemaker.list_endpoints(MaxResults=100, **({"NextToken": token} if token else {}))
        for summary in page.get("Endpoints", []):
            endpoint = describe_or_none(sagemaker.describe_endpoint, "DescribeEndpoint", EndpointName=summary["EndpointName"]) or {}
            config = describe_or_none(sagemaker.describe_endpoint_config, "DescribeEndpointConfig",
                                      EndpointConfigName=endpoint.get("EndpointConfigName", "")) if endpoint else None
            for variant in (config or {}).get("ProductionVariants", []):
                if variant.get("InstanceType") == instance_type:
                    usage += variant.get("InitialInstanceCount", 0)
        token = page.get("NextToken")
        if not token:
            return usage


def check_room(service_quotas, sagemaker, training: tuple[str, int], hosting: tuple[str, int] | None, updating: bool, log: Any) -> None:
    """Fail with every shortfall named, or return; ``hosting`` None when the endpoint is serverless."""
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
